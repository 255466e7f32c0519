/* bounce.h — delivery reports about our own mail.
 *
 * An acknowledgement that bounces means a reporter who believes the breach
 * was logged has heard nothing, and the DPO should know.  A report about our
 * mail is recognised in the shapes MTAs send it:
 *
 *   - RFC 3464 delivery status notifications (multipart/report;
 *     report-type=delivery-status, also RFC 6533 global-delivery-status):
 *     Postfix, Sendmail, Exchange and Microsoft 365, Gmail, Exim when asked;
 *     the failed recipient, Action, Status and Diagnostic-Code come from the
 *     per-recipient fields, the original Message-ID from the attached
 *     message or headers;
 *   - the free-text reports of Exim ("This message was created automatically
 *     by mail delivery software", X-Failed-Recipients), qmail ("Hi. This is
 *     the qmail-send program"), Sendmail ("The following addresses had
 *     permanent fatal errors"), Exchange and Lotus Notes ("Delivery has
 *     failed to these recipients or groups", "did not reach some or all of
 *     the intended recipients"), and any other from MAILER-DAEMON or
 *     postmaster, or with a bounce subject, which quotes the original below
 *     its text.
 *
 * The original Message-ID is what ties a report to our mail: every
 * candidate found (attached message, attached headers, "Message-ID:" lines
 * in the text, our own "breachd." IDs anywhere) is tried against the outbox.
 * Nothing here trusts the report beyond that: a forged bounce can at worst
 * mark one of our mails as undelivered, and only one whose Message-ID the
 * forger knows. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "register/store.h"
#include "base/tz.h"
#include "base/util.h"

typedef enum {
        BOUNCE_FAILED = 1,   /* permanent: given up */
        BOUNCE_DELAYED,      /* still trying */
        BOUNCE_OTHER,        /* delivered, relayed, expanded: not a failure */
} BounceAction;

typedef struct {
        BounceAction action;
        const char *format;  /* "dsn", "exim", "qmail", "sendmail", "exchange", "text"; static */
        StrList message_ids; /* of the original mail, without <>, most trusted first */
        char *recipient;     /* the failed recipient, lower-cased; NULL when not said */
        char *status;        /* enhanced status code "5.1.1"; NULL when not said */
        char *diagnostic;    /* the server's words, one line; NULL when not said */
} Bounce;

/* 1 and *ret filled when raw is a delivery report (free it with
 * bounce_free()), 0 when it is not one, -EBADMSG when it is not a message
 * at all.  *ret is untouched unless 1 is returned. */
int bounce_parse(const char *raw, size_t len, Bounce *ret);
void bounce_free(Bounce *b);

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
