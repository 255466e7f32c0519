/* test_bounce.c — delivery reports: every shape in tests/corpora/hostile is
 * read (action, failed recipient, status, the Message-ID of our mail);
 * things that are not bounces are not taken for one; a bounce of an
 * acknowledgement marks the outbox row, writes the incident's history and
 * queues one notice to the DPO, and a second report of it does not. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "case/bounce.h"
#include "register/store-internal.h"
#include "register/store.h"
#include "fixture.h"
#include "tap.h"

static char *load(const char *name, size_t *ret_len)
{
        _cleanup_free_ char *rel = xasprintf("tests/corpora/hostile/%s", name);
        char *raw = NULL;
        if (read_file(tap_srcpath(rel), 1 << 20, &raw, ret_len) < 0) {
                printf("# cannot read %s\n", tap_srcpath(rel));
                return NULL;
        }
        return raw;
}

static void test_shapes(void)
{
        static const struct {
                const char *file, *format;
                BounceAction action;
                const char *rcpt, *status, *diag, *id;
        } cases[] = {
                {"bounce-postfix-dsn.eml", "dsn", BOUNCE_FAILED, "ghost@example.test", "5.1.1",
                 "550 5.1.1 <ghost@example.test> User doesn't exist: ghost@example.test",
                 "breachd.1736179510.K7MWQ2HXP9ZB3R4T5V6Y8A2C@example.test"},
                {"bounce-exim-text.eml", "exim", BOUNCE_FAILED, "jo.bloggs@elsewhere.test", NULL,
                 "mailbox is full: retry timeout exceeded",
                 "breachd.1736179510.M3N4P5Q6R7S8T9U2V3W4X5Y6@example.test"},
                {"bounce-qmail.eml", "qmail", BOUNCE_FAILED, "old.account@qmail.elsewhere.test", NULL,
                 "Sorry, no mailbox here by that name. (#5.1.1)",
                 "breachd.1736179511.A2B3C4D5E6F7G8H9J2K3L4M5@example.test"},
                {"bounce-sendmail-old.eml", "sendmail", BOUNCE_FAILED, "left.years.ago@old.elsewhere.test", NULL,
                 "(reason: 550 5.1.1 User unknown)", "breachd.1736179512.Z9Y8X7W6V5U4T3S2R9Q8P7N6@example.test"},
                {"bounce-exchange-dsn.eml", "dsn", BOUNCE_FAILED, "pat.green@example.test", "5.1.10",
                 "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                 "breachd.1736179514.B2C3D4E5F6G7H8J9K2L3M4N5@example.test"},
                {"bounce-exchange-legacy.eml", "exchange", BOUNCE_FAILED, "chris.white@legacy.elsewhere.test", NULL,
                 NULL, "breachd.1736179515.C3D4E5F6G7H8J9K2L3M4N5P6@example.test"},
                {"bounce-gmail-delayed.eml", "dsn", BOUNCE_DELAYED, "alex.brown@slow.elsewhere.test", "4.4.1",
                 "The recipient server did not accept our requests to connect.",
                 "breachd.1736179516.D4E5F6G7H8J9K2L3M4N5P6Q7@example.test"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                size_t len = 0;
                _cleanup_free_ char *raw = load(cases[i].file, &len);
                Bounce b = {0};
                int r = raw ? dsn_parse(raw, len, &b) : -ENOENT;
                TAP_INT_EQ(r, 1, "%s is a delivery report", cases[i].file);
                if (r != 1)
                        continue;
                TAP_STR_EQ(b.format, cases[i].format, "%s: format", cases[i].file);
                TAP_INT_EQ(b.action, cases[i].action, "%s: action", cases[i].file);
                TAP_STR_EQ(b.recipient, cases[i].rcpt, "%s: failed recipient", cases[i].file);
                TAP_STR_EQ(b.status, cases[i].status, "%s: status", cases[i].file);
                if (cases[i].diag)
                        TAP_STR_EQ(b.diagnostic, cases[i].diag, "%s: diagnostic", cases[i].file);
                TAP_STR_EQ(b.message_ids.n ? b.message_ids.v[0] : NULL, cases[i].id,
                           "%s: the Message-ID of our mail comes first", cases[i].file);
                bool own = false;
                for (size_t k = 0; k < b.message_ids.n; k++)
                        if (strstr(b.message_ids.v[k], "mx.example.test") || strstr(b.message_ids.v[k], "ndr@") ||
                            strstr(b.message_ids.v[k], "delay-1@"))
                                own = true;
                tap_ok(!own, "%s: the report's own Message-ID is not a candidate", cases[i].file);
                dsn_free(&b);
        }
}

static void test_not_bounces(void)
{
        static const char *const files[] = {"read-receipt.eml", "loop-auto-replied.eml", "loop-list-id.eml",
                                            "outsider.eml", "loop-precedence-bulk.eml"};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                size_t len = 0;
                _cleanup_free_ char *raw = load(files[i], &len);
                Bounce b = {0};
                int r = raw ? dsn_parse(raw, len, &b) : -ENOENT;
                TAP_INT_EQ(r, 0, "%s is not a delivery report", files[i]);
                if (r == 1)
                        dsn_free(&b);
        }
        Bounce b = {0};
        TAP_INT_EQ(dsn_parse("", 0, &b), -EBADMSG, "an empty message is no message");
        /* A subject alone makes a report, but one about nothing of ours. */
        const char *fake = "From: Sam <sam@example.test>\nSubject: Undeliverable: lunch\n\nno ids here\n";
        TAP_INT_EQ(dsn_parse(fake, strlen(fake), &b), 1, "a bounce subject is read as a report");
        TAP_INT_EQ((int)b.message_ids.n, 0, "... with no Message-ID to match");
        dsn_free(&b);
}

/* ---- recording, against a real register ---------------------------------- */

static int64_t count(Store *s, const char *sql)
{
        int64_t n = -1;
        return store_query_int64(s, sql, &n) > 0 ? n : -1;
}

static int64_t file_one(Store *s)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2025001");
        inc.token = xstrdup("TOKEN");
        inc.received_at = 1736179200;
        inc.filed_at = inc.received_at;
        inc.deadline_at = inc.received_at + 72 * 3600;
        inc.from_addr = xstrdup("ghost@example.test");
        inc.subject = xstrdup("Data breach");
        store_insert_incident(s, &inc);
        int64_t id = inc.id;
        incident_free(&inc);
        StrList to = {0};
        strlist_add(&to, "ghost@example.test");
        store_queue_mail(s, id, "ack", "breach@example.test", &to,
                         "breachd.1736179510.K7MWQ2HXP9ZB3R4T5V6Y8A2C@example.test", "ack", "x", 1, NULL);
        strlist_free(&to);
        strlist_add(&to, "dpo@example.test");
        store_queue_mail(s, id, "dpo_notice", "breach@example.test", &to, "breachd.1736179510.OTHER@example.test",
                         "notice", "x", 1, NULL);
        strlist_free(&to);
        return id;
}

static void record_in(Store *s, const Config *cfg, const Tz *tz);

static void test_record(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (f)
                record_in(f->store, f->cfg, f->tz);
        fixture_free(f);
}

static void record_in(Store *s, const Config *cfg, const Tz *tz)
{
        int64_t id = file_one(s);
        size_t len = 0;
        _cleanup_free_ char *raw = load("bounce-postfix-dsn.eml", &len);
        Bounce b = {0};
        dsn_parse(raw, len, &b);
        BounceMatch m = {0};
        store_begin(s);
        TAP_INT_EQ(bounce_record(s, cfg, tz, &b, &m), 1, "the bounce is matched to our acknowledgement");
        store_commit(s);
        TAP_INT_EQ(m.incident_id, id, "... of the right incident");
        TAP_STR_EQ(m.kind, "ack", "... and the right mail");
        tap_ok(m.told_dpo && !m.already, "the DPO is told");
        tap_ok(m.summary && strstr(m.summary, "ghost@example.test") && strstr(m.summary, "5.1.1"),
               "summary: %s", m.summary ? m.summary : "");
        bounce_match_free(&m);
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND state = 'bounced' "
                            "AND last_error LIKE '%User doesn''t exist%'"), 1, "the outbox row is marked bounced");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM audit WHERE action = 'delivery_failed' AND field = 'ack'"), 1,
                   "the incident's history has the failure");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed' "
                            "AND rcpts = 'dpo@example.test' AND subject LIKE '%DB2025001%ghost@example.test%'"), 1,
                   "one delivery-failed notice to the DPO is queued");
        store_begin(s);
        TAP_INT_EQ(bounce_record(s, cfg, tz, &b, &m), 1, "a second copy of the report matches too");
        store_commit(s);
        tap_ok(m.already && !m.told_dpo, "but is known already and tells nobody again");
        bounce_match_free(&m);
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed'"), 1, "still one notice");
        dsn_free(&b);

        raw = (free(raw), load("bounce-exim-text.eml", &len));
        dsn_parse(raw, len, &b);
        TAP_INT_EQ(bounce_record(s, cfg, tz, &b, &m), 0, "a bounce of mail we never sent matches nothing");
        dsn_free(&b);

        TAP_INT_EQ(bounce_tell_dpo(s, cfg, NULL, id, "dpo_notice", "dpo@example.test", "5.0.0"), 0,
                   "only acknowledgements are worth a notice");
        TAP_INT_EQ(bounce_tell_dpo(s, cfg, NULL, id, "ack", "ghost@example.test", "550 refused"), 1,
                   "a refused acknowledgement is (the sender's path, with the zone opened for it)");
}

/* Two organisations, both with a DB2025001: a bounce of one's mail is not
 * the other's to record, and the notice about it is of the right case. */
static void test_other_org(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register for two organisations");
        if (!f)
                return;
        Store *s = f->store;
        store_set_org(s, "birch");
        int64_t birch = file_one(s);
        store_set_org(s, "ash");
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2025001");
        inc.token = xstrdup("ASHTOKEN");
        inc.received_at = inc.filed_at = 1736179200;
        inc.deadline_at = inc.received_at + 72 * 3600;
        inc.from_addr = xstrdup("teacher@ash.test");
        inc.subject = xstrdup("Ash's own");
        store_insert_incident(s, &inc);
        int64_t ash = inc.id;
        incident_free(&inc);
        size_t len = 0;
        _cleanup_free_ char *raw = load("bounce-postfix-dsn.eml", &len);
        Bounce b = {0};
        dsn_parse(raw, len, &b);
        BounceMatch m = {0};
        store_begin(s);
        TAP_INT_EQ(bounce_record(s, f->cfg, f->tz, &b, &m), 0, "Birch's mail bounced is nothing of Ash's");
        store_commit(s);
        bounce_match_free(&m);
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE state = 'bounced'"), 0, "no row marked bounced");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed'"), 0, "nobody told");
        /* Told from any scope, the notice is of the case whose mail it was. */
        store_begin(s);
        TAP_INT_EQ(bounce_tell_dpo(s, f->cfg, f->tz, birch, "ack", "ghost@example.test", "550"), 1,
                   "Birch's failed acknowledgement is told");
        store_commit(s);
        _cleanup_free_ char *sql = xasprintf("SELECT COUNT(*) FROM outbox WHERE kind = 'delivery_failed' AND "
                                             "incident_id = %lld AND org = 'birch'", (long long)birch);
        TAP_INT_EQ(count(s, sql), 1, "about Birch's DB2025001, not Ash's (%lld)", (long long)ash);
        store_set_org(s, "birch");
        store_begin(s);
        TAP_INT_EQ(bounce_record(s, f->cfg, f->tz, &b, &m), 1, "in Birch's scope it is matched");
        store_commit(s);
        TAP_INT_EQ(m.incident_id, birch, "to Birch's case");
        bounce_match_free(&m);
        dsn_free(&b);
        fixture_free(f);
}

int main(void)
{
        test_shapes();
        test_not_bounces();
        test_record();
        test_other_org();
        return tap_done();
}
