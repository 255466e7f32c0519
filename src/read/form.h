/* form.h — the record a report is read into, and the form reader: label
 * matching and the readers of "Label: value" text and table rows.  The
 * fields themselves are base/fields.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/fields.h"
#include "base/util.h"


typedef enum {
        FV_ABSENT = 0,   /* not given */
        FV_OK,           /* given and understood */
        FV_UNCLEAR,      /* given, kept as text, not understood: ask again */
} FieldState;

typedef enum {
        DATE_NONE = 0,   /* no date parsed */
        DATE_DAY,        /* a calendar day, no time */
        DATE_MINUTE,     /* day and time */
        DATE_UNKNOWN,    /* "unknown", "not known": valid answer, no date */
} DatePrecision;

typedef struct {
        char *text;        /* as given (UTF-8, trimmed, line breaks kept); NULL when absent */
        FieldState state;
        /* Normalised value: enum label, configured directorate, "yes"/"no"/
         * "unknown", a comma-separated category list; for dates the ISO form
         * ("2022-01-06" or "2022-01-06T15:39:00Z", UTC); NULL when none. */
        char *canon;
        /* Dates: the instant (UTC seconds) — for DATE_DAY, local midnight of
         * that day in the configured zone. */
        int64_t when;
        DatePrecision date_prec;
        bool approx;       /* dates and counts: "approx", "about 30", "10,000+" */
        bool at_least;     /* counts: the number is a lower bound ("10,000+",
                            * "over 100", "several"); approx is then true too */
        int64_t count;     /* counts: lower bound; -1 when no number (TBC) */
} FieldValue;

typedef struct {
        FieldValue f[FIELD__MAX];
        StrList notes;       /* e.g. a second value for a label already given */
        StrList unknown_labels; /* "Label: value" lines that matched no field */
        StrList unreadable;  /* parts of the message that could not be read,
                              * "name: why" (Message.unreadable) */
} FormRecord;

void form_record_init(FormRecord *r);
void form_record_free(FormRecord *r);
/* Deep copy; dst is overwritten, not freed first. */
void form_record_copy(FormRecord *dst, const FormRecord *src);
/* Sets the raw text of field id (trimmed, cut to 16 KiB) if it is not set
 * yet; if it is, a different value is recorded in notes ("<label>" was
 * answered twice; the first answer was kept, the second was: ..."; at most
 * 20 such notes) and false is returned. */
bool form_record_set(FormRecord *r, FieldId id, const char *text);

/* The label set in force: defaults plus configured extras.  Matching
 * normalises both sides (case, punctuation, spaces, a leading number,
 * letter or bullet). */
typedef struct FormLabels FormLabels;
FormLabels *form_labels_new(void);
void form_labels_add(FormLabels *l, FieldId id, const char *label);
/* A wording of a yes/no field that asks the opposite question ("Has the
 * breach been contained?" for "Is the incident on-going?"): its answers are
 * turned round as they are read (values_negated_answer()). */
void form_labels_add_negated(FormLabels *l, FieldId id, const char *label);
void form_labels_free(FormLabels *l);
/* Returns the field whose label matches `text` (a candidate label, e.g. what
 * stands before a colon or in a table's left cell), or -1. */
int form_labels_match(const FormLabels *l, const char *text);
/* The same, and *ret_negated says whether the wording matched asks the
 * field's question the other way round (false when none matched). */
int form_labels_match_negated(const FormLabels *l, const char *text, bool *ret_negated);
/* Normalises a label for comparison; caller frees. */
char *form_label_normalise(const char *s);

/* Reading a form.  Each returns how many labelled fields it found; values
 * already set in rec are kept (the first value wins, later ones go to
 * rec->notes). */
size_t form_read_text(const FormLabels *labels, const char *text, FormRecord *rec);
#include "read/extract.h"
size_t form_read_rows(const FormLabels *labels, const FormRow *rows, size_t n, FormRecord *rec);
size_t form_read_source(const FormLabels *labels, const FormSource *src, FormRecord *rec);

/* The answers of a reply (a follow-up about a filed incident), which are
 * short answers with the writer's own words around them, not a form's
 * paragraphs: an answer whose first line is followed by a blank line is
 * that line alone ("Team: Payroll and Pensions", a blank line, then "(we
 * merged last month, sorry)" and "Mark" is "Payroll and Pensions"), and a
 * sign-off under it, with the writer's name or not ("Thanks, Mark"), is no
 * part of it.  A description (the nature, how it happened, the data, the
 * consequences, the measures...) keeps its paragraphs in a reply too: when
 * in doubt, keep what the reporter wrote.  A report's answers are read with
 * their paragraphs (form_read_text()). */
void form_reply_answers(FormRecord *rec);

/* Cuts, in place, a sign-off at the end of a report written without the
 * form ("Thanks,\nMark", "Kind regards\nSam Patel\nIT Services\n01632
 * 960000", or the writer's name alone as the last paragraph, "\n\nSam")
 * with the signature under it: what happened, not who wrote it (that is
 * the sender, writer_name and writer_addr; either may be NULL).  Only when
 * the sign-off follows some text and what is under it is a signature (at
 * most eight short lines); "Thanks to the caretaker, the files were found"
 * and a last paragraph that is not the writer's name are kept. */
void form_cut_signoff(char *text, const char *writer_name, const char *writer_addr);
