/* Unit tests of decision.c: reading a DPO's reply (table-driven, with
 * malformed rows), due dates, tokens, and the rules decision_apply()
 * enforces, against a register in a temporary directory. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "case/decision.h"
#include "case/reminders.h"
#include "register/store-internal.h"
#include "fixture.h"
#include "tap.h"

/* The commands as one string, "kind=value" joined by " | ". */
static char *describe(const DecisionCmds *c)
{
        Buf b = {0};
        for (size_t i = 0; i < c->n; i++) {
                const DecisionCmd *d = &c->v[i];
                buf_printf(&b, "%s%s", i ? " | " : "", decision_cmd_name(d->kind));
                if (d->value)
                        buf_printf(&b, "=%s", d->value);
                if (d->owner)
                        buf_printf(&b, " owner=%s", d->owner);
                if (d->due)
                        buf_printf(&b, " due=%s", d->due);
                if (d->kind == DC_ACTION_DONE)
                        buf_printf(&b, "=%lld", (long long)d->number);
        }
        return b.s ? buf_steal(&b) : xstrdup("");
}

static void parse_rows(void)
{
        static const struct {
                const char *text, *want;
                size_t errors;
        } rows[] = {
                {"decision: notify", "decision=notify", 0},
                {"Decision : Not-Notifiable", "decision=not notifiable", 0},
                {"DECISION= not notifiable.", "decision=not notifiable", 0},
                {"decision: don't notify", "decision=not notifiable", 0},
                {"decision: maybe", "", 1},
                {"decision:", "", 1},
                {"ico-reference: ic-123456-ab1c", "ico-reference=IC-123456-AB1C", 0},
                {"ICO ref: IC-146285-L4P5", "ico-reference=IC-146285-L4P5", 0},
                {"ico reference: IC 123", "", 1},
                {"ico-reference: none yet", "", 1},
                {"reason: encrypted\nand the recipient deleted it\n\nThanks, Jo", "reason=encrypted\nand the recipient deleted it", 0},
                {"rationale: low risk", "reason=low risk", 0},
                {"delay-reason: the DPO was on leave", "delay-reason=the DPO was on leave", 0},
                {"Reason for delay: found late", "delay-reason=found late", 0},
                {"outcome: Near-Miss", "outcome=near miss", 0},
                {"outcome: non reportable", "outcome=non-reportable breach", 0},
                {"outcome: reportable to the ICO & data subjects", "outcome=reportable to ICO and data subjects", 0},
                {"outcome: another controller", "outcome=not our breach (another controller)", 0},
                {"outcome: a bit bad", "", 1},
                {"ico outcome: NFA", "ico-outcome=no further action", 0},
                {"assign: Jo Bloggs", "assign=Jo Bloggs", 0},
                {"assign:   ", "", 1},
                {"subjects-notified: yes", "subjects-notified=yes", 0},
                {"subjects notified: 34(3)(a)", "subjects-notified=exempt 34(3)(a) encrypted", 0},
                {"subjects notified: perhaps", "", 1},
                {"severity: 3", "severity=3", 0},
                {"severity: Very High", "severity=5", 0},
                {"severity: 4 - high", "severity=4", 0},
                {"severity: 3 high", "", 1},
                {"severity: 6", "", 1},
                {"sensitivity: medium", "sensitivity=Med", 0},
                {"root cause: hacking", "root-cause=Cyber", 0},
                {"root-cause: human error", "root-cause=Human Error", 0},
                {"action taken: police", "action-taken=Police Notified", 0},
                {"note: first line\nsecond line", "note=first line\nsecond line", 0},
                {"action: Retrain the team; owner: J Bloggs; due: 31/03/2026",
                 "action=Retrain the team owner=J Bloggs due=2026-03-31", 0},
                {"action: Check the bins; a second thought", "action=Check the bins; a second thought", 0},
                {"action: Retrain; due: 31/02/2026", "", 1},
                {"done: 2", "done=2", 0},
                {"done: #3", "done=3", 0},
                {"action done: action 4", "done=4", 0},
                {"done: two", "", 1},
                {"close", "close", 0},
                {"Close.", "close", 0},
                {"close the case", "close", 0},
                {"close: yes", "close", 0},
                {"close: no", "", 1},
                {"Decision notify", "decision=notify", 0},
                {"Outcome near miss", "outcome=near miss", 0},
                {"Decision was hard to make", "", 0},
                {"Note the laptop was encrypted", "", 0},
                {"> decision: notify", "", 0},
                {"Random: thing\nHi Jo, re: the case", "", 0},
                {"PS: I rang the school\nRe: the laptop", "", 0},
                {"likely-consequences: identity fraud", "", 1},
                {"decision: not notifiable\nreason: encrypted\nico_ref: none", "decision=not notifiable | "
                 "reason=encrypted", 1},
                {"reason: encrypted\nlikely-consequences: none\nsecond line", "reason=encrypted", 1},
                {"Hi,\n\ndecision: not notifiable\nreason: encrypted\n\n-- \ndecision: notify\n",
                 "decision=not notifiable | reason=encrypted", 0},
                {"decision: notify\r\nico-reference: IC-1-A\r\nreason: health data\r\n",
                 "decision=notify | ico-reference=IC-1-A | reason=health data", 0},
                {"decision: notify\ndecision: maybe\nassign: Sam", "decision=notify | assign=Sam", 1},
                {"", "", 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                DecisionCmds c = {0};
                StrList errors = {0};
                size_t n = decision_parse(rows[i].text, &c, &errors);
                _cleanup_free_ char *got = describe(&c);
                /* The row's text on one line, for the TAP description. */
                _cleanup_free_ char *shown = xstrndup(rows[i].text, strnlen(rows[i].text, 40));
                for (char *p = shown; *p; p++)
                        if (*p == '\n' || *p == '\r')
                                *p = '/';
                TAP_STR_EQ(got, rows[i].want, "parse row %zu: %s", i, shown);
                TAP_INT_EQ(errors.n, rows[i].errors, "parse row %zu: %zu error(s)%s%s", i, rows[i].errors,
                           errors.n ? ": " : "", errors.n ? errors.v[0] : "");
                TAP_INT_EQ(n, c.n, "parse row %zu: returns the number of commands", i);
                decision_cmds_free(&c);
                strlist_free(&errors);
        }
        DecisionCmds c = {0};
        StrList errors = {0};
        decision_parse("first\n\nsecond line\ndecision: nope\nthird\nassign: X", &c, &errors);
        tap_ok(errors.n == 1 && str_startswith(errors.v[0], "line 4: "), "an error names its line (%s)",
               errors.n ? errors.v[0] : "none");
        decision_cmds_free(&c);
        strlist_free(&errors);
}

static void deciding(void)
{
        static const struct {
                const char *text;
                bool decide;
        } rows[] = {
                {"decision: notify", true},   {"ico-reference: IC-1-A", true}, {"close", false},
                {"note: hello", false},       {"outcome: near miss", false},  {"Decision: we recalled it", false},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                DecisionCmds c = {0};
                StrList e = {0};
                decision_parse(rows[i].text, &c, &e);
                TAP_INT_EQ(decision_cmds_decide(&c), rows[i].decide, "tries to decide: %s", rows[i].text);
                decision_cmds_free(&c);
                strlist_free(&e);
        }
}

static void keys(void)
{
        static const struct {
                const char *key;
                int kind;
        } rows[] = {
                {"ico-reference", DC_ICO_REFERENCE}, {"ICO_Reference", DC_ICO_REFERENCE}, {"ico ref", DC_ICO_REFERENCE},
                {"subjects-notified", DC_SUBJECTS_NOTIFIED}, {"Allocated to", DC_ASSIGN}, {"root_cause", DC_ROOT_CAUSE},
                {"decide", -1}, {"", -1}, {"reference", -1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                DecisionCmdKind k = DC__MAX;
                int r = decision_key(rows[i].key, &k);
                TAP_INT_EQ(r < 0 ? -1 : (int)k, rows[i].kind, "key '%s'", rows[i].key);
        }
}

static void due_dates(void)
{
        static const struct {
                const char *in, *want;
        } rows[] = {
                {"2026-03-31", "2026-03-31"}, {"31/03/2026", "2026-03-31"}, {"31.3.26", "2026-03-31"},
                {"1 April 2026", "2026-04-01"}, {"1st Apr 2026", "2026-04-01"}, {"29/02/2028", "2028-02-29"},
                {"29/02/2027", NULL},          {"31/04/2026", NULL},         {"2026-13-01", NULL},
                {"next week", NULL},           {"", NULL},                   {"1 Foo 2026", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                char out[11] = "";
                int r = decision_parse_due(rows[i].in, out);
                TAP_STR_EQ(r < 0 ? NULL : out, rows[i].want, "due date '%s'", rows[i].in);
        }
}

static void tokens(void)
{
        static const struct {
                const char *addr, *own, *ref, *token;
        } rows[] = {
                {"breach+db2026001.abcdefghijkmnpqrstuvwxyz@example.test", "breach@example.test", "db2026001",
                 "abcdefghijkmnpqrstuvwxyz"},
                {"Breach+DB2026001.tok@Example.Test", "breach@example.test", "DB2026001", "tok"},
                {"breach+is/24/017.tok@example.test", "breach@example.test", "is/24/017", "tok"},
                {"breach@example.test", "breach@example.test", NULL, NULL},
                {"breach+form@example.test", "breach@example.test", NULL, NULL},
                {"breach+db2026001.tok@elsewhere.test", "breach@example.test", NULL, NULL},
                {"breachx+db2026001.tok@example.test", "breach@example.test", NULL, NULL},
                {"breach+.tok@example.test", "breach@example.test", NULL, NULL},
                {"breach+db2026001.@example.test", "breach@example.test", NULL, NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                char *ref = NULL, *token = NULL;
                int r = decision_token_in_address(rows[i].addr, rows[i].own, &ref, &token);
                TAP_STR_EQ(r < 0 ? NULL : ref, rows[i].ref, "token address %s: reference", rows[i].addr);
                TAP_STR_EQ(r < 0 ? NULL : token, rows[i].token, "token address %s: token", rows[i].addr);
                free(ref);
                free(token);
        }
        StrList refs = {0}, toks = {0};
        decision_tokens_in_subject("Re: [DB2026001] Reminder (DB2026001.abcdefghijkmnpqrstuvwxyz) see "
                                   "www.exampleorganisation.gov.uk and x.short",
                                   &refs, &toks);
        _cleanup_free_ char *r = strlist_join(&refs, ","), *t = strlist_join(&toks, ",");
        TAP_STR_EQ(r, "DB2026001", "subject: the reference of the token word");
        TAP_STR_EQ(t, "abcdefghijkmnpqrstuvwxyz", "subject: the token; domains and short words are not tokens");
        strlist_free(&refs);
        strlist_free(&toks);
        Config cfg = {0};
        cfg.smtp.from = "Data Breach Reporting <breach@example.test>";
        _cleanup_free_ char *addr = decision_reply_address(&cfg, "DB2026001", "tok");
        TAP_STR_EQ(addr, "breach+DB2026001.tok@example.test", "the reply address carries reference and token");
        cfg.smtp.reply_to = "IG <ig@example.test>";
        _cleanup_free_ char *addr2 = decision_reply_address(&cfg, "DB2026001", "tok");
        TAP_STR_EQ(addr2, "ig+DB2026001.tok@example.test", "the reply address follows reply_to when set");
}

/* ---- applying, against a real register ---- */

static Store *store;
static Tz *tz;
static Config cfg;
static Fixture *fx;

static int64_t file_incident(const char *ref, int64_t aware, int64_t received, bool late)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = received;
        inc.filed_at = received;
        inc.aware_at = aware;
        inc.deadline_at = aware + 72 * 3600;
        inc.late = late;
        inc.from_addr = xstrdup("reporter@example.test");
        inc.subject = xstrdup("Laptop lost");
        int r = store_insert_incident(store, &inc);
        int64_t id = r < 0 ? 0 : inc.id;
        incident_free(&inc);
        return id;
}

static int apply(int64_t id, int64_t now, const char *text, StrList *errors)
{
        DecisionCmds c = {0};
        StrList parse_errors = {0}, changes = {0};
        decision_parse(text, &c, &parse_errors);
        DecisionEnv env = {.store = store, .cfg = &cfg, .tz = tz, .actor = "dpo@example.test", .now = now};
        int r = decision_apply(&env, id, &c, &changes, errors);
        decision_cmds_free(&c);
        strlist_free(&parse_errors);
        strlist_free(&changes);
        return r;
}

static char *field(int64_t id, AssessField f)
{
        Assessment a;
        if (store_load_assessment(store, id, &a) < 0)
                return NULL;
        char *v = xstrdup(a.f[f]);
        assessment_free(&a);
        return v;
}

static int64_t next_reminder(int64_t id)
{
        Assessment a;
        if (store_load_assessment(store, id, &a) < 0)
                return -2;
        int64_t t = a.next_reminder_at;
        assessment_free(&a);
        return t;
}

static bool error_says(const StrList *e, const char *what)
{
        for (size_t i = 0; i < e->n; i++)
                if (strstr(e->v[i], what))
                        return true;
        return false;
}

static void applying(void)
{
        fx = fixture_new(NULL);
        tap_ok(fx != NULL, "temporary directory");
        if (!fx)
                return;
        store = fx->store;
        tap_ok(store != NULL, "register opens");
        tz = fx->tz;
        tap_ok(tz != NULL, "time zone opens");
        cfg = *fx->cfg;  /* the fixture's (reminders at 24, 48, 60, 68 hours); its strings stay the fixture's */
        const int64_t A = 1795000000;  /* awareness */
        int64_t id = file_incident("DB2026001", A, A + 3600, false);
        tap_ok(id > 0, "incident filed");
        StrList e = {0};

        TAP_INT_EQ(apply(id, A + 7200, "decision: not notifiable", &e), -EINVAL, "a decision without its reason is refused");
        tap_ok(error_says(&e, "reason"), "and the error asks for the reason");
        _cleanup_free_ char *d0 = field(id, AS_ICO_DECISION);
        TAP_STR_EQ(d0, "pending", "nothing changed");
        strlist_free(&e);

        TAP_INT_EQ(apply(id, A + 7200, "ico-reference: IC-1-A", &e), -EINVAL, "a reference without notify is refused");
        strlist_free(&e);

        TAP_INT_EQ(apply(id, A + 7200, "decision: notify\nreason: health data\nassign: Sam", &e), 0,
                   "notify with a reason is recorded");
        _cleanup_free_ char *d1 = field(id, AS_ICO_DECISION), *s1 = field(id, AS_STATUS), *by = field(id, AS_ASSESSED_BY),
                            *al = field(id, AS_ALLOCATED_TO);
        TAP_STR_EQ(d1, "notify", "decision is notify");
        TAP_STR_EQ(s1, "assessing", "status moves to assessing");
        TAP_STR_EQ(by, "dpo@example.test", "assessed_by is who decided");
        TAP_STR_EQ(al, "Sam", "allocated_to is set");
        TAP_INT_EQ(next_reminder(id), A + 24 * 3600, "notify without a reference: reminders go on");

        TAP_INT_EQ(apply(id, A + 7200, "close", &e), -EINVAL, "closing without the ICO reference is refused");
        tap_ok(error_says(&e, "ICO reference"), "and says the reference is missing");
        strlist_free(&e);

        TAP_INT_EQ(apply(id, A + 8000, "ico-reference: IC-123456-AB1C\naction: Retrain the team; owner: Sam", &e), 0,
                   "the reference and an action are recorded");
        _cleanup_free_ char *s2 = field(id, AS_STATUS);
        TAP_STR_EQ(s2, "notified", "status is notified once the reference is in");
        TAP_INT_EQ(next_reminder(id), -1, "no more reminders");

        TAP_INT_EQ(apply(id, A + 9000, "close", &e), -EINVAL, "closing with an action still to do is refused");
        tap_ok(error_says(&e, "1 action is still to be done"), "and says how many are open");
        strlist_free(&e);
        TAP_INT_EQ(apply(id, A + 9000, "done: 2", &e), -EINVAL, "marking a missing action done is refused");
        strlist_free(&e);
        TAP_INT_EQ(apply(id, A + 9000, "done: 1\nclose", &e), 0, "the action done and the case closed in one go");
        _cleanup_free_ char *s3 = field(id, AS_STATUS);
        TAP_STR_EQ(s3, "closed", "status is closed");
        TAP_INT_EQ(apply(id, A + 9100, "outcome: near miss", &e), -EINVAL, "a closed case takes no more changes");
        strlist_free(&e);
        TAP_INT_EQ(apply(id, A + 9100, "note: filed away", &e), 0, "but a note");
        _cleanup_free_ char *s4 = field(id, AS_STATUS);
        TAP_STR_EQ(s4, "closed", "and stays closed");

        /* A late report: notify needs the reason for the delay. */
        int64_t late = file_incident("DB2026002", A, A + 5 * 86400, true);
        TAP_INT_EQ(apply(late, A + 5 * 86400, "decision: notify\nreason: health data", &e), -EINVAL,
                   "notify for a late report without delay-reason is refused");
        tap_ok(error_says(&e, "delay-reason"), "and the error asks for delay-reason");
        strlist_free(&e);
        TAP_INT_EQ(apply(late, A + 5 * 86400, "decision: notify\nreason: health data\ndelay-reason: found late", &e), 0,
                   "with delay-reason it is recorded");
        _cleanup_free_ char *dr = field(late, AS_ICO_DELAY_REASON);
        TAP_STR_EQ(dr, "found late", "the delay reason is kept");
        /* Deadline A + 3 days; now A + 5 days: the next daily point is the
         * third day after the deadline. */
        TAP_INT_EQ(next_reminder(late), A + 6 * 86400,
                   "notify without reference after the deadline: the next daily reminder");

        /* Not notifiable, before the deadline: no delay reason needed, and the reminders stop. */
        int64_t third = file_incident("DB2026003", A, A + 600, false);
        TAP_INT_EQ(apply(third, A + 3600, "decision: not notifiable\nreason: encrypted device\nseverity: 2", &e), 0,
                   "not notifiable with a reason is recorded");
        TAP_INT_EQ(next_reminder(third), -1, "reminders stop");
        _cleanup_free_ char *sev = field(third, AS_SEVERITY);
        TAP_STR_EQ(sev, "2", "severity is stored as its level");
        TAP_INT_EQ(apply(third, A + 3600, "decision: notify\nreason: changed my mind\ndecision: not notifiable", &e),
                   -EINVAL, "two different decisions at once are refused");
        strlist_free(&e);

        /* The audit trail has every change. */
        int64_t n_audit = -1;
        static const char audit_sql[] = "SELECT COUNT(*) FROM audit WHERE incident_id = ? AND field = 'ico_decision'";
        store_query_once(store, audit_sql, STORE_VALUES(SV_INT(id)), store_row_int64, &n_audit);
        TAP_INT_EQ(n_audit, 1, "the audit trail records the decision once");

        tap_ok(fixture_free(fx) == 0, "temporary directory removed");
}

int main(void)
{
        parse_rows();
        deciding();
        keys();
        due_dates();
        tokens();
        applying();
        return tap_done();
}
