/* ingest-internal.h — for ingest.c (the batch's choreography) and
 * ingest_guard.c (reading ahead in the guard's worker) only: the batch they
 * share and the calls between them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/guard.h"
#include "case/ingest.h"
#include "mail/imap.h"
#include "mail/mover.h"
#include "read/message.h"

/* An organisation's IngestContext for the messages of a shared mailbox
 * routed to it (orgs.h): its Config, zone and labels, made when the pass
 * first needs them and freed with the pass. */
typedef struct {
        IngestContext ctx;
        Tz *tz;                   /* NULL: the shared context's zone is the same */
        FormLabels *labels;
} OrgContext;

/* What one pass does with each message, decided while the batch's
 * transaction is open and carried out after it commits. */
typedef struct {
        uint32_t *processed, *quarantined, *automatic;
        size_t n_processed, n_quarantined, n_automatic;
} MovePlan;

typedef struct {
        const IngestContext *ctx;
        const char *mailbox;
        uint32_t uidvalidity;
        IngestStats *stats;
        MovePlan plan;
        int error;    /* a database failure aborts the batch */
        Guard *guard;             /* reads each message in a bounded worker first (guard.h) */
        bool unguarded_said;
        ImapMessage *oversized;   /* not downloaded: answered once the fetch is over */
        size_t n_oversized;
        int64_t reprocess_row;    /* breachctl reprocess: rewrite this messages row instead */
        const char *parsed;       /* the guard's worker's reading of the message in hand */
        size_t parsed_len;
        Imap *imap;
        Mover *mover;             /* moves filed batches while the next is fetched; NULL: we do */
        bool mover_down_said;
        OrgContext **orgs;        /* the organisations routed to so far (ctx->cfg->orgs) */
        size_t n_orgs;
} Batch;

/* Files im (ingest.c): its message read, judged and recorded in the
 * batch's transaction.  0, or a negative code that aborts the batch. */
int ingest_handle_message(Batch *b, const ImapMessage *im);

/* Records im in quarantine, why said in the log and the register. */
int ingest_quarantine(Batch *b, const ImapMessage *im, const Message *m, const char *why, int64_t received_at);

/* What the guard's worker does with a message (guard.h's GuardReadFn);
 * userdata is the IngestContext. */
int ingest_guard_read(const char *raw, size_t len, void *userdata, Buf *out);

/* The message in hand parsed: as the guard's worker handed it back, else
 * here.  0, or a negative code with *ret_why (caller frees). */
int ingest_guard_parsed(Batch *b, const ImapMessage *im, Message **ret, char **ret_why);

/* Hands im to the guard and files what it has judged, keeping a few back
 * for the worker to read while the ones before are filed. */
int ingest_guard_submit(Batch *b, const ImapMessage *im);

/* Files every message the guard still holds. */
int ingest_guard_drain(Batch *b);
