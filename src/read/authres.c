/* authres.c — see authres.h.  The grammar is RFC 8601 §2.2:
 *
 *   authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
 *                     ( no-result / 1*resinfo ) [CFWS]
 *   no-result       = [CFWS] ";" [CFWS] "none"
 *   resinfo         = [CFWS] ";" methodspec [ CFWS reasonspec ]
 *                     [ CFWS 1*propspec ]
 *   methodspec      = [CFWS] method [CFWS] "=" [CFWS] result
 *   method          = Keyword [ [CFWS] "/" [CFWS] method-version ]
 *   reasonspec      = "reason" [CFWS] "=" [CFWS] value
 *   propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue */
#include "read/authres.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* Enough for any real header; more is someone's game. */
#define AUTHRES_MAX_RESULTS 64
#define AUTHRES_MAX_PROPS 64

typedef struct {
        const char *p;
        bool bad;
} Lex;

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* White space and comments; an unterminated comment makes the value bad. */
static void skip_cfws(Lex *x)
{
        for (;;) {
                while (is_space(*x->p))
                        x->p++;
                if (*x->p != '(')
                        return;
                unsigned depth = 0;
                do {
                        if (*x->p == '\\' && x->p[1])
                                x->p++;
                        else if (*x->p == '(')
                                depth++;
                        else if (*x->p == ')')
                                depth--;
                        x->p++;
                } while (*x->p && depth);
                if (depth) {
                        x->bad = true;
                        return;
                }
        }
}

/* RFC 2045 token characters; bytes above 0x7f too (RFC 8616 allows UTF-8
 * host names as the authserv-id). */
static bool is_token_char(char c)
{
        unsigned char u = (unsigned char)c;
        return u > 0x20 && u != 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool is_keyword_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
}

static char *quoted_string(Lex *x)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (x->p++; *x->p && *x->p != '"'; x->p++) {
                if (*x->p == '\\' && x->p[1])
                        x->p++;
                buf_putc(&b, *x->p);
        }
        if (*x->p != '"') {
                x->bad = true;
                buf_free(&b);
                return NULL;
        }
        x->p++;
        return buf_steal(&b);
}

/* value = token / quoted-string; NULL (and bad) when there is none. */
static char *value(Lex *x)
{
        if (*x->p == '"')
                return quoted_string(x);
        const char *s = x->p;
        while (is_token_char(*x->p))
                x->p++;
        if (x->p == s) {
                x->bad = true;
                return NULL;
        }
        return xstrndup(s, (size_t)(x->p - s));
}

/* A Keyword, lower-cased; NULL (and bad) when there is none. */
static char *keyword(Lex *x)
{
        const char *s = x->p;
        while (is_keyword_char(*x->p))
                x->p++;
        if (x->p == s) {
                x->bad = true;
                return NULL;
        }
        char *k = xstrndup(s, (size_t)(x->p - s));
        str_ascii_lower(k);
        return k;
}

static unsigned number(Lex *x)
{
        unsigned v = 0;
        if (*x->p < '0' || *x->p > '9') {
                x->bad = true;
                return 0;
        }
        for (; *x->p >= '0' && *x->p <= '9'; x->p++)
                v = v < UINT32_MAX / 10 ? v * 10 + (unsigned)(*x->p - '0') : UINT32_MAX;
        return v;
}

/* pvalue: a quoted string, or everything up to white space, a comment or
 * ';' (a local-part@domain, a base64 signature with '/', '+' and '='). */
static char *pvalue(Lex *x)
{
        if (*x->p == '"')
                return quoted_string(x);
        const char *s = x->p;
        while (*x->p && !is_space(*x->p) && *x->p != '(' && *x->p != ';')
                x->p++;
        return xstrndup(s, (size_t)(x->p - s));
}

static bool expect(Lex *x, char c)
{
        if (x->bad || *x->p != c) {
                x->bad = true;
                return false;
        }
        x->p++;
        skip_cfws(x);
        return !x->bad;
}

static void result_free(AuthresResult *r)
{
        free(r->method);
        free(r->result);
        free(r->reason);
        for (size_t i = 0; i < r->n_props; i++) {
                free(r->props[i].ptype);
                free(r->props[i].property);
                free(r->props[i].value);
        }
        free(r->props);
}

/* After the methodspec: an optional reasonspec and propspecs, up to the
 * next ';' or the end. */
static void properties(Lex *x, AuthresResult *r)
{
        while (!x->bad && *x->p && *x->p != ';') {
                _cleanup_free_ char *name = keyword(x);
                skip_cfws(x);
                if (x->bad)
                        return;
                if (!strcmp(name, "reason") && *x->p == '=' && !r->reason) {
                        if (!expect(x, '='))
                                return;
                        r->reason = value(x);
                        skip_cfws(x);
                        continue;
                }
                if (!expect(x, '.'))
                        return;
                _cleanup_free_ char *property = keyword(x);
                skip_cfws(x);
                if (!expect(x, '='))
                        return;
                char *v = pvalue(x);
                skip_cfws(x);
                if (r->n_props >= AUTHRES_MAX_PROPS) {
                        free(v);
                        x->bad = true;
                        return;
                }
                r->props = xrealloc(r->props, (r->n_props + 1) * sizeof *r->props);
                r->props[r->n_props++] = (AuthresProp){xstrdup(name), xstrdup(property), v};
        }
}

/* One resinfo after its ';' (and the CFWS after it). */
static void resinfo(Lex *x, Authres *a)
{
        AuthresResult r = {0};
        r.method = keyword(x);
        skip_cfws(x);
        if (!x->bad && *x->p == '/') {
                x->p++;
                skip_cfws(x);
                r.method_version = number(x);
                skip_cfws(x);
        }
        if (expect(x, '=')) {
                r.result = keyword(x);
                skip_cfws(x);
        }
        properties(x, &r);
        if (x->bad || a->n_results >= AUTHRES_MAX_RESULTS) {
                x->bad = true;
                result_free(&r);
                return;
        }
        a->results = xrealloc(a->results, (a->n_results + 1) * sizeof *a->results);
        a->results[a->n_results++] = r;
}

/* "; none" (after the ';' and its CFWS): the whole of the rest. */
static bool is_no_result(const Lex *x)
{
        Lex y = *x;
        if (strncasecmp(y.p, "none", 4) != 0 || is_keyword_char(y.p[4]))
                return false;
        y.p += 4;
        skip_cfws(&y);
        return !y.bad && !*y.p;
}

int authres_parse(const char *v, Authres *ret)
{
        Authres a = {.version = 1};
        Lex x = {.p = v ? v : ""};
        skip_cfws(&x);
        a.authserv_id = x.bad ? NULL : value(&x);
        if (a.authserv_id)
                str_ascii_lower(a.authserv_id);
        skip_cfws(&x);
        if (!x.bad && *x.p >= '0' && *x.p <= '9') {
                a.version = number(&x);
                skip_cfws(&x);
        }
        bool any = false;
        while (!x.bad && *x.p == ';') {
                x.p++;
                skip_cfws(&x);
                if (x.bad || !*x.p)
                        break;   /* a trailing ';' is common and harmless */
                if (!any && is_no_result(&x)) {
                        a.none = true;
                        x.p += strlen(x.p);
                        any = true;
                        break;
                }
                resinfo(&x, &a);
                any = true;
        }
        if (x.bad || *x.p || !any) {
                authres_free(&a);
                *ret = (Authres){0};
                return -EBADMSG;
        }
        *ret = a;
        return 0;
}

void authres_free(Authres *a)
{
        if (!a)
                return;
        free(a->authserv_id);
        for (size_t i = 0; i < a->n_results; i++)
                result_free(&a->results[i]);
        free(a->results);
        *a = (Authres){0};
}

const AuthresResult *authres_find(const Authres *a, const char *method)
{
        for (size_t i = 0; i < a->n_results; i++)
                if (a->results[i].method && !strcmp(a->results[i].method, method))
                        return &a->results[i];
        return NULL;
}

const char *authres_prop(const AuthresResult *r, const char *ptype, const char *property)
{
        for (size_t i = 0; i < r->n_props; i++)
                if (!strcmp(r->props[i].ptype, ptype) && !strcmp(r->props[i].property, property))
                        return r->props[i].value;
        return NULL;
}
