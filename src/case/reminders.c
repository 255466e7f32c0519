/* reminders.c — see reminders.h. */
#include "case/reminders.h"

#include <errno.h>
#include <string.h>

#include "case/decision.h"
#include "notices/notices.h"

/* Incidents handled per transaction; more wait for the next pass, which
 * the timer starts at once because their time has come. */
#define PASS_MAX 200

static char *point_text(const ReminderPoint *p)
{
        switch (p->kind) {
        case REMINDER_BEFORE:
                return xasprintf("%u hours after the breach became known", p->n);
        case REMINDER_OVERDUE:
                return xstrdup("the ICO deadline");
        case REMINDER_DAILY:
                return xasprintf("%u day%s after the ICO deadline", p->n, p->n == 1 ? "" : "s");
        }
        return xstrdup("");
}

/* Queues the mail for point pt and records it. */
static int send_reminder(Store *s, const Config *cfg, const Tz *tz, const Assessment *a, const ReminderPoint *pt,
                         int64_t now, char **ret_why)
{
        Incident inc;
        int r = store_load_incident(s, a->ref, &inc);
        if (r < 0) {
                *ret_why = xasprintf("cannot load %s: %s", a->ref, strerror(-r));
                return r;
        }
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, &inc, now, &v);
        decision_vars(cfg, tz, &inc, a, now, &v);
        _cleanup_free_ char *when = point_text(pt);
        tvars_set(&v, "point", when);
        /* Whether anybody asked the reporter for what is missing: not when
         * the daily cap held the acknowledgement back. */
        ReporterAsked asked = REPORTER_ASKED;
        r = store_reporter_asked(s, a->id, &asked);
        if (r < 0) {
                *ret_why = xasprintf("cannot read the mail of %s: %s", a->ref, strerror(-r));
                tvars_free(&v);
                incident_free(&inc);
                return r;
        }
        notices_reporter_asked_vars(cfg, asked, &v);
        /* The escalation contacts hear of it once it is overdue. */
        StrList to = {0};
        for (size_t i = 0; i < cfg->dpo.n; i++)
                strlist_add(&to, cfg->dpo.v[i]);
        for (size_t i = 0; pt->kind != REMINDER_BEFORE && i < cfg->escalation.n; i++)
                if (!strlist_contains_ci(&to, cfg->escalation.v[i]))
                        strlist_add(&to, cfg->escalation.v[i]);
        _cleanup_free_ char *reply = decision_reply_address(cfg, a->ref, a->token);
        NoticeMail n = {
                .incident_id = a->id,
                .loop_ref = a->ref,
                .kind = clock_kind_name(pt->kind),
                .template_name = pt->kind == REMINDER_BEFORE ? "reminder" : "overdue",
                .to = &to,
                .reply_to = reply,
                .auto_submitted = "auto-generated",
        };
        r = notices_queue_template(s, cfg, &n, &v, ret_why);
        if (r >= 0) {
                _cleanup_free_ char *rcpts = strlist_join(&to, ", ");
                r = store_reminder_record(s, a->id, pt->at, n.kind, rcpts, now);
                if (r < 0)
                        *ret_why = xasprintf("cannot record the %s of %s: %s", n.kind, a->ref, strerror(-r));
        }
        strlist_free(&to);
        tvars_free(&v);
        incident_free(&inc);
        return r;
}

static int run_one(Store *s, const Config *cfg, const Tz *tz, int64_t id, int64_t now, ReminderStats *st,
                   char **ret_why)
{
        Assessment a;
        int r = store_load_assessment(s, id, &a);
        if (r < 0) {
                *ret_why = xasprintf("cannot load incident %lld: %s", (long long)id, strerror(-r));
                return r;
        }
        if (!clock_running(a.f[AS_STATUS], a.f[AS_ICO_DECISION], a.f[AS_ICO_REFERENCE])) {
                r = store_reminder_schedule(s, id, -1, 0);
                goto out;
        }
        ReminderPlan plan = {
                .aware_at = a.aware_at,
                .deadline_at = a.deadline_at,
                .hours = cfg->reminder_hours,
                .n_hours = cfg->n_reminder_hours,
        };
        /* The notice of a new incident covers the points before it was
         * filed (a late report's notice is itself the overdue notice). */
        int64_t covered = a.last_reminder_at ? a.last_reminder_at : a.filed_at;
        ReminderPoint due, next;
        int64_t last = 0;
        if (clock_latest_due(&plan, covered, now, &due)) {
                r = send_reminder(s, cfg, tz, &a, &due, now, ret_why);
                if (r < 0)
                        goto out;
                last = due.at;
                st->queued++;
                if (due.kind != REMINDER_BEFORE)
                        st->overdue++;
        }
        clock_next_after(&plan, now, &next);
        r = store_reminder_schedule(s, id, next.at, last);
        st->scheduled++;
out:
        if (r < 0 && !*ret_why)
                *ret_why = xasprintf("cannot schedule the reminders of %s: %s", a.ref, strerror(-r));
        assessment_free(&a);
        return r;
}

int reminders_run(Store *s, const Config *cfg, const Tz *tz, int64_t now, ReminderStats *ret_stats, char **ret_why)
{
        ReminderStats st = {0};
        char *why = NULL;
        /* Before the goto below: its cleanup runs at every return. */
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r = store_begin(s);
        if (r < 0) {
                why = xasprintf("cannot begin a transaction: %s", strerror(-r));
                goto out;
        }
        /* A second host's pass waits here for the first's commit, and
         * then finds nothing due (store_serialise()). */
        r = store_serialise(s, "reminders");
        if (r < 0) {
                why = xasprintf("cannot wait for another host's reminders: %s", strerror(-r));
                store_rollback(s);
                goto out;
        }
        r = store_reminders_due(s, now, PASS_MAX, &ids, &n);
        if (r < 0)
                why = xasprintf("cannot read the reminder schedule: %s", strerror(-r));
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = run_one(s, cfg, tz, ids[i], now, &st, &why);
        if (r >= 0) {
                r = store_commit(s);
                if (r < 0)
                        why = xasprintf("cannot commit the reminders: %s", strerror(-r));
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
        if (ret_stats)
                *ret_stats = st;
        return 0;
}
