/* reminders.h — the sending pass of the 72-hour clock: reminders to the
 * DPO(s) while the ICO decision is open, the overdue notice at the deadline
 * (to the DPO and the escalation contacts), then one overdue reminder a
 * day.  When each is due is worked out by clock.h.
 *
 * A pass sends, per incident, at most one reminder: the one for the latest
 * point that is due and not yet covered, so that after downtime the DPO
 * gets one mail and not a burst.  The reminder is recorded in the same
 * transaction as its outbox row; incidents.next_reminder_at (indexed) says
 * when the next pass has something to do. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "case/clock.h"
#include "register/store.h"

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
