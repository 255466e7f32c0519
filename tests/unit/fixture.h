/* fixture.h — a register to test against in three lines: a private temp
 * directory, a Config loaded from a breachd.conf written there, the time
 * zone, and an open Store on an empty register in the directory.
 *
 *     #include "fixture.h"
 *     #include "tap.h"
 *
 *     int main(void)
 *     {
 *             Fixture *f = fixture_new("max_auto_replies_per_day = 3;");
 *             tap_ok(f != NULL, "a fresh register");
 *             if (f)
 *                     TAP_INT_EQ(ratelimit_admit(f->store, f->cfg, "a@example.test", "ack", NULL, 0,
 *                                                1736179200), 1, "a first reply goes");
 *             tap_ok(fixture_free(f) == 0, "temporary directory removed");
 *             return tap_done();
 *     }
 *
 * The configuration is FIXTURE_CONFIG below, read in the temp directory
 * (database and templates_dir point into it), followed by extra_config.  A
 * top-level setting in extra_config replaces the default one of the same
 * name (a line of extra_config that begins "name =" drops the default
 * "name = ...;" line), so
 *     fixture_new("directorates = ( \"Public Health\" );")
 * has one directorate and every other default.  Nothing is read from the
 * network or the user's files: the mailbox and SMTP server are on
 * 127.0.0.1 without TLS and never contacted, the templates directory does
 * not exist (the built-in templates are used), the password file is in the
 * temp directory.
 *
 * The temp directory is made by mkdtemp() from the template
 * "$TMPDIR/<program>.XXXXXX" ($TMPDIR, else /tmp).  Failures
 * are printed as TAP comments ("# fixture: ...") and give NULL; the test
 * says what it could not test.  Every unit test program (build/tests/test_*)
 * is linked with fixture.c by the Makefile rule for $(BUILD)/tests/%. */
#pragma once

#include "base/config.h"
#include "base/tz.h"
#include "register/store.h"

/* The defaults, one top-level setting per line; %1$s is the temp dir. */
#define FIXTURE_CONFIG                                                                         \
        "organisation = \"Test Council\";\n"                                                   \
        "mailbox = { host = \"127.0.0.1\"; tls = \"none\"; "                      \
        "user = \"breach@example.test\"; password_file = \"%1$s/password\"; };\n"             \
        "smtp = { host = \"127.0.0.1\"; tls = \"none\"; "                         \
        "from = \"Data Breach Reporting <breach@example.test>\"; };\n"                          \
        "dpo = [ \"dpo@example.test\" ];\n"                                                     \
        "escalation = [ \"siro@example.test\" ];\n"                                             \
        "admin = \"admin@example.test\";\n"                                                     \
        "staff_domains = [ \"example.test\" ];\n"                                               \
        "timezone = \"Europe/London\";\n"                                                       \
        "directorates = ( { name = \"Adult Social Care\"; abbreviations = [ \"ASC\" ]; }, "   \
        "{ name = \"Corporate Services\"; abbreviations = [ \"CS\" ]; } );\n"                   \
        "database = \"%1$s/breachd.db\";\n"                                                     \
        "templates_dir = \"%1$s/templates\";\n"

typedef struct Fixture {
        char *dir;       /* the temp directory, removed by fixture_free() */
        char *conf_path; /* dir/breachd.conf: the text cfg was loaded from */
        Config *cfg;     /* FIXTURE_CONFIG + extra_config */
        Tz *tz;          /* cfg->timezone */
        Store *store;    /* open on cfg->database (dir/breachd.db), a new register */
        Config **more;   /* from fixture_config(), freed with the fixture */
        size_t n_more;
} Fixture;

/* A new temp directory, config (FIXTURE_CONFIG, then extra_config, which
 * may be NULL), time zone and register.  NULL on any failure, after a
 * "# fixture: ..." line saying why; nothing is left behind then. */
Fixture *fixture_new(const char *extra_config);

/* Another Config read from FIXTURE_CONFIG and extra_config in f's directory
 * (so on the same register): a second set of settings for the same data.
 * Owned by f; NULL on failure, with a "# fixture:" line. */
const Config *fixture_config(Fixture *f, const char *extra_config);

/* Closes the register and opens it again, as a restart does: f->store
 * changes.  0, or a negative errno (f->store is NULL then). */
int fixture_reopen(Fixture *f);

/* dir/name, to free. */
char *fixture_path(const Fixture *f, const char *name);

/* Closes and frees everything and removes the directory with whatever the
 * test put in it.  0, or a negative errno if the directory could not be
 * removed (it says which on a "# fixture:" line).  NULL is fine. */
int fixture_free(Fixture *f);
