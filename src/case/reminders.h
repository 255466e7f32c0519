/* reminders.h — the 72-hour clock: reminders to the DPO(s) while the ICO
 * decision is open, the overdue notice at the deadline (to the DPO and the
 * escalation contacts), then one overdue reminder a day.
 *
 * The schedule of an incident is a sequence of points, all UTC instants:
 * awareness + h hours for each configured h (each before the deadline),
 * the deadline itself (awareness + 72 h of elapsed time, so a clock change
 * in between makes no difference), then deadline + k days, k = 1, 2, ...
 * A pass sends, per incident, at most one reminder: the one for the latest
 * point that is due and not yet covered, so that after downtime the DPO
 * gets one mail and not a burst.  The reminder is recorded in the same
 * transaction as its outbox row; incidents.next_reminder_at (indexed) says
 * when the next pass has something to do. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "register/store.h"
#include "base/tz.h"

typedef enum {
        REMINDER_BEFORE,    /* h hours after awareness, before the deadline */
        REMINDER_OVERDUE,   /* at the deadline */
        REMINDER_DAILY,     /* n days after the deadline */
} ReminderKind;

typedef struct {
        int64_t aware_at, deadline_at;
        const unsigned *hours;     /* strictly increasing; borrowed */
        size_t n_hours;
} ReminderPlan;

typedef struct {
        int64_t at;
        ReminderKind kind;
        unsigned n;                /* hours after awareness (BEFORE), days after the deadline (DAILY) */
} ReminderPoint;

/* "reminder", "overdue", "overdue_daily": the outbox kind of its mail. */
const char *reminder_kind_name(ReminderKind k);

/* The latest point p with after < p <= now.  Returns true and fills *ret,
 * or false (and leaves *ret alone) when there is none. */
bool reminders_latest_due(const ReminderPlan *p, int64_t after, int64_t now, ReminderPoint *ret);

/* The first point after t; there always is one (the daily points never
 * end). */
void reminders_next_after(const ReminderPlan *p, int64_t t, ReminderPoint *ret);

/* Whether an incident in this state is still owed reminders: not closed,
 * and the decision pending, or "notify" without the ICO's reference. */
bool reminders_needed(const char *status, const char *ico_decision, const char *ico_reference);

typedef struct {
        unsigned queued;      /* reminder mails queued */
        unsigned overdue;     /* of which overdue notices or daily overdue reminders */
        unsigned scheduled;   /* incidents whose next reminder time was (re)computed */
} ReminderStats;

/* One pass at instant now: for every incident whose next_reminder_at has
 * come, queues the reminder that is due (if any) and sets the next time.
 * Runs its own transaction.  On a template or database error everything is
 * rolled back, -errno is returned and *ret_why (when not NULL) says why. */
int reminders_run(Store *s, const Config *cfg, const Tz *tz, int64_t now, ReminderStats *ret_stats, char **ret_why);
