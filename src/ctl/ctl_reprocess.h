/* ctl_reprocess.h — breachctl's maintenance commands (ctl_reprocess.c):
 * reading kept raw messages again after a fix, and purging them after the
 * retention period.  Like every ctl_ command they print to c->out and
 * return 0, or a negative code after saying why on stderr. */
#pragma once

#include "ctl/ctl.h"

/* reprocess REF|--quarantined [--dry-run] */
int ctl_reprocess(Ctl *c, int argc, char **argv);
/* purge: raw messages older than retention_days (retention.h) */
int ctl_purge(Ctl *c, int argc, char **argv);
