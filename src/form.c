/* form.c — the form record, label matching, and reading "Label: value"
 * text and two-column table rows into a record. */
#include "form.h"

#include <ctype.h>
#include <glib.h>
#include <string.h>

#include "extract.h"

void form_record_init(FormRecord *r)
{
        memset(r, 0, sizeof *r);
        for (size_t i = 0; i < FIELD__MAX; i++)
                r->f[i].count = -1;
}

void form_record_free(FormRecord *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < FIELD__MAX; i++) {
                free(r->f[i].text);
                free(r->f[i].canon);
        }
        strlist_free(&r->notes);
        strlist_free(&r->unknown_labels);
        form_record_init(r);
}

static char *collapse_space(const char *s)
{
        Buf b = {0};
        bool sp = false;
        for (; *s; s++) {
                if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
                        sp = true;
                        continue;
                }
                if (sp && b.len)
                        buf_putc(&b, ' ');
                sp = false;
                buf_putc(&b, *s);
        }
        return buf_steal(&b);
}

bool form_record_set(FormRecord *r, FieldId id, const char *text)
{
        _cleanup_free_ char *copy = xstrdup(text);
        char *t = str_trim(copy);
        if (!*t)
                return true;
        FieldValue *v = &r->f[id];
        if (v->text) {
                /* The same answer read twice (an HTML table and its text
                 * rendering) differs at most in white space: not a note. */
                _cleanup_free_ char *a = collapse_space(v->text), *b = collapse_space(t);
                if (strcmp(a, b) != 0)
                        strlist_take(&r->notes, xasprintf("A second value was given for \"%s\": %s",
                                                         form_fields[id].label, t));
                return false;
        }
        v->text = xstrdup(t);
        v->state = FV_OK;
        return true;
}

/* ---- labels ---------------------------------------------------------- */

typedef struct {
        char *norm;
        FieldId id;
} LabelEntry;

struct FormLabels {
        LabelEntry *v;
        size_t n;
};

/* Skips a leading list marker: "1.", "1)", "a)", "(a)", "Q3.", "•", "-",
 * "*", "1.2". */
static const char *skip_marker(const char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        /* bullets: ASCII and the common UTF-8 ones (• ▪ ◦ – —) */
        static const char *const bullets[] = {"\xe2\x80\xa2", "\xe2\x96\xaa", "\xe2\x97\xa6",
                                              "\xe2\x80\x93", "\xe2\x80\x94", "\xc2\xb7", "-", "*", NULL};
        for (const char *const *b = bullets; *b; b++)
                if (str_startswith(s, *b)) {
                        s += strlen(*b);
                        while (*s == ' ' || *s == '\t')
                                s++;
                        return s;
                }
        const char *p = s;
        if (*p == '(')
                p++;
        if ((*p == 'q' || *p == 'Q') && isdigit((unsigned char)p[1]))
                p++;
        if (isdigit((unsigned char)*p)) {
                while (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
                        p++;
        } else if (isalpha((unsigned char)*p) && (p[1] == ')' || p[1] == '.') &&
                   (p[2] == ' ' || p[2] == '\t')) {
                p++;
        } else {
                return s;
        }
        if (*p == '.' || *p == ')')
                p++;
        else if (*s != '(' && !(*p == ' ' || *p == '\t'))
                return s;
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

char *form_label_normalise(const char *s)
{
        s = skip_marker(s);
        Buf b = {0};
        bool space = false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (isalnum(*p)) {
                        if (space && b.len)
                                buf_putc(&b, ' ');
                        space = false;
                        buf_putc(&b, (char)tolower(*p));
                } else if (*p == '&') {
                        if (b.len)
                                buf_putc(&b, ' ');
                        buf_puts(&b, "and");
                        space = true;
                } else if (*p == '\'' || (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99)) {
                        /* apostrophes join: "council's" = "councils" */
                        if (*p != '\'')
                                p += 2;
                } else {
                        space = true;
                }
        }
        return buf_steal(&b);
}

FormLabels *form_labels_new(void)
{
        FormLabels *l = xcalloc(1, sizeof *l);
        for (size_t i = 0; i < FIELD__MAX; i++) {
                form_labels_add(l, (FieldId)i, form_fields[i].label);
                for (const char *const *a = form_fields[i].aliases; a && *a; a++)
                        form_labels_add(l, (FieldId)i, *a);
        }
        return l;
}

void form_labels_add(FormLabels *l, FieldId id, const char *label)
{
        char *n = form_label_normalise(label);
        if (!*n) {
                free(n);
                return;
        }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
        l->v[l->n].norm = n;
        l->v[l->n].id = id;
        l->n++;
}

void form_labels_free(FormLabels *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].norm);
        free(l->v);
        free(l);
}

static int match_exact(const FormLabels *l, const char *norm)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].norm, norm) == 0)
                        return (int)l->v[i].id;
        return -1;
}

static size_t count_words(const char *s)
{
        size_t n = *s ? 1 : 0;
        for (; *s; s++)
                if (*s == ' ')
                        n++;
        return n;
}

/* Removes "(...)" groups and cuts at an "e.g."/"i.e."/"list in next column"
 * tail: long form labels carry guidance that people paste with them. */
static char *strip_guidance(const char *s)
{
        Buf b = {0};
        int depth = 0;
        for (const char *p = s; *p; p++) {
                if (*p == '(' || *p == '[')
                        depth++;
                else if ((*p == ')' || *p == ']') && depth > 0)
                        depth--;
                else if (depth == 0)
                        buf_putc(&b, *p);
        }
        char *r = buf_steal(&b);
        char *n = form_label_normalise(r);
        free(r);
        static const char *const tails[] = {" e g ", " eg ", " i e ", " ie ", " list in next column",
                                            " please ", " if known", " if so", " include "};
        for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
                char *t = strstr(n, tails[i]);
                if (t)
                        *t = 0;
        }
        return n;
}

int form_labels_match(const FormLabels *l, const char *text)
{
        if (!text)
                return -1;
        size_t len = strlen(text);
        if (len == 0 || len > 400)
                return -1;
        _cleanup_free_ char *norm = form_label_normalise(text);
        if (!*norm)
                return -1;
        int id = match_exact(l, norm);
        if (id >= 0)
                return id;
        _cleanup_free_ char *stripped = strip_guidance(text);
        if (*stripped && (id = match_exact(l, stripped)) >= 0)
                return id;
        /* A candidate that begins with a long label ("How did the personal
         * data breach occur, please describe") matches it; short labels must
         * match whole, or any sentence starting "Name ..." would. */
        const LabelEntry *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < l->n; i++) {
                size_t n = strlen(l->v[i].norm);
                if (count_words(l->v[i].norm) < 4 || n <= best_len)
                        continue;
                if (strncmp(stripped, l->v[i].norm, n) == 0 && (stripped[n] == 0 || stripped[n] == ' ')) {
                        best = &l->v[i];
                        best_len = n;
                }
        }
        return best ? (int)best->id : -1;
}

/* ---- reading text and rows ------------------------------------------- */

/* "Time of incident" and its kin complete the date field before them. */
static int match_time_label(const char *text)
{
        _cleanup_free_ char *n = form_label_normalise(text);
        static const struct { const char *label; FieldId id; } t[] = {
                {"time of incident", F_OCCURRED_AT}, {"time of breach", F_OCCURRED_AT},
                {"time occurred", F_OCCURRED_AT},    {"time", F_OCCURRED_AT},
                {"time discovered", F_AWARE_AT},     {"time of discovery", F_AWARE_AT},
                {"time aware", F_AWARE_AT},          {"time you found out", F_AWARE_AT},
                {"time became aware", F_AWARE_AT},
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcmp(n, t[i].label) == 0)
                        return (int)t[i].id;
        return -1;
}

static void add_time(FormRecord *r, FieldId id, const char *value)
{
        _cleanup_free_ char *v = xstrdup(value);
        char *t = str_trim(v);
        if (!*t)
                return;
        FieldValue *f = &r->f[id];
        if (!f->text) {
                f->text = xstrdup(t);
                f->state = FV_OK;
                return;
        }
        char *joined = xasprintf("%s %s", f->text, t);
        free(f->text);
        f->text = joined;
}

/* A line that ends a form: a signature separator or a sign-off. */
static bool is_signoff(const char *line)
{
        if (strcmp(line, "--") == 0 || strcmp(line, "-- ") == 0)
                return true;
        _cleanup_free_ char *n = form_label_normalise(line);
        static const char *const s[] = {"regards", "kind regards", "best regards", "warm regards",
                                        "many thanks", "thanks", "thank you", "best wishes",
                                        "sent from my iphone", "sent from my ipad",
                                        "sent from outlook for ios", "sent from outlook for android",
                                        "sent from my samsung galaxy smartphone", "cheers", "yours sincerely",
                                        "yours faithfully"};
        for (size_t i = 0; i < ARRAY_SIZE(s); i++)
                if (strcmp(n, s[i]) == 0)
                        return true;
        return false;
}

typedef struct {
        FormRecord *rec;
        const FormLabels *labels;
        int current;        /* field being read, or -1 */
        bool current_time;  /* reading a "Time of ..." companion */
        bool current_dup;   /* current field was already set: collect into notes */
        Buf value;
        size_t n_fields;    /* fields found */
} TextReader;

static void reader_flush(TextReader *tr)
{
        if (tr->current >= 0) {
                char *v = tr->value.s ? tr->value.s : "";
                /* drop trailing blank lines but keep inner line breaks */
                v = str_trim(v);
                if (*v) {
                        if (tr->current_time)
                                add_time(tr->rec, (FieldId)tr->current, v);
                        else
                                form_record_set(tr->rec, (FieldId)tr->current, v);
                }
        }
        buf_free(&tr->value);
        tr->current = -1;
        tr->current_time = false;
}

static void reader_start(TextReader *tr, int id, bool is_time, const char *value)
{
        reader_flush(tr);
        tr->current = id;
        tr->current_time = is_time;
        tr->n_fields++;
        buf_puts(&tr->value, value);
}

/* Tries "Label: value", "Label? value" and "Label<TAB>value" splits of a
 * line, earliest separator first. */
static bool try_label_line(TextReader *tr, const char *line)
{
        for (const char *p = line; *p; p++) {
                if (*p != ':' && *p != '?' && *p != '\t')
                        continue;
                if (p - line > 300)
                        break;
                _cleanup_free_ char *cand = xstrndup(line, (size_t)(p - line));
                const char *rest = p + 1;
                while (*rest == ':' || *rest == '?' || *rest == '\t' || *rest == ' ')
                        rest++;
                int id = form_labels_match(tr->labels, cand);
                if (id >= 0) {
                        reader_start(tr, id, false, rest);
                        return true;
                }
                id = match_time_label(cand);
                if (id >= 0) {
                        reader_start(tr, id, true, rest);
                        return true;
                }
        }
        return false;
}

static bool try_label_alone(TextReader *tr, const char *line)
{
        _cleanup_free_ char *c = xstrdup(line);
        size_t n = strlen(c);
        while (n && (c[n - 1] == ':' || c[n - 1] == '?' || c[n - 1] == ' ' || c[n - 1] == '*'))
                c[--n] = 0;
        int id = form_labels_match(tr->labels, c);
        if (id >= 0) {
                reader_start(tr, id, false, "");
                return true;
        }
        id = match_time_label(c);
        if (id >= 0 && line[strlen(line) - 1] == ':') {
                reader_start(tr, id, true, "");
                return true;
        }
        return false;
}

size_t form_read_text(const FormLabels *labels, const char *text, FormRecord *rec)
{
        TextReader tr = {.rec = rec, .labels = labels, .current = -1};
        const char *p = text;
        while (p && *p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                _cleanup_free_ char *raw = xstrndup(p, n);
                p = nl ? nl + 1 : NULL;
                /* Outlook turns table rows into label<TAB>value; keep tabs
                 * but drop CR and non-breaking spaces. */
                for (char *q = raw; *q; q++)
                        if (*q == '\r')
                                *q = ' ';
                char *line = str_trim(raw);
                if (is_signoff(line)) {
                        reader_flush(&tr);
                        if (tr.n_fields)
                                break;
                        continue;
                }
                if (*line && (try_label_line(&tr, line) || try_label_alone(&tr, line)))
                        continue;
                if (tr.current >= 0) {
                        if (tr.value.len || *line) {
                                if (tr.value.len)
                                        buf_putc(&tr.value, '\n');
                                buf_puts(&tr.value, line);
                        }
                }
        }
        reader_flush(&tr);
        /* collapse runs of blank lines inside values to one */
        for (size_t i = 0; i < FIELD__MAX; i++) {
                char *t = rec->f[i].text;
                if (!t)
                        continue;
                char *w = t;
                int nls = 0;
                for (char *q = t; *q; q++) {
                        if (*q == '\n') {
                                if (++nls > 2)
                                        continue;
                        } else {
                                nls = 0;
                        }
                        *w++ = *q;
                }
                *w = 0;
        }
        return tr.n_fields;
}

size_t form_read_rows(const FormLabels *labels, const FormRow *rows, size_t n, FormRecord *rec)
{
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
                /* A one-cell row "Label? answer" is text: reading it whole
                 * as a label would lose the answer. */
                if (!*rows[i].value && strpbrk(rows[i].label, ":?\t")) {
                        FormRecord tmp;
                        form_record_init(&tmp);
                        size_t k = form_read_text(labels, rows[i].label, &tmp);
                        bool any = false;
                        for (size_t f = 0; f < FIELD__MAX; f++)
                                if (tmp.f[f].text) {
                                        any = true;
                                        form_record_set(rec, (FieldId)f, tmp.f[f].text);
                                }
                        form_record_free(&tmp);
                        if (any) {
                                found += k;
                                continue;
                        }
                }
                int id = form_labels_match(labels, rows[i].label);
                if (id >= 0) {
                        found++;
                        form_record_set(rec, (FieldId)id, rows[i].value);
                        continue;
                }
                id = match_time_label(rows[i].label);
                if (id >= 0) {
                        found++;
                        add_time(rec, (FieldId)id, rows[i].value);
                        continue;
                }
                /* A row whose left cell holds "Label: value" lines is read
                 * as text, and so is its right cell then. */
                if (strchr(rows[i].label, ':')) {
                        found += form_read_text(labels, rows[i].label, rec);
                        if (*rows[i].value)
                                found += form_read_text(labels, rows[i].value, rec);
                }
        }
        return found;
}

size_t form_read_source(const FormLabels *labels, const FormSource *src, FormRecord *rec)
{
        size_t n = 0;
        if (src->n_rows)
                n += form_read_rows(labels, src->rows, src->n_rows, rec);
        if (src->text)
                n += form_read_text(labels, src->text, rec);
        return n;
}
