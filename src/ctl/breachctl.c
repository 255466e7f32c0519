/* breachctl — the register's admin tool.  See breachctl(1). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/tz.h"
#include "case/orgs.h"
#include "ctl/ctl.h"
#include "ctl/ctl_case.h"
#include "ctl/ctl_letter.h"
#include "ctl/ctl_register.h"
#include "ctl/ctl_reprocess.h"
#include "ctl/output.h"
#include "notices/metrics.h"
#include "register/store.h"

/* What a command is about, for --org (breachctl(1) "ORGANISATIONS"):
 * one case (its reference the first argument), one organisation's
 * register, or the service (every organisation at once when no --org). */
enum { ABOUT_CASE = 1, ABOUT_REGISTER, ABOUT_SERVICE };
static const struct {
        const char *name;
        int about;
} scopes[] = {
        {"list", ABOUT_REGISTER}, {"show", ABOUT_CASE}, {"export", ABOUT_REGISTER}, {"import", ABOUT_REGISTER},
        {"report", ABOUT_REGISTER}, {"ico-draft", ABOUT_CASE}, {"subject-letter", ABOUT_CASE},
        {"status", ABOUT_SERVICE}, {"metrics", ABOUT_SERVICE}, {"check", ABOUT_SERVICE}, {"decide", ABOUT_CASE},
        {"set", ABOUT_CASE}, {"assign", ABOUT_CASE}, {"note", ABOUT_CASE}, {"actions", ABOUT_CASE},
        {"close", ABOUT_CASE}, {"reprocess", ABOUT_CASE}, {"purge", ABOUT_SERVICE},
};

static const struct {
        const char *name;
        int (*run)(Ctl *, int, char **);
        const char *help;
} commands[] = {
        {"list", ctl_list, "list [--open] [--overdue] [--directorate NAME] [--decision D] [--search TEXT]"},
        {"show", ctl_show, "show REF                every field, what is missing, mail sent"},
        {"export", ctl_export, "export [--format json|csv] [--columns log] [--from DATE] [--to DATE]"},
        {"import", ctl_import, "import FILE [--dry-run] [--format log|detail] [--date DATE]  an older breach log"},
        {"report", ctl_report, "report [--from DATE] [--to DATE] [--format text|csv|html] [-o FILE] [--all-orgs]  "
                               "for the committee"},
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
        fprintf(f, "Usage: breachctl [-c FILE] [--org KEY] COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                fprintf(f, "  %s\n", commands[i].help);
        fprintf(f, "\nDefault configuration: %s\n", config_default_path());
}

/* Takes "--org KEY" or "--org=KEY" out of argv (anywhere after the
 * program's name: before the command or among its arguments), into
 * *ret_org.  -EINVAL when --org has no value. */
static int take_org(int *argc, char **argv, const char **ret_org)
{
        int n = 1;
        for (int i = 1; i < *argc; i++) {
                if (!strcmp(argv[i], "--")) {
                        while (i < *argc)
                                argv[n++] = argv[i++];
                        break;
                }
                if (!strncmp(argv[i], "--org=", 6)) {
                        *ret_org = argv[i] + 6;
                        continue;
                }
                if (!strcmp(argv[i], "--org")) {
                        if (i + 1 >= *argc)
                                return -EINVAL;
                        *ret_org = argv[++i];
                        continue;
                }
                argv[n++] = argv[i];
        }
        *argc = n;
        argv[n] = NULL;
        return 0;
}

static int about_of(const char *command)
{
        for (size_t i = 0; i < ARRAY_SIZE(scopes); i++)
                if (!strcmp(scopes[i].name, command))
                        return scopes[i].about;
        return ABOUT_REGISTER;
}

/* The organisation a command is for, with organisations configured:
 * --org's; else for a case, the one organisation that has its reference;
 * the service (cfg itself) for a command about it, or `report --all-orgs`.
 * NULL after saying why on stderr. */
static const Config *org_for(const Config *cfg, Store *store, const char *key, int argc, char **argv)
{
        _cleanup_free_ char *keys = orgs_keys(cfg);
        if (key) {
                const Config *org = orgs_find(cfg, key);
                if (!org)
                        fprintf(stderr, "breachctl: --org %s: no such organisation; the organisations are: %s\n",
                                key, keys);
                return org;
        }
        int about = about_of(argv[0]);
        if (about == ABOUT_SERVICE)
                return cfg;
        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--all-orgs") && !strcmp(argv[0], "report"))
                        return cfg;
        const char *ref = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
        if (about == ABOUT_CASE && ref) {
                StrList orgs = {0};
                int r = store_ref_orgs(store, ref, &orgs);
                const Config *org = r == 1 ? orgs_find(cfg, orgs.v[0]) : NULL;
                _cleanup_free_ char *which = strlist_join(&orgs, ", ");
                strlist_free(&orgs);
                if (org)
                        return org;
                if (r > 1)
                        fprintf(stderr, "breachctl: %s: %s is a reference of several organisations (%s): "
                                        "say which with --org KEY\n", argv[0], ref, which);
                else if (r >= 0)
                        fprintf(stderr, "breachctl: %s: no incident %s in any organisation; the organisations "
                                        "are: %s\n", argv[0], ref, keys);
                else
                        fprintf(stderr, "breachctl: cannot read the register: %s\n", store_errmsg(store));
                return NULL;
        }
        fprintf(stderr, "breachctl: %s: this service has several organisations: say which with --org KEY "
                        "(%s)%s\n", argv[0], keys,
                !strcmp(argv[0], "report") ? ", or --all-orgs for the overview of them all" : "");
        return NULL;
}

int main(int argc, char **argv)
{
        const char *path = config_default_path();
        const char *org_key = NULL;
        int i = 1;
        log_open("breachctl");
        if (take_org(&argc, argv, &org_key) < 0) {
                usage(stderr);
                return 2;
        }
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
        /* An organisation's command: its Config, zone and register. */
        const Config *org = cfg;
        Tz *org_tz = NULL;
        if (r >= 0 && cfg->n_orgs > 0) {
                org = org_for(cfg, store, org_key, argc - i, argv + i);
                if (!org)
                        r = -EINVAL;
                else if (org != cfg && !orgs_tz(org, tz, &org_tz))
                        r = -EINVAL;
                if (org)
                        store_set_org(store, org == cfg && about_of(argv[i]) != ABOUT_CASE && !org_key ? NULL
                                                                                                      : org->org);
        } else if (r >= 0 && org_key && *org_key) {
                fprintf(stderr, "breachctl: --org %s: %s serves one organisation (no organisations = in it)\n",
                        org_key, path);
                r = -EINVAL;
        }
        if (r >= 0) {
                /* Text goes out escaped: the register holds what hostile
                 * mail said, and a terminal obeys escape sequences. */
                FILE *text = output_text_open(stdout);
                Ctl c = {.cfg = org, .service = cfg, .store = store, .tz = org_tz ? org_tz : tz,
                         .out = text ? text : stdout, .raw = stdout};
                r = commands[k].run(&c, argc - i, argv + i);
                exit_status = c.exit_status;
                if (text && fclose(text) != 0 && r >= 0) {
                        fprintf(stderr, "breachctl: cannot write the output: %m\n");
                        r = -EIO;
                }
        }
        store_close(store);
        tz_free(org_tz);
        tz_free(tz);
        config_free(cfg);
        return exit_status ? exit_status : r < 0 ? 1 : 0;
}
