/* docx.h — a Word .docx attachment as a FormSource (extract.h): the rows of
 * its tables and its body paragraphs, for the form reader (form.c).
 *
 * Only word/document.xml is read.  It is parsed by libxml2 without network
 * access, without loading or expanding any entity, and a document with a
 * DOCTYPE is refused (OPC forbids DTDs in package parts; a DOCTYPE in a
 * .docx is an entity-expansion or external-entity attack). */
#pragma once

#include <stddef.h>

#include "read/extract.h"

/* word/document.xml larger than this (uncompressed) is refused. */
#define DOCX_MAX_DOCUMENT ((size_t)50 << 20)

/* Reads the .docx in data[0..len).
 *
 * On success *ret is overwritten (not freed first) with:
 *   rows — one per w:tr of the innermost tables.  Cell text is the cell's
 *     paragraphs joined by \n (w:t runs concatenated, w:tab a TAB, w:br and
 *     w:cr a line break), trimmed; empty cells are ignored and then, as in
 *     html.h: two cells give (label, value), three or more give the first as
 *     label and the others joined by a space (a first cell that only
 *     numbers the question is dropped first); one not empty among several
 *     cells gives (text, "").  A row of one cell, and a row with a cell
 *     that holds another table, gives none: its cells are text.
 *   text — the body paragraphs outside tables, and the cells of the rows
 *     just named where they stand, one paragraph per line, trimmed, runs
 *     of blank lines made one; NULL when there are none.
 * Content controls (w:sdt) count by their w:sdtContent, unless they show
 * their placeholder; hyperlinks, smart tags, fields' results and insertions
 * (w:ins) count; deletions (w:del, w:moveFrom), field codes (w:instrText)
 * and mc:Fallback copies of text boxes do not.  Strings are UTF-8; the
 * caller frees *ret with form_source_free().
 *
 * Returns 0, -EINVAL (data NULL), -EBADMSG (not a zip, no
 * word/document.xml, a damaged entry, malformed XML or a DOCTYPE), -EFBIG
 * (word/document.xml over DOCX_MAX_DOCUMENT) or -ENOMEM (libarchive or
 * libxml2 could not allocate); *ret is untouched on failure. */
int docx_extract(const void *data, size_t len, FormSource *ret);

/* docx_extract(), and on failure *ret_why (when ret_why is not NULL) says
 * why in words for the DPO, one line: "not a zip archive: damaged, or not
 * a Word .docx", "encrypted (password-protected), or an old Word .doc: an
 * OLE compound file, not a .docx zip", "word/document.xml inflates to more
 * than 50 MiB (a zip bomb?)", ...; NULL on success.  Caller frees. */
int docx_extract_why(const void *data, size_t len, FormSource *ret, char **ret_why);

/* The second half of docx_extract(): word/document.xml itself (len bytes,
 * already out of the zip) into *ret, with the same rules, results and
 * errors (-EBADMSG for malformed XML or a DOCTYPE, -EFBIG over
 * DOCX_MAX_DOCUMENT).  For the tests and the fuzzer (docs/FUZZING.md). */
int docx_read_xml(const char *xml, size_t len, FormSource *ret);
