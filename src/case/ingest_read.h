/* ingest_read.h — what ingest makes of one message short of filing it:
 * the form's labels, whether the sender may be answered, the incident a
 * reply follows up, and the reading of a new report.  breachctl reprocess
 * and the tests use them as ingest does, so that a message is read the same
 * way wherever it is read. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "case/ingest_context.h"
#include "read/form.h"
#include "read/formread.h"
#include "read/message.h"
#include "register/incident.h"
#include "register/store.h"

/* Builds the FormLabels for cfg (defaults plus configured labels). */
FormLabels *ingest_labels_for(const Config *cfg);

/* Why m is quarantined rather than read: no sender, an automatic message,
 * mail from breachd's own address (its From, or the envelope sender the
 * delivering server recorded: m->return_path), a sender outside the staff
 * domains, a staff sender the trusted mail server does not vouch for
 * ("possibly forged", sender_trust.h).  NULL when it may be read; else a
 * new string. */
char *ingest_refusal(const Config *cfg, const Message *m);

/* Whether a reason ingest_refusal() gave is that of automatic mail
 * (STORE_REASON_AUTOMATIC: out-of-office replies, lists, receipts, delivery
 * reports about nothing we sent): it needs nobody, and is filed quietly in
 * mailbox.automatic_folder rather than quarantined. */
bool ingest_reason_automatic(const char *reason);

/* A forward whose inner message (by its Message-ID) was filed before: a
 * second copy of that report (ingest_find_followup() returns it). */
#define INGEST_SECOND_COPY 2

/* The incident m follows up: "[REF]" in its subject, or In-Reply-To or
 * References naming a message of the incident (one it was filed from, a
 * follow-up, or mail breachd sent about it), or a forward of a message
 * filed before (INGEST_SECOND_COPY).  Returns 1 or 2 and sets *ret_id, 0
 * when m follows up none, or a negative code on a database error. */
int ingest_find_followup(Store *s, const Message *m, int64_t *ret_id);

/* The message a report was first sent as, which a later copy is known
 * by (StoredMessage.orig_*): for a forward, the pasted header block's
 * From: address, Date: (read in ctx->tz, to the minute at least) and
 * Subject:, or the attached message's, with its Message-ID when it has
 * one; for anything else (or a forward that names no original sender or
 * no readable Date:), m itself: its From:, Date: (else received_at),
 * Subject:, Message-ID.  forward says which. */
typedef struct {
        char *from;               /* the bare address, lower-cased; NULL: none */
        int64_t at;               /* its Date:, UTC seconds */
        char *subject;
        const char *message_id;   /* m's; NULL when the original had none */
        bool forward;
} IngestOriginal;
void ingest_original(const IngestContext *ctx, const Message *m, int64_t received_at, IngestOriginal *ret);
void ingest_original_free(IngestOriginal *o);

/* A forward (pasted or attached) that is a second copy of a report filed
 * before, however that one came: its original's sender and Date: (to the
 * minute: from two minutes before to three after) and Subject: (without
 * Re:/Fwd:, spaces and case ignored) are a filed report's original's, and
 * not both have a Message-ID (those are matched by ingest_find_followup()).
 * Returns INGEST_SECOND_COPY and sets *ret_id, 0 when none matches, or a
 * negative code on a database error. */
int ingest_find_pasted_copy(const IngestContext *ctx, const Message *m, int64_t *ret_id);

/* The address in a pasted forward's From: "Jane <jane@x>", "jane@x", or
 * Outlook's "Jane [mailto:jane@x]", lower-cased; NULL when it gives none. */
char *ingest_pasted_address(const char *from);

/* The reading path of a new report, as filing uses it: the form out of m
 * (formread_message), its values read against the message date in ctx->tz
 * (values_interpret), the reporter (for a forward, the original sender; the
 * forwarder goes to forwarded_by), then incident_evaluate.  inc must be
 * initialised (incident_init) and is filled, not stored; *ret_info is
 * overwritten, the caller frees it with formread_info_free().  Only ctx->cfg,
 * ctx->tz and ctx->labels are used. */
void ingest_read_report(const IngestContext *ctx, const Message *m, int64_t received_at, Incident *inc,
                        FormreadInfo *ret_info);
