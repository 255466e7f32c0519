/* values_date.c — value_parse_date() of values.h: dates and times as staff
 * write them, read against the message date in the configured zone. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "read/tokens.h"
#include "read/values.h"

/* ---- dates ------------------------------------------------------------- */

/* 0 (Sunday) to 6 for a weekday name or abbreviation, else -1. */
static int weekday_at(const Toks *T, size_t i)
{
        static const char *const names[7][5] = {
                {"sunday", "sun", NULL},
                {"monday", "mon", NULL},
                {"tuesday", "tue", "tues", NULL},
                {"wednesday", "wed", "weds", NULL},
                {"thursday", "thu", "thur", "thurs", NULL},
                {"friday", "fri", NULL},
                {"saturday", "sat", NULL},
        };
        for (int d = 0; d < 7; d++)
                if (is_wl(T, i, names[d]))
                        return d;
        return -1;
}

static int weekday_of_days(int64_t days)
{
        return (int)(((days % 7) + 7 + 4) % 7);  /* 1970-01-01 was a Thursday */
}

typedef struct {
        int y, m, d;
        bool month_only;  /* "March 2022": d is the representative day */
} DateItem;

typedef struct {
        const Toks *T;
        int my, mm, md, mwday;  /* the message date, local */
        int64_t mdays;          /* ...in days since 1970-01-01 */
        DateItem dates[8];
        size_t n_dates;
        size_t n_explicit;      /* dates written as dates, not relative words */
        int wd[4];              /* weekday names seen */
        bool wd_last[4];        /* ...after "last" */
        size_t n_wd;
        int dots[2][2];         /* "15.39": a time or day.month, decided at the end */
        size_t n_dots;
        int hour, minute;
        bool have_time, time_conflict, time_utc;
        int bare_hour;          /* "about 9", "at 3": an hour alone, 0 when none */
        bool approx, unknown, bad;
} DateScan;

static void scan_push(DateScan *S, int y, int m, int d, bool month_only)
{
        if (S->n_dates == ARRAY_SIZE(S->dates)) {
                S->bad = true;
                return;
        }
        S->dates[S->n_dates++] = (DateItem){y, m, d, month_only};
}

/* A date as written; y is 0 when no year was given: the message's year, or
 * the year before when that would put it after the message date. */
static void scan_add(DateScan *S, int y, int m, int d, bool month_only)
{
        if (m < 1 || m > 12 || y < 0) {
                S->bad = true;
                return;
        }
        int first = month_only ? 1 : (d < 1 ? 1 : d > 31 ? 31 : d);
        if (y == 0)
                y = tz_days_from_civil(S->my, m, first) > S->mdays ? S->my - 1 : S->my;
        if (month_only && tz_days_from_civil(y, m, d) > S->mdays &&
            tz_days_from_civil(y, m, 1) <= S->mdays)
                d = S->md;  /* "mid-March" written on 10 March */
        if (y < 1 || y > 9999 || d < 1 || d > tz_days_in_month(y, m)) {
                S->bad = true;
                return;
        }
        scan_push(S, y, m, d, month_only);
        S->n_explicit++;
}

/* A date relative to the message date. */
static void scan_rel(DateScan *S, int64_t delta_days, bool approx)
{
        int y, m, d;
        tz_civil_from_days(S->mdays + delta_days, &y, &m, &d);
        scan_push(S, y, m, d, false);
        if (approx)
                S->approx = true;
}

static void scan_time(DateScan *S, int h, int mi)
{
        if (h < 0 || h > 23 || mi < 0 || mi > 59) {
                S->bad = true;
                return;
        }
        if (S->have_time && (S->hour != h || S->minute != mi))
                S->time_conflict = true;
        S->hour = h;
        S->minute = mi;
        S->have_time = true;
}

/* A written year: four digits, or two (20yy, or 19yy when 20yy would be
 * more than a year after the message).  -1 for anything else. */
static int scan_year(const DateScan *S, const Tok *t)
{
        if (t->ndig == 4)
                return t->num >= 1000 ? (int)t->num : -1;
        if (t->ndig == 2) {
                int y = 2000 + (int)t->num;
                return y > S->my + 1 ? y - 100 : y;
        }
        return -1;
}

/* am/pm, a.m., p.m.: returns the tokens used and sets *ret_pm. */
static size_t ampm_len(const Toks *T, size_t i, bool *ret_pm)
{
        size_t k;
        if (is_w(T, i, "am") || is_w(T, i, "pm")) {
                *ret_pm = T->t[i].w[0] == 'p';
                return 1;
        }
        if ((k = tokens_phrase_at(T, i, "a . m")) || (k = tokens_phrase_at(T, i, "p . m"))) {
                *ret_pm = T->t[i].w[0] == 'p';
                return is_p(T, i + k, '.') ? k + 1 : k;
        }
        return 0;
}

static size_t hrs_len(const Toks *T, size_t i)
{
        static const char *const w[] = {"hrs", "hr", "hours", "hour", NULL};
        if (is_wl(T, i, w) || (is_w(T, i, "h") && !T->t[i].space))
                return 1;
        return 0;
}

static bool after_at(const Toks *T, size_t i)
{
        return i > 0 && (is_w(T, i - 1, "at") || is_p(T, i - 1, '@'));
}

/* Whether a time starts at i: 4pm, 16:00, 16.00, 1600hrs. */
static bool time_at(const Toks *T, size_t i)
{
        bool pm;
        if (!is_n(T, i))
                return false;
        return ampm_len(T, i + 1, &pm) || hrs_len(T, i + 1) ||
               ((is_p(T, i + 1, ':') || is_p(T, i + 1, '.')) && is_n(T, i + 2) && T->t[i + 2].ndig == 2);
}

/* 06/01/2022, 6.1.22, 06-01-2022, 2022-01-06. */
static size_t m_numeric_date(DateScan *S, size_t i)
{
        const Toks *T = S->T;
        if (!is_n(T, i) || !is_n(T, i + 2) || !is_n(T, i + 4) || i + 3 >= T->n)
                return 0;
        char sep = T->t[i + 1].w[0];
        if ((sep != '/' && sep != '.' && sep != '-') || !is_p(T, i + 1, sep) || !is_p(T, i + 3, sep))
                return 0;
        /* '.' and '-' also write decimals and ranges: only "06.01.2022"
         * written tight is a date. */
        if (sep != '/' && (T->t[i + 1].space || T->t[i + 2].space || T->t[i + 3].space || T->t[i + 4].space))
                return 0;
        const Tok *a = &T->t[i], *b = &T->t[i + 2], *c = &T->t[i + 4];
        if (a->ndig == 4 && b->ndig <= 2 && c->ndig <= 2) {
                scan_add(S, a->num >= 1000 ? (int)a->num : -1, (int)b->num, (int)c->num, false);
        } else if (a->ndig <= 2 && b->ndig <= 2) {
                int y = scan_year(S, c);
                scan_add(S, y < 1 ? -1 : y, (int)b->num, (int)a->num, false);
        } else {
                S->bad = true;
        }
        return 5;
}

/* 06/01 (day/month, no year). */
static size_t m_numeric_dm(DateScan *S, size_t i)
{
        const Toks *T = S->T;
        if (!is_n(T, i) || !is_p(T, i + 1, '/') || !is_n(T, i + 2) || (i > 0 && is_p(T, i - 1, '/')))
                return 0;
        if (T->t[i].ndig > 2 || T->t[i + 2].ndig > 2 || is_p(T, i + 3, '/')) {
                S->bad = true;
                return 3;
        }
        scan_add(S, 0, (int)T->t[i + 2].num, (int)T->t[i].num, false);
        return 3;
}

/* A day number with an optional ordinal: 6, 06, 6th. */
static size_t text_day(const Toks *T, size_t i, int *ret_d)
{
        static const char *const ord[] = {"st", "nd", "rd", "th", NULL};
        if (!is_n(T, i) || T->t[i].ndig > 2)
                return 0;
        *ret_d = (int)T->t[i].num;
        return (is_wl(T, i + 1, ord) && !T->t[i + 1].space) ? 2 : 1;
}

/* The year after a month name, if any: ", 2022", " 22", "-22". */
static size_t text_year(const DateScan *S, size_t j, int *ret_y)
{
        const Toks *T = S->T;
        size_t k = j;
        if (is_p(T, k, ',') || is_p(T, k, '-') || is_p(T, k, '/') || is_p(T, k, '\'') || is_p(T, k, '.'))
                k++;
        if (!is_n(T, k) || (T->t[k].ndig != 2 && T->t[k].ndig != 4))
                return 0;
        /* "6 Jan 15:39", "6 Jan 1539hrs": an hour, not a year */
        bool pm;
        if (is_p(T, k + 1, ':') || (is_p(T, k + 1, '.') && is_n(T, k + 2)) || ampm_len(T, k + 1, &pm) ||
            hrs_len(T, k + 1))
                return 0;
        int y = scan_year(S, &T->t[k]);
        *ret_y = y < 1 ? -1 : y;
        return k - j + 1;
}

/* 6 Jan 2022, 6th of January, 06-Jan-22, January 6, 2022, Jan. 6th,
 * March 2022, March.  y is 0 when no year was written, -1 for a bad one. */
static size_t parse_text_date(const DateScan *S, size_t i, DateItem *ret)
{
        static const char *const fill[] = {"of", "the", NULL};
        const Toks *T = S->T;
        int d = 0, y = 0, m;
        size_t k, j;
        if ((k = text_day(T, i, &d))) {
                j = i + k;
                if (is_p(T, j, '-') || is_p(T, j, '/') || is_p(T, j, '.') || is_p(T, j, ','))
                        j++;
                while (is_wl(T, j, fill))
                        j++;
                if (!(m = tokens_month_at(T, j)))
                        return 0;
                j++;
                j += text_year(S, j, &y);
                *ret = (DateItem){y, m, d, false};
                return j - i;
        }
        if (!(m = tokens_month_at(T, i)))
                return 0;
        j = i + 1;
        if (is_p(T, j, '.') || is_p(T, j, ','))
                j++;
        if (is_w(T, j, "the"))
                j++;
        if ((k = text_day(T, j, &d))) {
                int y2 = 0;
                size_t ky = text_year(S, j + k, &y2);
                if (ky || k == 2 || T->t[j].ndig == 1) {
                        *ret = (DateItem){y2, m, d, false};
                        return j + k + ky - i;
                }
                /* "Jan 22": the 22nd, or January 2022?  Not guessed. */
                if (T->t[j].num <= 31) {
                        *ret = (DateItem){-1, m, 0, false};
                        return j + k - i;
                }
        }
        k = text_year(S, i + 1, &y);
        /* "may" alone is the verb far more often than the month */
        if (!k && is_w(T, i, "may"))
                return 0;
        *ret = (DateItem){y, m, 0, true};
        return 1 + k;
}

/* "3-5 January", "6th or 7th Jan": two dates, so not one to guess. */
static size_t m_day_range(DateScan *S, size_t i)
{
        static const char *const conn[] = {"to", "and", "or", "till", "until", NULL};
        const Toks *T = S->T;
        int d1;
        size_t k = text_day(T, i, &d1);
        if (!k)
                return 0;
        size_t j = i + k;
        if (!(is_p(T, j, '-') || is_p(T, j, '&') || is_wl(T, j, conn)))
                return 0;
        /* "6-7/1/2022" */
        size_t before = S->n_dates, k2 = m_numeric_date(S, j + 1);
        if (k2 && S->n_dates == before + 1) {
                scan_add(S, S->dates[before].y, S->dates[before].m, d1, false);
                return j + 1 + k2 - i;
        }
        if (k2)
                return j + 1 + k2 - i;
        DateItem second;
        k2 = parse_text_date(S, j + 1, &second);
        if (!k2 || second.month_only || !is_n(T, j + 1))
                return 0;
        scan_add(S, second.y, second.m, d1, false);
        scan_add(S, second.y, second.m, second.d, false);
        return j + 1 + k2 - i;
}

/* "early", "mid-", "late", "end of" before a month alone: which day of it
 * stands for the month (see values.h). */
static int month_part_before(const Toks *T, size_t i)
{
        static const struct { const char *w; int day; } parts[] = {
                {"early", 1}, {"beginning", 1}, {"start", 1}, {"mid", 15},
                {"middle", 15}, {"late", 21}, {"end", 21},
        };
        for (size_t back = 1; back <= 3 && back <= i; back++) {
                const Tok *t = &T->t[i - back];
                if (t->kind == TK_PUNCT && t->w[0] == '-')
                        continue;
                if (t->kind == TK_WORD && (strcmp(t->w, "of") == 0 || strcmp(t->w, "the") == 0))
                        continue;
                for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
                        if (t->kind == TK_WORD && strcmp(t->w, parts[p].w) == 0)
                                return parts[p].day;
                return 1;
        }
        return 1;
}

static size_t m_text_date(DateScan *S, size_t i)
{
        DateItem it;
        size_t k = parse_text_date(S, i, &it);
        if (!k)
                return 0;
        if (it.month_only)
                it.d = month_part_before(S->T, i);
        scan_add(S, it.y, it.m, it.d, it.month_only);
        return k;
}

/* 15:39, 15:39:20, 3.39pm, 3:39 p.m., 3pm, 1539hrs, at 1539, noon,
 * midday, midnight; "15.39" alone is decided at the end. */
/* An hour alone, 1 to 12, where only a time of day fits: after "at",
 * "about" or "around" ("this morning about 9", "at 3 this afternoon"), and
 * followed by nothing, punctuation or a word that goes on about the time
 * or the finding ("9 this morning", "9 I realised") -- not "about 9
 * pupils" or "at 9 Smith Street". */
static bool bare_hour_at(const Toks *T, size_t i)
{
        static const char *const before[] = {"at", "about", "around", "approx", "approximately", NULL};
        static const char *const after[] = {"this", "yesterday", "today", "tonight", "last", "on", "in", "o",
                                            "oclock", "i", "we", "when", "and", "that", "so", "someone",
                                            "my", "our", "a", "the", "ish", "or", NULL};
        if (!is_n(T, i) || T->t[i].ndig > 2 || T->t[i].num < 1 || T->t[i].num > 12 || i == 0 ||
            !is_wl(T, i - 1, before))
                return false;
        if (i + 1 >= T->n)
                return true;
        if (T->t[i + 1].kind == TK_PUNCT)
                return !is_p(T, i + 1, '-') && !is_p(T, i + 1, ':') && !is_p(T, i + 1, '/') &&
                       !(is_p(T, i + 1, '.') && is_n(T, i + 2));
        return is_wl(T, i + 1, after);
}

static size_t m_time(DateScan *S, size_t i)
{
        static const char *const range_words[] = {"to", "and", "or", "till", "until", NULL};
        const Toks *T = S->T;
        int h, mi = 0;
        size_t k;
        bool firm = false, pm = false;
        if (is_w(T, i, "noon") || is_w(T, i, "midday") || is_w(T, i, "midnight")) {
                scan_time(S, is_w(T, i, "midnight") ? 0 : 12, 0);
                return 1;
        }
        if (!is_n(T, i))
                return 0;
        h = (int)T->t[i].num;
        if (is_w(T, i + 1, "noon") || is_w(T, i + 1, "midday")) {
                scan_time(S, h == 12 ? 12 : -1, 0);
                return 2;
        }
        if (T->t[i].ndig <= 2 && (is_p(T, i + 1, ':') || is_p(T, i + 1, '.') || is_w(T, i + 1, "h")) &&
            is_n(T, i + 2) && T->t[i + 2].ndig == 2 && !T->t[i + 1].space && !T->t[i + 2].space) {
                mi = (int)T->t[i + 2].num;
                firm = !is_p(T, i + 1, '.');
                k = 3;
                if (is_p(T, i + 3, ':') && is_n(T, i + 4) && T->t[i + 4].ndig == 2)
                        k = 5;
        } else if (T->t[i].ndig == 4 && (hrs_len(T, i + 1) || after_at(T, i))) {
                mi = h % 100;
                h /= 100;
                k = 1;
                firm = true;
        } else if (T->t[i].ndig <= 2 && ampm_len(T, i + 1, &pm)) {
                k = 1;
        } else if (T->t[i].ndig <= 2 && h <= 24 && (is_p(T, i + 1, '-') || is_wl(T, i + 1, range_words)) &&
                   time_at(T, i + 2)) {
                /* "between 3 and 4pm", "3-4pm": a span, so no one time */
                S->time_conflict = true;
                return 2;
        } else if (bare_hour_at(T, i)) {
                if (S->bare_hour && S->bare_hour != h)
                        S->time_conflict = true;
                S->bare_hour = h;
                return 1;
        } else {
                return 0;
        }
        size_t a = ampm_len(T, i + k, &pm);
        if (a) {
                /* 12am is midnight, 12pm noon; "15:39pm" is taken as 15:39 */
                if (h == 0 || (h > 12 && !pm))
                        h = -1;
                else if (h <= 12)
                        h = (h % 12) + (pm ? 12 : 0);
                k += a;
                firm = true;
        }
        size_t hr = hrs_len(T, i + k);
        k += hr;
        if (hr || after_at(T, i))
                firm = true;
        if (!firm) {
                if (S->n_dots < ARRAY_SIZE(S->dots)) {
                        S->dots[S->n_dots][0] = h;
                        S->dots[S->n_dots++][1] = mi;
                } else {
                        S->bad = true;
                }
                return k;
        }
        if (is_w(T, i + k, "z") || is_w(T, i + k, "utc")) {
                S->time_utc = true;
                k++;
        }
        scan_time(S, h, mi);
        return k;
}

/* A small count written as digits or a word, for "2 days ago". */
static int small_number_at(const Toks *T, size_t i)
{
        static const char *const words[] = {"a", "one", "two", "three", "four", "five", "six",
                                            "seven", "eight", "nine", "ten", NULL};
        if (is_n(T, i))
                return T->t[i].ndig <= 3 ? (int)T->t[i].num : -1;
        for (int n = 0; words[n]; n++)
                if (is_w(T, i, words[n]))
                        return n == 0 ? 1 : n;
        if (is_w(T, i, "an"))
                return 1;
        return -1;
}

/* "2 days ago", "a week ago", "a fortnight ago". */
static size_t m_ago(DateScan *S, size_t i)
{
        const Toks *T = S->T;
        int n = small_number_at(T, i);
        if (n < 0 || !is_w(T, i + 2, "ago"))
                return 0;
        if (is_w(T, i + 1, "day") || is_w(T, i + 1, "days"))
                scan_rel(S, -n, false);
        else if (is_w(T, i + 1, "week") || is_w(T, i + 1, "weeks"))
                scan_rel(S, -7 * (int64_t)n, true);
        else if (is_w(T, i + 1, "fortnight"))
                scan_rel(S, -14 * (int64_t)n, true);
        else
                return 0;
        return 3;
}

/* "last week" and "this week" (their Monday, approximate), or with a
 * weekday ("Thursday last week", "last week on Thursday") that day. */
static size_t m_week(DateScan *S, size_t i)
{
        const Toks *T = S->T;
        bool last = tokens_phrase_at(T, i, "last week") != 0;
        if (!last && !tokens_phrase_at(T, i, "this week"))
                return 0;
        int64_t monday = -(int64_t)((S->mwday + 6) % 7) - (last ? 7 : 0);
        size_t k = 2;
        int wd = i > 0 ? weekday_at(T, i - 1) : -1;
        if (wd >= 0 && S->n_wd > 0 && S->wd[S->n_wd - 1] == wd) {
                S->n_wd--;  /* the weekday is this day of that week, not the most recent one */
        } else {
                size_t j = i + 2 + (is_w(T, i + 2, "on") ? 1 : 0);
                wd = weekday_at(T, j);
                if (wd >= 0)
                        k = j + 1 - i;
        }
        if (wd >= 0)
                scan_rel(S, monday + (wd + 6) % 7, false);
        else
                scan_rel(S, monday, true);
        return k;
}

/* "weekend", "last month", "this month". */
static size_t m_period(DateScan *S, size_t i)
{
        const Toks *T = S->T;
        if (is_w(T, i, "weekend")) {
                scan_rel(S, -(int64_t)((S->mwday + 1) % 7), true);
                return 1;
        }
        bool last = tokens_phrase_at(T, i, "last month") != 0;
        if (last || tokens_phrase_at(T, i, "this month")) {
                int y = S->my, m = S->mm;
                if (last && --m == 0) {
                        m = 12;
                        y--;
                }
                scan_push(S, y, m, 1, false);
                S->approx = true;
                return 2;
        }
        return 0;
}

static size_t m_relative(DateScan *S, size_t i)
{
        static const char *const day_parts[] = {"morning", "afternoon", "evening", "lunchtime", "am", "pm", NULL};
        const Toks *T = S->T;
        size_t k;
        if ((k = tokens_phrase_at(T, i, "day before yesterday"))) {
                scan_rel(S, -2, false);
                return k;
        }
        if (is_w(T, i, "yesterday")) {
                scan_rel(S, -1, false);
                return 1;
        }
        if ((k = tokens_phrase_at(T, i, "last night")) || (k = tokens_phrase_at(T, i, "last evening"))) {
                scan_rel(S, -1, false);
                return k;
        }
        if (is_w(T, i, "today") || is_w(T, i, "tonight") || (is_w(T, i, "this") && is_wl(T, i + 1, day_parts))) {
                scan_rel(S, 0, false);
                return is_w(T, i, "this") ? 2 : 1;
        }
        if (is_w(T, i, "tomorrow") ||
            (is_w(T, i, "next") && (weekday_at(T, i + 1) >= 0 || is_w(T, i + 1, "week") || is_w(T, i + 1, "month")))) {
                S->bad = true;  /* a breach has happened: a future day is a slip */
                return 1;
        }
        if ((k = m_ago(S, i)) || (k = m_week(S, i)) || (k = m_period(S, i)))
                return k;
        bool last = is_w(T, i, "last");
        int wd = weekday_at(T, i + last);
        if (wd < 0)
                return 0;
        if (S->n_wd == ARRAY_SIZE(S->wd)) {
                S->bad = true;
        } else {
                S->wd_last[S->n_wd] = last;
                S->wd[S->n_wd++] = wd;
        }
        return 1 + last;
}

/* "unknown", "TBC"; "approx", "c.", "w/c", "?". */
static size_t m_modifier(DateScan *S, size_t i)
{
        static const char *const approx[] = {
                "approx", "approximately", "approximate", "about", "around", "roughly", "circa",
                "ca", "c", "est", "estimated", "estimate", "possibly", "probably", "maybe", "perhaps",
                "likely", "sometime", "before", "prior", "commencing", "beginning", "week", "wc",
                "wb", "ish", "think", "believe", "guess", "may", "might", "could", NULL};
        const Toks *T = S->T;
        size_t k = tokens_phrase_in(T, i, tokens_unknown_phrases);
        if (k) {
                /* "06/01/2022, time unknown" knows the date */
                if (!(i > 0 && is_w(T, i - 1, "time")) && !is_w(T, i + k, "time"))
                        S->unknown = true;
                return k;
        }
        if ((k = tokens_phrase_at(T, i, "w / c")) || (k = tokens_phrase_at(T, i, "w / b")) || is_wl(T, i, approx) ||
            is_p(T, i, '~') || is_p(T, i, '?')) {
                S->approx = true;
                return k ? k : 1;
        }
        return 0;
}

static void scan_tokens(DateScan *S)
{
        const Toks *T = S->T;
        for (size_t i = 0; i < T->n;) {
                size_t k;
                if ((k = m_numeric_date(S, i)) || (k = m_day_range(S, i)) || (k = m_text_date(S, i)) ||
                    (k = m_time(S, i)) || (k = m_numeric_dm(S, i)) || (k = m_relative(S, i)) ||
                    (k = m_modifier(S, i)))
                        i += k;
                else
                        i++;
        }
}

/* Decides what the scan could not decide token by token: "15.39" (a time
 * when there is a date, else day.month), weekday names (a check on a
 * written date, else a day relative to the message), a month alone next to
 * a full date in it. */
/* The part of the day the text names: 1 morning, 2 afternoon, evening or
 * night, 0 none (or both). */
static int day_part(const Toks *T)
{
        static const char *const later[] = {"afternoon", "evening", "tonight", "night", "lunchtime", NULL};
        int part = 0;
        for (size_t i = 0; i < T->n; i++) {
                int p = is_w(T, i, "morning") ? 1 : is_wl(T, i, later) ? 2 : 0;
                if (p && part && p != part)
                        return 0;
                if (p)
                        part = p;
        }
        return part;
}

/* An hour alone becomes the time when the text also holds a day and no
 * other time: in the morning as it is, in the afternoon or evening 12
 * hours on.  With neither said, 7 to 12 are taken as morning (office
 * hours: 9 is 09:00) and 1 to 6 as afternoon, unless that would be after
 * the message, when they are morning too: never a time still to come.
 * 12 is noon alone; beside a part of the day it could be midnight, and is
 * left out. */
static void scan_bare_hour(DateScan *S, int64_t msg_time, const Tz *tz)
{
        if (!S->bare_hour || S->have_time || S->n_dates == 0)
                return;
        int h = S->bare_hour, part = day_part(S->T);
        if (h == 12 && part)
                return;  /* "12 last night": noon or midnight?  The day stands */
        if (part == 2)
                h += 12;
        else if (h < 7) {
                const DateItem *d = &S->dates[0];
                int64_t when;
                if (tz_local_to_utc(tz, d->y, d->m, d->d, h + 12, 0, &when) == 0 && when <= msg_time)
                        h += 12;
        }
        scan_time(S, h, 0);
}

static void scan_resolve(DateScan *S)
{
        for (size_t i = 0; i < S->n_dots; i++) {
                int a = S->dots[i][0], b = S->dots[i][1];
                if (S->n_dates > 0 && !S->have_time)
                        scan_time(S, a, b);
                else
                        scan_add(S, 0, b, a, false);
        }
        for (size_t i = 0; i < S->n_wd; i++) {
                if (S->n_explicit == 0) {
                        int64_t back = (S->mwday - S->wd[i] + 7) % 7;
                        if (back == 0 && S->wd_last[i])
                                back = 7;
                        scan_rel(S, -back, false);
                        continue;
                }
                for (size_t j = 0; j < S->n_dates; j++) {
                        const DateItem *d = &S->dates[j];
                        if (!d->month_only && weekday_of_days(tz_days_from_civil(d->y, d->m, d->d)) != S->wd[i])
                                S->bad = true;
                }
        }
        size_t w = 0;
        for (size_t i = 0; i < S->n_dates; i++) {
                const DateItem *d = &S->dates[i];
                bool covered = false;
                for (size_t j = 0; j < S->n_dates && d->month_only; j++)
                        covered |= !S->dates[j].month_only && S->dates[j].y == d->y && S->dates[j].m == d->m;
                if (!covered)
                        S->dates[w++] = *d;
        }
        S->n_dates = w;
}

static void date_clear(FieldValue *v, FieldState state)
{
        free(v->canon);
        v->canon = NULL;
        v->state = state;
        v->when = 0;
        v->date_prec = DATE_NONE;
        v->approx = false;
        v->at_least = false;
}

/* Turns a finished scan into the field value; -EINVAL when unclear. */
static int scan_result(DateScan *S, const Tz *tz, int64_t msg_time, FieldValue *v)
{
        if (S->bad)
                return -EINVAL;
        scan_resolve(S);
        scan_bare_hour(S, msg_time, tz);
        if (S->bad)
                return -EINVAL;
        if (S->n_dates == 0) {
                if (!S->unknown)
                        return -EINVAL;
                v->state = FV_OK;
                v->canon = xstrdup("unknown");
                v->date_prec = DATE_UNKNOWN;
                return 0;
        }
        const DateItem *d = &S->dates[0];
        for (size_t i = 1; i < S->n_dates; i++)
                if (S->dates[i].y != d->y || S->dates[i].m != d->m || S->dates[i].d != d->d)
                        return -EINVAL;
        if (d->y < 1990)
                return -EINVAL;
        int64_t when;
        bool timed = S->have_time && !S->time_conflict && !d->month_only;
        if (timed && S->time_utc)
                when = tz_days_from_civil(d->y, d->m, d->d) * 86400 + S->hour * 3600 + S->minute * 60;
        else if (tz_local_to_utc(tz, d->y, d->m, d->d, timed ? S->hour : 0, timed ? S->minute : 0, &when) < 0)
                return -EINVAL;
        if (when > msg_time + 86400)
                return -EINVAL;
        v->state = FV_OK;
        v->when = when;
        v->approx = S->approx || S->unknown || d->month_only;
        if (timed) {
                char iso[32];
                fmt_iso_utc(when, iso);
                v->canon = xstrdup(iso);
                v->date_prec = DATE_MINUTE;
        } else {
                v->canon = xasprintf("%04d-%02d-%02d", d->y, d->m, d->d);
                v->date_prec = DATE_DAY;
        }
        return 0;
}

int value_parse_date(const char *text, const ValueContext *ctx, FieldValue *v)
{
        date_clear(v, FV_UNCLEAR);
        if (!text || !ctx || !ctx->tz)
                return -EINVAL;
        int64_t msg_time = ctx->message_time > 0 ? ctx->message_time : now_utc();
        _cleanup_free_ char *norm = tokens_norm_text(text);
        _cleanup_free_ Toks *T = xmalloc(sizeof *T);
        tokens_split(norm, T);
        /* a date is a few words; a page of text is not one to read as a date */
        if (T->truncated || T->n == 0)
                return -EINVAL;

        DateScan S = {.T = T};
        struct tm tm;
        tz_utc_to_local(ctx->tz, msg_time, &tm);
        S.my = tm.tm_year + 1900;
        S.mm = tm.tm_mon + 1;
        S.md = tm.tm_mday;
        S.mwday = tm.tm_wday;
        S.mdays = tz_days_from_civil(S.my, S.mm, S.md);
        scan_tokens(&S);
        int r = scan_result(&S, ctx->tz, msg_time, v);
        if (r < 0)
                date_clear(v, FV_UNCLEAR);
        return r;
}


/* A sentence of prose that says someone found the breach out. */
static bool says_found_out(const char *lower)
{
        static const char *const cues[] = {"realised", "realized", "noticed", "discovered", "found out",
                                           "came to light", "became aware", "become aware", "reported to me",
                                           "reported to us", "spotted", NULL};
        /* A date about something else: when a letter was sent or posted, a
         * meeting, a birthday.  Such a sentence gives no time of finding
         * out ("next Tuesday" and "tomorrow" the date reader refuses). */
        static const char *const other[] = {"posted", "dated", "sent on", "emailed on", "written on", "born",
                                            "birth", "dob", "d.o.b", "meeting", "appointment", "scheduled",
                                            "due on", "due date", "deadline", "since", "until", "booked", NULL};
        /* "I hadn't noticed it on Monday" says nobody found out then. */
        static const char *const negations[] = {"not ", "n't ", "never ", "nobody ", "no one ", "nor ", "n\xe2\x80\x99t ", NULL};
        bool cue = false;
        for (size_t i = 0; cues[i]; i++)
                for (const char *p = strstr(lower, cues[i]); p; p = strstr(p + 1, cues[i])) {
                        if (p > lower && isalpha((unsigned char)p[-1]))
                                continue;  /* "undiscovered" */
                        /* the two words before it ("had not yet noticed") */
                        const char *q = p;
                        for (int spaces = 0; q > lower; q--)
                                if (q[-1] == ' ' && ++spaces == 3)
                                        break;
                        _cleanup_free_ char *before = xstrndup(q, (size_t)(p - q));
                        bool negated = false;
                        for (size_t k = 0; negations[k] && !negated; k++)
                                negated = strstr(before, negations[k]) != NULL;
                        if (!negated)
                                cue = true;
                }
        for (size_t i = 0; other[i] && cue; i++)
                if (strstr(lower, other[i]))
                        return false;
        return cue;
}

/* Whether the word ending at e (before a full stop) is an abbreviation
 * that goes on with the sentence: "approx. 9.15", "c. 9am", "Mr. Smith". */
static bool abbreviation_before(const char *start, const char *e)
{
        static const char *const abbr[] = {"approx", "c", "ca", "est", "circa", "mr", "mrs", "ms", "dr", "st",
                                           "no", "eg", "ie", "e.g", "i.e", NULL};
        const char *w = e;
        while (w > start && (isalpha((unsigned char)w[-1]) || (w - 1 > start && w[-1] == '.' && isalpha((unsigned char)w[-2]))))
                w--;
        size_t n = (size_t)(e - w);
        for (size_t i = 0; abbr[i]; i++)
                if (strlen(abbr[i]) == n && !strncasecmp(w, abbr[i], n))
                        return true;
        return false;
}

int value_aware_in_text(const char *text, const ValueContext *ctx, FieldValue *v, char **ret_phrase)
{
        date_clear(v, FV_ABSENT);
        *ret_phrase = NULL;
        if (!text || !ctx || !ctx->tz)
                return -ENOENT;
        int64_t msg_time = ctx->message_time > 0 ? ctx->message_time : now_utc();
        for (const char *s = text; *s;) {
                /* A sentence ends at . ! or ? before white space or the
                 * end ("9.15" goes on), or at a blank line. */
                const char *e = s;
                while (*e) {
                        if (strchr(".!?", *e) && (!e[1] || isspace((unsigned char)e[1])) &&
                            !(*e == '.' && abbreviation_before(s, e)))
                                break;
                        if (*e == '\n' && e[1] == '\n')
                                break;
                        e++;
                }
                size_t n = (size_t)(e - s);
                const char *next = *e ? e + 1 : e;
                if (n > 0 && n <= 400) {
                        _cleanup_free_ char *sent = xstrndup(s, n);
                        for (char *p = sent; *p; p++)
                                if (isspace((unsigned char)*p))
                                        *p = ' ';
                        char *t = str_trim(sent);
                        _cleanup_free_ char *lower = xstrdup(t);
                        str_ascii_lower(lower);
                        FieldValue w = {.count = -1};
                        if (says_found_out(lower) && value_parse_date(t, ctx, &w) == 0 &&
                            (w.date_prec == DATE_DAY || w.date_prec == DATE_MINUTE) && w.when <= msg_time &&
                            (v->state != FV_OK || w.when < v->when)) {
                                free(v->canon);
                                *v = w;
                                free(*ret_phrase);
                                *ret_phrase = xstrdup(t);
                        } else {
                                free(w.canon);
                        }
                }
                s = next;
                while (*s && isspace((unsigned char)*s))
                        s++;
        }
        return v->state == FV_OK ? 0 : -ENOENT;
}
