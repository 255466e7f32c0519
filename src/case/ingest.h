/* ingest.h — one pass over the watched mailbox: find what is new, file it,
 * then move it out of the inbox.
 *
 * Order of events, which is what makes it exactly-once:
 *   1. fetch a batch of unprocessed messages (UIDs not in the register);
 *   2. in ONE transaction: record every message (UIDVALIDITY + UID, and its
 *      Message-ID or raw hash as a second key), file each new incident with
 *      its raw message, queue its mail in the outbox; COMMIT (durable:
 *      WAL + synchronous=FULL);
 *   3. only then move the batch to the processed or quarantine folder
 *      (in a burst, on a second session while the next batch is fetched:
 *      mover.h).
 * A crash or failed move after 2 leaves messages in the inbox whose UIDs are
 * already recorded: the next pass only moves them.  A message seen again
 * under another UID (UIDVALIDITY reset, a copy) is recognised by its key. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "read/form.h"
#include "mail/imap.h"
#include "read/formread.h"
#include "register/store.h"
#include "base/tz.h"

typedef struct {
        const Config *cfg;
        Store *store;
        const Tz *tz;
        const FormLabels *labels;
        /* Asked between batches (and after a poison message, whose reading
         * may have been waited on for half a minute): true to stop early
         * (SIGTERM); the daemon also pings its watchdog there. */
        bool (*should_stop)(void *userdata);
        void *userdata;
        /* The mailbox secret the caller's session logged in with: a pass of
         * more than one batch opens a second session with it to move each
         * filed batch while the next is fetched (mover.h).  NULL: one
         * session, each move waited for. */
        const char *mailbox_secret;
} IngestContext;

typedef struct {
        unsigned filed, followups, quarantined, duplicates, ignored, moved, move_failures;
} IngestStats;

/* One pass.  Returns 0, or a negative code when the server or the database
 * failed (the caller logs, reconnects, retries). */
int ingest_poll(const IngestContext *ctx, Imap *imap, IngestStats *stats);

/* Builds the FormLabels for cfg (defaults plus configured labels). */
FormLabels *ingest_labels_for(const Config *cfg);

/* Why m is quarantined rather than read: no sender, an automatic message,
 * a sender outside the staff domains.  NULL when it may be read; else a new
 * string. */
char *ingest_refusal(const Config *cfg, const Message *m);

/* The incident m follows up: "[REF]" in its subject, or In-Reply-To or
 * References naming a message of the incident (one it was filed from, a
 * follow-up, or mail breachd sent about it).  Returns 1 and sets *ret_id, 0
 * when m follows up none, or a negative code on a database error. */
int ingest_find_followup(Store *s, const Message *m, int64_t *ret_id);

/* The reading path of a new report, as filing uses it: the form out of m
 * (formread_message), its values read against the message date in ctx->tz
 * (values_interpret), the reporter (for a forward, the original sender; the
 * forwarder goes to forwarded_by), then incident_evaluate.  inc must be
 * initialised (incident_init) and is filled, not stored; *ret_info is
 * overwritten, the caller frees it with formread_info_free().  Only ctx->cfg,
 * ctx->tz and ctx->labels are used. */
void ingest_read_report(const IngestContext *ctx, const Message *m, int64_t received_at, Incident *inc,
                        FormreadInfo *ret_info);

/* breachctl reprocess: handles raw (the bytes of row message_row of the
 * messages table, received at received_at) again, as ingest_poll() would
 * a new message, and rewrites that row's disposition instead of adding
 * one: a quarantined message that now reads as a report is filed, with its
 * acknowledgement and DPO notice queued.  No folder is touched.  Inside the
 * caller's transaction; what happened is counted in *stats. */
int ingest_reprocess(const IngestContext *ctx, int64_t message_row, const char *raw, size_t len,
                     int64_t received_at, IngestStats *stats);

/* Every reading ingest does with a message, short of the register: the
 * guard's worker runs it (guard.h), and so does breachctl reprocess before
 * reading a message itself.  ctx is the IngestContext; out (may be NULL)
 * receives the parsed message as ingest hands it over from the worker.
 * Returns 0. */
int ingest_read_trial(const char *raw, size_t len, void *ctx, Buf *out);
