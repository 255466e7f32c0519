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
#include "read/form.h"

#include <ctype.h>
#include <string.h>

#include "read/form-internal.h"

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
        strlist_free(&r->unreadable);
        form_record_init(r);
}

static void strlist_copy(StrList *dst, const StrList *src)
{
        for (size_t i = 0; i < src->n; i++)
                strlist_add(dst, src->v[i]);
}

void form_record_copy(FormRecord *dst, const FormRecord *src)
{
        form_record_init(dst);
        for (size_t i = 0; i < FIELD__MAX; i++) {
                dst->f[i] = src->f[i];
                dst->f[i].text = xstrdup(src->f[i].text);
                dst->f[i].canon = xstrdup(src->f[i].canon);
        }
        strlist_copy(&dst->notes, &src->notes);
        strlist_copy(&dst->unknown_labels, &src->unknown_labels);
        strlist_copy(&dst->unreadable, &src->unreadable);
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
        bool negated;   /* asks the opposite question (FieldDef.negated) */
} LabelEntry;

/* The tables keep a wording's polarity with its field: id | LABEL_NEGATED.
 * A wording asking the same field both ways is no field's. */
#define LABEL_NEGATED 0x10000

/* A string's slot in a LabelTable. */
typedef struct {
        const char *key;        /* NULL: free */
        uint32_t hash, len;
        int id;         /* field id, | LABEL_NEGATED; -1 ambiguous, -2 unset */
} LabelSlot;

/* Open addressing over strings kept elsewhere, hashed with FNV-1a: a hash
 * that grows a byte at a time, so that every beginning of a candidate is
 * hashed in one pass (match_prefix). */
typedef struct {
        LabelSlot *slots;
        size_t mask;            /* slots - 1: a power of two */
        size_t n;
} LabelTable;

#define HASH_START 2166136261u
static inline uint32_t hash_add(uint32_t h, unsigned char c)
{
        return (h ^ c) * 16777619u;
}

static uint32_t hash_of(const char *s, size_t len)
{
        uint32_t h = HASH_START;
        for (size_t i = 0; i < len; i++)
                h = hash_add(h, (unsigned char)s[i]);
        return h;
}

/* The slot of key, or the free slot where it would go. */
static LabelSlot *table_slot(const LabelTable *t, const char *key, size_t len, uint32_t h)
{
        for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
                LabelSlot *s = &t->slots[i];
                if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
                        return s;
        }
}

/* The id of key, or -2 when it is not there. */
static int table_get(const LabelTable *t, const char *key, size_t len, uint32_t h)
{
        if (!t->slots)
                return -2;
        const LabelSlot *s = table_slot(t, key, len, h);
        return s->key ? s->id : -2;
}

/* Where key goes (key stays the caller's and must outlive the table). */
static LabelSlot *table_put(LabelTable *t, const char *key)
{
        if ((t->n + 1) * 2 > t->mask + 1 || !t->slots) {
                LabelTable bigger = {.mask = t->slots ? 2 * t->mask + 1 : 63};
                bigger.slots = xcalloc(bigger.mask + 1, sizeof *bigger.slots);
                for (size_t i = 0; t->slots && i <= t->mask; i++)
                        if (t->slots[i].key)
                                *table_slot(&bigger, t->slots[i].key, t->slots[i].len, t->slots[i].hash) =
                                        t->slots[i];
                bigger.n = t->n;
                free(t->slots);
                *t = bigger;
        }
        size_t len = strlen(key);
        uint32_t h = hash_of(key, len);
        LabelSlot *s = table_slot(t, key, len, h);
        if (!s->key) {
                *s = (LabelSlot){.key = key, .hash = h, .len = (uint32_t)len, .id = -2};
                t->n++;
        }
        return s;
}

/* The lists are scanned for every separator of every line of every body:
 * the tables find a wording or a bag of words at once. */
struct FormLabels {
        LabelEntry *v;
        size_t n;
        LabelTable exact;       /* norm -> id of its first entry */
        LabelTable bags;        /* bag -> id, or -1 when labels of two fields have it */
        size_t len_max;         /* the longest norm */
        size_t prefix_max;      /* the longest norm of 4 words or more */
        size_t bag_words_max;   /* the most words in a bag */
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
        /* every bullet starts with one of these bytes */
        unsigned char c0 = (unsigned char)*s;
        bool maybe = c0 == 0xe2 || c0 == 0xc2 || c0 == 0xef || c0 == '-' || c0 == '*' || c0 == '>';
        for (const char *const *b = bullets; maybe && *b; b++)
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

/* A letter or digit of the C locale, the daemon's (nothing calls
 * setlocale()), as isalnum() and tolower() see it: the byte lowered, or 0
 * for any other byte.  A table spares two calls per byte of every line. */
static const char alnum_lower[256] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
        0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
        'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
        0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
        'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The normaliser of form_normalise_into() and form_normalise_head(): it
 * writes no more than cap - 1 bytes and says whether it wrote all. */
__attribute__((always_inline)) static inline bool normalise(const char *s, char *out, bool bounded, size_t cap,
                                                            size_t *ret_len)
{
        s = skip_marker(s);
        size_t len = 0;
        bool space = false, all = true;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                char lower = alnum_lower[*p];
                if (lower) {
                        if (bounded && len + 2 >= cap) {
                                all = false;
                                break;
                        }
                        if (space && len)
                                out[len++] = ' ';
                        space = false;
                        out[len++] = lower;
                } else if (*p == '&' || *p == '+') {
                        if (bounded && len + 4 >= cap) {
                                all = false;
                                break;
                        }
                        if (len)
                                out[len++] = ' ';
                        memcpy(out + len, "and", 3);
                        len += 3;
                        space = true;
                } else if (*p == '\'' || (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99)) {
                        /* apostrophes join: "council's" = "councils" */
                        if (*p != '\'')
                                p += 2;
                } else {
                        space = true;
                }
        }
        out[len] = 0;
        *ret_len = len;
        return all;
}

size_t form_normalise_into(const char *s, char *out)
{
        size_t len;
        normalise(s, out, false, 0, &len);
        return len;
}

bool form_normalise_head(const char *s, char *out, size_t cap)
{
        size_t len;
        return normalise(s, out, true, cap, &len);
}

char *form_label_normalise(const char *s)
{
        char *out = xmalloc(FORM_NORM_CAP(strlen(s)));
        form_normalise_into(s, out);
        return out;
}

const char *form_norm_buf(FormNormBuf *nb, const char *s)
{
        size_t need = FORM_NORM_CAP(strlen(s));
        if (need > nb->cap) {
                free(nb->s);
                nb->cap = need < 256 ? 256 : need;
                nb->s = xmalloc(nb->cap);
        }
        nb->len = form_normalise_into(s, nb->s);
        return nb->s;
}

/* Words a label can do without: "Date of the breach" = "Breach date".
 * Listed by first letter (each list's words separated by NULs): asked for
 * every word of every candidate, a word is compared with a few only. */
static bool is_stopword(const char *w)
{
        static const char *const s[26] = {
                ['a' - 'a'] = "a\0an\0at\0are\0any\0and\0",
                ['b' - 'a'] = "by\0be\0been\0brief\0briefly\0",
                ['d' - 'a'] = "did\0do\0does\0data\0",
                ['e' - 'a'] = "enter\0",
                ['f' - 'a'] = "for\0from\0full\0",
                ['g' - 'a'] = "give\0",
                ['h' - 'a'] = "has\0have\0had\0",
                ['i' - 'a'] = "in\0it\0its\0is\0if\0insert\0",
                ['o' - 'a'] = "of\0on\0or\0",
                ['p' - 'a'] = "please\0provide\0personal\0",
                ['s' - 'a'] = "state\0",
                ['t' - 'a'] = "the\0to\0this\0that\0there\0",
                ['w' - 'a'] = "with\0was\0were\0",
                ['y' - 'a'] = "your\0you\0",
        };
        if (w[0] < 'a' || w[0] > 'z' || !s[w[0] - 'a'])
                return false;
        /* a list ends with an empty word */
        for (const char *c = s[w[0] - 'a']; *c; c += strlen(c) + 1)
                if (strcmp(w, c) == 0)
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A content word as a bag holds it: plurals made singular, in place. */
static void singular(char *t, size_t n)
{
        if (n > 3 && t[n - 1] == 's' && t[n - 2] != 's' && t[n - 2] != 'u')
                t[n - 1] = 0;
}

/* The content words of a normalised label, plurals made singular, sorted
 * and without repeats, joined by spaces ("" when none). */
static char *bag_of(const char *norm)
{
        StrList w = {0};
        _cleanup_free_ char *copy = xstrdup(norm);
        char *save = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                if (is_stopword(t))
                        continue;
                singular(t, strlen(t));
                if (!strlist_contains(&w, t))
                        strlist_add(&w, t);
        }
        if (w.n > 1)
                qsort(w.v, w.n, sizeof *w.v, cmp_str);
        char *r = strlist_join(&w, " ");
        strlist_free(&w);
        return r ? r : xstrdup("");
}

/* The most content words bag_into() keeps on the stack. */
#define BAG_WORDS_STACK 64

/* bag_of() without allocating, for a candidate: norm is cut into words in
 * place and the bag written to out (at least strlen(norm) + 1 bytes).
 * False when the candidate has more than max content words: no label's
 * bag can be its bag then. */
static bool bag_into(char *norm, size_t max, char *out)
{
        char *w[BAG_WORDS_STACK];
        size_t n = 0;
        for (char *t = norm; *t;) {
                char *e = strchr(t, ' ');
                char *next = e ? e + 1 : t + strlen(t);
                if (e)
                        *e = 0;
                if (!is_stopword(t)) {
                        singular(t, (size_t)((e ? e : next) - t));
                        bool seen = false;
                        for (size_t i = 0; i < n && !seen; i++)
                                seen = strcmp(w[i], t) == 0;
                        if (!seen) {
                                if (n >= max || n >= BAG_WORDS_STACK)
                                        return false;
                                w[n++] = t;
                        }
                }
                t = next;
        }
        /* insertion sort: a few words, all different */
        for (size_t i = 1; i < n; i++)
                for (size_t k = i; k > 0 && strcmp(w[k - 1], w[k]) > 0; k--) {
                        char *x = w[k];
                        w[k] = w[k - 1];
                        w[k - 1] = x;
                }
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (i)
                        out[len++] = ' ';
                size_t k = strlen(w[i]);
                memcpy(out + len, w[i], k);
                len += k;
        }
        out[len] = 0;
        return true;
}

FormLabels *form_labels_new(void)
{
        FormLabels *l = xcalloc(1, sizeof *l);
        for (size_t i = 0; i < FIELD__MAX; i++) {
                form_labels_add(l, (FieldId)i, form_fields[i].label);
                for (const char *const *a = form_fields[i].aliases; a && *a; a++)
                        form_labels_add(l, (FieldId)i, *a);
                for (const char *const *a = form_fields[i].negated; a && *a; a++)
                        form_labels_add_negated(l, (FieldId)i, *a);
        }
        return l;
}

static void labels_add(FormLabels *l, FieldId id, const char *label, bool negated)
{
        char *n = form_label_normalise(label);
        if (!*n) {
                free(n);
                return;
        }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
        LabelEntry *e = &l->v[l->n];
        e->norm = n;
        e->len = strlen(n);
        e->words = form_count_words(n);
        e->bag = bag_of(n);
        e->id = id;
        e->negated = negated;
        l->n++;
        int tagged = (int)id | (negated ? LABEL_NEGATED : 0);
        /* Keys are the entry's own strings, which outlive the tables.  The
         * first entry of a wording decides it, as a scan in order would. */
        LabelSlot *slot = table_put(&l->exact, e->norm);
        if (slot->id == -2)
                slot->id = tagged;
        if (e->len > l->len_max)
                l->len_max = e->len;
        if (e->words >= 4 && e->len > l->prefix_max)
                l->prefix_max = e->len;
        if (*e->bag) {
                slot = table_put(&l->bags, e->bag);
                if (slot->id == -2)
                        slot->id = tagged;
                else if (slot->id != tagged)
                        slot->id = -1;
                size_t bw = form_count_words(e->bag);
                if (bw > l->bag_words_max)
                        l->bag_words_max = bw;
        }
}

void form_labels_add(FormLabels *l, FieldId id, const char *label)
{
        labels_add(l, id, label, false);
}

void form_labels_add_negated(FormLabels *l, FieldId id, const char *label)
{
        labels_add(l, id, label, true);
}

void form_labels_free(FormLabels *l)
{
        if (!l)
                return;
        free(l->exact.slots);
        free(l->bags.slots);
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].norm);
                free(l->v[i].bag);
        }
        free(l->v);
        free(l);
}

static int match_exact(const FormLabels *l, const char *norm)
{
        /* a candidate longer than every label is spared the hashing */
        uint32_t h = HASH_START;
        size_t len = 0;
        for (; norm[len]; len++) {
                if (len >= l->len_max)
                        return -1;
                h = hash_add(h, (unsigned char)norm[len]);
        }
        int id = table_get(&l->exact, norm, len, h);
        return id >= 0 ? id : -1;
}

/* The same content words as one label; -1 when none, or when labels of two
 * fields have them. */
static int match_bag(const FormLabels *l, const char *norm)
{
        _cleanup_free_ char *heap = NULL;
        char words[FORM_NORM_CAP(FORM_LABEL_MAX)], bag[FORM_NORM_CAP(FORM_LABEL_MAX)];
        const char *b = bag;
        if (strlen(norm) < sizeof words && l->bag_words_max < BAG_WORDS_STACK) {
                strcpy(words, norm);
                if (!bag_into(words, l->bag_words_max, bag))
                        return -1;
        } else {
                b = heap = bag_of(norm);
        }
        if (!*b)
                return -1;
        size_t len = strlen(b);
        int id = table_get(&l->bags, b, len, hash_of(b, len));
        return id >= 0 ? id : -1;
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
 * tail: long form labels carry guidance that people paste with them.  s
 * has at most FORM_LABEL_MAX bytes and norm is s normalised; out holds
 * FORM_NORM_CAP(FORM_LABEL_MAX) bytes. */
static void strip_guidance(const char *s, const char *norm, char *out)
{
        if (!strpbrk(s, "([")) {
                /* nothing to remove: normalising again would give norm */
                strcpy(out, norm);
        } else {
                char r[FORM_LABEL_MAX + 1];
                size_t k = 0;
                int depth = 0;
                for (const char *p = s; *p; p++) {
                        if (*p == '(' || *p == '[')
                                depth++;
                        else if ((*p == ')' || *p == ']') && depth > 0)
                                depth--;
                        else if (depth == 0)
                                r[k++] = *p;
                }
                r[k] = 0;
                form_normalise_into(r, out);
        }
        /* every tail starts with a space and an e, i, l, p or w */
        bool maybe = false;
        for (const char *p = strchr(out, ' '); p && !maybe; p = strchr(p + 1, ' '))
                maybe = p[1] == 'e' || p[1] == 'i' || p[1] == 'l' || p[1] == 'p' || p[1] == 'w';
        if (!maybe)
                return;
        static const char *const tails[] = {" e g ", " eg ", " i e ", " ie ", " list in next column",
                                            " please ", " if known", " if so", " include ", " if applicable",
                                            " where known", " where applicable", " if any"};
        for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
                char *t = strstr(out, tails[i]);
                if (t)
                        *t = 0;
        }
}

/* A candidate that begins with a long label ("How did the personal data
 * breach occur, please describe") matches it; short labels must match
 * whole, or any sentence starting "Name ..." would.  The longest label
 * wins: the candidate's beginnings of four words or more are looked up,
 * longest first (a normalised text has single spaces between words). */
static int match_prefix(const FormLabels *l, const char *stripped)
{
        /* where its beginnings of four words or more end, and their
         * hashes, from one pass; stripped has at most
         * FORM_NORM_CAP(FORM_LABEL_MAX) - 1 bytes, so this many words */
        uint32_t ends[FORM_NORM_CAP(FORM_LABEL_MAX) / 2 + 1], hashes[ARRAY_SIZE(ends)];
        size_t n = 0, spaces = 0;
        uint32_t h = HASH_START;
        for (size_t i = 0; i <= l->prefix_max && n < ARRAY_SIZE(ends); i++) {
                char c = stripped[i];
                if ((c == ' ' || !c) && spaces >= 3) {
                        ends[n] = (uint32_t)i;
                        hashes[n++] = h;
                }
                if (!c)
                        break;
                spaces += c == ' ';
                h = hash_add(h, (unsigned char)c);
        }
        while (n--) {
                int id = table_get(&l->exact, stripped, ends[n], hashes[n]);
                if (id >= 0)
                        return id;
        }
        return -1;
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
        if (!*norm || form_count_words(norm) > 12)
                return false;
        int depth = 0;
        for (const char *p = cand; *p; p++) {
                depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                if (depth == 0 && (*p == '.' || *p == '!' || *p == ';') && p[1] == ' ' && p > cand &&
                    !isdigit((unsigned char)p[-1]) && p - cand > 3)
                        return false;
        }
        /* The organisation speaks in a form's own questions: "Date we
         * became aware", "How we found out", "What we have done".  After
         * such a question word "we", "our" and "us" are allowed. */
        static const char *const asking[] = {"date", "time", "when", "how", "what", "who", "why", "which", "day",
                                             NULL};
        static const char *const org[] = {"we", "our", "us", NULL};
        bool asks = false;
        size_t first = strcspn(norm, " ");
        for (size_t i = 0; asking[i] && !asks; i++)
                asks = strncmp(norm, asking[i], first) == 0 && asking[i][first] == 0;
        for (const char *w = norm; *w;) {
                while (*w == ' ')
                        w++;
                size_t n = strcspn(w, " ");
                if (!n)
                        break;
                for (size_t i = 0; speaking[i]; i++)
                        if (strncmp(w, speaking[i], n) == 0 && speaking[i][n] == 0) {
                                bool ours = false;
                                for (size_t j = 0; asks && org[j] && !ours; j++)
                                        ours = strcmp(speaking[i], org[j]) == 0;
                                if (!ours)
                                        return false;
                        }
                w += n;
        }
        return true;
}

/* The steps of form_labels_match_norm(); the id is tagged LABEL_NEGATED. */
static int match_steps(const FormLabels *l, const char *text, const char *norm, LabelMatch how)
{
        if (!text)
                return -1;
        size_t len = strlen(text);
        if (len == 0 || len > FORM_LABEL_MAX)
                return -1;
        if (!*norm)
                return -1;
        int id = match_exact(l, norm);
        if (id >= 0)
                return id;
        char stripped[FORM_NORM_CAP(FORM_LABEL_MAX)];
        strip_guidance(text, norm, stripped);
        if (!*stripped)
                return -1;
        /* the same wording was looked up just now */
        if (strcmp(stripped, norm) != 0 && (id = match_exact(l, stripped)) >= 0)
                return id;
        if ((id = match_prefix(l, stripped)) >= 0)
                return id;
        if ((id = match_bag(l, stripped)) >= 0)
                return id;
        if (how == LABEL_QUESTION && question_like(text, stripped))
                return form_match_question(stripped);
        return -1;
}

int form_labels_match_norm(const FormLabels *l, const char *text, const char *norm, LabelMatch how,
                           bool *ret_negated)
{
        int id = match_steps(l, text, norm, how);
        if (ret_negated)
                *ret_negated = id >= 0 && (id & LABEL_NEGATED);
        return id >= 0 ? id & ~LABEL_NEGATED : id;
}

int form_labels_match_how(const FormLabels *l, const char *text, LabelMatch how, bool *ret_negated)
{
        if (ret_negated)
                *ret_negated = false;
        if (!text)
                return -1;
        size_t len = strlen(text);
        if (len == 0 || len > FORM_LABEL_MAX)
                return -1;
        char norm[FORM_NORM_CAP(FORM_LABEL_MAX)];
        form_normalise_into(text, norm);
        return form_labels_match_norm(l, text, norm, how, ret_negated);
}

int form_labels_match(const FormLabels *l, const char *text)
{
        return form_labels_match_how(l, text, LABEL_QUESTION, NULL);
}

int form_labels_match_negated(const FormLabels *l, const char *text, bool *ret_negated)
{
        return form_labels_match_how(l, text, LABEL_QUESTION, ret_negated);
}
