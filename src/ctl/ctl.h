/* ctl.h — the commands of breachctl(1), one function each.  They print to
 * `out` and return 0, or a negative code after printing why to stderr. */
#pragma once

#include <stdio.h>

#include "base/config.h"
#include "register/store.h"
#include "base/tz.h"

typedef struct {
        const Config *cfg;
        Store *store;
        const Tz *tz;
        FILE *out;
} Ctl;

int ctl_list(Ctl *c, int argc, char **argv);
int ctl_show(Ctl *c, int argc, char **argv);
int ctl_export(Ctl *c, int argc, char **argv);
int ctl_status(Ctl *c, int argc, char **argv);

/* JSON and CSV writing, shared with the reports. */
void json_string(FILE *f, const char *s);   /* NULL → null */
void csv_field(FILE *f, const char *s);     /* RFC 4180 quoting */
