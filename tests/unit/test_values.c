/* test_values.c — table-driven tests of the field value parsers (values.c)
 * and, through them, of the time-zone module they rest on. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "read/form.h"
#include "tap.h"
#include "base/tz.h"
#include "base/util.h"
#include "read/values.h"

/* UTC seconds from calendar fields, by libc, independent of tz.c. */
static int64_t utc(int y, int m, int d, int h, int mi)
{
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
        return (int64_t)timegm(&tm);
}

static Tz *london;

/* Message times the relative and future checks are measured against. */
enum { MSG_JAN22, MSG_NOV22, MSG_JAN23, MSG__MAX };
static int64_t msg_times[MSG__MAX];

static void init_msg_times(void)
{
        msg_times[MSG_JAN22] = utc(2022, 1, 10, 12, 0);  /* Monday 10 January 2022, 12:00 GMT */
        msg_times[MSG_NOV22] = utc(2022, 11, 15, 10, 0); /* Tuesday 15 November 2022 */
        msg_times[MSG_JAN23] = utc(2023, 1, 10, 9, 0);   /* Tuesday 10 January 2023 */
}

/* ---- dates -------------------------------------------------------------- */

typedef struct {
        int msg;
        const char *text;
        FieldState state;
        DatePrecision prec;
        const char *canon;
        bool approx;
        const char *when;   /* expected instant (ISO, UTC); NULL: only checked for consistency */
} DateCase;

#define OKD(m, t, c, a) {m, t, FV_OK, DATE_DAY, c, a, NULL}
#define OKDW(m, t, c, a, w) {m, t, FV_OK, DATE_DAY, c, a, w}
#define OKM(m, t, c, a) {m, t, FV_OK, DATE_MINUTE, c, a, NULL}
#define UNK(m, t) {m, t, FV_OK, DATE_UNKNOWN, "unknown", false, NULL}
#define BAD(m, t) {m, t, FV_UNCLEAR, DATE_NONE, NULL, false, NULL}

static const DateCase date_cases[] = {
        /* written dates, day first */
        OKDW(MSG_JAN22, "06/01/2022", "2022-01-06", false, "2022-01-06T00:00:00Z"),
        OKD(MSG_JAN22, "6/1/22", "2022-01-06", false),
        OKD(MSG_JAN22, "06.01.2022", "2022-01-06", false),
        OKD(MSG_JAN22, "06-01-2022", "2022-01-06", false),
        OKD(MSG_JAN22, "6 Jan 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "6th January 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "6th of January, 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "Thursday 6th January 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "January 6, 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "Jan. 6th 2022", "2022-01-06", false),
        OKD(MSG_JAN22, "06-Jan-22", "2022-01-06", false),
        OKD(MSG_JAN22, "2022-01-06", "2022-01-06", false),
        OKD(MSG_JAN22, "  06/01/2022  ", "2022-01-06", false),
        OKD(MSG_JAN22, "6 January", "2022-01-06", false),
        OKD(MSG_JAN22, "25 December", "2021-12-25", false),   /* this year's would be in the future */
        OKD(MSG_JAN22, "6/1/2022 (Thursday)", "2022-01-06", false),
        OKD(MSG_JAN22, "06.01", "2022-01-06", false),          /* no other date: day.month */
        OKD(MSG_JAN22, "6/1/2022, time unknown", "2022-01-06", false),
        OKD(MSG_JAN22, "6 Jan 2022 3pm or 4pm", "2022-01-06", false),  /* two times: just the day */
        OKD(MSG_JAN22, "11/01/2022", "2022-01-11", false),     /* within a day of the message */
        /* with a time */
        OKM(MSG_JAN22, "06/01/2022 15:39", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "06/01/2022 15.39", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 3.39pm", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6 Jan 2022 3:39 pm", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 3:39 p.m.", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6 Jan 2022 at 3pm", "2022-01-06T15:00:00Z", false),
        OKM(MSG_JAN22, "15:39 on 6/1/2022", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "at 15.39 on Thursday 6th January", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 15:39hrs", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 1539 hrs", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 15:39:27", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 noon", "2022-01-06T12:00:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 12am", "2022-01-06T00:00:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 12pm", "2022-01-06T12:00:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 15:39pm", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6 Jan 2022 06.01", "2022-01-06T06:01:00Z", false),
        OKM(MSG_JAN22, "6 Jan 2022 \xe2\x80\x93 15:39", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "2022-01-06T15:39:00Z", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6th Jan 2022 @ 1539", "2022-01-06T15:39:00Z", false),
        OKM(MSG_JAN22, "6/1/2022 15h39", "2022-01-06T15:39:00Z", false),
        OKD(MSG_JAN22, "6/1/2022 between 3 and 4pm", "2022-01-06", false),  /* a span: no one time */
        OKD(MSG_JAN22, "6/1/2022 3-4pm", "2022-01-06", false),
        OKD(MSG_JAN22, "06/01/2022 09:00-10:00", "2022-01-06", false),
        /* relative to Monday 10 January 2022 */
        OKD(MSG_JAN22, "today", "2022-01-10", false),
        OKD(MSG_JAN22, "Today", "2022-01-10", false),
        OKD(MSG_JAN22, "yesterday", "2022-01-09", false),
        OKD(MSG_JAN22, "this morning", "2022-01-10", false),
        OKD(MSG_JAN22, "last night", "2022-01-09", false),
        OKD(MSG_JAN22, "the day before yesterday", "2022-01-08", false),
        OKD(MSG_JAN22, "2 days ago", "2022-01-08", false),
        OKD(MSG_JAN22, "Monday", "2022-01-10", false),
        OKD(MSG_JAN22, "last Monday", "2022-01-03", false),
        OKD(MSG_JAN22, "Friday", "2022-01-07", false),
        OKD(MSG_JAN22, "Weds", "2022-01-05", false),
        OKM(MSG_JAN22, "on Tuesday at 2pm", "2022-01-04T14:00:00Z", false),
        /* an hour alone after at/about/around, where only a time fits */
        OKM(MSG_JAN22, "this morning about 9", "2022-01-10T09:00:00Z", true),
        OKM(MSG_JAN22, "this morning at 9", "2022-01-10T09:00:00Z", false),
        OKM(MSG_JAN22, "around 3 this afternoon", "2022-01-10T15:00:00Z", true),
        OKM(MSG_JAN22, "yesterday at 9", "2022-01-09T09:00:00Z", false),
        OKM(MSG_JAN22, "yesterday at 3", "2022-01-09T15:00:00Z", false),  /* 1-6 alone: afternoon */
        OKM(MSG_JAN22, "at 7 last night", "2022-01-09T19:00:00Z", false),
        OKD(MSG_JAN22, "yesterday, about 9 pupils", "2022-01-09", true), /* a count, not a time */
        OKD(MSG_JAN22, "yesterday at 9 Smith Street", "2022-01-09", false),
        OKD(MSG_JAN22, "at 12 last night", "2022-01-09", false),  /* noon or midnight? */
        OKM(MSG_JAN22, "yesterday at 12", "2022-01-09T12:00:00Z", false),
        OKM(MSG_JAN22, "yesterday at 16:00", "2022-01-09T16:00:00Z", false),
        OKD(MSG_JAN22, "yesterday (9/1/22)", "2022-01-09", false),
        OKD(MSG_JAN22, "last week", "2022-01-03", true),
        OKD(MSG_JAN22, "Thursday last week", "2022-01-06", false),
        OKD(MSG_JAN22, "last week on Wednesday", "2022-01-05", false),
        OKD(MSG_JAN22, "a week ago", "2022-01-03", true),
        OKD(MSG_JAN22, "over the weekend", "2022-01-08", true),
        OKD(MSG_JAN23, "last Monday", "2023-01-09", false),
        /* unknown */
        UNK(MSG_JAN22, "unknown"),
        UNK(MSG_JAN22, "Not known"),
        UNK(MSG_JAN22, "don't know"),
        UNK(MSG_JAN22, "Don\xe2\x80\x99t know"),
        UNK(MSG_JAN22, "n/k"),
        UNK(MSG_JAN22, "TBC"),
        UNK(MSG_JAN22, "Unknown - still investigating"),
        /* approximate */
        OKD(MSG_JAN22, "approx 6/1/2022", "2022-01-06", true),
        OKD(MSG_JAN22, "approximately 06/01/2022", "2022-01-06", true),
        OKD(MSG_JAN22, "c. 6 January 2022", "2022-01-06", true),
        OKD(MSG_JAN22, "around 6th Jan 2022", "2022-01-06", true),
        OKD(MSG_JAN22, "circa 6/1/22", "2022-01-06", true),
        OKD(MSG_JAN22, "w/c 3/1/2022", "2022-01-03", true),
        OKD(MSG_JAN22, "week commencing 3rd January 2022", "2022-01-03", true),
        OKD(MSG_JAN22, "06/01/2022?", "2022-01-06", true),
        OKD(MSG_JAN22, "It may have been 6/1/2022", "2022-01-06", true),
        OKD(MSG_JAN22, "not sure, possibly 6/1/2022", "2022-01-06", true),
        OKM(MSG_JAN22, "about 3pm on 6/1/2022", "2022-01-06T15:00:00Z", true),
        OKD(MSG_JAN22, "March 2021", "2021-03-01", true),
        OKD(MSG_JAN22, "mid-March 2021", "2021-03-15", true),
        OKD(MSG_JAN22, "late November 2021", "2021-11-21", true),
        OKD(MSG_JAN22, "early December", "2021-12-01", true),
        OKD(MSG_JAN22, "sometime in December 2021", "2021-12-01", true),
        OKD(MSG_JAN22, "mid January", "2022-01-10", true),    /* the 15th is after the message */
        OKD(MSG_JAN22, "December 2021, probably 6th December", "2021-12-06", true),
        /* not guessed */
        BAD(MSG_JAN22, "31/02/2022"),
        BAD(MSG_JAN22, "29/02/2022"),
        BAD(MSG_JAN22, "13/13/2022"),
        BAD(MSG_JAN22, "00/01/2022"),
        BAD(MSG_JAN22, "06/01/2022 25:00"),
        BAD(MSG_JAN22, "06/01/2022 15:60"),
        BAD(MSG_JAN22, "06/01/2022 13am"),
        BAD(MSG_JAN22, "06/01/2022 0pm"),
        BAD(MSG_JAN22, "06/01 or 07/01"),
        BAD(MSG_JAN22, "06/01/2022 - 07/01/2022"),
        BAD(MSG_JAN22, "3-5 January 2022"),
        BAD(MSG_JAN22, "6th or 7th January 2022"),
        BAD(MSG_JAN22, "6-7/1/2022"),
        BAD(MSG_JAN22, "between 6/1/2022 and 8/1/2022"),
        BAD(MSG_JAN22, "12/01/2022"),          /* after the message */
        BAD(MSG_JAN22, "6/1/2023"),
        BAD(MSG_JAN22, "next Monday"),
        BAD(MSG_JAN22, "tomorrow"),
        BAD(MSG_JAN22, "01/01/1989"),
        BAD(MSG_JAN22, "Monday 6th January 2022"),  /* 6 January 2022 was a Thursday */
        BAD(MSG_JAN22, "Jan 22"),                   /* the 22nd, or 2022? */
        BAD(MSG_JAN22, "15:39"),
        BAD(MSG_JAN22, "2022"),
        BAD(MSG_JAN22, "the 6th"),
        BAD(MSG_JAN22, ""),
        BAD(MSG_JAN22, "   "),
        BAD(MSG_JAN22, "asdfgh"),
        BAD(MSG_JAN22, "6 janvier 2022"),
        BAD(MSG_JAN22, "\xc3\xa9t\xc3\xa9 \xe2\x98\x83 \xff\xfe"),
        BAD(MSG_JAN22, "6/1/2022 and 7/1/2022 and 8/1/2022 and 9/1/2022 and 6/1/2021 and 6/1/2020 and "
                       "6/1/2019 and 6/1/2018 and 6/1/2017 and 6/1/2016"),
        /* daylight saving, Europe/London */
        OKM(MSG_NOV22, "27/03/2022 00:30", "2022-03-27T00:30:00Z", false),
        OKM(MSG_NOV22, "27/03/2022 01:30", "2022-03-27T01:30:00Z", false),  /* gap: read as GMT */
        OKM(MSG_NOV22, "27/03/2022 02:30", "2022-03-27T01:30:00Z", false),
        OKM(MSG_NOV22, "30/10/2022 00:30", "2022-10-29T23:30:00Z", false),
        OKM(MSG_NOV22, "30/10/2022 01:30", "2022-10-30T00:30:00Z", false),  /* overlap: the earlier */
        OKM(MSG_NOV22, "30/10/2022 02:30", "2022-10-30T02:30:00Z", false),
        OKM(MSG_JAN23, "01/07/2022 15:39", "2022-07-01T14:39:00Z", false),
        OKM(MSG_JAN23, "01/12/2022 15:39", "2022-12-01T15:39:00Z", false),
        OKM(MSG_JAN23, "01/07/2022 15:39 UTC", "2022-07-01T15:39:00Z", false),
        OKDW(MSG_JAN23, "01/07/2022", "2022-07-01", false, "2022-06-30T23:00:00Z"),
        OKDW(MSG_NOV22, "30/10/2022", "2022-10-30", false, "2022-10-29T23:00:00Z"),
        OKDW(MSG_NOV22, "27/03/2022", "2022-03-27", false, "2022-03-27T00:00:00Z"),
        OKD(MSG_NOV22, "yesterday", "2022-11-14", false),
        OKD(MSG_NOV22, "Sunday", "2022-11-13", false),
};

static void check_date_consistency(const DateCase *c, const FieldValue *v)
{
        if (v->date_prec == DATE_MINUTE) {
                int64_t t = 0;
                tap_ok(v->canon && parse_iso_utc(v->canon, &t) == 0 && t == v->when,
                       "date \"%s\": when matches canon", c->text);
        } else if (v->date_prec == DATE_DAY) {
                char *day = tz_format(london, v->when, "%Y-%m-%d");
                tap_ok(tz_local_midnight(london, v->when) == v->when && v->canon && strcmp(day, v->canon) == 0,
                       "date \"%s\": when is the local midnight of canon", c->text);
                free(day);
        } else {
                TAP_INT_EQ(v->when, 0, "date \"%s\": when 0", c->text);
        }
}

static void test_dates(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(date_cases); i++) {
                const DateCase *c = &date_cases[i];
                ValueContext ctx = {.tz = london, .message_time = msg_times[c->msg]};
                FieldValue v = {.canon = xstrdup("stale"), .when = 42, .approx = true};
                int r = value_parse_date(c->text, &ctx, &v);
                TAP_INT_EQ(r, c->state == FV_OK ? 0 : -EINVAL, "date \"%s\": return", c->text);
                TAP_INT_EQ(v.state, c->state, "date \"%s\": state", c->text);
                TAP_INT_EQ(v.date_prec, c->prec, "date \"%s\": precision", c->text);
                TAP_STR_EQ(v.canon, c->canon, "date \"%s\": canon", c->text);
                TAP_INT_EQ(v.approx, c->approx, "date \"%s\": approx", c->text);
                if (c->when) {
                        char iso[32];
                        fmt_iso_utc(v.when, iso);
                        TAP_STR_EQ(iso, c->when, "date \"%s\": instant", c->text);
                }
                check_date_consistency(c, &v);
                free(v.canon);
        }
}

/* The time of finding out, read from a report's own words. */
static void test_aware_in_text(void)
{
        static const struct {
                const char *text, *when, *phrase;
                bool approx;
        } cases[] = {
                {"Hi, this morning at about 9.15 I realised I had emailed the SEN report for a pupil to the "
                 "wrong school. I have asked them to delete it.",
                 "2022-01-10T09:15:00Z", "this morning at about 9.15 I realised", true},
                {"A parent rang. I noticed at 2pm yesterday that the letter had gone to the wrong house.",
                 "2022-01-09T14:00:00Z", "I noticed at 2pm yesterday", false},
                {"It came to light on Friday. We discovered this morning about 9 that more went out.",
                 "2022-01-07T00:00:00Z", "It came to light on Friday", false},  /* the earliest */
                {"The letter was posted on 3 January and I noticed the mistake.", NULL, NULL, false},
                {"I noticed it at a meeting next Tuesday.", NULL, NULL, false},
                {"Yesterday I sent the list to the wrong parent.", NULL, NULL, false},  /* no finding out */
                {"I realised the mistake.", NULL, NULL, false},                         /* no time */
                {"I realised this tomorrow.", NULL, NULL, false},
                {"I hadn't noticed it on Friday.", NULL, NULL, false},
                {"Nobody had noticed yesterday.", NULL, NULL, false},
                {"An undiscovered error from yesterday.", NULL, NULL, false},
                {"I realised the letter I sent on Friday had the old address.", NULL, NULL, false},
                {"It is his date of birth, 3 March 2015, and I spotted it.", NULL, NULL, false},
                {"I noticed at approx. 9.15 this morning that it went next door.", "2022-01-10T09:15:00Z",
                 "I noticed at approx. 9.15 this morning", true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                ValueContext ctx = {.tz = london, .message_time = msg_times[MSG_JAN22]};
                FieldValue v = {.count = -1};
                char *phrase = NULL;
                int r = value_aware_in_text(cases[i].text, &ctx, &v, &phrase);
                if (!cases[i].when) {
                        TAP_INT_EQ(r, -ENOENT, "aware in \"%s\": none", cases[i].text);
                        tap_ok(!phrase, "aware in \"%s\": no phrase", cases[i].text);
                } else {
                        char iso[32];
                        fmt_iso_utc(v.when, iso);
                        TAP_INT_EQ(r, 0, "aware in \"%s\": found", cases[i].text);
                        TAP_STR_EQ(iso, cases[i].when, "aware in \"%s\": instant", cases[i].text);
                        TAP_INT_EQ(v.approx, cases[i].approx, "aware in \"%s\": approx", cases[i].text);
                        tap_ok(phrase && strstr(phrase, cases[i].phrase), "aware in \"%s\": phrase \"%s\"",
                               cases[i].text, phrase ? phrase : "(null)");
                }
                free(v.canon);
                free(phrase);
        }
}

static void test_dates_hostile(void)
{
        ValueContext ctx = {.tz = london, .message_time = msg_times[MSG_JAN22]};
        FieldValue v = {0};

        /* a page of text is not read as a date, even one that starts with a date */
        Buf b = {0};
        buf_puts(&b, "06/01/2022 ");
        for (int i = 0; i < 2000; i++)
                buf_puts(&b, "blah ");
        TAP_INT_EQ(value_parse_date(b.s, &ctx, &v), -EINVAL, "date: very long text is unclear");
        TAP_INT_EQ(v.state, FV_UNCLEAR, "date: very long text state");
        buf_free(&b);

        /* one enormous word, enormous numbers */
        char *huge = xmalloc(100001);
        memset(huge, 'x', 100000);
        huge[100000] = 0;
        TAP_INT_EQ(value_parse_date(huge, &ctx, &v), -EINVAL, "date: 100000-letter word");
        memset(huge, '9', 100000);
        TAP_INT_EQ(value_parse_date(huge, &ctx, &v), -EINVAL, "date: 100000-digit number");
        free(huge);
        TAP_INT_EQ(value_parse_date("99999999999999999999/1/2022", &ctx, &v), -EINVAL, "date: day overflow");
        TAP_INT_EQ(value_parse_date("6/1/99999", &ctx, &v), -EINVAL, "date: five-digit year");
        TAP_INT_EQ(value_parse_date(NULL, &ctx, &v), -EINVAL, "date: NULL text");
        ValueContext no_tz = {.message_time = msg_times[MSG_JAN22]};
        TAP_INT_EQ(value_parse_date("06/01/2022", &no_tz, &v), -EINVAL, "date: no zone");
        TAP_INT_EQ(value_parse_date("06/01/2022", NULL, &v), -EINVAL, "date: no context");
        TAP_INT_EQ(v.state, FV_UNCLEAR, "date: no context state");
        TAP_STR_EQ(v.canon, NULL, "date: no context canon");
}

/* ---- counts ------------------------------------------------------------- */

typedef struct {
        const char *text;
        FieldState state;
        int64_t count;
        bool approx;
        const char *canon;
} CountCase;

#define CNT(t, n, a, c) {t, FV_OK, n, a, c}
#define CBAD(t) {t, FV_UNCLEAR, -1, false, NULL}

static const CountCase count_cases[] = {
        CNT("1", 1, false, "1"),
        CNT("2", 2, false, "2"),
        CNT("0", 0, false, "0"),
        CNT("400", 400, false, "400"),
        CNT("about 30", 30, true, "30"),
        CNT("approx. 30", 30, true, "30"),
        CNT("Approximately 30", 30, true, "30"),
        CNT("c. 400", 400, true, "400"),
        CNT("c400", 400, true, "400"),
        CNT("circa 400", 400, true, "400"),
        CNT("~50", 50, true, "50"),
        CNT("10,000", 10000, false, "10000"),
        CNT("10,000+", 10000, true, "10000"),
        CNT("1,234,567", 1234567, false, "1234567"),
        CNT("100 plus", 100, true, "100"),
        CNT("over 100", 100, true, "100"),
        CNT("more than 100", 100, true, "100"),
        CNT("at least 5", 5, true, "5"),
        CNT("up to 20", 20, true, "20"),
        CNT("less than 10", 10, true, "10"),
        CNT("50-60", 50, true, "50"),
        CNT("50 \xe2\x80\x93 60", 50, true, "50"),
        CNT("60 to 50", 50, true, "50"),
        CNT("between 50 and 60", 50, true, "50"),
        CNT("2 or 3", 2, true, "2"),
        CNT("1.5k", 1500, false, "1500"),
        CNT("2 million", 2000000, false, "2000000"),
        CNT("one", 1, false, "1"),
        CNT("Two", 2, false, "2"),
        CNT("twelve", 12, false, "12"),
        CNT("twenty", 20, false, "20"),
        CNT("twenty-five", 25, false, "25"),
        CNT("ninety nine", 99, false, "99"),
        CNT("hundred", 100, false, "100"),
        CNT("a hundred", 100, false, "100"),
        CNT("two hundred", 200, false, "200"),
        CNT("two hundred and fifty", 250, false, "250"),
        CNT("a thousand", 1000, false, "1000"),
        CNT("a dozen", 12, false, "12"),
        CNT("several", 2, true, "2"),
        CNT("a few", 2, true, "2"),
        CNT("hundreds", 100, true, "100"),
        CNT("none", 0, false, "0"),
        CNT("no one", 0, false, "0"),
        CNT("3 pupils", 3, false, "3"),
        CNT("3 pupils and their parents", 3, true, "3"),
        CNT("3 pupils and 6 parents", 3, true, "3"),
        CNT("five (5)", 5, false, "5"),
        CNT("1 x child", 1, false, "1"),
        CNT("The email was sent to 45 parents on 6/1/2022", 45, true, "45"),
        CNT("Year 6 class - 30 pupils", 30, false, "30"),
        CNT("30 (approx)", 30, true, "30"),
        CNT("120 records in total", 120, false, "120"),
        CNT("TBC", -1, false, "unknown"),
        CNT("tbc", -1, false, "unknown"),
        CNT("unknown", -1, false, "unknown"),
        CNT("Not known", -1, false, "unknown"),
        CNT("not yet known - investigating", -1, false, "unknown"),
        CBAD("lots"),
        CBAD("garbage"),
        CBAD(""),
        CBAD("-"),
        CBAD("06/01/2022"),
        CBAD("99999999999999999999"),
        CBAD("5000000000000"),
        CBAD("\xe2\x98\x83\xe2\x98\x83"),
};

static void test_counts(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(count_cases); i++) {
                const CountCase *c = &count_cases[i];
                FieldValue v = {.canon = xstrdup("stale"), .count = 77, .approx = !c->approx};
                int r = value_parse_count(c->text, &v);
                TAP_INT_EQ(r, c->state == FV_OK ? 0 : -EINVAL, "count \"%s\": return", c->text);
                TAP_INT_EQ(v.state, c->state, "count \"%s\": state", c->text);
                TAP_INT_EQ(v.count, c->count, "count \"%s\": count", c->text);
                TAP_INT_EQ(v.approx, c->approx, "count \"%s\": approx", c->text);
                TAP_STR_EQ(v.canon, c->canon, "count \"%s\": canon", c->text);
                free(v.canon);
        }
        FieldValue v = {0};
        TAP_INT_EQ(value_parse_count(NULL, &v), -EINVAL, "count: NULL text");
        char *huge = xmalloc(50001);
        memset(huge, '7', 50000);
        huge[50000] = 0;
        TAP_INT_EQ(value_parse_count(huge, &v), -EINVAL, "count: 50000-digit number");
        free(huge);
}

/* ---- yes / no ----------------------------------------------------------- */

/* Issue 15: "about 30" is approximate, "10,000+" a lower bound, and each
 * is said so in the same words everywhere (value_count_words()); "TBC"
 * stays no number. */
static const struct {
        const char *text;
        bool approx, at_least;
        const char *words;   /* NULL: no number */
} bound_cases[] = {
        {"30", false, false, "30"},
        {"10000", false, false, "10,000"},
        {"about 30", true, false, "about 30"},
        {"c. 200", true, false, "about 200"},
        {"approx. 30", true, false, "about 30"},
        {"~50", true, false, "about 50"},
        {"nearly 100", true, false, "about 100"},
        {"up to 20", true, false, "about 20"},
        {"no more than 20", true, false, "about 20"},
        {"more or less 30", true, false, "about 30"},
        {"1.5k", false, false, "1,500"},
        {"10,000+", true, true, "at least 10,000"},
        {"1,234,567+", true, true, "at least 1,234,567"},
        {"100 plus", true, true, "at least 100"},
        {"over 100", true, true, "at least 100"},
        {"more than 100", true, true, "at least 100"},
        {"at least 5", true, true, "at least 5"},
        {"in excess of 1000", true, true, "at least 1,000"},
        {"200 or more", true, true, "at least 200"},
        {"18 and over", true, true, "at least 18"},
        {"20 (minimum)", true, true, "at least 20"},
        {"50-60", true, true, "at least 50"},
        {"between 50 and 60", true, true, "at least 50"},
        {"several", true, true, "at least 2"},
        {"hundreds", true, true, "at least 100"},
        {"about 30+", true, true, "at least 30"},
        {"3 pupils and their parents", true, true, "at least 3"},
        {"One service user and their daughter.", true, true, "at least 1"},
        {"30 records as well as the backup copy", true, true, "at least 30"},
        {"The email was sent to 45 parents on 6/1/2022", true, false, "about 45"},
        {"two hundred and fifty", false, false, "250"},
        {"none", false, false, "0"},
        {"TBC", false, false, NULL},
        {"unknown", false, false, NULL},
};

static void test_count_bounds(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(bound_cases); i++) {
                FieldValue v = {.count = 77, .approx = true, .at_least = true};
                TAP_INT_EQ(value_parse_count(bound_cases[i].text, &v), 0, "bound \"%s\": read", bound_cases[i].text);
                TAP_INT_EQ(v.approx, bound_cases[i].approx, "bound \"%s\": approx", bound_cases[i].text);
                TAP_INT_EQ(v.at_least, bound_cases[i].at_least, "bound \"%s\": at_least", bound_cases[i].text);
                char *w = value_count_words(&v);
                TAP_STR_EQ(w, bound_cases[i].words, "bound \"%s\": said as", bound_cases[i].text);
                free(w);
                free(v.canon);
        }
        /* Dates as staff write them when they are not sure (the reading
         * is approximate), and a date reading clears a lower bound left in
         * the same value. */
        static const struct { const char *text, *canon; } dates[] = {
                {"approx. March", "2022-03-01"},
                {"around 3 March", "2022-03-03"},
                {"early March", "2022-03-01"},
                {"3 March 2022 about 2pm", "2022-03-03T14:00:00Z"},
                {"about 2pm on 3/3/2022", "2022-03-03T14:00:00Z"},
                {"c. 3/3/2022", "2022-03-03"},
        };
        ValueContext ctx = {.tz = london, .message_time = msg_times[MSG_NOV22]};
        for (size_t i = 0; i < ARRAY_SIZE(dates); i++) {
                FieldValue v = {.at_least = true};
                TAP_INT_EQ(value_parse_date(dates[i].text, &ctx, &v), 0, "date \"%s\": read", dates[i].text);
                TAP_STR_EQ(v.canon, dates[i].canon, "date \"%s\": canon", dates[i].text);
                TAP_INT_EQ(v.approx, true, "date \"%s\": approximate", dates[i].text);
                TAP_INT_EQ(v.at_least, false, "date \"%s\": no lower bound", dates[i].text);
                free(v.canon);
        }
}

static void test_yesno(void)
{
        static const struct { const char *text; const char *want; } cases[] = {
                {"yes", "yes"}, {"Yes", "yes"}, {"YES.", "yes"}, {"y", "yes"}, {"Y", "yes"},
                {"true", "yes"}, {"Yes - health data", "yes"}, {"yes, mental health", "yes"},
                {"  - yes", "yes"}, {"\xe2\x80\xa2 Yes", "yes"}, {"yeah", "yes"},
                {"no", "no"}, {"No", "no"}, {"n", "no"}, {"N", "no"}, {"false", "no"}, {"nope", "no"},
                {"N/A", "no"}, {"n/a", "no"}, {"Not applicable", "no"}, {"None", "no"},
                {"No - names only", "no"}, {"I don't think so", "no"}, {"Not that I know of", "no"},
                {"unknown", "unknown"}, {"Unknown", "unknown"}, {"not sure", "unknown"},
                {"Not sure yet", "unknown"}, {"don't know", "unknown"}, {"Don\xe2\x80\x99t know", "unknown"},
                {"not known", "unknown"}, {"No idea", "unknown"}, {"TBC", "unknown"}, {"maybe", "unknown"},
                {"possibly", "unknown"}, {"?", "unknown"},
                {"Yes/No", NULL}, {"Y/N", NULL}, {"yes or no", NULL}, {"banana", NULL}, {"", NULL},
                {"   ", NULL}, {"health data", NULL}, {"\xc3\xa9\xc3\xa9", NULL}, {"yess", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *got = "untouched";
                int r = value_parse_yesno(cases[i].text, &got);
                TAP_INT_EQ(r, cases[i].want ? 0 : -EINVAL, "yesno \"%s\": return", cases[i].text);
                TAP_STR_EQ(got, cases[i].want ? cases[i].want : "untouched", "yesno \"%s\": value",
                           cases[i].text);
        }
}

/* ---- directorates ------------------------------------------------------- */

static Directorate dirs[6];

static void init_dirs(void)
{
        dirs[0].name = xstrdup("Adult Social Care");
        strlist_add(&dirs[0].abbreviations, "ASC");
        dirs[1].name = xstrdup("Children, Young People and Education");
        strlist_add(&dirs[1].abbreviations, "CYPE");
        dirs[2].name = xstrdup("Children's Services");
        dirs[3].name = xstrdup("Growth, Environment & Transport");
        strlist_add(&dirs[3].abbreviations, "GET");
        strlist_add(&dirs[3].abbreviations, "G.E.T.");
        dirs[4].name = xstrdup("Chief Executive's Department");
        strlist_add(&dirs[4].abbreviations, "CED");
        dirs[5].name = xstrdup("Corporate Services");
}

static void free_dirs(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                free(dirs[i].name);
                strlist_free(&dirs[i].abbreviations);
        }
}

static void test_directorates(void)
{
        static const struct { const char *text; int want; } cases[] = {
                {"Adult Social Care", 0}, {"adult social care", 0}, {"ADULT  SOCIAL-CARE", 0},
                {"Adult Social Care Directorate", 0}, {"ASC", 0}, {"a.s.c.", 0}, {"asc", 0},
                {"Adult Social Care (ASC)", 0}, {"ASC - Safeguarding team", 0}, {"Adult Social", 0},
                {"Social Care", 0},
                {"Children, Young People and Education", 1}, {"Children Young People & Education", 1},
                {"children, young people & education", 1}, {"CYPE", 1}, {"Education", 1},
                {"Childrens Services", 2}, {"Children's Services", 2}, {"Children\xe2\x80\x99s Services", 2},
                {"childrens service", 2},
                {"Growth, Environment and Transport", 3}, {"Growth Environment Transport", 3}, {"GET", 3},
                {"Chief Executive's Department", 4}, {"Chief Executives", 4}, {"CED", 4},
                {"Corporate Services", 5}, {"Corp", 5}, {"corporate", 5},
                {"Children", -1},     /* two directorates start so */
                {"Services", -1},
                {"Finance", -1}, {"", -1}, {"   ", -1}, {"---", -1}, {"XYZ", -1},
                {"\xe2\x98\x83", -1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *got = "untouched";
                int r = value_match_directorate(cases[i].text, dirs, ARRAY_SIZE(dirs), &got);
                TAP_INT_EQ(r, cases[i].want >= 0 ? 0 : -ENOENT, "directorate \"%s\": return", cases[i].text);
                TAP_STR_EQ(got, cases[i].want >= 0 ? dirs[cases[i].want].name : "untouched",
                           "directorate \"%s\": name", cases[i].text);
        }
        const char *got = NULL;
        TAP_INT_EQ(value_match_directorate("Adult Social Care", dirs, 0, &got), -ENOENT,
                   "directorate: empty list matches nothing");
}

/* ---- enums -------------------------------------------------------------- */

static void test_enums(void)
{
        static const struct { FieldType type; const char *text; const char *want; } cases[] = {
                {FT_BREACH_TYPE, "Disclosed in error", "Disclosed in error"},
                {FT_BREACH_TYPE, "disclosed in error", "Disclosed in error"},
                {FT_BREACH_TYPE, "DISCLOSED IN ERROR.", "Disclosed in error"},
                {FT_BREACH_TYPE, "Sent to wrong person", "Disclosed in error"},
                {FT_BREACH_TYPE, "wrong recipient", "Disclosed in error"},
                {FT_BREACH_TYPE, "Email sent to the wrong recipient", "Disclosed in error"},
                {FT_BREACH_TYPE, "Letter posted to incorrect address", "Disclosed in error"},
                {FT_BREACH_TYPE, "cc instead of bcc", "Disclosed in error"},
                {FT_BREACH_TYPE, "Wrong attachment", "Disclosed in error"},
                {FT_BREACH_TYPE, "Confidential waste left in street", "Non-secure disposal of paperwork"},
                {FT_BREACH_TYPE, "Staff member accessed records without a business need",
                 "Unauthorised access or disclosure"},
                {FT_BREACH_TYPE, "hacking", "Technical security failure (including hacking)"},
                {FT_BREACH_TYPE, "Cyber attack", "Technical security failure (including hacking)"},
                {FT_BREACH_TYPE, "Technical security failure", "Technical security failure (including hacking)"},
                {FT_BREACH_TYPE, "Technical security failure (including hacking)",
                 "Technical security failure (including hacking)"},
                {FT_BREACH_TYPE, "phishing email", "Technical security failure (including hacking)"},
                {FT_BREACH_TYPE, "Lost or stolen hardware", "Lost or stolen hardware"},
                {FT_BREACH_TYPE, "Lost/stolen hardware", "Lost or stolen hardware"},
                {FT_BREACH_TYPE, "Stolen laptop", "Lost or stolen hardware"},
                {FT_BREACH_TYPE, "Paperwork left on train", "Lost or stolen paperwork"},
                {FT_BREACH_TYPE, "Lost in the post", "Lost in transit"},
                {FT_BREACH_TYPE, "lost in transit", "Lost in transit"},
                {FT_BREACH_TYPE, "Unauthorized access or disclosure", "Unauthorised access or disclosure"},
                {FT_BREACH_TYPE, "inappropriate access to records", "Unauthorised access or disclosure"},
                {FT_BREACH_TYPE, "Non secure disposal of paperwork", "Non-secure disposal of paperwork"},
                {FT_BREACH_TYPE, "Documents put in the general waste bin", "Non-secure disposal of paperwork"},
                {FT_BREACH_TYPE, "old PCs sold without wiping the disks", "Non-secure disposal of hardware"},
                {FT_BREACH_TYPE, "Uploaded to website in error", "Uploaded to website in error"},
                {FT_BREACH_TYPE, "Published on school website by mistake", "Uploaded to website in error"},
                {FT_BREACH_TYPE, "corrupted data", "Corruption or inability to recover electronic data"},
                {FT_BREACH_TYPE, "Other", "Other"},
                {FT_BREACH_TYPE, "Other - see notes", "Other"},
                {FT_BREACH_TYPE, "lost", NULL},
                {FT_BREACH_TYPE, "Lost or stolen", NULL},
                {FT_BREACH_TYPE, "banana", NULL},
                {FT_BREACH_TYPE, "", NULL},
                {FT_MEDIUM, "Email", "Email"},
                {FT_MEDIUM, "e-mail", "Email"},
                {FT_MEDIUM, "EMAILS", "Email"},
                {FT_MEDIUM, "email attachment (spreadsheet)", "Email"},
                {FT_MEDIUM, "phone", "Mobile"},
                {FT_MEDIUM, "Mobile phone", "Mobile"},
                {FT_MEDIUM, "text message", "Mobile"},
                {FT_MEDIUM, "post", "Letter"},
                {FT_MEDIUM, "Letters", "Letter"},
                {FT_MEDIUM, "Paper", "Paper"},
                {FT_MEDIUM, "hard copy", "Paper"},
                {FT_MEDIUM, "paper files", "Paper"},
                {FT_MEDIUM, "Verbal", "Verbal"},
                {FT_MEDIUM, "phone call", "Verbal"},
                {FT_MEDIUM, "Laptop", "Laptop"},
                {FT_MEDIUM, "Electronic", "Electronic"},
                {FT_MEDIUM, "spreadsheet", "Electronic"},
                {FT_MEDIUM, "email and paper", "Multiple"},
                {FT_MEDIUM, "paper/electronic", "Multiple"},
                {FT_MEDIUM, "Multiple", "Multiple"},
                {FT_MEDIUM, "banana", NULL},
                {FT_MEDIUM, "", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *got = "untouched";
                int r = value_match_enum(cases[i].text, cases[i].type, &got);
                TAP_INT_EQ(r, cases[i].want ? 0 : -ENOENT, "enum \"%s\": return", cases[i].text);
                TAP_STR_EQ(got, cases[i].want ? cases[i].want : "untouched", "enum \"%s\": value",
                           cases[i].text);
        }
        const char *got = NULL;
        TAP_INT_EQ(value_match_enum("Email", FT_TEXT, &got), -EINVAL, "enum: wrong type");
        size_t n = 0;
        while (breach_type_names[n])
                n++;
        TAP_INT_EQ(n, 11, "enum A has 11 names");
        n = 0;
        while (medium_names[n])
                n++;
        TAP_INT_EQ(n, 8, "enum B has 8 names");
        /* every canonical name matches itself */
        for (size_t i = 0; breach_type_names[i]; i++) {
                got = NULL;
                value_match_enum(breach_type_names[i], FT_BREACH_TYPE, &got);
                TAP_STR_EQ(got, breach_type_names[i], "breach type \"%s\" matches itself", breach_type_names[i]);
        }
        for (size_t i = 0; medium_names[i]; i++) {
                got = NULL;
                value_match_enum(medium_names[i], FT_MEDIUM, &got);
                TAP_STR_EQ(got, medium_names[i], "medium \"%s\" matches itself", medium_names[i]);
        }
}

/* ---- categories --------------------------------------------------------- */

static void test_categories(void)
{
        static const struct { FieldType type; const char *text; const char *want; } cases[] = {
                {FT_DATA_CATEGORIES, "names and addresses", "basic personal identifiers"},
                {FT_DATA_CATEGORIES, "medical", "health"},
                {FT_DATA_CATEGORIES, "Names, dates of birth, medical information",
                 "basic personal identifiers, health"},
                {FT_DATA_CATEGORIES, "Medical information; names", "basic personal identifiers, health"},
                {FT_DATA_CATEGORIES, "bank details; NI number", "economic and financial data, official documents"},
                {FT_DATA_CATEGORIES, "criminal convictions and offences", "criminal convictions and offences"},
                {FT_DATA_CATEGORIES, "usernames/passwords", "identification data such as usernames or passwords"},
                {FT_DATA_CATEGORIES, "religious or philosophical beliefs", "religious or philosophical beliefs"},
                {FT_DATA_CATEGORIES, "sex life or orientation", "sex life, sexual orientation"},
                {FT_DATA_CATEGORIES, "ethnicity & religion",
                 "racial or ethnic origin, religious or philosophical beliefs"},
                {FT_DATA_CATEGORIES, "\xe2\x80\xa2 Names \xe2\x80\xa2 Health data", "basic personal identifiers, health"},
                {FT_DATA_CATEGORIES, "names, shoe size", "basic personal identifiers, other"},
                {FT_DATA_CATEGORIES, "N/K", "not yet known"},
                {FT_DATA_CATEGORIES, "Other", "other"},
                {FT_DATA_CATEGORIES, "shoe size", NULL},
                {FT_DATA_CATEGORIES, "", NULL},
                {FT_DATA_CATEGORIES, ",,,;;", NULL},
                {FT_SUBJECT_CATEGORIES, "pupils", "pupils or students"},
                {FT_SUBJECT_CATEGORIES, "Parents", "parents or carers"},
                {FT_SUBJECT_CATEGORIES, "3 pupils and their parents", "pupils or students, parents or carers"},
                {FT_SUBJECT_CATEGORIES, "staff", "employees"},
                {FT_SUBJECT_CATEGORIES, "members of the public", "residents"},
                {FT_SUBJECT_CATEGORIES, "Service users", "service users"},
                {FT_SUBJECT_CATEGORIES, "patients", "patients"},
                {FT_SUBJECT_CATEGORIES, "vulnerable adults", "vulnerable adults"},
                {FT_SUBJECT_CATEGORIES, "looked after children", "children"},
                {FT_SUBJECT_CATEGORIES, "customers; employees", "employees, customers"},
                {FT_SUBJECT_CATEGORIES, "pupils, aliens", "pupils or students, other"},
                {FT_SUBJECT_CATEGORIES, "aliens", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *got = NULL;
                int r = value_match_categories(cases[i].text, cases[i].type, &got);
                TAP_INT_EQ(r, cases[i].want ? 0 : -ENOENT, "categories \"%s\": return", cases[i].text);
                TAP_STR_EQ(got, cases[i].want, "categories \"%s\": value", cases[i].text);
                free(got);
        }
        char *got = NULL;
        TAP_INT_EQ(value_match_categories("health", FT_MEDIUM, &got), -EINVAL, "categories: wrong type");
        /* every canonical name matches itself */
        for (size_t i = 0; data_category_names[i]; i++) {
                got = NULL;
                value_match_categories(data_category_names[i], FT_DATA_CATEGORIES, &got);
                TAP_STR_EQ(got, data_category_names[i], "data category \"%s\" matches itself",
                           data_category_names[i]);
                free(got);
        }
        for (size_t i = 0; subject_category_names[i]; i++) {
                got = NULL;
                value_match_categories(subject_category_names[i], FT_SUBJECT_CATEGORIES, &got);
                TAP_STR_EQ(got, subject_category_names[i], "subject category \"%s\" matches itself",
                           subject_category_names[i]);
                free(got);
        }
}

/* ---- added by the form reader's issue ---------------------------------- */

static void test_reader_additions(void)
{
        FieldValue v = {.count = -1};
        TAP_INT_EQ(value_count_in_text("3 pupils and their parents", &v), 0, "count in text: a number");
        TAP_INT_EQ(v.count, 3, "count in text: its value");
        TAP_INT_EQ(v.approx, true, "count in text: more than one word follows");
        TAP_INT_EQ(value_count_in_text("two families", &v), 0, "count in text: a number word");
        TAP_INT_EQ(v.count, 2, "count in text: its value");
        TAP_INT_EQ(value_count_in_text("several residents", &v), -EINVAL, "count in text: \"several\" is no number");
        TAP_INT_EQ(value_count_in_text("not known yet", &v), -EINVAL, "count in text: unknown is no number");
        TAP_INT_EQ(value_count_in_text("Year 6 pupils", &v), -EINVAL, "count in text: \"Year 6\" is no count");
        free(v.canon);

        const char *got = NULL;
        TAP_INT_EQ(value_match_directorate("corp services", dirs, ARRAY_SIZE(dirs), &got), 0,
                   "directorate: shortened words");
        TAP_STR_EQ(got, "Corporate Services", "directorate: shortened words match");
        got = NULL;
        TAP_INT_EQ(value_match_directorate("adult soc care", dirs, ARRAY_SIZE(dirs), &got), 0,
                   "directorate: every word shortened");
        TAP_STR_EQ(got, "Adult Social Care", "directorate: every word shortened matches");

        ValueContext ctx = {.tz = london, .message_time = msg_times[MSG_JAN22], .directorates = dirs,
                            .n_directorates = ARRAY_SIZE(dirs)};
        FormRecord r;
        form_record_init(&r);
        form_record_set(&r, F_SPECIAL_CATEGORY, "Health information");
        form_record_set(&r, F_VULNERABLE_SUBJECTS, "A child in care");
        form_record_set(&r, F_ONGOING, "\xe2\x98\x90 Yes \xe2\x98\x92 No");
        form_record_set(&r, F_MEDIUM, "[ ] Email [x] Letter");
        form_record_set(&r, F_BREACH_TYPE, "\xe2\x98\x90 Lost in transit \xe2\x98\x90 Other");
        form_record_set(&r, F_CYBER_INCIDENT, "not the answer: \xe2\x98\x92 Yes");
        values_interpret(&r, &ctx);
        TAP_STR_EQ(r.f[F_SPECIAL_CATEGORY].canon, "yes", "implied yes: naming health data");
        TAP_STR_EQ(r.f[F_VULNERABLE_SUBJECTS].canon, "yes", "implied yes: naming a child");
        TAP_STR_EQ(r.f[F_ONGOING].canon, "no", "tick boxes: the ticked option");
        TAP_STR_EQ(r.f[F_MEDIUM].canon, "Letter", "tick boxes: [x]");
        TAP_INT_EQ(r.f[F_BREACH_TYPE].state, FV_UNCLEAR, "tick boxes: none ticked is unclear");
        TAP_STR_EQ(r.f[F_CYBER_INCIDENT].canon, "yes", "tick boxes: only what follows the tick counts");
        TAP_STR_EQ(r.f[F_ONGOING].text, "\xe2\x98\x90 Yes \xe2\x98\x92 No", "tick boxes: text kept as given");
        form_record_free(&r);
}

/* ---- the whole record --------------------------------------------------- */

static void test_interpret(void)
{
        ValueContext ctx = {.tz = london,
                            .message_time = msg_times[MSG_JAN22],
                            .directorates = dirs,
                            .n_directorates = ARRAY_SIZE(dirs)};
        FormRecord r;
        form_record_init(&r);
        form_record_set(&r, F_REPORTER_NAME, "Jo Bloggs");
        form_record_set(&r, F_DIRECTORATE, "asc");
        form_record_set(&r, F_BREACH_TYPE, "sent to wrong person");
        form_record_set(&r, F_MEDIUM, "e-mail");
        form_record_set(&r, F_OCCURRED_AT, "6th January 2022 at 3.39pm");
        form_record_set(&r, F_AWARE_AT, "31/02/2022");
        form_record_set(&r, F_INDIVIDUALS_COUNT, "c. 400");
        form_record_set(&r, F_RECORDS_COUNT, "TBC");
        form_record_set(&r, F_SPECIAL_CATEGORY, "Yes - health data");
        form_record_set(&r, F_ONGOING, "Yes/No");
        form_record_set(&r, F_DATA_CATEGORIES, "- names\n- addresses\n- medical info");
        form_record_set(&r, F_SUBJECT_CATEGORIES, "pupils");
        values_interpret(&r, &ctx);

        TAP_INT_EQ(r.f[F_REPORTER_NAME].state, FV_OK, "record: text field ok");
        TAP_STR_EQ(r.f[F_REPORTER_NAME].canon, NULL, "record: text field has no canon");
        TAP_STR_EQ(r.f[F_DIRECTORATE].canon, "Adult Social Care", "record: directorate");
        TAP_STR_EQ(r.f[F_BREACH_TYPE].canon, "Disclosed in error", "record: breach type");
        TAP_STR_EQ(r.f[F_MEDIUM].canon, "Email", "record: medium");
        TAP_STR_EQ(r.f[F_OCCURRED_AT].canon, "2022-01-06T15:39:00Z", "record: occurred_at");
        TAP_INT_EQ(r.f[F_OCCURRED_AT].when, utc(2022, 1, 6, 15, 39), "record: occurred_at instant");
        TAP_INT_EQ(r.f[F_OCCURRED_AT].date_prec, DATE_MINUTE, "record: occurred_at precision");
        TAP_INT_EQ(r.f[F_AWARE_AT].state, FV_UNCLEAR, "record: impossible aware_at unclear");
        TAP_STR_EQ(r.f[F_AWARE_AT].text, "31/02/2022", "record: unclear text kept");
        TAP_STR_EQ(r.f[F_AWARE_AT].canon, NULL, "record: unclear date has no canon");
        TAP_INT_EQ(r.f[F_INDIVIDUALS_COUNT].count, 400, "record: count");
        TAP_INT_EQ(r.f[F_INDIVIDUALS_COUNT].approx, true, "record: count approx");
        TAP_INT_EQ(r.f[F_RECORDS_COUNT].count, -1, "record: TBC count");
        TAP_STR_EQ(r.f[F_RECORDS_COUNT].canon, "unknown", "record: TBC canon");
        TAP_INT_EQ(r.f[F_RECORDS_COUNT].state, FV_OK, "record: TBC state");
        TAP_STR_EQ(r.f[F_SPECIAL_CATEGORY].canon, "yes", "record: yes/no");
        TAP_INT_EQ(r.f[F_ONGOING].state, FV_UNCLEAR, "record: Yes/No unclear");
        TAP_STR_EQ(r.f[F_DATA_CATEGORIES].canon, "basic personal identifiers, health", "record: data categories");
        TAP_STR_EQ(r.f[F_SUBJECT_CATEGORIES].canon, "pupils or students", "record: subject categories");
        TAP_INT_EQ(r.f[F_TEAM].state, FV_ABSENT, "record: absent field left alone");
        TAP_STR_EQ(r.f[F_TEAM].canon, NULL, "record: absent field has no canon");

        /* interpreting twice gives the same answer and leaks nothing */
        values_interpret(&r, &ctx);
        TAP_STR_EQ(r.f[F_DIRECTORATE].canon, "Adult Social Care", "record: second pass directorate");
        TAP_STR_EQ(r.f[F_OCCURRED_AT].canon, "2022-01-06T15:39:00Z", "record: second pass date");

        /* unknown directorate: unclear; no directorates configured: taken as given */
        free(r.f[F_DIRECTORATE].text);
        r.f[F_DIRECTORATE].text = xstrdup("Ministry of Magic");
        values_interpret(&r, &ctx);
        TAP_INT_EQ(r.f[F_DIRECTORATE].state, FV_UNCLEAR, "record: unknown directorate unclear");
        TAP_STR_EQ(r.f[F_DIRECTORATE].canon, NULL, "record: unknown directorate no canon");
        ctx.n_directorates = 0;
        values_interpret(&r, &ctx);
        TAP_INT_EQ(r.f[F_DIRECTORATE].state, FV_OK, "record: no configured directorates: ok");
        TAP_STR_EQ(r.f[F_DIRECTORATE].canon, "Ministry of Magic", "record: no configured directorates: as given");
        form_record_free(&r);
}

/* ---- a question asked the other way round -------------------------------- */

static void test_negated(void)
{
        static const struct {
                const char *text, *want_text, *want_canon; /* canon NULL: unclear */
        } cases[] = {
                {"Yes", "No (asked \"Has the breach been contained?\"): Yes", "no"},
                {"Yes, the email was recalled",
                 "No (asked \"Has the breach been contained?\"): Yes, the email was recalled", "no"},
                {"No", "Yes (asked \"Has the breach been contained?\"): No", "yes"},
                {"Not yet", "Yes (asked \"Has the breach been contained?\"): Not yet", "yes"},
                {"Unknown", "Unknown", "unknown"},
                {"Not sure", "Not sure", "unknown"},
                {"Partly", "Yes, in part (asked \"Has the breach been contained?\"): Partly", "yes"},
                {"Yes, partially", "Yes, in part (asked \"Has the breach been contained?\"): Yes, partially",
                 "yes"},
                {"Not fully", "Yes, in part (asked \"Has the breach been contained?\"): Not fully", "yes"},
                {"\xe2\x98\x92 Yes \xe2\x98\x90 No", "No (asked \"Has the breach been contained?\"): Yes", "no"},
                {"The email was recalled", "(asked \"Has the breach been contained?\"): The email was recalled",
                 NULL},
        };
        ValueContext ctx = {.tz = london, .message_time = msg_times[MSG_JAN22]};
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *t = values_negated_answer("Has the breach\n been contained ?", cases[i].text);
                TAP_STR_EQ(t, cases[i].want_text, "negated: \"%s\" as text", cases[i].text);
                FormRecord r;
                form_record_init(&r);
                form_record_set(&r, F_ONGOING, t);
                values_interpret(&r, &ctx);
                TAP_STR_EQ(r.f[F_ONGOING].canon, cases[i].want_canon, "negated: \"%s\" means", cases[i].text);
                /* the register keeps the text: read again, it means the same */
                values_interpret(&r, &ctx);
                TAP_STR_EQ(r.f[F_ONGOING].canon, cases[i].want_canon, "negated: \"%s\" read again", cases[i].text);
                form_record_free(&r);
        }
}

int main(void)
{
        if (tz_open("Europe/London", &london) < 0) {
                printf("Bail out! no Europe/London zone\n");
                return 1;
        }
        init_msg_times();
        init_dirs();
        test_dates();
        test_aware_in_text();
        test_dates_hostile();
        test_counts();
        test_count_bounds();
        test_yesno();
        test_directorates();
        test_enums();
        test_categories();
        test_interpret();
        test_reader_additions();
        test_negated();
        free_dirs();
        tz_free(london);
        return tap_done();
}
