/* extract.h — where a form can stand inside a message, as the extractors
 * (html.c, docx.c, message.c) hand it to the form reader (form.c).
 *
 * A FormSource is either table rows (label cell, value cell — the Word form
 * pasted into Outlook or a .docx) or text lines ("Label: value"), or both. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

typedef struct {
        char *label;   /* left cell, UTF-8, trimmed */
        char *value;   /* right cell, UTF-8, trimmed; line breaks kept as \n */
} FormRow;

typedef struct {
        FormRow *rows;
        size_t n_rows;
        char *text;    /* UTF-8 text, lines separated by \n; NULL when none */
} FormSource;

void form_source_add_row(FormSource *s, const char *label, const char *value);
void form_source_free(FormSource *s);

/* The row rule of html.h and docx.h, in one place so that a table reads the
 * same pasted into a mail or attached as a .docx.  cells are a table row's
 * non-empty cells, n_all the number of its cells, empty ones included.  A
 * row of fewer than two cells is text, not a row ("Label: value" typed in
 * one cell, or a question whose answer is in the row below): false, and
 * nothing is added.  Otherwise a single non-empty cell is a question whose
 * answer cell is empty; a first column that only numbers the questions
 * ("1", "Q3", "a)") is dropped when two or more cells follow it; and the
 * first cell is the label, the others joined by spaces its value.  Returns
 * true when a row was added. */
bool form_source_add_cells(FormSource *s, const StrList *cells, size_t n_all);
