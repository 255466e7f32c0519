/* tz.h — the configured time zone: wall-clock time <-> UTC instants.
 *
 * The zone rules are GLib's (GTimeZone, reading the system tzdata); nothing
 * here knows about any particular zone.  Instants are seconds since the
 * epoch, UTC, as int64_t everywhere in breachd. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "base/util.h"

typedef struct Tz Tz;

/* Opens the zone with the IANA identifier name ("Europe/London", "UTC").
 * Returns -EINVAL for NULL, "" or an identifier the system does not know;
 * *ret is then untouched.  The caller owns *ret and frees it with
 * tz_free(). */
int tz_open(const char *name, Tz **ret);
void tz_free(Tz *tz);

/* The identifier the zone was opened with; owned by tz. */
const char *tz_name(const Tz *tz);

/* Wall-clock time y-mon-d h:mi (mon 1-12, h 0-23, mi 0-59, year 1-9999) in
 * the zone to the UTC instant.  Returns -EINVAL for a date or time that no
 * calendar has (31/02, 24:00, month 13).
 *
 * Daylight-saving edges are resolved deterministically:
 *  - a time in a spring-forward gap (01:30 on 27 March 2022 in London) does
 *    not exist; it is read with the offset in force before the change, which
 *    is the instant the clock would have shown had it not jumped (01:30 GMT,
 *    that is 02:30 BST);
 *  - a time in an autumn overlap (01:30 on 30 October 2022 in London happens
 *    twice) is the earlier of its two instants (01:30 BST), because an
 *    earlier incident time gives the earlier, and so the safer, 72-hour
 *    deadline. */
int tz_local_to_utc(const Tz *tz, int y, int mon, int d, int h, int mi, int64_t *ret);

/* Fills ret with the wall-clock time of instant t in the zone: tm_year,
 * tm_mon, tm_mday, tm_hour, tm_min, tm_sec, tm_wday, tm_yday, tm_isdst,
 * tm_gmtoff (seconds east of UTC) and tm_zone (the abbreviation, "GMT" or
 * "BST"; owned by tz and valid while it lives).  Instants outside years
 * 1-9999 are clamped to that range. */
void tz_utc_to_local(const Tz *tz, int64_t t, struct tm *ret);

/* strftime(3) of instant t in the zone, e.g. "%A %-d %B %Y %H:%M %Z" gives
 * "Thursday 6 January 2022 15:39 GMT".  Day and month names follow the
 * LC_TIME locale (English in the C locale the daemon runs in).  Returns a
 * new string the caller frees; a format longer than the output cap
 * (64 KiB) gives "". */
char *tz_format(const Tz *tz, int64_t t, const char *strftime_fmt);

/* The UTC instant of the local midnight that starts the day containing t
 * (or, where midnight itself falls in a gap, the first instant of that
 * day). */
int64_t tz_local_midnight(const Tz *tz, int64_t t);

/* Calendar helpers, proleptic Gregorian, independent of any zone. */
int64_t tz_days_from_civil(int y, int mon, int d);   /* days since 1970-01-01 */
void tz_civil_from_days(int64_t days, int *ret_y, int *ret_mon, int *ret_d);
int tz_days_in_month(int y, int mon);                /* 0 for a bad month */
