/* formread.h — the form read out of a parsed Message (message.h): chooses
 * between the alternatives of a multipart/alternative (the one that yields
 * most fields; on a tie a table, then HTML), merges separate parts (body,
 * attachments, forwarded message) with the first value winning, and falls
 * back to the free text of the mail.
 *
 * The raw answers only: what they mean is values.h's business, and whether
 * the worker already read them reading.h's. */
#pragma once

#include "read/form.h"
#include "read/message.h"

typedef struct {
        size_t n_fields;        /* labelled fields found */
        bool free_text;         /* no labels: the mail's text was taken as the nature */
        char *forwarded_by;     /* "Name <addr>" of who passed it on, when forwarded */
        char *orig_from;        /* original sender of a forward, when known */
} FormreadInfo;   /* owns its strings: formread_info_free() */
void formread_info_free(FormreadInfo *i);
/* Deep copy; dst is overwritten, not freed first. */
void formread_info_copy(FormreadInfo *dst, const FormreadInfo *src);

/* Reads m's form into rec (initialised; a field already set keeps its value)
 * and says how in *ret_info (overwritten; the caller frees it with
 * formread_info_free()). */
void formread_message(const Message *m, const FormLabels *labels, FormRecord *rec, FormreadInfo *ret_info);
