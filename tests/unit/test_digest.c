/* test_digest.c — the admin's quarantine digest (notices/alert.h): each
 * quarantined message told once, at most one digest an hour, nothing when
 * nothing is new, and what was told survives reopening the register. */
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
        return tap_done();
}
