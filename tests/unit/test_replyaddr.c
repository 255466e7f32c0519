/* test_replyaddr.c — whom breachd answers (replyaddr.c), which addresses
 * are its own, the envelope sender read from a raw message, the refusal of
 * its own mail (ingest_read.c) and who may change a case (followup.c). */
#include <string.h>

#include "case/followup.h"
#include "case/ingest_read.h"
#include "case/replyaddr.h"
#include "fixture.h"
#include "tap.h"

static Message msg(const char *from, const char *reply_to)
{
        Message m;
        memset(&m, 0, sizeof m);
        m.from_addr = (char *)from;
        m.reply_to = (char *)reply_to;
        m.subject = (char *)"";
        return m;
}

/* The envelope sender as message_parse() records it (Message.return_path),
 * which ingest_refusal() compares with breachd's own addresses. */
static void envelope(const char *raw, const char *want, const char *what)
{
        Message *pm = NULL;
        _cleanup_free_ char *why = NULL;
        const char *got = NULL;
        if (message_parse(raw, strlen(raw), NULL, &pm, &why) >= 0 && pm->return_path && *pm->return_path)
                got = pm->return_path;
        TAP_STR_EQ(got ? got : "(none)", want ? want : "(none)", "envelope sender: %s", what);
        message_free(pm);
}

int main(void)
{
        Fixture *f = fixture_new("smtp = { host = \"127.0.0.1\"; tls = \"none\"; "
                                 "from = \"Data Breach Reporting <Breach@Example.test>\"; "
                                 "envelope_from = \"bounces@example.test\"; "
                                 "reply_to = \"IG <ig-team@example.test>\"; };\n"
                                 "dpo = [ \"dpo@example.test\", \"dpo@partner.test\" ];");
        tap_ok(f != NULL, "a configuration");
        if (!f)
                return tap_done();
        const Config *c = f->cfg;

        /* Where a reply goes. */
        Message m = msg("alan@example.test", NULL);
        TAP_STR_EQ(replyaddr_for(c, &m), "alan@example.test", "no Reply-To: From");
        m = msg("alan@example.test", "alan.home@gmail.test");
        TAP_STR_EQ(replyaddr_for(c, &m), "alan@example.test", "an outside Reply-To is not used");
        m = msg("alan@example.test", "secretary@sub.example.test");
        TAP_STR_EQ(replyaddr_for(c, &m), "secretary@sub.example.test", "a staff Reply-To is used");
        m = msg("alan@example.test", "dpo@partner.test");
        TAP_STR_EQ(replyaddr_for(c, &m), "dpo@partner.test", "a DPO's Reply-To is used");
        m = msg("alan@example.test", "breach+x@example.test");
        TAP_STR_EQ(replyaddr_for(c, &m), "alan@example.test", "breachd's own address as Reply-To is not used");

        /* breachd's own addresses. */
        tap_ok(replyaddr_is_own(c, "breach@example.test"), "smtp.from, any case");
        tap_ok(replyaddr_is_own(c, "BREACH+DB2026001.abc@example.test"), "a plus-address of it");
        tap_ok(replyaddr_is_own(c, "bounces@example.test"), "smtp.envelope_from");
        tap_ok(replyaddr_is_own(c, "ig-team@example.test"), "smtp.reply_to");
        tap_ok(!replyaddr_is_own(c, "breachx@example.test"), "not a longer local part");
        tap_ok(!replyaddr_is_own(c, "breach@example.test.evil"), "not another domain");
        tap_ok(!replyaddr_is_own(c, "alan@example.test"), "not a member of staff");
        tap_ok(!replyaddr_is_own(c, NULL) && !replyaddr_is_own(c, ""), "not no address");
        char *pw = fixture_path(f, "password");
        char *mb = xasprintf("mailbox = { host = \"127.0.0.1\"; tls = \"none\"; user = \"intake@example.test\"; "
                             "password_file = \"%s\"; };", pw);
        const Config *u = fixture_config(f, mb);
        free(pw);
        free(mb);
        tap_ok(u && replyaddr_is_own(u, "intake@example.test"), "the mailbox's user when it is an address");

        /* The envelope sender, as the delivering server wrote it. */
        envelope("Return-Path: <Breach@Example.test>\r\nFrom: a@example.test\r\n\r\nbody", "breach@example.test",
                 "the first header, lower-cased");
        envelope("Received: by x\nReturn-Path: <a@example.test>\nReturn-Path: <b@example.test>\n\nbody",
                 "a@example.test", "the first of two (the top one is the last hop's)");
        envelope("Return-Path:\n <Folded@Example.test>\nFrom: a@example.test\n\nbody", "folded@example.test",
                 "a folded one, lower-cased");
        envelope("Return-Path: <>\nFrom: a@example.test\n\nbody", NULL, "an empty one is none");
        envelope("From: a@example.test\n\nReturn-Path: <body@example.test>\n", NULL, "none in the body");

        /* breachd's own mail is refused before anything else reads it. */
        m = msg("breach@example.test", NULL);
        char *why = ingest_refusal(c, &m);
        tap_ok(why && strstr(why, "breachd's own address breach@example.test (From:)"), "own From: refused: %s",
               why ? why : "(accepted)");
        free(why);
        m = msg("alan@example.test", NULL);
        m.return_path = (char *)"bounces@example.test";
        why = ingest_refusal(c, &m);
        tap_ok(why && strstr(why, "(envelope sender)"), "own envelope sender refused: %s", why ? why : "(accepted)");
        free(why);
        m.return_path = (char *)"alan@example.test";
        why = ingest_refusal(c, &m);
        tap_ok(why == NULL, "a member of staff is not refused");
        free(why);

        /* Who may change a case. */
        Incident inc;
        incident_init(&inc);
        inc.from_addr = xstrdup("Alan.Reed@example.test");
        inc.forwarded_by = xstrdup("Tariq Aziz <tariq@example.test>");
        tap_ok(followup_may_change(c, &inc, "alan.reed@example.test"), "the reporter, any case");
        tap_ok(followup_may_change(c, &inc, "tariq@example.test"), "the forwarder");
        tap_ok(followup_may_change(c, &inc, "dpo@partner.test"), "a DPO");
        tap_ok(!followup_may_change(c, &inc, "colleague@example.test"), "not a colleague");
        tap_ok(!followup_may_change(c, &inc, "alan.reed@home.example.test"), "not the reporter's other address");
        tap_ok(!followup_may_change(c, &inc, NULL), "not no sender");
        incident_free(&inc);

        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
