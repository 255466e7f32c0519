/* test_letter.c — the letter to the people affected (case/letter.h): refused
 * until the DPO records that they must be told, a marked draft with
 * --draft; what Article 34(2) asks for, gaps marked, nobody else's
 * personal data, every register value escaped in HTML, the templates
 * checked. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case/decision.h"
#include "case/letter.h"
#include "case/templates_check.h"
#include "read/values.h"
#include "fixture.h"
#include "tap.h"

#define DPO_CONTACT                                                                                  \
        "dpo_contact = { name = \"Jane Smith, Data Protection Officer\"; phone = \"01632 960000\";" \
        " address = \"Town Hall, High Street, Anytown AN1 1AA\"; };"

static const int64_t now = 1767614400;   /* Monday 5 January 2026, 12:00 UTC */

/* Files an incident with the given answers (field id, text; -1 ends). */
static int64_t file(Fixture *f, const char *ref, ...)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = inc.filed_at = now - 3600;
        inc.from_addr = xstrdup("pat.reporter@example.test");
        inc.from_name = xstrdup("Pat Reporter");
        inc.subject = xstrdup("Breach");
        va_list ap;
        va_start(ap, ref);
        for (int id = va_arg(ap, int); id >= 0; id = va_arg(ap, int))
                form_record_set(&inc.form, (FieldId)id, va_arg(ap, const char *));
        va_end(ap);
        ValueContext vc = {.tz = f->tz, .message_time = now - 3600, .directorates = f->cfg->directorates,
                           .n_directorates = f->cfg->n_directorates};
        values_interpret(&inc.form, &vc);
        incident_evaluate(&inc, f->tz);
        int r = store_insert_incident(f->store, &inc);
        int64_t id = r < 0 ? 0 : inc.id;
        incident_free(&inc);
        return id;
}

/* A DPO's reply, applied as by mail. */
static int decide(Fixture *f, int64_t id, const char *text)
{
        DecisionCmds c = {0};
        StrList errors = {0}, changes = {0};
        decision_parse(text, &c, &errors);
        DecisionEnv env = {.store = f->store, .cfg = f->cfg, .tz = f->tz, .actor = "dpo@example.test", .now = now};
        int r = errors.n ? -EINVAL : decision_apply(&env, id, &c, &changes, &errors);
        decision_cmds_free(&c);
        strlist_free(&errors);
        strlist_free(&changes);
        return r;
}

static bool has(const char *s, const char *what)
{
        return s && strstr(s, what);
}

static bool gap_listed(const Letter *l, const char *what)
{
        for (size_t i = 0; i < l->gaps.n; i++)
                if (strstr(l->gaps.v[i], what))
                        return true;
        return false;
}

static void refusal(Fixture *f)
{
        int64_t id = file(f, "DB2026001", F_REPORTER_NAME, "Pat Reporter", F_NATURE, "A letter went to the wrong house.",
                          -1);
        tap_ok(id > 0, "an incident is filed");
        Letter l = {0};
        char *why = NULL;
        int r = letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_TEXT, false, now, &l, &why);
        TAP_INT_EQ(r, -EPERM, "no decision recorded: the letter is refused");
        tap_ok(has(why, "DB2026001: the DPO has not recorded that the people affected must be told"),
               "... saying the decision is not recorded: %s", why);
        tap_ok(has(why, "subjects-notified: planned") && has(why, "--draft"), "... how to record it, and --draft");
        tap_ok(l.body == NULL, "... and no letter");
        free(why), why = NULL;

        r = letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_TEXT, true, now, &l, &why);
        TAP_INT_EQ(r, 0, "--draft: drafted anyway");
        tap_ok(!l.decided, "... not decided");
        tap_ok(has(l.body, "*** DRAFT, NOT TO BE SENT: the DPO has not recorded that the people affected must be "
                           "told (Article 34) ***"),
               "... and it says so at its top");
        tap_ok(l.body && strstr(l.body, "DRAFT") < strstr(l.body, "Dear"), "... before the greeting");
        letter_free(&l);

        TAP_INT_EQ(decide(f, id, "subjects-notified: not required"), 0, "the DPO records that they are not to be told");
        r = letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_TEXT, false, now, &l, &why);
        TAP_INT_EQ(r, -EPERM, "... refused then too");
        tap_ok(has(why, "not to be told (subjects-notified: not required)"), "... saying what was recorded: %s", why);
        free(why), why = NULL;

        TAP_INT_EQ(decide(f, id, "subjects-notified: planned"), 0, "the DPO records by reply that they must be told");
        r = letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_TEXT, false, now, &l, &why);
        TAP_INT_EQ(r, 0, "... and the letter is drafted");
        tap_ok(l.decided && !has(l.body, "DRAFT"), "... not as a draft");
        letter_free(&l);
        free(why), why = NULL;

        r = letter_make(f->store, f->cfg, f->tz, "DB2026999", LETTER_TEXT, false, now, &l, &why);
        TAP_INT_EQ(r, -ENOENT, "an unknown reference");
        tap_ok(has(why, "DB2026999: no such incident"), "... is said: %s", why);
        free(why);
}

static void outcome_decides(Fixture *f)
{
        int64_t id = file(f, "DB2026002", F_NATURE, "Records left on a train.", -1);
        TAP_INT_EQ(decide(f, id, "outcome: reportable to ICO and data subjects"), 0,
                   "the outcome \"reportable to ICO and data subjects\" is recorded");
        Letter l = {0};
        char *why = NULL;
        TAP_INT_EQ(letter_make(f->store, f->cfg, f->tz, "DB2026002", LETTER_TEXT, false, now, &l, &why), 0,
                   "... which is the decision to tell them");
        letter_free(&l);
        free(why);
}

static void contents(Fixture *f)
{
        int64_t id = file(f, "DB2026003", F_REPORTER_NAME, "Pat Reporter", F_REPORTER_CONTACT, "01632 123456",
                          F_NATURE, "A spreadsheet of pupils' contact details was emailed to the wrong parent.",
                          F_INDIVIDUALS_AFFECTED, "Alice Example and Bob Example", F_SUBJECT_CATEGORIES, "pupils",
                          F_DATA_CATEGORIES, "names, addresses, bank details", F_RECIPIENTS, "Carol Recipient",
                          F_MEASURES_TAKEN, "The parent was asked to delete the email and confirmed it.",
                          F_OCCURRED_AT, "02/01/2026", -1);
        TAP_INT_EQ(decide(f, id, "subjects-notified: planned\naction: Check recipients before sending; owner: Dan "
                                 "Owner; due: 31/01/2026"),
                   0, "told: planned, with a remedial action");
        Letter l = {0};
        char *why = NULL;
        int r = letter_make(f->store, f->cfg, f->tz, "DB2026003", LETTER_TEXT, false, now, &l, &why);
        TAP_INT_EQ(r, 0, "the text letter is drafted");
        if (r < 0)
                printf("# %s\n", why);
        const char *b = l.body;
        tap_ok(has(l.subject, "your child's information (our reference DB2026003)"), "its subject: %s", l.subject);
        tap_ok(has(b, "Dear parent or carer,"), "pupils: addressed to a parent or carer");
        tap_ok(has(b, "Test Council\n5 January 2026\nOur reference: DB2026003"), "the organisation, date, reference");
        tap_ok(has(b, "What happened\nA spreadsheet of pupils' contact details was emailed to the wrong parent.\n"
                      "This happened on Friday 2 January 2026."),
               "the nature of the breach, and when");
        tap_ok(has(b, "  - basic personal details, such as a name, address or date of birth\n"
                      "  - financial details, such as bank, card or payment details"),
               "the information involved, in plain words");
        tap_ok(has(b, "What this may mean for you\n[TO COMPLETE: likely consequences — the register has no answer]"),
               "no likely consequences: the gap is marked");
        tap_ok(gap_listed(&l, "likely consequences: the register has no answer"), "... and listed");
        tap_ok(has(b, "The parent was asked to delete the email and confirmed it."), "the measures taken");
        tap_ok(has(b, "[TO COMPLETE: measures to reduce the possible effects on the people affected — the register "
                      "has no answer]"),
               "no mitigation: marked");
        tap_ok(has(b, "  - Check recipients before sending\n"), "the DPO's remedial action");
        tap_ok(has(b, "Check your bank and card statements"), "financial data: advice about the bank");
        tap_ok(has(b, "Be alert to emails, telephone calls"), "advice about phishing");
        tap_ok(!has(b, "Change the password"), "no password advice when no login details were involved");
        tap_ok(has(b, "  Jane Smith, Data Protection Officer\n  Email: dpo@example.test\n  Telephone: 01632 960000\n"
                      "  Post: Town Hall, High Street, Anytown AN1 1AA"),
               "the DPO's name and contact details (dpo_contact; email from dpo)");
        tap_ok(has(b, "ico.org.uk") && has(b, "0303 123 1113"), "the right to complain to the ICO");
        tap_ok(!has(b, "Pat Reporter") && !has(b, "pat.reporter") && !has(b, "01632 123456"), "not the reporter");
        tap_ok(!has(b, "Alice Example") && !has(b, "Bob Example"), "not the list of individuals affected");
        tap_ok(!has(b, "Carol Recipient"), "not who received the information");
        tap_ok(!has(b, "Dan Owner"), "not the owner of an action");
        tap_ok(!gap_listed(&l, "Data Protection Officer"), "no gap for the DPO when dpo_contact is set");
        letter_free(&l);
        free(why);
}

static void escaping(Fixture *f)
{
        int64_t id = file(f, "DB2026004", F_NATURE, "Sent <script>alert(\"x\")</script> & 'more' to the wrong list",
                          F_LIKELY_CONSEQUENCES, "Distress <b>&amp;</b>", F_DATA_CATEGORIES, "passwords, health",
                          -1);
        TAP_INT_EQ(decide(f, id, "subjects-notified: yes"), 0, "told: yes");
        Letter l = {0};
        char *why = NULL;
        int r = letter_make(f->store, f->cfg, f->tz, "DB2026004", LETTER_HTML, false, now, &l, &why);
        TAP_INT_EQ(r, 0, "the HTML letter is drafted");
        if (r < 0)
                printf("# %s\n", why);
        const char *b = l.body;
        tap_ok(b && !strncmp(b, "<!DOCTYPE html>", 15), "it is an HTML document");
        tap_ok(has(b, "Sent &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39; to the wrong list"),
               "the nature escaped");
        tap_ok(!has(b, "<script"), "no script element");
        tap_ok(has(b, "Distress &lt;b&gt;&amp;amp;&lt;/b&gt;"), "the consequences escaped, & of an entity too");
        tap_ok(has(b, "<mark class=\"gap\">[TO COMPLETE: measures taken or proposed to deal with the breach — the "
                      "register has no answer]</mark>"),
               "a gap is marked in HTML");
        tap_ok(has(b, "Dear [NAME],"), "no category of people: a name to fill in");
        tap_ok(has(b, "<li>Change the password"), "login details: advice about passwords, as a list item");
        tap_ok(has(b, "The information was sensitive."), "health: advice for sensitive information");
        tap_ok(has(b, "0303 123 1113"), "the ICO");
        letter_free(&l);
        free(why);
}

static void own_words(Fixture *f)
{
        int64_t id = file(f, "DB2026005", F_NATURE, "A file was lost.", F_DATA_INVOLVED, "Dana Example's care plan",
                          -1);
        decide(f, id, "subjects-notified: planned");
        Letter l = {0};
        char *why = NULL;
        TAP_INT_EQ(letter_make(f->store, f->cfg, f->tz, "DB2026005", LETTER_TEXT, false, now, &l, &why), 0,
                   "information described only in the report's own words");
        tap_ok(!has(l.body, "Dana Example"), "... those words are not copied (they may name someone)");
        tap_ok(has(l.body, "[TO COMPLETE: what information was involved — the report says it only in its own words "
                           "(breachctl show)]"),
               "... the gap says where to look");
        letter_free(&l);
        free(why);
}

static void without_dpo_contact(void)
{
        Fixture *f = fixture_new("organisation = \"A & B <Council>\";");
        tap_ok(f != NULL, "a register without dpo_contact");
        if (!f)
                return;
        int64_t id = file(f, "DB2026001", F_NATURE, "Lost a folder.", -1);
        decide(f, id, "subjects-notified: planned");
        Letter l = {0};
        char *why = NULL;
        TAP_INT_EQ(letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_TEXT, false, now, &l, &why), 0,
                   "drafted");
        tap_ok(has(l.body, "[TO COMPLETE: the Data Protection Officer's name — breachd.conf has no dpo_contact.name]"),
               "the DPO's name: a gap naming the setting");
        tap_ok(has(l.body, "Telephone: [TO COMPLETE: the Data Protection Officer's telephone number — breachd.conf "
                           "has no dpo_contact.phone]"),
               "the telephone: a gap");
        tap_ok(has(l.body, "Email: dpo@example.test"), "the email: the dpo address");
        tap_ok(has(l.body, "[TO COMPLETE: what information was involved — the register has no category"),
               "no categories: a gap");
        letter_free(&l);
        TAP_INT_EQ(letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_HTML, false, now, &l, &why), 0,
                   "drafted in HTML");
        tap_ok(has(l.body, "A &amp; B &lt;Council&gt;") && !has(l.body, "<Council>"),
               "a value from the configuration is escaped too");
        letter_free(&l);
        free(why);

        /* An edited template that asks for the reporter's name is refused
         * at start-up: the letter has no such variable. */
        char *dir = fixture_path(f, "templates");
        char *path = fixture_path(f, "templates/subject-letter.txt");
        mkdir(dir, 0755);
        FILE *t = fopen(path, "w");
        if (t) {
                fputs("Subject: x\n\nDear {{reporter_name}}, {{nature}}\n", t);
                fclose(t);
        }
        TAP_INT_EQ(letter_check_templates(f->cfg, f->tz, &why), -EINVAL,
                   "a letter template naming the reporter is refused by the check");
        tap_ok(has(why, "subject-letter.txt: unknown variable {{reporter_name}}"), "... saying why: %s", why);
        free(why), why = NULL;
        TAP_INT_EQ(templates_check(f->cfg, f->tz, &why), -EINVAL, "... and by the check at start-up");
        tap_ok(has(why, "subject-letter.txt"), "... naming the template: %s", why);
        free(why), why = NULL;
        unlink(path);
        TAP_INT_EQ(letter_check_templates(f->cfg, f->tz, &why), 0, "the built-in letter templates pass the check");
        free(why), why = NULL;

        /* An edited HTML template in templates_dir is the one used. */
        char *html = fixture_path(f, "templates/subject-letter.html");
        t = fopen(html, "w");
        if (t) {
                fputs("Subject: x\n\n<p class=\"ours\">{{nature}}</p>\n", t);
                fclose(t);
        }
        TAP_INT_EQ(letter_make(f->store, f->cfg, f->tz, "DB2026001", LETTER_HTML, false, now, &l, &why), 0,
                   "drafted from an edited subject-letter.html");
        TAP_STR_EQ(l.body, "<p class=\"ours\">Lost a folder.</p>\n", "... which is the one used");
        letter_free(&l);
        unlink(html);
        free(html);
        free(why);
        free(path);
        free(dir);
        fixture_free(f);
}

int main(void)
{
        Fixture *f = fixture_new(DPO_CONTACT);
        tap_ok(f != NULL, "a fresh register");
        if (f) {
                refusal(f);
                outcome_decides(f);
                contents(f);
                escaping(f);
                own_words(f);
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        without_dpo_contact();
        return tap_done();
}
