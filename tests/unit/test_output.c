/* test_output.c — what breachctl writes of hostile text (ctl/output.h):
 * control characters and bidirectional overrides shown as visible escapes on
 * a terminal, also when a write cuts a character in two; and CSV cells a
 * spreadsheet would run as formulas, in a ',' and in a ';' locale,
 * neutralised and read back. */
#include "ctl/output.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static char *escaped(const char *s)
{
        return output_text(s);
}

/* s written to an output_text_open() stream in pieces of n bytes. */
static char *streamed(const char *s, size_t n)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        FILE *f = output_text_open(mem);
        for (size_t i = 0, k = strlen(s); i < k; i += n)
                fwrite(s + i, 1, i + n > k ? k - i : n, f);
        fclose(f);
        fclose(mem);
        return buf;
}

static char *json(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        output_json_string(mem, s);
        fclose(mem);
        return buf;
}

static char *csv(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        output_csv_field(mem, s);
        fclose(mem);
        return buf;
}

/* The cells a spreadsheet splitting on sep (no quotes honoured once a
 * cell began without one, as Excel does) sees in line, each checked for a
 * leading = + - @. */
static bool any_formula_cell(const char *line, char sep)
{
        const char seps[] = {sep, '\n', 0};
        const char *p = line;
        for (;;) {
                const char *q = p;
                if (*p == '"') {
                        /* A quoted cell: to its closing quote ("" inside). */
                        for (q = p + 1; *q && !(q[0] == '"' && q[1] != '"'); q += q[0] == '"' ? 2 : 1)
                                ;
                        if (*q)
                                q++;
                } else if (*p && strchr("=+-@", *p)) {
                        return true;
                }
                const char *e = q + strcspn(q, seps);
                if (!*e)
                        return false;
                p = e + 1;
        }
}

int main(void)
{
        /* ---- text for a terminal ---- */
        char *t;
        TAP_STR_EQ(t = escaped("plain text, ünïcödé, \xe2\x82\xac 5\tTAB\nnext line"),
                   "plain text, ünïcödé, \xe2\x82\xac 5\tTAB\nnext line", "ordinary text, TAB and LF as they are");
        free(t);
        TAP_STR_EQ(t = escaped("\x1b[2J\x1b]0;owned\x07hidden\x1b[8m"), "\\x1b[2J\\x1b]0;owned\\x07hidden\\x1b[8m",
                   "clear screen, window title, hidden text: escapes shown");
        free(t);
        TAP_STR_EQ(t = escaped("a\rb\x7f" "c\x01"), "a\\x0db\\x7fc\\x01", "CR, DEL and other C0 shown");
        free(t);
        TAP_STR_EQ(t = escaped("csi \xc2\x9b" "2J nel \xc2\x85"), "csi \\u009b2J nel \\u0085", "C1 as code points");
        free(t);
        TAP_STR_EQ(t = escaped("invoice\xe2\x80\xae" "fdp.exe \xe2\x81\xa6x\xe2\x81\xa9 \xe2\x80\xaa"),
                   "invoice\\u202efdp.exe \\u2066x\\u2069 \\u202a", "bidi overrides and isolates shown");
        free(t);
        TAP_STR_EQ(t = escaped("bad \xff\xc0\x80 utf8 \xe2\x80"), "bad \\xff\\xc0\\x80 utf8 \\xe2\\x80",
                   "bytes that are not UTF-8 shown, a cut sequence at the end too");
        free(t);
        TAP_STR_EQ(t = escaped(NULL), "", "NULL is nothing");
        free(t);
        const char *mixed = "Sub\xe2\x80\xae" "ject \x1b[31m\xc2\x9b ünï\n";
        for (size_t n = 1; n <= 4; n++) {
                t = streamed(mixed, n);
                TAP_STR_EQ(t, "Sub\\u202eject \\x1b[31m\\u009b ünï\n", "the stream, written %zu byte%s at a time", n,
                           n == 1 ? "" : "s");
                free(t);
        }
        TAP_STR_EQ(t = streamed("cut at the end \xe2\x80", 100), "cut at the end \\xe2\\x80",
                   "the stream shows a sequence cut at its close");
        free(t);
        TAP_STR_EQ(t = output_line("two\nlines"), "two\\nlines", "output_line: a line break shown");
        free(t);

        /* ---- JSON ---- */
        TAP_STR_EQ(t = json("a\"b\\c\n\x1b[2J\x7f\xc2\x9b ünï \xe2\x80\xae\xe2\x81\xa9 \xe2\x80\x94"),
                   "\"a\\\"b\\\\c\\n\\u001b[2J\\u007f\\u009b ünï \\u202e\\u2069 \xe2\x80\x94\"",
                   "JSON: C0, DEL, C1 and bidi overrides as \\u escapes, other text as it is");
        free(t);

        /* ---- CSV ---- */
        static const struct {
                const char *in, *out, *what;
        } cells[] = {
                {"plain", "plain", "plain text is as it is"},
                {"a, b", "\"a, b\"", "a comma is quoted"},
                {"-5", "\"'-5\"", "-5 is guarded, as it always was"},
                {"=SUM(A1)", "\"'=SUM(A1)\"", "= guarded"},
                {"+1", "\"'+1\"", "+ guarded"},
                {"@cmd", "\"'@cmd\"", "@ guarded"},
                {"\tx", "\"'\tx\"", "a leading TAB guarded"},
                {"\rx", "\"'\rx\"", "a leading CR guarded"},
                {";=1+1", "\"';'=1+1\"", "a leading ; before a formula guarded, for either separator"},
                {" =1+1", "\"' =1+1\"", "a formula after a space guarded"},
                {"\n@x", "\"'\n'@x\"", "a formula after a line break guarded"},
                {"ok;=HYPERLINK(\"http://x\")", "\"ok;'=HYPERLINK(\"\"http://x\"\")\"",
                 "a formula after a ';' inside a value guarded"},
                {"ok; -cmd", "\"ok; '-cmd\"", "... after a ';' and a space"},
                {"line one\r\n=cmd", "\"line one\r\n'=cmd\"", "... at the start of a later line"},
                {"a;b", "a;b", "a ';' without a formula is as it is"},
                {"x - y", "x - y", "a '-' inside a value is as it is"},
        };
        for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
                t = csv(cells[i].in);
                TAP_STR_EQ(t, cells[i].out, "CSV: %s", cells[i].what);
                _cleanup_free_ char *line = xasprintf("DB2026001,%s,end", t);
                tap_ok(!any_formula_cell(line, ',') && !any_formula_cell(line, ';'),
                       "CSV: no cell is a formula read with ',' or ';' (%s)", cells[i].what);
                /* Read back: the cell's text without the quotes, then
                 * without the guards. */
                if (t[0] == '"') {
                        Buf b = {0};
                        for (const char *p = t + 1; p[1]; p++) {
                                buf_putc(&b, *p);
                                if (*p == '"')
                                        p++;
                        }
                        char *back = buf_steal(&b);
                        output_csv_unguard(back);
                        TAP_STR_EQ(back, cells[i].in, "CSV read back: %s", cells[i].what);
                        free(back);
                }
                free(t);
        }
        char unq[] = "'it''s fine";
        output_csv_unguard(unq);
        TAP_STR_EQ(unq, "'it''s fine", "an apostrophe that guards nothing stays");
        return tap_done();
}
