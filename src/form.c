/* form.c — the form record and label matching.  The readers of text and
 * table rows are in form_text.c.
 *
 * A label is matched in steps, each used only when the one before finds
 * nothing: the whole label (normalised: case, punctuation, spacing, a
 * leading number, letter or bullet); the label without its guidance
 * ("(include categories ...)", "e.g. ...", "List in next column"); a known
 * long label the candidate begins with; the same words in another order or
 * with filler words ("Date of the breach" = "Breach date"); and, for
 * candidates that stand where a label stands (a table's left cell, text
 * before a colon), the key words of a question ("When did you first notice
 * the problem?" asks for aware_at). */
#include "form.h"

#include <ctype.h>
#include <string.h>

#include "form-internal.h"

#define NOTES_MAX 20
/* The longest answer kept; longer ones are cut (form_record_set). */
#define FORM_TEXT_MAX 16384

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
        buf_puts(&b, "");
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

/* Takes note; a hostile mail repeating a label ten thousand times gets a
 * bounded list. */
void form_record_note(FormRecord *r, char *note)
{
        if (r->notes.n >= NOTES_MAX) {
                if (r->notes.n == NOTES_MAX)
                        strlist_add(&r->notes, "More was noted than is listed here; only the first answer to "
                                               "each question was kept.");
                free(note);
                return;
        }
        strlist_take(&r->notes, note);
}

static void add_second_value_note(FormRecord *r, FieldId id, const char *value)
{
        _cleanup_free_ char *one = collapse_space(value);
        if (strlen(one) > 300)
                strcpy(one + 297, "...");
        form_record_note(r, xasprintf("\"%s\" was answered twice; the first answer was kept, the second was: %s",
                                      form_fields[id].label, one));
}

/* Cuts t to at most FORM_TEXT_MAX bytes, at a character boundary, marking
 * the cut: a page of text pasted into a field stays a page. */
static void cap_text(char *t)
{
        size_t n = strlen(t);
        if (n <= FORM_TEXT_MAX)
                return;
        n = FORM_TEXT_MAX - 8;
        while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
                n--;
        strcpy(t + n, " [...]");
}

bool form_record_set(FormRecord *r, FieldId id, const char *text)
{
        _cleanup_free_ char *copy = xstrdup(text);
        char *t = str_trim(copy);
        if (!*t)
                return true;
        cap_text(t);
        FieldValue *v = &r->f[id];
        if (v->text) {
                /* The same answer read twice (an HTML table and its text
                 * rendering) differs at most in white space: not a note. */
                _cleanup_free_ char *a = collapse_space(v->text), *b = collapse_space(t);
                if (strcmp(a, b) != 0)
                        add_second_value_note(r, id, t);
                return false;
        }
        v->text = xstrdup(t);
        v->state = FV_OK;
        return true;
}

/* ---- labels ---------------------------------------------------------- */

typedef struct {
        char *norm;
        char *bag;      /* its content words, sorted (see bag_of) */
        size_t len;     /* strlen(norm) */
        size_t words;   /* form_count_words(norm): matching asks on every line */
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
        /* bullets: ASCII and the common UTF-8 ones (• ▪ ◦ – — ·, Word's ) */
        static const char *const bullets[] = {"\xe2\x80\xa2", "\xe2\x96\xaa", "\xe2\x97\xa6", "\xe2\x80\x93",
                                              "\xe2\x80\x94", "\xc2\xb7",     "\xef\x82\xb7", "\xe2\x96\xba",
                                              "\xe2\x9e\xa2", "-",            "*",            ">",
                                              NULL};
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
        size_t roman = strspn(p, "ivx");
        if (isdigit((unsigned char)*p)) {
                while (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1])))
                        p++;
                /* "1a.", "2b)" */
                if (isalpha((unsigned char)*p) && (p[1] == '.' || p[1] == ')'))
                        p++;
        } else if (roman >= 2 && roman <= 4 && (p[roman] == ')' || p[roman] == '.')) {
                p += roman;
        } else if (isalpha((unsigned char)*p) && (p[1] == ')' || p[1] == '.') &&
                   (p[2] == ' ' || p[2] == '\t')) {
                p++;
        } else if (*s == '(' && isalpha((unsigned char)*p) && p[1] == ')') {
                p++;
        } else {
                return s;
        }
        if (*p == '.' || *p == ')' || *p == ':')
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
        buf_puts(&b, "");
        bool space = false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (isalnum(*p)) {
                        if (space && b.len)
                                buf_putc(&b, ' ');
                        space = false;
                        buf_putc(&b, (char)tolower(*p));
                } else if (*p == '&' || *p == '+') {
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

/* Words a label can do without: "Date of the breach" = "Breach date". */
static bool is_stopword(const char *w)
{
        static const char *const s[] = {"the", "a", "an", "of", "to", "by", "in", "on", "for", "at", "from",
                                        "with", "this", "that", "it", "its", "is", "are", "was", "were", "be",
                                        "been", "has", "have", "had", "did", "do", "does", "any", "please",
                                        "if", "your", "you", "there", "and", "or", "give", "provide", "state",
                                        "enter", "insert", "brief", "briefly", "full", "personal", "data",
                                        NULL};
        for (size_t i = 0; s[i]; i++)
                if (strcmp(w, s[i]) == 0)
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The content words of a normalised label, plurals made singular, sorted
 * and without repeats, joined by spaces ("" when none). */
static char *bag_of(const char *norm)
{
        StrList w = {0};
        _cleanup_free_ char *copy = xstrdup(norm);
        char *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                size_t n = strlen(t);
                if (is_stopword(t))
                        continue;
                if (n > 3 && t[n - 1] == 's' && t[n - 2] != 's' && t[n - 2] != 'u')
                        t[n - 1] = 0;
                if (!strlist_contains(&w, t))
                        strlist_add(&w, t);
        }
        if (w.n > 1)
                qsort(w.v, w.n, sizeof *w.v, cmp_str);
        char *r = strlist_join(&w, " ");
        strlist_free(&w);
        return r ? r : xstrdup("");
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
        l->v[l->n].len = strlen(n);
        l->v[l->n].words = form_count_words(n);
        l->v[l->n].bag = bag_of(n);
        l->v[l->n].id = id;
        l->n++;
}

void form_labels_free(FormLabels *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].norm);
                free(l->v[i].bag);
        }
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

/* The same content words as one label; -1 when none, or when labels of two
 * fields have them. */
static int match_bag(const FormLabels *l, const char *norm)
{
        _cleanup_free_ char *bag = bag_of(norm);
        int id = -1;
        if (!*bag)
                return -1;
        for (size_t i = 0; i < l->n; i++) {
                if (strcmp(l->v[i].bag, bag) != 0)
                        continue;
                if (id >= 0 && id != (int)l->v[i].id)
                        return -1;
                id = (int)l->v[i].id;
        }
        return id;
}

size_t form_count_words(const char *s)
{
        size_t n = 0;
        bool in = false;
        for (; *s; s++) {
                bool w = *s != ' ';
                if (w && !in)
                        n++;
                in = w;
        }
        return n;
}

/* Removes "(...)" groups and cuts at an "e.g."/"i.e."/"list in next column"
 * tail: long form labels carry guidance that people paste with them. */
static char *strip_guidance(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
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
                                            " please ", " if known", " if so", " include ", " if applicable",
                                            " where known", " where applicable", " if any"};
        for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
                char *t = strstr(n, tails[i]);
                if (t)
                        *t = 0;
        }
        return n;
}

/* A candidate that begins with a long label ("How did the personal data
 * breach occur, please describe") matches it; short labels must match
 * whole, or any sentence starting "Name ..." would. */
static int match_prefix(const FormLabels *l, const char *stripped)
{
        const LabelEntry *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < l->n; i++) {
                size_t n = l->v[i].len;
                if (l->v[i].words < 4 || n <= best_len)
                        continue;
                if (strncmp(stripped, l->v[i].norm, n) == 0 && (stripped[n] == 0 || stripped[n] == ' ')) {
                        best = &l->v[i];
                        best_len = n;
                }
        }
        return best ? (int)best->id : -1;
}

/* Whether what stands before a colon or question mark reads like a
 * question on a form rather than a sentence of a message, so that the key
 * words of a question may decide its field: a few words, no sentence
 * inside, nobody speaking. */
static bool question_like(const char *cand, const char *norm)
{
        static const char *const speaking[] = {"i", "we", "my", "our", "me", "us", "he", "she", "they", "them",
                                               "his", "her", "their", "im", "ive", "weve", "hi", "hello", "dear",
                                               NULL};
        _cleanup_free_ char *n = xstrdup(norm);
        if (!*n || form_count_words(n) > 12)
                return false;
        int depth = 0;
        for (const char *p = cand; *p; p++) {
                depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                if (depth == 0 && (*p == '.' || *p == '!' || *p == ';') && p[1] == ' ' && p > cand &&
                    !isdigit((unsigned char)p[-1]) && p - cand > 3)
                        return false;
        }
        char *save = NULL;
        for (char *w = strtok_r(n, " ", &save); w; w = strtok_r(NULL, " ", &save))
                for (size_t i = 0; speaking[i]; i++)
                        if (!strcmp(w, speaking[i]))
                                return false;
        return true;
}

int form_labels_match_how(const FormLabels *l, const char *text, LabelMatch how)
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
        if (*stripped && (id = match_prefix(l, stripped)) >= 0)
                return id;
        if (*stripped && (id = match_bag(l, stripped)) >= 0)
                return id;
        if (how == LABEL_QUESTION && *stripped && question_like(text, stripped))
                return form_match_question(stripped);
        return -1;
}

int form_labels_match(const FormLabels *l, const char *text)
{
        return form_labels_match_how(l, text, LABEL_QUESTION);
}
