/* template.c — see template.h. */
#include "template.h"

#include <errno.h>
#include <string.h>

void tvars_set(TemplateVars *v, const char *name, const char *value)
{
        for (size_t i = 0; i < v->names.n; i++)
                if (strcmp(v->names.v[i], name) == 0) {
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

static const char *lookup(const TemplateVars *v, const char *name)
{
        for (size_t i = 0; i < v->names.n; i++)
                if (strcmp(v->names.v[i], name) == 0)
                        return v->values.v[i];
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
                _cleanup_free_ char *name = xstrndup(ns, (size_t)(close - ns));
                str_trim(name);
                const char *val = lookup(vars, name);
                if (!val) {
                        *why = xasprintf("unknown variable {{%s}}", name);
                        return -EINVAL;
                }
                p = close + 2;
                if (kind == '/') {
                        *why = xasprintf("{{/%s}} without its opening", name);
                        return -EINVAL;
                }
                if (kind != '#' && kind != '^') {
                        buf_puts(out, val);
                        continue;
                }
                _cleanup_free_ char *endtag = xasprintf("{{/%s}}", name);
                const char *sec_end = strstr(p, endtag);
                if (!sec_end || sec_end >= end) {
                        *why = xasprintf("{{%c%s}} is not closed", kind, name);
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

int template_render_file(const char *dir, const char *name, const TemplateVars *vars, Rendered *ret,
                         char **ret_why)
{
        _cleanup_free_ char *path = xasprintf("%s/%s.txt", dir, name);
        _cleanup_free_ char *text = NULL;
        int r = read_file(path, 1 << 20, &text, NULL);
        if (r == -ENOENT && template_builtin(name)) {
                free(path);
                path = xasprintf("built-in template %s", name);
                text = xstrdup(template_builtin(name));
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
