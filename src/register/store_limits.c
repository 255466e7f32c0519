/* store_limits.c — the register's side of hostile mail and housekeeping:
 * the count of automatic replies per address, our mail found again by its
 * Message-ID when it bounces, the purge of raw messages past the retention
 * period, and a message's disposition rewritten by reprocessing.  See the
 * "limits" section of store.h. */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

/* The schema step (see migrations[] in store.c).  auto_mail counts the
 * automatic replies per address (ratelimit.c); about_key names the message a
 * reply answered, so that a message is answered once however often it
 * arrives.  The outbox index serves bounces and follow-ups, which look our
 * mail up by Message-ID. */
int store_limits_schema(Store *s)
{
        return store_exec(s,
                "CREATE TABLE auto_mail(\n"
                "  id INTEGER PRIMARY KEY, addr TEXT NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL,\n"
                "  about_key TEXT, incident_id INTEGER REFERENCES incidents(id));\n"
                "CREATE INDEX auto_mail_addr ON auto_mail(addr, at);\n"
                "CREATE INDEX auto_mail_about ON auto_mail(about_key) WHERE about_key IS NOT NULL;\n"
                "CREATE INDEX outbox_message_id ON outbox(message_id);\n"
                "ALTER TABLE messages ADD COLUMN raw_purged_at INTEGER;\n");
}

int store_auto_mail_count(Store *s, const char *addr, int64_t since, unsigned *ret)
{
        static const char sql[] = "SELECT COUNT(*) FROM auto_mail WHERE addr = ? AND at > ?";
        int64_t n = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(addr), SV_INT(since)), store_row_int64, &n);
        if (r < 0)
                return r;
        if (r > 0)
                *ret = (unsigned)n;
        return 0;
}

int store_auto_mail_add(Store *s, const char *addr, int64_t at, const char *kind, const char *about_key,
                        int64_t incident_id)
{
        static const char sql[] = "INSERT INTO auto_mail(addr, at, kind, about_key, incident_id) VALUES(?,?,?,?,?)";
        return store_write(s, sql,
                           STORE_VALUES(SV_TEXT(addr), SV_INT(at), SV_TEXT(kind), SV_TEXT(about_key),
                                        SV_NONZERO(incident_id)));
}

int store_auto_mail_about(Store *s, const char *about_key, const char *kind)
{
        static const char sql[] = "SELECT 1 FROM auto_mail WHERE about_key = ? AND kind = ? LIMIT 1";
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(about_key), SV_TEXT(kind)), NULL, NULL);
        return r < 0 ? r : r > 0;
}

void outbox_ref_free(OutboxRef *r)
{
        if (!r)
                return;
        free(r->kind);
        free(r->state);
        free(r->org);
        strlist_free(&r->rcpts);
        memset(r, 0, sizeof *r);
}

/* The row of store_outbox_by_message_id() into the OutboxRef userdata. */
static int outbox_ref_row(StoreRow *st, void *userdata)
{
        OutboxRef *ret = userdata;
        memset(ret, 0, sizeof *ret);
        ret->id = store_col_int64(st, 0);
        ret->incident_id = store_col_int64(st, 1);
        ret->kind = store_col_text(st, 2);
        ret->state = store_col_text(st, 3);
        const char *rc_list = store_col_str(st, 4);
        _cleanup_free_ char *copy = xstrdup(rc_list ? rc_list : "");
        char *save = NULL;
        for (char *t = strtok_r(copy, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
                strlist_add(&ret->rcpts, t);
        ret->org = store_col_text(st, 5);
        if (!ret->org)
                ret->org = xstrdup("");
        return 0;
}

int store_outbox_by_message_id(Store *s, const char *message_id, OutboxRef *ret)
{
        static const char sql[] = "SELECT id, COALESCE(incident_id, 0), kind, state, rcpts, org FROM outbox "
                                  "WHERE message_id = ? ORDER BY id LIMIT 1";
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(message_id)), outbox_ref_row, ret);
        return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int store_outbox_bounced(Store *s, int64_t id, const char *error)
{
        static const char sql[] = "UPDATE outbox SET state = 'bounced', last_error = ? WHERE id = ?";
        return store_write(s, sql, STORE_VALUES(SV_TEXT(error), SV_INT(id)));
}

/* The result of store_write(), and the rows it changed into *ret. */
static int changes_of(Store *s, int r, unsigned *ret)
{
        if (r >= 0 && ret)
                *ret = (unsigned)store_changes(s);
        return r;
}

int store_purge_raw(Store *s, int64_t before, int64_t now, unsigned *ret_messages, unsigned *ret_mails)
{
        static const char msgs[] = "UPDATE messages SET raw = NULL, raw_purged_at = ? "
                                   "WHERE raw IS NOT NULL AND COALESCE(received_at, seen_at) < ?";
        /* What we sent quotes the report; the row (who, when, state) stays. */
        static const char mails[] = "UPDATE outbox SET data = X'' WHERE state != 'queued' AND created_at < ? "
                                    "AND length(data) > 0";
        unsigned n_msgs = 0, n_mails = 0;
        int r = changes_of(s, store_write(s, msgs, STORE_VALUES(SV_INT(now), SV_INT(before))), &n_msgs);
        if (r < 0)
                return r;
        r = changes_of(s, store_write(s, mails, STORE_VALUES(SV_INT(before))), &n_mails);
        if (r < 0)
                return r;
        if (ret_messages)
                *ret_messages = n_msgs;
        if (ret_mails)
                *ret_mails = n_mails;
        return 0;
}

int store_prune_auto_mail(Store *s, int64_t before)
{
        static const char sql[] = "DELETE FROM auto_mail WHERE at < ?";
        return store_write(s, sql, STORE_VALUES(SV_INT(before)));
}

int store_set_disposition(Store *s, int64_t message_row, Disposition d, int64_t incident_id, const char *reason)
{
        /* Reprocessed, it is the organisation's it was routed to now. */
        static const char sql[] = "UPDATE messages SET disposition = ?, incident_id = ?, reason = ?, "
                                  "org = COALESCE((SELECT org FROM incidents WHERE id = ?), ?) WHERE id = ?";
        unsigned n = 0;
        int r = changes_of(s,
                           store_write(s, sql,
                                       STORE_VALUES(SV_TEXT(disposition_name(d)), SV_NONZERO(incident_id),
                                                    SV_TEXT(reason), SV_NONZERO(incident_id),
                                                    SV_TEXT(store_org_key(s)), SV_INT(message_row))),
                           &n);
        return r < 0 ? r : n ? 0 : -ENOENT;
}

int store_secure_delete(Store *s, bool on)
{
        return store_exec(s, on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF");
}

int store_checkpoint(Store *s)
{
        return store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int store_message_incident(Store *s, int64_t message_row, int64_t *ret)
{
        static const char sql[] = "SELECT COALESCE(incident_id, 0) FROM messages WHERE id = ?";
        int r = store_query(s, sql, STORE_VALUES(SV_INT(message_row)), store_row_int64, ret);
        return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int store_outbox_sent_quick(Store *s, int64_t id, int64_t now)
{
        /* Losing this mark can only send a mail twice, never lose one: it
         * need not wait for the disk.  In WAL mode synchronous=NORMAL still
         * survives the process dying (the frame is in the page cache), so
         * a kill -9 right after the server's 250 finds the mark; only the
         * system crashing could drop it.  The fsync of FULL is what made
         * the window for a duplicate milliseconds wide. */
        int r = store_exec(s, "PRAGMA synchronous = NORMAL");
        if (r < 0)
                return r;
        r = store_outbox_sent(s, id, now);
        int q = store_exec(s, "PRAGMA synchronous = FULL");
        return r < 0 ? r : q;
}
