/* rfc2047.c — see rfc2047.h. */
#include "read/rfc2047.h"

#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "base/util.h"
#include "read/charset.h"

/* One encoded word's parts, pointing into the text. */
typedef struct {
        const char *cs;
        size_t cs_len;
        char enc;           /* 'B' or 'Q' */
        const char *text;
        size_t text_len;
        size_t len;         /* the whole word, "=?" to "?=" */
} Word;

static bool is_wsp(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether p begins an encoded word: "=?" charset "?" B|Q "?" text "?=",
 * with no white space anywhere in it (RFC 2047 section 2). */
static bool word_parse(const char *p, Word *w)
{
        if (p[0] != '=' || p[1] != '?')
                return false;
        const char *cs = p + 2, *q = cs;
        while (*q && *q != '?' && !is_wsp(*q) && (unsigned char)*q > 0x20 && (unsigned char)*q < 0x7f)
                q++;
        if (*q != '?' || q == cs)
                return false;
        char enc = (char)g_ascii_toupper(q[1]);
        if ((enc != 'B' && enc != 'Q') || q[2] != '?')
                return false;
        const char *text = q + 3, *e = text;
        while (*e && !is_wsp(*e) && !(e[0] == '?' && e[1] == '='))
                e++;
        if (e[0] != '?' || e[1] != '=')
                return false;
        *w = (Word){.cs = cs, .cs_len = (size_t)(q - cs), .enc = enc, .text = text,
                    .text_len = (size_t)(e - text), .len = (size_t)(e + 2 - p)};
        /* A charset's language suffix (RFC 2231: "utf-8*en") is not part of
         * its name. */
        const char *star = memchr(cs, '*', w->cs_len);
        if (star)
                w->cs_len = (size_t)(star - cs);
        return w->cs_len > 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)g_ascii_toupper(c);
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes of w appended to out; false when its text is not valid for its
 * encoding (the caller then drops what was appended). */
static bool word_bytes(const Word *w, Buf *out)
{
        if (w->enc == 'Q') {
                for (size_t i = 0; i < w->text_len; i++) {
                        char c = w->text[i];
                        int hi, lo;
                        if (c == '_')
                                buf_putc(out, ' ');
                        else if (c == '=' && i + 2 < w->text_len && (hi = hexval(w->text[i + 1])) >= 0 &&
                                 (lo = hexval(w->text[i + 2])) >= 0) {
                                buf_putc(out, (char)(hi * 16 + lo));
                                i += 2;
                        } else
                                buf_putc(out, c);   /* a stray "=" is kept, as mail readers do */
                }
                return true;
        }
        /* B: the base64 alphabet, padding only at the end. */
        size_t n = w->text_len, pad = 0;
        while (pad < n && w->text[n - 1 - pad] == '=')
                pad++;
        if (pad > 2)
                return false;
        for (size_t i = 0; i < n - pad; i++)
                if (!g_ascii_isalnum(w->text[i]) && w->text[i] != '+' && w->text[i] != '/')
                        return false;
        if ((n - pad) % 4 == 1)
                return false;
        /* Missing padding is forgiven: six bits a character, a byte out
         * whenever eight are there. */
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        unsigned acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n - pad; i++) {
                acc = (acc << 6) | (unsigned)(strchr(alphabet, w->text[i]) - alphabet);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        buf_putc(out, (char)((acc >> bits) & 0xff));
                }
        }
        return true;
}

/* raw (bytes in charset cs) appended to out as UTF-8. */
static void convert_into(Buf *out, const char *cs, const char *raw, size_t n)
{
        if (n == 0)
                return;
        if (!cs || charset_forgiving(cs)) {
                _cleanup_free_ char *u = str_to_utf8(raw, n);
                buf_puts(out, u);
                return;
        }
        gsize len = 0;
        gchar *u = g_convert(raw, (gssize)n, "UTF-8", cs, NULL, &len, NULL);
        if (u && g_utf8_validate(u, (gssize)len, NULL) && !memchr(u, 0, len)) {
                buf_append(out, u, len);
        } else {
                /* An unknown or lying charset: read forgivingly, as the body
                 * reader does. */
                _cleanup_free_ char *f = str_to_utf8(raw, n);
                buf_puts(out, f);
        }
        g_free(u);
}

char *rfc2047_decode(const char *s)
{
        if (!s)
                return NULL;
        Buf out = {0};
        buf_puts(&out, "");
        /* The bytes of the run of adjacent encoded words not yet converted,
         * and their charset. */
        _cleanup_buf_ Buf pend = {0};
        char cs[64] = "";
        bool after_word = false;
        const char *p = s;
        while (*p) {
                /* Plain text up to the next encoded word.  Like GMime, a
                 * word glued to text ("Re:=?utf-8?...") is read too. */
                const char *q = p;
                Word w = {0};
                while (*q) {
                        if (q[0] == '=' && q[1] == '?' && word_parse(q, &w))
                                break;
                        q++;
                }
                bool only_space = true;
                for (const char *r = p; r < q; r++)
                        if (!is_wsp(*r))
                                only_space = false;
                if (q > p && !(after_word && only_space && *q)) {
                        /* Text between words (or after the last) ends a run. */
                        convert_into(&out, cs, pend.s, pend.len);
                        pend.len = 0;
                        convert_into(&out, NULL, p, (size_t)(q - p));
                        after_word = false;
                }
                if (!*q)
                        break;
                /* The run continues only in the same charset; a character
                 * is split across words only within one. */
                if (w.cs_len >= sizeof(cs) || pend.len == 0 || g_ascii_strncasecmp(cs, w.cs, w.cs_len) != 0 ||
                    cs[w.cs_len] != 0) {
                        convert_into(&out, cs, pend.s, pend.len);
                        pend.len = 0;
                        if (w.cs_len < sizeof(cs)) {
                                memcpy(cs, w.cs, w.cs_len);
                                cs[w.cs_len] = 0;
                        } else
                                strcpy(cs, "unknown");
                }
                size_t before = pend.len;
                if (!word_bytes(&w, &pend)) {
                        /* A malformed word stays as it is, as text. */
                        pend.len = before;
                        convert_into(&out, cs, pend.s, pend.len);
                        pend.len = 0;
                        buf_append(&out, q, w.len);
                        after_word = false;
                } else
                        after_word = true;
                p = q + w.len;
        }
        convert_into(&out, cs, pend.s, pend.len);
        return buf_steal(&out);
}
