/* pdf.h — a PDF attachment as a FormSource (extract.h): the values of its
 * filled-in AcroForm fields as rows and its text as lines, for the form
 * reader (form.c).
 *
 * Read with poppler's GLib API from memory, never from a file, with no
 * password and no network; like every reader of a message it runs in the
 * guard's bounded worker (base/guard.h), which takes a crash or a hang.
 * It is bounded here too: at most PDF_MAX_PAGES pages, PDF_MAX_TEXT bytes
 * of text and PDF_MAX_FIELDS fields are read. */
#pragma once

#include <stddef.h>

#include "read/extract.h"

/* A PDF larger than this is refused (the message's own part limit, 25 MiB
 * by default, stops larger parts before they get here). */
#define PDF_MAX_SIZE ((size_t)25 << 20)
/* Pages after this many are not read: a report is a few pages. */
#define PDF_MAX_PAGES 50
/* Text after this many bytes is not read. */
#define PDF_MAX_TEXT ((size_t)1 << 20)
/* Fields after this many are not read. */
#define PDF_MAX_FIELDS 500

/* Reads the PDF in data[0..len).
 *
 * On success *ret is overwritten (not freed first) with:
 *   rows — one per filled-in AcroForm field, in page order: the label is
 *     the field's tooltip (its alternate name, TU: what a person reads as
 *     the question) or else its name (partial name, "_" read as a space),
 *     or, for a name a form program made up ("Text1", "Check Box2",
 *     "Group3") or none, the words printed left of the widget on its line,
 *     else on the line above; the value is a text field's text (a CR a
 *     line break), a choice field's selected items joined by ", " (or its
 *     typed text), "Yes" for a ticked check box, and for a radio group the
 *     words printed beside its ticked button (right of it, else left; the
 *     group's question is found at its first button).  Empty fields,
 *     unticked boxes, a group with no button ticked, push buttons and
 *     signatures give none.
 *     Then one per row of a two-column table in a page's text (a form
 *     typed into a Word or Writer table, or an HTML table, saved as PDF):
 *     three or more lines whose answers start at one x beside a question,
 *     the rows parted by the gaps between lines at the cells' borders, or
 *     by the entries of a first column numbering the questions (a number
 *     stays in its question's label: "1. Name");
 *     the question's lines joined by spaces, the answer's kept as lines
 *     except where one runs to the column's edge and wraps on.  A page
 *     with form fields, or whose left column is as long-lined as running
 *     text, has no table.
 *   text — the text of the pages, in poppler's reading order, one line per
 *     line, trimmed, runs of blank lines made one, less a table read as
 *     rows and the words beside radio buttons (choices offered, not
 *     answers); NULL when there is none.
 * Strings are UTF-8; the caller frees *ret with form_source_free().
 *
 * Returns 0, -EINVAL (data NULL), -EFBIG (over PDF_MAX_SIZE), -EBADMSG
 * (not a PDF, or damaged), -EACCES (encrypted with a password) or -ENODATA
 * (no text and no filled field: a scan, or pictures only); *ret is
 * untouched on failure. */
int pdf_extract(const void *data, size_t len, FormSource *ret);

/* pdf_extract(), and on failure *ret_why (when ret_why is not NULL) says
 * why in words for the DPO and the reporter, one line: "a scanned PDF with
 * no text: needs reading by a person", "encrypted (password-protected):
 * needs opening by a person", "damaged, or not a PDF: ..."; NULL on
 * success.  Caller frees. */
int pdf_extract_why(const void *data, size_t len, FormSource *ret, char **ret_why);
