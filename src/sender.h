/* sender.h — delivers the outbox over SMTP.
 *
 * A row is marked sent right after the server accepted it (250 after DATA),
 * one row at a time, so at most the message in flight can be sent twice if
 * the process dies between the two; that mark does not wait for the disk
 * (store_outbox_sent_quick()), so the window is microseconds, not an fsync.  Temporary failures (4xx, connection
 * trouble) are retried with exponential backoff; permanent ones (5xx) are
 * recorded on the incident and never retried, and when an acknowledgement
 * is refused the DPO is told (bounce_tell_dpo()). */
#pragma once

#include "config.h"
#include "store.h"

typedef struct {
        unsigned sent, deferred, failed;
        char *last_error;      /* the most recent failure, for one log line */
} SendStats;
void send_stats_free(SendStats *s);

/* Sends every due row.  Returns 0, or a negative code when the server could
 * not be reached at all (rows stay queued with their retry time). */
int sender_run(const Config *cfg, Store *s, SendStats *stats);

/* Delay before attempt n+1 after n failures: 30 s doubling, at most 1 h. */
int64_t sender_backoff(int attempts);
