/* breachctl — the register's admin tool.  See breachctl(1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/tz.h"
#include "ctl/ctl.h"
#include "ctl/ctl_case.h"
#include "ctl/ctl_letter.h"
#include "ctl/ctl_register.h"
#include "ctl/ctl_reprocess.h"
#include "ctl/output.h"
#include "notices/metrics.h"
#include "register/store.h"

static const struct {
        const char *name;
        int (*run)(Ctl *, int, char **);
        const char *help;
} commands[] = {
        {"list", ctl_list, "list [--open] [--overdue] [--directorate NAME] [--decision D] [--search TEXT]"},
        {"show", ctl_show, "show REF                every field, what is missing, mail sent"},
        {"export", ctl_export, "export [--format json|csv] [--columns log] [--from DATE] [--to DATE]"},
        {"import", ctl_import, "import FILE [--dry-run] [--format log|detail] [--date DATE]  an older breach log"},
        {"report", ctl_report, "report [--from DATE] [--to DATE] [--format text|csv|html] [-o FILE]  for the committee"},
        {"ico-draft", ctl_ico_draft, "ico-draft REF           the Article 33(3) answers for the ICO's form"},
        {"subject-letter", ctl_subject_letter, "subject-letter REF [--html] [-o FILE] [--draft]  the letter to the people affected"},
        {"status", ctl_status, "status                  the daemon and the register at a glance"},
        {"metrics", ctl_metrics, "metrics                 the service's state for Prometheus (text format)"},
        {"check", ctl_check, "check [--stale-minutes N] [--outbox-minutes N] [--mailbox-warn N] [--mailbox-crit N] "
                             "[--overdue-warn N] [--overdue-crit N]  a Nagios plugin"},
        {"decide", ctl_decide, "decide REF notify|not-notifiable --reason TEXT [--ico-ref REF] [--delay-reason TEXT]"},
        {"set", ctl_set, "set REF FIELD VALUE     outcome, severity, subjects-notified, ico-reference, ..."},
        {"assign", ctl_assign, "assign REF NAME         who handles the incident"},
        {"note", ctl_note, "note REF TEXT           add a note to the case"},
        {"actions", ctl_actions, "actions REF [add TEXT [--owner NAME] [--due DATE] | done N]  remedial actions"},
        {"close", ctl_close, "close REF               close the case (a decision, every action done)"},
        {"reprocess", ctl_reprocess, "reprocess REF|--quarantined|--automatic [--dry-run]  read kept messages again after a fix"},
        {"purge", ctl_purge, "purge                   drop raw messages older than retention_days"},
        {"migrate", ctl_migrate, "migrate --to postgresql://USER@HOST/DB [--password-file FILE]  copy the register, verified"},
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: breachctl [-c FILE] COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                fprintf(f, "  %s\n", commands[i].help);
        fprintf(f, "\nDefault configuration: %s\n", config_default_path());
}

int main(int argc, char **argv)
{
        const char *path = config_default_path();
        int i = 1;
        log_open("breachctl");
        for (; i < argc && argv[i][0] == '-'; i++) {
                if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
                        path = argv[++i];
                else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return 2;
        }
        size_t k = 0;
        while (k < ARRAY_SIZE(commands) && strcmp(commands[k].name, argv[i]) != 0)
                k++;
        if (k == ARRAY_SIZE(commands)) {
                fprintf(stderr, "breachctl: unknown command '%s'\n", argv[i]);
                usage(stderr);
                return 2;
        }
        Config *cfg = NULL;
        _cleanup_free_ char *errors = NULL;
        /* A Nagios plugin says UNKNOWN (3) on one line when it cannot look. */
        bool nagios = commands[k].run == ctl_check;
        if (config_load(path, &cfg, &errors) < 0) {
                fprintf(stderr, "%s\n", errors ? errors : "cannot load the configuration");
                if (nagios) {
                        _cleanup_free_ char *line = metrics_check_unknown("cannot load the configuration");
                        printf("%s\n", line);
                        return CHECK_UNKNOWN;
                }
                return 1;
        }
        Tz *tz = NULL;
        Store *store = NULL;
        int r = tz_open(cfg->timezone, &tz), exit_status = 0;
        unsigned before = store_failures();
        if (r >= 0 && (r = store_open_secret(cfg->database, &cfg->database_secret, &store)) < 0) {
                _cleanup_free_ char *why = store_failures() != before ? store_last_failure() : xstrdup(strerror(-r));
                fprintf(stderr, "breachctl: cannot open the register %s: %s\n", cfg->database, why);
                if (nagios) {
                        _cleanup_free_ char *line = metrics_check_unknown("cannot open the register");
                        printf("%s\n", line);
                        exit_status = CHECK_UNKNOWN;
                }
        }
        if (r >= 0) {
                /* Text goes out escaped: the register holds what hostile
                 * mail said, and a terminal obeys escape sequences. */
                FILE *text = output_text_open(stdout);
                Ctl c = {.cfg = cfg, .store = store, .tz = tz, .out = text ? text : stdout, .raw = stdout};
                r = commands[k].run(&c, argc - i, argv + i);
                exit_status = c.exit_status;
                if (text && fclose(text) != 0 && r >= 0) {
                        fprintf(stderr, "breachctl: cannot write the output: %m\n");
                        r = -EIO;
                }
        }
        store_close(store);
        tz_free(tz);
        config_free(cfg);
        return exit_status ? exit_status : r < 0 ? 1 : 0;
}
