/* ratelimit.h — a cap on automatic replies to any one address.
 *
 * An autoresponder that slips past the loop rules (no Auto-Submitted, no
 * Precedence, a real-looking From:) would answer every acknowledgement with
 * a new "report", and be answered again.  Counting the replies each address
 * got in the last 24 hours and stopping at Config.max_auto_replies_per_day
 * ends such a loop within a day's cap, whatever the other side does.  The
 * count is kept in the register (auto_mail), inside the transaction that
 * queues the reply, so a crash cannot lose or double it.
 *
 * Only mail answering a sender is counted and capped (acknowledgements,
 * follow-up confirmations, the too-large reply); notices to the DPO and
 * alerts to the admin are not replies and are never held back. */
#pragma once

#include <stdint.h>

#include "base/config.h"
#include "register/store.h"

#define RATELIMIT_WINDOW (24 * 3600)

/* Call before queueing an automatic reply of `kind` to addr (a bare
 * address; compared as given, so lower-case it).  Returns 1 when it may go:
 * it is then counted, and the caller queues it in the same transaction.
 * Returns 0 when addr already had cfg->max_auto_replies_per_day replies in
 * the last RATELIMIT_WINDOW seconds: nothing is counted, and an
 * "auto_reply_capped" entry goes to the history of incident_id (0: the
 * service's own history).  about_key (optional) is the key of the message
 * answered.  A configured DPO address is never capped (1, not counted).
 * Negative on a database error. */
int ratelimit_admit(Store *s, const Config *cfg, const char *addr, const char *kind, const char *about_key,
                    int64_t incident_id, int64_t now);

/* Replies counted for addr in the window ending at now. */
int ratelimit_count(Store *s, const char *addr, int64_t now, unsigned *ret);
