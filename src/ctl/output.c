/* output.c — see output.h. */
#include "ctl/output.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void output_json_string(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                default:
                        if (*p < 0x20 || *p == 0x7f) {
                                fprintf(f, "\\u%04x", *p);
                        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
                                /* C1, escaped like C0: the same string to
                                 * a parser, nothing for a terminal to obey
                                 * when the JSON is only looked at. */
                                fprintf(f, "\\u%04x", p[1]);
                                p++;
                        } else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
                                                    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
                                /* The bidirectional overrides and isolates
                                 * (U+202A..U+202E, U+2066..U+2069), likewise. */
                                fprintf(f, "\\u%04x", (unsigned)((p[1] & 0x3f) << 6 | (p[2] & 0x3f)) | 0x2000);
                                p += 2;
                        } else {
                                fputc(*p, f);
                        }
                }
        }
        fputc('"', f);
}

/* ---- CSV ----------------------------------------------------------------- */

/* What a spreadsheet passes over before a cell's first character, and what
 * may start a cell: the separators of the locales (',' and ';'), TAB, line
 * breaks, spaces and quotes. */
#define CSV_SKIP " \t\r\n;,\""
/* Where a spreadsheet may start a cell inside a value: a ';' (a ';'
 * locale), a TAB, or a line break (a row that the ';' reading of a
 * comma-separated line no longer sees quoted). */
#define CSV_STARTS ";\t\r\n"

/* Whether a cell starting at p would be read as a formula. */
static bool formula_at(const char *p)
{
        p += strspn(p, CSV_SKIP);
        return *p && strchr("=+-@", *p);
}

bool output_csv_guarded(const char *s)
{
        return *s && (strchr("=+-@\t\r", *s) || formula_at(s));
}

/* Whether a cell that a spreadsheet starts inside s would be a formula. */
static bool inner_formula(const char *s)
{
        for (const char *p = s; *p; p++)
                if (strchr(CSV_STARTS, *p) && formula_at(p + 1))
                        return true;
        return false;
}

static void csv_putc(FILE *f, char c)
{
        if (c == '"')
                fputc('"', f);
        fputc(c, f);
}

void output_csv_field(FILE *f, const char *s)
{
        if (!s)
                return;
        bool guard = output_csv_guarded(s);
        if (!guard && !inner_formula(s) && !strpbrk(s, ",\"\r\n")) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        if (guard)
                fputc('\'', f);
        for (const char *p = s; *p;) {
                char c = *p++;
                csv_putc(f, c);
                if (!strchr(CSV_STARTS, c))
                        continue;
                const char *q = p + strspn(p, CSV_SKIP);
                if (*q && strchr("=+-@", *q)) {
                        while (p < q)
                                csv_putc(f, *p++);
                        fputc('\'', f);
                }
        }
        fputc('"', f);
}

void output_csv_unguard(char *s)
{
        for (char *p = s; *p; p++) {
                if (*p != '\'' || p == s || !strchr("=+-@", p[1]))
                        continue;
                /* The apostrophe output_csv_field() put after a place a
                 * cell may start, and the spaces or quotes after it. */
                bool start = false;
                for (char *b = p; b > s && strchr(CSV_SKIP, b[-1]); b--)
                        if (strchr(CSV_STARTS, b[-1]))
                                start = true;
                if (start)
                        memmove(p, p + 1, strlen(p));
        }
        /* Then the one before the whole value, which those may hide
         * (";'=" after "'"). */
        if (s[0] == '\'' && output_csv_guarded(s + 1))
                memmove(s, s + 1, strlen(s));
}

/* ---- text ---------------------------------------------------------------- */

/* The length of the UTF-8 sequence at p (n bytes there), its code point in
 * *cp; 0 when the bytes there are not UTF-8; -1 when they may be, but end
 * before the sequence does. */
static int utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
        unsigned char c = p[0];
        int len;
        uint32_t v, min;
        if (c >= 0xc2 && c <= 0xdf)
                len = 2, v = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
                len = 3, v = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
                len = 4, v = c & 0x07, min = 0x10000;
        else
                return 0;
        for (int i = 1; i < len; i++) {
                if ((size_t)i >= n)
                        return -1;
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                v = v << 6 | (p[i] & 0x3f);
        }
        if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                return 0;
        *cp = v;
        return len;
}

/* The code points a terminal obeys or that reorder what it shows: C1
 * controls, and the bidirectional embeddings, overrides and isolates. */
static bool hidden_code_point(uint32_t cp)
{
        return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t output_text_escape(Buf *out, const char *s, size_t n, bool final)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;
        while (i < n) {
                unsigned char c = p[i];
                if (c < 0x80) {
                        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                                buf_printf(out, "\\x%02x", c);
                        else
                                buf_putc(out, (char)c);
                        i++;
                        continue;
                }
                uint32_t cp = 0;
                int len = utf8_seq(p + i, n - i, &cp);
                if (len < 0 && !final)
                        break;          /* the rest comes with the next write */
                if (len <= 0) {
                        buf_printf(out, "\\x%02x", c);
                        i++;
                } else if (hidden_code_point(cp)) {
                        buf_printf(out, "\\u%04x", (unsigned)cp);
                        i += (size_t)len;
                } else {
                        buf_append(out, s + i, (size_t)len);
                        i += (size_t)len;
                }
        }
        return i;
}

char *output_text(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
        if (s)
                output_text_escape(&b, s, strlen(s), true);
        return buf_steal(&b);
}

char *output_line(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (const char *p = s ? s : ""; *p; p++)
                if (*p == '\n')
                        buf_puts(&b, "\\n");
                else
                        buf_putc(&b, *p);
        return buf_steal(&b);
}

typedef struct {
        FILE *out;
        char pending[4];      /* the start of a UTF-8 sequence a write cut */
        size_t n_pending;
} TextStream;

static ssize_t text_write(void *cookie, const char *buf, size_t size)
{
        TextStream *t = cookie;
        _cleanup_free_ char *joined = NULL;
        const char *s = buf;
        size_t n = size;
        if (t->n_pending) {
                joined = xmalloc(t->n_pending + size);
                memcpy(joined, t->pending, t->n_pending);
                memcpy(joined + t->n_pending, buf, size);
                s = joined;
                n = t->n_pending + size;
        }
        Buf b = {0};
        size_t used = output_text_escape(&b, s, n, false);
        /* At most three bytes are held: the longest start of a sequence. */
        t->n_pending = n - used;
        memcpy(t->pending, s + used, t->n_pending);
        if (b.len && fwrite(b.s, 1, b.len, t->out) != b.len) {
                buf_free(&b);
                return -1;
        }
        buf_free(&b);
        return (ssize_t)size;
}

static int text_close(void *cookie)
{
        TextStream *t = cookie;
        int r = 0;
        if (t->n_pending) {
                Buf b = {0};
                output_text_escape(&b, t->pending, t->n_pending, true);
                if (fwrite(b.s, 1, b.len, t->out) != b.len)
                        r = -1;
                buf_free(&b);
        }
        if (fflush(t->out) != 0)
                r = -1;
        free(t);
        return r;
}

FILE *output_text_open(FILE *out)
{
        TextStream *t = xcalloc(1, sizeof *t);
        t->out = out;
        FILE *f = fopencookie(t, "w", (cookie_io_functions_t){.write = text_write, .close = text_close});
        if (!f) {
                free(t);
                return NULL;
        }
        /* Each printf reaches out whole, in the order written, as if it had
         * been written to out itself: out does the buffering. */
        setvbuf(f, NULL, _IONBF, 0);
        return f;
}
