/* test_config.c — config_load(), its errors and line numbers, secrets, and
 * the address queries.  Config files are written to a private temp dir. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "case/ingest_read.h"
#include "read/form.h"
#include "tap.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static char tmpdir[] = "/tmp/test_config.XXXXXX";
static char conf_path[256];

/* Three lines of a valid config: what every test starts from, so that lines
 * added after it are numbered from 4. */
#define MAILBOX "mailbox = { host = \"imap.example.org\"; user = \"u\"; " \
                "password_file = \"/nonexistent/imap.secret\"; };\n"
#define SMTP "smtp = { host = \"smtp.example.org\"; from = \"Breach <breach@example.org>\"; };\n"
#define DPO "dpo = \"dpo@example.org\";\n"
#define MINIMAL MAILBOX SMTP DPO

static void write_file(const char *path, const char *text, mode_t mode)
{
        FILE *f = fopen(path, "w");
        if (!f) {
                perror(path);
                exit(2);
        }
        fputs(text, f);
        fclose(f);
        chmod(path, mode);
}

/* Writes text to the test's config file and loads it.  On success *errors is
 * NULL; on failure *c is NULL. */
_printf_(3, 4) static int load(Config **c, char **errors, const char *fmt, ...)
{
        va_list ap;
        char *text = NULL;

        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                abort();
        va_end(ap);
        write_file(conf_path, text, 0644);
        free(text);
        *c = NULL;
        *errors = NULL;
        return config_load(conf_path, c, errors);
}

/* Loading fails and the errors are exactly `want`, where each line is
 * "LINE: message" (or ": message" for no line) after the file name. */
static void expect_errors(const char *name, const char *want, const char *fmt, ...)
{
        va_list ap;
        char *text = NULL;
        Config sentinel;
        Config *c = &sentinel;
        char *errors = NULL;

        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                abort();
        va_end(ap);
        write_file(conf_path, text, 0644);
        free(text);
        int r = config_load(conf_path, &c, &errors);
        TAP_INT_EQ(r, -EINVAL, "%s: refused", name);
        tap_ok(c == &sentinel, "%s: *ret untouched", name);

        /* Prefix every line of want with the file name. */
        Buf b = {0};
        const char *p = want;
        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                buf_printf(&b, "%s%s%s%.*s", b.len ? "\n" : "", conf_path,
                           *p == ':' ? "" : ":", (int)n, p);
                p += n + (nl ? 1 : 0);
        }
        TAP_STR_EQ(errors, b.s, "%s: errors", name);
        buf_free(&b);
        free(errors);
}

static Config *expect_ok(const char *name, const char *text)
{
        Config *c = NULL;
        char *errors = NULL;
        int r = load(&c, &errors, "%s", text);
        TAP_INT_EQ(r, 0, "%s: loads", name);
        if (r < 0)
                printf("#   errors: %s\n", errors ? errors : "(none)");
        free(errors);
        return c;
}

/* The shipped sample: under $BREACHD_SRCDIR, else found from this source
 * file's name (the Makefile builds from the top directory), else from the
 * program's (build/tests/test_config). */
static char *sample_path(void)
{
        const char *srcdir = getenv("BREACHD_SRCDIR");
        const char *slash = strrchr(__FILE__, '/');
        char exe[4096];
        ssize_t n;

        if (srcdir)
                return xasprintf("%s/conf/breachd.conf", srcdir);
        char *p = slash ? xasprintf("%.*s/../../conf/breachd.conf", (int)(slash - __FILE__), __FILE__)
                        : xstrdup("../../conf/breachd.conf");
        if (access(p, F_OK) == 0 || (n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
                return p;
        exe[n] = 0;
        slash = strrchr(exe, '/');
        free(p);
        return xasprintf("%.*s/../../conf/breachd.conf", (int)(slash - exe), exe);
}

static void test_sample(void)
{
        /* The secret files the sample names need not exist: secrets are read
         * at connect time, not at load. */
        _cleanup_free_ char *path = sample_path();
        _cleanup_config_ Config *c = NULL;
        _cleanup_free_ char *errors = NULL;

        int r = config_load(path, &c, &errors);
        TAP_INT_EQ(r, 0, "sample %s loads", path);
        if (r < 0) {
                printf("#   %s\n", errors ? errors : "");
                return;
        }
        TAP_STR_EQ(c->path, path, "sample: path kept");
        TAP_STR_EQ(c->organisation, "Example District Council", "sample: organisation");
        TAP_INT_EQ(c->mailbox.tls, TLS_IMAPS, "sample: mailbox over imaps");
        TAP_INT_EQ(c->mailbox.port, 993, "sample: mailbox port");
        TAP_INT_EQ(c->mailbox.auth, AUTH_PLAIN, "sample: mailbox password auth");
        TAP_STR_EQ(c->mailbox.secret.file, "/etc/breachd/imap.secret", "sample: mailbox password file");
        tap_ok(c->mailbox.secret.command == NULL, "sample: no mailbox command");
        TAP_INT_EQ(c->smtp.tls, TLS_STARTTLS, "sample: smtp starttls");
        TAP_INT_EQ(c->smtp.port, 587, "sample: smtp port");
        TAP_INT_EQ(c->smtp.auth, AUTH_PLAIN, "sample: smtp password auth");
        TAP_STR_EQ(c->smtp.envelope_from, "breach@example.gov.uk", "sample: envelope from the From address");
        TAP_INT_EQ(c->dpo.n, 1, "sample: one DPO");
        TAP_INT_EQ(c->n_directorates, 6, "sample: directorates");
        TAP_STR_EQ(c->directorates[1].name, "Children, Young People and Education", "sample: group directorate");
        TAP_STR_EQ(c->directorates[1].abbreviations.n ? c->directorates[1].abbreviations.v[0] : NULL,
                   "CYPE", "sample: abbreviation");
        TAP_STR_EQ(c->directorates[5].name, "Public Health", "sample: plain directorate");
        TAP_INT_EQ(c->n_extra_labels, 2, "sample: extra labels");
        TAP_INT_EQ(c->max_message_size, 25 << 20, "sample: \"25M\"");
        tap_ok(config_is_dpo_address(c, "DPO@Example.gov.uk"), "sample: DPO address, any case");
}

static void test_defaults(void)
{
        _cleanup_config_ Config *c = expect_ok("minimal", MINIMAL);
        if (!c)
                return;
        TAP_INT_EQ(c->mailbox.port, 993, "default: mailbox port for imaps");
        TAP_INT_EQ(c->mailbox.tls, TLS_IMAPS, "default: mailbox tls");
        TAP_INT_EQ(c->mailbox.auth, AUTH_PLAIN, "default: mailbox auth");
        TAP_STR_EQ(c->mailbox.folder, "INBOX", "default: folder");
        TAP_STR_EQ(c->mailbox.processed_folder, "Processed", "default: processed folder");
        TAP_STR_EQ(c->mailbox.quarantine_folder, "Quarantine", "default: quarantine folder");
        TAP_STR_EQ(c->mailbox.automatic_folder, "Automatic", "default: automatic folder");
        tap_ok(c->mailbox.idle, "default: idle");
        tap_ok(c->mailbox.ca_file == NULL, "default: system trust store");
        TAP_INT_EQ(c->smtp.tls, TLS_STARTTLS, "default: smtp starttls");
        TAP_INT_EQ(c->smtp.port, 587, "default: smtp port");
        TAP_INT_EQ(c->smtp.auth, AUTH_NONE, "default: smtp auth none without user");
        TAP_STR_EQ(c->smtp.envelope_from, "breach@example.org", "default: envelope from");
        tap_ok(c->smtp.reply_to == NULL, "default: no reply-to");
        TAP_INT_EQ(c->dpo.n, 1, "single-string dpo");
        TAP_STR_EQ(c->dpo.n ? c->dpo.v[0] : NULL, "dpo@example.org", "dpo address");
        TAP_INT_EQ(c->escalation.n, 0, "default: no escalation");
        tap_ok(c->admin == NULL, "default: no admin");
        TAP_STR_EQ(c->organisation, "", "default: organisation");
        TAP_STR_EQ(c->timezone, "Europe/London", "default: timezone");
        TAP_STR_EQ(c->reference_pattern, "DB%Y%03n", "default: reference pattern");
        TAP_STR_EQ(c->database, "/var/lib/breachd/breachd.db", "default: database");
        TAP_STR_EQ(c->templates_dir, SYSCONFDIR "/breachd/templates", "default: templates");
        tap_ok(c->metrics_file == NULL, "default: no metrics file");
        TAP_INT_EQ(c->poll_interval, 60, "default: poll interval");
        TAP_INT_EQ(c->batch_size, 200, "default: batch size");
        TAP_INT_EQ(c->n_reminder_hours, 4, "default: 4 reminders");
        if (c->n_reminder_hours == 4)
                tap_ok(c->reminder_hours[0] == 24 && c->reminder_hours[1] == 48 &&
                       c->reminder_hours[2] == 60 && c->reminder_hours[3] == 68,
                       "default: reminders 24, 48, 60, 68");
        TAP_INT_EQ(c->max_message_size, 26214400, "default: 25 MiB");
        TAP_INT_EQ(c->retention_days, 0, "default: retention");
        TAP_INT_EQ(c->max_auto_replies_per_day, 20, "default: auto replies");
        TAP_INT_EQ(c->staff_domains.n, 0, "default: no staff domains");
        TAP_INT_EQ(c->n_directorates, 0, "default: no directorates");
        TAP_INT_EQ(c->n_extra_labels, 0, "default: no extra labels");
        TAP_STR_EQ(config_default_path(), SYSCONFDIR "/breachd/breachd.conf", "default path");
        TAP_STR_EQ(tls_mode_name(TLS_STARTTLS), "starttls", "tls_mode_name");
        TAP_STR_EQ(auth_mode_name(AUTH_XOAUTH2), "xoauth2", "auth_mode_name");
}

static void test_values(void)
{
        _cleanup_config_ Config *c = expect_ok("every value set", MINIMAL
                "organisation = \"Kent\";\n"
                "escalation = [ \"siro@example.org\", \"ceo@example.org\" ];\n"
                "admin = \"ops@example.org\";\n"
                "timezone = \"UTC\";\n"
                "reference_pattern = \"IS/%y/%03n\";\n"
                "directorates = [ \"A\", \"B\" ];\n"
                "staff_domains = [ \"example.gov.uk\", \"school.org\" ];\n"
                "database = \"/tmp/x.db\";\n"
                "templates_dir = \"/tmp/t\";\n"
                "poll_interval = 5;\n"
                "batch_size = 5000;\n"
                "reminders = [ 1, 71 ];\n"
                "max_message_size = \"512K\";\n"
                "retention_days = 365;\n"
                "max_auto_replies_per_day = 0;\n"
                "labels = { nature = \"What went wrong\"; occurred_at = [ \"Date of loss\", \"When\" ];\n"
                "           not_ongoing = [ \"Is it all sorted now\" ]; };\n");
        if (!c)
                return;
        TAP_INT_EQ(c->escalation.n, 2, "escalation list");
        TAP_STR_EQ(c->admin, "ops@example.org", "admin");
        TAP_STR_EQ(c->timezone, "UTC", "timezone");
        TAP_STR_EQ(c->reference_pattern, "IS/%y/%03n", "reference pattern");
        TAP_INT_EQ(c->n_directorates, 2, "directorates as an array of strings");
        TAP_INT_EQ(c->staff_domains.n, 2, "staff domains");
        TAP_INT_EQ(c->poll_interval, 5, "poll interval at its minimum");
        TAP_INT_EQ(c->batch_size, 5000, "batch size at its maximum");
        TAP_INT_EQ(c->n_reminder_hours, 2, "reminders");
        TAP_INT_EQ(c->max_message_size, 512 * 1024, "\"512K\"");
        TAP_INT_EQ(c->retention_days, 365, "retention");
        TAP_INT_EQ(c->max_auto_replies_per_day, 0, "auto replies 0");
        TAP_INT_EQ(c->n_extra_labels, 3, "labels for three fields");
        if (c->n_extra_labels == 3) {
                TAP_STR_EQ(c->extra_labels[0].key, "nature", "labels: first key");
                TAP_INT_EQ(c->extra_labels[0].labels.n, 1, "labels: single string");
                TAP_STR_EQ(c->extra_labels[1].key, "occurred_at", "labels: second key");
                TAP_INT_EQ(c->extra_labels[1].labels.n, 2, "labels: list");
                TAP_STR_EQ(c->extra_labels[2].key, "not_ongoing", "labels: a question the other way round");
                /* the daemon's label set asks it the other way round */
                FormLabels *l = ingest_labels_for(c);
                bool neg = false;
                TAP_INT_EQ(form_labels_match_negated(l, "Is it all sorted now?", &neg), F_ONGOING,
                           "labels: not_ongoing asks for ongoing");
                tap_ok(neg, "labels: not_ongoing is turned round");
                TAP_INT_EQ(form_labels_match_negated(l, "Date of loss", &neg), F_OCCURRED_AT,
                           "labels: occurred_at as before");
                tap_ok(!neg, "labels: occurred_at is not turned round");
                form_labels_free(l);
        }
}

static void test_sizes(void)
{
        static const struct { const char *value; long long want; } rows[] = {
                {"1048576", 1048576},  {"\"25M\"", 25 << 20}, {"\"25MiB\"", 25 << 20},
                {"\"1G\"", 1 << 30},   {"\"2048\"", 2048},    {"\"64k\"", 65536},
                {"\"lots\"", -1},      {"100", -1},           {"\"2G\"", -1},
                {"\"25 M B\"", -1},    {"\"M\"", -1},         {"-5", -1},
                {"25.5", -1},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                Config *c;
                char *errors;
                int r = load(&c, &errors, MINIMAL "max_message_size = %s;\n", rows[i].value);
                if (rows[i].want < 0)
                        tap_ok(r == -EINVAL && errors && str_startswith(errors, conf_path) &&
                               strstr(errors, ":4: max_message_size: "),
                               "max_message_size = %s refused at line 4", rows[i].value);
                else
                        tap_ok(r == 0 && c->max_message_size == (uint64_t)rows[i].want,
                               "max_message_size = %s is %lld", rows[i].value, rows[i].want);
                free(errors);
                config_free(c);
        }
}

static void test_error_lines(void)
{
        expect_errors("unknown key in a group", "2: unknown key 'colour' in mailbox",
                      "mailbox = { host = \"imap.example.org\"; user = \"u\";\n"
                      "  colour = \"blue\";\n"
                      "  password_file = \"/x\"; };\n" SMTP DPO);
        expect_errors("unknown top-level key", "5: unknown key 'pol_interval'",
                      MINIMAL "\n" "pol_interval = 30;\n");
        expect_errors("three errors, all listed in order",
                      "2: mailbox.port: expected an integer\n"
                      "6: unknown key 'colour'\n"
                      "9: poll_interval: must be between 5 and 86400 (got 2)",
                      "mailbox = { host = \"imap.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  port = \"993\";\n"
                      "};\n"
                      SMTP DPO
                      "colour = \"blue\";\n"
                      "# a comment\n"
                      "\n"
                      "poll_interval = 2;\n");
        expect_errors("syntax error", "5: syntax error",
                      MINIMAL "batch_size = 10;\npoll_interval = = 5;\nretention_days = 1;\n");
        expect_errors("unterminated group", "6: syntax error", MINIMAL "batch_size = 10;\nlabels = {\n");
        expect_errors("mixed array", "4: mismatched element type in array", MINIMAL "dpo2 = [ \"a\", 1 ];\n");
        expect_errors("wrong types",
                      "1: mailbox.idle: expected true or false\n"
                      "4: batch_size: expected an integer\n"
                      "5: staff_domains: expected a string or a list of strings [ \"...\", ... ]",
                      "mailbox = { host = \"imap.example.org\"; user = \"u\"; password_file = \"/x\"; idle = 1; };\n"
                      SMTP DPO "batch_size = 2.5;\nstaff_domains = 3;\n");
        expect_errors("missing required keys",
                      "1: mailbox.host is required\n"
                      "2: smtp.from is required (e.g. \"Data Breach Reporting <breach@example.org>\")",
                      "mailbox = { user = \"u\"; password_file = \"/x\"; };\n"
                      "smtp = { host = \"smtp.example.org\"; };\n" DPO);
        expect_errors("missing groups have no line",
                      ": smtp is required (a group { ... })\n"
                      ": dpo is required (dpo = [ \"dpo@example.org\" ];)",
                      MAILBOX);
        expect_errors("empty string", "4: database: must not be empty (leave the setting out for the default)",
                      MINIMAL "database = \"  \";\n");
        expect_errors("a weekly_digest that is not a day and a time",
                      "4: weekly_digest: 'Someday 8:00' is not a day and a time (write e.g. \"Mon 08:00\", or \"off\")",
                      MINIMAL "weekly_digest = \"Someday 8:00\";\n");
        expect_errors("a weekly_digest at 25:00",
                      "4: weekly_digest: 'Tue 25:00' is not a day and a time (write e.g. \"Mon 08:00\", or \"off\")",
                      MINIMAL "weekly_digest = \"Tue 25:00\";\n");
        expect_errors("a relative metrics_file", "4: metrics_file: 'breachd.prom' is not an absolute path "
                      "(write e.g. \"/var/lib/prometheus/node-exporter/breachd.prom\")",
                      MINIMAL "metrics_file = \"breachd.prom\";\n");
        expect_errors("control character", "4: organisation: must not contain control characters or line breaks",
                      MINIMAL "organisation = \"Kent\\nBcc: x@y\";\n");
        expect_errors("internal_mark without a header name",
                      "1: mailbox.internal_mark: 'Internal' is not \"Header-Name: value\" "
                      "(e.g. \"X-MS-Exchange-Organization-AuthAs: Internal\")",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; "
                      "internal_mark = \"Internal\"; };\n" SMTP DPO);
        expect_errors("an authserv-id with a space",
                      "1: mailbox.trusted_authserv_ids[0]: 'mx example' is not an authserv-id (write the host "
                      "name the mail server puts first in its Authentication-Results: header, e.g. "
                      "\"mx.example.gov.uk\")",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; "
                      "trusted_authserv_ids = [ \"mx example\" ]; };\n" SMTP DPO);
        expect_errors("bad enum", "1: mailbox.tls: expected \"imaps\", \"starttls\" or \"none\" (got \"ssl\")",
                      "mailbox = { host = \"h.example.org\"; tls = \"ssl\"; user = \"u\"; password_file = \"/x\"; };\n"
                      SMTP DPO);
        expect_errors("mailbox auth none", "1: mailbox.auth: expected \"password\", \"xoauth2\" or \"oauthbearer\" (got \"none\")",
                      "mailbox = { host = \"h.example.org\"; auth = \"none\"; user = \"u\"; password_file = \"/x\"; };\n"
                      SMTP DPO);
        expect_errors("processed folder is the watched folder",
                      "2: mailbox.processed_folder: must differ from mailbox.folder",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  processed_folder = \"inbox\"; };\n" SMTP DPO);
        expect_errors("automatic folder is the watched folder",
                      "3: mailbox.automatic_folder: must differ from mailbox.folder",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  folder = \"Breaches\";\n  automatic_folder = \"breaches\"; };\n" SMTP DPO);
        expect_errors("automatic folder is the quarantine folder",
                      "2: mailbox.automatic_folder: must differ from mailbox.quarantine_folder",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  automatic_folder = \"Quarantine\"; };\n" SMTP DPO);
        expect_errors("automatic folder empty", "2: mailbox.automatic_folder: must not be empty (leave the setting "
                      "out for the default)",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  automatic_folder = \"\"; };\n" SMTP DPO);
        expect_errors("port out of range", "5: smtp.port: must be between 1 and 65535 (got 70000)",
                      MAILBOX DPO "\n\nsmtp = { host = \"s.example.org\"; from = \"b@example.org\"; port = 70000; };\n");
}

/* dpo_contact: how the people affected reach the DPO (the subject letter). */
static void test_dpo_contact(void)
{
        Config *c = expect_ok("dpo_contact", MINIMAL "dpo_contact = { name = \"Jane Smith, Data Protection Officer\";\n"
                                             "  email = \"dpo@example.org\"; phone = \"+44 (0)1632 960000 ext. 12\";\n"
                                             "  address = \"Town Hall, High Street, Anytown AN1 1AA\"; };\n");
        if (c) {
                TAP_STR_EQ(c->dpo_contact.name, "Jane Smith, Data Protection Officer", "dpo_contact.name");
                TAP_STR_EQ(c->dpo_contact.email, "dpo@example.org", "dpo_contact.email");
                TAP_STR_EQ(c->dpo_contact.phone, "+44 (0)1632 960000 ext. 12", "dpo_contact.phone");
                TAP_STR_EQ(c->dpo_contact.address, "Town Hall, High Street, Anytown AN1 1AA", "dpo_contact.address");
        }
        config_free(c);
        c = expect_ok("no dpo_contact", MINIMAL);
        if (c)
                tap_ok(!c->dpo_contact.name && !c->dpo_contact.email && !c->dpo_contact.phone &&
                               !c->dpo_contact.address,
                       "no dpo_contact: every part unset");
        config_free(c);
        expect_errors("dpo_contact: bad values, each at its line",
                      "5: dpo_contact.email: 'the DPO' is not an e-mail address\n"
                      "6: dpo_contact.phone: 'dpo@example.org' is not a telephone number (write e.g. \"01632 960000\")\n"
                      "7: unknown key 'fax' in dpo_contact\n"
                      "8: dpo_contact.address: must not contain control characters or line breaks",
                      MINIMAL "dpo_contact = {\n"
                      "  email = \"the DPO\";\n"
                      "  phone = \"dpo@example.org\";\n"
                      "  fax = \"01632 960001\";\n"
                      "  address = \"Town Hall\\nAnytown\";\n"
                      "};\n");
        expect_errors("dpo_contact: not a group", "4: dpo_contact: expected a group { ... }",
                      MINIMAL "dpo_contact = \"Jane Smith\";\n");
        expect_errors("dpo_contact: empty", "4: dpo_contact: is empty: give at least one of name, email, phone and "
                                            "address, or leave it out",
                      MINIMAL "dpo_contact = { };\n");
}

/* Automatic mail may be filed quietly in Processed, or a folder of its own. */
static void test_automatic_folder(void)
{
        _cleanup_config_ Config *c = expect_ok("automatic mail filed in Processed",
                "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; "
                "automatic_folder = \"Processed\"; };\n" SMTP DPO);
        if (c)
                TAP_STR_EQ(c->mailbox.automatic_folder, "Processed", "automatic_folder read");
}

static void test_missing_file(void)
{
        Config *c = NULL;
        char *errors = NULL;
        _cleanup_free_ char *path = xasprintf("%s/nonexistent.conf", tmpdir);
        _cleanup_free_ char *want = xasprintf("%s: cannot read: %s", path, strerror(ENOENT));

        int r = config_load(path, &c, &errors);
        TAP_INT_EQ(r, -ENOENT, "missing file: -ENOENT");
        TAP_STR_EQ(errors, want, "missing file: said so");
        tap_ok(c == NULL, "missing file: *ret untouched");
        free(errors);
        TAP_INT_EQ(config_load(path, &c, NULL), -ENOENT, "ret_errors may be NULL");
}

static void test_tls(void)
{
        expect_errors("tls none to a remote host",
                      "2: mailbox.tls: 'none' is only allowed to a loopback address "
                      "(passwords would cross the network unencrypted)",
                      "mailbox = { host = \"imap.example.org\"; user = \"u\"; password_file = \"/x\";\n"
                      "  tls = \"none\"; };\n" SMTP DPO);
        expect_errors("tls none to 10.0.0.1 (smtp)",
                      "2: smtp.tls: 'none' is only allowed to a loopback address "
                      "(passwords would cross the network unencrypted)",
                      MAILBOX "smtp = { host = \"10.0.0.1\"; tls = \"none\"; from = \"b@example.org\"; };\n" DPO);
        expect_errors("tls none to 128.0.0.1",
                      "1: mailbox.tls: 'none' is only allowed to a loopback address "
                      "(passwords would cross the network unencrypted)",
                      "mailbox = { host = \"128.0.0.1\"; user = \"u\"; password_file = \"/x\"; tls = \"none\"; };\n"
                      SMTP DPO);
        expect_errors("host given as a URL",
                      "1: mailbox.host: 'imaps://imap.example.org' is not a host name (write only the name, e.g. \"mail.example.org\")",
                      "mailbox = { host = \"imaps://imap.example.org\"; user = \"u\"; password_file = \"/x\"; };\n"
                      SMTP DPO);

        static const char *const loopback[] = {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost",
                                               "::ffff:127.0.0.1"};
        for (size_t i = 0; i < ARRAY_SIZE(loopback); i++) {
                Config *c;
                char *errors;
                int r = load(&c, &errors,
                             "mailbox = { host = \"%s\"; user = \"u\"; password_file = \"/x\"; tls = \"none\"; };\n"
                             "smtp = { host = \"%s\"; tls = \"none\"; from = \"b@example.org\"; };\n" DPO,
                             loopback[i], loopback[i]);
                tap_ok(r == 0 && c->mailbox.tls == TLS_NONE && c->mailbox.port == 143 &&
                       c->smtp.port == 25, "tls none to %s allowed, ports 143 and 25", loopback[i]);
                if (r < 0)
                        printf("#   %s\n", errors);
                free(errors);
                config_free(c);
        }
        _cleanup_config_ Config *c = expect_ok("starttls mailbox, imaps smtp",
                "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; tls = \"starttls\"; };\n"
                "smtp = { host = \"s.example.org\"; tls = \"imaps\"; from = \"b@example.org\"; };\n" DPO);
        if (c)
                tap_ok(c->mailbox.port == 143 && c->smtp.port == 465, "ports follow tls: 143, 465");
}

static void test_auth(void)
{
        expect_errors("both password_file and password_command",
                      "1: mailbox.password_command: give either password_file or password_command, not both",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; password_command = \"pass x\"; };\n"
                      SMTP DPO);
        expect_errors("no secret", "1: mailbox: password_file or password_command is required with auth = \"password\"",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; };\n" SMTP DPO);
        expect_errors("xoauth2 without token_command",
                      "1: mailbox.password_file: is not used with auth = \"xoauth2\" (use token_command)\n"
                      "1: mailbox.token_command is required with auth = \"xoauth2\" (a command that prints an access token)",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; auth = \"xoauth2\"; password_file = \"/x\"; };\n"
                      SMTP DPO);
        expect_errors("token_command with password auth",
                      "1: mailbox.token_command: is not used with auth = \"password\" (use password_file or password_command)",
                      "mailbox = { host = \"h.example.org\"; user = \"u\"; password_file = \"/x\"; token_command = \"t\"; };\n"
                      SMTP DPO);
        expect_errors("mailbox user missing", "1: mailbox.user is required",
                      "mailbox = { host = \"h.example.org\"; password_file = \"/x\"; };\n" SMTP DPO);
        expect_errors("smtp auth none with a password",
                      "2: smtp.user: is set but smtp.auth is \"none\"\n"
                      "2: smtp.password_file: is not used with auth = \"none\"",
                      MAILBOX "smtp = { host = \"s.example.org\"; from = \"b@example.org\"; auth = \"none\"; "
                      "user = \"u\"; password_file = \"/x\"; };\n" DPO);
        expect_errors("smtp user without secret",
                      "2: smtp: password_file or password_command is required with auth = \"password\"",
                      MAILBOX "smtp = { host = \"s.example.org\"; from = \"b@example.org\"; user = \"u\"; };\n" DPO);

        _cleanup_config_ Config *c = expect_ok("oauth",
                "mailbox = { host = \"h.example.org\"; user = \"u\"; auth = \"oauthbearer\"; token_command = \"get-token\"; };\n"
                "smtp = { host = \"s.example.org\"; from = \"b@example.org\"; user = \"u\"; auth = \"xoauth2\"; token_command = \"tok\"; };\n"
                DPO);
        if (c) {
                tap_ok(c->mailbox.auth == AUTH_OAUTHBEARER && c->mailbox.secret.file == NULL &&
                       c->mailbox.secret.command && !strcmp(c->mailbox.secret.command, "get-token"),
                       "oauthbearer: token_command is the secret command");
                tap_ok(c->smtp.auth == AUTH_XOAUTH2 && c->smtp.secret.command &&
                       !strcmp(c->smtp.secret.command, "tok"), "smtp xoauth2 token command");
        }
        _cleanup_config_ Config *d = expect_ok("smtp user implies password auth",
                MAILBOX "smtp = { host = \"s.example.org\"; from = \"b@example.org\"; user = \"u\"; "
                "password_command = \"pass smtp\"; };\n" DPO);
        if (d)
                tap_ok(d->smtp.auth == AUTH_PLAIN && d->smtp.secret.command &&
                       !strcmp(d->smtp.secret.command, "pass smtp"), "smtp auth password by default with a user");
}

static void test_addresses(void)
{
        expect_errors("from without an address",
                      "2: smtp.from: no e-mail address in 'Data Breach Reporting' (write \"Name <local@domain>\" or \"local@domain\")",
                      MAILBOX "smtp = { host = \"s.example.org\"; from = \"Data Breach Reporting\"; };\n" DPO);
        expect_errors("dpo not an address",
                      "5: dpo[1]: 'dpo at example.org' is not an e-mail address",
                      MAILBOX SMTP "dpo = [ \"a@example.org\",\n\n"
                      "        \"dpo at example.org\" ];\n");
        expect_errors("dpo empty", "3: dpo: at least one address is required", MAILBOX SMTP "dpo = [ ];\n");
        expect_errors("escalation element not a string", "4: escalation[0]: expected a string",
                      MINIMAL "escalation = ( 5 );\n");
        expect_errors("staff domain with @", "4: staff_domains[0]: '@example.org' is not a domain name "
                      "(write e.g. \"example.gov.uk\", without '@')",
                      MINIMAL "staff_domains = [ \"@example.org\" ];\n");
        expect_errors("bad envelope_from and reply_to",
                      "2: smtp.envelope_from: 'bounces' is not an e-mail address\n"
                      "3: smtp.reply_to: no e-mail address in 'IG <ig@>'",
                      MAILBOX "smtp = { host = \"s.example.org\"; from = \"b@example.org\"; envelope_from = \"bounces\";\n"
                      "  reply_to = \"IG <ig@>\"; };\n" DPO);

        _cleanup_config_ Config *c = expect_ok("addresses",
                MAILBOX "smtp = { host = \"s.example.org\"; from = \"\\\"Breach, Data\\\" <Breach@Example.org> \"; "
                "reply_to = \"ig@example.org\"; };\n"
                "dpo = [ \"dpo@example.org\", \"Deputy.DPO@example.org\" ];\n"
                "staff_domains = [ \"example.gov.uk\", \"Schools.Example.ORG\" ];\n");
        if (!c)
                return;
        TAP_STR_EQ(c->smtp.envelope_from, "Breach@Example.org", "envelope from \"Name\" <addr>");
        static const struct { const char *addr; bool staff; } rows[] = {
                {"jo@example.gov.uk", true},      {"jo@EXAMPLE.GOV.UK", true},
                {"jo@a.example.gov.uk", true},    {"jo@a.b.example.gov.uk", true},
                {"jo@example.gov.uk.", true},     {"jo@schools.example.org", true},
                {"jo@x.schools.example.org", true},
                {"jo@badexample.gov.uk", false},  {"jo@example.gov.uk.evil.org", false},
                {"jo@gov.uk", false},             {"jo@example.org", false},
                {"example.gov.uk", false},        {"jo@", false},
                {"", false},                      {NULL, false},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
                tap_ok(config_is_staff_address(c, rows[i].addr) == rows[i].staff, "staff(%s) is %s",
                       rows[i].addr ? rows[i].addr : "NULL", rows[i].staff ? "true" : "false");
        tap_ok(config_is_dpo_address(c, "deputy.dpo@EXAMPLE.org"), "dpo address, other case");
        tap_ok(!config_is_dpo_address(c, "dpo@example.org.uk"), "not a dpo address");
        tap_ok(!config_is_dpo_address(c, NULL), "NULL is not a dpo address");

        strlist_free(&c->staff_domains);
        tap_ok(config_is_staff_address(c, "anyone@anywhere.example"), "no staff domains: everyone is staff");
}

static void test_timezone_pattern_reminders(void)
{
        expect_errors("bad timezone", "5: timezone: unknown time zone 'Europe/Londn' (write e.g. \"Europe/London\")",
                      MINIMAL "\ntimezone = \"Europe/Londn\";\n");

        static const struct { const char *pattern; const char *error; } rows[] = {
                {"DB%Y%03n", NULL}, {"IS/%y/%03n", NULL}, {"%n", NULL}, {"R%09n-%Y", NULL},
                {"100%%-%n", NULL},
                {"DB%Y", "needs a counter: %n, or %0Nn for N digits (e.g. DB%Y%03n)"},
                {"DB%n%03n", "must contain only one counter (%n or %0Nn)"},
                {"DB%Y%d%03n", "'%d' is not allowed (only %Y, %y, %n, %0Nn and %%)"},
                {"DB%3n", "a counter with a width is written %0Nn, N from 1 to 9 (e.g. %03n)"},
                {"DB%010n", "a counter with a width is written %0Nn, N from 1 to 9 (e.g. %03n)"},
                {"DB%00n", "a counter with a width is written %0Nn, N from 1 to 9 (e.g. %03n)"},
                {"DB%Y-%m-%n", "'%m' is not allowed (only %Y, %y, %n, %0Nn and %%)"},
                {"DB%n%", "ends with a lone '%' (write %% for a percent sign)"},
                {"DB%n%\xc3\xa9", "'%\xc3\xa9' is not allowed (only %Y, %y, %n, %0Nn and %%)"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                if (!rows[i].error) {
                        Config *c;
                        char *errors;
                        int r = load(&c, &errors, MINIMAL "reference_pattern = \"%s\";\n", rows[i].pattern);
                        tap_ok(r == 0, "reference pattern %s accepted", rows[i].pattern);
                        free(errors);
                        config_free(c);
                } else {
                        _cleanup_free_ char *want = xasprintf("4: reference_pattern: %s", rows[i].error);
                        _cleanup_free_ char *name = xasprintf("reference pattern %s", rows[i].pattern);
                        expect_errors(name, want, MINIMAL "reference_pattern = \"%s\";\n", rows[i].pattern);
                }
        }

        expect_errors("reminders not increasing",
                      "6: reminders[2]: 48 is not after the reminder before it (60); reminders must be strictly increasing",
                      MINIMAL "reminders = [ 24,\n 60,\n 48 ];\n");
        expect_errors("reminder equal", "4: reminders[1]: 24 is not after the reminder before it (24); "
                      "reminders must be strictly increasing", MINIMAL "reminders = [ 24, 24 ];\n");
        expect_errors("reminder out of range", "4: reminders[1]: must be between 1 and 71 (got 72)\n"
                      "4: reminders[2]: must be between 1 and 71 (got 0)",
                      MINIMAL "reminders = [ 24, 72, 0 ];\n");
        _cleanup_config_ Config *c = expect_ok("no reminders", MINIMAL "reminders = [ ];\n");
        if (c)
                TAP_INT_EQ(c->n_reminder_hours, 0, "reminders = [] gives none");
}

static void test_directorates_labels(void)
{
        expect_errors("directorates",
                      "6: directorates[1]: 'adult social care' is already used by directorate 'Adult Social Care'\n"
                      "7: unknown key 'abbrevs' in directorates[2]\n"
                      "7: directorates[2].name is required\n"
                      "8: directorates[3]: abbreviation 'ASC' is already used by directorate 'Adult Social Care'\n"
                      "9: directorates[4]: expected a name or a group { name = \"...\"; abbreviations = [ ... ]; }",
                      MINIMAL "directorates = (\n"
                      "  { name = \"Adult Social Care\"; abbreviations = [ \"ASC\" ]; },\n"
                      "  \"adult social care\",\n"
                      "  { abbrevs = [ \"X\" ]; },\n"
                      "  { name = \"Adults' Services\"; abbreviations = [ \"ASC\" ]; },\n"
                      "  42 );\n");
        expect_errors("labels for an unknown field",
                      "5: unknown form field 'colour' in labels",
                      MINIMAL "labels = { nature = [ \"What went wrong\" ];\n"
                      "           colour = [ \"Colour\" ]; };\n");
        expect_errors("labels: not_ of a field that is no yes/no question",
                      "4: 'not_nature' in labels: only a yes/no question can be asked the other way round "
                      "('nature' is not one)",
                      MINIMAL "labels = { not_nature = [ \"What went right\" ]; };\n");
        expect_errors("labels: not_ of an unknown field", "4: unknown form field 'not_colour' in labels",
                      MINIMAL "labels = { not_colour = [ \"Colour\" ]; };\n");
        expect_errors("labels not a group", "4: labels: expected a group { ... }", MINIMAL "labels = [ \"x\" ];\n");
}

static void test_secrets(void)
{
        _cleanup_free_ char *path = xasprintf("%s/imap.secret", tmpdir);
        SecretSource file = {.file = path};
        char *secret = NULL, *why = NULL;
        int r;

        write_file(path, "  s3cret pass  \nsecond line\n", 0644);
        r = config_read_secret(&file, &secret, &why);
        TAP_INT_EQ(r, -EPERM, "secret file 0644 refused");
        _cleanup_free_ char *want = xasprintf("password file %s is readable by others (mode 0644); chmod 600 it", path);
        TAP_STR_EQ(why, want, "secret file 0644: why");
        tap_ok(secret == NULL, "secret untouched on failure");
        free(why);
        why = NULL;

        chmod(path, 0640);
        r = config_read_secret(&file, &secret, &why);
        TAP_INT_EQ(r, -EPERM, "secret file 0640 refused");
        tap_ok(why && strstr(why, "is readable by group (mode 0640)"), "secret file 0640: why");
        free(why);
        why = NULL;

        chmod(path, 0602);
        r = config_read_secret(&file, &secret, &why);
        TAP_INT_EQ(r, -EPERM, "secret file 0602 refused");
        tap_ok(why && strstr(why, "is writable by others (mode 0602)"), "secret file 0602: why");
        free(why);
        why = NULL;

        chmod(path, 0600);
        r = config_read_secret(&file, &secret, &why);
        TAP_INT_EQ(r, 0, "secret file 0600 read");
        TAP_STR_EQ(secret, "s3cret pass", "secret: first line, trimmed");
        free(secret);
        secret = NULL;

        chmod(path, 0700);
        TAP_INT_EQ(config_read_secret(&file, &secret, NULL), 0, "secret file 0700 read, why may be NULL");
        free(secret);
        secret = NULL;

        write_file(path, "\n\n", 0600);
        r = config_read_secret(&file, &secret, &why);
        TAP_INT_EQ(r, -ENODATA, "empty secret file refused");
        tap_ok(why && strstr(why, "is empty"), "empty secret file: why");
        free(why);
        why = NULL;

        SecretSource dir = {.file = tmpdir};
        chmod(tmpdir, 0700);
        r = config_read_secret(&dir, &secret, &why);
        tap_ok(r < 0 && why && strstr(why, "not a regular file"), "a directory is not a secret file");
        free(why);
        why = NULL;

        _cleanup_free_ char *missing = xasprintf("%s/none.secret", tmpdir);
        SecretSource gone = {.file = missing};
        r = config_read_secret(&gone, &secret, &why);
        TAP_INT_EQ(r, -ENOENT, "missing secret file: -ENOENT");
        tap_ok(why && strstr(why, "cannot open password file"), "missing secret file: why");
        free(why);
        why = NULL;
}

static void test_secret_commands(void)
{
        char *secret = NULL, *why = NULL;
        int r;

        SecretSource ok = {.command = "printf '  tok-123 \\nsecond\\n'"};
        r = config_read_secret(&ok, &secret, &why);
        TAP_INT_EQ(r, 0, "password_command read");
        TAP_STR_EQ(secret, "tok-123", "password_command: first line, trimmed");
        free(secret);
        secret = NULL;

        SecretSource fail = {.command = "echo partial; exit 3"};
        r = config_read_secret(&fail, &secret, &why);
        tap_ok(r < 0 && secret == NULL, "failing command refused");
        tap_ok(why && strstr(why, "command 'echo partial; exit 3' failed"), "failing command: why");
        free(why);
        why = NULL;

        SecretSource silent = {.command = "true"};
        r = config_read_secret(&silent, &secret, &why);
        TAP_INT_EQ(r, -ENODATA, "silent command refused");
        TAP_STR_EQ(why, "command 'true' printed nothing", "silent command: why");
        free(why);
        why = NULL;

        SecretSource none = {0};
        r = config_read_secret(&none, &secret, &why);
        tap_ok(r < 0 && why, "no secret configured");
        free(why);

        /* Loaded from a config, as the daemon does. */
        Config *c;
        char *errors;
        r = load(&c, &errors, "mailbox = { host = \"h.example.org\"; user = \"u\"; "
                 "password_command = \"echo from-config\"; };\n" SMTP DPO);
        if (r == 0 && config_read_secret(&c->mailbox.secret, &secret, NULL) == 0) {
                TAP_STR_EQ(secret, "from-config", "password_command from the config");
                free(secret);
        } else
                tap_ok(false, "password_command from the config");
        free(errors);
        config_free(c);
}


/* organisations = "DIR": one Config per NAME.conf, the main file's settings
 * under each, and every organisation's errors at its own file and line. */
static void test_organisations(void)
{
        _cleanup_free_ char *dir = xasprintf("%s/orgs", tmpdir);
        _cleanup_free_ char *a = xasprintf("%s/ashgrove.conf", dir);
        _cleanup_free_ char *b = xasprintf("%s/birch-lane.conf", dir);
        _cleanup_free_ char *note = xasprintf("%s/README", dir);
        mkdir(dir, 0755);
        write_file(note, "not an organisation\n", 0644);
        write_file(a, "organisation = \"Ashgrove Primary School\";\n"
                      "addresses = [ \"breach+ashgrove@dpo.example.org\" ];\n"
                      "dpo = [ \"dpo@ashgrove.sch.uk\" ];\n"
                      "reference_pattern = \"AP%Y%03n\";\n"
                      "smtp = { from = \"Ashgrove breach reports <breach+ashgrove@dpo.example.org>\"; };\n", 0644);
        write_file(b, "key = \"birch\";\n"
                      "organisation = \"Birch Lane Academy\";\n"
                      "staff_domains = \"birchlane.sch.uk\";\n"
                      "mailbox = { host = \"imap.birchlane.sch.uk\"; user = \"breach\"; "
                      "password_file = \"/etc/breachd/birch.secret\"; };\n", 0644);

        Config *c = expect_ok("two organisations", MAILBOX DPO "organisations = \"orgs\";\n"
                              "smtp = { host = \"smtp.example.org\"; from = \"Breach <breach@example.org>\"; "
                              "reply_to = \"Service desk <desk@example.org>\"; };\n"
                              "organisation = \"The DPO service\";\nreminders = [ 24, 60 ];\n");
        if (c) {
                TAP_STR_EQ(c->org, "", "the main file's own key is empty");
                TAP_INT_EQ(c->n_orgs, 2, "two organisations (the README is not one)");
        }
        if (c && c->n_orgs == 2) {
                const Config *o = c->orgs[0], *p = c->orgs[1];
                TAP_STR_EQ(o->org, "ashgrove", "the key defaults to the file's name");
                TAP_STR_EQ(o->path, a, "its path is its own file");
                TAP_STR_EQ(o->organisation, "Ashgrove Primary School", "its own name");
                TAP_STR_EQ(o->dpo.n == 1 ? o->dpo.v[0] : "", "dpo@ashgrove.sch.uk", "its own DPO");
                TAP_STR_EQ(o->reference_pattern, "AP%Y%03n", "its own reference pattern");
                TAP_INT_EQ(o->n_reminder_hours, 2, "the main file's reminders under it");
                TAP_STR_EQ(o->mailbox.host, "imap.example.org", "the shared mailbox");
                tap_ok(!o->own_mailbox, "no mailbox of its own");
                TAP_STR_EQ(o->org_addresses.n ? o->org_addresses.v[0] : "", "breach+ashgrove@dpo.example.org",
                           "its address");
                TAP_STR_EQ(o->smtp.envelope_from, "breach+ashgrove@dpo.example.org",
                           "its own sender, the envelope from it");
                TAP_STR_EQ(o->smtp.host, "smtp.example.org", "the service's SMTP server");
                TAP_INT_EQ(o->n_orgs, 0, "an organisation has none of its own");
                TAP_STR_EQ(p->org, "birch", "key = gives the key");
                TAP_STR_EQ(p->dpo.n == 1 ? p->dpo.v[0] : "", "dpo@example.org", "the main file's DPO under it");
                tap_ok(p->own_mailbox, "a mailbox of its own");
                TAP_STR_EQ(p->mailbox.host, "imap.birchlane.sch.uk", "its own server");
                TAP_STR_EQ(p->mailbox.folder, "INBOX", "its own mailbox starts from the defaults");
                TAP_STR_EQ(p->organisation, "Birch Lane Academy", "its own name");
                TAP_STR_EQ(o->smtp.reply_to, NULL, "the service's reply_to is not Ashgrove's");
                TAP_STR_EQ(p->smtp.from, "\"Birch Lane Academy\" <breach@example.org>",
                           "without a from of its own: its name, at the service's address");
                TAP_STR_EQ(p->smtp.envelope_from, "breach@example.org", "... the envelope from it");
                TAP_STR_EQ(p->smtp.reply_to, NULL, "and not the service's reply_to");
                TAP_STR_EQ(c->smtp.reply_to, "Service desk <desk@example.org>", "the service keeps its own");
        }
        config_free(c);

        /* Errors: each at its own file and line. */
        write_file(a, "organisation = \"Ashgrove\";\n"
                      "addresses = [ \"breach+ashgrove@dpo.example.org\" ];\n"
                      "poll_interval = 30;\n"
                      "smtp = { host = \"elsewhere\"; };\n"
                      "timezone = \"Mars/Olympus\";\n", 0644);
        write_file(b, "key = \"Birch Lane\";\n"
                      "addresses = \"BREACH+ashgrove@dpo.example.org\";\n"
                      "dpo = [ ];\n", 0644);
        _cleanup_free_ char *c2 = xasprintf("%s/c.conf", dir);
        write_file(c2, "organisation = \"Cedar\";\n", 0644);
        Config sentinel, *got = &sentinel;
        char *errors = NULL;
        write_file(conf_path, MINIMAL "organisations = \"orgs\";\n", 0644);
        TAP_INT_EQ(config_load(conf_path, &got, &errors), -EINVAL, "errors in organisations' files: refused");
        _cleanup_free_ char *want = xasprintf(
                "%1$s:3: unknown key 'poll_interval'\n"
                "%1$s:4: unknown key 'host' in smtp\n"
                "%1$s:5: timezone: unknown time zone 'Mars/Olympus' (write e.g. \"Europe/London\")\n"
                "%2$s:1: key: 'Birch Lane' is not a key: 1 to 32 of a-z, 0-9 and '-' (it names the organisation in "
                "the register and in `breachctl --org`)\n"
                "%2$s:1: the address 'BREACH+ashgrove@dpo.example.org' already routes to 'ashgrove' (%1$s)\n"
                "%2$s:3: dpo: at least one address is required\n"
                "%3$s:1: its mail arrives in the shared mailbox, but nothing routes it here: give addresses = [ ... ] "
                "(the addresses staff write to) or staff_domains",
                a, b, c2);
        TAP_STR_EQ(errors, want, "every organisation's errors at file:line");
        free(errors);
        unlink(c2);

        /* No shared mailbox: each organisation needs its own. */
        write_file(a, "addresses = \"x@dpo.example.org\";\n", 0644);
        write_file(b, "mailbox = { host = \"imap.birchlane.sch.uk\"; user = \"breach\"; "
                      "password_file = \"/etc/breachd/birch.secret\"; };\n", 0644);
        errors = NULL;
        write_file(conf_path, SMTP DPO "organisations = \"orgs\";\n", 0644);
        TAP_INT_EQ(config_load(conf_path, &got, &errors), -EINVAL, "no shared mailbox and none of its own: refused");
        _cleanup_free_ char *want2 = xasprintf("%s:1: no mailbox: give this organisation a mailbox { ... } of its "
                                               "own, or the main file a shared one", a);
        TAP_STR_EQ(errors, want2, "said at the organisation's file");
        free(errors);
        TAP_INT_EQ(config_load(conf_path, &got, &errors) == -EINVAL && strstr(errors, "mailbox is required") == NULL,
                   1, "the main file's mailbox is optional with organisations");
        free(errors);

        /* One mailbox given to two organisations (or to one and as the
         * shared one) would be watched twice and each report filed twice. */
        write_file(a, "mailbox = { host = \"IMAP.birchlane.sch.uk\"; user = \"BREACH\"; "
                      "password_file = \"/etc/breachd/a.secret\"; };\n", 0644);
        write_file(conf_path, MINIMAL "organisations = \"orgs\";\n", 0644);
        errors = NULL;
        TAP_INT_EQ(config_load(conf_path, &got, &errors), -EINVAL, "one mailbox for two organisations: refused");
        _cleanup_free_ char *want4 = xasprintf("%s:1: its mailbox (INBOX on imap.birchlane.sch.uk) is already watched "
                                               "for %s: each mailbox belongs to one organisation, or is the shared "
                                               "one", b, a);
        TAP_STR_EQ(errors, want4, "said at the second organisation's file");
        free(errors);
        write_file(b, "mailbox = { host = \"imap.example.org\"; user = \"u\"; "
                      "password_file = \"/etc/breachd/b.secret\"; };\n", 0644);
        errors = NULL;
        TAP_INT_EQ(config_load(conf_path, &got, &errors), -EINVAL, "the shared mailbox as an organisation's: refused");
        tap_ok(errors && strstr(errors, "is already watched for the main file's shared mailbox"), "said so (%s)",
               errors ? errors : "");
        free(errors);

        /* A folder that is missing or empty. */
        unlink(a), unlink(b), unlink(note);
        _cleanup_free_ char *want3 = xasprintf("4: organisations: the folder '%s' has no organisation in it "
                                               "(one NAME.conf per organisation)", dir);
        expect_errors("empty organisations folder", want3, "%s", MINIMAL "organisations = \"orgs\";\n");
        rmdir(dir);
}

static void cleanup_tmpdir(void)
{
        _cleanup_free_ char *a = xasprintf("%s/imap.secret", tmpdir);
        unlink(a);
        unlink(conf_path);
        rmdir(tmpdir);
}

/* database = a PostgreSQL URI, its password as a mailbox's is given. */
static void test_database(void)
{
        Config *c = expect_ok("a PostgreSQL register",
                              MINIMAL "database = \"postgresql://breachd@db.example.org:5433/breachd\";\n"
                                      "database_password_file = \"/etc/breachd/database.password\";\n");
        if (c) {
                TAP_STR_EQ(c->database, "postgresql://breachd@db.example.org:5433/breachd", "the URI as given");
                TAP_STR_EQ(c->database_secret.file, "/etc/breachd/database.password", "the password file");
                tap_ok(c->database_secret.command == NULL, "no password command");
        }
        config_free(c);
        c = expect_ok("postgres:// and a password command",
                      MINIMAL "database = \"postgres:///breachd?host=/run/postgresql\";\n"
                              "database_password_command = \"pass show breachd/db\";\n");
        if (c)
                TAP_STR_EQ(c->database_secret.command, "pass show breachd/db", "the password command");
        config_free(c);
        expect_errors("both password settings", "6: database_password_command: give either database_password_file "
                      "or database_password_command, not both",
                      MINIMAL "database = \"postgresql://breachd@db/breachd\";\n"
                              "database_password_file = \"/x\";\ndatabase_password_command = \"cat /x\";\n");
        expect_errors("a password for SQLite", "5: database_password_file: a database password is only for a "
                      "PostgreSQL register (database = \"postgresql://...\")",
                      MINIMAL "database = \"/var/lib/breachd/breachd.db\";\ndatabase_password_file = \"/x\";\n");
        expect_errors("a password in the URI", "4: database: the database URI holds a password: give it by "
                      "database_password_file or database_password_command instead",
                      MINIMAL "database = \"postgresql://breachd:hunter2@db/breachd\";\n");
}

int main(void)
{
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(conf_path, sizeof conf_path, "%s/breachd.conf", tmpdir);

        test_sample();
        test_defaults();
        test_values();
        test_sizes();
        test_error_lines();
        test_dpo_contact();
        test_automatic_folder();
        test_missing_file();
        test_tls();
        test_auth();
        test_addresses();
        test_timezone_pattern_reminders();
        test_directorates_labels();
        test_secrets();
        test_secret_commands();
        test_organisations();
        test_database();

        cleanup_tmpdir();
        return tap_done();
}
