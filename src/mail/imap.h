/* imap.h — the IMAP client: one blocking session on libetpan.
 *
 * Every function returns 0 or a negative errno-style code; on failure
 * imap_last_error() says what happened in words fit for a log line (server
 * text included, control characters removed).  Codes callers act on:
 *
 *   -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT  connecting failed: retry later
 *   -ECONNRESET   the connection broke or the server said BYE mid-session
 *   -ENOTCONN     an earlier error left the session unusable: imap_free() it
 *   -EACCES       the server refused the credentials (NO/BAD to LOGIN or
 *                 AUTHENTICATE)
 *   -EPERM        TLS certificate not trusted, or a secret would have crossed
 *                 an unencrypted non-loopback connection
 *   -EPROTO       the server broke the protocol or refused a command
 *   -ENOENT       the folder does not exist
 *   -ESTALE       the selected folder's UIDVALIDITY changed: known UIDs are void
 *   -EOPNOTSUPP   the server lacks IDLE
 *   -EBUSY        a command other than the IDLE calls was issued while idling
 *
 * After -ECONNRESET, -EPROTO from a parse error, -ETIMEDOUT mid-session or
 * -ENOTCONN the session is dead and only imap_free() is useful.
 *
 * Network writes may raise SIGPIPE when the server has gone away (libetpan
 * uses plain send()); the program must ignore SIGPIPE.
 *
 * Every network step gives up after NET_TIMEOUT_S (60 s), so a dead server
 * cannot hang the caller.  The session is not thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"

typedef struct Imap Imap;

/* Connects per cfg (tls imaps, starttls or none; none only sends the secret
 * to a loopback peer), verifies the server certificate against cfg->ca_file
 * or the system store before any credential is sent, logs in (LOGIN for
 * AUTH_PLAIN; AUTHENTICATE XOAUTH2 or OAUTHBEARER with secret as the access
 * token) and reads the capabilities.  secret is only read during the call.
 * On failure *ret is untouched; imap_last_error(NULL) then explains. */
int imap_connect(const MailboxConfig *cfg, const char *secret, Imap **ret);

/* The last error of s, or "" when none; owned by the session, valid until
 * the next call on it.  With s NULL: why this thread's last imap_connect()
 * failed (valid until the next imap_connect()). */
const char *imap_last_error(const Imap *s);

/* Frees what imap_last_error(NULL) holds for this thread: a thread that
 * called imap_connect() calls it before it ends (mover.c). */
void imap_forget_connect_error(void);

/* Whether the server announced cap after login ("MOVE", "UIDPLUS", "IDLE",
 * "AUTH=XOAUTH2"); case-insensitive. */
bool imap_has_capability(const Imap *s, const char *cap);

/* Creates folder unless LIST shows it exists.  folder is UTF-8; it is sent
 * in modified UTF-7 as RFC 3501 requires. */
int imap_ensure_folder(Imap *s, const char *folder);

/* Selects folder.  uidnext is 0 when the server did not announce it.  Any
 * ret_ pointer may be NULL.  Callers compare uidvalidity with the value
 * they stored: a change means every stored UID is void.  Once selected,
 * later calls return -ESTALE if the server announces a new UIDVALIDITY. */
int imap_select(Imap *s, const char *folder, uint32_t *ret_uidvalidity,
                uint32_t *ret_uidnext, uint32_t *ret_exists);

/* UID SEARCH UID min_uid:* in the selected folder.  *ret_uids (caller frees,
 * NULL when *ret_n is 0) is sorted ascending, without duplicates, and holds
 * only UIDs >= min_uid: "n:*" also matches the last message when its UID is
 * below n, which is filtered out here.  min_uid 0 is taken as 1. */
int imap_search_uids(Imap *s, uint32_t min_uid, uint32_t **ret_uids, size_t *ret_n);

typedef struct {
        uint32_t uid;
        int64_t internaldate;   /* UTC seconds */
        const char *data;       /* the raw message; NULL when over max_size */
        size_t len;             /* 0 when data is NULL */
        uint64_t rfc822_size;   /* as the server announced it */
} ImapMessage;

/* Called once per message, in ascending UID order.  m and m->data are valid
 * only during the call.  A negative return stops further calls; imap_fetch()
 * still reads the rest of the server's answer and then returns that value. */
typedef int (*imap_message_cb)(const ImapMessage *m, void *userdata);

/* Fetches uids (any order, duplicates ignored) from the selected folder
 * with BODY.PEEK[] (the \Seen flag is not set) in one pipelined UID FETCH
 * over a compact set of ranges.  With max_size > 0 a first UID FETCH asks
 * only (UID INTERNALDATE RFC822.SIZE) for the whole set, and messages larger
 * than max_size are reported with data NULL so the caller can quarantine
 * them without downloading them; max_size 0 means no limit and a single
 * command.  Messages deleted meanwhile are skipped silently.  Bodies are
 * handed over one by one as they arrive, so memory holds one message at a
 * time, not the batch.  The command line grows with the number of ranges:
 * keep batches to a few thousand UIDs. */
int imap_fetch(Imap *s, const uint32_t *uids, size_t n, uint64_t max_size,
               imap_message_cb cb, void *userdata);

/* The header of message uid in the selected folder (BODY.PEEK[HEADER], at
 * most max bytes): how a message too large to download is still answered.
 * *ret (caller frees) is NUL-terminated; -ENOENT when the message is gone. */
int imap_fetch_header(Imap *s, uint32_t uid, size_t max, char **ret, size_t *ret_len);

/* Moves uids from the selected folder to dest with one command over a
 * compact set: UID MOVE when the server has MOVE; otherwise UID COPY, then
 * UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE of just that set when
 * the server has UIDPLUS.  Without UIDPLUS a plain EXPUNGE would also purge
 * messages someone else marked \Deleted, so it is issued only when UID SEARCH
 * DELETED finds no \Deleted message outside the set; otherwise the copies
 * stand and the originals stay behind flagged \Deleted (0 is returned: the
 * move happened as far as the copies go). */
int imap_move(Imap *s, const uint32_t *uids, size_t n, const char *dest);

/* IDLE (RFC 2177) in the selected folder.  imap_idle_start() enters IDLE;
 * then call imap_idle_wait(s, 0, ...) once, because the server's first
 * notifications may already sit in the read buffer where poll() cannot see
 * them; afterwards poll imap_idle_fd() for POLLIN and call imap_idle_wait()
 * when it fires; imap_idle_done() leaves IDLE.  No other command may be sent
 * while idling.  Servers drop an IDLE after 30 minutes: leave and re-enter
 * it at least every 29. */
int imap_idle_start(Imap *s);
int imap_idle_fd(Imap *s);
int imap_idle_done(Imap *s);

/* Waits up to timeout_ms (0: only what is already there; negative: no
 * limit) for the server's untagged responses while idling and reads them;
 * *ret_new_mail becomes true when one may mean new mail (any EXISTS, or
 * RECENT > 0: a spurious wake-up costs one search, a missed one a poll
 * interval).  Returns early once new mail is seen; keep-alive chatter does
 * not end the wait.  Stays in IDLE. */
int imap_idle_wait(Imap *s, int timeout_ms, bool *ret_new_mail);

/* LOGOUT (best effort, skipped when the session is dead) and close.
 * Accepts NULL. */
void imap_free(Imap *s);
