/* extract.h — where a form can stand inside a message, as the extractors
 * (html.c, docx.c, message.c) hand it to the form reader (form.c).
 *
 * A FormSource is either table rows (label cell, value cell — the Word form
 * pasted into Outlook or a .docx) or text lines ("Label: value"), or both. */
#pragma once

#include <stddef.h>

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
