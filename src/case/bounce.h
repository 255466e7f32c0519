/* bounce.h — delivery reports about our own mail: matched to the outbox,
 * recorded, and told to the DPO.
 *
 * An acknowledgement that bounces means a reporter who believes the breach
 * was logged has heard nothing, and the DPO should know.  The report is
 * read by read/dsn.h; here it is tied to our mail by the original
 * Message-IDs it names, every one tried against the outbox.  Nothing here
 * trusts the report beyond that: a forged bounce can at worst mark one of
 * our mails as undelivered, and only one whose Message-ID the forger
 * knows. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "base/util.h"
#include "read/dsn.h"
#include "register/store.h"

/* What bounce_record() found. */
typedef struct {
        int64_t outbox_id, incident_id;  /* incident_id 0: mail about no incident */
        char *kind;                      /* of the mail that bounced: "ack", "dpo_notice", ... */
        char *summary;                   /* one line for the log */
        bool already;                    /* that mail was recorded as bounced before */
        bool told_dpo;                   /* a delivery-failed notice was queued */
} BounceMatch;
void bounce_match_free(BounceMatch *m);

/* Looks the report's Message-IDs up in the outbox.  0 when it is about none
 * of our mail.  1 when it is: a failure marks the outbox row "bounced", adds
 * a "delivery_failed" entry to the incident's history and, for an
 * acknowledgement, queues the delivery-failed notice to the DPO (once per
 * mail, however many reports come); a delay is only noted in the history.
 * Must run inside a transaction. */
int bounce_record(Store *s, const Config *cfg, const Tz *tz, const Bounce *b, BounceMatch *ret);

/* Queues the delivery-failed notice (template delivery-failed) to the
 * DPO(s) about mail of `kind` for incident_id that did not reach rcpt, with
 * why in the server's words.  Only acknowledgements are worth a notice:
 * for other kinds this does nothing and returns 0.  tz NULL: the configured
 * zone is opened for it.  1 when a notice was queued. */
int bounce_tell_dpo(Store *s, const Config *cfg, const Tz *tz, int64_t incident_id, const char *kind,
                    const char *rcpt, const char *why);
