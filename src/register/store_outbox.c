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

int store_outbox_claim(Store *s, int64_t id, int64_t until)
{
        static const char sql[] = "UPDATE outbox SET next_attempt_at = ?, unconfirmed = unconfirmed + 1 "
                                  "WHERE id = ? AND state = 'queued'";
        /* Like the "sent" mark (store_outbox_sent_quick()): a process that
         * dies keeps the claim (the WAL frame is written), only a system
         * crash could lose it, and then a mail goes at most once more. */
        int r = store_exec(s, "PRAGMA synchronous = NORMAL");
        if (r < 0)
                return r;
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                r = -EIO;
        else {
                sqlite3_bind_int64(st, 1, until);
                sqlite3_bind_int64(st, 2, id);
                r = store_step_done(s, st);
        }
        int q = store_exec(s, "PRAGMA synchronous = FULL");
        return r < 0 ? r : q;
}

int store_check_writable(Store *s)
{
        /* Rewrites the header's user_version with its own value: one page
         * through the WAL and a commit, the smallest real write there is. */
        int r = store_begin(s);
        if (r < 0)
                return r;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_user_version(s));
        r = store_exec(s, sql);
        if (r >= 0)
                r = store_commit(s);
        else
                store_rollback(s);
        return r;
}

int store_outbox_sent_since(Store *s, int64_t since, OutboxSent **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT rcpts, sent_at FROM outbox WHERE sent_at > ? AND sent_at IS NOT NULL";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, since);
        OutboxSent *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n].rcpts = store_col_text(st, 0);
                v[n].sent_at = sqlite3_column_int64(st, 1);
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                outbox_sent_free(v, n);
                return store_sql_err(rc);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void outbox_sent_free(OutboxSent *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].rcpts);
        free(v);
}

int store_outbox_list(Store *s, int64_t incident_id, OutboxListFn fn, void *userdata)
{
        static const char sql[] = "SELECT kind, rcpts, state, attempts, last_error, created_at, sent_at "
                                  "FROM outbox WHERE incident_id = ? ORDER BY id";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        int r = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                OutboxListed m = {
                        .kind = (const char *)sqlite3_column_text(st, 0),
                        .rcpts = (const char *)sqlite3_column_text(st, 1),
                        .state = (const char *)sqlite3_column_text(st, 2),
                        .attempts = sqlite3_column_int(st, 3),
                        .last_error = (const char *)sqlite3_column_text(st, 4),
                        .at = sqlite3_column_type(st, 6) == SQLITE_NULL ? sqlite3_column_int64(st, 5)
                                                                        : sqlite3_column_int64(st, 6),
                };
                r = fn(&m, userdata);
                if (r < 0)
                        break;
        }
        sqlite3_reset(st);
        return r < 0 ? r : rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(rc);
}
