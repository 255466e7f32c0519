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

/* The row of store_messages_raw() into the StoredRaw userdata; -ENODATA
 * when its raw bytes are gone. */
static int raw_row(StoreRow *st, void *userdata)
{
        StoredRaw *row = userdata;
        if (store_col_is_null(st, 0))
                return -ENODATA;
        row->received_at = store_col_int64(st, 1);
        const void *raw = store_col_blob(st, 0, &row->len);
        /* One byte more, a NUL, so that the bytes can be read as a string. */
        row->raw = xmalloc(row->len + 1);
        if (row->len)
                memcpy(row->raw, raw, row->len);
        row->raw[row->len] = 0;
        row->from = store_col_text(st, 2);
        row->subject = store_col_text(st, 3);
        row->reason = store_col_text(st, 4);
        return 0;
}

int store_messages_raw(Store *s, int64_t id, StoredRaw *ret)
{
        static const char sql[] = "SELECT raw, COALESCE(received_at, seen_at), from_addr, subject, reason "
                                  "FROM messages WHERE id = ?";
        StoredRaw row = {.id = id};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(id)), raw_row, &row);
        if (r <= 0) {
                stored_raw_free(&row);
                return r < 0 ? r : -ENOENT;
        }
        *ret = row;
        return 0;
}

/* The ids sql selects, in *ret (caller frees). */
static int ids_of(Store *s, const char *sql, int64_t **ret, size_t *ret_n)
{
        StoreVec ids = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(s->org)), store_row_id, &ids);
        if (r < 0) {
                free(ids.v);
                return r;
        }
        *ret = ids.v;
        *ret_n = ids.n;
        return 0;
}

int store_messages_quarantined(Store *s, int64_t **ret, size_t *ret_n)
{
        static const char sql[] =
                "SELECT id FROM messages WHERE disposition = 'quarantine' AND raw IS NOT NULL "
                "AND (reason IS NULL OR reason NOT LIKE '" STORE_REASON_AUTOMATIC "%') "
                "AND org = COALESCE(?, org) ORDER BY id";
        return ids_of(s, sql, ret, ret_n);
}

int store_messages_automatic(Store *s, int64_t **ret, size_t *ret_n)
{
        static const char sql[] =
                "SELECT id FROM messages WHERE raw IS NOT NULL AND (disposition = 'automatic' OR "
                "(disposition = 'quarantine' AND reason LIKE '" STORE_REASON_AUTOMATIC "%')) "
                "AND org = COALESCE(?, org) ORDER BY id";
        return ids_of(s, sql, ret, ret_n);
}

int store_messages_report(Store *s, int64_t incident_id, int64_t *ret_id)
{
        static const char sql[] = "SELECT id FROM messages WHERE incident_id = ? AND disposition = 'report' "
                                  "ORDER BY id LIMIT 1";
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), store_row_int64, ret_id);
        return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

void quarantined_messages_free(QuarantinedMessage *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].from);
                free(v[i].subject);
                free(v[i].reason);
        }
        free(v);
}

static int row_quarantined(StoreRow *st, void *userdata)
{
        StoreVec *vec = userdata;
        QuarantinedMessage *q = store_vec_push(vec, sizeof *q);
        q->id = store_col_int64(st, 0);
        q->from = store_col_text(st, 1);
        q->subject = store_col_text(st, 2);
        q->reason = store_col_text(st, 3);
        q->seen_at = store_col_int64(st, 4);
        return 0;
}

int store_quarantine_unreported(Store *s, QuarantinedMessage **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT id, from_addr, subject, reason, seen_at FROM messages "
                                  "WHERE disposition = 'quarantine' AND reported_at IS NULL "
                                  "AND (reason IS NULL OR reason NOT LIKE '" STORE_REASON_AUTOMATIC "%') "
                                  "AND org = COALESCE(?, org) ORDER BY id";
        StoreVec vec = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(s->org)), row_quarantined, &vec);
        if (r < 0) {
                quarantined_messages_free(vec.v, vec.n);
                return r;
        }
        *ret = vec.v;
        *ret_n = vec.n;
        return 0;
}

int store_quarantine_since(Store *s, int64_t since, QuarantinedMessage **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT id, from_addr, subject, reason, seen_at FROM messages "
                                  "WHERE disposition = 'quarantine' AND seen_at >= ? "
                                  "AND (reason IS NULL OR reason NOT LIKE '" STORE_REASON_AUTOMATIC "%') "
                                  "AND org = COALESCE(?, org) ORDER BY id";
        StoreVec vec = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(since), SV_TEXT(s->org)), row_quarantined, &vec);
        if (r < 0) {
                quarantined_messages_free(vec.v, vec.n);
                return r;
        }
        *ret = vec.v;
        *ret_n = vec.n;
        return 0;
}

int store_quarantine_last_digest(Store *s, int64_t *ret)
{
        *ret = 0;
        int r = store_query(s, "SELECT COALESCE(MAX(reported_at), 0) FROM messages WHERE org = COALESCE(?, org)",
                            STORE_VALUES(SV_TEXT(s->org)), store_row_int64, ret);
        return r < 0 ? r : 0;
}

int store_quarantine_mark_reported(Store *s, int64_t up_to_id, int64_t now)
{
        return store_write(s,
                           "UPDATE messages SET reported_at = ? WHERE disposition = 'quarantine' "
                           "AND reported_at IS NULL AND id <= ? AND org = COALESCE(?, org)",
                           STORE_VALUES(SV_INT(now), SV_INT(up_to_id), SV_TEXT(s->org)));
}
