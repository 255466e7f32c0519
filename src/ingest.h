/* ingest.h — one pass over the watched mailbox: find what is new, file it,
 * then move it out of the inbox.
 *
 * Order of events, which is what makes it exactly-once:
 *   1. fetch a batch of unprocessed messages (UIDs not in the register);
 *   2. in ONE transaction: record every message (UIDVALIDITY + UID, and its
 *      Message-ID or raw hash as a second key), file each new incident with
 *      its raw message, queue its mail in the outbox; COMMIT (durable:
 *      WAL + synchronous=FULL);
 *   3. only then move the batch to the processed or quarantine folder.
 * A crash or failed move after 2 leaves messages in the inbox whose UIDs are
 * already recorded: the next pass only moves them.  A message seen again
 * under another UID (UIDVALIDITY reset, a copy) is recognised by its key. */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "form.h"
#include "imap.h"
#include "store.h"
#include "tz.h"

typedef struct {
        const Config *cfg;
        Store *store;
        const Tz *tz;
        const FormLabels *labels;
        /* Asked between batches: true to stop early (SIGTERM). */
        bool (*should_stop)(void *userdata);
        void *userdata;
} IngestContext;

typedef struct {
        unsigned filed, followups, quarantined, duplicates, ignored, moved, move_failures;
} IngestStats;

/* One pass.  Returns 0, or a negative code when the server or the database
 * failed (the caller logs, reconnects, retries). */
int ingest_poll(const IngestContext *ctx, Imap *imap, IngestStats *stats);

/* Builds the FormLabels for cfg (defaults plus configured labels). */
FormLabels *ingest_labels_for(const Config *cfg);
