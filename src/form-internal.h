/* form-internal.h — for form.c, form_text.c and form_fields.c only. */
#pragma once

#include <stddef.h>

#include "form.h"

typedef enum {
        LABEL_WORDING,   /* the wording of a known label: exact, without guidance, reordered */
        LABEL_QUESTION,  /* ...or, failing that, the key words of a question */
} LabelMatch;

/* form_labels_match() with the steps limited to how.  LABEL_QUESTION is for
 * text that certainly stands where a label does (a table's left cell, text
 * before a colon that reads like a question). */
int form_labels_match_how(const FormLabels *l, const char *text, LabelMatch how);

/* The field a question asks for, by its key words (form_fields.c); norm is
 * normalised (form_label_normalise) without guidance.  -1 when none. */
int form_match_question(const char *norm);

/* Adds a note (taking it) unless the record has NOTES_MAX already. */
void form_record_note(FormRecord *r, char *note);

/* Space-separated words in s. */
size_t form_count_words(const char *s);
