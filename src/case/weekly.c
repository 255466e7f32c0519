/* weekly.c — see weekly.h. */
#include "case/weekly.h"

#include <errno.h>
#include <string.h>

#include "case/decision.h"
#include "notices/notices.h"
#include "read/message.h"

#define DAY 86400
/* Quarantined mail of this many days is listed: older mail has been in an
 * earlier digest, and the admin's hourly digest told of it too. */
#define QUARANTINE_DAYS 7
/* See weekly_digest_run(). */
#define FIRST_GRACE DAY

/* The instant of minute of the local day `days` (since 1970-01-01). */
static int64_t slot_on(const Tz *tz, int64_t days, unsigned minute)
{
        int y, mon, d;
        tz_civil_from_days(days, &y, &mon, &d);
        int64_t t = 0;
        tz_local_to_utc(tz, y, mon, d, (int)(minute / 60), (int)(minute % 60), &t);
        return t;
}

static int64_t local_day(const Tz *tz, int64_t now, int *ret_wday)
{
        struct tm lt;
        tz_utc_to_local(tz, now, &lt);
        *ret_wday = lt.tm_wday;
        return tz_days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
}

int64_t weekly_slot(const Tz *tz, int wday, unsigned minute, int64_t now)
{
        if (wday < 0)
                return 0;
        int today_wday;
        int64_t today = local_day(tz, now, &today_wday);
        int64_t day = today - ((today_wday - wday + 7) % 7);
        int64_t t = slot_on(tz, day, minute);
        return t <= now ? t : slot_on(tz, day - 7, minute);
}

int64_t weekly_next_slot(const Tz *tz, int wday, unsigned minute, int64_t now)
{
        if (wday < 0)
                return INT64_MAX;
        int today_wday;
        int64_t today = local_day(tz, now, &today_wday);
        int64_t day = today + ((wday - today_wday + 7) % 7);
        int64_t t = slot_on(tz, day, minute);
        return t > now ? t : slot_on(tz, day + 7, minute);
}

/* ---- the lists ---------------------------------------------------------- */

static char *summary(Store *s, const char *ref)
{
        Incident inc;
        if (store_load_incident(s, ref, &inc) < 0)
                return xstrdup("(cannot be read)");
        char *t = notices_summary(&inc);
        incident_free(&inc);
        return t;
}

static char *age(int64_t since, int64_t now)
{
        int64_t days = (now - since) / DAY;
        if (days < 1)
                return xstrdup("less than a day");
        return xasprintf("%lld day%s", (long long)days, days == 1 ? "" : "s");
}

static void open_cases(Store *s, const Config *cfg, const DigestCase *c, size_t n, int64_t now, Buf *b)
{
        _cleanup_free_ char *owned = NULL;
        const char *ctl = notices_ctl(cfg, &owned);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *sum = summary(s, c[i].ref), *old = age(c[i].received_at, now);
                buf_printf(b, "  %s  open %s: %s\n    %s show %s\n", c[i].ref, old, sum, ctl, c[i].ref);
        }
}

static void pending(const Config *cfg, const Tz *tz, const DigestCase *c, size_t n, int64_t now, Buf *b,
                    size_t *ret_n)
{
        *ret_n = 0;
        _cleanup_free_ char *owned = NULL;
        const char *ctl = notices_ctl(cfg, &owned);
        for (size_t i = 0; i < n; i++) {
                if (strcmp(c[i].decision ? c[i].decision : "pending", "pending") != 0)
                        continue;
                _cleanup_free_ char *when = notices_format_time(tz, c[i].deadline_at),
                                    *left = notices_time_left(c[i].deadline_at, now),
                                    *reply = decision_reply_address(cfg, c[i].ref, c[i].token);
                bool late = c[i].late || now > c[i].deadline_at;
                buf_printf(b, "  %s  ICO deadline %s (%s)\n"
                              "    %s decide %s notify|not-notifiable --reason \"...\"%s\n"
                              "    or reply to %s with \"decision: ...\" and \"reason: ...\"\n",
                           c[i].ref, when, left, ctl, c[i].ref, late ? " --delay-reason \"...\"" : "",
                           reply ? reply : "its reminder");
                (*ret_n)++;
        }
}

static void actions(const Config *cfg, const DigestAction *a, size_t n, Buf *b)
{
        _cleanup_free_ char *owned = NULL;
        const char *ctl = notices_ctl(cfg, &owned);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = message_one_line(a[i].text ? a[i].text : ""),
                                    *owner = a[i].owner ? message_one_line(a[i].owner) : NULL,
                                    *reply = decision_reply_address(cfg, a[i].ref, a[i].token);
                buf_printf(b, "  %s  action %lld, due %s%s%s%s: %s\n"
                              "    %s actions %s done %lld\n"
                              "    or reply to %s with \"done: %lld\"\n",
                           a[i].ref, (long long)a[i].n, a[i].due, owner ? " (" : "", owner ? owner : "",
                           owner ? ")" : "", text, ctl, a[i].ref, (long long)a[i].n, reply ? reply : "its reminder",
                           (long long)a[i].n);
        }
}

/* Late: received more than 72 hours after the breach became known (or
 * happened, when the report does not say), incident.c. */
static void late_cases(Store *s, const Config *cfg, const Tz *tz, const DigestCase *c, size_t n, Buf *b)
{
        _cleanup_free_ char *owned = NULL;
        const char *ctl = notices_ctl(cfg, &owned);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *sum = summary(s, c[i].ref), *got = notices_format_time(tz, c[i].received_at);
                buf_printf(b, "  %s  received %s%s: %s\n    %s show %s\n", c[i].ref, got,
                           c[i].closed ? " (closed)" : "", sum, ctl, c[i].ref);
        }
}

static void quarantined(const Config *cfg, const Tz *tz, const QuarantinedMessage *q, size_t n, Buf *b)
{
        _cleanup_free_ char *again = notices_reprocess_command(cfg);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *from = message_one_line(q[i].from ? q[i].from : "(no sender)"),
                                    *line = message_one_line(q[i].subject && *q[i].subject ? q[i].subject
                                                                                          : "(no subject)"),
                                    *subject = notices_hide_tokens(line),
                                    *reason = message_one_line(q[i].reason ? q[i].reason : "(no reason recorded)"),
                                    *when = notices_format_time(tz, q[i].seen_at);
                buf_printf(b, "  %s from %s: %s\n    why: %s\n    %s\n", when, from, subject, reason, again);
        }
}

static void set_count(TemplateVars *v, const char *name, size_t n)
{
        char t[24];
        snprintf(t, sizeof t, "%zu", n);
        tvars_set(v, name, t);
}

/* The start of the month of now and of the next, in tz. */
static void month_of(const Tz *tz, int64_t now, int64_t *ret_from, int64_t *ret_to)
{
        struct tm lt;
        tz_utc_to_local(tz, now, &lt);
        int y = lt.tm_year + 1900, mon = lt.tm_mon + 1;
        tz_local_to_utc(tz, y, mon, 1, 0, 0, ret_from);
        tz_local_to_utc(tz, mon == 12 ? y + 1 : y, mon == 12 ? 1 : mon + 1, 1, 0, 0, ret_to);
}

/* Fills v with the digest's lists at now. */
static int digest_vars(Store *s, const Config *cfg, const Tz *tz, int64_t now, TemplateVars *v, char **ret_why)
{
        DigestCase *open = NULL, *late = NULL;
        DigestAction *acts = NULL;
        QuarantinedMessage *q = NULL;
        size_t n_open = 0, n_late = 0, n_acts = 0, n_q = 0, n_pending = 0;
        int64_t from, to;
        month_of(tz, now, &from, &to);
        _cleanup_free_ char *today = tz_format(tz, now, "%Y-%m-%d"), *month = tz_format(tz, now, "%B %Y"),
                            *week = tz_format(tz, now, "%A %-d %B %Y");
        int r = store_digest_open(s, &open, &n_open);
        if (r >= 0)
                r = store_digest_late(s, from, to, &late, &n_late);
        if (r >= 0)
                r = store_digest_overdue_actions(s, today, &acts, &n_acts);
        if (r >= 0)
                r = store_quarantine_since(s, now - QUARANTINE_DAYS * DAY, &q, &n_q);
        if (r < 0) {
                *ret_why = xasprintf("cannot read the register for the weekly digest: %s", strerror(-r));
                goto out;
        }
        Buf b = {0};
        open_cases(s, cfg, open, n_open, now, &b);
        tvars_set(v, "open_cases", b.s);
        buf_free(&b);
        set_count(v, "open_count", n_open);
        pending(cfg, tz, open, n_open, now, &b, &n_pending);
        tvars_set(v, "pending", b.s);
        buf_free(&b);
        set_count(v, "pending_count", n_pending);
        actions(cfg, acts, n_acts, &b);
        tvars_set(v, "overdue_actions", b.s);
        buf_free(&b);
        set_count(v, "actions_count", n_acts);
        late_cases(s, cfg, tz, late, n_late, &b);
        tvars_set(v, "late_cases", b.s);
        buf_free(&b);
        set_count(v, "late_count", n_late);
        quarantined(cfg, tz, q, n_q, &b);
        tvars_set(v, "quarantined", b.s);
        buf_free(&b);
        set_count(v, "quarantined_count", n_q);
        tvars_set(v, "month", month);
        tvars_set(v, "week", week);
        tvars_set(v, "organisation", cfg->organisation);
out:
        digest_cases_free(open, n_open);
        digest_cases_free(late, n_late);
        digest_actions_free(acts, n_acts);
        quarantined_messages_free(q, n_q);
        return r;
}

static int queue_digest(Store *s, const Config *cfg, const Tz *tz, int64_t slot, int64_t now, char **ret_why)
{
        TemplateVars v = {0};
        int r = digest_vars(s, cfg, tz, now, &v, ret_why);
        NoticeMail nm = {
                .loop_ref = "breachd",
                .kind = "weekly_digest",
                .template_name = "weekly-digest",
                .to = &cfg->dpo,
                .auto_submitted = "auto-generated",
        };
        if (r >= 0)
                r = notices_queue_template(s, cfg, &nm, &v, ret_why);
        if (r >= 0) {
                _cleanup_free_ char *rcpts = strlist_join(&cfg->dpo, ", ");
                r = store_digest_mark_week(s, slot, rcpts);
                if (r < 0)
                        *ret_why = xasprintf("cannot record the weekly digest: %s", strerror(-r));
        }
        tvars_free(&v);
        return r;
}

int weekly_digest_run(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why)
{
        int64_t slot = weekly_slot(tz, cfg->weekly_digest_wday, cfg->weekly_digest_minute, now);
        if (!slot)
                return 0;
        char *why = NULL;
        int64_t last = 0;
        int r = store_begin(s);
        if (r < 0) {
                why = xasprintf("cannot begin a transaction: %s", strerror(-r));
                goto out;
        }
        /* Read inside the transaction: a second breachd (or a restart
         * racing the old one) cannot queue the same week twice.  A mark
         * more than a week ahead of the clock was made while the clock ran
         * ahead (a flat RTC battery, a restored VM): no slot of this
         * configuration it could be, and it must not hold the digest back
         * until that far-off week.  One up to a week ahead is the next
         * slot's, sent before the clock was set back: it holds. */
        r = store_serialise(s, "weekly_digest");   /* and on PostgreSQL, a second host waits here */
        if (r >= 0)
                r = store_digest_last_week(s, now + 7 * DAY, &last);
        if (r < 0)
                why = xasprintf("cannot read when the last weekly digest went: %s", strerror(-r));
        /* Never sent: turned on since the last slot.  Its first digest
         * goes at that slot only if it came less than a day ago (the
         * service was installed on a Monday morning), else at the next. */
        else if (last >= slot || (last == 0 && now - slot >= FIRST_GRACE)) {
                store_rollback(s);
                return 0;
        }
        if (r >= 0)
                r = queue_digest(s, cfg, tz, slot, now, &why);
        if (r >= 0) {
                r = store_commit(s);
                if (r < 0)
                        why = xasprintf("cannot commit the weekly digest: %s", strerror(-r));
        }
        if (r < 0)
                store_rollback(s);
out:
        if (r < 0) {
                if (ret_why)
                        *ret_why = why;
                else
                        free(why);
                return r;
        }
        return 1;
}

void weekly_sample_vars(TemplateVars *v)
{
        tvars_set(v, "week", "Monday 9 March 2026");
        tvars_set(v, "month", "March 2026");
        tvars_set(v, "open_count", "1");
        tvars_set(v, "open_cases", "  DB2026001  open 3 days: A laptop left on a train\n    breachctl show DB2026001\n");
        tvars_set(v, "pending_count", "1");
        tvars_set(v, "pending", "  DB2026001  ICO deadline Thursday 12 March 2026, 09:00 GMT (2 days left)\n"
                                "    breachctl decide DB2026001 notify|not-notifiable --reason \"...\"\n"
                                "    or reply to breach+DB2026001.abc@example.org with \"decision: ...\" and "
                                "\"reason: ...\"\n");
        tvars_set(v, "actions_count", "1");
        tvars_set(v, "overdue_actions", "  DB2026001  action 1, due 2026-03-06 (IT): Wipe the laptop remotely\n"
                                        "    breachctl actions DB2026001 done 1\n");
        tvars_set(v, "late_count", "0");
        tvars_set(v, "late_cases", "");
}
