/* newcase.h — the first two mails of a new incident: the acknowledgement to
 * the reporter and the notice to the DPO(s), which says how to record the
 * decision.  It is case work rather than a plain notice because the DPO's
 * notice carries the decision's variables (decision.h). */
#pragma once

#include "base/config.h"
#include "base/tz.h"
#include "read/message.h"
#include "register/incident.h"
#include "register/store.h"

/* Queues the acknowledgement to the reporter (answering `m`, to the
 * address replyaddr_for() gives) and the notice to the DPO(s).  Must run
 * inside a store transaction.  -EINVAL with
 * *ret_why on a template error.  The acknowledgement counts against the
 * reporter's daily cap (ratelimit.h); when the cap holds it back, 0 is
 * returned with *ret_why saying so, for the caller to log and free. */
int newcase_queue_notices(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, const Message *m,
                          char **ret_why);
