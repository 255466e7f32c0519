/* ctl_register.h — breachctl's commands on the register as the people
 * around it read it (breachctl(1)): import of an older breach log, the
 * committee report, the ICO notification draft; and the parts of list and
 * export (ctl_list.c, ctl_export.c) that filter the register and write it as a breach log.
 * Like ctl.h: they print to c->out and return 0, or a negative code after
 * printing why to stderr. */
#pragma once

#include <stdbool.h>

#include "ctl/ctl.h"
#include "register/store_register.h"

int ctl_import(Ctl *c, int argc, char **argv);
int ctl_report(Ctl *c, int argc, char **argv);
int ctl_ico_draft(Ctl *c, int argc, char **argv);

/* The options of `list` (--open, --overdue, --directorate, --decision,
 * --search, --from, --to) into *ret.  The strings in *ret point into argv
 * or the configuration. */
int ctl_list_options(Ctl *c, int argc, char **argv, RegisterFilter *ret);

/* --from/--to (either may be NULL): the days, inclusive, as [from, to) in
 * f.  Prints why and returns -EINVAL for a date it cannot read. */
int ctl_period(Ctl *c, const char *from, const char *to, RegisterFilter *f);

/* The incidents of f in the columns of a breach log, as CSV (with a byte
 * order mark when bom) or JSON. */
int ctl_export_log(Ctl *c, const RegisterFilter *f, bool json, bool bom);
