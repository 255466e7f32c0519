/* output.h — how breachctl writes a value as JSON, as CSV or as text for a
 * terminal, shared by the commands (ctl_export.c, ctl_show.c, ctl_list.c,
 * ...), the breach log (breachlog.c) and the committee report
 * (committee.c).  They write to f and own nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/util.h"

/* s as a JSON string, quoted and escaped; NULL → null.  Control characters
 * (C0, DEL, C1) and the bidirectional overrides and isolates are written
 * as \u escapes: the same string to a parser, harmless on a terminal. */
void output_json_string(FILE *f, const char *s);

/* s as one CSV field (RFC 4180 quoting); NULL → nothing.  OWASP's rule
 * against CSV injection: a value a spreadsheet would run as a formula is
 * quoted with a leading apostrophe — one that begins with = + - @, a TAB
 * or a CR, or with = + - @ after spaces, line breaks, quotes or a
 * separator (";=cmd", " =cmd").  And a spreadsheet that splits on ';' (the
 * separator of many locales) starts a cell at each ';' inside a value, and
 * a row at each line break: where = + - @ follows one of those (after
 * spaces or quotes), an apostrophe goes before it ("a;'=cmd").  So "-5" is
 * written "'-5", as it always was. */
void output_csv_field(FILE *f, const char *s);
/* Whether output_csv_field() puts an apostrophe before s. */
bool output_csv_guarded(const char *s);
/* Undoes, in place, the apostrophes output_csv_field() adds, for a
 * spreadsheet of ours read back (breachlog.c). */
void output_csv_unguard(char *s);

/* Text for a terminal or a text file, made harmless: what a terminal would
 * obey or that would hide or reorder text — C0 controls other than LF and
 * TAB, DEL, bytes that are not UTF-8 — as "\x1b", and the C1 controls and
 * the bidirectional overrides, embeddings and isolates (U+202A..U+202E,
 * U+2066..U+2069) as "\u202e"; the rest as it is.  Appends the escaped
 * form of s[0..n) to out and returns how many bytes it took: all of them
 * when final, else it may leave the start of a UTF-8 sequence that n cut
 * (at most 3 bytes) for the next call. */
size_t output_text_escape(Buf *out, const char *s, size_t n, bool final);
/* output_text_escape() of the whole of s, as a new string ("" for NULL). */
char *output_text(const char *s);
/* s for a place that holds one line (a subject, a name): as it is, but a
 * line break shown as "\n", so that it cannot start a line of its own; the
 * rest is escaped by the stream it is printed to.  "" for NULL. */
char *output_line(const char *s);
/* A stream whose every byte goes to out escaped as output_text_escape()
 * says, in the order written: every text command of breachctl prints
 * through one (breachctl.c), so that no value from the register — a
 * subject, a name, an answer of hostile mail — can clear the screen,
 * retitle the window or hide text.  fclose() it when done; out stays open.
 * NULL when it cannot be made. */
FILE *output_text_open(FILE *out);
