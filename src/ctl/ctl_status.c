/* ctl_status.c — breachctl status: what the daemon's STATUS= line says,
 * and more: whether it runs, its last poll and error, the register's
 * counts, the next deadline, the outbox, the database. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case/ingest.h"
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

/* ---- two hosts on one PostgreSQL register (docs/DESIGN.md "Failover") ---- */

typedef struct {
        StrList names;
        char **holders;   /* holders[i]: "breachd@HOST/PID, connected ..."; NULL: nobody */
        Ctl *c;
} Holders;

static int holder_seen(const StoreLockHolder *h, void *userdata)
{
        Holders *hs = userdata;
        for (size_t i = 0; h->name && i < hs->names.n; i++) {
                if (strcmp(hs->names.v[i], h->name) != 0 || hs->holders[i])
                        continue;
                _cleanup_free_ char *since = tz_format(hs->c->tz, h->since, "%Y-%m-%d %H:%M:%S %Z");
                hs->holders[i] = xasprintf("%s%s%s, connected %s", h->holder, *h->client ? " from " : "", h->client,
                                           since);
        }
        return 0;
}

static void add_mailbox_lock(StrList *names, const Config *cfg)
{
        _cleanup_free_ char *k = ingest_mailbox_key(cfg);
        _cleanup_free_ char *n = xasprintf("mailbox:%s", k);
        strlist_add(names, n);
}

/* Whether holder (application_name, ...) is the daemon breachd@HOST/PID. */
static bool is_here(const char *holder, const char *here)
{
        size_t n = here ? strlen(here) : 0;
        return holder && n && !strncmp(holder, here, n) && (holder[n] == ',' || holder[n] == ' ');
}

/* Which host works each mailbox and sends the outbox: the holders of the
 * register's locks; "here" when it is the daemon of this host's state
 * file (its application_name, breachd@HOST/PID). */
static void print_failover(Ctl *c, int64_t daemon_pid)
{
        if (!strstr(c->cfg->database, "://"))
                return;
        /* Every mailbox of the service, whatever --org says. */
        const Config *svc = c->service ? c->service : c->cfg;
        Holders hs = {.c = c};
        strlist_add(&hs.names, "service");
        if (svc->mailbox.host)
                add_mailbox_lock(&hs.names, svc);
        for (size_t i = 0; i < svc->n_orgs; i++)
                if (svc->orgs[i]->own_mailbox)
                        add_mailbox_lock(&hs.names, svc->orgs[i]);
        hs.holders = xcalloc(hs.names.n, sizeof *hs.holders);
        char host[256] = "?";
        if (gethostname(host, sizeof host - 1) < 0)
                strcpy(host, "?");
        _cleanup_free_ char *here = daemon_pid > 0 ? xasprintf("breachd@%s/%lld", host, (long long)daemon_pid) : NULL;
        int r = store_lock_holders(c->store, &hs.names, holder_seen, &hs);
        if (r < 0)
                fprintf(c->out, "%-22s cannot read the register's locks: %s\n", "Hosts:", store_errmsg(c->store));
        else {
                size_t worked = 0, standby = 0, nobody = 0;
                for (size_t i = 1; i < hs.names.n; i++) {
                        if (!hs.holders[i])
                                nobody++;
                        else if (is_here(hs.holders[i], here))
                                worked++;
                        else
                                standby++;
                }
                fprintf(c->out, "%-22s %zu mailbox(es) worked here, %zu standby here (another host works them), "
                        "%zu worked by no host\n", "Hosts:", worked, standby, nobody);
                for (size_t i = 0; i < hs.names.n; i++) {
                        const char *h = hs.holders[i];
                        _cleanup_free_ char *what = i == 0 ? xstrdup("outbox, reminders:")
                                                           : xasprintf("%s:", hs.names.v[i] + strlen("mailbox:"));
                        fprintf(c->out, "  %-20s %s%s\n", what,
                                !h ? "no host holds it" : is_here(h, here) ? "here: " : "another host: ", h ? h : "");
                }
        }
        for (size_t i = 0; i < hs.names.n; i++)
                free(hs.holders[i]);
        free(hs.holders);
        strlist_free(&hs.names);
}

static void print_daemon(Ctl *c)
{
        _cleanup_free_ char *path = state_path(c->cfg->database);
        DaemonState d;
        if (state_read(path, &d) < 0) {
                fprintf(c->out, "%-22s no state file (%s): the daemon has not run with this database\n", "Daemon:",
                        path);
                print_failover(c, 0);
                return;
        }
        bool running = d.pid > 0 && kill((pid_t)d.pid, 0) == 0;
        fprintf(c->out, "%-22s %s (pid %lld)\n", "Daemon:", running ? "running" : "not running", (long long)d.pid);
        print_time(c, "Started:", d.started);
        print_time(c, "Last successful poll:", d.last_poll_ok);
        print_time(c, "Last poll attempt:", d.last_poll_attempt);
        fprintf(c->out, "%-22s %s\n", "Waiting in IDLE:", d.idle ? "yes" : "no");
        print_failover(c, running ? d.pid : 0);
        if (d.imap_failures)
                fprintf(c->out, "%-22s %u in a row\n", "Mailbox failures:", d.imap_failures);
        if (d.last_error)
                fprintf(c->out, "%-22s %s\n", "Last error:", d.last_error);
        state_free(&d);
}

/* One line of an organisation's figures (key "" the service's own: cases
 * filed before there were organisations, mail no organisation took).
 * *next and *next_org: the earliest deadline seen so far, and whose. */
static int print_org(Ctl *c, const char *key, int64_t now, int64_t *next, char **next_org)
{
        RegisterCounts rc;
        store_set_org(c->store, key);
        int r = store_counts(c->store, now, &rc);
        store_set_org(c->store, NULL);
        if (r < 0) {
                store_counts_free(&rc);
                return r;
        }
        fprintf(c->out, "  %-20s %lld open, %lld awaiting decision (%lld overdue), %lld quarantined, "
                        "%lld queued, %lld failed",
                *key ? key : "(service)", (long long)rc.open_incidents, (long long)rc.pending_decisions,
                (long long)rc.overdue, (long long)rc.quarantined, (long long)rc.outbox_queued,
                (long long)rc.outbox_failed);
        if (rc.next_deadline) {
                _cleanup_free_ char *t = tz_format(c->tz, rc.next_deadline, "%Y-%m-%d %H:%M %Z");
                fprintf(c->out, "; next deadline %s %s", rc.next_deadline_ref, t);
                if (!*next || rc.next_deadline < *next) {
                        *next = rc.next_deadline;
                        free(*next_org);
                        *next_org = xstrdup(*key ? key : "(service)");
                }
        }
        fprintf(c->out, "\n");
        store_counts_free(&rc);
        return 0;
}

/* With organisations and no --org: a line for each, and the service's own. */
static int print_orgs(Ctl *c, int64_t now, char **ret_next_org)
{
        int64_t next = 0;
        fprintf(c->out, "Organisations:\n");
        int r = 0;
        for (size_t i = 0; r >= 0 && i < c->service->n_orgs; i++)
                r = print_org(c, c->service->orgs[i]->org, now, &next, ret_next_org);
        if (r >= 0)
                r = print_org(c, "", now, &next, ret_next_org);
        return r;
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
        /* The service's: its totals, after a line for each organisation. */
        bool all = c->cfg == c->service && c->service->n_orgs > 0 && !store_org(c->store);
        _cleanup_free_ char *next_org = NULL;
        if (all && (r = print_orgs(c, now, &next_org)) < 0) {
                fprintf(stderr, "breachctl: cannot read the register: %s\n", store_errmsg(c->store));
                store_counts_free(&rc);
                return r;
        }
        if (all)
                fprintf(c->out, "Service totals:\n");
        fprintf(c->out, "%-22s %lld\n", "Open incidents:", (long long)rc.open_incidents);
        fprintf(c->out, "%-22s %lld (%lld past the ICO deadline)\n", "Awaiting decision:",
                (long long)rc.pending_decisions, (long long)rc.overdue);
        if (rc.next_deadline) {
                _cleanup_free_ char *t = tz_format(c->tz, rc.next_deadline, "%Y-%m-%d %H:%M %Z");
                fprintf(c->out, "%-22s %s%s%s%s %s\n", "Next deadline:", rc.next_deadline_ref, next_org ? " (" : "",
                        next_org ? next_org : "", next_org ? ")" : "", t);
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
        else
                fprintf(c->out, "%-22s none shared: each organisation has its own\n", "Mailbox:");
        size_t own = 0;
        for (size_t i = 0; i < c->cfg->n_orgs; i++)
                own += c->cfg->orgs[i]->own_mailbox;
        if (own)
                fprintf(c->out, "%-22s %zu, one for each organisation with its own (keyed KEY/FOLDER)\n",
                        "Own mailboxes:", own);
        store_counts_free(&rc);
        return 0;
}
