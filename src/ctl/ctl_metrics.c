/* ctl_metrics.c — breachctl metrics (Prometheus's text format) and
 * breachctl check (a Nagios plugin): the daemon's state file and the
 * register's counts, put into words by notices/metrics.c, as the daemon's
 * metrics_file is. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "case/orgs.h"
#include "ctl/ctl.h"
#include "daemon/state.h"
#include "notices/metrics.h"

/* *in from the state file and the counts; rc filled by store_counts() (to
 * be freed either way).  Returns the register's code. */
static int gather(Ctl *c, MetricsInput *in, DaemonState *d, RegisterCounts *rc)
{
        _cleanup_free_ char *path = state_path(c->cfg->database);
        int64_t now = now_utc();
        /* An organisation of a shared service is labelled with its key,
         * as the service's own metrics label each (orgs_metrics_text()). */
        bool one_of_many = c->service && c->service->n_orgs && c->cfg != c->service;
        *in = (MetricsInput){.org = one_of_many ? c->cfg->org : c->cfg->organisation, .now = now};
        memset(d, 0, sizeof *d);
        if (state_read(path, d) >= 0) {
                in->have_state = true;
                /* EPERM: it lives, as another user. */
                in->running = d->pid > 0 && (kill((pid_t)d->pid, 0) == 0 || errno == EPERM);
                in->state_written = d->written;
                in->started = d->started;
                in->last_poll_ok = d->last_poll_ok;
                in->last_poll_attempt = d->last_poll_attempt;
                in->mailbox_failures = d->imap_failures;
                in->register_failures = d->register_failures;
        }
        int r = store_counts(c->store, now, rc);
        if (r >= 0)
                in->counts = rc;
        return r;
}

int ctl_metrics(Ctl *c, int argc, char **argv)
{
        if (argc != 1) {
                fprintf(stderr, "usage: breachctl metrics\n");
                return -EINVAL;
        }
        MetricsInput in;
        DaemonState d;
        RegisterCounts rc;
        int r = gather(c, &in, &d, &rc);
        if (r < 0)
                fprintf(stderr, "breachctl: cannot read the register: %s\n", store_errmsg(c->store));
        _cleanup_free_ char *text = orgs_metrics_text(c->store, c->cfg, &in);
        /* raw: the org label is escaped as the format wants, not for a
         * terminal. */
        fputs(text, c->raw);
        state_free(&d);
        store_counts_free(&rc);
        return r < 0 ? r : 0;
}

static int parse_limit(const char *name, const char *v, unsigned *dst)
{
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (errno || end == v || *end || n > 1000000 || v[0] == '-') {
                fprintf(stderr, "breachctl: --%s wants a whole number, not '%s'\n", name, v);
                return -EINVAL;
        }
        *dst = (unsigned)n;
        return 0;
}

static int check_options(int argc, char **argv, CheckLimits *l)
{
        static const struct option opts[] = {
                {"stale-minutes", required_argument, NULL, 's'},
                {"outbox-minutes", required_argument, NULL, 'o'},
                {"mailbox-warn", required_argument, NULL, 'm'},
                {"mailbox-crit", required_argument, NULL, 'M'},
                {"overdue-warn", required_argument, NULL, 'v'},
                {"overdue-crit", required_argument, NULL, 'V'},
                {NULL, 0, NULL, 0},
        };
        unsigned stale = 30;
        *l = (CheckLimits){.outbox_minutes = 30, .mailbox_warn = 1, .mailbox_crit = 3, .overdue_warn = 1};
        int ch, idx = 0, r = 0;
        optind = 1;
        while (r == 0 && (ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
                switch (ch) {
                case 's': r = parse_limit(opts[idx].name, optarg, &stale); break;
                case 'o': r = parse_limit(opts[idx].name, optarg, &l->outbox_minutes); break;
                case 'm': r = parse_limit(opts[idx].name, optarg, &l->mailbox_warn); break;
                case 'M': r = parse_limit(opts[idx].name, optarg, &l->mailbox_crit); break;
                case 'v': r = parse_limit(opts[idx].name, optarg, &l->overdue_warn); break;
                case 'V': r = parse_limit(opts[idx].name, optarg, &l->overdue_crit); break;
                default: r = -EINVAL; break;
                }
        }
        if (r == 0 && optind != argc)
                r = -EINVAL;
        if (r < 0)
                fprintf(stderr, "usage: breachctl check [--stale-minutes N] [--outbox-minutes N] "
                                "[--mailbox-warn N] [--mailbox-crit N] [--overdue-warn N] [--overdue-crit N]\n");
        l->stale_seconds = stale * 60;
        return r;
}

int ctl_check(Ctl *c, int argc, char **argv)
{
        CheckLimits l;
        if (check_options(argc, argv, &l) < 0) {
                _cleanup_free_ char *line = metrics_check_unknown("bad options (see breachctl --help)");
                fprintf(c->out, "%s\n", line);
                c->exit_status = CHECK_UNKNOWN;
                return 0;
        }
        MetricsInput in;
        DaemonState d;
        RegisterCounts rc;
        gather(c, &in, &d, &rc);
        _cleanup_free_ char *line = NULL;
        c->exit_status = metrics_check(&in, &l, &line);
        fprintf(c->out, "%s\n", line);
        state_free(&d);
        store_counts_free(&rc);
        return 0;
}
