/* test_limits.c — the register's side of hostile mail: the daily cap on
 * automatic replies (ratelimit.h) with its sliding window and its history
 * entry, one reply per message, the retention purge (retention.h) that
 * drops raw bytes and keeps everything else, and a message's disposition
 * rewritten by reprocessing; the schema step. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "case/retention.h"
#include "notices/ratelimit.h"
#include "register/store-internal.h"
#include "register/store.h"
#include "fixture.h"
#include "tap.h"

static int64_t count(Store *s, const char *sql)
{
        int64_t n = -1;
        return store_query_int64(s, sql, &n) > 0 ? n : -1;
}

static void test_cap(Store *s, const Config *cfg)
{
        const int64_t t0 = 1736179200;
        unsigned n = 99;
        TAP_INT_EQ(ratelimit_count(s, "a@example.test", t0, &n), 0, "count on an empty register");
        TAP_INT_EQ(n, 0, "... is 0");
        for (int i = 0; i < 3; i++)
                TAP_INT_EQ(ratelimit_admit(s, cfg, "a@example.test", "ack", NULL, 0, t0 + i * 3600), 1,
                           "reply %d of 3 allowed", i + 1);
        TAP_INT_EQ(ratelimit_admit(s, cfg, "a@example.test", "ack", NULL, 0, t0 + 4 * 3600), 0,
                   "the 4th within 24 hours is held back");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM audit WHERE action = 'auto_reply_capped' "
                            "AND new_value LIKE 'ack to a@example.test withheld: 3 automatic replies%'"), 1,
                   "and the history says why");
        TAP_INT_EQ(ratelimit_admit(s, cfg, "b@example.test", "ack", NULL, 0, t0 + 4 * 3600), 1,
                   "another address has its own count");
        ratelimit_count(s, "a@example.test", t0 + 4 * 3600, &n);
        TAP_INT_EQ(n, 3, "a held-back reply is not counted");
        TAP_INT_EQ(ratelimit_admit(s, cfg, "a@example.test", "ack", NULL, 0, t0 + 24 * 3600), 1,
                   "24 hours after the first, one more may go");
        ratelimit_count(s, "a@example.test", t0 + 24 * 3600, &n);
        TAP_INT_EQ(n, 3, "the window slides: the first no longer counts");
        TAP_INT_EQ(ratelimit_admit(s, cfg, "c@example.test", "too_large", "<big@x>", 0, t0), 1,
                   "a reply about a message is counted with its key");
        TAP_INT_EQ(store_auto_mail_about(s, "<big@x>", "too_large"), 1, "so the message is known as answered");
        TAP_INT_EQ(store_auto_mail_about(s, "<big@x>", "ack"), 0, "for that kind of reply only");
        TAP_INT_EQ(store_auto_mail_about(s, "<other@x>", "too_large"), 0, "not another message");
}

static void test_cap_zero(void)
{
        Fixture *f = fixture_new("max_auto_replies_per_day = 0;");
        if (f)
                TAP_INT_EQ(ratelimit_admit(f->store, f->cfg, "a@example.test", "ack", NULL, 0, 1736179200), 0,
                           "max_auto_replies_per_day = 0: no automatic reply at all");
        else
                tap_ok(false, "a register with max_auto_replies_per_day = 0");
        fixture_free(f);
}

static void add_message(Store *s, uint32_t uid, int64_t received, const char *raw)
{
        _cleanup_free_ char *key = xasprintf("<m%u@x>", uid);
        StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1, .uid = uid, .key = key,
                            .received_at = received, .disposition = DISP_QUARANTINE, .reason = "test",
                            .raw = raw, .raw_len = raw ? strlen(raw) : 0};
        if (store_add_message(s, &sm) < 0)
                printf("# add_message %u: %s\n", uid, store_errmsg(s));
}

static void test_purge(void)
{
        Fixture *f = fixture_new("retention_days = 30;");
        const Config *keep = f ? fixture_config(f, "retention_days = 0;") : NULL;
        if (!f || !keep) {
                tap_ok(false, "a register for the purge");
                goto out;
        }
        Store *s = f->store;
        const Config *cfg = f->cfg;
        const int64_t now = 1736179200, day = 86400;
        add_message(s, 1, now - 40 * day, "From: old@x\n\nold");
        add_message(s, 2, now - 31 * day, "From: older-than-30@x\n\nx");
        add_message(s, 3, now - 29 * day, "From: young@x\n\ny");
        add_message(s, 4, now - 1 * day, "From: new@x\n\nz");
        StrList to = {0};
        strlist_add(&to, "a@example.test");
        store_queue_mail(s, 0, "ack", "b@x", &to, "id-1", "s", "old body", 8, NULL);
        strlist_free(&to);
        PurgeStats st;
        TAP_INT_EQ(retention_purge(s, keep, now, &st), 0, "retention_days 0: the purge runs");
        TAP_INT_EQ(st.messages + st.mails, 0, "and drops nothing");
        TAP_INT_EQ(retention_purge(s, cfg, now, &st), 0, "retention_days 30: the purge runs");
        TAP_INT_EQ(st.messages, 2, "the two messages older than 30 days lose their raw bytes");
        TAP_INT_EQ(st.before, now - 30 * day, "the cut-off is 30 days back");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM messages WHERE raw IS NULL AND raw_purged_at IS NOT NULL"), 2,
                   "marked purged");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM messages"), 4, "every message row stays");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM messages WHERE raw IS NOT NULL"), 2, "the younger keep theirs");
        TAP_INT_EQ(store_key_seen(s, "<m1@x>", NULL), 0, "a purged quarantined message is still not \"seen\"");
        if (store_is_pg(s))   /* PostgreSQL has no such switch: a PRAGMA is nothing there */
                tap_ok(true, "secure_delete is off again after the purge (SQLite only)");
        else
                TAP_INT_EQ(count(s, "PRAGMA secure_delete"), 0, "secure_delete is off again after the purge");
        TAP_INT_EQ(retention_purge(s, cfg, now, &st), 0, "a second purge");
        TAP_INT_EQ(st.messages, 0, "has nothing left to drop");
        /* Queued mail is never emptied, however old. */
        TAP_INT_EQ(count(s, "SELECT length(data) FROM outbox"), 8, "queued mail keeps its text");
        store_exec(s, "UPDATE outbox SET state = 'sent', created_at = 0");
        retention_purge(s, cfg, now, &st);
        TAP_INT_EQ(st.mails, 1, "sent mail older than the cut-off is emptied");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE length(data) = 0 AND rcpts = 'a@example.test'"), 1,
                   "but its row stays");
        TAP_INT_EQ(store_set_disposition(s, 3, DISP_IGNORED, 0, "reprocessed"), 0, "a disposition is rewritten");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM messages WHERE id = 3 AND disposition = 'ignored' "
                            "AND reason = 'reprocessed'"), 1, "... in place");
        TAP_INT_EQ(store_set_disposition(s, 99, DISP_IGNORED, 0, NULL), -ENOENT, "not for a row that is not there");
out:
        fixture_free(f);
}

/* A new register gets every schema step, this file's included. */
static void test_schema(const char *dir)
{
        _cleanup_free_ char *path = xasprintf("%s/new.db", dir);
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "a new register");
        TAP_INT_EQ(count(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION, "at the current schema version");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('auto_mail', 'outbox_message_id')"), 2,
                   "with the reply counts and the outbox Message-ID index");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = 'raw_purged_at'"), 1,
                   "and messages.raw_purged_at");
        store_close(s);
}

int main(void)
{
        Fixture *f = fixture_new("max_auto_replies_per_day = 3;");
        tap_ok(f != NULL, "a fresh register");
        if (f)
                test_cap(f->store, f->cfg);
        test_cap_zero();
        test_purge();
        if (f)
                test_schema(f->dir);
        fixture_free(f);
        return tap_done();
}
