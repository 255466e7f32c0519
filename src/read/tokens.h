/* tokens.h — a field's text as the value parsers read it (values.c, and
 * values_date.c for dates): normalised, then cut into numbers, words and
 * punctuation marks that the parsers of dates, counts and yes/no match
 * phrases against.
 *
 * It sits below both parsers so that each takes from it and neither from
 * the other.  The small is_* matchers below are inline: the parsers call
 * them for every token they look at. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"

#define MAX_TOKS 256
#define WORD_MAX 24

typedef enum { TK_NUM, TK_WORD, TK_PUNCT } TokKind;

typedef struct {
        TokKind kind;
        bool space;        /* white space (or the start of the text) before it */
        int ndig;          /* TK_NUM: digits written, leading zeros included */
        int64_t num;       /* TK_NUM: the value; -1 when it has more than 15 digits */
        char w[WORD_MAX];  /* TK_WORD: the word, "" when longer; TK_PUNCT: the character */
} Tok;

typedef struct {
        Tok t[MAX_TOKS];
        size_t n;
        bool truncated;    /* the text had more than MAX_TOKS tokens */
} Toks;

static inline bool is_word_byte(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || c >= 0x80;
}

static inline bool is_n(const Toks *T, size_t i)
{
        return i < T->n && T->t[i].kind == TK_NUM;
}

static inline bool is_w(const Toks *T, size_t i, const char *w)
{
        return i < T->n && T->t[i].kind == TK_WORD && strcmp(T->t[i].w, w) == 0;
}

static inline bool is_p(const Toks *T, size_t i, char c)
{
        return i < T->n && T->t[i].kind == TK_PUNCT && T->t[i].w[0] == c;
}

static inline bool word_in(const char *w, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(w, *list) == 0)
                        return true;
        return false;
}

static inline bool is_wl(const Toks *T, size_t i, const char *const *list)
{
        return i < T->n && T->t[i].kind == TK_WORD && word_in(T->t[i].w, list);
}

/* Lower case, typographic characters made ASCII (see tokens.c).  Caller
 * frees. */
char *tokens_norm_text(const char *s);
/* s must be normalised (tokens_norm_text). */
void tokens_split(const char *s, Toks *T);
/* A phrase of space-separated words and single punctuation marks ("n / k",
 * "don't know") at token i: its length in tokens, or 0. */
size_t tokens_phrase_at(const Toks *T, size_t i, const char *phrase);
size_t tokens_phrase_in(const Toks *T, size_t i, const char *const *list);
/* "Not known", "TBC" and their kin: dates, counts and yes/no share them. */
extern const char *const tokens_unknown_phrases[];
/* 1-12 for a month name or its three-letter abbreviation at token i, else 0
 * ("sept" too). */
int tokens_month_at(const Toks *T, size_t i);
