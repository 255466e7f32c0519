/* fuzz_common.h — what the harnesses of tests/fuzz share: the
 * configuration they read with (the one tests/corpora is read with:
 * Europe/London, a few directorates with abbreviations, staff domains, the
 * compiled-in templates) and a scratch register.
 *
 * Everything here is set up once per process, in LLVMFuzzerInitialize; an
 * input never pays for it.  Harnesses that write to the register do it in a
 * transaction they roll back, so every input meets the same register and a
 * run is repeatable.  The same files are built with gcc into
 * build/tests/test_fuzz_replay (tests/unit/test_fuzz_replay.c), which is why
 * every name here is static and prefixed fz_. */
#pragma once

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/util.h"
#include "register/store-internal.h"
#include "register/store.h"

/* tests/corpora/corpus.conf, less its comments. */
static const char fz_config_text[] =
        "mailbox = {\n"
        "  host = \"127.0.0.1\";\n"
        "  tls = \"none\";\n"
        "  user = \"breach@example.test\";\n"
        "  password_file = \"/nonexistent/breachd-fuzz.secret\";\n"
        "};\n"
        "smtp = {\n"
        "  host = \"127.0.0.1\";\n"
        "  tls = \"none\";\n"
        "  from = \"Data Breach Reporting <breach@example.test>\";\n"
        "};\n"
        "dpo = [ \"dpo@example.test\" ];\n"
        "escalation = [ \"siro@example.test\" ];\n"
        "timezone = \"Europe/London\";\n"
        "directorates = (\n"
        "  { name = \"Adult Social Care\"; abbreviations = [ \"ASC\" ]; },\n"
        "  { name = \"Children, Families and Education\"; abbreviations = [ \"CFE\" ]; },\n"
        "  { name = \"Corporate Services\"; abbreviations = [ \"CS\" ]; },\n"
        "  { name = \"Finance and Resources\"; abbreviations = [ \"F&R\" ]; },\n"
        "  \"Public Health\"\n"
        ");\n"
        "staff_domains = [ \"example.test\", \"school.example.test\" ];\n"
        "templates_dir = \"/nonexistent/breachd-fuzz-templates\";\n"
        "database = \"/nonexistent/breachd-fuzz.db\";\n"
        "labels = {\n"
        "  nature = [ \"What went wrong\" ];\n"
        "};\n";

/* The configuration and zone, once. */
__attribute__((unused)) static void fz_setup(Config **ret_cfg, Tz **ret_tz)
{
        log_set_level(LOG_ERR);
        char *errors = NULL;
        if (config_parse(fz_config_text, "fuzz.conf", ret_cfg, &errors) < 0) {
                fprintf(stderr, "fuzz: the built-in configuration is refused:\n%s\n", errors ? errors : "?");
                abort();
        }
        if (tz_open((*ret_cfg)->timezone, ret_tz) < 0)
                abort();
}

/* A register of its own, in a directory of its own that is gone again once
 * the register is open: setup() fills it (and commits), then the journal
 * is kept in memory and the files unlinked, so nothing is left behind
 * however the process ends, and nothing an input does reaches a disk. */
__attribute__((unused)) static Store *fz_store_open(int (*setup)(Store *s, void *userdata), void *userdata)
{
        const char *tmp = getenv("TMPDIR");
        char *dir = xasprintf("%s/breachd-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
                abort();
        char *path = xasprintf("%s/fuzz.db", dir);
        Store *s = NULL;
        if (store_open(path, &s) < 0)
                abort();
        if (setup && setup(s, userdata) < 0)
                abort();
        if (sqlite3_exec(store_sqlite_db(s), "PRAGMA journal_mode = MEMORY", NULL, NULL, NULL) != SQLITE_OK)
                abort();
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
                char *p = xasprintf("%s%s", path, suffixes[i]);
                unlink(p);
                free(p);
        }
        rmdir(dir);
        free(path);
        free(dir);
        return s;
}
