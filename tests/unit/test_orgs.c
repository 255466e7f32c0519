/* test_orgs.c — which organisation a message in a shared mailbox is for
 * (case/orgs.h): a recipient among its addresses (a plus-address exactly as
 * configured, case ignored), the case it is about, the sender's staff
 * domain when one organisation alone has it; else quarantined with a
 * reason that says what was tried. */
#include <string.h>
#include <sys/stat.h>

#include "case/orgs.h"
#include "fixture.h"
#include "read/message.h"
#include "tap.h"

static void write_text(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

/* The organisation raw is routed to: its key, or "!" and the reason. */
static char *route(Store *s, const Config *cfg, const char *raw)
{
        Message *m = NULL;
        char *why = NULL;
        if (message_parse(raw, strlen(raw), NULL, &m, &why) < 0) {
                free(why);
                return xstrdup("(unparsed)");
        }
        const Config *org = NULL;
        int r = orgs_route(s, cfg, m, raw, strlen(raw), &org, &why);
        message_free(m);
        char *ret = r > 0 ? xstrdup(org->org) : r == 0 ? xasprintf("!%s", why) : xstrdup("(error)");
        free(why);
        return ret;
}

#define HDR(from, to) "From: " from "\r\nTo: " to "\r\nSubject: Data breach\r\nDate: Mon, 5 Jan 2026 10:00:00 +0000\r\n"

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a register");
        if (!f)
                return tap_done();
        _cleanup_free_ char *dir = fixture_path(f, "orgs");
        mkdir(dir, 0755);
        _cleanup_free_ char *a = fixture_path(f, "orgs/ashgrove.conf");
        _cleanup_free_ char *b = fixture_path(f, "orgs/birch.conf");
        _cleanup_free_ char *c = fixture_path(f, "orgs/cedar.conf");
        write_text(a, "organisation = \"Ashgrove Primary\";\n"
                      "addresses = [ \"Breach+Ashgrove@dpo.example.test\", \"ashgrove-breach@dpo.example.test\" ];\n"
                      "staff_domains = [ \"ashgrove.sch.uk\", \"trust.example\" ];\n"
                      "dpo = [ \"dpo@ashgrove.sch.uk\" ];\n"
                      "smtp = { from = \"Ashgrove <breach+ashgrove@dpo.example.test>\"; };\n");
        write_text(b, "organisation = \"Birch Lane\";\n"
                      "addresses = [ \"breach+birch@dpo.example.test\" ];\n"
                      "staff_domains = [ \"birchlane.sch.uk\", \"trust.example\" ];\n"
                      "dpo = [ \"dpo@birchlane.sch.uk\" ];\n"
                      "smtp = { from = \"Birch <breach+birch@dpo.example.test>\"; };\n");
        write_text(c, "organisation = \"Cedar\";\n"
                      "addresses = [ \"breach+cedar@dpo.example.test\" ];\n"
                      "smtp = { from = \"Cedar <breach+cedar@dpo.example.test>\"; };\n");
        const Config *cfg = fixture_config(f, "staff_domains = [ ];\norganisations = \"orgs\";\n");
        tap_ok(cfg && cfg->n_orgs == 3, "a service of three organisations");
        if (!cfg || cfg->n_orgs != 3) {
                fixture_free(f);
                return tap_done();
        }
        Store *s = f->store;
        char *r;

        r = route(s, cfg, HDR("jo@ashgrove.sch.uk", "breach+ashgrove@dpo.example.test") "\r\nA breach\r\n");
        TAP_STR_EQ(r, "ashgrove", "to an organisation's plus-address: that organisation");
        free(r);
        r = route(s, cfg, HDR("jo@elsewhere.example", "\"Reports\" <BREACH+ASHGROVE@DPO.EXAMPLE.TEST>")
                          "\r\nA breach\r\n");
        TAP_STR_EQ(r, "ashgrove", "case ignored, whoever sends it");
        free(r);
        r = route(s, cfg, HDR("jo@birchlane.sch.uk", "ashgrove-breach@dpo.example.test") "\r\nA breach\r\n");
        TAP_STR_EQ(r, "ashgrove", "an alias too, before the sender's staff domain");
        free(r);
        r = route(s, cfg, "From: jo@elsewhere.example\r\nTo: undisclosed-recipients:;\r\n"
                          "Delivered-To: breach+cedar@dpo.example.test\r\nSubject: x\r\n\r\nA breach\r\n");
        TAP_STR_EQ(r, "cedar", "by Delivered-To: when To: names nobody");
        free(r);
        r = route(s, cfg, "From: jo@elsewhere.example\r\nTo: breach@dpo.example.test\r\n"
                          "Cc: breach+birch@dpo.example.test\r\nSubject: x\r\n\r\nA breach\r\n");
        TAP_STR_EQ(r, "birch", "by Cc:");
        free(r);
        r = route(s, cfg, HDR("sam@birchlane.sch.uk", "breach@dpo.example.test") "\r\nA breach\r\n");
        TAP_STR_EQ(r, "birch", "to the shared address from one organisation's staff domain: that one");
        free(r);
        r = route(s, cfg, HDR("sam@it.birchlane.sch.uk", "breach@dpo.example.test") "\r\nA breach\r\n");
        TAP_STR_EQ(r, "birch", "a subdomain of it too");
        free(r);
        r = route(s, cfg, HDR("pat@trust.example", "breach@dpo.example.test") "\r\nA breach\r\n");
        tap_ok(r[0] == '!' && strstr(r, "several (ashgrove, birch)"),
               "a staff domain two organisations share is no route: %s", r);
        free(r);
        r = route(s, cfg, HDR("pat@elsewhere.example", "breach+ashgrove-x@dpo.example.test") "\r\nA breach\r\n");
        tap_ok(r[0] == '!' && strstr(r, "no organisation for breach+ashgrove-x@dpo.example.test") &&
                       strstr(r, "elsewhere.example is staff of none"),
               "a plus-address not configured matches none, and the reason says what was tried: %s", r);
        free(r);

        /* A reply about a case goes to the case's organisation, wherever
         * it is sent. */
        store_set_org(s, "birch");
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2026001");
        inc.token = xstrdup("q7Hk2mPz9RtYb4Xw");
        inc.received_at = inc.filed_at = inc.aware_at = 1767607200;
        inc.deadline_at = inc.aware_at + 72 * 3600;
        TAP_INT_EQ(store_insert_incident(s, &inc), 0, "a case of birch's");
        StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 1, .key = "<report1@birchlane.sch.uk>",
                            .message_id = "report1@birchlane.sch.uk", .from_addr = "sam@birchlane.sch.uk",
                            .received_at = 1767607200, .incident_id = inc.id, .disposition = DISP_REPORT};
        TAP_INT_EQ(store_add_message(s, &sm), 0, "filed from a report");
        store_set_org(s, "");
        r = route(s, cfg, HDR("dpo@trust.example", "breach+birch+DB2026001.q7Hk2mPz9RtYb4Xw@dpo.example.test")
                          "\r\nDecision: notify\r\n");
        TAP_STR_EQ(r, "birch", "a DPO's reply to the case's token address: the case's organisation");
        free(r);
        r = route(s, cfg, HDR("dpo@trust.example", "breach@dpo.example.test")
                          "In-Reply-To: <report1@birchlane.sch.uk>\r\n\r\nMore details\r\n");
        TAP_STR_EQ(r, "birch", "a reply naming the case's report: the case's organisation");
        free(r);
        r = route(s, cfg, "From: dpo@trust.example\r\nTo: breach@dpo.example.test\r\n"
                          "Subject: Re: [DB2026001.q7Hk2mPz9RtYb4Xw] Breach reported\r\n\r\nDecision: notify\r\n");
        TAP_STR_EQ(r, "birch", "the token in the subject: the case's organisation");
        free(r);
        incident_free(&inc);

        const Config *o = orgs_find(cfg, "cedar");
        TAP_STR_EQ(o ? o->organisation : "", "Cedar", "orgs_find() by key");
        tap_ok(orgs_find(cfg, "nope") == NULL, "and NULL for a key that is none");
        _cleanup_free_ char *keys = orgs_keys(cfg);
        TAP_STR_EQ(keys, "ashgrove, birch, cedar", "the keys, in order");

        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
