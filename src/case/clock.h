/* clock.h — the 72-hour clock as pure time arithmetic: when an incident's
 * reminders fall due, and whether they are still owed.  No mail, no
 * database: decision.c uses it to set the next reminder after a decision,
 * reminders.c to find the one a pass sends.
 *
 * The schedule of an incident is a sequence of points, all UTC instants:
 * awareness + h hours for each configured h (each before the deadline),
 * the deadline itself (awareness + 72 h of elapsed time, so a clock change
 * in between makes no difference), then deadline + k days, k = 1, 2, ... */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
const char *clock_kind_name(ReminderKind k);

/* The latest point p with after < p <= now.  Returns true and fills *ret,
 * or false (and leaves *ret alone) when there is none. */
bool clock_latest_due(const ReminderPlan *p, int64_t after, int64_t now, ReminderPoint *ret);

/* The first point after t; there always is one (the daily points never
 * end). */
void clock_next_after(const ReminderPlan *p, int64_t t, ReminderPoint *ret);

/* Whether an incident in this state is still owed reminders: not closed,
 * and the decision pending, or "notify" without the ICO's reference. */
bool clock_running(const char *status, const char *ico_decision, const char *ico_reference);
