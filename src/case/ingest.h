/* ingest.h — one pass over the watched mailbox: find what is new, file it,
 * then move it out of the inbox.
 *
 * Order of events, which is what makes it exactly-once:
 *   1. fetch a batch of unprocessed messages (UIDs not in the register);
 *   2. in ONE transaction: record every message (UIDVALIDITY + UID, and its
 *      Message-ID or raw hash as a second key), file each new incident with
 *      its raw message, queue its mail in the outbox; COMMIT (durable:
 *      WAL + synchronous=FULL);
 *   3. only then move the batch to the processed, quarantine or automatic folder
 *      (in a burst, on a second session while the next batch is fetched:
 *      mover.h).
 * A crash or failed move after 2 leaves messages in the inbox whose UIDs are
 * already recorded: the next pass only moves them.  A message seen again
 * under another UID (UIDVALIDITY reset, a copy) is recognised by its key. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "base/util.h"
#include "case/ingest_context.h"
#include "case/ingest_read.h"
#include "mail/imap.h"
#include "register/store.h"

typedef struct {
        unsigned filed, followups, quarantined, automatic, duplicates, ignored, moved, move_failures;
} IngestStats;

/* The register key of the mailbox cfg->mailbox (messages.mailbox, which
 * keys UIDs with the UIDVALIDITY): the folder's name ("INBOX") for a
 * single organisation's mailbox and for the shared one, as every register
 * before organisations has it, so that nothing is read as new; for an
 * organisation's own mailbox (cfg->own_mailbox) "KEY/FOLDER"
 * ("ashgrove/INBOX"), because another organisation's account has an
 * INBOX too.  Caller frees. */
char *ingest_mailbox_key(const Config *cfg);

/* One pass.  Returns 0, or a negative code when the server or the database
 * failed (the caller logs, reconnects, retries). */
int ingest_poll(const IngestContext *ctx, Imap *imap, IngestStats *stats);

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
