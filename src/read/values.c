/* values.c — see values.h.  Every parser first normalises the text
 * (tokens.h: lower case, typographic dashes, quotes and spaces made ASCII),
 * then either cuts it into tokens (dates, counts, yes/no) or reduces it to a
 * key of stemmed words (directorates, enums, categories).  Dates are
 * values_date.c's. */
#include "read/values.h"
#include "read/tokens.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* ---- counts ------------------------------------------------------------ */

#define COUNT_MAX INT64_C(1000000000000)

static const char *const count_approx_words[] = {
        "about", "approx", "approximately", "approximate", "around", "roughly", "circa", "ca", "c",
        "est", "estimated", "estimate", "nearly", "almost", "over", "more", "least", "excess",
        "region", "up", "under", "less", "fewer", "maximum", "max", "minimum", "min", "potentially",
        "possibly", "probably", "maybe", "perhaps", "upto", "odd", "ish", "plus", "above", "circ",
        "some", "upwards", "several", "likely", "unknown", "tbc", "unsure", NULL};

/* Label words whose number is not a count: "Year 6", "Room 12", "No. 4". */
static const char *const count_label_words[] = {
        "year", "yr", "y", "class", "room", "ward", "no", "number", "ref", "reference", "page",
        "flat", "house", "block", "ks", "stage", "group", "version", "v", "aged", "age", "unit",
        "floor", "level", "phase", "route", "item", "question", "q", "section", "appendix", "form",
        "case", "id", NULL};

/* Units after which a number is not a count: "2 days later". */
static const char *const count_unit_words[] = {
        "st", "nd", "rd", "th", "am", "pm", "hrs", "hr", "hours", "hour", "minutes", "mins", "min",
        "seconds", "days", "day", "weeks", "week", "months", "month", "years", "year", "yrs",
        "o'clock", NULL};

/* Words before a number that make it a lower bound: "over 100", "more
 * than 100", "at least 5", "in excess of 100", "minimum 5", "above 100". */
static const char *const count_lower_words[] = {
        "over", "more", "least", "excess", "minimum", "min", "above", "upwards", NULL};

typedef struct {
        int64_t n;
        bool approx;
        size_t end;      /* first token after the number */
        bool at_least;   /* the number is a lower bound ("several", "50-60") */
} Numeral;

/* Whether the number at i belongs to a date, a time, a label or a unit. */
static bool count_skip(const Toks *T, size_t i)
{
        if ((is_p(T, i + 1, '/') || is_p(T, i + 1, ':')) && is_n(T, i + 2))
                return true;
        if (i >= 2 && (is_p(T, i - 1, '/') || is_p(T, i - 1, ':')) && is_n(T, i - 2))
                return true;
        if (i >= 2 && is_p(T, i - 1, '.') && is_n(T, i - 2) && !T->t[i - 1].space)
                return true;
        if ((is_p(T, i + 1, '.') && is_n(T, i + 2) && is_p(T, i + 3, '.')) || is_p(T, i + 1, '%'))
                return true;
        if (is_wl(T, i + 1, count_unit_words) || tokens_month_at(T, i + 1) || (i > 0 && tokens_month_at(T, i - 1)))
                return true;
        if (i > 0 && (is_wl(T, i - 1, count_label_words) || is_p(T, i - 1, '#')))
                return true;
        if (i > 1 && is_p(T, i - 1, '.') && is_wl(T, i - 2, count_label_words))
                return true;
        return false;
}

/* Digits at i: "10,000", "1.5k", "2 million", "400". */
static bool numeral_digits(const Toks *T, size_t i, Numeral *ret)
{
        if (T->t[i].num < 0)
                return false;
        int64_t n = T->t[i].num;
        size_t j = i + 1;
        while (is_p(T, j, ',') && !T->t[j].space && is_n(T, j + 1) && T->t[j + 1].ndig == 3 &&
               !T->t[j + 1].space) {
                n = n * 1000 + T->t[j + 1].num;
                if (n > COUNT_MAX)
                        return false;
                j += 2;
        }
        int64_t frac = 0, scale = 1;
        bool approx = false;
        if (is_p(T, j, '.') && !T->t[j].space && is_n(T, j + 1) && !T->t[j + 1].space &&
            T->t[j + 1].ndig <= 3) {
                frac = T->t[j + 1].num;
                for (int d = 0; d < T->t[j + 1].ndig; d++)
                        scale *= 10;
                approx = frac != 0;
                j += 2;
        }
        int64_t mult = 1;
        if (is_w(T, j, "thousand") || (is_w(T, j, "k") && !T->t[j].space))
                mult = 1000;
        else if (is_w(T, j, "million") || (is_w(T, j, "m") && !T->t[j].space))
                mult = 1000000;
        else if (is_w(T, j, "hundred"))
                mult = 100;
        if (mult > 1)
                j++;
        if (n > COUNT_MAX / mult)
                return false;
        *ret = (Numeral){n * mult + frac * mult / scale, approx && frac * mult % scale != 0, j, false};
        return true;
}

static int number_word(const char *w)
{
        static const char *const units[] = {
                "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", NULL};
        static const char *const tens[] = {"twenty", "thirty", "forty", "fifty", "sixty",
                                           "seventy", "eighty", "ninety", NULL};
        for (int i = 0; units[i]; i++)
                if (strcmp(w, units[i]) == 0)
                        return i;
        for (int i = 0; tens[i]; i++)
                if (strcmp(w, tens[i]) == 0)
                        return 20 + 10 * i;
        if (strcmp(w, "fourty") == 0)
                return 40;
        return -1;
}

static int64_t scale_word(const char *w)
{
        if (strcmp(w, "hundred") == 0)
                return 100;
        if (strcmp(w, "thousand") == 0)
                return 1000;
        if (strcmp(w, "million") == 0)
                return 1000000;
        if (strcmp(w, "dozen") == 0)
                return 12;
        return 0;
}

static bool is_number_word(const Toks *T, size_t i)
{
        return i < T->n && T->t[i].kind == TK_WORD && (number_word(T->t[i].w) >= 0 || scale_word(T->t[i].w));
}

/* Number words at i: "two", "twenty-five", "a hundred", "two hundred and
 * fifty", "a thousand", "a dozen", "single". */
static bool numeral_words(const Toks *T, size_t i, Numeral *ret)
{
        int64_t total = 0, cur = 0;
        size_t j = i;
        bool any = false;
        if (is_w(T, j, "single")) {
                *ret = (Numeral){1, false, j + 1, false};
                return true;
        }
        if ((is_w(T, j, "a") || is_w(T, j, "an")) && is_number_word(T, j + 1) && number_word(T->t[j + 1].w) < 0)
                j++;
        for (; j < T->n && T->t[j].kind == TK_WORD; j++) {
                int u = number_word(T->t[j].w);
                int64_t s = scale_word(T->t[j].w);
                if (u >= 0) {
                        cur += u;
                } else if (s == 100 || s == 12) {
                        cur = (cur ? cur : 1) * s;
                } else if (s) {
                        total += (cur ? cur : 1) * s;
                        cur = 0;
                } else if (any && strcmp(T->t[j].w, "and") == 0 && is_number_word(T, j + 1)) {
                        continue;
                } else {
                        break;
                }
                any = true;
                if (is_p(T, j + 1, '-') && !T->t[j + 1].space && is_number_word(T, j + 2))
                        j++;
        }
        if (!any)
                return false;
        *ret = (Numeral){total + cur, false, j, false};
        return true;
}

/* Words that give no number but a lower bound: "several" (2 at least). */
static bool numeral_quantity(const Toks *T, size_t i, Numeral *ret)
{
        static const struct { const char *w; int64_t n; } q[] = {
                {"several", 2}, {"few", 2}, {"couple", 2}, {"multiple", 2}, {"some", 2},
                {"various", 2}, {"handful", 2}, {"dozens", 24}, {"hundreds", 100},
                {"thousands", 1000}, {"none", 0}, {"nil", 0}, {"nobody", 0},
        };
        if (i >= T->n || T->t[i].kind != TK_WORD)
                return false;
        for (size_t k = 0; k < ARRAY_SIZE(q); k++)
                if (strcmp(T->t[i].w, q[k].w) == 0) {
                        *ret = (Numeral){q[k].n, q[k].n > 0, i + 1, q[k].n > 0};
                        return true;
                }
        return false;
}

/* "50-60", "50 to 60", "2 or 3": the lower of the two. */
static void numeral_range(const Toks *T, Numeral *num)
{
        size_t j = num->end;
        if (!(is_p(T, j, '-') || is_w(T, j, "to") || is_w(T, j, "or") || is_w(T, j, "and")))
                return;
        Numeral second;
        if (!(is_n(T, j + 1) && numeral_digits(T, j + 1, &second)) && !numeral_words(T, j + 1, &second))
                return;
        if (second.n < num->n)
                num->n = second.n;
        num->approx = true;
        num->at_least = true;
        num->end = second.end;
}

/* A lower-bound word at k, unless it is an upper bound or neither: "no
 * more than 20", "not over 20", "more or less 30". */
static bool count_lower_at(const Toks *T, size_t k)
{
        if (!is_wl(T, k, count_lower_words) || tokens_phrase_at(T, k, "more or less"))
                return false;
        return !(k > 0 && (is_w(T, k - 1, "no") || is_w(T, k - 1, "not")));
}

/* Whether what follows the number at once makes it a lower bound:
 * "10,000+", "100 plus", "100 or more", "30 and over", "5 at least",
 * "20 (minimum)". */
static bool count_tail_lower(const Toks *T, size_t j)
{
        if (is_p(T, j, '+'))
                return true;
        if (is_p(T, j, '('))
                j++;
        return is_w(T, j, "plus") || is_w(T, j, "upwards") || is_w(T, j, "minimum") || is_w(T, j, "min") ||
               tokens_phrase_at(T, j, "or more") || tokens_phrase_at(T, j, "and over") ||
               tokens_phrase_at(T, j, "or over") || tokens_phrase_at(T, j, "and above") ||
               tokens_phrase_at(T, j, "or above") || tokens_phrase_at(T, j, "at least");
}

/* Whether what follows a number says it is not exact: "10,000+", "100 or
 * more", "30 (approx)", or more than one word ("3 pupils and their
 * parents"; "3 pupils" is exact). */
static bool count_tail_approx(const Toks *T, size_t j, int64_t n)
{
        static const char *const neutral[] = {"in", "total", "altogether", "overall", "only", "exactly",
                                              "confirmed", "all", "of", "them", "x", "the", "a", "an", NULL};
        if (is_p(T, j, '+'))
                return true;
        size_t words = 0;
        for (size_t k = j; k < T->n; k++) {
                /* "5 (five)", "two (2)" say the number again */
                Numeral again;
                if ((is_n(T, k) ? numeral_digits(T, k, &again) : numeral_words(T, k, &again)) && again.n == n) {
                        k = again.end - 1;
                        continue;
                }
                if (T->t[k].kind == TK_NUM)
                        return true;
                if (T->t[k].kind != TK_WORD)
                        continue;
                if (is_wl(T, k, count_approx_words) || tokens_phrase_at(T, k, "or more") || tokens_phrase_at(T, k, "and over"))
                        return true;
                if (!word_in(T->t[k].w, neutral))
                        words++;
        }
        return words > 1;
}

/* Whether more people or records are named beside the number: "3 pupils
 * and their parents", "one service user and her daughter", "30 records as
 * well as the backup" count at least that many, not about that many. */
static bool count_tail_more(const Toks *T, size_t j)
{
        for (size_t k = j; k + 1 < T->n; k++)
                if (is_w(T, k, "and") || is_w(T, k, "plus") || tokens_phrase_at(T, k, "as well as") ||
                    tokens_phrase_at(T, k, "along with") || tokens_phrase_at(T, k, "together with"))
                        return true;
        return false;
}

static bool count_find(const Toks *T, bool quantities, Numeral *ret, size_t *ret_at)
{
        for (size_t i = 0; i < T->n; i++) {
                if (tokens_phrase_at(T, i, "no one")) {
                        *ret = (Numeral){0, false, i + 2, false};
                        *ret_at = i;
                        return true;
                }
                bool ok = is_n(T, i) ? !count_skip(T, i) && numeral_digits(T, i, ret) : numeral_words(T, i, ret);
                if (ok) {
                        *ret_at = i;
                        return true;
                }
                if (is_n(T, i) && !count_skip(T, i))
                        return false;  /* a number too large to be a count */
        }
        for (size_t i = 0; quantities && i < T->n; i++)
                if (numeral_quantity(T, i, ret)) {
                        *ret_at = i;
                        return true;
                }
        return false;
}

static void count_clear(FieldValue *v, FieldState state)
{
        free(v->canon);
        v->canon = NULL;
        v->state = state;
        v->count = -1;
        v->approx = false;
        v->at_least = false;
}

static int count_parse(const char *text, bool strict, FieldValue *v)
{
        count_clear(v, FV_UNCLEAR);
        if (!text)
                return -EINVAL;
        _cleanup_free_ char *norm = tokens_norm_text(text);
        _cleanup_free_ Toks *T = xmalloc(sizeof *T);
        tokens_split(norm, T);
        Numeral num;
        size_t at;
        if (!count_find(T, !strict, &num, &at)) {
                for (size_t i = 0; !strict && i < T->n; i++)
                        if (tokens_phrase_in(T, i, tokens_unknown_phrases)) {
                                v->state = FV_OK;
                                v->canon = xstrdup("unknown");
                                return 0;
                        }
                return -EINVAL;
        }
        numeral_range(T, &num);
        bool approx = num.approx || count_tail_approx(T, num.end, num.n);
        bool at_least = num.at_least || count_tail_lower(T, num.end) || count_tail_more(T, num.end);
        for (size_t i = 0; i < at; i++) {
                approx = approx || is_wl(T, i, count_approx_words) || is_p(T, i, '~') || is_p(T, i, '<') ||
                         is_p(T, i, '>');
                at_least = at_least || count_lower_at(T, i) || is_p(T, i, '>');
        }
        v->state = FV_OK;
        v->count = num.n;
        v->approx = approx || at_least;
        v->at_least = at_least;
        v->canon = xasprintf("%lld", (long long)num.n);
        return 0;
}

int value_parse_count(const char *text, FieldValue *v)
{
        return count_parse(text, false, v);
}

int value_count_in_text(const char *text, FieldValue *v)
{
        return count_parse(text, true, v);
}

char *value_count_words(const FieldValue *v)
{
        if (v->count < 0)
                return NULL;
        char digits[32], grouped[48];
        int len = snprintf(digits, sizeof digits, "%lld", (long long)v->count);
        size_t g = 0;
        for (int i = 0; i < len; i++) {
                if (i && (len - i) % 3 == 0)
                        grouped[g++] = ',';
                grouped[g++] = digits[i];
        }
        grouped[g] = '\0';
        return xasprintf("%s%s", v->at_least ? "at least " : v->approx ? "about " : "", grouped);
}

/* ---- yes / no ---------------------------------------------------------- */

int value_parse_yesno(const char *text, const char **ret_canon)
{
        static const char *const yes[] = {"yes", "y", "yeah", "yep", "yup", "yea", "true", "correct",
                                          "confirmed", "definitely", "affirmative", "ya", "i think so",
                                          "i believe so", NULL};
        static const char *const no[] = {"n / a", "na", "not applicable", "no", "n", "nope", "false",
                                         "none", "nil", "not", "negative", "nothing", "i don't think so",
                                         "i do not think so", "don't think so", "i dont think so", NULL};
        static const char *const unknown[] = {"maybe", "possibly", "perhaps", "potentially", "possible",
                                              "investigating", "under investigation", "?", NULL};
        if (!text)
                return -EINVAL;
        _cleanup_free_ char *norm = tokens_norm_text(text);
        _cleanup_free_ Toks *T = xmalloc(sizeof *T);
        tokens_split(norm, T);
        size_t i = 0;
        /* skip a bullet or dash before the answer */
        while (i < T->n && T->t[i].kind == TK_PUNCT && T->t[i].w[0] != '?')
                i++;
        if (i == T->n)
                return -EINVAL;
        /* an untouched "Yes/No" or "Y/N" on the form is no answer */
        if (tokens_phrase_at(T, i, "yes / no") || tokens_phrase_at(T, i, "y / n") || tokens_phrase_at(T, i, "yes or no") ||
            tokens_phrase_at(T, i, "no / yes") || tokens_phrase_at(T, i, "n / y"))
                return -EINVAL;
        size_t k = tokens_phrase_in(T, i, tokens_unknown_phrases);
        if (k || tokens_phrase_in(T, i, unknown)) {
                *ret_canon = "unknown";
                return 0;
        }
        /* "no idea", "not sure" were taken above; now the first word decides */
        if (tokens_phrase_in(T, i, no)) {
                *ret_canon = "no";
                return 0;
        }
        if (tokens_phrase_in(T, i, yes)) {
                *ret_canon = "yes";
                return 0;
        }
        return -EINVAL;
}

/* ---- keys: forgiving comparison of names ------------------------------- */

/* Drops a plural ending so that "emails" = "email", "addresses" =
 * "address", "families" = "family", "childrens" = "children". */
static size_t stem(char *w, size_t n)
{
        if (n > 4 && strcmp(w + n - 4, "sses") == 0) {
                n -= 2;
        } else if (n > 4 && strcmp(w + n - 3, "ies") == 0) {
                w[n - 3] = 'y';
                n -= 2;
        } else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
                n--;
        }
        w[n] = 0;
        return n;
}

/* The words of s, lower case, separated by single spaces: apostrophes
 * dropped ("children's" = "childrens"), "&" and "+" read as "and", "/" as
 * "or", any other ASCII punctuation a space; each word stemmed. */
static char *key_of(const char *s)
{
        _cleanup_free_ char *norm = tokens_norm_text(s);
        Buf b = {0};
        buf_puts(&b, "");
        char word[64];
        size_t n = 0;
        for (const char *p = norm;; p++) {
                unsigned char c = (unsigned char)*p;
                if (c == '\'')
                        continue;
                if (isalnum(c) || c >= 0x80) {
                        if (n < sizeof word - 1)
                                word[n++] = (char)c;
                        continue;
                }
                if (n) {
                        word[n] = 0;
                        n = stem(word, n);
                        if (b.len)
                                buf_putc(&b, ' ');
                        buf_puts(&b, word);
                        n = 0;
                }
                if (c == '&' || c == '+' || c == '/') {
                        if (b.len)
                                buf_putc(&b, ' ');
                        buf_puts(&b, c == '/' ? "or" : "and");
                }
                if (!c)
                        break;
        }
        return buf_steal(&b);
}

/* Whether key contains phrase (also a key) as whole words. */
static bool key_has(const char *key, const char *phrase)
{
        size_t n = strlen(phrase);
        if (n == 0)
                return false;
        for (const char *p = key; (p = strstr(p, phrase)); p++)
                if ((p == key || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
                        return true;
        return false;
}

/* Whether key starts with phrase as whole words. */
static bool key_starts(const char *key, const char *phrase)
{
        size_t n = strlen(phrase);
        return n && strncmp(key, phrase, n) == 0 && (key[n] == 0 || key[n] == ' ');
}

/* Rules: groups separated by ';', each a list of alternatives separated
 * by '|'; the rule holds when every group has an alternative in key. */
static bool rule_matches(const char *key, const char *rule)
{
        _cleanup_free_ char *copy = xstrdup(rule);
        char *sg = NULL;
        for (char *g = strtok_r(copy, ";", &sg); g; g = strtok_r(NULL, ";", &sg)) {
                bool any = false;
                char *sa = NULL;
                for (char *a = strtok_r(g, "|", &sa); a && !any; a = strtok_r(NULL, "|", &sa)) {
                        _cleanup_free_ char *k = key_of(a);
                        any = key_has(key, k);
                }
                if (!any)
                        return false;
        }
        return true;
}

/* ---- directorates ------------------------------------------------------ */

/* A directorate's key without the words people add or leave out: "and",
 * "the", "of", "for", "directorate", "department", "dept", "division". */
static char *dir_key(const char *s)
{
        static const char *const stop[] = {"and", "the", "of", "for", "directorate", "department",
                                           "dept", "division", NULL};
        _cleanup_free_ char *k = key_of(s);
        Buf b = {0};
        buf_puts(&b, "");
        char *save = NULL;
        for (char *w = strtok_r(k, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                if (word_in(w, stop))
                        continue;
                if (b.len)
                        buf_putc(&b, ' ');
                buf_puts(&b, w);
        }
        return buf_steal(&b);
}

/* Letters and digits only: "A.S.C." = "asc". */
static char *compact(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (isalnum(*p))
                        buf_putc(&b, (char)tolower(*p));
        return buf_steal(&b);
}

/* The initials of a name of two or more words: "Adult Social Care" → "asc". */
static char *initials(const char *dkey)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (const char *p = dkey; *p; p++)
                if (p == dkey || p[-1] == ' ')
                        buf_putc(&b, *p);
        if (b.len < 2)
                b.s[b.len = 0] = 0;
        return buf_steal(&b);
}

typedef enum {
        DM_NAME,      /* the name, forgivingly */
        DM_ABBREV,    /* a configured abbreviation */
        DM_INITIALS,  /* the name's initials */
        DM_PREFIX,    /* the first words of the name: "Adult Social" */
        DM_LEADS,     /* text starting with the name or an abbreviation */
        DM_WORDS,     /* words all found in the name: "Education" */
        DM_SHORT,     /* each word the start of the name's next one: "Corp Services" */
        DM_CHARS,     /* the start of the name: "Corp" */
        DM__MAX,
} DirMatch;

/* Whether each word of tk (three letters or more) begins a word of nk,
 * in order: "corp services" of "corporate services", "fin res" of
 * "finance resources". */
static bool words_shorten(const char *tk, const char *nk)
{
        _cleanup_free_ char *t = xstrdup(tk), *n = xstrdup(nk);
        char *st = NULL, *sn = NULL;
        char *wn = strtok_r(n, " ", &sn);
        size_t words = 0;
        for (char *wt = strtok_r(t, " ", &st); wt; wt = strtok_r(NULL, " ", &st)) {
                if (strlen(wt) < 3)
                        return false;
                while (wn && strncmp(wn, wt, strlen(wt)) != 0)
                        wn = strtok_r(NULL, " ", &sn);
                if (!wn)
                        return false;
                wn = strtok_r(NULL, " ", &sn);
                words++;
        }
        return words >= 2;
}

/* Whether directorate d matches text (its dir_key tk, compact tc, first
 * word's compact tf) in the given way. */
static bool dir_matches(const Directorate *d, DirMatch how, const char *tk, const char *tc, const char *tf)
{
        _cleanup_free_ char *nk = dir_key(d->name);
        switch (how) {
        case DM_NAME:
                return *nk && strcmp(nk, tk) == 0;
        case DM_ABBREV:
        case DM_LEADS:
                for (size_t i = 0; i < d->abbreviations.n; i++) {
                        _cleanup_free_ char *ac = compact(d->abbreviations.v[i]);
                        if (*ac && strcmp(ac, how == DM_ABBREV ? tc : tf) == 0)
                                return true;
                }
                if (how == DM_LEADS)
                        return key_starts(tk, nk);
                return false;
        case DM_INITIALS: {
                _cleanup_free_ char *ini = initials(nk);
                return *ini && strcmp(ini, tc) == 0;
        }
        case DM_PREFIX:
                return strlen(tk) >= 3 && key_starts(nk, tk);
        case DM_WORDS: {
                /* every word of the text is a word of the name */
                _cleanup_free_ char *copy = xstrdup(tk);
                char *save = NULL;
                bool any = false;
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                        if (strlen(w) < 3 || !key_has(nk, w))
                                return false;
                        any = true;
                }
                return any;
        }
        case DM_SHORT:
                return words_shorten(tk, nk);
        case DM_CHARS:
                return strlen(tk) >= 4 && strncmp(nk, tk, strlen(tk)) == 0;
        case DM__MAX:
                break;
        }
        return false;
}

/* The one directorate text matches, trying the strictest way first: the
 * index, -1 for none, -2 when two match the same way. */
static int dir_find(const char *text, const Directorate *d, size_t n)
{
        _cleanup_free_ char *tk = dir_key(text);
        _cleanup_free_ char *tc = compact(text);
        _cleanup_free_ char *first = xstrndup(text, strcspn(text, " \t\n-:,;(/"));
        _cleanup_free_ char *tf = compact(first);
        if (!*tk && !*tc)
                return -1;
        for (int how = 0; how < DM__MAX; how++) {
                int found = -1;
                for (size_t i = 0; i < n; i++) {
                        if (!d[i].name || !dir_matches(&d[i], (DirMatch)how, tk, tc, tf))
                                continue;
                        if (found >= 0 && strcmp(d[found].name, d[i].name) != 0)
                                return -2;
                        found = (int)i;
                }
                if (found >= 0)
                        return found;
        }
        return -1;
}

/* Splits "Adult Social Care (ASC)" into the text outside brackets and the
 * first bracketed part. */
static void split_brackets(const char *s, char **ret_out, char **ret_in)
{
        Buf out = {0}, in = {0};
        buf_puts(&out, "");
        buf_puts(&in, "");
        int depth = 0, groups = 0;
        for (const char *p = s; *p; p++) {
                if (*p == '(' || *p == '[') {
                        if (depth++ == 0)
                                groups++;
                } else if ((*p == ')' || *p == ']') && depth > 0) {
                        depth--;
                } else if (depth == 0) {
                        buf_putc(&out, *p);
                } else if (groups == 1) {
                        buf_putc(&in, *p);
                }
        }
        *ret_out = buf_steal(&out);
        *ret_in = buf_steal(&in);
}

int value_match_directorate(const char *text, const Directorate *d, size_t n, const char **ret_name)
{
        if (!text || !d || n == 0)
                return -ENOENT;
        int i = dir_find(text, d, n);
        if (i == -1) {
                _cleanup_free_ char *out = NULL, *in = NULL;
                split_brackets(text, &out, &in);
                i = dir_find(out, d, n);
                if (i == -1)
                        i = dir_find(in, d, n);
        }
        if (i < 0)
                return -ENOENT;
        *ret_name = d[i].name;
        return 0;
}

/* ---- enums ------------------------------------------------------------- */

const char *const breach_type_names[] = {
        "Lost in transit",
        "Lost or stolen hardware",
        "Lost or stolen paperwork",
        "Disclosed in error",
        "Uploaded to website in error",
        "Non-secure disposal of hardware",
        "Non-secure disposal of paperwork",
        "Technical security failure (including hacking)",
        "Corruption or inability to recover electronic data",
        "Unauthorised access or disclosure",
        "Other",
        NULL,
};

const char *const medium_names[] = {
        "Electronic", "Email", "Laptop", "Letter", "Mobile", "Paper", "Verbal", "Multiple", NULL,
};

enum { MED_ELECTRONIC, MED_EMAIL, MED_LAPTOP, MED_LETTER, MED_MOBILE, MED_PAPER, MED_VERBAL, MED_MULTIPLE };

typedef struct {
        int idx;
        const char *rule;   /* see rule_matches() */
} EnumRule;

#define HARDWARE "hardware|laptop|computer|pc|device|phone|mobile|usb|memory stick|hard drive|hard disk|" \
                 "disk|tablet|ipad|printer|photocopier|equipment|server|camera|smartphone|iphone|dictaphone"
#define PAPERS "paper|paperwork|document|file|folder|letter|printout|print out|hard copy|note|diary|" \
               "notebook|record|filing cabinet|case file|register"
#define LOSS "lost|stolen|theft|steal|missing|mislaid|misplaced|left|burglary|robbed|robbery|lose|loss"
#define DISPOSAL "disposal|disposed|dispose|binned|bin|skip|waste|recycling|recycled|dumped|thrown away|" \
                 "thrown out|sold|skip"

/* Key-word rules for breach types, first match wins: the specific ones
 * ("lost in the post", "disposed of paperwork") before the general ones
 * ("sent to the wrong person"). */
static const EnumRule breach_rules[] = {
        {0, LOSS ";in transit|in the post|in post|in the mail|by post|in delivery|courier|in transport"},
        {0, "transit"},
        {5, DISPOSAL ";" HARDWARE},
        {6, DISPOSAL ";" PAPERS},
        {1, LOSS ";" HARDWARE},
        {6, "confidential waste|shredding|shredded|unshredded|not shredded"},
        {2, LOSS ";" PAPERS "|bag|briefcase"},
        {7, "hack|hacking|hacked|hacker|cyber|cyberattack|cyber attack|ransomware|malware|virus|phishing|"
            "ddos|denial of service|security failure|technical failure|system failure|brute force|spoofing|"
            "compromised account|account compromised|breach of system|vulnerability"},
        {8, "corrupt|corrupted|corruption|inability to recover|unable to recover|cannot recover|"
            "can't recover|could not be recovered|data loss|lost data|deleted in error|accidentally deleted|"
            "deleted accidentally|overwritten|wiped"},
        {9, "unauthorised|unauthorized|inappropriate|inappropriately|improper|without authorisation|"
            "without authorization|without permission|unlawful|unlawfully|illegitimate|not authorised|"
            "not authorized;access|accessed|disclosure|disclosed|viewed|look|looked|shared|use|used|"
            "obtained|sharing"},
        {9, "snooping|snoop|misuse|misused"},
        {9, "without a business|without business|no business need|no business reason|no legitimate|"
            "without a legitimate|without reason;access|accessed|viewed|looked|opened|searched"},
        {4, "upload|uploaded|published|posted online|posted on|website|web site|social media|facebook|"
            "twitter|internet|online|webpage|web page|intranet"},
        {3, "error|mistake|mistakenly|accident|accidental|accidentally|wrong|wrongly|incorrect|incorrectly|"
            "erroneously|inadvertently|inadvertent;disclosed|disclosure|sent|emailed|email|posted|shared|"
            "given|handed|released|forwarded|copied|addressed|delivered|faxed|texted|attached|included|"
            "disclose|send|sending|shown|told|visible"},
        {3, "wrong|incorrect;recipient|person|address|email|school|family|parent|client|house|individual|"
            "people|contact|child|pupil|student|customer|patient|attachment|document|file|letter"},
        {3, "misdirected|misaddressed|missent|mis sent|autocomplete|auto complete|autofill|auto fill|bcc|"
            "cc|cc'd|reply all|multiple recipients|recipients visible|visible to all"},
        {3, "disclosed|disclosure"},
};

/* Key-word rules for one item of a medium ("email", "paper files"). */
static const EnumRule medium_rules[] = {
        {MED_ELECTRONIC, "word document|electronic document|electronic file|electronic record|digital file"},
        {MED_EMAIL, "email|e mail|emailed|emailing|outlook|gmail|hotmail|electronic mail|mail merge|attachment"},
        {MED_LAPTOP, "laptop|notebook computer|macbook|chromebook"},
        {MED_VERBAL, "verbal|verbally|spoken|conversation|telephone call|phone call|call|oral|orally|"
                     "in person|face to face|overheard|meeting|voicemail|said|told"},
        {MED_MOBILE, "mobile|phone|smartphone|iphone|android|text|text message|sms|whatsapp|tablet|ipad|"
                     "mobile device|telephone"},
        {MED_LETTER, "letter|post|posted|postal|royal mail|envelope|mail"},
        {MED_PAPER, "paper|paperwork|hard copy|hardcopy|printed|printout|print out|print|document|folder|"
                    "handwritten|notebook|diary|fax|faxed|photocopy"},
        {MED_ELECTRONIC, "electronic|electronically|digital|computer|system|database|spreadsheet|online|"
                         "network|server|cloud|usb|memory stick|software|portal|website|teams|sharepoint|"
                         "onedrive|excel|pdf|shared drive|drive|case management|cctv|video|recording|"
                         "photo|photograph|image|app"},
        {MED_MULTIPLE, "multiple|various|mixed|several|both|combination|more than one|all of the above"},
};

static int first_rule(const char *key, const EnumRule *rules, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (rule_matches(key, rules[i].rule))
                        return rules[i].idx;
        return -1;
}

/* By the name itself: equal keys (with or without a bracketed part), then
 * a text that is the first words of exactly one name; with leads, a text
 * starting with a name ("Other - see notes"), the longest name winning. */
static int enum_by_name(const char *const *names, const char *key, bool leads)
{
        int prefix = -1, lead = -1;
        size_t lead_len = 0;
        bool prefix_ambiguous = false;
        for (int i = 0; names[i]; i++) {
                _cleanup_free_ char *nk = key_of(names[i]);
                _cleanup_free_ char *bare = xstrndup(names[i], strcspn(names[i], "("));
                _cleanup_free_ char *bk = key_of(bare);
                if (strcmp(key, nk) == 0 || strcmp(key, bk) == 0)
                        return i;
                if (strlen(key) >= 4 && key_starts(nk, key)) {
                        prefix_ambiguous |= prefix >= 0;
                        prefix = i;
                }
                if (leads && key_starts(key, bk) && strlen(bk) > lead_len) {
                        lead = i;
                        lead_len = strlen(bk);
                }
        }
        if (prefix >= 0 && !prefix_ambiguous)
                return prefix;
        return lead;
}

/* Splits a list ("email and paper", "names, addresses; DOB") into items:
 * on , ; / & + | ( ) [ ] : line breaks and the words and, or, plus,
 * including. */
static void split_items(const char *text, StrList *out)
{
        static const char *const sep_words[] = {"and", "or", "plus", "including", "incl", "inc",
                                                "also", "e.g.", "eg", "i.e.", "ie", "etc", "etc.", NULL};
        static const char seps[] = ",;/&+|()[]:\n";
        _cleanup_free_ char *norm = tokens_norm_text(text);
        Buf item = {0};
        for (const char *p = norm;;) {
                size_t n = strcspn(p, " \t,;/&+|()[]:\n");
                _cleanup_free_ char *w = xstrndup(p, n);
                bool sep = word_in(w, sep_words) || (!*p) || (n == 0 && strchr(seps, *p));
                if (n && !word_in(w, sep_words)) {
                        if (item.len)
                                buf_putc(&item, ' ');
                        buf_puts(&item, w);
                }
                if (sep && item.len) {
                        strlist_take(out, buf_steal(&item));
                }
                if (!*p)
                        break;
                p += n ? n : 1;
        }
        buf_free(&item);
}

/* Media: each item of the text is matched on its own; two or more
 * different media make "Multiple" ("Electronic" counts for nothing beside
 * email, laptop or mobile, which are electronic too). */
static int medium_by_items(const char *text)
{
        StrList items = {0};
        split_items(text, &items);
        unsigned mask = 0;
        for (size_t i = 0; i < items.n; i++) {
                _cleanup_free_ char *k = key_of(items.v[i]);
                int m = first_rule(k, medium_rules, ARRAY_SIZE(medium_rules));
                if (m >= 0)
                        mask |= 1u << m;
        }
        strlist_free(&items);
        if (mask & ((1u << MED_EMAIL) | (1u << MED_LAPTOP) | (1u << MED_MOBILE)))
                mask &= ~(1u << MED_ELECTRONIC);
        unsigned media = mask & ~(1u << MED_MULTIPLE);
        if (media == 0)
                return mask ? MED_MULTIPLE : -1;
        if (media & (media - 1))
                return MED_MULTIPLE;
        for (int m = 0; m < MED_MULTIPLE; m++)
                if (media == 1u << m)
                        return m;
        return -1;
}

int value_match_enum(const char *text, FieldType type, const char **ret_canon)
{
        const char *const *names;
        if (type == FT_BREACH_TYPE)
                names = breach_type_names;
        else if (type == FT_MEDIUM)
                names = medium_names;
        else
                return -EINVAL;
        if (!text)
                return -ENOENT;
        _cleanup_free_ char *key = key_of(text);
        if (!*key)
                return -ENOENT;
        int i = enum_by_name(names, key, type == FT_BREACH_TYPE);
        if (i < 0)
                i = type == FT_BREACH_TYPE ? first_rule(key, breach_rules, ARRAY_SIZE(breach_rules))
                                           : medium_by_items(text);
        if (i < 0)
                return -ENOENT;
        *ret_canon = names[i];
        return 0;
}

/* ---- categories -------------------------------------------------------- */

const char *const data_category_names[] = {
        "basic personal identifiers",
        "identification data such as usernames or passwords",
        "economic and financial data",
        "official documents",
        "location data",
        "health",
        "racial or ethnic origin",
        "political opinions",
        "religious or philosophical beliefs",
        "trade union membership",
        "sex life",
        "sexual orientation",
        "gender reassignment",
        "genetic or biometric data",
        "criminal convictions and offences",
        "not yet known",
        "other",
        NULL,
};

const char *const subject_category_names[] = {
        "employees", "pupils or students", "parents or carers", "children", "vulnerable adults",
        "residents", "service users", "patients", "customers", "not yet known", "other", NULL,
};

#define UNKNOWN_WORDS "not yet known|unknown|not known|tbc|tbd|don't know|do not know|not sure|unsure|" \
                      "to be confirmed|n k"

/* Alternatives for each category, in the order of the names above. */
static const char *const data_category_rules[] = {
        "basic personal identifier|personal identifier|identifier|name|full name|surname|first name|"
        "forename|address|home address|email address|contact detail|contact information|contact|"
        "phone number|telephone number|mobile number|date of birth|dob|birth date|birthday|age|"
        "postcode|post code|personal detail|signature|photo|photograph|image|pupil number|"
        "student number|reference number|id number|upn|staff number|employee number",
        "identification data|username|user name|password|login|log in|logon|credential|user id|"
        "userid|pin|access code|passcode|security question",
        "economic|financial|finance|bank|bank detail|account number|sort code|credit card|debit card|"
        "bank card|card detail|card number|payment|salary|pay|payroll|payslip|wage|benefit|income|"
        "tax|debt|invoice|pension|money|fee|arrears",
        "official document|passport|driving licence|driving license|driver licence|birth certificate|"
        "marriage certificate|national insurance|ni number|nino|visa|identity document|id document|"
        "id card|identity card|immigration status|residence permit",
        "location|gps|whereabout|geolocation|tracking",
        "health|medical|medication|medicine|disability|disabled|mental health|mental|diagnosis|nhs|"
        "hospital|gp|illness|clinical|treatment|allergy|pregnancy|pregnant|physical health",
        "race|racial|ethnic|ethnicity|ethnic origin",
        "political|politic",
        "religion|religious|faith|belief|philosophical",
        "trade union|union",
        "sex life|sexual life|sexual history|sexual activity|sexual health",
        "sexual orientation|sexuality|orientation",
        "gender reassignment|transgender|gender identity|reassignment",
        "genetic|biometric|fingerprint|dna|facial recognition|retina|iris",
        "criminal|conviction|offence|offense|offending|crime|police|dbs|caution|arrest",
        UNKNOWN_WORDS,
        "other|others|miscellaneous|misc",
};

static const char *const subject_category_rules[] = {
        "employee|staff|staff member|member of staff|colleague|worker|teacher|officer|councillor|"
        "personnel|workforce|social worker|manager|teaching assistant|headteacher|head teacher",
        "pupil|student|learner",
        "parent|carer|guardian|foster carer|mother|father|mum|dad|family|grandparent|next of kin",
        "child|children|young person|young people|minor|kid|baby|infant|juvenile|teenager|youth",
        "vulnerable adult|adult at risk|vulnerable person|vulnerable people|vulnerable individual",
        "resident|tenant|member of the public|members of the public|public|citizen|householder|"
        "council tax payer|occupant|homeowner|local people",
        "service user|client|user of service",
        "patient",
        "customer|subscriber|applicant|claimant|visitor|complainant|requester|caller",
        UNKNOWN_WORDS,
        "other|others|miscellaneous|misc",
};

/* Items that say nothing ("data", "etc", "30") are not "other". */
static bool item_is_filler(const char *key)
{
        static const char *const filler[] = {
                "the", "their", "his", "her", "some", "all", "any", "of", "a", "an", "data", "information",
                "info", "detail", "personal", "possibly", "potentially", "etc", "eg", "e", "g", "ie", "i",
                "such", "as", "also", "like", "maybe", "probably", "only", "just", "category", "type",
                "other's", "individual", "people", "person", "record", "them", "involved", "affected", NULL};
        _cleanup_free_ char *copy = xstrdup(key);
        char *save = NULL;
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                bool digits = strspn(w, "0123456789") == strlen(w);
                if (!digits && !word_in(w, filler))
                        return false;
        }
        return true;
}

/* "n/k" and "n/a" would be split at the slash. */
static char *join_abbreviations(const char *text)
{
        _cleanup_free_ char *norm = tokens_norm_text(text);
        Buf b = {0};
        buf_puts(&b, "");
        for (const char *p = norm; *p; p++) {
                if ((str_startswith(p, "n/k") || str_startswith(p, "n/a")) &&
                    (p == norm || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[3])) {
                        buf_puts(&b, p[2] == 'k' ? "not known" : "none");
                        p += 2;
                } else {
                        buf_putc(&b, *p);
                }
        }
        return buf_steal(&b);
}

int value_match_categories(const char *text, FieldType type, char **ret_canon)
{
        const char *const *names, *const *rules;
        if (type == FT_DATA_CATEGORIES) {
                names = data_category_names;
                rules = data_category_rules;
        } else if (type == FT_SUBJECT_CATEGORIES) {
                names = subject_category_names;
                rules = subject_category_rules;
        } else {
                return -EINVAL;
        }
        if (!text)
                return -ENOENT;
        size_t n_names = 0, other = 0;
        while (names[n_names])
                n_names++;
        other = n_names - 1;  /* "other" is last in both lists */
        bool found[32] = {false}, matched = false;
        _cleanup_free_ char *joined = join_abbreviations(text);
        StrList items = {0};
        split_items(joined, &items);
        for (size_t i = 0; i < items.n; i++) {
                _cleanup_free_ char *key = key_of(items.v[i]);
                bool any = false;
                for (size_t c = 0; c < n_names; c++)
                        if (rule_matches(key, rules[c]))
                                found[c] = any = true;
                if (any)
                        matched = true;
                else if (!item_is_filler(key))
                        found[other] = true;
        }
        strlist_free(&items);
        if (!matched)
                return -ENOENT;
        StrList out = {0};
        for (size_t c = 0; c < n_names; c++)
                if (found[c])
                        strlist_add(&out, names[c]);
        *ret_canon = strlist_join(&out, ", ");
        strlist_free(&out);
        return 0;
}

/* ---- the record -------------------------------------------------------- */

static void value_reset(FieldValue *v)
{
        free(v->canon);
        v->canon = NULL;
        v->when = 0;
        v->date_prec = DATE_NONE;
        v->approx = false;
        v->at_least = false;
        v->count = -1;
}

/* Tick boxes: the options after a ticked box ("☒ Yes ☐ No", "[x] Email
 * [ ] Paper"), joined by ", "; "" when boxes are there but none is ticked;
 * NULL when the text has no boxes. */
static char *ticked_options(const char *text)
{
        static const char *const ticked[] = {"\xe2\x98\x92", "\xe2\x98\x91", "\xe2\x9c\x93", "\xe2\x9c\x94",
                                             "\xe2\x8a\xa0", "\xe2\x96\xa0", "[x]", "[X]", "(x)", "(X)", NULL};
        static const char *const empty[] = {"\xe2\x98\x90", "\xe2\x96\xa1", "[ ]", "( )", "[]", NULL};
        StrList picked = {0};
        bool boxes = false, on = false;
        Buf opt = {0};
        for (const char *p = text;; ) {
                size_t k = 0;
                bool tick = false;
                for (const char *const *m = ticked; *m && !k; m++)
                        if (str_startswith(p, *m))
                                k = strlen(*m), tick = true;
                for (const char *const *m = empty; *m && !k; m++)
                        if (str_startswith(p, *m))
                                k = strlen(*m);
                if (k || !*p || *p == '\n') {
                        _cleanup_free_ char *o = buf_steal(&opt);
                        if (on && o && *str_trim(o))
                                strlist_add(&picked, str_trim(o));
                        on = tick;
                        boxes |= k > 0;
                        if (!*p)
                                break;
                        p += k ? k : 1;
                        continue;
                }
                buf_putc(&opt, *p++);
        }
        buf_free(&opt);
        char *r = boxes ? (picked.n ? strlist_join(&picked, ", ") : xstrdup("")) : NULL;
        strlist_free(&picked);
        return r;
}

/* Whether an answer says "in part": "Partly", "Partially contained",
 * "Yes, mostly", "Not fully". */
static bool says_in_part(const char *text)
{
        static const char *const part[] = {"partly", "partially", "partial", "mostly", "largely", "somewhat",
                                           NULL};
        static const char *const phrases[] = {"in part", "not fully", "not completely", "not entirely",
                                              "not totally", "not wholly", "not yet fully", NULL};
        _cleanup_free_ char *norm = tokens_norm_text(text);
        _cleanup_free_ Toks *T = xmalloc(sizeof *T);
        tokens_split(norm, T);
        /* the answer's first words, not a sentence further on */
        for (size_t i = 0; i < T->n && i < 8; i++)
                if (is_wl(T, i, part) || tokens_phrase_in(T, i, phrases))
                        return true;
        return false;
}

char *values_negated_answer(const char *asked, const char *text)
{
        _cleanup_free_ char *ticks = ticked_options(text);
        if (ticks && !*ticks)
                return xstrdup(text);
        /* the ticked options stand for the boxes: the boxes themselves
         * would be read again in the answer kept below */
        const char *answer = ticks ? ticks : text;
        const char *canon = NULL, *verdict;
        if (says_in_part(answer))
                verdict = "Yes, in part";
        else if (value_parse_yesno(answer, &canon) < 0)
                verdict = "";
        else if (strcmp(canon, "unknown") == 0)
                return xstrdup(text);
        else
                verdict = strcmp(canon, "yes") == 0 ? "No" : "Yes";
        /* the question on one line, with its question mark */
        Buf q = {0};
        buf_puts(&q, "");
        bool space = false;
        for (const char *p = asked; *p; p++) {
                if (strchr(" \t\r\n", *p)) {
                        space = q.len > 0;
                        continue;
                }
                if (space)
                        buf_putc(&q, ' ');
                space = false;
                buf_putc(&q, *p);
        }
        while (q.len && strchr(":?*-. ", q.s[q.len - 1]))
                q.s[--q.len] = 0;
        _cleanup_free_ char *question = buf_steal(&q);
        /* the question closed before the answer: a reply's answer cut to
         * its first line (form_reply_answers()) still reads whole */
        return xasprintf("%s%s(asked \"%s?\"): %s", verdict, *verdict ? " " : "", question, answer);
}

static void interpret_one(FieldValue *v, FieldType type, const ValueContext *ctx)
{
        const char *canon = NULL;
        char *list = NULL;
        int r;
        _cleanup_free_ char *ticks = type == FT_TEXT || type == FT_DATE || type == FT_COUNT ? NULL
                                                                                             : ticked_options(v->text);
        const char *text = ticks ? ticks : v->text;
        switch (type) {
        case FT_TEXT:
                v->state = FV_OK;
                return;
        case FT_DATE:
                value_parse_date(v->text, ctx, v);
                return;
        case FT_COUNT:
                value_parse_count(v->text, v);
                return;
        case FT_YESNO:
                r = value_parse_yesno(text, &canon);
                break;
        case FT_DIRECTORATE:
                if (!ctx || ctx->n_directorates == 0) {
                        canon = text;
                        r = 0;
                } else {
                        r = value_match_directorate(text, ctx->directorates, ctx->n_directorates, &canon);
                }
                break;
        case FT_BREACH_TYPE:
        case FT_MEDIUM:
                r = value_match_enum(text, type, &canon);
                break;
        case FT_DATA_CATEGORIES:
        case FT_SUBJECT_CATEGORIES:
                r = value_match_categories(text, type, &list);
                canon = list;
                break;
        default:
                r = -EINVAL;
                break;
        }
        v->state = r < 0 ? FV_UNCLEAR : FV_OK;
        v->canon = r < 0 ? NULL : xstrdup(canon);
        free(list);
}

/* An answer that names what the question asks about says yes: "Health
 * data" to "Does it include special category data?", "Vulnerable adult"
 * to "Are the data subjects children or vulnerable adults?". */
static bool implies_yes(FieldId id, const char *text)
{
        static const char *const special[] = {
                "health", "medical", "mental", "disability", "disabilities", "disabled", "sen", "send", "ehcp",
                "religion", "religious", "belief", "beliefs", "ethnic", "ethnicity", "race", "racial", "sexual",
                "sexuality", "orientation", "gender", "union", "genetic", "biometric", "criminal", "conviction",
                "convictions", "offence", "offences", "political", "diagnosis", "medication", "nhs", NULL};
        static const char *const vulnerable[] = {
                "vulnerable", "child", "children", "pupil", "pupils", "minor", "minors", "young", "baby",
                "babies", "infant", "looked", "fostered", "foster", "elderly", "dementia", "safeguarding",
                "student", "students", "teenager", "juvenile", NULL};
        const char *const *list = id == F_SPECIAL_CATEGORY ? special : id == F_VULNERABLE_SUBJECTS ? vulnerable : NULL;
        if (!list)
                return false;
        _cleanup_free_ char *norm = tokens_norm_text(text);
        _cleanup_free_ Toks *T = xmalloc(sizeof *T);
        tokens_split(norm, T);
        for (size_t i = 0; i < T->n; i++)
                if (is_wl(T, i, list))
                        return true;
        return false;
}

void values_interpret(FormRecord *r, const ValueContext *ctx)
{
        for (size_t i = 0; i < FIELD__MAX; i++) {
                FieldValue *v = &r->f[i];
                if (!v->text)
                        continue;
                value_reset(v);
                interpret_one(v, form_fields[i].type, ctx);
                if (v->state == FV_UNCLEAR && implies_yes((FieldId)i, v->text)) {
                        v->state = FV_OK;
                        v->canon = xstrdup("yes");
                }
        }
}
