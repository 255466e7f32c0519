/* clock.c — see clock.h. */
#include "case/clock.h"

#include <string.h>

#include "base/util.h"

#define DAY (24 * 3600)

const char *clock_kind_name(ReminderKind k)
{
        switch (k) {
        case REMINDER_BEFORE: return "reminder";
        case REMINDER_OVERDUE: return "overdue";
        case REMINDER_DAILY: return "overdue_daily";
        }
        return "?";
}

/* The i-th "hours after awareness" point, or -1 when it would not fall
 * before the deadline (those are the deadline's business). */
static int64_t before_point(const ReminderPlan *p, size_t i)
{
        int64_t at = p->aware_at + (int64_t)p->hours[i] * 3600;
        return at < p->deadline_at ? at : -1;
}

bool clock_latest_due(const ReminderPlan *p, int64_t after, int64_t now, ReminderPoint *ret)
{
        if (now <= after)
                return false;
        if (now >= p->deadline_at) {
                /* The points from the deadline on are a day apart: the latest
                 * one not after now is found by division, however long the
                 * daemon was down. */
                int64_t k = (now - p->deadline_at) / DAY;
                int64_t at = p->deadline_at + k * DAY;
                if (at <= after)
                        return false;
                *ret = (ReminderPoint){.at = at, .kind = k ? REMINDER_DAILY : REMINDER_OVERDUE, .n = (unsigned)k};
                return true;
        }
        for (size_t i = p->n_hours; i-- > 0;) {
                int64_t at = before_point(p, i);
                if (at < 0 || at > now)
                        continue;
                if (at <= after)
                        return false;
                *ret = (ReminderPoint){.at = at, .kind = REMINDER_BEFORE, .n = p->hours[i]};
                return true;
        }
        return false;
}

void clock_next_after(const ReminderPlan *p, int64_t t, ReminderPoint *ret)
{
        for (size_t i = 0; i < p->n_hours; i++) {
                int64_t at = before_point(p, i);
                if (at > t) {
                        *ret = (ReminderPoint){.at = at, .kind = REMINDER_BEFORE, .n = p->hours[i]};
                        return;
                }
        }
        if (p->deadline_at > t) {
                *ret = (ReminderPoint){.at = p->deadline_at, .kind = REMINDER_OVERDUE, .n = 0};
                return;
        }
        int64_t k = (t - p->deadline_at) / DAY + 1;
        *ret = (ReminderPoint){.at = p->deadline_at + k * DAY, .kind = REMINDER_DAILY, .n = (unsigned)k};
}

bool clock_running(const char *status, const char *ico_decision, const char *ico_reference)
{
        if (status && strcmp(status, "closed") == 0)
                return false;
        if (!ico_decision || strcmp(ico_decision, "pending") == 0)
                return true;
        return strcmp(ico_decision, "notify") == 0 && str_empty(ico_reference);
}
