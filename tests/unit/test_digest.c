/* test_digest.c — the admin's quarantine digest (notices/alert.h): each
 * quarantined message told once, at most one digest an hour, nothing when
 * nothing is new, and what was told survives reopening the register; and
 * automatic mail, filed quietly, kept apart from the quarantine (what
 * breachctl status counts and reprocess --quarantined / --automatic read). */
#include <stdio.h>
#include <stdlib.h>

#include "notices/alert.h"
#include "fixture.h"
#include "tap.h"

static int quarantine(Store *s, uint32_t uid, const char *subject)
{
        _cleanup_free_ char *key = xasprintf("<digest-%u@example.test>", uid);
        StoredMessage sm = {
                .mailbox = "INBOX", .uidvalidity = 1, .uid = uid, .key = key, .from_addr = "x@elsewhere.test",
                .subject = subject, .received_at = 1736179200, .disposition = DISP_QUARANTINE,
                .reason = "sender outside staff_domains",
        };
        return store_add_message(s, &sm);
}

static int add(Store *s, uint32_t uid, Disposition d, const char *reason)
{
        _cleanup_free_ char *key = xasprintf("<auto-%u@example.test>", uid);
        StoredMessage sm = {
                .mailbox = "INBOX", .uidvalidity = 2, .uid = uid, .key = key, .from_addr = "x@example.test",
                .subject = "Out of office", .received_at = 1736179200, .disposition = d, .reason = reason,
                .raw = "Subject: x\r\n\r\nx\r\n", .raw_len = 17,
        };
        return store_add_message(s, &sm);
}

static void test_automatic(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register for automatic mail");
        if (!f)
                return;
        Store *s = f->store;
        TAP_INT_EQ(add(s, 1, DISP_AUTOMATIC, STORE_REASON_AUTOMATIC ", no reply sent: Auto-Submitted: auto-replied"),
                   0, "an out-of-office reply filed quietly");
        TAP_INT_EQ(add(s, 2, DISP_AUTOMATIC, STORE_REASON_AUTOMATIC ", no reply sent: Precedence: bulk"), 0,
                   "a newsletter filed quietly");
        TAP_INT_EQ(add(s, 3, DISP_QUARANTINE, "sender x@elsewhere.test is not in the staff domains"), 0,
                   "an outsider quarantined");
        /* What a version before the automatic folder recorded. */
        TAP_INT_EQ(add(s, 4, DISP_QUARANTINE, STORE_REASON_AUTOMATIC ", no reply sent: a read receipt"), 0,
                   "a read receipt quarantined by an older version");
        TAP_INT_EQ(add(s, 5, DISP_IGNORED, "delivery report: acknowledgement to a@example.test bounced"), 0,
                   "a delivery report matched to our mail");
        TAP_INT_EQ(store_uid_disposition(s, "INBOX", 2, 1), DISP_AUTOMATIC, "the disposition reads back");
        RegisterCounts c;
        TAP_INT_EQ(store_counts(s, now_utc(), &c), 0, "the counts");
        TAP_INT_EQ(c.quarantined, 2, "... two quarantined");
        TAP_INT_EQ(c.automatic_week, 2, "... two automatic in the last 7 days");
        TAP_INT_EQ(c.automatic, 2, "... two automatic in all");
        TAP_INT_EQ(c.bounces_week, 1, "... one delivery report matched");
        store_counts_free(&c);
        TAP_INT_EQ(store_counts(s, now_utc() + 8 * 86400, &c), 0, "the counts 8 days on");
        TAP_INT_EQ(c.automatic_week, 0, "... none automatic in the last 7 days");
        TAP_INT_EQ(c.automatic, 2, "... two in all");
        store_counts_free(&c);
        int64_t *ids = NULL;
        size_t n = 0;
        TAP_INT_EQ(store_messages_quarantined(s, &ids, &n), 0, "reprocess --quarantined's messages");
        tap_ok(n == 1 && ids[0] == 3, "... the outsider only, no automatic mail (%zu)", n);
        free(ids);
        TAP_INT_EQ(store_messages_automatic(s, &ids, &n), 0, "reprocess --automatic's messages");
        tap_ok(n == 3 && ids[0] == 1 && ids[1] == 2 && ids[2] == 4, "... the automatic ones, old and new (%zu)", n);
        free(ids);
        QuarantinedMessage *q = NULL;
        TAP_INT_EQ(store_quarantine_unreported(s, &q, &n), 0, "the digest's messages");
        tap_ok(n == 1 && q[0].id == 3, "... the outsider only (%zu)", n);
        quarantined_messages_free(q, n);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
}

static int digest(Fixture *f, int64_t now)
{
        char *why = NULL;
        int r = store_begin(f->store);
        if (r >= 0)
                r = alert_quarantine_digest(f->store, f->cfg, f->tz, now, &why);
        int c = r >= 0 ? store_commit(f->store) : (store_rollback(f->store), 0);
        if (why)
                fprintf(stderr, "# %s\n", why);
        free(why);
        return c < 0 ? c : r;
}

static int64_t queued(Fixture *f)
{
        int64_t q = 0, failed = 0;
        return store_outbox_counts(f->store, &q, &failed) < 0 ? -1 : q;
}

int main(void)
{
        const int64_t t0 = 1736179200;
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (f) {
                TAP_INT_EQ(digest(f, t0), 0, "nothing quarantined: no digest");
                TAP_INT_EQ(quarantine(f->store, 1, "one"), 0, "a message quarantined");
                TAP_INT_EQ(quarantine(f->store, 2, "two"), 0, "another");
                TAP_INT_EQ(digest(f, t0), 1, "a digest is queued");
                TAP_INT_EQ(queued(f), 1, "... one mail in the outbox");
                TAP_INT_EQ(digest(f, t0 + 7200), 0, "nothing new: no digest, even hours later");
                TAP_INT_EQ(quarantine(f->store, 3, "three"), 0, "a third message quarantined");
                TAP_INT_EQ(digest(f, t0 + 1800), 0, "within the hour of the last digest: none");
                tap_ok(fixture_reopen(f) == 0, "the register reopened (a restart)");
                TAP_INT_EQ(digest(f, t0 + 3599), 0, "still within the hour after the restart: none");
                TAP_INT_EQ(digest(f, t0 + 3600), 1, "an hour after the last: the second digest");
                TAP_INT_EQ(queued(f), 2, "... two mails in the outbox");
                QuarantinedMessage *q = NULL;
                size_t n = 9;
                TAP_INT_EQ(store_quarantine_unreported(f->store, &q, &n), 0, "the unreported ones read");
                TAP_INT_EQ((int)n, 0, "... none left");
                quarantined_messages_free(q, n);
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        test_automatic();
        return tap_done();
}
