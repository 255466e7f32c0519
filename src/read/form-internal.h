/* form-internal.h — for form.c, form_text.c and form_fields.c only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "read/form.h"

typedef enum {
        LABEL_WORDING,   /* the wording of a known label: exact, without guidance, reordered */
        LABEL_QUESTION,  /* ...or, failing that, the key words of a question */
} LabelMatch;

/* form_labels_match() with the steps limited to how.  LABEL_QUESTION is for
 * text that certainly stands where a label does (a table's left cell, text
 * before a colon that reads like a question). */
int form_labels_match_how(const FormLabels *l, const char *text, LabelMatch how, bool *ret_negated);

/* The longest text matched as a label; longer text is none. */
#define FORM_LABEL_MAX 400
/* What normalising n bytes may take, NUL included: "&" becomes " and". */
#define FORM_NORM_CAP(n) (4 * (n) + 1)

/* form_label_normalise() into out, which holds FORM_NORM_CAP(strlen(s))
 * bytes; returns the length.  The readers normalise every line and every
 * candidate label: this spares them an allocation each time. */
size_t form_normalise_into(const char *s, char *out);
/* The first bytes of form_label_normalise(s) into out, at most cap - 1 of
 * them, the last word perhaps cut: for a test that a few words decide.
 * True when that is all of it. */
bool form_normalise_head(const char *s, char *out, size_t cap);

/* A buffer kept for normalising one line after another. */
typedef struct {
        char *s;
        size_t len, cap;
} FormNormBuf;
/* s normalised, in nb (valid until its next use). */
const char *form_norm_buf(FormNormBuf *nb, const char *s);
static inline void form_norm_buf_free(FormNormBuf *nb)
{
        free(nb->s);
        *nb = (FormNormBuf){0};
}

/* form_labels_match_how() for a caller that has normalised text already:
 * norm is form_label_normalise(text). */
int form_labels_match_norm(const FormLabels *l, const char *text, const char *norm, LabelMatch how,
                           bool *ret_negated);

/* The field a question asks for, by its key words (form_fields.c); norm is
 * normalised (form_label_normalise) without guidance.  -1 when none. */
int form_match_question(const char *norm);

/* Adds a note (taking it) unless the record has NOTES_MAX already. */
void form_record_note(FormRecord *r, char *note);

/* Space-separated words in s. */
size_t form_count_words(const char *s);
