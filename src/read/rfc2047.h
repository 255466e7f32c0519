/* rfc2047.h — RFC 2047 encoded words in header text, decoded by breachd.
 *
 * GMime 3.2.13 (Debian 12) loses text when two adjacent B-encoded words of
 * one charset follow each other and the first ends in "=" padding
 * (jstedfast/gmime#133): "Siân Ó Briain" becomes "Siân", a subject is cut
 * after its first word.  The reader therefore decodes the raw header text of
 * the Subject and of display names itself, with this decoder. */
#pragma once

#include <stddef.h>

/* s (raw header text, possibly folded, any bytes) with its encoded words
 * decoded, as UTF-8.  The rules of RFC 2047: Q and B encodings; each word
 * is decoded on its own (its base64 padding ends only that word), and
 * adjacent encoded words separated only by white space are joined without
 * it, their bytes joined before the charset conversion when their charsets
 * agree, so that a character split across two words is whole again.  A
 * charset charset_forgiving() names, or one iconv does not know, is
 * read as UTF-8 when valid and windows-1252 otherwise (str_to_utf8); so is
 * text outside encoded words.  A malformed word is left as it is.  Line
 * breaks are kept as they are (message_one_line() unfolds).  Never fails;
 * returns NULL only for NULL.  Caller frees. */
char *rfc2047_decode(const char *s);
