/* html.h — an HTML mail body as a FormSource (extract.h): the rows of its
 * tables and its visible text, for the form reader (form.c).
 *
 * Parsing is libxml2's HTML parser in recovery mode: tag soup, unclosed
 * tags and Word/Outlook markup are read the way a mail client shows them.
 * Never loads anything from the network. */
#pragma once

#include <stddef.h>

#include "read/extract.h"

/* Inputs longer than this are refused with -EFBIG. */
#define HTML_MAX_INPUT ((size_t)25 << 20)

/* Leave out quoted replies and forwarded messages from both rows and text:
 *   - <blockquote type="cite"> (Apple Mail, Thunderbird) and Thunderbird's
 *     "On ... wrote:" line (class moz-cite-prefix);
 *   - Gmail's <div class="gmail_quote"> and Yahoo's class yahoo_quoted;
 *   - Outlook: <div id="divRplyFwdMsg">, <div id="appendonsend">, a
 *     border-top separator div whose text starts "From:" or "Sent:", and a
 *     "-----Original Message-----" line — these mark where the quoted
 *     message begins, so everything after them in the document is dropped.
 * A forwarded report sits inside the same markup, so a caller that finds
 * no form with this flag may want to parse again without it. */
#define HTML_DROP_QUOTED (1u << 0)
/* With HTML_DROP_QUOTED: when dropping the quoted markup leaves nothing at
 * all, the document is read again with it.  For a mail that is not a
 * reply, whose whole content may sit in blockquotes that only indent it
 * (Apple Mail's and Thunderbird's "increase indent" write
 * <blockquote type="cite">): nothing else there is a quote of. */
#define HTML_QUOTED_IF_ALONE (1u << 1)

/* Reads len bytes of HTML.
 *
 * charset is the MIME charset of the part, or NULL to let the document's
 * <meta> (or libxml2's sniffing) decide.  A given charset wins over <meta>.
 * Bodies labelled us-ascii, utf-8, iso-8859-1 or windows-1252 are often
 * mislabelled, so for those labels valid UTF-8 is kept and any other byte is
 * read as windows-1252; other charsets are converted by libxml2 (an unknown
 * label is ignored).
 *
 * On success *ret is overwritten (not freed first) with:
 *   rows — one per table row of the innermost tables, cells trimmed, empty
 *     cells ignored: two cells give (label, value); three or more give the
 *     first cell as label and the others joined by a space as value (a
 *     first cell that only numbers the question, "1." or "Q3", is dropped
 *     first); a row of several cells with one not empty gives (text, "")
 *     (a question left unanswered); a row of one cell gives none: it is
 *     text (below), so that "Label: value" typed in one cell, and a
 *     one-column form with each answer in the row under its question, read
 *     as text does.  A row with a cell that holds another table
 *     (Word's layout table around the form) gives none; the inner table's
 *     rows count.  Line breaks inside a cell (<p>, <div>, <br>, <li>) are
 *     kept as \n.
 *   text — the visible document as lines, without the table rows that
 *     became rows above (the form reader reads those; a row of one cell is
 *     its lines, and a row holding a table gives each cell its own lines): block
 *     elements and <br> break lines, a list
 *     item starts with "• "; white space and &nbsp; collapse to
 *     one space, lines are trimmed, runs of blank lines become one; NULL
 *     when there is no visible text.
 * Left out: <head>, <script>, <style>, comments (Outlook's conditional
 * comments too), elements with the hidden attribute or display:none.
 * All strings are UTF-8; the caller frees *ret with form_source_free().
 *
 * Returns 0, -EINVAL (html NULL), -EFBIG (len > HTML_MAX_INPUT) or
 * -EBADMSG (libxml2 could not build a document); *ret is untouched on
 * failure.  An empty input gives an empty FormSource.  Elements nested
 * deeper than libxml2's limit (256) end the document there.
 *
 * Not thread-safe: one libxml2 parser context is kept from call to call
 * (the daemon and its worker read one message at a time). */
int html_extract(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret);

/* html_extract(), and *ret_why (when ret_why is not NULL) says in words for
 * the DPO what could not be read, one line: on failure why ("larger than
 * 25 MiB, ..."), and on success, when elements nested deeper than
 * libxml2's limit cut the document short, that ("elements nested deeper
 * than 256: nothing after that point was read"); else NULL.  Caller
 * frees. */
int html_extract_why(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret,
                     char **ret_why);
