/* metrics.h — the service's state as monitoring reads it: the Prometheus
 * text exposition format (breachctl metrics, and the daemon's
 * metrics_file for node_exporter's textfile collector), and the one-line
 * verdict with Nagios's exit codes (breachctl check).  One place for both,
 * so the daemon's file and breachctl cannot say different things. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "register/store.h"

/* What the metrics are made of: the register's counts and the daemon's
 * state (daemon/state.h), as plain numbers. */
/* One organisation's counts, for a service of several (orgs.h). */
typedef struct {
        const char *org;               /* its key: the org label */
        const RegisterCounts *counts;  /* NULL: not read */
} MetricsOrg;

typedef struct {
        const char *org;               /* the organisation's name: the org label; NULL as "" */
        const RegisterCounts *counts;  /* NULL: the register could not be read */
        /* A service of several organisations: the register's metrics once
         * per organisation, labelled with its key, instead of counts; the
         * daemon's (up, polls, failures) stay the service's, labelled org. */
        const MetricsOrg *orgs;
        size_t n_orgs;
        bool have_state;               /* the daemon's state was read */
        bool running;                  /* its process is alive */
        int64_t state_written;         /* when the daemon last wrote its state; 0: not known */
        int64_t started, last_poll_ok, last_poll_attempt;
        unsigned mailbox_failures, register_failures;   /* in a row */
        int64_t now;
} MetricsInput;

/* The exposition text, with HELP and TYPE lines, every sample labelled
 * org="...".  Metrics that come from a part that could not be read (the
 * register, the state) are left out.  Caller frees. */
char *metrics_text(const MetricsInput *in);

/* Writes text to path atomically, 0644: a temporary file in the same
 * directory (whose name does not end in .prom, so the collector never reads
 * it half-written), fsync, rename.  0 or -errno. */
int metrics_write_file(const char *path, const char *text);

/* The thresholds of metrics_check(). */
typedef struct {
        unsigned stale_seconds;        /* state not written for longer: CRITICAL */
        unsigned outbox_minutes;       /* a mail queued for longer: WARNING */
        unsigned mailbox_warn, mailbox_crit;   /* failed polls in a row; 0: off */
        unsigned overdue_warn, overdue_crit;   /* overdue incidents; 0: off */
} CheckLimits;

enum { CHECK_OK = 0, CHECK_WARNING = 1, CHECK_CRITICAL = 2, CHECK_UNKNOWN = 3 };

/* The worst state in, as a Nagios plugin exit code, and *ret_line (caller
 * frees) "BREACHD OK - what|perfdata", one line without a newline. */
int metrics_check(const MetricsInput *in, const CheckLimits *limits, char **ret_line);

/* The line of a check that could not read anything (the configuration or
 * the register): "BREACHD UNKNOWN - why".  Caller frees. */
char *metrics_check_unknown(const char *why);
