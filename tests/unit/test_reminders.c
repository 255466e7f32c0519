/* Unit tests of the 72-hour clock (reminders.c): which reminder is due at a
 * time, that a catch-up after downtime picks only the latest, the overdue
 * and daily points, deadlines across the clock changes, and a whole pass
 * against a register: each point mailed once, across a restart. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "case/reminders.h"
#include "notices/notices.h"
#include "register/store-internal.h"
#include "fixture.h"
#include "tap.h"

#define H 3600
#define DAY (24 * H)

static unsigned hours[] = {24, 48, 60, 68};

static const char *kind(const ReminderPoint *p)
{
        return clock_kind_name(p->kind);
}

static void latest_rows(void)
{
        const int64_t A = 1800000000, D = A + 72 * H;
        ReminderPlan p = {.aware_at = A, .deadline_at = D, .hours = hours, .n_hours = ARRAY_SIZE(hours)};
        static const struct {
                int64_t after, now;     /* relative to A */
                int64_t want_at;        /* relative to A; -1: none due */
                const char *want_kind;
                unsigned want_n;
        } rows[] = {
                {0, 24 * H - 1, -1, NULL, 0},                 /* not yet */
                {0, 24 * H, 24 * H, "reminder", 24},          /* exactly at the point */
                {24 * H, 30 * H, -1, NULL, 0},                /* sent already: none twice */
                {24 * H, 48 * H + 5, 48 * H, "reminder", 48},
                {24 * H, 69 * H, 68 * H, "reminder", 68},     /* downtime over 48, 60, 68: only 68 */
                {68 * H, 72 * H - 1, -1, NULL, 0},
                {68 * H, 72 * H, 72 * H, "overdue", 0},       /* the deadline */
                {0, 72 * H + 10 * H, 72 * H, "overdue", 0},   /* down through everything: the overdue notice */
                {72 * H, 96 * H - 1, -1, NULL, 0},
                {72 * H, 96 * H, 96 * H, "overdue_daily", 1},
                {72 * H, 72 * H + 5 * DAY + 3 * H, 72 * H + 5 * DAY, "overdue_daily", 5},  /* one, not five */
                {72 * H + 5 * DAY, 72 * H + 5 * DAY + 23 * H, -1, NULL, 0},
                {80 * H, 90 * H, -1, NULL, 0},                /* a late report's notice covers the deadline */
                {30 * H, 20 * H, -1, NULL, 0},                /* clock behind the last point */
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                ReminderPoint pt = {.at = -7};
                bool due = clock_latest_due(&p, A + rows[i].after, A + rows[i].now, &pt);
                if (rows[i].want_at < 0) {
                        tap_ok(!due && pt.at == -7, "row %zu: nothing due (after %+lld h, now %+lld h)", i,
                               (long long)rows[i].after / H, (long long)rows[i].now / H);
                        continue;
                }
                tap_ok(due, "row %zu: a reminder is due", i);
                TAP_INT_EQ(pt.at - A, rows[i].want_at, "row %zu: its point", i);
                TAP_STR_EQ(kind(&pt), rows[i].want_kind, "row %zu: its kind", i);
                TAP_INT_EQ(pt.n, rows[i].want_n, "row %zu: its hours or days", i);
        }
}

static void next_rows(void)
{
        const int64_t A = 1800000000, D = A + 72 * H;
        ReminderPlan p = {.aware_at = A, .deadline_at = D, .hours = hours, .n_hours = ARRAY_SIZE(hours)};
        static const struct {
                int64_t t, want;
                const char *kind;
        } rows[] = {
                {-5 * H, 24 * H, "reminder"},   {0, 24 * H, "reminder"},     {24 * H, 48 * H, "reminder"},
                {24 * H - 1, 24 * H, "reminder"}, {59 * H, 60 * H, "reminder"}, {68 * H, 72 * H, "overdue"},
                {72 * H, 96 * H, "overdue_daily"}, {72 * H + 3 * DAY + 12 * H, 72 * H + 4 * DAY, "overdue_daily"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                ReminderPoint pt;
                clock_next_after(&p, A + rows[i].t, &pt);
                TAP_INT_EQ(pt.at - A, rows[i].want, "next after %+lld s", (long long)rows[i].t);
                TAP_STR_EQ(kind(&pt), rows[i].kind, "next after %+lld s: kind", (long long)rows[i].t);
        }
        /* Points at or after the deadline are the deadline's. */
        unsigned odd[] = {24, 72, 80};
        ReminderPlan q = {.aware_at = A, .deadline_at = D, .hours = odd, .n_hours = ARRAY_SIZE(odd)};
        ReminderPoint pt;
        clock_next_after(&q, A + 24 * H, &pt);
        TAP_INT_EQ(pt.at, D, "a reminder hour of 72 or more is not a point of its own");
        ReminderPlan none = {.aware_at = A, .deadline_at = D};
        clock_next_after(&none, A, &pt);
        TAP_INT_EQ(pt.at, D, "with no reminder hours, the first point is the deadline");
        tap_ok(!clock_latest_due(&none, A, D - 1, &pt), "and nothing is due before it");
}

static void needed_rows(void)
{
        static const struct {
                const char *status, *decision, *ref;
                bool want;
        } rows[] = {
                {"open", "pending", NULL, true},          {"assessing", "notify", NULL, true},
                {"assessing", "notify", "", true},        {"notified", "notify", "IC-1-A", false},
                {"assessing", "not notifiable", NULL, false}, {"closed", "pending", NULL, false},
                {NULL, NULL, NULL, true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
                TAP_INT_EQ(clock_running(rows[i].status, rows[i].decision, rows[i].ref), rows[i].want,
                           "reminders needed: %s, %s, %s", rows[i].status ? rows[i].status : "NULL",
                           rows[i].decision ? rows[i].decision : "NULL", rows[i].ref ? rows[i].ref : "NULL");
}

/* The deadline is 72 hours of elapsed time, whatever the wall clock does. */
static void clock_changes(void)
{
        Tz *tz = NULL;
        tap_ok(tz_open("Europe/London", &tz) == 0, "Europe/London opens");
        static const struct {
                int y, mon, d, h, mi;
                const char *deadline, *day2;
        } rows[] = {
                /* BST → GMT on Sunday 26 October 2025 at 02:00 BST */
                {2025, 10, 24, 10, 0, "Monday 27 October 2025, 09:00 GMT", "Sunday 26 October 2025, 09:00 GMT"},
                /* GMT → BST on Sunday 29 March 2026 at 01:00 GMT */
                {2026, 3, 27, 12, 0, "Monday 30 March 2026, 13:00 BST", "Sunday 29 March 2026, 13:00 BST"},
                /* no change in between */
                {2026, 6, 1, 9, 30, "Thursday 4 June 2026, 09:30 BST", "Wednesday 3 June 2026, 09:30 BST"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                int64_t aware = 0;
                tz_local_to_utc(tz, rows[i].y, rows[i].mon, rows[i].d, rows[i].h, rows[i].mi, &aware);
                Incident inc;
                incident_init(&inc);
                inc.received_at = aware + H;
                FieldValue *v = &inc.form.f[F_AWARE_AT];
                v->text = xstrdup("given");
                v->state = FV_OK;
                v->date_prec = DATE_MINUTE;
                v->when = aware;
                incident_evaluate(&inc, tz);
                TAP_INT_EQ(inc.deadline_at - inc.aware_at, 72 * H, "row %zu: deadline exactly 72 h after awareness", i);
                TAP_INT_EQ(inc.aware_at, aware, "row %zu: awareness from the report", i);
                char *t = tz_format(tz, inc.deadline_at, "%A %-d %B %Y, %H:%M %Z");
                TAP_STR_EQ(t, rows[i].deadline, "row %zu: the deadline in local time", i);
                free(t);
                ReminderPlan p = {.aware_at = inc.aware_at, .deadline_at = inc.deadline_at, .hours = hours,
                                  .n_hours = ARRAY_SIZE(hours)};
                ReminderPoint pt;
                tap_ok(clock_latest_due(&p, inc.aware_at, inc.aware_at + 48 * H, &pt) && pt.n == 48,
                       "row %zu: the 48-hour reminder is due 48 elapsed hours later", i);
                t = tz_format(tz, pt.at, "%A %-d %B %Y, %H:%M %Z");
                TAP_STR_EQ(t, rows[i].day2, "row %zu: ... shown in local time", i);
                free(t);
                tap_ok(clock_latest_due(&p, inc.aware_at + 68 * H, inc.deadline_at, &pt) &&
                               pt.kind == REMINDER_OVERDUE && pt.at == inc.deadline_at,
                       "row %zu: the overdue notice falls due at the deadline itself", i);
                incident_free(&inc);
        }
        tz_free(tz);
}

/* What the 72 hours count from when the report does not say when the
 * breach became known: the earliest the organisation could have known,
 * never the receipt when the breach's own time will do (issue 15, item 7),
 * and lateness read as before. */
static void set_date(FieldValue *v, int64_t when, DatePrecision prec)
{
        v->text = xstrdup("given");
        v->state = FV_OK;
        v->date_prec = prec;
        v->when = when;
}

static void basis_rows(void)
{
        Tz *tz = NULL;
        tap_ok(tz_open("Europe/London", &tz) == 0, "Europe/London opens");
        int64_t occ = 0, day = 0, aware = 0;
        tz_local_to_utc(tz, 2025, 3, 3, 14, 0, &occ);   /* the breach: Monday 3 March 2025 14:00 */
        tz_local_to_utc(tz, 2025, 3, 3, 0, 0, &day);    /* that day's start */
        tz_local_to_utc(tz, 2025, 3, 4, 9, 30, &aware); /* found out the next morning */
        const int64_t recv = occ + 50 * H;
        static const char *const names[] = {
                [BASIS_AWARE] = "aware",       [BASIS_AWARE_DAY] = "aware (a day)",
                [BASIS_AWARE_WORDS] = "aware (words)", [BASIS_OCCURRED] = "occurred",
                [BASIS_OCCURRED_DAY] = "occurred (a day)", [BASIS_RECEIVED] = "received",
        };
        _Static_assert(ARRAY_SIZE(names) == BASIS_RECEIVED + 1, "a name for every basis");
        const struct {
                int64_t occurred;       /* 0: not given */
                DatePrecision occ_prec;
                int64_t aware;          /* 0: not given */
                DeadlineBasis basis;
                int64_t from;
                int late;
        } rows[] = {
                {occ, DATE_MINUTE, aware, BASIS_AWARE, aware, 0},
                {occ, DATE_MINUTE, 0, BASIS_OCCURRED, occ, 0},
                {day, DATE_DAY, 0, BASIS_OCCURRED_DAY, day, 0},
                {0, DATE_NONE, 0, BASIS_RECEIVED, recv, -1},
                /* an awareness after the report arrived is no answer: the breach's time is */
                {occ, DATE_MINUTE, recv + H, BASIS_OCCURRED, occ, 0},
                /* a breach "after" the report (a slip of the month) cannot start the clock */
                {recv + 30 * 86400, DATE_MINUTE, 0, BASIS_RECEIVED, recv, 0},
                /* a day-only breach the day before: the deadline counts from the day's
                 * start (passed when the report arrives), lateness from its end
                 * (generous: not late), as awareness always was */
                {day - 86400, DATE_DAY, 0, BASIS_OCCURRED_DAY, day - 86400, 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                Incident inc;
                incident_init(&inc);
                inc.received_at = recv;
                if (rows[i].occurred)
                        set_date(&inc.form.f[F_OCCURRED_AT], rows[i].occurred, rows[i].occ_prec);
                if (rows[i].aware)
                        set_date(&inc.form.f[F_AWARE_AT], rows[i].aware, DATE_MINUTE);
                incident_evaluate(&inc, tz);
                DeadlineBasis b = incident_deadline_basis(&inc);
                TAP_STR_EQ(names[b], names[rows[i].basis], "basis row %zu: what the deadline counts from", i);
                TAP_INT_EQ(inc.aware_at, rows[i].from, "basis row %zu: from when", i);
                TAP_INT_EQ(inc.deadline_at, rows[i].from + 72 * H, "basis row %zu: deadline 72 h later", i);
                TAP_INT_EQ(incident_deadline_assumed(b), b != BASIS_AWARE, "basis row %zu: assumed or not", i);
                TAP_INT_EQ(inc.late, rows[i].late == 1, "basis row %zu: lateness unchanged", i);
                incident_free(&inc);
        }
        /* Three days before, to the day: late whichever time of it. */
        Incident inc;
        incident_init(&inc);
        inc.received_at = recv;
        set_date(&inc.form.f[F_OCCURRED_AT], day - 3 * 86400, DATE_DAY);
        incident_evaluate(&inc, tz);
        tap_ok(inc.within_72h == 0 && inc.late, "a day-only breach three days before is late");
        tap_ok(inc.deadline_at < inc.received_at, "... and its deadline passed before the report arrived");
        TAP_INT_EQ(inc.deadline_at, day - 3 * 86400 + 72 * H, "... counted from that day's start");
        incident_free(&inc);
        tz_free(tz);
}

/* ---- a pass against a register ---- */

static int64_t count(Store *s, const char *sql)
{
        int64_t n = -1;
        return store_query_int64(s, sql, &n) > 0 ? n : -1;
}

static bool plan_uses_index(Store *s, const char *needle)
{
        /* The statement store.c prepared, found by its text: the test
         * checks the query breachd runs, not a copy of it. */
        sqlite3 *db = store_sqlite_db(s);
        if (!db)
                return true;   /* PostgreSQL plans its own way: SQLite's plan is what is checked */
        for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
                const char *sql = sqlite3_sql(st);
                if (!sql || !strstr(sql, needle))
                        continue;
                _cleanup_free_ char *explain = xasprintf("EXPLAIN QUERY PLAN %s", sql);
                sqlite3_stmt *e = NULL;
                if (sqlite3_prepare_v2(db, explain, -1, &e, NULL) != SQLITE_OK)
                        return false;
                for (int i = 1; i <= sqlite3_bind_parameter_count(e); i++)
                        sqlite3_bind_int64(e, i, 0);
                bool uses = false, scans = false;
                while (sqlite3_step(e) == SQLITE_ROW) {
                        const char *d = (const char *)sqlite3_column_text(e, 3);
                        uses |= d && strstr(d, "incidents_next_reminder") != NULL;
                        scans |= d && str_startswith(d, "SCAN incidents") && !strstr(d, "INDEX");
                }
                sqlite3_finalize(e);
                return uses && !scans;
        }
        return false;
}

static void pass(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "temporary directory");
        if (!f)
                return;
        /* The fixture's settings: dpo@, siro@ to escalate to, reminders at
         * 24, 48, 60 and 68 hours, the built-in templates.  A copy whose
         * strings stay the fixture's. */
        Config cfg = *f->cfg;
        Tz *tz = f->tz;
        Store *s = f->store;
        tap_ok(s != NULL, "register opens");

        const int64_t A = 1800000000, D = A + 72 * H;
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2027001");
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = inc.filed_at = A + H;
        inc.aware_at = A;
        inc.deadline_at = D;
        inc.from_addr = xstrdup("reporter@example.test");
        inc.subject = xstrdup("Laptop lost");
        tap_ok(store_insert_incident(s, &inc) == 0, "incident filed");
        incident_free(&inc);

        ReminderStats st = {0};
        char *why = NULL;
        int64_t next = 0;
        store_reminder_next(s, &next);
        TAP_INT_EQ(next, 0, "a new incident waits for its schedule (next_reminder_at 0)");
        tap_ok(reminders_run(s, &cfg, tz, A + 2 * H, &st, &why) == 0, "a pass after filing%s%s", why ? ": " : "",
               why ? why : "");
        TAP_INT_EQ(st.queued, 0, "... sends nothing");
        store_reminder_next(s, &next);
        TAP_INT_EQ(next, A + 24 * H, "... and plans the 24-hour reminder");
        tap_ok(plan_uses_index(s, "next_reminder_at <= ?"), "the due query is an index range, not a scan");
        tap_ok(plan_uses_index(s, "MIN(next_reminder_at)"), "the next-time query uses the index");

        tap_ok(reminders_run(s, &cfg, tz, A + 24 * H, &st, &why) == 0, "a pass at 24 h");
        TAP_INT_EQ(st.queued, 1, "... queues one reminder");
        tap_ok(reminders_run(s, &cfg, tz, A + 24 * H + 60, &st, &why) == 0, "a second pass a minute later");
        TAP_INT_EQ(st.queued, 0, "... queues none: never twice");

        /* A restart: the register is all there is. */
        tap_ok(fixture_reopen(f) == 0, "register reopens (a restart)");
        s = f->store;
        tap_ok(reminders_run(s, &cfg, tz, A + 25 * H, &st, &why) == 0, "a pass after the restart");
        TAP_INT_EQ(st.queued, 0, "... still none twice");
        tap_ok(reminders_run(s, &cfg, tz, A + 69 * H, &st, &why) == 0, "a pass after downtime over 48, 60, 68 h");
        TAP_INT_EQ(st.queued, 1, "... queues one, not three");
        TAP_INT_EQ(count(s, "SELECT due_at FROM reminders ORDER BY due_at DESC LIMIT 1"), A + 68 * H,
                   "... the 68-hour one");
        tap_ok(reminders_run(s, &cfg, tz, D, &st, &why) == 0, "a pass at the deadline");
        TAP_INT_EQ(st.overdue, 1, "... queues the overdue notice");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'overdue' AND rcpts LIKE '%siro@example.test%'"),
                   1, "... to the escalation contact too");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'reminder' AND rcpts LIKE '%siro%'"), 0,
                   "reminders before the deadline go to the DPO only");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM reminders"), count(s, "SELECT COUNT(*) FROM outbox"),
                   "every reminder recorded has its outbox row, and no row is unrecorded");

        /* The same point cannot be recorded twice, whatever a caller does. */
        TAP_INT_EQ(store_reminder_record(s, 1, D, "overdue", "dpo@example.test", D), -EEXIST,
                   "a second record for a point is refused by the register");

        /* A decision stops it. */
        store_exec(s, "UPDATE incidents SET ico_decision = 'not notifiable'");
        tap_ok(reminders_run(s, &cfg, tz, D + 2 * DAY, &st, &why) == 0, "a pass after the decision");
        TAP_INT_EQ(st.queued, 0, "... sends nothing");
        store_reminder_next(s, &next);
        TAP_INT_EQ(next, INT64_MAX, "... and plans nothing more");

        /* A follow-up that moves awareness brings the incident back. */
        store_exec(s, "UPDATE incidents SET ico_decision = 'pending', next_reminder_at = 5");
        store_exec(s, "UPDATE incidents SET awareness_at = awareness_at - 3600, deadline_at = deadline_at - 3600");
        TAP_INT_EQ(count(s, "SELECT next_reminder_at FROM incidents"), 0,
                   "a new awareness time puts the incident back to be planned");

        free(why);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
}

/* Whether the reporter was asked for what is missing, as a reminder says
 * it (issue 15, item 10): not when the daily cap held the acknowledgement
 * back, until a later mail did ask. */
static void reporter_asked(void)
{
        Fixture *f = fixture_new("max_auto_replies_per_day = 3;");
        tap_ok(f != NULL, "a fresh register");
        if (!f)
                return;
        int64_t ids[3] = {0};
        for (int i = 0; i < 3; i++) {
                Incident inc;
                incident_init(&inc);
                inc.ref = xasprintf("DB202700%d", i + 1);
                inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
                inc.received_at = inc.filed_at = inc.aware_at = 1800000000;
                inc.deadline_at = inc.aware_at + 72 * H;
                inc.from_addr = xstrdup("reporter@example.test");
                tap_ok(store_insert_incident(f->store, &inc) == 0, "incident %d filed", i + 1);
                ids[i] = inc.id;
                incident_free(&inc);
        }
        StrList to = {0};
        strlist_add(&to, "reporter@example.test");
        tap_ok(store_queue_mail(f->store, ids[0], "ack", "breach@example.test", &to, "a1@x", "s", "d", 1, NULL) == 0,
               "the first is acknowledged");
        tap_ok(store_audit(f->store, ids[1], "breachd", "auto_reply_capped", "ack", NULL, "ack withheld") == 0,
               "the second's acknowledgement is held back by the cap");
        ReporterAsked a[3];
        for (int i = 0; i < 3; i++)
                tap_ok(store_reporter_asked(f->store, ids[i], &a[i]) == 0, "read whether %d was asked", i + 1);
        TAP_INT_EQ(a[0], REPORTER_ASKED, "acknowledged: asked");
        TAP_INT_EQ(a[1], REPORTER_ACK_WITHHELD, "held back at the cap: not asked");
        TAP_INT_EQ(a[2], REPORTER_NOT_ASKED, "no mail at all: not asked");
        TemplateVars v = {0};
        notices_reporter_asked_vars(f->cfg, a[1], &v);
        const char *said = NULL;
        for (size_t i = 0; i < v.names.n; i++)
                if (!strcmp(v.names.v[i], "reporter_asked"))
                        said = v.values.v[i];
        tap_ok(said && strstr(said, "has not been asked") && strstr(said, "withheld at the daily cap") &&
                       strstr(said, "max_auto_replies_per_day = 3"),
               "the reminder's words say the acknowledgement was withheld (%s)", said ? said : "NULL");
        tvars_free(&v);
        tap_ok(store_queue_mail(f->store, ids[1], "followup_confirm", "breach@example.test", &to, "c1@x", "s", "d", 1,
                                NULL) == 0,
               "a follow-up from the second is confirmed (asking for what is missing)");
        tap_ok(store_reporter_asked(f->store, ids[1], &a[1]) == 0 && a[1] == REPORTER_ASKED, "... then it was asked");
        strlist_free(&to);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
}

int main(void)
{
        latest_rows();
        next_rows();
        needed_rows();
        clock_changes();
        basis_rows();
        pass();
        reporter_asked();
        return tap_done();
}
