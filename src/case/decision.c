/* decision.c — see decision.h: commands applied to a case, checked
 * against it and against each other first, and the assessment written out
 * as text.  The grammar is decision_parse.c's; the mail, decision_mail.c's. */
#include "case/decision-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "case/clock.h"
#include "notices/calendar.h"
#include "notices/notices.h"

/* ---- applying ------------------------------------------------------------ */

static const char *const assess_labels[AS__MAX] = {
        [AS_STATUS] = "Status",
        [AS_ICO_DECISION] = "ICO decision",
        [AS_ICO_REFERENCE] = "ICO reference",
        [AS_ICO_RATIONALE] = "Reason for the decision",
        [AS_ICO_DELAY_REASON] = "Reason the ICO is told late",
        [AS_ICO_OUTCOME] = "ICO outcome",
        [AS_OUTCOME] = "Outcome",
        [AS_ASSESSED_BY] = "Assessed by",
        [AS_ALLOCATED_TO] = "Allocated to",
        [AS_SUBJECTS_NOTIFIED] = "Data subjects notified",
        [AS_SEVERITY] = "Severity",
        [AS_SENSITIVITY] = "Sensitivity",
        [AS_ROOT_CAUSE] = "Root cause",
        [AS_ACTION_TAKEN] = "Action taken",
};

static bool same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

static char *shown_value(AssessField f, const char *v)
{
        if (!v)
                return xstrdup("(not set)");
        if (f == AS_SEVERITY && v[0] >= '1' && v[0] <= '5' && !v[1])
                return xasprintf("%s (%s)", v, decision_severities[v[0] - '1']);
        return xstrdup(v);
}

static const char *first_line(const char *s, char *buf, size_t size)
{
        size_t n = strcspn(s, "\n");
        snprintf(buf, size, "%.*s%s", (int)(n < size - 4 ? n : size - 4), s, s[n] || n >= size - 4 ? "..." : "");
        return buf;
}

typedef struct {
        const DecisionEnv *env;
        Assessment a;
        const char *nv[AS__MAX];       /* the new values; borrowed */
        CaseAction *acts;
        size_t n_acts;
        bool *done_now;
        int64_t open_actions;
        bool close, decision_changed;
        StrList *errors;
} Apply;

static void apply_error(Apply *x, const DecisionCmd *c, const char *fmt, ...) _printf_(3, 4);
static void apply_error(Apply *x, const DecisionCmd *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        if (c && c->line)
                strlist_take(x->errors, xasprintf("line %u (%s): %s", c->line, decision_cmd_name(c->kind), msg));
        else
                strlist_add(x->errors, msg);
        free(msg);
}

static void apply_cmd(Apply *x, const DecisionCmd *c)
{
        static const AssessField field_of[DC__MAX] = {
                [DC_DECISION] = AS_ICO_DECISION,        [DC_ICO_REFERENCE] = AS_ICO_REFERENCE,
                [DC_REASON] = AS_ICO_RATIONALE,         [DC_DELAY_REASON] = AS_ICO_DELAY_REASON,
                [DC_OUTCOME] = AS_OUTCOME,              [DC_ICO_OUTCOME] = AS_ICO_OUTCOME,
                [DC_ASSIGN] = AS_ALLOCATED_TO,          [DC_SUBJECTS_NOTIFIED] = AS_SUBJECTS_NOTIFIED,
                [DC_SEVERITY] = AS_SEVERITY,            [DC_SENSITIVITY] = AS_SENSITIVITY,
                [DC_ROOT_CAUSE] = AS_ROOT_CAUSE,        [DC_ACTION_TAKEN] = AS_ACTION_TAKEN,
        };
        if (x->a.closed_at && c->kind != DC_NOTE) {
                apply_error(x, c, "%s is closed: only notes can be added", x->a.ref);
                return;
        }
        switch (c->kind) {
        case DC_DECISION:
                if (x->nv[AS_ICO_DECISION] != x->a.f[AS_ICO_DECISION] && !same(x->nv[AS_ICO_DECISION], c->value))
                        apply_error(x, c, "two different decisions in one go");
                x->nv[AS_ICO_DECISION] = c->value;
                break;
        case DC_NOTE:
        case DC_CLOSE:
                x->close |= c->kind == DC_CLOSE;
                break;
        case DC_ACTION_ADD:
                x->open_actions++;
                break;
        case DC_ACTION_DONE: {
                size_t i = 0;
                while (i < x->n_acts && x->acts[i].n != c->number)
                        i++;
                if (i == x->n_acts)
                        apply_error(x, c, "there is no action %lld", (long long)c->number);
                else if (x->acts[i].done_at || x->done_now[i])
                        apply_error(x, c, "action %lld is done already", (long long)c->number);
                else {
                        x->done_now[i] = true;
                        x->open_actions--;
                }
                break;
        }
        default:
                x->nv[field_of[c->kind]] = c->value;
        }
}

/* The rules that bind the fields together (UK GDPR Art. 33, seed 004). */
static void check_case(Apply *x)
{
        const char *decision = x->nv[AS_ICO_DECISION] ? x->nv[AS_ICO_DECISION] : "pending";
        bool notify = !strcmp(decision, "notify"), pending = !strcmp(decision, "pending");
        x->decision_changed = !same(x->nv[AS_ICO_DECISION], x->a.f[AS_ICO_DECISION]);
        if (!same(x->nv[AS_ICO_REFERENCE], x->a.f[AS_ICO_REFERENCE]) && !notify)
                apply_error(x, NULL, "an ICO reference goes with the decision to notify (decision: notify)");
        if (x->decision_changed && !pending && str_empty(x->nv[AS_ICO_RATIONALE]))
                apply_error(x, NULL, "the decision must be recorded with its reason, UK GDPR Art. 33(5) "
                                     "(reason: ... in a reply; --reason with breachctl)");
        if (x->decision_changed && notify && (x->a.late || x->env->now > x->a.deadline_at) &&
            str_empty(x->nv[AS_ICO_DELAY_REASON])) {
                _cleanup_free_ char *t = notices_format_time(x->env->tz, x->a.deadline_at);
                apply_error(x, NULL, "the 72 hours ran out on %s%s: the ICO must be told why the report is late "
                                     "(delay-reason: ... in a reply; --delay-reason with breachctl)",
                            t, x->a.late ? " (the breach was reported late)" : "");
        }
        if (x->close) {
                if (pending)
                        apply_error(x, NULL, "%s cannot be closed: no ICO decision is recorded", x->a.ref);
                else if (notify && str_empty(x->nv[AS_ICO_REFERENCE]))
                        apply_error(x, NULL, "%s cannot be closed: the ICO reference is not recorded", x->a.ref);
                if (x->open_actions > 0)
                        apply_error(x, NULL, "%s cannot be closed: %lld action%s still to be done", x->a.ref,
                                    (long long)x->open_actions, x->open_actions == 1 ? " is" : "s are");
        }
}

static const char *new_status(const Apply *x, bool changed)
{
        const char *status = x->a.f[AS_STATUS] ? x->a.f[AS_STATUS] : "open";
        bool notify = same(x->nv[AS_ICO_DECISION], "notify");
        if (x->close || x->a.closed_at)
                return "closed";
        if (notify && !str_empty(x->nv[AS_ICO_REFERENCE]))
                return "notified";
        if (!strcmp(status, "notified") || (!strcmp(status, "open") && changed))
                return "assessing";
        return status;
}

/* The clock has stopped: the deadline's calendar entry is cancelled, in
 * the same transaction (once: calendar_queue() sends nothing after a
 * cancel). */
static int cancel_calendar(Apply *x)
{
        const DecisionEnv *env = x->env;
        Incident inc;
        incident_init(&inc);
        int r = store_load_incident_by_id(env->store, x->a.id, &inc);
        if (r >= 0) {
                _cleanup_free_ char *reply = decision_reply_address(env->cfg, inc.ref, inc.token), *why = NULL;
                r = calendar_queue(env->store, env->cfg, env->tz, &inc, CALENDAR_CANCEL, reply, env->now, &why);
        }
        incident_free(&inc);
        return r;
}

static int write_case(Apply *x, const DecisionCmds *cmds, StrList *changes)
{
        const DecisionEnv *env = x->env;
        Store *s = env->store;
        bool changed = false;
        for (size_t i = 0; i < AS__MAX; i++)
                changed |= !same(x->nv[i], x->a.f[i]);
        for (size_t i = 0; i < cmds->n; i++)
                changed |= cmds->v[i].kind != DC_NOTE;
        if (x->decision_changed)
                x->nv[AS_ASSESSED_BY] = env->actor;
        x->nv[AS_STATUS] = new_status(x, changed);
        Assessment w = x->a;
        if (!same(x->nv[AS_ICO_REFERENCE], x->a.f[AS_ICO_REFERENCE]))
                w.ico_notified_at = env->now;
        if (!same(x->nv[AS_SUBJECTS_NOTIFIED], x->a.f[AS_SUBJECTS_NOTIFIED]) && same(x->nv[AS_SUBJECTS_NOTIFIED], "yes"))
                w.subjects_notified_at = env->now;
        if (x->close) {
                w.closed_at = env->now;
                w.closed_without_report = same(x->nv[AS_ICO_DECISION], "not notifiable");
        }
        int r = 0;
        for (size_t i = 0; i < AS__MAX && r >= 0; i++) {
                w.f[i] = (char *)x->nv[i];
                if (same(x->nv[i], x->a.f[i]))
                        continue;
                r = store_audit(s, x->a.id, env->actor, "set", assess_columns[i], x->a.f[i], x->nv[i]);
                _cleanup_free_ char *now_v = shown_value(i, x->nv[i]), *was = shown_value(i, x->a.f[i]);
                char b1[120], b2[120];
                if (x->a.f[i])
                        strlist_take(changes, xasprintf("%s: %s (was %s)", assess_labels[i],
                                                        first_line(now_v, b1, sizeof b1), first_line(was, b2, sizeof b2)));
                else
                        strlist_take(changes, xasprintf("%s: %s", assess_labels[i], first_line(now_v, b1, sizeof b1)));
        }
        if (r >= 0)
                r = store_save_assessment(s, &w);
        for (size_t i = 0; i < cmds->n && r >= 0; i++) {
                const DecisionCmd *c = &cmds->v[i];
                char b1[120];
                if (c->kind == DC_NOTE) {
                        r = store_note_add(s, x->a.id, env->actor, c->value, env->now);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "note", NULL, NULL, c->value);
                        strlist_take(changes, xasprintf("Note added: %s", first_line(c->value, b1, sizeof b1)));
                } else if (c->kind == DC_ACTION_ADD) {
                        int64_t n = 0;
                        r = store_action_add(s, x->a.id, c->value, c->owner, c->due, env->actor, env->now, &n);
                        _cleanup_free_ char *desc = xasprintf("%s%s%s%s%s", c->value, c->owner ? "; owner: " : "",
                                                              c->owner ? c->owner : "", c->due ? "; due: " : "",
                                                              c->due ? c->due : "");
                        _cleanup_free_ char *field = xasprintf("action %lld", (long long)n);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "action added", field, NULL, desc);
                        strlist_take(changes, xasprintf("Action %lld added: %s", (long long)n, desc));
                } else if (c->kind == DC_ACTION_DONE) {
                        r = store_action_done(s, x->a.id, c->number, env->actor, env->now);
                        _cleanup_free_ char *field = xasprintf("action %lld", (long long)c->number);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "action done", field, NULL, NULL);
                        strlist_take(changes, xasprintf("Action %lld done", (long long)c->number));
                }
        }
        if (r < 0 || !changed)
                return r;
        /* A decision (or its reference, or the close) changes what the
         * reminders are for: none, or the next point from now on. */
        if (!clock_running(x->nv[AS_STATUS], x->nv[AS_ICO_DECISION], x->nv[AS_ICO_REFERENCE])) {
                r = store_reminder_schedule(s, x->a.id, -1, 0);
                return r < 0 ? r : cancel_calendar(x);
        }
        if (x->a.next_reminder_at != -1 && !x->decision_changed)
                return 0;
        ReminderPlan plan = {x->a.aware_at, x->a.deadline_at, env->cfg->reminder_hours, env->cfg->n_reminder_hours};
        ReminderPoint next;
        clock_next_after(&plan, env->now, &next);
        return store_reminder_schedule(s, x->a.id, next.at, 0);
}

int decision_apply(const DecisionEnv *env, int64_t incident_id, const DecisionCmds *cmds, StrList *ret_changes,
                   StrList *ret_errors)
{
        Apply x = {.env = env, .errors = ret_errors};
        int r = store_load_assessment(env->store, incident_id, &x.a);
        if (r < 0)
                return r;
        r = store_actions_list(env->store, incident_id, &x.acts, &x.n_acts);
        if (r < 0)
                goto out;
        x.done_now = xcalloc(x.n_acts + 1, sizeof *x.done_now);
        for (size_t i = 0; i < x.n_acts; i++)
                x.open_actions += !x.acts[i].done_at;
        for (size_t i = 0; i < AS__MAX; i++)
                x.nv[i] = x.a.f[i];
        size_t errors_before = ret_errors->n;
        for (size_t i = 0; i < cmds->n; i++)
                apply_cmd(&x, &cmds->v[i]);
        check_case(&x);
        if (ret_errors->n > errors_before) {
                r = -EINVAL;
                goto out;
        }
        r = write_case(&x, cmds, ret_changes);
out:
        free(x.done_now);
        case_actions_free(x.acts, x.n_acts);
        assessment_free(&x.a);
        return r;
}

/* ---- the assessment as text ----------------------------------------------- */

char *decision_assessment_text(const Assessment *a, bool whole)
{
        if (!a)
                return xstrdup("  Status: open\n  ICO decision: pending\n");
        Buf b = {0};
        for (size_t i = 0; i < AS__MAX; i++) {
                if (!a->f[i])
                        continue;
                _cleanup_free_ char *v = shown_value(i, a->f[i]);
                char line[200];
                if (!whole || !strchr(v, '\n')) {
                        buf_printf(&b, "  %s: %s\n", assess_labels[i], whole ? v : first_line(v, line, sizeof line));
                        continue;
                }
                buf_printf(&b, "  %s:\n", assess_labels[i]);
                for (char *p = v, *nl; p; p = nl ? nl + 1 : NULL) {
                        nl = strchr(p, '\n');
                        buf_printf(&b, "      %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
                }
        }
        return buf_steal(&b);
}
