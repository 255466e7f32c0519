/* store_messages.c — the recorded messages as breachctl reprocess reads
 * them again: a message's raw bytes, the quarantined messages whose bytes
 * are kept, the report message of an incident (see store.h, "messages read
 * again"). */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

void stored_raw_free(StoredRaw *r)
{
        if (!r)
                return;
        free(r->raw);
        free(r->from);
        free(r->subject);
        free(r->reason);
        memset(r, 0, sizeof *r);
}

int store_messages_raw(Store *s, int64_t id, StoredRaw *ret)
{
        static const char sql[] = "SELECT raw, COALESCE(received_at, seen_at), from_addr, subject, reason "
                                  "FROM messages WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return rc == SQLITE_DONE ? -ENOENT : store_sql_err(rc);
        }
        if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
                sqlite3_reset(st);
                return -ENODATA;
        }
        StoredRaw row = {.id = id, .received_at = sqlite3_column_int64(st, 1)};
        row.len = (size_t)sqlite3_column_bytes(st, 0);
        /* One byte more, a NUL, so that the bytes can be read as a string. */
        row.raw = xmalloc(row.len + 1);
        if (row.len)
                memcpy(row.raw, sqlite3_column_blob(st, 0), row.len);
        row.raw[row.len] = 0;
        row.from = store_col_text(st, 2);
        row.subject = store_col_text(st, 3);
        row.reason = store_col_text(st, 4);
        sqlite3_reset(st);
        *ret = row;
        return 0;
}

/* The first column of every row of the kept statement st, whose values
 * are bound; st is reset. */
static int ids_of(sqlite3_stmt *st, int64_t **ret, size_t *ret_n)
{
        int64_t *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                free(v);
                return store_sql_err(rc);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int store_messages_quarantined(Store *s, int64_t **ret, size_t *ret_n)
{
        static const char sql[] =
                "SELECT id FROM messages WHERE disposition = 'quarantine' AND raw IS NOT NULL ORDER BY id";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        return ids_of(st, ret, ret_n);
}

int store_messages_report(Store *s, int64_t incident_id, int64_t *ret_id)
{
        static const char sql[] = "SELECT id FROM messages WHERE incident_id = ? AND disposition = 'report' "
                                  "ORDER BY id LIMIT 1";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r = ids_of(st, &ids, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return -ENOENT;
        *ret_id = ids[0];
        return 0;
}
