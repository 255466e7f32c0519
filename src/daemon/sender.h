/* sender.h — delivers the outbox over SMTP.
 *
 * A row is marked sent right after the server accepted it (250 after DATA),
 * one row at a time, so at most the message in flight can be sent twice if
 * the process dies between the two; that mark does not wait for the disk
 * (store_outbox_sent_quick()), so the window is microseconds, not an fsync.
 * Temporary failures (4xx, connection trouble) are retried with exponential
 * backoff; permanent ones (5xx) are recorded on the incident and never
 * retried, and when an acknowledgement is refused the DPO is told
 * (bounce_tell_dpo()).
 *
 * No failure of ours sends a mail in a loop (issue 12: a full disk or a held
 * lock made the "sent" mark fail and the same acknowledgement went out 194
 * times in 20 s):
 *   - right before a row is handed over it is claimed in the register
 *     (store_outbox_claim()): its next attempt moves 30 s ahead and its
 *     count of unconfirmed hand-overs goes up.  When that write fails the
 *     row is not sent, nor any after it.  The claim is of the row as it was
 *     read: when another sender (a second host on one PostgreSQL) claimed
 *     or recorded it since, this one leaves it alone, so of two senders
 *     one sends it;
 *   - a mail the server accepted whose mark then fails is remembered by the
 *     Sender and never handed over again by this process; its mark is
 *     written first thing in the next pass, and until it is, nothing else
 *     is sent.  After a restart it is due again only when the claim ends,
 *     and a row handed over twice with no outcome recorded is given up
 *     (failed, with the reason) rather than sent a third time;
 *   - the per-address cap (Config.max_auto_replies_per_day) holds at
 *     sending too, for every kind of mail, counted per hand-over: mail to
 *     the DPOs, the escalation addresses and the admin is not capped.
 * sender_run() returns -EROFS when the register could not be written
 * (SendStats.register_error says why): the caller backs off and alerts. */
#pragma once

#include "base/config.h"
#include "notices/notices.h"
#include "register/store.h"

typedef struct {
        unsigned sent, deferred, failed;
        unsigned held;         /* over the per-address cap, due again later */
        char *last_error;      /* the most recent failure, for one log line */
        char *register_error;  /* set with -EROFS: why the register failed */
} SendStats;
void send_stats_free(SendStats *s);

/* What the sender remembers between passes (the marks still to write, the
 * hand-overs per address).  One per process. */
typedef struct Sender Sender;
Sender *sender_new(void);
void sender_free(Sender *sd);
/* Mails the server has whose "sent" mark is not written yet. */
size_t sender_unmarked(const Sender *sd);

/* Sends every due row.  Returns 0; -EROFS when the register could not be
 * written (nothing more is sent in this pass); or another negative code
 * when the server could not be reached at all (rows stay queued with their
 * retry time). */
int sender_run(Sender *sd, const Config *cfg, Store *s, SendStats *stats);

/* Hands one mail to the SMTP server at once, outside the outbox: only for
 * the alert that the register itself cannot be written.  Not retried. */
int sender_send_now(const Config *cfg, const RenderedMail *mail, char **ret_why);

/* Delay before attempt n+1 after n failures: 30 s doubling, at most 1 h. */
int64_t sender_backoff(int attempts);
