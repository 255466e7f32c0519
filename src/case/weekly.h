/* weekly.h — the DPO's weekly digest (weekly_digest in breachd.conf): the
 * open cases by age, the decisions pending and their deadlines, the
 * actions of the action plans past their due date, the cases reported
 * late this month and the quarantined mail that needs a person, each with
 * its reference and the command or reply that deals with it.
 *
 * A week is a slot: the configured day and time in the configured zone
 * (so 08:00 on Mondays stays 08:00 across the clock changes).  The digest
 * for the latest slot that has come goes once: it is queued in the same
 * transaction as the register's mark of its slot (store_digest_mark_week()),
 * so a restart does not send it again, and after downtime over several
 * slots one digest goes, for the latest; a mark more than a week ahead of
 * the clock (made while the clock ran ahead) is not believed.  The first digest after it is
 * turned on goes at the first slot (or at once when the latest slot came
 * less than a day ago), not in the middle of a week. */
#pragma once

#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "notices/template.h"
#include "register/store.h"

/* The latest slot at or before now for day wday (0 Sunday .. 6 Saturday)
 * at minute (0 .. 1439) of the day in tz; 0 when wday is -1 (off). */
int64_t weekly_slot(const Tz *tz, int wday, unsigned minute, int64_t now);
/* The first slot after now; INT64_MAX when wday is -1. */
int64_t weekly_next_slot(const Tz *tz, int wday, unsigned minute, int64_t now);

/* Queues the digest when its slot has come and it has not gone for that
 * slot, in its own transaction.  1: queued; 0: nothing due (or off); a
 * negative code with *ret_why (caller frees) on failure, rolled back. */
int weekly_digest_run(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why);

/* The digest's variables with sample values, for templates_check(). */
void weekly_sample_vars(TemplateVars *v);
