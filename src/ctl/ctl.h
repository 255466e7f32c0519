/* ctl.h — the commands of breachctl(1), one function each (ctl_list.c,
 * ctl_show.c, ctl_export.c, ctl_status.c, ctl_metrics.c; the others in ctl_case.h,
 * ctl_register.h, ctl_reprocess.h).  They print text to `out` (JSON, CSV and
 * HTML to `raw`) and return 0, or a negative code after printing why to
 * stderr. */
#pragma once

#include <stdio.h>

#include "base/config.h"
#include "base/tz.h"
#include "register/store.h"

typedef struct {
        const Config *cfg;      /* the organisation's (--org), else the file's */
        const Config *service;  /* the main file's: every organisation (report --all-orgs) */
        Store *store;           /* scoped to the organisation (store_set_org()) */
        const Tz *tz;
        FILE *out;      /* text: what it is given is escaped for a terminal
                         * (output_text_open() in output.h) */
        FILE *raw;      /* the standard output itself, for the formats that
                         * escape what they hold their own way: JSON, CSV,
                         * HTML */
        int exit_status;  /* when the command returns 0: breachctl's exit
                           * status (check's Nagios codes); 0 otherwise */
} Ctl;

/* The incident ref names, loaded into *ret (incident_free() it); when there
 * is none or the register fails, says so on stderr ("breachctl: REF: no
 * such incident") and returns the negative code. */
int ctl_load_incident(Ctl *c, const char *ref, Incident *ret);

int ctl_list(Ctl *c, int argc, char **argv);
int ctl_show(Ctl *c, int argc, char **argv);
int ctl_export(Ctl *c, int argc, char **argv);
int ctl_status(Ctl *c, int argc, char **argv);
int ctl_metrics(Ctl *c, int argc, char **argv);
int ctl_check(Ctl *c, int argc, char **argv);
int ctl_migrate(Ctl *c, int argc, char **argv);   /* ctl_migrate.c */
