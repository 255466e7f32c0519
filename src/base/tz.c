/* tz.c — see tz.h.  Zone rules come from GLib's GTimeZone; the calendar
 * arithmetic is done here so that no libc call depends on $TZ. */
#include "base/tz.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

struct Tz {
        GTimeZone *gtz;
        char *name;
};

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define TZ_MIN_T INT64_C(-62135596800)
#define TZ_MAX_T INT64_C(253402300799)

int tz_open(const char *name, Tz **ret)
{
        if (!name || !*name)
                return -EINVAL;
        /* GLib 2.74 returns NULL for an identifier it cannot load (older
         * versions silently fell back to UTC, which would hide a typo in
         * the configuration). */
        GTimeZone *gtz = g_time_zone_new_identifier(name);
        if (!gtz)
                return -EINVAL;
        Tz *tz = xcalloc(1, sizeof *tz);
        tz->gtz = gtz;
        tz->name = xstrdup(name);
        *ret = tz;
        return 0;
}

void tz_free(Tz *tz)
{
        if (!tz)
                return;
        g_time_zone_unref(tz->gtz);
        free(tz->name);
        free(tz);
}

const char *tz_name(const Tz *tz)
{
        return tz->name;
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact for every
 * proleptic Gregorian date, no tables, no libc. */
int64_t tz_days_from_civil(int y, int mon, int d)
{
        int64_t yy = (int64_t)y - (mon <= 2);
        int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
        int64_t yoe = yy - era * 400;
        int64_t mp = (mon + 9) % 12;
        int64_t doy = (153 * mp + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int *ret_y, int *ret_mon, int *ret_d)
{
        int64_t z = days + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t d = doy - (153 * mp + 2) / 5 + 1;
        int64_t m = mp < 10 ? mp + 3 : mp - 9;
        *ret_y = (int)(yoe + era * 400 + (m <= 2));
        *ret_mon = (int)m;
        *ret_d = (int)d;
}

int tz_days_in_month(int y, int mon)
{
        static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (mon < 1 || mon > 12)
                return 0;
        if (mon == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                return 29;
        return dim[mon - 1];
}

static int32_t offset_at(const Tz *tz, int64_t utc, gint *ret_interval)
{
        /* UNIVERSAL lookups always succeed: UTC has no gaps or overlaps. */
        gint i = g_time_zone_find_interval(tz->gtz, G_TIME_TYPE_UNIVERSAL, utc);
        if (ret_interval)
                *ret_interval = i;
        return g_time_zone_get_offset(tz->gtz, i);
}

int tz_local_to_utc(const Tz *tz, int y, int mon, int d, int h, int mi, int64_t *ret)
{
        if (y < 1 || y > 9999 || d < 1 || d > tz_days_in_month(y, mon) || h < 0 || h > 23 ||
            mi < 0 || mi > 59)
                return -EINVAL;
        int64_t local = tz_days_from_civil(y, mon, d) * 86400 + h * 3600 + mi * 60;
        /* Whatever offset applies to this wall-clock time is one of those in
         * force a day either side of it (zones change offset at most once a
         * day).  An offset is a true reading when the zone really has that
         * offset at the instant it gives; an overlap has two, a gap none. */
        int32_t before = offset_at(tz, local - 86400, NULL);
        int32_t cand[3] = {before, offset_at(tz, local, NULL), offset_at(tz, local + 86400, NULL)};
        bool found = false;
        int64_t best = 0;
        for (size_t i = 0; i < ARRAY_SIZE(cand); i++) {
                int64_t t = local - cand[i];
                if (offset_at(tz, t, NULL) != cand[i])
                        continue;
                if (!found || t < best)
                        best = t;
                found = true;
        }
        if (!found)
                best = local - before;
        *ret = best;
        return 0;
}

void tz_utc_to_local(const Tz *tz, int64_t t, struct tm *ret)
{
        if (t < TZ_MIN_T + 86400)
                t = TZ_MIN_T + 86400;
        if (t > TZ_MAX_T - 86400)
                t = TZ_MAX_T - 86400;
        gint interval;
        int32_t off = offset_at(tz, t, &interval);
        int64_t local = t + off;
        int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
        int64_t secs = local - days * 86400;
        int y, mon, d;
        tz_civil_from_days(days, &y, &mon, &d);

        memset(ret, 0, sizeof *ret);
        ret->tm_year = y - 1900;
        ret->tm_mon = mon - 1;
        ret->tm_mday = d;
        ret->tm_hour = (int)(secs / 3600);
        ret->tm_min = (int)(secs / 60 % 60);
        ret->tm_sec = (int)(secs % 60);
        /* 1970-01-01 was a Thursday. */
        ret->tm_wday = (int)(((days % 7) + 7 + 4) % 7);
        ret->tm_yday = (int)(days - tz_days_from_civil(y, 1, 1));
        ret->tm_isdst = g_time_zone_is_dst(tz->gtz, interval) ? 1 : 0;
        ret->tm_gmtoff = off;
        ret->tm_zone = g_time_zone_get_abbreviation(tz->gtz, interval);
}

char *tz_format(const Tz *tz, int64_t t, const char *strftime_fmt)
{
        struct tm tm;
        tz_utc_to_local(tz, t, &tm);
        /* strftime() returns 0 both for "buffer too small" and for an empty
         * result; a trailing sentinel character tells them apart. */
        _cleanup_free_ char *fmt = xasprintf("%s.", strftime_fmt ? strftime_fmt : "");
        for (size_t cap = 128; cap <= 65536; cap *= 2) {
                char *out = xmalloc(cap);
                /* The format is the caller's by design (templates choose it). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                size_t n = strftime(out, cap, fmt, &tm);
#pragma GCC diagnostic pop
                if (n > 0) {
                        out[n - 1] = 0;
                        return out;
                }
                free(out);
        }
        return xstrdup("");
}

int64_t tz_local_midnight(const Tz *tz, int64_t t)
{
        struct tm tm;
        int64_t r;
        tz_utc_to_local(tz, t, &tm);
        /* Midnight of a real calendar day is always a valid argument. */
        if (tz_local_to_utc(tz, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, &r) < 0)
                return t;
        return r;
}
