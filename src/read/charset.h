/* charset.h — which MIME charset labels breachd does not believe.
 *
 * Mail gets its charset label wrong more often than any other header: UTF-8
 * is sent as "iso-8859-1", Word's curly quotes as "us-ascii".  For the
 * labels below a reader keeps valid UTF-8 as it is and reads any other byte
 * as windows-1252 (str_to_utf8(), which never fails) instead of converting
 * from the label; text under any other label is converted from it.  The
 * body parser (message.c) and the HTML reader (html.c) both ask here, so
 * that a text part and an HTML part with the same label read alike. */
#pragma once

#include <stdbool.h>

/* Whether cs (a charset label, case ignored; not NULL) is one of those whose
 * bytes are read forgivingly: US-ASCII, UTF-8, ISO-8859-1 and windows-1252
 * under their common names.  ISO-8859-15 is not among them: it differs from
 * windows-1252 in eight places (0xA4 is the euro sign), so it is converted. */
bool charset_forgiving(const char *cs);
