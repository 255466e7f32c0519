/* report.h — reading the form out of a parsed message: chooses between the
 * alternatives of a multipart/alternative (the one that yields most fields),
 * merges separate parts (body, attachments, forwarded message) with the
 * first value winning, and falls back to the free text of the mail. */
#pragma once

#include "read/form.h"
#include "read/message.h"

typedef struct {
        size_t n_fields;        /* labelled fields found */
        bool free_text;         /* no labels: the mail's text was taken as the nature */
        char *forwarded_by;     /* "Name <addr>" of who passed it on, when forwarded */
        char *orig_from;        /* original sender of a forward, when known */
} ReportInfo;
void report_info_free(ReportInfo *i);

void report_read(const Message *m, const FormLabels *labels, FormRecord *rec, ReportInfo *ret_info);
