/* alert.h — the mail breachd writes about trouble rather than about a new
 * report: to the DPO when an acknowledgement could not be delivered, to the
 * admin when the mailbox cannot be reached (once, after
 * Config.alert_after_failures failures in a row) and when it can again,
 * and the one short reply to a staff member whose message was too large to
 * read.  Each is rendered from its template (delivery-failed, mailbox-down,
 * mailbox-up, too-large in templates_dir) and queued in the outbox like any
 * other mail, so an SMTP outage delays it and loses nothing.
 *
 * Every function returns 0 (or 1 where said), or a negative code with
 * *ret_why set (caller frees). */
#pragma once

#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "notices/notices.h"
#include "notices/template.h"
#include "read/message.h"
#include "register/incident.h"
#include "register/store.h"

/* Queues the delivery-failed notice to the DPO(s): the acknowledgement of
 * inc to rcpt failed, failure in the server's words.  Outbox kind
 * "delivery_failed". */
int alert_delivery_failed(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, const char *rcpt,
                          const char *failure, char **ret_why);

typedef struct {
        unsigned failures;      /* consecutive */
        int64_t since;          /* UTC of the first of them */
        const char *last_error; /* the latest, as logged (no secret ever is) */
        int64_t now;
} MailboxOutage;

/* Queue the mailbox-down or mailbox-up mail to cfg->admin (kinds
 * "admin_alert", "admin_recovered").  Without an admin address nothing is
 * queued and 0 is returned; 1 when a mail was queued. */
int alert_mailbox_down(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why);
int alert_mailbox_up(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why);

/* The register cannot be written (MailboxOutage describes the register's
 * outage here): the mail to cfg->admin is rendered, not queued, since the
 * outbox is in the register; the caller hands it to the SMTP server
 * (sender_send_now()).  Returns 0 without an admin address, 1 with *ret
 * set (rendered_mail_free()).  Template register-down. */
int alert_register_down(const Config *cfg, const Tz *tz, const MailboxOutage *o, RenderedMail *ret, char **ret_why);
/* The register can be written again: queued like any mail (kind
 * "admin_register_recovered", template register-up); 0 without an admin,
 * 1 when queued. */
int alert_register_up(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why);

/* The quarantine digest to cfg->admin (kind "quarantine_digest", template
 * quarantine-digest): every quarantined message not yet in a digest, with
 * its sender, subject, reason and the command to read it again, and those
 * messages marked reported (store_quarantine_mark_reported()), both in the
 * caller's transaction, so that each is told exactly once whatever
 * restarts or however many hosts run it (store_serialise()).  At most one an hour (ALERT_DIGEST_INTERVAL after the last).
 * 1 when one was queued; 0 when none was due: no admin address, nothing
 * new, or the last less than an hour before now. */
#define ALERT_DIGEST_INTERVAL 3600
int alert_quarantine_digest(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why);

/* Queues the too-large reply (kind "too_large") to rcpt, the sender of m
 * (the caller decides which of its addresses: case/replyaddr.h), read from
 * the headers of a message of `size` bytes that was not downloaded. */
int alert_too_large(Store *s, const Config *cfg, const Message *m, const char *rcpt, uint64_t size,
                    char **ret_why);

/* "25.0 MiB", "812 KiB", "900 bytes"; caller frees. */
char *alert_format_size(uint64_t bytes);

/* Adds a sample value for every variable the four templates use beyond the
 * incident's, so that templates_check() (case/templates_check.h) can render them. */
void alert_sample_vars(TemplateVars *v);
