/* test_tz.c — the time-zone module: opening zones, wall clock <-> UTC
 * across daylight-saving changes, formatting, local midnight. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "base/tz.h"
#include "base/util.h"

/* UTC seconds from calendar fields, by libc, independent of tz.c. */
static int64_t utc(int y, int m, int d, int h, int mi)
{
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
        return (int64_t)timegm(&tm);
}

static void test_open(void)
{
        Tz *tz = (Tz *)&tz;  /* a sentinel: must be left alone on failure */
        TAP_INT_EQ(tz_open("Europe/Londn", &tz), -EINVAL, "open: unknown zone");
        tap_ok(tz == (Tz *)&tz, "open: ret untouched on failure");
        TAP_INT_EQ(tz_open("", &tz), -EINVAL, "open: empty name");
        TAP_INT_EQ(tz_open(NULL, &tz), -EINVAL, "open: NULL name");
        TAP_INT_EQ(tz_open("Not/A/Zone/At/All", &tz), -EINVAL, "open: nonsense name");
        TAP_INT_EQ(tz_open("Europe/London", &tz), 0, "open: Europe/London");
        TAP_STR_EQ(tz_name(tz), "Europe/London", "open: name kept");
        tz_free(tz);
        TAP_INT_EQ(tz_open("UTC", &tz), 0, "open: UTC");
        tz_free(tz);
        tz_free(NULL);
}

typedef struct {
        const char *zone;
        int y, m, d, h, mi;
        int r;
        int64_t want;
} L2U;

static void test_local_to_utc(void)
{
        const L2U cases[] = {
                {"Europe/London", 2022, 1, 6, 15, 39, 0, utc(2022, 1, 6, 15, 39)},
                {"Europe/London", 2022, 7, 1, 15, 39, 0, utc(2022, 7, 1, 14, 39)},
                {"Europe/London", 2022, 12, 1, 15, 39, 0, utc(2022, 12, 1, 15, 39)},
                /* spring forward, 27 March 2022 01:00 GMT -> 02:00 BST */
                {"Europe/London", 2022, 3, 27, 0, 59, 0, utc(2022, 3, 27, 0, 59)},
                {"Europe/London", 2022, 3, 27, 1, 0, 0, utc(2022, 3, 27, 1, 0)},   /* gap: as GMT */
                {"Europe/London", 2022, 3, 27, 1, 30, 0, utc(2022, 3, 27, 1, 30)}, /* gap: as GMT */
                {"Europe/London", 2022, 3, 27, 2, 0, 0, utc(2022, 3, 27, 1, 0)},
                {"Europe/London", 2022, 3, 27, 2, 30, 0, utc(2022, 3, 27, 1, 30)},
                /* fall back, 30 October 2022 02:00 BST -> 01:00 GMT */
                {"Europe/London", 2022, 10, 30, 0, 30, 0, utc(2022, 10, 29, 23, 30)},
                {"Europe/London", 2022, 10, 30, 1, 0, 0, utc(2022, 10, 30, 0, 0)},   /* overlap: earlier */
                {"Europe/London", 2022, 10, 30, 1, 30, 0, utc(2022, 10, 30, 0, 30)}, /* overlap: earlier */
                {"Europe/London", 2022, 10, 30, 2, 0, 0, utc(2022, 10, 30, 2, 0)},
                /* elsewhere: the same rules, other offsets */
                {"UTC", 2022, 3, 27, 1, 30, 0, utc(2022, 3, 27, 1, 30)},
                {"Asia/Kolkata", 2022, 1, 6, 15, 39, 0, utc(2022, 1, 6, 10, 9)},
                {"America/New_York", 2022, 3, 13, 2, 30, 0, utc(2022, 3, 13, 7, 30)},  /* gap: as EST */
                {"America/New_York", 2022, 11, 6, 1, 30, 0, utc(2022, 11, 6, 5, 30)},  /* overlap: EDT */
                {"America/New_York", 2022, 11, 6, 2, 30, 0, utc(2022, 11, 6, 7, 30)},
                {"America/Sao_Paulo", 2018, 11, 4, 0, 30, 0, utc(2018, 11, 4, 3, 30)}, /* midnight gap */
                {"Australia/Lord_Howe", 2022, 1, 6, 12, 0, 0, utc(2022, 1, 6, 1, 0)},  /* +11:00 in summer */
                {"Europe/London", 2024, 2, 29, 12, 0, 0, utc(2024, 2, 29, 12, 0)},
                {"Europe/London", 1995, 7, 1, 12, 0, 0, utc(1995, 7, 1, 11, 0)},
                /* impossible */
                {"Europe/London", 2022, 2, 29, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 2, 31, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 4, 31, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 13, 1, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 0, 1, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 1, 0, 12, 0, -EINVAL, 0},
                {"Europe/London", 2022, 1, 6, 24, 0, -EINVAL, 0},
                {"Europe/London", 2022, 1, 6, -1, 0, -EINVAL, 0},
                {"Europe/London", 2022, 1, 6, 12, 60, -EINVAL, 0},
                {"Europe/London", 0, 1, 6, 12, 0, -EINVAL, 0},
                {"Europe/London", 10000, 1, 6, 12, 0, -EINVAL, 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const L2U *c = &cases[i];
                Tz *tz = NULL;
                if (tz_open(c->zone, &tz) < 0) {
                        tap_ok(0, "local_to_utc: zone %s available", c->zone);
                        continue;
                }
                int64_t got = -42;
                int r = tz_local_to_utc(tz, c->y, c->m, c->d, c->h, c->mi, &got);
                TAP_INT_EQ(r, c->r, "local_to_utc %s %04d-%02d-%02d %02d:%02d: return", c->zone, c->y, c->m,
                           c->d, c->h, c->mi);
                TAP_INT_EQ(got, c->r == 0 ? c->want : -42, "local_to_utc %s %04d-%02d-%02d %02d:%02d: instant",
                           c->zone, c->y, c->m, c->d, c->h, c->mi);
                tz_free(tz);
        }
}

/* Every quarter hour of 2022 in London goes to local time and back to the
 * same instant, except the second 01:xx of 30 October, which comes back as
 * the first. */
static void test_round_trip(Tz *london)
{
        int mismatches = 0, other = 0;
        for (int64_t t = utc(2022, 1, 1, 0, 0); t < utc(2023, 1, 1, 0, 0); t += 900) {
                struct tm tm;
                int64_t back = 0;
                tz_utc_to_local(london, t, &tm);
                if (tz_local_to_utc(london, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                    &back) < 0 || back != t) {
                        mismatches++;
                        if (!(t >= utc(2022, 10, 30, 1, 0) && t < utc(2022, 10, 30, 2, 0) && back == t - 3600))
                                other++;
                }
        }
        TAP_INT_EQ(mismatches, 4, "round trip: only the repeated hour differs");
        TAP_INT_EQ(other, 0, "round trip: and it comes back an hour earlier");
}

static void test_utc_to_local(Tz *london)
{
        struct tm tm;
        tz_utc_to_local(london, utc(2022, 7, 1, 14, 39), &tm);
        TAP_INT_EQ(tm.tm_year, 122, "to local summer: year");
        TAP_INT_EQ(tm.tm_mon, 6, "to local summer: month");
        TAP_INT_EQ(tm.tm_mday, 1, "to local summer: day");
        TAP_INT_EQ(tm.tm_hour, 15, "to local summer: hour");
        TAP_INT_EQ(tm.tm_min, 39, "to local summer: minute");
        TAP_INT_EQ(tm.tm_wday, 5, "to local summer: Friday");
        TAP_INT_EQ(tm.tm_yday, 181, "to local summer: day of year");
        TAP_INT_EQ(tm.tm_isdst, 1, "to local summer: DST");
        TAP_INT_EQ(tm.tm_gmtoff, 3600, "to local summer: offset");
        TAP_STR_EQ(tm.tm_zone, "BST", "to local summer: abbreviation");

        tz_utc_to_local(london, utc(2022, 1, 6, 15, 39) + 27, &tm);
        TAP_INT_EQ(tm.tm_hour, 15, "to local winter: hour");
        TAP_INT_EQ(tm.tm_sec, 27, "to local winter: second");
        TAP_INT_EQ(tm.tm_wday, 4, "to local winter: Thursday");
        TAP_INT_EQ(tm.tm_isdst, 0, "to local winter: no DST");
        TAP_INT_EQ(tm.tm_gmtoff, 0, "to local winter: offset");
        TAP_STR_EQ(tm.tm_zone, "GMT", "to local winter: abbreviation");

        /* just before the epoch: negative instants */
        tz_utc_to_local(london, -1, &tm);
        TAP_INT_EQ(tm.tm_year, 70, "to local 1969-12-31T23:59:59Z: year (BST all year then)");
        TAP_INT_EQ(tm.tm_hour, 0, "to local 1969-12-31T23:59:59Z: hour");
        TAP_INT_EQ(tm.tm_wday, 4, "to local 1969-12-31T23:59:59Z: weekday");

        /* out of range: clamped, not undefined */
        tz_utc_to_local(london, INT64_MAX, &tm);
        TAP_INT_EQ(tm.tm_year + 1900, 9999, "to local: huge instant clamped");
        tz_utc_to_local(london, INT64_MIN, &tm);
        TAP_INT_EQ(tm.tm_year + 1900, 1, "to local: tiny instant clamped");
}

static void test_format(Tz *london)
{
        static const struct { int64_t t; const char *fmt, *want; } cases[] = {
                {1641483540 /* 2022-01-06T15:39Z */, "%A %-d %B %Y %H:%M %Z", "Thursday 6 January 2022 15:39 GMT"},
                {1656686340 /* 2022-07-01T14:39Z */, "%A %-d %B %Y %H:%M %Z", "Friday 1 July 2022 15:39 BST"},
                {1656686340, "%Y-%m-%dT%H:%M:%S%z", "2022-07-01T15:39:00+0100"},
                {1656686340, "%d/%m/%Y", "01/07/2022"},
                {1656686340, "", ""},
                {1656686340, "%p", "PM"},
                {1656686340, "no conversions", "no conversions"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *s = tz_format(london, cases[i].t, cases[i].fmt);
                TAP_STR_EQ(s, cases[i].want, "format \"%s\"", cases[i].fmt);
                free(s);
        }
        /* a long result grows the buffer */
        Buf fmt = {0};
        for (int i = 0; i < 500; i++)
                buf_puts(&fmt, "%Y");
        char *s = tz_format(london, 1656686340, fmt.s);
        TAP_INT_EQ(strlen(s), 2000, "format: long output");
        free(s);
        buf_free(&fmt);
}

static void test_midnight(void)
{
        static const struct { const char *zone; int64_t t, want; } cases[] = {
                {"Europe/London", 1656686340 /* 2022-07-01T14:39Z */, 1656630000 /* 2022-06-30T23:00Z */},
                {"Europe/London", 1641483540 /* 2022-01-06T15:39Z */, 1641427200 /* 2022-01-06T00:00Z */},
                {"Europe/London", 1648382400 /* 2022-03-27T12:00Z */, 1648339200 /* 2022-03-27T00:00Z */},
                {"Europe/London", 1667131200 /* 2022-10-30T12:00Z */, 1667084400 /* 2022-10-29T23:00Z */},
                {"Europe/London", 1656630000, 1656630000},  /* midnight itself */
                {"Europe/London", 1656629999, 1656543600},  /* a second before */
                /* Sao Paulo, 4 November 2018: clocks went from 00:00 to 01:00 */
                {"America/Sao_Paulo", 1541340000 /* 2018-11-04T14:00Z */, 1541300400 /* 03:00Z */},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                Tz *tz = NULL;
                if (tz_open(cases[i].zone, &tz) < 0) {
                        tap_ok(0, "midnight: zone %s available", cases[i].zone);
                        continue;
                }
                TAP_INT_EQ(tz_local_midnight(tz, cases[i].t), cases[i].want, "midnight %s %lld", cases[i].zone,
                           (long long)cases[i].t);
                tz_free(tz);
        }
}

static void test_calendar(void)
{
        static const int dates[][3] = {{1970, 1, 1}, {1969, 12, 31}, {2000, 2, 29}, {1900, 3, 1},
                                       {2024, 12, 31}, {1, 1, 1}, {9999, 12, 31}, {1600, 2, 29}};
        for (size_t i = 0; i < ARRAY_SIZE(dates); i++) {
                int y = dates[i][0], m = dates[i][1], d = dates[i][2], y2, m2, d2;
                int64_t days = tz_days_from_civil(y, m, d);
                TAP_INT_EQ(days * 86400, utc(y, m, d, 0, 0), "days_from_civil %04d-%02d-%02d", y, m, d);
                tz_civil_from_days(days, &y2, &m2, &d2);
                tap_ok(y2 == y && m2 == m && d2 == d, "civil_from_days %04d-%02d-%02d", y, m, d);
        }
        TAP_INT_EQ(tz_days_in_month(2022, 2), 28, "days_in_month Feb 2022");
        TAP_INT_EQ(tz_days_in_month(2024, 2), 29, "days_in_month Feb 2024");
        TAP_INT_EQ(tz_days_in_month(1900, 2), 28, "days_in_month Feb 1900");
        TAP_INT_EQ(tz_days_in_month(2000, 2), 29, "days_in_month Feb 2000");
        TAP_INT_EQ(tz_days_in_month(2022, 4), 30, "days_in_month Apr");
        TAP_INT_EQ(tz_days_in_month(2022, 13), 0, "days_in_month bad month");
}

int main(void)
{
        Tz *london = NULL;
        test_open();
        if (tz_open("Europe/London", &london) < 0) {
                printf("Bail out! no Europe/London zone\n");
                return 1;
        }
        test_local_to_utc();
        test_round_trip(london);
        test_utc_to_local(london);
        test_format(london);
        test_midnight();
        test_calendar();
        tz_free(london);
        return tap_done();
}
