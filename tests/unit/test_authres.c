/* test_authres.c — the Authentication-Results: reader (read/authres.c),
 * table-driven over well-formed and malformed fields, and whom breachd
 * believes about a sender (case/sender_trust.c): the trusted server's hop
 * read from the top, forgeries below it ignored, the internal mark, and
 * the checks every decision by reply passes (one From: address, Sender:,
 * the envelope sender).  The messages go through message_parse and the
 * guard's wire format, as in the daemon. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "case/sender_trust.h"
#include "read/authres.h"
#include "read/message.h"
#include "read/msgwire.h"
#include "tap.h"

/* ---- the reader ----------------------------------------------------------- */

typedef struct {
        const char *value;
        int ret;                /* 0 or -EBADMSG */
        const char *id;         /* authserv-id */
        unsigned version;
        bool none;
        size_t n_results;
        const char *method, *result;     /* of the first result */
        const char *ptype, *property, *pvalue; /* one property of the first result */
        const char *reason;
        const char *what;
} ParseCase;

static const ParseCase parse_cases[] = {
        {"mx.example.org; dkim=pass header.d=example.org header.s=sel header.b=AbC/+=", 0, "mx.example.org", 1,
         false, 1, "dkim", "pass", "header", "b", "AbC/+=", NULL, "OpenDKIM's shape, a signature with / + ="},
        {"mx.example.org 1; spf=pass smtp.mailfrom=user@example.org", 0, "mx.example.org", 1, false, 1, "spf",
         "pass", "smtp", "mailfrom", "user@example.org", NULL, "a version, a local-part@domain value"},
        {"mx.example.org; none", 0, "mx.example.org", 1, true, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "no-result"},
        {"  MX.Example.ORG (a comment (nested) \\) still) ; DMARC = Pass (p=none dis=none) header.from = example.org",
         0, "mx.example.org", 1, false, 1, "dmarc", "pass", "header", "from", "example.org", NULL,
         "comments, spaces around '=', names lower-cased"},
        {"\"mx quoted\"; dkim=fail reason=\"bad sig; really\" header.d=x.test", 0, "mx quoted", 1, false, 1, "dkim",
         "fail", "header", "d", "x.test", "bad sig; really", "quoted authserv-id and reason"},
        {"mx; spf=pass smtp.mailfrom=a@x.test; dkim=pass header.d=x.test; dmarc=pass header.from=x.test", 0, "mx", 1,
         false, 3, "spf", "pass", "smtp", "mailfrom", "a@x.test", NULL, "three results"},
        {"mx.example.org;\r\n\tdkim=pass\r\n header.d=x.test", 0, "mx.example.org", 1, false, 1, "dkim", "pass",
         "header", "d", "x.test", NULL, "folded"},
        {"mx 2; dkim/1=pass header.d=x.test;", 0, "mx", 2, false, 1, "dkim", "pass", "header", "d", "x.test", NULL,
         "method version, version 2, a trailing ';'"},
        {"", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "empty"},
        {"mx.example.org", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "no result at all"},
        {"spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=x.test; dkim=none; dmarc=none action=none header.from=x.test;",
         -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "no authserv-id (Microsoft's)"},
        {"mx; dkim", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "a method without result"},
        {"mx; dkim=", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "an empty result"},
        {"mx; dkim=pass header.d", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "a property without value"},
        {"mx; dkim=pass (unterminated", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "an unterminated comment"},
        {"mx; dkim=pass header.d=\"unterminated", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "an unterminated quoted string"},
        {"mx; none; dkim=pass", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "none followed by a result"},
        {"mx; dkim=pass garbage", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL,
         "a word that is no property"},
        {"(only a comment)", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "only a comment"},
        {"mx; =pass", -EBADMSG, NULL, 0, false, 0, NULL, NULL, NULL, NULL, NULL, NULL, "a result without method"},
};

static void test_parse(void)
{
        for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
                const ParseCase *c = &parse_cases[i];
                Authres a;
                int r = authres_parse(c->value, &a);
                TAP_INT_EQ(r, c->ret, "authres_parse: %s", c->what);
                if (r == 0 && c->ret == 0) {
                        TAP_STR_EQ(a.authserv_id, c->id, "  its authserv-id");
                        TAP_INT_EQ(a.version, c->version, "  its version");
                        tap_ok(a.none == c->none, "  none is %s", c->none ? "set" : "not set");
                        TAP_INT_EQ(a.n_results, c->n_results, "  its number of results");
                        if (c->method && a.n_results) {
                                const AuthresResult *res = &a.results[0];
                                TAP_STR_EQ(res->method, c->method, "  the first method");
                                TAP_STR_EQ(res->result, c->result, "  the first result");
                                TAP_STR_EQ(authres_prop(res, c->ptype, c->property), c->pvalue, "  %s.%s",
                                           c->ptype, c->property);
                                TAP_STR_EQ(res->reason, c->reason, "  the reason");
                                tap_ok(authres_find(&a, c->method) == res, "  authres_find finds it");
                        }
                } else {
                        tap_ok(a.authserv_id == NULL && a.n_results == 0, "  nothing kept of it");
                }
                authres_free(&a);
        }
        Authres a;
        TAP_INT_EQ(authres_parse(NULL, &a), -EBADMSG, "authres_parse: NULL");
        authres_free(&a);
        /* Every prefix of a good field parses or is refused, and never
         * reads past its end (run under the sanitizers in make check). */
        const char *full = "mx.example.org 1; dkim=pass (1024-bit key) reason=\"ok\" header.d=x.test "
                           "header.b=\"q\\\"z\"; dmarc=pass header.from=x.test";
        size_t n = strlen(full), good = 0;
        for (size_t k = 0; k <= n; k++) {
                char *cut = xstrndup(full, k);
                if (authres_parse(cut, &a) == 0)
                        good++;
                authres_free(&a);
                free(cut);
        }
        tap_ok(good > 0 && good < n, "every prefix of a field is read or refused (%zu of %zu read)", good, n + 1);
}

/* ---- whom breachd believes --------------------------------------------------- */

/* mailbox_extra in the mailbox group; dpo: the DPO's address (NULL:
 * dpo@example.test). */
static Config *config_with(const char *mailbox_extra, const char *dpo)
{
        _cleanup_free_ char *text = xasprintf(
                "mailbox = { host = \"127.0.0.1\"; tls = \"none\"; user = \"breach@example.test\"; "
                "password_file = \"/nonexistent\"; %s };\n"
                "smtp = { host = \"127.0.0.1\"; tls = \"none\"; from = \"Breach <breach@example.test>\"; };\n"
                "dpo = [ \"%s\" ];\n"
                "staff_domains = [ \"example.test\" ];\n",
                mailbox_extra, dpo ? dpo : "dpo@example.test");
        Config *c = NULL;
        _cleanup_free_ char *errors = NULL;
        if (config_parse(text, "test.conf", &c, &errors) < 0) {
                printf("# config: %s\n", errors ? errors : "?");
                return NULL;
        }
        return c;
}

/* top (trace fields, "\n" between) above the sender's own header block;
 * the Message as the guard's worker hands it back. */
static Message *msg(const char *top, const char *from_block)
{
        _cleanup_free_ char *raw = xasprintf("%s%s%s\r\nTo: breach@example.test\r\nSubject: A lost laptop\r\n"
                                             "Message-ID: <t@example.test>\r\n"
                                             "Date: Mon, 6 Jan 2025 10:00:00 +0000\r\n\r\nIt was lost.\r\n",
                                             top, *top ? "\r\n" : "", from_block);
        /* \n in the fixtures below stands for a header line break. */
        Buf b = {0};
        for (const char *p = raw; *p; p++) {
                if (*p == '\n' && (p == raw || p[-1] != '\r'))
                        buf_putc(&b, '\r');
                buf_putc(&b, *p);
        }
        Message *m = NULL, *back = NULL;
        _cleanup_free_ char *why = NULL;
        if (message_parse(b.s, b.len, NULL, &m, &why) < 0) {
                printf("# message_parse: %s\n", why);
                buf_free(&b);
                return NULL;
        }
        buf_free(&b);
        Buf wire = {0};
        message_encode(m, &wire);
        int r = message_decode(wire.s, wire.len, &back);
        buf_free(&wire);
        message_free(m);
        return r < 0 ? NULL : back;
}

#define GOOD_AR "Authentication-Results: mx.example.test; dmarc=pass (p=none dis=none) header.from=example.test"
#define DKIM_AR "Authentication-Results: mx.example.test; dkim=pass (2048-bit key) header.d=example.test header.s=s1"
#define FAIL_AR "Authentication-Results: mx.example.test; dmarc=fail (p=none dis=none) header.from=example.test"
#define RCVD_LMTP "Received: from mx.example.test by imap.example.test with LMTP id x; Mon, 6 Jan 2025 10:00:02 +0000"
#define RCVD_MX "Received: from mail.elsewhere.test (mail.elsewhere.test [192.0.2.7])\n\tby mx.example.test (Postfix) with ESMTP id Y; Mon, 6 Jan 2025 10:00:01 +0000"
#define RCVD_EVIL "Received: from laptop by mail.elsewhere.test; Mon, 6 Jan 2025 10:00:00 +0000"
#define FROM_PAT "From: Pat <pat@example.test>"

typedef struct {
        const char *top;
        const char *from;
        bool refused;
        const char *what;
} TrustCase;

static const TrustCase trust_cases[] = {
        {RCVD_LMTP "\n" GOOD_AR "\n" DKIM_AR "\n" RCVD_MX, FROM_PAT, false,
         "a DMARC pass of the trusted server: believed"},
        {RCVD_LMTP "\n" RCVD_MX "\n" GOOD_AR "\n" DKIM_AR, FROM_PAT, false,
         "the same, its fields below its Received: line"},
        {RCVD_LMTP "\n" FAIL_AR "\n" RCVD_MX "\n" GOOD_AR "\n" RCVD_EVIL, FROM_PAT, true,
         "a forged pass below the trusted server's fail: not believed"},
        {RCVD_LMTP "\n" RCVD_MX "\n" FAIL_AR "\n" GOOD_AR, FROM_PAT, true,
         "a forged pass right below the trusted fail (no Received: between): the topmost counts"},
        {RCVD_LMTP "\n" DKIM_AR "\n" RCVD_MX "\n" GOOD_AR, FROM_PAT, true,
         "the trusted hop gives no DMARC result; a pass below its Received: line does not count"},
        {RCVD_LMTP "\n" "Authentication-Results: mx.elsewhere.test; dmarc=pass header.from=example.test\n" RCVD_MX,
         FROM_PAT, true, "a pass by a server not trusted: not believed"},
        {RCVD_LMTP "\n" "Authentication-Results: mx.example.test; dmarc=pass header.from=elsewhere.test\n" RCVD_MX,
         FROM_PAT, true, "a pass for another domain than From's: not believed"},
        {RCVD_LMTP "\n" "Authentication-Results: mx.example.test; dmarc=pass header.from\n" GOOD_AR "\n" RCVD_MX,
         FROM_PAT, false, "a malformed trusted field counts as nothing, the next one of the hop is read"},
        {RCVD_LMTP "\n" RCVD_MX, FROM_PAT, true, "no Authentication-Results at all: not believed"},
        {RCVD_LMTP "\n" RCVD_MX, "From: Out <someone@elsewhere.test>", false,
         "a sender outside the staff domains: not this check's business"},
};

static void test_trust(void)
{
        Config *on = config_with("trusted_authserv_ids = [ \"MX.example.test\" ];", NULL);
        Config *off = config_with("", NULL);
        tap_ok(on && off, "configurations with and without trusted_authserv_ids");
        if (!on || !off)
                goto out;
        tap_ok(config_checks_senders(on) && !config_checks_senders(off), "config_checks_senders");
        for (size_t i = 0; i < sizeof trust_cases / sizeof *trust_cases; i++) {
                const TrustCase *c = &trust_cases[i];
                Message *m = msg(c->top, c->from);
                tap_ok(m != NULL, "message %zu parsed and carried over the wire", i);
                if (!m)
                        continue;
                _cleanup_free_ char *why = sender_trust_refusal(on, m);
                tap_ok((why != NULL) == c->refused, "%s", c->what);
                if (why)
                        tap_ok(str_startswith(why, "possibly forged: "), "  the reason: %s", why);
                _cleanup_free_ char *why_off = sender_trust_refusal(off, m);
                tap_ok(why_off == NULL, "  without the setting: taken as today");
                message_free(m);
        }
out:
        config_free(on);
        config_free(off);
}

static void test_internal_mark(void)
{
        Config *c = config_with("internal_mark = \"X-MS-Exchange-Organization-AuthAs: Internal\";", NULL);
        tap_ok(c != NULL, "a configuration with internal_mark only");
        if (!c)
                return;
        tap_ok(config_checks_senders(c), "internal_mark alone turns the check on");
        static const struct {
                const char *top;
                bool refused;
                const char *what;
        } cases[] = {
                {RCVD_LMTP "\nX-MS-Exchange-Organization-AuthAs: Internal\n" RCVD_MX, false, "the mark: believed"},
                {RCVD_LMTP "\nx-ms-exchange-organization-authas:   internal  \n" RCVD_MX, false,
                 "the mark, other case and spaces: believed"},
                {RCVD_LMTP "\nX-MS-Exchange-Organization-AuthAs: Anonymous\n" RCVD_MX, true,
                 "the mark says Anonymous: not believed"},
                {RCVD_LMTP "\nX-MS-Exchange-Organization-AuthAs: Anonymous\n" RCVD_MX
                           "\nX-MS-Exchange-Organization-AuthAs: Internal",
                 true, "only the topmost mark counts"},
                {RCVD_LMTP "\n" GOOD_AR "\n" RCVD_MX, true,
                 "Authentication-Results do not count when no authserv-id is trusted"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                Message *m = msg(cases[i].top, FROM_PAT);
                if (!m) {
                        tap_ok(false, "message parsed: %s", cases[i].what);
                        continue;
                }
                _cleanup_free_ char *why = sender_trust_refusal(c, m);
                tap_ok((why != NULL) == cases[i].refused, "%s%s%s", cases[i].what, why ? ": " : "", why ? why : "");
                message_free(m);
        }
        config_free(c);
}

static void test_decision_checks(void)
{
        Config *off = config_with("", NULL);
        Config *on = config_with("trusted_authserv_ids = \"mx.example.test\";", NULL);
        Config *outside = config_with("", "dpo@dpo-firm.test");
        tap_ok(off && on && outside, "configurations for the decision checks");
        if (!off || !on || !outside)
                goto out;
        static const struct {
                const char *top, *from;
                int cfg;            /* 0 off, 1 on, 2 a DPO outside the staff domains */
                bool refused;
                const char *what;
        } cases[] = {
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP, "From: DPO <dpo@example.test>", 0, false,
                 "one From:, no Sender:, the envelope sender inside: may decide"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP,
                 "From: DPO <dpo@example.test>, Mallory <mallory@elsewhere.test>", 0, true,
                 "two addresses in From:"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP,
                 "From: DPO <dpo@example.test>, DPO again <dpo@example.test>", 0, true,
                 "two addresses in From:, even the same one twice"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP,
                 "From: DPO <dpo@example.test>\r\nSender: mallory@elsewhere.test", 0, true,
                 "a Sender: that is not From:"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP,
                 "From: DPO <dpo@example.test>\r\nSender: DPO@Example.test", 0, false,
                 "a Sender: that is From: (case aside)"},
                {"Return-Path: <mallory@elsewhere.test>\n" RCVD_LMTP, "From: DPO <dpo@example.test>", 0, true,
                 "an envelope sender outside the organisation"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP "\nReturn-Path: <mallory@elsewhere.test>",
                 "From: DPO <dpo@example.test>", 0, false,
                 "only the topmost Return-Path: (the delivering server's) counts"},
                {"Return-Path: <dpo@dpo-firm.test>\n" RCVD_LMTP, "From: DPO <dpo@dpo-firm.test>", 2, false,
                 "an envelope sender in a DPO's own domain outside the staff domains"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP "\n" RCVD_MX, "From: DPO <dpo@example.test>", 1, true,
                 "with trusted_authserv_ids, no verdict of the trusted server"},
                {"Return-Path: <dpo@example.test>\n" RCVD_LMTP "\n" GOOD_AR "\n" RCVD_MX,
                 "From: DPO <dpo@example.test>", 1, false, "with trusted_authserv_ids, a DMARC pass"},
        };
        Config *cfgs[] = {off, on, outside};
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                Message *m = msg(cases[i].top, cases[i].from);
                if (!m) {
                        tap_ok(false, "message parsed: %s", cases[i].what);
                        continue;
                }
                _cleanup_free_ char *why = sender_trust_decision(cfgs[cases[i].cfg], m);
                tap_ok((why != NULL) == cases[i].refused, "decision: %s%s%s", cases[i].what, why ? ": " : "",
                       why ? why : "");
                message_free(m);
        }
out:
        config_free(off);
        config_free(on);
        config_free(outside);
}

static void test_message_facts(void)
{
        Message *m = msg("Return-Path: <Pat@Example.test>\n" RCVD_LMTP "\n" GOOD_AR,
                         "From: Pat <pat@example.test>, Sam <sam@example.test>\r\nSender: Sam <SAM@example.test>");
        tap_ok(m != NULL, "a message with two authors");
        if (!m)
                return;
        TAP_INT_EQ(m->n_from, 2, "n_from counts From:'s addresses");
        TAP_STR_EQ(m->sender_addr, "sam@example.test", "sender_addr, lower-cased");
        TAP_STR_EQ(m->return_path, "pat@example.test", "return_path, without <>, lower-cased");
        tap_ok(m->header_fields.n >= 8, "header_fields keeps every field (%zu)", m->header_fields.n);
        TAP_STR_EQ(m->header_fields.v[0], "Return-Path: <Pat@Example.test>", "the topmost first");
        tap_ok(str_startswith(m->header_fields.v[1], "Received: from mx.example.test by imap.example.test"),
               "then the Received: line");
        message_free(m);
        m = msg(RCVD_MX, FROM_PAT);
        tap_ok(m && m->header_fields.n && !strchr(m->header_fields.v[0], '\n') && !strchr(m->header_fields.v[0], '\r'),
               "a folded field is unfolded");
        tap_ok(m && m->n_from == 1 && !m->sender_addr && !m->return_path, "one author, no Sender:, no Return-Path:");
        message_free(m);
}

static void test_config_errors(void)
{
        Config *c = config_with("trusted_authserv_ids = [ \"mx example\" ];", NULL);
        tap_ok(c == NULL, "an authserv-id with a space is refused");
        config_free(c);
        c = config_with("internal_mark = \"X-MS-Exchange-Organization-AuthAs\";", NULL);
        tap_ok(c == NULL, "an internal_mark without ': value' is refused");
        config_free(c);
        c = config_with("trusted_authserv_ids = [];", NULL);
        tap_ok(c && !config_checks_senders(c), "an empty list leaves the check off");
        config_free(c);
}

int main(void)
{
        test_parse();
        test_message_facts();
        test_trust();
        test_internal_mark();
        test_decision_checks();
        test_config_errors();
        return tap_done();
}
