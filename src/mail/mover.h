/* mover.h — moving filed messages out of the inbox while the next batch is
 * fetched (ingest.c).
 *
 * A burst of reports is taken in batches: fetch, file in one transaction,
 * move.  Moving is the server's work (Dovecot takes longer to move a
 * message than to send it), and a daemon that waited for each move would
 * sit idle meanwhile.  A Mover moves on a second IMAP connection of its
 * own, in a thread, while the caller fetches and files the next batch.
 * Moves are made one at a time, in the order given; the caller learns how
 * each went from mover_collect() and records it itself.  The thread touches
 * nothing but its own connection: not the database, not the log, not the
 * caller's session.
 *
 * Exactly-once is unchanged: the caller hands a batch over only after its
 * transaction committed, and a move that fails leaves the messages in the
 * inbox, recorded, for the next pass to move (ingest.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

typedef struct Mover Mover;

/* Starts the thread, which connects as cfg says with secret (copied, and
 * wiped once logged in), selects folder and checks that its UIDVALIDITY is
 * still uidvalidity.  cfg must stay valid until mover_free().  Returns 0,
 * or -errno when no thread could be started. */
int mover_start(const MailboxConfig *cfg, const char *secret, const char *folder, uint32_t uidvalidity,
                Mover **ret);

/* Queues a move of uids (copied) to dest. */
void mover_submit(Mover *m, const uint32_t *uids, size_t n, const char *dest);

/* How a move went: r is 0, or a negative code and why says why in words
 * (-ENOTCONN: the mover has no connection, nothing was tried). */
typedef void (*mover_done_fn)(const uint32_t *uids, size_t n, const char *dest, int r, const char *why,
                              void *userdata);

/* Calls done, in this thread, for each queued move that is over, oldest
 * first; with wait, waits until every queued move is over. */
void mover_collect(Mover *m, bool wait, mover_done_fn done, void *userdata);

/* Waits for the queued moves (their results are dropped: collect them
 * first), logs out and ends the thread.  Accepts NULL. */
void mover_free(Mover *m);
