/* tokens.c — see tokens.h. */
#include "read/tokens.h"

#include <ctype.h>

/* ---- text normalisation ---------------------------------------------- */

/* Lower-cases ASCII and maps the typographic characters staff paste from
 * Word to their ASCII sense: dashes to '-', curly quotes to straight ones,
 * no-break spaces to ' ', bullets to line breaks (they separate list
 * items).  Other non-ASCII bytes are kept: they make words that match
 * nothing. */
char *tokens_norm_text(const char *s)
{
        static const struct { const char *from; char to; } map[] = {
                {"\xe2\x80\x93", '-'},  {"\xe2\x80\x94", '-'},  {"\xe2\x88\x92", '-'},
                {"\xe2\x80\x90", '-'},  {"\xe2\x80\x91", '-'},  {"\xe2\x80\x98", '\''},
                {"\xe2\x80\x99", '\''}, {"\xe2\x80\x9c", '"'},  {"\xe2\x80\x9d", '"'},
                {"\xc2\xa0", ' '},      {"\xe2\x80\xaf", ' '},  {"\xe2\x80\xa2", '\n'},
                {"\xe2\x96\xaa", '\n'}, {"\xe2\x97\xa6", '\n'}, {"\xc2\xb7", '\n'},
                {"\xef\x82\xb7", '\n'}, {"\xe2\x80\xa6", '.'},
        };
        Buf b = {0};
        buf_puts(&b, "");
        for (const char *p = s ? s : ""; *p;) {
                bool done = false;
                if ((unsigned char)*p >= 0x80)
                        for (size_t i = 0; i < ARRAY_SIZE(map) && !done; i++)
                                if (str_startswith(p, map[i].from)) {
                                        buf_putc(&b, map[i].to);
                                        p += strlen(map[i].from);
                                        done = true;
                                }
                if (done)
                        continue;
                char c = *p++;
                if (c == '\r')
                        c = '\n';
                else if (c == '\t')
                        c = ' ';
                else if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                buf_putc(&b, c);
        }
        return buf_steal(&b);
}

/* ---- tokens ------------------------------------------------------------ */

static const char *tok_one(const char *p, bool space, Tok *t)
{
        memset(t, 0, sizeof *t);
        t->space = space;
        if (isdigit((unsigned char)*p)) {
                t->kind = TK_NUM;
                for (; isdigit((unsigned char)*p); p++) {
                        t->ndig++;
                        if (t->ndig <= 15)
                                t->num = t->num * 10 + (*p - '0');
                }
                if (t->ndig > 15)
                        t->num = -1;
                return p;
        }
        if (is_word_byte((unsigned char)*p)) {
                const char *s = p;
                /* an apostrophe between letters belongs to the word: don't, o'clock */
                while (is_word_byte((unsigned char)*p) ||
                       (*p == '\'' && p > s && is_word_byte((unsigned char)p[1])))
                        p++;
                t->kind = TK_WORD;
                if ((size_t)(p - s) < WORD_MAX)
                        memcpy(t->w, s, (size_t)(p - s));
                return p;
        }
        t->kind = TK_PUNCT;
        t->w[0] = *p;
        return p + 1;
}

void tokens_split(const char *s, Toks *T)
{
        T->n = 0;
        T->truncated = false;
        bool space = true;
        for (const char *p = s; *p;) {
                if (isspace((unsigned char)*p)) {
                        space = true;
                        p++;
                        continue;
                }
                if (T->n == MAX_TOKS) {
                        T->truncated = true;
                        return;
                }
                p = tok_one(p, space, &T->t[T->n++]);
                space = false;
        }
}

/* Matches a phrase of space-separated words and single punctuation marks
 * ("n / k", "don't know") at token i; returns its length in tokens or 0. */
size_t tokens_phrase_at(const Toks *T, size_t i, const char *phrase)
{
        size_t k = 0;
        for (const char *p = phrase; *p;) {
                size_t n = strcspn(p, " ");
                char part[WORD_MAX];
                if (n == 0 || n >= sizeof part)
                        return 0;
                memcpy(part, p, n);
                part[n] = 0;
                bool ok = (n == 1 && !is_word_byte((unsigned char)part[0])) ? is_p(T, i + k, part[0])
                                                                           : is_w(T, i + k, part);
                if (!ok)
                        return 0;
                k++;
                p += n;
                while (*p == ' ')
                        p++;
        }
        return k;
}

size_t tokens_phrase_in(const Toks *T, size_t i, const char *const *list)
{
        for (; *list; list++) {
                size_t k = tokens_phrase_at(T, i, *list);
                if (k)
                        return k;
        }
        return 0;
}

const char *const tokens_unknown_phrases[] = {
        "not yet known", "not known", "unknown", "unsure", "not sure", "don't know", "dont know",
        "do not know", "n / k", "nk", "tbc", "tbd", "tba", "to be confirmed", "to be determined",
        "not certain", "uncertain", "unclear", "not clear", "no idea", "can't remember",
        "cannot remember", "can't recall", "cannot recall", "can't say", "cannot say",
        "not recorded", "unconfirmed", "not confirmed", "not yet confirmed", NULL};

/* ---- months ------------------------------------------------------------ */

static const char *const month_names[12] = {"january", "february", "march",     "april",
                                            "may",     "june",     "july",      "august",
                                            "september", "october", "november", "december"};

/* 1-12 for a month name or its three-letter abbreviation ("sept" too). */
int tokens_month_at(const Toks *T, size_t i)
{
        if (i >= T->n || T->t[i].kind != TK_WORD)
                return 0;
        const char *w = T->t[i].w;
        size_t n = strlen(w);
        if (strcmp(w, "sept") == 0)
                return 9;
        for (int m = 0; m < 12; m++)
                if ((n == 3 || n == strlen(month_names[m])) && strncmp(month_names[m], w, n) == 0)
                        return m + 1;
        return 0;
}
