/* store_outbox.c — the outbox's claim before sending (see store.h, "the
 * claim before sending", and sender.h for why), and the outbox of an
 * incident as breachctl show lists it. */
#include <errno.h>
#include <stdio.h>

#include "register/store-internal.h"

int store_outbox_schema(Store *s)
{
        return store_exec(s, "ALTER TABLE outbox ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;\n"
                             "CREATE INDEX outbox_sent_at ON outbox(sent_at) WHERE sent_at IS NOT NULL;\n");
}

int store_outbox_claim(Store *s, const OutboxRow *row, int64_t until)
{
        /* Only the row as it was read: still queued, its next attempt and
         * its unconfirmed count untouched.  Two senders that read it at
         * once (two hosts on one PostgreSQL, two daemons on one SQLite
         * file) both try this; the database serialises the two writes of
         * the one row (PostgreSQL's second waits for the first to commit
         * and reads the row again), and the second finds it changed. */
        static const char sql[] = "UPDATE outbox SET next_attempt_at = ?, unconfirmed = unconfirmed + 1 "
                                  "WHERE id = ? AND state = 'queued' AND next_attempt_at = ? AND unconfirmed = ?";
        /* Like the "sent" mark (store_outbox_sent_quick()): a process that
         * dies keeps the claim (the WAL frame is written), only a system
         * crash could lose it, and then a mail goes at most once more. */
        int r = store_exec(s, "PRAGMA synchronous = NORMAL");
        if (r < 0)
                return r;
        r = store_write(s, sql,
                        STORE_VALUES(SV_INT(until), SV_INT(row->id), SV_INT(row->next_attempt_at), SV_INT(row->unconfirmed)));
        int64_t changed = r < 0 ? 0 : store_changes(s);
        int q = store_exec(s, "PRAGMA synchronous = FULL");
        if (r < 0)
                return r;
        if (q < 0)
                return q;
        return changed == 1 ? 0 : -EALREADY;
}

int store_check_writable(Store *s)
{
        /* Rewrites the header's user_version with its own value: one page
         * through the WAL and a commit, the smallest real write there is. */
        int r = store_begin(s);
        if (r < 0)
                return r;
        r = store_set_user_version(s, store_user_version(s));
        if (r >= 0)
                r = store_commit(s);
        else
                store_rollback(s);
        return r;
}

static int sent_row(StoreRow *st, void *userdata)
{
        OutboxSent *m = store_vec_push(userdata, sizeof *m);
        m->rcpts = store_col_text(st, 0);
        m->sent_at = store_col_int64(st, 1);
        return 0;
}

int store_outbox_sent_since(Store *s, int64_t since, OutboxSent **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT rcpts, sent_at FROM outbox WHERE sent_at > ? AND sent_at IS NOT NULL";
        StoreVec v = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(since)), sent_row, &v);
        if (r < 0) {
                outbox_sent_free(v.v, v.n);
                return r;
        }
        *ret = v.v;
        *ret_n = v.n;
        return 0;
}

void outbox_sent_free(OutboxSent *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].rcpts);
        free(v);
}

typedef struct {
        OutboxListFn fn;
        void *userdata;
} ListCall;

static int listed_row(StoreRow *st, void *userdata)
{
        const ListCall *call = userdata;
        OutboxListed m = {
                .kind = store_col_str(st, 0),
                .rcpts = store_col_str(st, 1),
                .state = store_col_str(st, 2),
                .attempts = store_col_int(st, 3),
                .last_error = store_col_str(st, 4),
                .at = store_col_int64_or(st, 6, store_col_int64(st, 5)),
        };
        return call->fn(&m, call->userdata);
}

int store_outbox_list(Store *s, int64_t incident_id, OutboxListFn fn, void *userdata)
{
        static const char sql[] = "SELECT kind, rcpts, state, attempts, last_error, created_at, sent_at "
                                  "FROM outbox WHERE incident_id = ? ORDER BY id";
        ListCall call = {fn, userdata};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), listed_row, &call);
        return r < 0 ? r : 0;
}

typedef struct {
        unsigned count;
        bool cancelled, sent;
} CalendarCount;

static int calendar_row(StoreRow *st, void *userdata)
{
        CalendarCount *c = userdata;
        c->count = (unsigned)store_col_int64(st, 0);
        c->cancelled = store_col_int64(st, 1) > 0;
        c->sent = store_col_int64(st, 2) > 0;
        return 0;
}

int store_outbox_calendar(Store *s, int64_t incident_id, unsigned *ret_count, bool *ret_cancelled, bool *ret_sent)
{
        /* A DPO notice carried the event when its bytes hold the
         * text/calendar part; one whose bytes are purged is taken to have
         * when it was queued before the deadline. */
        static const char sql[] =
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN kind = 'calendar_cancel' THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN kind = 'calendar_update' OR (kind = 'dpo_notice' AND "
                "(instr(data, CAST('text/calendar' AS BLOB)) > 0 OR (length(data) = 0 AND "
                "created_at < (SELECT deadline_at FROM incidents WHERE id = ?1)))) THEN 1 ELSE 0 END), 0) FROM outbox "
                "WHERE incident_id = ?1 AND kind IN ('dpo_notice', 'calendar_update', 'calendar_cancel')";
        CalendarCount c = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), calendar_row, &c);
        if (r < 0)
                return r;
        *ret_count = c.count;
        *ret_cancelled = c.cancelled;
        if (ret_sent)
                *ret_sent = c.sent;
        return 0;
}
