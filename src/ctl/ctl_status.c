/* ctl_status.c — breachctl status: what the daemon's STATUS= line says,
 * and more: whether it runs, its last poll and error, the register's
 * counts, the next deadline, the outbox, the database. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl.h"
#include "daemon/state.h"

static void print_time(Ctl *c, const char *title, int64_t t)
{
        if (!t) {
                fprintf(c->out, "%-22s never\n", title);
                return;
        }
        _cleanup_free_ char *s = tz_format(c->tz, t, "%Y-%m-%d %H:%M:%S %Z");
        fprintf(c->out, "%-22s %s\n", title, s);
}

static void print_daemon(Ctl *c)
{
        _cleanup_free_ char *path = state_path(c->cfg->database);
        DaemonState d;
        if (state_read(path, &d) < 0) {
                fprintf(c->out, "%-22s no state file (%s): the daemon has not run with this database\n", "Daemon:",
                        path);
                return;
        }
        bool running = d.pid > 0 && kill((pid_t)d.pid, 0) == 0;
        fprintf(c->out, "%-22s %s (pid %lld)\n", "Daemon:", running ? "running" : "not running", (long long)d.pid);
        print_time(c, "Started:", d.started);
        print_time(c, "Last successful poll:", d.last_poll_ok);
        print_time(c, "Last poll attempt:", d.last_poll_attempt);
        fprintf(c->out, "%-22s %s\n", "Waiting in IDLE:", d.idle ? "yes" : "no");
        if (d.imap_failures)
                fprintf(c->out, "%-22s %u in a row\n", "Mailbox failures:", d.imap_failures);
        if (d.last_error)
                fprintf(c->out, "%-22s %s\n", "Last error:", d.last_error);
        state_free(&d);
}

int ctl_status(Ctl *c, int argc, char **argv)
{
        if (argc != 1) {
                fprintf(stderr, "usage: breachctl status\n");
                return -EINVAL;
        }
        print_daemon(c);
        int64_t now = now_utc();
        RegisterCounts rc;
        int r = store_counts(c->store, now, &rc);
        if (r < 0) {
                fprintf(stderr, "breachctl: cannot read the register: %s\n", store_errmsg(c->store));
                store_counts_free(&rc);
                return r;
        }
        fprintf(c->out, "%-22s %lld\n", "Open incidents:", (long long)rc.open_incidents);
        fprintf(c->out, "%-22s %lld (%lld past the ICO deadline)\n", "Awaiting decision:",
                (long long)rc.pending_decisions, (long long)rc.overdue);
        if (rc.next_deadline) {
                _cleanup_free_ char *t = tz_format(c->tz, rc.next_deadline, "%Y-%m-%d %H:%M %Z");
                fprintf(c->out, "%-22s %s %s\n", "Next deadline:", rc.next_deadline_ref, t);
        } else {
                fprintf(c->out, "%-22s none\n", "Next deadline:");
        }
        fprintf(c->out, "%-22s %lld queued, %lld failed\n", "Outbox:", (long long)rc.outbox_queued,
                (long long)rc.outbox_failed);
        fprintf(c->out, "%-22s %lld\n", "Quarantined messages:", (long long)rc.quarantined);
        /* Mail that needs nobody, apart from what needs a person. */
        fprintf(c->out, "%-22s %lld in the last 7 days (%lld in all), filed quietly in %s\n", "Automatic mail:",
                (long long)rc.automatic_week, (long long)rc.automatic, c->cfg->mailbox.automatic_folder);
        if (rc.bounces_week > 0)
                fprintf(c->out, "%-22s %lld in the last 7 days matched to our mail, filed in %s\n",
                        "Delivery reports:", (long long)rc.bounces_week, c->cfg->mailbox.processed_folder);
        struct stat st;
        if (stat(c->cfg->database, &st) == 0)
                fprintf(c->out, "%-22s %s (%.1f MiB)\n", "Database:", c->cfg->database,
                        (double)st.st_size / (1024.0 * 1024.0));
        else if (strstr(c->cfg->database, "://"))
                fprintf(c->out, "%-22s %s\n", "Database:", c->cfg->database);
        if (c->cfg->mailbox.host)
                fprintf(c->out, "%-22s %s on %s:%u as %s\n", c->cfg->n_orgs ? "Shared mailbox:" : "Mailbox:",
                        c->cfg->mailbox.folder, c->cfg->mailbox.host, c->cfg->mailbox.port, c->cfg->mailbox.user);
        size_t own = 0;
        for (size_t i = 0; i < c->cfg->n_orgs; i++)
                own += c->cfg->orgs[i]->own_mailbox;
        if (own)
                fprintf(c->out, "%-22s %zu, one for each organisation with its own (keyed KEY/FOLDER)\n",
                        "Own mailboxes:", own);
        store_counts_free(&rc);
        return 0;
}
