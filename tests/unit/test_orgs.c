/* test_orgs.c — which organisation a message in a shared mailbox is for
 * (case/orgs.h): a recipient among its addresses (a plus-address exactly as
 * configured, case ignored), the case it is about, the sender's staff
 * domain when one organisation alone has it; else quarantined with a
 * reason that says what was tried. */
#include <string.h>
#include <sys/stat.h>

#include "case/ingest_read.h"
#include "case/orgs.h"
#include "case/weekly.h"
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

static void like_line(const char *text, const char *line)
{
        _cleanup_free_ char *want = xasprintf("%s\n", line);
        tap_ok(strstr(text, want) != NULL, "%s", line);
        if (!strstr(text, want))
                printf("# got:\n%s", text);
}

#define HDR(from, to) "From: " from "\r\nTo: " to "\r\nSubject: Data breach\r\nDate: Mon, 5 Jan 2026 10:00:00 +0000\r\n"

/* Files ref under organisation org, aware at `aware`, filed an hour later. */
static void file_in(Store *s, const char *org, const char *ref, const char *token, int64_t aware)
{
        store_set_org(s, org);
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup(token);
        inc.aware_at = aware;
        inc.received_at = inc.filed_at = aware + 3600;
        inc.deadline_at = aware + 72 * 3600;
        inc.from_addr = xstrdup("teacher@example.test");
        inc.subject = xstrdup("Lost papers");
        tap_ok(store_insert_incident(s, &inc) == 0, "%s filed under %s", ref, org);
        incident_free(&inc);
        store_set_org(s, "");
}

/* The mail queued, one "kind to rcpts: refs" a line, for what it names. */
static char *queued(Store *s)
{
        OutboxRow *rows = NULL;
        size_t n = 0;
        Buf b = {0};
        if (store_outbox_due(s, INT64_MAX / 2, 100, &rows, &n) < 0)
                return xstrdup("(error)");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *to = strlist_join(&rows[i].rcpts, ",");
                buf_printf(&b, "%s to %s:%s%s\n", rows[i].kind, to,
                           rows[i].data && strstr(rows[i].data, "AP2027001") ? " AP2027001" : "",
                           rows[i].data && strstr(rows[i].data, "BL2027001") ? " BL2027001" : "");
                outbox_row_free(&rows[i]);
        }
        free(rows);
        return b.s ? buf_steal(&b) : xstrdup("");
}

/* The daemon's passes per organisation: each case's reminders at its
 * organisation's hours to its DPO, each organisation's weekly digest of its
 * own cases at its own slot. */
static void test_passes(void)
{
        Fixture *f = fixture_new(NULL);
        if (!f)
                return;
        _cleanup_free_ char *dir = fixture_path(f, "orgs");
        mkdir(dir, 0755);
        _cleanup_free_ char *a = fixture_path(f, "orgs/ashgrove.conf");
        _cleanup_free_ char *b = fixture_path(f, "orgs/birch.conf");
        write_text(a, "organisation = \"Ashgrove Primary\";\n"
                      "addresses = [ \"breach+ashgrove@example.test\" ];\n"
                      "dpo = [ \"dpo@ashgrove.sch.uk\" ];\nescalation = [ ];\n"
                      "reference_pattern = \"AP%Y%03n\";\nreminders = [ 24 ];\n");
        write_text(b, "organisation = \"Birch Lane\";\n"
                      "addresses = [ \"breach+birch@example.test\" ];\n"
                      "dpo = [ \"dpo@birchlane.sch.uk\" ];\nescalation = [ ];\n"
                      "reference_pattern = \"BL%Y%03n\";\nreminders = [ 48 ];\n"
                      "weekly_digest = \"Mon 08:00\";\n");
        const Config *cfg = fixture_config(f, "organisations = \"orgs\";\n");
        tap_ok(cfg && cfg->n_orgs == 2, "two organisations, reminders at 24 h and at 48 h");
        if (!cfg || cfg->n_orgs != 2) {
                fixture_free(f);
                return;
        }
        Store *s = f->store;
        const int64_t A = 1800000000;
        file_in(s, "ashgrove", "AP2027001", "tokenashgrove0000000001", A);
        file_in(s, "birch", "BL2027001", "tokenbirch000000000001", A);
        file_in(s, "", "DB2027001", "tokenservice00000000001", A);
        ReminderStats st = {0};
        char *why = NULL;
        TAP_INT_EQ(reminders_run_all(s, cfg, f->tz, A + 2 * 3600, &st, &why), 0, "a pass schedules both");
        TAP_INT_EQ(st.scheduled, 3, "... each in its organisation, and the service's own case");
        TAP_INT_EQ(reminders_run_all(s, cfg, f->tz, A + 25 * 3600, &st, &why), 0, "a pass at 25 hours");
        free(why);
        TAP_INT_EQ(st.queued, 2, "queues Ashgrove's reminder (24 h), not Birch Lane's (48 h), and the service's");
        _cleanup_free_ char *q = queued(s);
        TAP_STR_EQ(q, "reminder to dpo@ashgrove.sch.uk: AP2027001\nreminder to dpo@example.test:\n",
                   "to Ashgrove's DPO about its case; the service's to the main file's DPO");
        tap_ok(store_org(s) && !strcmp(store_org(s), ""), "the Store's scope is as it was");

        /* Monday 18 January 2027, 08:30 in London: Birch Lane's slot. */
        const int64_t monday = 1800261000;
        TAP_INT_EQ(weekly_digest_run_all(s, cfg, f->tz, monday, &why), 1, "a weekly digest is queued");
        free(why);
        free(q);
        q = queued(s);
        like_line(q, "weekly_digest to dpo@birchlane.sch.uk: BL2027001");
        tap_ok(!strstr(q, "weekly_digest to dpo@ashgrove"), "Ashgrove's is off: none for it");
        TAP_INT_EQ(weekly_digest_run_all(s, cfg, f->tz, monday + 60, &why), 0, "not twice for the same week");
        free(why);
        tap_ok(weekly_next_slot_all(cfg, f->tz, monday) == monday - 30 * 60 + 7 * 86400,
               "the next slot of any organisation is Birch Lane's next Monday");
        fixture_free(f);
}

/* The service's own cases (key "", filed before there were organisations)
 * get the main file's weekly digest while any is open, listing them and
 * no organisation's; an organisation's lists its own only. */
static void test_service_weekly(void)
{
        Fixture *f = fixture_new(NULL);
        if (!f)
                return;
        _cleanup_free_ char *dir = fixture_path(f, "orgs");
        mkdir(dir, 0755);
        _cleanup_free_ char *b = fixture_path(f, "orgs/birch.conf");
        write_text(b, "organisation = \"Birch Lane\";\n"
                      "addresses = [ \"breach+birch@example.test\" ];\n"
                      "dpo = [ \"dpo@birchlane.sch.uk\" ];\nescalation = [ ];\n"
                      "reference_pattern = \"BL%Y%03n\";\n");
        const Config *cfg = fixture_config(f, "organisations = \"orgs\";\nweekly_digest = \"Mon 08:00\";\n");
        tap_ok(cfg && cfg->n_orgs == 1, "one organisation, the service's weekly digest on Monday at 08:00");
        if (!cfg || cfg->n_orgs != 1) {
                fixture_free(f);
                return;
        }
        Store *s = f->store;
        const int64_t monday = 1800261000;   /* Monday 18 January 2027, 08:30 in London */
        file_in(s, "birch", "BL2027001", "tokenbirch000000000001", monday - 86400);
        char *why = NULL;
        TAP_INT_EQ(weekly_digest_run_all(s, cfg, f->tz, monday, &why), 1, "Birch Lane's digest is queued");
        free(why);
        _cleanup_free_ char *q = queued(s);
        TAP_STR_EQ(q, "weekly_digest to dpo@birchlane.sch.uk: BL2027001\n",
                   "Birch Lane's only: the service has no case of its own, so no digest");
        file_in(s, "", "DB2027001", "tokenservice00000000001", monday + 86400);
        TAP_INT_EQ(weekly_digest_run_all(s, cfg, f->tz, monday + 7 * 86400, &why), 1, "a week later");
        free(why);
        OutboxRow *rows = NULL;
        size_t n = 0, service = 0;
        store_outbox_due(s, INT64_MAX / 2, 100, &rows, &n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *to = strlist_join(&rows[i].rcpts, ",");
                if (!strcmp(rows[i].kind, "weekly_digest") && !strcmp(to, "dpo@example.test")) {
                        service++;
                        tap_ok(rows[i].data && strstr(rows[i].data, "DB2027001") &&
                                       !strstr(rows[i].data, "BL2027001"),
                               "the main file's DPO has the service's own case, none of Birch Lane's");
                        tap_ok(rows[i].data && strstr(rows[i].data, "breachctl --org '' show DB2027001"),
                               "... with the command for the service's own part");
                }
                if (!strcmp(rows[i].kind, "weekly_digest") && !strcmp(to, "dpo@birchlane.sch.uk"))
                        tap_ok(rows[i].data && strstr(rows[i].data, "breachctl --org birch show BL2027001") &&
                                       strstr(rows[i].data, "breachctl --org birch decide BL2027001"),
                               "Birch Lane's digest names its organisation in its commands");
                outbox_row_free(&rows[i]);
        }
        free(rows);
        TAP_INT_EQ((int)service, 1, "one weekly digest for the service's own open case");
        tap_ok(store_org(s) && !strcmp(store_org(s), ""), "the Store's scope is as it was");
        fixture_free(f);
}

/* An organisation whose file gives no staff_domains shares the main
 * file's: the service's own staff are not that one organisation's, so its
 * mail to the common address is routed to no organisation by domain. */
static void test_inherited_domains(void)
{
        Fixture *f = fixture_new(NULL);
        if (!f)
                return;
        _cleanup_free_ char *dir = fixture_path(f, "orgs");
        mkdir(dir, 0755);
        _cleanup_free_ char *b = fixture_path(f, "orgs/birch.conf");
        _cleanup_free_ char *c = fixture_path(f, "orgs/cedar.conf");
        write_text(b, "organisation = \"Birch Lane\";\nstaff_domains = [ \"birchlane.sch.uk\" ];\n"
                      "dpo = [ \"dpo@birchlane.sch.uk\" ];\n");
        write_text(c, "organisation = \"Cedar\";\naddresses = [ \"breach+cedar@dpo.example.test\" ];\n");
        const Config *cfg = fixture_config(f, "staff_domains = [ \"dpo-service.example\" ];\n"
                                              "organisations = \"orgs\";\n");
        tap_ok(cfg && cfg->n_orgs == 2, "two organisations, Cedar with the service's staff domains");
        if (cfg && cfg->n_orgs == 2) {
                _cleanup_free_ char *got = route(f->store, cfg, HDR("officer@dpo-service.example",
                                                                     "breach@dpo.example.test") "\r\nx\r\n");
                tap_ok(got[0] == '!', "the service's officer to the common address is no organisation's (got %s)",
                       got);
                _cleanup_free_ char *birch = route(f->store, cfg, HDR("head@birchlane.sch.uk",
                                                                       "breach@dpo.example.test") "\r\nx\r\n");
                TAP_STR_EQ(birch, "birch", "Birch Lane's own staff domain routes to it");
                _cleanup_free_ char *cedar = route(f->store, cfg, HDR("officer@dpo-service.example",
                                                                       "breach+cedar@dpo.example.test") "\r\nx\r\n");
                TAP_STR_EQ(cedar, "cedar", "to Cedar's address it is Cedar's");
        }
        fixture_free(f);
}

int main(void)
{
        test_service_weekly();
        test_inherited_domains();
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
        /* A reply sent to one organisation's address naming another's
         * case is no follow-up of that case in the first's scope. */
        static const char cross[] = HDR("jo@ashgrove.sch.uk", "breach+ashgrove@dpo.example.test")
                "In-Reply-To: <report1@birchlane.sch.uk>\r\n\r\nMore\r\n";
        Message *m = NULL;
        char *mwhy = NULL;
        if (message_parse(cross, strlen(cross), NULL, &m, &mwhy) >= 0) {
                int64_t id = 0;
                store_set_org(s, "ashgrove");
                TAP_INT_EQ(ingest_find_followup(s, m, &id), 0,
                           "in Ashgrove's scope, a reply naming Birch Lane's case follows up nothing");
                store_set_org(s, "birch");
                TAP_INT_EQ(ingest_find_followup(s, m, &id), 1, "in Birch Lane's it follows up its case");
                TAP_INT_EQ(id, inc.id, "... that one");
                store_set_org(s, "");
                message_free(m);
        }
        free(mwhy);
        incident_free(&inc);

        const Config *o = orgs_find(cfg, "cedar");
        TAP_STR_EQ(o ? o->organisation : "", "Cedar", "orgs_find() by key");
        tap_ok(orgs_find(cfg, "nope") == NULL, "and NULL for a key that is none");
        _cleanup_free_ char *keys = orgs_keys(cfg);
        TAP_STR_EQ(keys, "ashgrove, birch, cedar", "the keys, in order");

        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        test_passes();
        return tap_done();
}
