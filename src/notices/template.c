/* template.c — see template.h. */
#include "notices/template.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

void tvars_set(TemplateVars *v, const char *name, const char *value)
{
        for (size_t i = 0; i < v->names.n; i++)
                if (v->names.v[i][0] == name[0] && strcmp(v->names.v[i], name) == 0) {
                        free(v->values.v[i]);
                        v->values.v[i] = xstrdup(value ? value : "");
                        return;
                }
        strlist_add(&v->names, name);
        strlist_add(&v->values, value ? value : "");
}

void tvars_free(TemplateVars *v)
{
        strlist_free(&v->names);
        strlist_free(&v->values);
}

void rendered_free(Rendered *r)
{
        free(r->subject);
        free(r->body);
        r->subject = r->body = NULL;
}

/* The value of the variable named by [name, name + n), or NULL. */
static const char *lookup(const TemplateVars *v, const char *name, size_t n)
{
        for (size_t i = 0; i < v->names.n; i++) {
                const char *k = v->names.v[i];
                if (k[0] == name[0] && strncmp(k, name, n) == 0 && !k[n])
                        return v->values.v[i];
        }
        return NULL;
}

/* Renders [p, end) into out; returns 0 or -EINVAL. */
static int render_span(const char *base, const char *p, const char *end, const TemplateVars *vars, Buf *out,
                       char **why, unsigned depth)
{
        if (depth > 16) {
                *why = xstrdup("sections nested too deeply");
                return -EINVAL;
        }
        while (p < end) {
                const char *open = strstr(p, "{{");
                if (!open || open >= end) {
                        buf_append(out, p, (size_t)(end - p));
                        break;
                }
                buf_append(out, p, (size_t)(open - p));
                const char *close = strstr(open + 2, "}}");
                if (!close || close >= end) {
                        *why = xstrdup("unterminated {{");
                        return -EINVAL;
                }
                char kind = open[2];
                const char *ns = open + 2 + (kind == '#' || kind == '^' || kind == '/');
                /* The name without a copy (this runs for every tag of
                 * every mail), trailing white space dropped; leading white
                 * space stays part of the name, as it always has, and so
                 * makes an unknown variable. */
                const char *ne = ns + strnlen(ns, (size_t)(close - ns));
                while (ne > ns && isspace((unsigned char)ne[-1]))
                        ne--;
                size_t nlen = (size_t)(ne - ns);
                const char *val = lookup(vars, ns, nlen);
                if (!val) {
                        *why = xasprintf("unknown variable {{%.*s}}", (int)nlen, ns);
                        return -EINVAL;
                }
                p = close + 2;
                if (kind == '/') {
                        *why = xasprintf("{{/%.*s}} without its opening", (int)nlen, ns);
                        return -EINVAL;
                }
                if (kind != '#' && kind != '^') {
                        buf_puts(out, val);
                        continue;
                }
                char small[128];
                _cleanup_free_ char *big = NULL;
                char *endtag = nlen + 6 <= sizeof small ? small : (big = xmalloc(nlen + 6));
                memcpy(endtag, "{{/", 3);
                memcpy(endtag + 3, ns, nlen);
                memcpy(endtag + 3 + nlen, "}}", 3);
                const char *sec_end = strstr(p, endtag);
                if (!sec_end || sec_end >= end) {
                        *why = xasprintf("{{%c%.*s}} is not closed", kind, (int)nlen, ns);
                        return -EINVAL;
                }
                /* A section tag alone on its line takes the line with it. */
                if ((open == base || open[-1] == '\n') && *p == '\n')
                        p++;
                const char *after = sec_end + strlen(endtag);
                if (sec_end > base && sec_end[-1] == '\n' && *after == '\n')
                        after++;
                bool show = (kind == '#') == (*val != 0);
                if (show && p < sec_end) {
                        int r = render_span(base, p, sec_end, vars, out, why, depth + 1);
                        if (r < 0)
                                return r;
                }
                p = after;
        }
        return 0;
}

int template_render(const char *text, const TemplateVars *vars, Rendered *ret, char **ret_why)
{
        Buf out = {0};
        char *why = NULL;
        int r = render_span(text, text, text + strlen(text), vars, &out, &why, 0);
        if (r < 0) {
                buf_free(&out);
                *ret_why = why;
                return r;
        }
        char *all = buf_steal(&out);
        /* Header lines up to the first blank line. */
        char *subject = NULL, *p = all;
        while (*p && *p != '\n') {
                char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (n > 8 && strncasecmp(p, "Subject:", 8) == 0) {
                        _cleanup_free_ char *t = xstrndup(p + 8, n - 8);
                        free(subject);
                        subject = xstrdup(str_trim(t));
                } else if (!memchr(p, ':', n)) {
                        break;   /* no header block: the whole text is the body */
                }
                p = nl ? nl + 1 : p + n;
        }
        if (*p == '\n')
                p++;
        if (!subject) {
                free(all);
                *ret_why = xstrdup("the template has no \"Subject:\" line before its first blank line");
                return -EINVAL;
        }
        ret->subject = subject;
        ret->body = xstrdup(p);
        free(all);
        return 0;
}

extern const char *const template_builtin_names[];
extern const char *const template_builtin_texts[];

const char *template_builtin(const char *name)
{
        for (size_t i = 0; template_builtin_names[i]; i++)
                if (strcmp(template_builtin_names[i], name) == 0)
                        return template_builtin_texts[i];
        return NULL;
}

/* Template files as last read, so that a mail does not cost a read and a
 * copy of its template.  An entry is used only while the file's identity,
 * size and time stamps are those it was read with, so an edited template
 * is picked up by the next mail, as when every mail read the file. */
typedef struct {
        char *path;
        char *text;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
} CachedTemplate;

static CachedTemplate template_cache[32];
static unsigned template_cache_next;

static bool cached_matches(const CachedTemplate *c, const struct stat *st)
{
        return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
               c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
               c->ctime.tv_sec == st->st_ctim.tv_sec && c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The text of the template file at path (owned by the cache, valid until
 * the next call), or a negative errno-style code as read_file() gives. */
static int template_text(const char *path, const char **ret)
{
        struct stat st;
        bool known = stat(path, &st) == 0 && S_ISREG(st.st_mode);
        CachedTemplate *c = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(template_cache); i++)
                if (template_cache[i].path && strcmp(template_cache[i].path, path) == 0) {
                        c = &template_cache[i];
                        break;
                }
        if (c && known && cached_matches(c, &st)) {
                *ret = c->text;
                return 0;
        }
        char *text = NULL;
        int r = read_file(path, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        if (!c) {
                c = &template_cache[template_cache_next++ % ARRAY_SIZE(template_cache)];
                free(c->path);
                c->path = NULL;
        }
        free(c->text);
        if (!c->path)
                c->path = xstrdup(path);
        c->text = text;
        /* What stat() said before the read: if the file changed in between,
         * the next call sees other stamps and reads it again. */
        if (known) {
                c->dev = st.st_dev;
                c->ino = st.st_ino;
                c->size = st.st_size;
                c->mtime = st.st_mtim;
                c->ctime = st.st_ctim;
        } else {
                c->size = -1;
        }
        *ret = text;
        return 0;
}

int template_render_file(const char *dir, const char *name, const TemplateVars *vars, Rendered *ret,
                         char **ret_why)
{
        /* "ack" is ack.txt; a name with its own ending ("subject-letter.html")
         * is the file of that name. */
        _cleanup_free_ char *path = xasprintf(strchr(name, '.') ? "%s/%s" : "%s/%s.txt", dir, name);
        const char *text = NULL;
        int r = template_text(path, &text);
        if (r == -ENOENT && template_builtin(name)) {
                free(path);
                path = xasprintf("built-in template %s", name);
                text = template_builtin(name);
                r = 0;
        }
        if (r < 0) {
                *ret_why = xasprintf("cannot read template %s: %s", path, strerror(-r));
                return r;
        }
        r = template_render(text, vars, ret, ret_why);
        if (r < 0) {
                char *w = xasprintf("%s: %s", path, *ret_why);
                free(*ret_why);
                *ret_why = w;
        }
        return r;
}
