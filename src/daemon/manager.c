/* manager.c — see manager.h. */
#include "daemon/manager.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/tz.h"
#include "case/ingest.h"
#include "case/orgs.h"
#include "case/reminders.h"
#include "case/retention.h"
#include "case/templates_check.h"
#include "case/weekly.h"
#include "daemon/sender.h"
#include "daemon/state.h"
#include "mail/conn.h"
#include "mail/imap.h"
#include "notices/alert.h"
#include "notices/metrics.h"
#include "notices/notices.h"
#include "register/store.h"

#define USEC_PER_SEC 1000000ULL
#define RECONNECT_MAX 600    /* seconds */
/* While in IDLE the poll timer still fires this often: it re-issues IDLE
 * well inside RFC 2177's 29 minutes and catches a connection that died
 * without a word (a NAT or firewall dropping it). */
#define IDLE_REFRESH 600     /* seconds */
/* The first polls of the watches, and their reconnections after the
 * server went away, are this far apart: 300 logins do not arrive at the
 * server at once.  Logins are made one at a time anyway (the loop's one
 * thread speaks IMAP), so at most one is ever in progress. */
#define STAGGER_MS 10
/* A session takes three descriptors: its socket and libetpan's cancel
 * pipe.  FD_SPARE more are kept for the rest: the register, the outbox's
 * SMTP session, a burst's mover (one at a time), the guard's worker, the
 * log, sd-event's own. */
#define FD_PER_MAILBOX 3
#define FD_SPARE 128
/* Two hosts on one PostgreSQL register (docs/DESIGN.md "Failover"): a
 * watch works its mailbox only while this host holds the register's lock
 * "mailbox:KEY", and the outbox, reminders, digests and purge are done
 * only while it holds "service".  Without a lock the host is standby for
 * it and tries again this often; while it works, it asks the server this
 * often whether its session (and so its locks) lives on.  A takeover
 * after the holder died takes at most this, plus an IMAP login.  On
 * SQLite every lock is taken at once and none of this runs. */
#define FAILOVER_INTERVAL 5   /* seconds */
#define SERVICE_LOCK "service"

typedef struct Manager Manager;

/* One watched mailbox: its session, IDLE and poll timer, its failures in
 * a row, its outage alert, and the Config its mail is filed under (the
 * main one for the shared or single mailbox, the organisation's for an
 * organisation's own). */
typedef struct Watch {
        Manager *m;
        size_t index;
        const Config *cfg;            /* borrowed: m->cfg or one of m->cfg->orgs */
        char *key;                    /* its register key (ingest_mailbox_key()) */
        Tz *tz;                       /* the organisation's; m->tz for the main Config */
        FormLabels *labels;
        FormLabels *main_labels;      /* the main Config's, when labels borrows them */
        bool own_state;               /* tz (and labels, unless the main Config's) are this watch's to free */
        Imap *imap;
        sd_event_source *poll_timer;
        sd_event_source *idle_io;     /* the IMAP socket while in IDLE */
        bool idling;
        unsigned failures;            /* consecutive */
        int64_t last_poll_ok;
        int64_t last_poll_attempt;
        int64_t down_since;           /* the first of the current failures */
        int64_t next_poll_at;         /* UTC of the next poll, for STATUS= */
        char *last_error;             /* of the last failed poll; NULL after a good one */
        char *secret;                 /* what the session logged in with, for a second one (mover.h) */
        bool alerted;                 /* the admin was told the mailbox is down */
        char *lock;                   /* "mailbox:KEY": held while this host works it */
        bool working;                 /* holds the lock (as far as it knows) */
        bool standby;                 /* another host has it, or the register cannot say */
        bool standby_said;
} Watch;

struct Manager {
        Config *cfg;
        Store *store;
        Tz *tz;
        FormLabels *labels;
        Watch *watches;               /* every mailbox watched; at least one */
        size_t n_watches;

        sd_event *event;
        sd_event_source *outbox_timer;
        sd_event_source *reminder_timer;   /* the next point of the 72-hour clock */
        sd_event_source *failover_timer;   /* PostgreSQL: the locks checked, taken (FAILOVER_INTERVAL) */
        sd_event_source *sigterm, *sigint, *sighup;

        int64_t started;
        int64_t last_purge;           /* retention.h; 0: not yet since start */
        unsigned quarantined_total;
        bool stopping;

        Sender *sender;               /* the marks and hand-overs between passes (sender.h) */
        /* The register cannot be written (disk full, locked past the busy
         * timeout): its own count, backoff and alert, apart from the
         * mailboxes'. */
        unsigned register_failures;
        int64_t register_down_since;
        char *register_error;
        int64_t register_next_at;     /* UTC of the next try, for STATUS= */
        bool register_alerted;
        bool metrics_failing;         /* said once (write_metrics()) */
        /* Failover (FAILOVER_INTERVAL): shared, the register is
         * PostgreSQL and other hosts may work it; service, this host holds
         * "service" and sends the outbox, reminders and digests. */
        bool shared;
        bool service;
        bool service_ever;            /* held "service" before (a takeover starts the sender afresh) */
        bool service_standby_said;
        int64_t status_at;            /* when update_status() last ran */

        /* Stopping while a server stalls (stop_watch()). */
        pthread_t watcher;
        bool watching;
        int watch_sigfd, watch_quit;
        atomic_bool stop_asked;
};

static void forget_secret(Watch *w)
{
        if (w->secret)
                explicit_bzero(w->secret, strlen(w->secret));
        free(w->secret);
        w->secret = NULL;
}

static int open_state(const Config *cfg, Store **ret_store, Tz **ret_tz, FormLabels **ret_labels)
{
        Tz *tz = NULL;
        int r = tz_open(cfg->timezone, &tz);
        if (r < 0) {
                log_error("unknown time zone %s", cfg->timezone);
                return r;
        }
        _cleanup_free_ char *why = NULL;
        r = templates_check(cfg, tz, &why);
        if (r < 0) {
                log_error("%s", why);
                tz_free(tz);
                return r;
        }
        Store *s = NULL;
        unsigned before = store_failures();
        r = store_open_secret(cfg->database, &cfg->database_secret, &s);
        if (r < 0) {
                _cleanup_free_ char *e = store_failures() != before ? store_last_failure() : xstrdup(errstr(r));
                log_error("cannot open the register %s: %s", cfg->database, e);
                tz_free(tz);
                return r;
        }
        *ret_store = s;
        *ret_tz = tz;
        *ret_labels = ingest_labels_for(cfg);
        return 0;
}

/* ---- the watches ---------------------------------------------------------- */

static void watch_clear(Watch *w)
{
        w->poll_timer = sd_event_source_disable_unref(w->poll_timer);
        w->idle_io = sd_event_source_disable_unref(w->idle_io);
        if (w->idling && w->imap)
                imap_idle_done(w->imap);
        w->idling = false;
        imap_free(w->imap);
        w->imap = NULL;
        forget_secret(w);
        if (w->own_state) {
                tz_free(w->tz);
                if (w->labels != w->main_labels)
                        form_labels_free(w->labels);
        }
        free(w->key);
        free(w->lock);
        free(w->last_error);
}

static void watches_free(Watch *ws, size_t n)
{
        for (size_t i = 0; i < n; i++)
                watch_clear(&ws[i]);
        free(ws);
}

/* Whether two Configs read the form with the same labels: then they share
 * one FormLabels (some 190 KiB each, which 300 organisations that leave
 * labels alone must not pay 300 times). */
static bool same_labels(const Config *a, const Config *b)
{
        if (a->n_extra_labels != b->n_extra_labels)
                return false;
        for (size_t i = 0; i < a->n_extra_labels; i++) {
                const StrList *x = &a->extra_labels[i].labels, *y = &b->extra_labels[i].labels;
                if (strcmp(a->extra_labels[i].key, b->extra_labels[i].key) != 0 || x->n != y->n)
                        return false;
                for (size_t k = 0; k < x->n; k++)
                        if (strcmp(x->v[k], y->v[k]) != 0)
                                return false;
        }
        return true;
}

/* An organisation's own zone, labels and templates, checked as the main
 * Config's are (open_state()); the main Config's labels when they are the
 * same. */
static int watch_open_state(Watch *w, const Config *main_cfg, FormLabels *main_labels)
{
        const Config *cfg = w->cfg;
        int r = tz_open(cfg->timezone, &w->tz);
        if (r < 0) {
                log_error("%s: unknown time zone %s", cfg->path, cfg->timezone);
                return r;
        }
        w->own_state = true;
        _cleanup_free_ char *why = NULL;
        r = templates_check(cfg, w->tz, &why);
        if (r < 0) {
                log_error("%s: %s", cfg->path, why);
                return r;
        }
        w->main_labels = main_labels;
        w->labels = same_labels(cfg, main_cfg) ? main_labels : ingest_labels_for(cfg);
        return 0;
}

/* The mailboxes cfg names: the main (shared, or a single organisation's)
 * mailbox when it has one, then each organisation's own, in the order of
 * cfg->orgs.  tz and labels are the main Config's.  -errno (logged) when
 * an organisation's zone or templates cannot be used. */
static int watches_new(Manager *m, const Config *cfg, Tz *tz, FormLabels *labels, Watch **ret, size_t *ret_n)
{
        size_t n = cfg->mailbox.host ? 1 : 0;
        for (size_t i = 0; i < cfg->n_orgs; i++)
                n += cfg->orgs[i]->own_mailbox;
        Watch *ws = xcalloc(n ? n : 1, sizeof *ws);
        size_t k = 0;
        int r = 0;
        if (cfg->mailbox.host)
                ws[k++] = (Watch){.cfg = cfg, .tz = tz, .labels = labels};
        for (size_t i = 0; i < cfg->n_orgs && r >= 0; i++) {
                if (!cfg->orgs[i]->own_mailbox)
                        continue;
                ws[k] = (Watch){.cfg = cfg->orgs[i]};
                r = watch_open_state(&ws[k++], cfg, labels);
        }
        for (size_t i = 0; i < k; i++) {
                ws[i].m = m;
                ws[i].index = i;
                ws[i].key = ingest_mailbox_key(ws[i].cfg);
                ws[i].lock = xasprintf("mailbox:%s", ws[i].key);
        }
        if (r >= 0 && n == 0) {
                log_error("%s: no mailbox to watch", cfg->path);
                r = -EINVAL;
        }
        if (r < 0) {
                watches_free(ws, k);
                return r;
        }
        *ret = ws;
        *ret_n = n;
        return 0;
}

/* FD_PER_MAILBOX descriptors a mailbox and FD_SPARE more: the soft
 * RLIMIT_NOFILE is raised to that, up to the hard limit (systemd's default
 * hard limit is 524288), never lowered.  libetpan waits on its sockets with
 * select(), which cannot take a descriptor at or past FD_SETSIZE (1024):
 * a session that would get one is refused and its watch fails alone
 * (conn_open_stream()); about 300 mailboxes fit in one process. */
static void raise_nofile(size_t n_watches)
{
        size_t need = n_watches * FD_PER_MAILBOX + 32;
        if (need > FD_SETSIZE)
                log_warning("%zu mailboxes need about %zu descriptors below %d, the most libetpan can wait on: "
                            "the last of them will fail to connect; run fewer mailboxes per process",
                            n_watches, need, FD_SETSIZE);
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return;
        rlim_t want = (rlim_t)n_watches * FD_PER_MAILBOX + FD_SPARE;
        if (rl.rlim_cur >= want)
                return;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want) {
                log_warning("%zu mailboxes want %llu descriptors, but the hard limit is %llu: raise LimitNOFILE=",
                            n_watches, (unsigned long long)want, (unsigned long long)rl.rlim_max);
                want = rl.rlim_max;
        }
        if (want <= rl.rlim_cur)
                return;
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning("cannot raise the descriptor limit to %llu: %s", (unsigned long long)want,
                            strerror(errno));
        else
                log_debug("descriptor limit raised from %llu to %llu for %zu mailboxes", (unsigned long long)was,
                          (unsigned long long)want, n_watches);
}

int manager_new(Config *cfg, Manager **ret)
{
        Manager *m = xcalloc(1, sizeof *m);
        m->cfg = cfg;
        m->started = now_utc();
        m->watch_sigfd = m->watch_quit = -1;
        m->sender = sender_new();
        m->shared = strstr(cfg->database, "://") != NULL;
        int r = open_state(cfg, &m->store, &m->tz, &m->labels);
        if (r >= 0)
                r = watches_new(m, cfg, m->tz, m->labels, &m->watches, &m->n_watches);
        if (r < 0) {
                m->cfg = NULL;
                manager_free(m);
                return r;
        }
        raise_nofile(m->n_watches);
        *ret = m;
        return 0;
}

static void stop_watch_end(Manager *m);

void manager_free(Manager *m)
{
        if (!m)
                return;
        stop_watch_end(m);
        watches_free(m->watches, m->n_watches);
        sd_event_source_unref(m->outbox_timer);
        sd_event_source_unref(m->reminder_timer);
        sd_event_source_unref(m->failover_timer);
        sd_event_source_unref(m->sigterm);
        sd_event_source_unref(m->sigint);
        sd_event_source_unref(m->sighup);
        sd_event_unref(m->event);
        sender_free(m->sender);
        free(m->register_error);
        form_labels_free(m->labels);
        store_close(m->store);
        tz_free(m->tz);
        config_free(m->cfg);
        free(m);
}

/* ---- work ---------------------------------------------------------- */

static bool stop_requested(void *userdata)
{
        Watch *w = userdata;
        Manager *m = w->m;
        /* Asked between batches: a long backlog must not starve the
         * watchdog. */
        sd_notify(false, "WATCHDOG=1");
        if (atomic_load(&m->stop_asked))
                m->stopping = true;
        if (m->stopping)
                return true;
        /* SIGTERM is blocked for sd-event; a pending one means "finish the
         * message in hand and stop". */
        sigset_t pending;
        if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
                m->stopping = true;
        return m->stopping;
}

/* A watch's words in a log line: nothing when it is the only one, else
 * which mailbox.  Static buffer, for one log call. */
static const char *watch_tag(const Watch *w)
{
        static char tag[160];
        if (w->m->n_watches <= 1)
                return "";
        snprintf(tag, sizeof tag, "%s: ", w->key);
        return tag;
}

static int ensure_connected(Watch *w)
{
        Manager *m = w->m;
        if (w->imap)
                return 0;
        const MailboxConfig *mc = &w->cfg->mailbox;
        _cleanup_free_ char *secret = NULL, *why = NULL;
        int r = config_read_secret(&mc->secret, &secret, &why);
        if (r < 0) {
                log_error("%scannot read the mailbox secret: %s", watch_tag(w), why ? why : errstr(r));
                free(w->last_error);
                w->last_error = xasprintf("cannot read the mailbox secret: %s", why ? why : errstr(r));
                return r;
        }
        Imap *imap = NULL;
        r = imap_connect(mc, secret, &imap);
        if (r < 0 && atomic_load(&m->stop_asked)) {
                log_info("stopping: the connection to %s:%u was cut short", mc->host, mc->port);
                imap_free(imap);
                return r;
        }
        if (r < 0) {
                log_error("%scannot connect to IMAP server %s:%u as %s: %s", watch_tag(w), mc->host, mc->port,
                          mc->user, imap_last_error(imap));
                free(w->last_error);
                w->last_error = xasprintf("cannot connect to %s:%u: %s", mc->host, mc->port, imap_last_error(imap));
                imap_free(imap);
                return r;
        }
        w->imap = imap;
        w->secret = secret;
        secret = NULL;
        return 0;
}

static void drop_connection(Watch *w)
{
        w->idle_io = sd_event_source_disable_unref(w->idle_io);
        w->idling = false;
        imap_free(w->imap);
        w->imap = NULL;
        forget_secret(w);
}

/* ---- failover: the register's locks (FAILOVER_INTERVAL) ---------------- */

/* This host no longer holds the watch's lock (its register session was
 * lost, and the locks with it): the IMAP session goes, and the watch is
 * standby until it takes the lock again. */
static void watch_demote(Watch *w)
{
        log_warning("%slost the register's lock on the mailbox %s (the register's session ended): leaving "
                    "it; standby until this host takes it again", watch_tag(w), w->key);
        w->working = false;
        w->standby = true;
        w->standby_said = true;
        drop_connection(w);
}

/* Whether this host works the watch's mailbox: holds its lock, or takes
 * it now.  Without it the watch is standby (said once).  Always true on
 * SQLite. */
static bool watch_take(Watch *w)
{
        Manager *m = w->m;
        if (store_lock_held(m->store, w->lock)) {
                w->working = true;
                return true;
        }
        if (w->working)
                watch_demote(w);
        int r = store_lock(m->store, w->lock);
        if (r > 0) {
                if (w->standby)
                        log_notice("%stook over the mailbox %s: this host works it now", watch_tag(w), w->key);
                else if (m->shared)
                        log_info("%sthis host works the mailbox %s (it holds its lock)", watch_tag(w), w->key);
                w->working = true;
                w->standby = false;
                w->standby_said = false;
                return true;
        }
        if (!w->standby_said) {
                if (r == 0)
                        log_info("%sstandby for the mailbox %s: another host works it; trying again every %d s",
                                 watch_tag(w), w->key, FAILOVER_INTERVAL);
                else
                        log_warning("%sstandby for the mailbox %s: cannot take its lock: %s; trying again every %d s",
                                    watch_tag(w), w->key, store_errmsg(m->store), FAILOVER_INTERVAL);
        }
        w->standby = true;
        w->standby_said = true;
        drop_connection(w);
        return false;
}

/* IngestContext.holds_mailbox: before each batch and each move.  No round
 * trip: a session lost since the last statement is found by the next
 * (the batch's commit fails, and nothing is moved) or by the failover
 * timer's check. */
static bool holds_mailbox(void *userdata)
{
        Watch *w = userdata;
        return store_lock_held(w->m->store, w->lock);
}

static void arm(sd_event_source *s, uint64_t delay_sec);
static void arm_reminders(Manager *m);

/* Whether this host does the service's work (the outbox, reminders,
 * digests, purge): holds "service", or takes it now.  Always true on
 * SQLite.  A host that takes it over starts its sender afresh, as after a
 * restart: the hand-overs of the last day (the per-address cap) are read
 * again from the register, the other host's among them. */
static bool service_take(Manager *m)
{
        if (store_lock_held(m->store, SERVICE_LOCK)) {
                m->service = true;
                return true;
        }
        if (m->service) {
                log_warning("lost the register's lock \"service\" (the register's session ended): the outbox, "
                            "reminders and digests wait until this host takes it again");
                m->service = false;
        }
        int r = store_lock(m->store, SERVICE_LOCK);
        if (r <= 0) {
                if (!m->service_standby_said) {
                        if (r == 0)
                                log_info("standby for the outbox, reminders and digests: another host sends them; "
                                         "trying again every %d s", FAILOVER_INTERVAL);
                        else
                                log_warning("standby for the outbox, reminders and digests: cannot take the lock: %s; "
                                            "trying again every %d s", store_errmsg(m->store), FAILOVER_INTERVAL);
                }
                m->service_standby_said = true;
                return false;
        }
        if (m->shared)
                log_notice("this host sends the outbox, reminders and digests now (it holds the lock \"service\")");
        if (m->service_ever && sender_unmarked(m->sender) == 0) {
                sender_free(m->sender);
                m->sender = sender_new();
        }
        m->service = m->service_ever = true;
        m->service_standby_said = false;
        if (m->outbox_timer && !m->register_failures)
                arm(m->outbox_timer, 0);
        if (m->reminder_timer)
                arm_reminders(m);
        return true;
}

/* Leaves IDLE so the session can take commands again. */
static int leave_idle(Watch *w)
{
        if (!w->idling)
                return 0;
        w->idle_io = sd_event_source_disable_unref(w->idle_io);
        w->idling = false;
        int r = imap_idle_done(w->imap);
        if (r < 0) {
                log_warning("%sleaving IDLE failed: %s; reconnecting", watch_tag(w), imap_last_error(w->imap));
                drop_connection(w);
        }
        return r;
}

/* ---- the register's own failures ---------------------------------------- */

/* Seconds before the next try while the register cannot be written: 2 s
 * doubling, never more than poll_interval, so that filing resumes within
 * one poll of the disk having room (or the lock being let go) again. */
static uint64_t register_backoff(const Manager *m)
{
        uint64_t d = 2;
        for (unsigned i = 1; i < m->register_failures && d < m->cfg->poll_interval; i++)
                d *= 2;
        return d < m->cfg->poll_interval ? d : m->cfg->poll_interval;
}

/* The admin is told once an outage has lasted alert_after_failures tries,
 * directly over SMTP: the outbox is in the register.  Tried again at each
 * failure until one mail went. */
static void alert_register(Manager *m)
{
        if (m->register_alerted || m->register_failures < m->cfg->alert_after_failures || !m->cfg->admin)
                return;
        MailboxOutage o = {.failures = m->register_failures, .since = m->register_down_since,
                           .last_error = m->register_error, .now = now_utc()};
        RenderedMail mail = {0};
        _cleanup_free_ char *why = NULL;
        int r = alert_register_down(m->cfg, m->tz, &o, &mail, &why);
        if (r > 0)
                r = sender_send_now(m->cfg, &mail, &why);
        rendered_mail_free(&mail);
        if (r < 0) {
                log_error("cannot tell %s that the register cannot be written: %s; trying again at the next failure",
                          m->cfg->admin, why ? why : errstr(r));
                return;
        }
        m->register_alerted = true;
        log_notice("told %s that the register cannot be written", m->cfg->admin);
}

/* A step failed because the register could not be written: said once per
 * try, in the register's words, with what happens next. */
static void register_failed(Manager *m, const char *doing, const char *why, uint64_t retry)
{
        if (m->register_failures++ == 0)
                m->register_down_since = now_utc();
        m->register_next_at = now_utc() + (int64_t)retry;
        free(m->register_error);
        m->register_error = xasprintf("%s: %s", m->cfg->database, why);
        log_error("%s: the register %s cannot be written: %s; trying again in %llu s (%u consecutive failures)",
                  doing, m->cfg->database, why, (unsigned long long)retry, m->register_failures);
        alert_register(m);
}

static void register_recovered(Manager *m)
{
        if (!m->register_failures)
                return;
        log_notice("the register %s can be written again after %u failures", m->cfg->database,
                   m->register_failures);
        if (m->register_alerted) {
                MailboxOutage o = {.failures = m->register_failures, .since = m->register_down_since,
                                   .last_error = m->register_error, .now = now_utc()};
                _cleanup_free_ char *why = NULL;
                int r = store_begin(m->store);
                if (r >= 0)
                        r = alert_register_up(m->store, m->cfg, m->tz, &o, &why);
                if (r >= 0)
                        r = store_commit(m->store);
                else
                        store_rollback(m->store);
                if (r < 0)
                        log_error("cannot queue the mail to %s about the register: %s", m->cfg->admin,
                                  why ? why : errstr(r));
                else
                        log_notice("told %s that the register can be written again", m->cfg->admin);
        }
        m->register_failures = 0;
        m->register_alerted = false;
        free(m->register_error);
        m->register_error = NULL;
}

/* Returns 0; -EROFS when the register failed (said, counted); another
 * negative code when the mailbox failed (said, in the watch's last_error). */
/* The admin's digest of what was quarantined (alert.h), after each pass:
 * at most one an hour, nothing when nothing is new.  A failure is logged
 * and tried again at the next pass; the messages stay unreported. */
static void quarantine_digest(Manager *m)
{
        _cleanup_free_ char *why = NULL;
        int queued = 0, r = store_begin(m->store);
        if (r >= 0)
                r = queued = orgs_quarantine_digest(m->store, m->cfg, m->tz, now_utc(), &why);
        if (r >= 0)
                r = store_commit(m->store);
        else
                store_rollback(m->store);
        if (r < 0)
                log_error("cannot queue the quarantine digest to %s: %s", m->cfg->admin, why ? why : errstr(r));
        else if (queued > 0)
                log_info("told %s what was quarantined", m->cfg->admin);
}

static int poll_mailbox(Watch *w)
{
        Manager *m = w->m;
        leave_idle(w);
        int r = ensure_connected(w);
        if (r < 0)
                return r;
        IngestContext ctx = {
                .cfg = w->cfg,
                .store = m->store,
                .tz = w->tz,
                .labels = w->labels,
                .should_stop = stop_requested,
                .holds_mailbox = holds_mailbox,
                .userdata = w,
                .mailbox_secret = w->secret,
        };
        IngestStats st = {0};
        w->last_poll_attempt = now_utc();
        unsigned before = store_failures();
        /* While the register is failing, a write is tried first: a pass
         * that finds no new mail must not pass for a recovery. */
        r = m->register_failures ? store_check_writable(m->store) : 0;
        if (r >= 0)
                r = ingest_poll(&ctx, w->imap, &st);
        m->quarantined_total += st.quarantined;
        if (r < 0 && store_failures() != before) {
                /* The messages stay in the inbox, recorded nowhere: the
                 * next pass reads them again.  A fresh session then. */
                drop_connection(w);
                return -EROFS;
        }
        if (r < 0 && atomic_load(&m->stop_asked)) {
                log_info("stopping: the mailbox session was cut short; what was not filed stays in %s", w->key);
                drop_connection(w);
                return 0;
        }
        if (r < 0) {
                const char *why = imap_last_error(w->imap);
                if (!why || !*why)
                        why = errstr(r);
                log_error("polling %s failed: %s", w->key, why);
                free(w->last_error);
                w->last_error = xasprintf("polling %s failed: %s", w->key, why);
                /* Start afresh next time: the session may be half-broken. */
                drop_connection(w);
                return r;
        }
        if (st.filed || st.followups || st.quarantined || st.automatic || st.duplicates)
                log_info("%spoll: %u filed, %u follow-ups, %u quarantined, %u already filed, %u moved; "
                         "%u automatic filed quietly", watch_tag(w), st.filed, st.followups, st.quarantined, st.duplicates,
                         st.moved, st.automatic);
        w->last_poll_ok = now_utc();
        free(w->last_error);
        w->last_error = NULL;
        if (service_take(m))
                quarantine_digest(m);
        return 0;
}

/* Returns 0, -EROFS when the register could not be written (said by the
 * caller, which knows when it tries again), or another negative code when
 * the server could not be reached (logged here). */
static int send_outbox(Manager *m, char **ret_register_error)
{
        SendStats st = {0};
        int r = sender_run(m->sender, m->cfg, m->store, &st);
        if (atomic_load(&m->stop_asked)) {
                log_info("stopping: sending was cut short (%u sent); the rest stays queued", st.sent);
                send_stats_free(&st);
                return 0;
        }
        if (st.sent || st.failed || st.deferred || st.held)
                log_info("outbox: %u sent, %u deferred, %u failed%s%s%s", st.sent, st.deferred, st.failed,
                         st.held ? ", some held over the per-address cap" : "",
                         st.last_error ? "; last error: " : "", st.last_error ? st.last_error : "");
        if (r == -EROFS && ret_register_error) {
                *ret_register_error = st.register_error;
                st.register_error = NULL;
        } else if (r == -EROFS)
                log_error("outbox: the register %s cannot be written: %s; nothing more is sent until it can",
                          m->cfg->database, st.register_error);
        else if (r < 0 && !st.deferred && !atomic_load(&m->stop_asked))
                log_error("sending failed: %s", st.last_error ? st.last_error : errstr(r));
        send_stats_free(&st);
        /* After a burst the heap is mostly freed pieces between live ones:
         * give those pages back while the daemon waits for the next. */
        if (st.sent + st.failed + st.deferred >= 50)
                malloc_trim(0);
        return r;
}

static int run_reminders(Manager *m)
{
        ReminderStats st = {0};
        _cleanup_free_ char *why = NULL;
        unsigned before = store_failures();
        int r = reminders_run_all(m->store, m->cfg, m->tz, now_utc(), &st, &why);
        if (r < 0 && store_failures() != before) {
                _cleanup_free_ char *e = store_last_failure();
                log_error("reminders: the register %s cannot be written: %s; trying again in %u s", m->cfg->database,
                          e, m->cfg->poll_interval);
                return -EROFS;
        }
        if (r < 0)
                log_error("reminders: %s; trying again later", why ? why : errstr(r));
        else if (st.queued)
                log_info("reminders: %u queued, %u of them overdue notices", st.queued, st.overdue);
        return r;
}

/* The DPO's weekly digest (weekly.h) when its slot has come; checked with
 * the reminders.  A failure is logged and tried again at the next check. */
static int run_weekly_digest(Manager *m)
{
        _cleanup_free_ char *why = NULL;
        unsigned before = store_failures();
        int r = weekly_digest_run_all(m->store, m->cfg, m->tz, now_utc(), &why);
        if (r < 0 && store_failures() != before) {
                _cleanup_free_ char *e = store_last_failure();
                log_error("weekly digest: the register %s cannot be written: %s; trying again in %u s",
                          m->cfg->database, e, m->cfg->poll_interval);
                return -EROFS;
        }
        if (r < 0)
                log_error("weekly digest: %s; trying again later", why ? why : errstr(r));
        else if (r > 0)
                log_info("weekly digest queued to the DPO");
        return r;
}

/* The first part of STATUS=: what is wrong, since when, and the next try;
 * or when the mailbox was last read.  With more than one mailbox, how
 * many are idle and failing, and the first few failing by name.  Caller
 * frees. */
static char *status_health(Manager *m, int64_t now)
{
        char since[32], last[32] = "never";
        if (m->register_failures) {
                const Watch *w = &m->watches[0];
                if (w->last_poll_ok)
                        fmt_iso_utc(w->last_poll_ok, last);
                long long next = m->register_next_at > now ? (long long)(m->register_next_at - now) : 0;
                fmt_iso_utc(m->register_down_since, since);
                return xasprintf("REGISTER CANNOT BE WRITTEN since %s (%u tries): %s; next try in %lld s; "
                                 "last poll %s", since, m->register_failures,
                                 m->register_error ? m->register_error : "?", next, last);
        }
        if (m->n_watches == 1) {
                const Watch *w = &m->watches[0];
                if (w->last_poll_ok)
                        fmt_iso_utc(w->last_poll_ok, last);
                long long next = w->next_poll_at > now ? (long long)(w->next_poll_at - now) : 0;
                if (w->failures) {
                        fmt_iso_utc(w->down_since, since);
                        return xasprintf("MAILBOX FAILING since %s (%u tries): %s; next try in %lld s; "
                                         "last good poll %s", since, w->failures,
                                         w->last_error ? w->last_error : "?", next, last);
                }
                if (w->standby)
                        return xasprintf("standby for the mailbox %s: another host works it (tried every %d s)%s; "
                                         "last poll here %s", w->key, FAILOVER_INTERVAL,
                                         m->service ? "; this host sends the outbox" : "", last);
                if (m->shared)
                        return xasprintf("last poll %s%s; %s", last, w->idling ? " (idle)" : "",
                                         m->service ? "this host sends the outbox" : "another host sends the outbox");
                return xasprintf("last poll %s%s", last, w->idling ? " (idle)" : "");
        }
        size_t idle = 0, failing = 0, never = 0, standby = 0;
        for (size_t i = 0; i < m->n_watches; i++) {
                idle += m->watches[i].idling;
                failing += m->watches[i].failures > 0;
                standby += m->watches[i].standby;
                never += m->watches[i].last_poll_ok == 0 && !m->watches[i].failures && !m->watches[i].standby;
        }
        Buf b = {0};
        if (m->shared)
                buf_printf(&b, "%zu mailboxes, %zu worked here, %zu standby (another host works them), %zu idle, "
                           "%zu failing", m->n_watches, m->n_watches - standby, standby, idle, failing);
        else
                buf_printf(&b, "%zu mailboxes, %zu idle, %zu failing", m->n_watches, idle, failing);
        if (never)
                buf_printf(&b, ", %zu not yet read", never);
        size_t said = 0;
        for (size_t i = 0; i < m->n_watches && said < 3; i++) {
                const Watch *w = &m->watches[i];
                if (!w->failures)
                        continue;
                fmt_iso_utc(w->down_since, since);
                buf_printf(&b, "%s%s FAILING since %s (%u tries): %s", said ? "; " : " (", w->key, since, w->failures,
                           w->last_error ? w->last_error : "?");
                said++;
        }
        if (said)
                buf_printf(&b, "%s)", failing > said ? "; ..." : "");
        if (m->shared)
                buf_printf(&b, "; %s", m->service ? "this host sends the outbox" : "another host sends the outbox");
        return buf_steal(&b);
}

/* The daemon's state file speaks of one mailbox (state.h): with several,
 * the worst of them: the most failures in a row and that watch's error,
 * the oldest good poll, the latest attempt, idle only when all are. */
static const Watch *state_of_watches(const Manager *m, DaemonState *d)
{
        const Watch *worst = NULL;
        size_t worked = 0;
        d->last_poll_ok = INT64_MAX;
        d->idle = 1;
        for (size_t i = 0; i < m->n_watches; i++) {
                const Watch *w = &m->watches[i];
                if (w->standby)
                        continue;   /* another host's to read */
                worked++;
                if (w->last_poll_ok < d->last_poll_ok)
                        d->last_poll_ok = w->last_poll_ok;
                if (w->last_poll_attempt > d->last_poll_attempt)
                        d->last_poll_attempt = w->last_poll_attempt;
                if (!w->idling)
                        d->idle = 0;
                if (w->failures && (!worst || w->failures > worst->failures))
                        worst = w;
        }
        if (d->last_poll_ok == INT64_MAX)
                d->last_poll_ok = 0;
        if (!worked)
                d->idle = 0;   /* standby for every mailbox: no session */
        d->imap_failures = worst ? worst->failures : 0;
        return worst;
}

/* The metrics file (metrics.h), when one is configured: the same text as
 * breachctl metrics.  A failure is said once, then again only after it
 * has worked. */
static void write_metrics(Manager *m, const RegisterCounts *c, const DaemonState *d, bool running)
{
        if (!m->cfg->metrics_file)
                return;
        MetricsInput in = {
                .org = m->cfg->organisation,
                .counts = c,
                .have_state = true,
                .running = running,
                .state_written = d->written,
                .started = d->started,
                .last_poll_ok = d->last_poll_ok,
                .last_poll_attempt = d->last_poll_attempt,
                .mailbox_failures = d->imap_failures,
                .register_failures = d->register_failures,
                .now = d->written,
        };
        _cleanup_free_ char *text = orgs_metrics_text(m->store, m->cfg, &in);
        int r = metrics_write_file(m->cfg->metrics_file, text);
        if (r < 0 && !m->metrics_failing)
                log_warning("cannot write the metrics file %s: %s; trying again after each pass",
                            m->cfg->metrics_file, errstr(r));
        m->metrics_failing = r < 0;
}

/* After each pass: STATUS=, the state file and the metrics file; when
 * stopping, the metrics file alone, saying breachd_up 0 (the state file's
 * pid says it already). */
static void update_status_as(Manager *m, bool running)
{
        int64_t now = now_utc();
        m->status_at = now;
        RegisterCounts c;
        bool counted = orgs_counts(m->store, m->cfg, now, &c) >= 0;
        if (counted && running) {
                _cleanup_free_ char *health = status_health(m, now);
                _cleanup_free_ char *next = c.next_deadline ? tz_format(m->tz, c.next_deadline, "%Y-%m-%d %H:%M %Z")
                                                            : xstrdup("none");
                sd_notifyf(false,
                           "STATUS=%s; outbox %lld queued, %lld failed; next deadline %s%s%s; "
                           "%lld overdue; %lld quarantined",
                           health, (long long)c.outbox_queued, (long long)c.outbox_failed,
                           next, c.next_deadline_ref ? " " : "", c.next_deadline_ref ? c.next_deadline_ref : "",
                           (long long)c.overdue, (long long)c.quarantined);
        }
        DaemonState d = {
                .pid = getpid(),
                .started = m->started,
                .written = now,
                .register_failures = m->register_failures,
        };
        const Watch *worst = state_of_watches(m, &d);
        _cleanup_free_ char *mailbox_error = NULL;
        if (worst && worst->last_error)
                mailbox_error = m->n_watches > 1 ? xasprintf("%s: %s", worst->key, worst->last_error)
                                                 : xstrdup(worst->last_error);
        d.last_error = m->register_error ? m->register_error : mailbox_error;
        _cleanup_free_ char *path = state_path(m->cfg->database);
        int r = running ? state_write(path, &d) : 0;
        if (r < 0)
                log_debug("cannot write %s: %s", path, errstr(r));
        write_metrics(m, counted ? &c : NULL, &d, running);
        store_counts_free(&c);
}

static void update_status(Manager *m)
{
        update_status_as(m, true);
}

/* ---- event loop --------------------------------------------------------- */

static uint64_t now_boottime(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_BOOTTIME, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void arm(sd_event_source *s, uint64_t delay_sec)
{
        sd_event_source_set_time(s, now_boottime() + delay_sec * USEC_PER_SEC);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void arm_outbox(Manager *m)
{
        int64_t next = INT64_MAX;
        if (store_outbox_next_due(m->store, &next) < 0 || next == INT64_MAX) {
                sd_event_source_set_enabled(m->outbox_timer, SD_EVENT_OFF);
                return;
        }
        int64_t d = next - now_utc();
        arm(m->outbox_timer, d > 0 ? (uint64_t)d : 0);
}

static int on_outbox(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        if (!service_take(m))
                return 0;   /* another host sends; taken over, service_take() arms this again */
        _cleanup_free_ char *why = NULL;
        int r = send_outbox(m, &why);
        if (r == -EROFS) {
                /* Never at once again: that was the storm of issue 12. */
                uint64_t retry = register_backoff(m);
                register_failed(m, "outbox", why ? why : "?", retry);
                arm(m->outbox_timer, retry);
        } else
                arm_outbox(m);
        update_status(m);
        return 0;
}

/* Wakes at the next reminder point, an indexed MIN() over the incidents
 * that have one; at least every REMINDER_RECHECK seconds, so that a change
 * breachctl made is seen.  A test build's clock can jump (a file sets it):
 * it looks every second. */
#define REMINDER_RECHECK 600
static void arm_reminders(Manager *m)
{
        int64_t next = INT64_MAX;
        if (store_reminder_next(m->store, &next) < 0)
                next = INT64_MAX;
        int64_t now = now_utc();
        int64_t weekly = weekly_next_slot_all(m->cfg, m->tz, now);
        if (weekly < next)
                next = weekly;
        int64_t d = next == INT64_MAX || next - now > REMINDER_RECHECK ? REMINDER_RECHECK : next - now;
#ifdef BREACHD_TESTING
        if (d > 1)
                d = 1;
#endif
        arm(m->reminder_timer, d > 0 ? (uint64_t)d : 0);
}

static int on_reminder(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        if (!service_take(m))
                return 0;   /* as on_outbox() */
        int r = run_reminders(m);
        if (r >= 0)
                r = run_weekly_digest(m);
        if (r < 0) {
                /* Not at once again: a broken template or a full disk would
                 * spin. */
                arm(m->reminder_timer, m->cfg->poll_interval);
                return 0;
        }
        arm_reminders(m);
        arm_outbox(m);
        return 0;
}

static void arm_usec(sd_event_source *s, uint64_t delay_usec)
{
        sd_event_source_set_time(s, now_boottime() + delay_usec);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* A watch's place in the queue of logins: index * STAGGER_MS. */
static uint64_t watch_stagger_usec(const Watch *w)
{
        return (uint64_t)w->index * STAGGER_MS * 1000;
}

static int on_idle_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Watch *w = userdata;
        Manager *m = w->m;
        bool new_mail = false;
        int r = imap_idle_wait(w->imap, 0, &new_mail);
        if (r < 0 && atomic_load(&m->stop_asked)) {
                drop_connection(w);
                return 0;   /* the signal handler ends the loop */
        }
        if (r < 0) {
                log_warning("%sIDLE connection lost: %s; reconnecting", watch_tag(w), imap_last_error(w->imap));
                drop_connection(w);
                /* When the server went away, every watch lost its session
                 * at once: they come back one after another. */
                arm_usec(w->poll_timer, USEC_PER_SEC + watch_stagger_usec(w));
                return 0;
        }
        if (new_mail) {
                log_debug("%sIDLE: new mail", watch_tag(w));
                arm(w->poll_timer, 0);
        }
        return 0;
}

/* Enters IDLE after a poll, when the server and configuration allow it.
 * Returns true when idling: new mail then wakes the loop at once. */
static bool enter_idle(Watch *w)
{
        if (!w->imap || !w->cfg->mailbox.idle || !imap_has_capability(w->imap, "IDLE"))
                return false;
        bool new_mail = false;
        int r = imap_idle_start(w->imap);
        if (r >= 0)
                r = imap_idle_wait(w->imap, 0, &new_mail);
        if (r >= 0)
                r = sd_event_add_io(w->m->event, &w->idle_io, imap_idle_fd(w->imap), EPOLLIN, on_idle_io, w);
        if (r < 0) {
                log_warning("%scannot use IDLE: %s; polling every %u s instead", watch_tag(w),
                            imap_last_error(w->imap), w->cfg->poll_interval);
                drop_connection(w);
                return false;
        }
        w->idling = true;
        if (new_mail)
                arm(w->poll_timer, 0);
        return true;
}

/* One mail to the admin after alert_after_failures failed polls in a row,
 * and one when the mailbox can be read again (alert.h): the watch's own,
 * in its organisation's words. */
static void alert_outage(Watch *w, bool down)
{
        Manager *m = w->m;
        MailboxOutage o = {.failures = w->failures, .since = w->down_since, .last_error = w->last_error,
                           .now = now_utc()};
        _cleanup_free_ char *why = NULL;
        int r = down ? alert_mailbox_down(m->store, w->cfg, w->tz, &o, &why)
                     : alert_mailbox_up(m->store, w->cfg, w->tz, &o, &why);
        if (r < 0) {
                log_error("%scannot queue the mail to %s about the mailbox: %s", watch_tag(w), w->cfg->admin,
                          why ? why : errstr(r));
                return;
        }
        w->alerted = down;
        if (r > 0)
                log_notice(down ? "%stold %s that the mailbox cannot be read"
                                : "%stold %s that the mailbox can be read again",
                           watch_tag(w), w->cfg->admin);
}

/* Raw messages past retention_days go once a day (retention.h), the first
 * time at the first poll. */
static void maybe_purge(Manager *m)
{
        int64_t now = now_utc();
        if (m->last_purge && now - m->last_purge < 86400)
                return;
        if (!service_take(m))
                return;
        m->last_purge = now;
        PurgeStats st;
        int r = retention_purge(m->store, m->cfg, now, &st);
        if (r < 0)
                log_error("purging old raw messages failed: %s; trying again in a day", errstr(r));
        else if (st.messages || st.mails)
                log_info("purged %u raw message(s) and the text of %u sent mail(s) older than %u days", st.messages,
                         st.mails, m->cfg->retention_days);
}

static uint64_t mailbox_failed(Watch *w)
{
        w->failures++;
        if (w->failures == 1)
                w->down_since = now_utc();
        if (w->failures == w->cfg->alert_after_failures)
                alert_outage(w, true);
        uint64_t backoff = 5;
        for (unsigned i = 1; i < w->failures && backoff < RECONNECT_MAX; i++)
                backoff *= 2;
        uint64_t next = backoff < RECONNECT_MAX ? backoff : RECONNECT_MAX;
        if (w->m->n_watches > 1)
                log_warning("retrying the mailbox %s in %llu s (%u consecutive failures)", w->key,
                            (unsigned long long)next, w->failures);
        else
                log_warning("retrying the mailbox in %llu s (%u consecutive failures)", (unsigned long long)next,
                            w->failures);
        return next;
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
        Watch *w = userdata;
        Manager *m = w->m;
        if (m->stopping || atomic_load(&m->stop_asked)) {
                if (m->shared && !store_lock_held(m->store, w->lock)) {
                        m->stopping = true;   /* not ours: nothing to finish here */
                        sd_event_exit(m->event, 0);
                        return 0;
                }
        } else {
                bool was = w->standby;
                unsigned before = store_failures();
                if (!watch_take(w)) {
                        uint64_t next = FAILOVER_INTERVAL;
                        bool failed = store_failures() != before;
                        if (failed) {
                                /* The register itself (PostgreSQL down or
                                 * failing over): counted, said and alerted
                                 * as any failure of the register, tried
                                 * again on its backoff, at most
                                 * FAILOVER_INTERVAL apart so that a new
                                 * primary is worked again within it. */
                                uint64_t b = register_backoff(m);
                                next = b < next ? b : next;
                                _cleanup_free_ char *why = store_last_failure();
                                register_failed(m, "taking the mailbox's lock", why, next);
                        }
                        arm(w->poll_timer, next);
                        w->next_poll_at = now_utc() + (int64_t)next;
                        if (!was || failed)
                                update_status(m);
                        return 0;
                }
        }
        int r = poll_mailbox(w);
        /* Its lock lost during the pass (the register's session ended):
         * nothing more here until it is taken again; no IDLE. */
        if (m->shared && w->working && !store_lock_held(m->store, w->lock))
                watch_demote(w);
        uint64_t next = w->cfg->poll_interval;
        if (atomic_load(&m->stop_asked) && !m->stopping) {
                log_info("received a stop request while a server was not answering, stopping");
                sd_notify(false, "STOPPING=1");
                m->stopping = true;
        }
        if (m->stopping) {
                sd_event_exit(m->event, 0);
                return 0;
        }
        if (r == -EROFS) {
                /* The register, not the mailbox: its own backoff, and the
                 * mailbox's count is left alone. */
                next = register_backoff(m);
                _cleanup_free_ char *why = store_last_failure();
                register_failed(m, "filing", why, next);
        } else if (r < 0)
                next = mailbox_failed(w);
        else {
                if (w->failures)
                        log_notice("%smailbox reachable again after %u failures", watch_tag(w), w->failures);
                if (w->alerted)
                        alert_outage(w, false);
                w->failures = 0;
                register_recovered(m);
        }
        if (r >= 0)
                maybe_purge(m);
        if (r >= 0 && enter_idle(w) && next < IDLE_REFRESH)
                next = IDLE_REFRESH;
        arm(w->poll_timer, next);
        w->next_poll_at = now_utc() + (int64_t)next;
        /* New incidents queue mail: send it now rather than at the next
         * tick; while the register fails, the outbox keeps its own backoff. */
        if (r != -EROFS && !m->register_failures)
                arm(m->outbox_timer, 0);
        /* New incidents and decisions by mail change the reminder plan. */
        arm_reminders(m);
        update_status(m);
        return 0;
}

/* Every FAILOVER_INTERVAL on a shared register: is the session (and so
 * every lock) still there?  A watch whose lock went with it leaves its
 * mailbox and tries to take it again at once (the new session may get it
 * back, unless another host was quicker); "service" likewise.  The holder
 * of "service" also looks at the outbox: the other hosts' filings queue
 * mail it sends. */
static int on_failover(sd_event_source *s, uint64_t usec, void *userdata)
{
        Manager *m = userdata;
        int r = store_lock_check(m->store);
        if (r < 0)
                log_debug("cannot ask the register whether this host's session lives on: %s", errstr(r));
        bool changed = false;
        for (size_t i = 0; i < m->n_watches; i++) {
                Watch *w = &m->watches[i];
                if (w->working && !store_lock_held(m->store, w->lock)) {
                        watch_demote(w);
                        arm_usec(w->poll_timer, watch_stagger_usec(w));
                        changed = true;
                }
        }
        bool had = m->service;
        if (service_take(m) && !m->register_failures)
                arm_outbox(m);
        if (had != m->service)
                changed = true;
        arm(m->failover_timer, FAILOVER_INTERVAL);
        /* A host standby for every mailbox polls nothing: its state file
         * (breachctl status, the metrics check's state age) is kept
         * fresh here, as a poll would. */
        if (changed || now_utc() - m->status_at >= (int64_t)m->cfg->poll_interval)
                update_status(m);
        return 0;
}

static int failover_start(Manager *m)
{
        if (!m->shared || m->failover_timer)
                return 0;
        int r = sd_event_add_time(m->event, &m->failover_timer, CLOCK_BOOTTIME, 0, USEC_PER_SEC / 10, on_failover,
                                  m);
        if (r < 0)
                return r;
        arm(m->failover_timer, FAILOVER_INTERVAL);
        return 0;
}

/* Each watch's poll timer, the first polls STAGGER_MS apart. */
static int watches_start(Manager *m)
{
        for (size_t i = 0; i < m->n_watches; i++) {
                Watch *w = &m->watches[i];
                int r = sd_event_add_time(m->event, &w->poll_timer, CLOCK_BOOTTIME, 0, USEC_PER_SEC / 100, on_poll,
                                          w);
                if (r < 0)
                        return r;
                arm_usec(w->poll_timer, watch_stagger_usec(w));
        }
        return 0;
}

/* Returns true when the new configuration was taken.  Everything
 * --check-config cannot know is checked before anything is swapped: the
 * register opens (at a new path: is created and writable there), the time
 * zone and the templates load.  The register stays the same Store while its
 * path is unchanged: a second connection buys nothing, and the file is
 * never reopened outside SQLite (store.c, ensure_file()). */
static bool reload(Manager *m)
{
        sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)now_boottime());
        Config *cfg = NULL;
        _cleanup_free_ char *errors = NULL;
        int r = config_load(m->cfg->path, &cfg, &errors);
        if (r < 0) {
                log_error("reload: %s has errors; keeping the running configuration:\n%s", m->cfg->path,
                          errors ? errors : errstr(r));
                sd_notify(false, "READY=1");
                return false;
        }
        bool same_register = strcmp(cfg->database, m->cfg->database) == 0;
        Store *store = NULL;
        Tz *tz = NULL;
        FormLabels *labels = NULL;
        if (same_register) {
                r = tz_open(cfg->timezone, &tz);
                _cleanup_free_ char *why = NULL;
                if (r < 0)
                        log_error("unknown time zone %s", cfg->timezone);
                else if ((r = templates_check(cfg, tz, &why)) < 0)
                        log_error("%s", why);
                else
                        labels = ingest_labels_for(cfg);
        } else
                r = open_state(cfg, &store, &tz, &labels);
        Watch *watches = NULL;
        size_t n_watches = 0;
        if (r >= 0)
                r = watches_new(m, cfg, tz, labels, &watches, &n_watches);
        if (r < 0) {
                log_error("reload: keeping the running configuration");
                if (store)
                        store_close(store);
                form_labels_free(labels);
                tz_free(tz);
                config_free(cfg);
                sd_notify(false, "READY=1");
                return false;
        }
        if (!same_register) {
                store_close(m->store);
                m->store = store;
                m->service = m->service_ever = false;
        } else {
                /* A mailbox no longer watched is let go, for another host. */
                for (size_t i = 0; i < m->n_watches; i++) {
                        bool kept = false;
                        for (size_t k = 0; k < n_watches && !kept; k++)
                                kept = strcmp(watches[k].lock, m->watches[i].lock) == 0;
                        if (!kept)
                                store_unlock(m->store, m->watches[i].lock);
                }
        }
        m->shared = strstr(cfg->database, "://") != NULL;
        /* Every session is dropped: each watch logs in again, in turn,
         * with what the new configuration says. */
        watches_free(m->watches, m->n_watches);
        tz_free(m->tz);
        form_labels_free(m->labels);
        config_free(m->cfg);
        m->cfg = cfg;
        m->tz = tz;
        m->labels = labels;
        m->watches = watches;
        m->n_watches = n_watches;
        raise_nofile(n_watches);
        r = watches_start(m);
        if (r >= 0)
                r = failover_start(m);
        if (r < 0)
                log_error("reload: cannot set up the mailboxes' timers: %s", errstr(r));
        log_info("configuration reloaded from %s", cfg->path);
        sd_notify(false, "READY=1");
        update_status(m);
        return true;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Manager *m = userdata;
        if (si->ssi_signo == SIGHUP) {
                bool took = reload(m);
                /* `breachd --reload PID` (ExecReload=) asked with sigqueue()
                 * and waits for the answer (manager.h). */
                if (si->ssi_code == SI_QUEUE && si->ssi_pid > 0) {
                        union sigval v = {.sival_int = si->ssi_int};
                        if (sigqueue((pid_t)si->ssi_pid, took ? MANAGER_RELOAD_TAKEN : MANAGER_RELOAD_REFUSED, v) < 0)
                                log_warning("reload: cannot answer process %u: %s", si->ssi_pid, strerror(errno));
                }
                return 0;
        }
        log_info("received %s, stopping", strsignal((int)si->ssi_signo));
        sd_notify(false, "STOPPING=1");
        m->stopping = true;
        sd_event_exit(m->event, 0);
        return 0;
}

/* ---- stopping while a server stalls -------------------------------------- */

/* IMAP and SMTP are spoken in the event loop's thread, and a stalled
 * server holds a read for up to NET_TIMEOUT_S: SIGTERM, blocked for
 * sd-event, would wait that long.  This thread only watches for SIGTERM or
 * SIGINT to be pending (a signalfd it polls and never reads, so sd-event
 * still receives the signal) and then cuts every session short
 * (conn_abort_all()): the loop's read fails at once, the batch in hand
 * is not committed (its messages stay in the inbox) and the loop exits. */
static void *stop_watch(void *userdata)
{
        Manager *m = userdata;
        struct pollfd p[2] = {{.fd = m->watch_sigfd, .events = POLLIN}, {.fd = m->watch_quit, .events = POLLIN}};
        int k;
        do
                k = poll(p, 2, -1);
        while (k < 0 && errno == EINTR);
        if (k > 0 && (p[0].revents & POLLIN) && !(p[1].revents & POLLIN)) {
                atomic_store(&m->stop_asked, true);
                conn_abort_all();
        }
        return NULL;
}

static int stop_watch_start(Manager *m)
{
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        m->watch_sigfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
        m->watch_quit = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m->watch_sigfd < 0 || m->watch_quit < 0)
                return -errno;
        int r = pthread_create(&m->watcher, NULL, stop_watch, m);
        if (r != 0)
                return -r;
        m->watching = true;
        return 0;
}

static void stop_watch_end(Manager *m)
{
        if (m->watching) {
                uint64_t one = 1;
                if (write(m->watch_quit, &one, sizeof one) < 0)
                        log_debug("cannot wake the stop watcher: %s", strerror(errno));
                pthread_join(m->watcher, NULL);
                m->watching = false;
        }
        if (m->watch_sigfd >= 0)
                close(m->watch_sigfd);
        if (m->watch_quit >= 0)
                close(m->watch_quit);
        m->watch_sigfd = m->watch_quit = -1;
}

static int setup_loop(Manager *m)
{
        int r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if ((r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, &m->sighup, SIGHUP, on_signal, m)) < 0)
                return r;
        r = watches_start(m);
        if (r < 0)
                return r;
        r = sd_event_add_time(m->event, &m->outbox_timer, CLOCK_BOOTTIME, 0, USEC_PER_SEC / 10, on_outbox, m);
        if (r < 0)
                return r;
        r = sd_event_add_time(m->event, &m->reminder_timer, CLOCK_BOOTTIME, 0, USEC_PER_SEC / 10, on_reminder, m);
        if (r < 0)
                return r;
        sd_event_source_set_enabled(m->outbox_timer, SD_EVENT_ONESHOT);
        r = failover_start(m);
        if (r < 0)
                return r;
        /* Pings WATCHDOG=1 at half of WatchdogSec= when the unit sets it. */
        return sd_event_set_watchdog(m->event, true);
}

int manager_run(Manager *m)
{
        int r = setup_loop(m);
        if (r < 0) {
                log_error("cannot set up the event loop: %s", errstr(r));
                return r;
        }
        r = stop_watch_start(m);
        if (r < 0)
                log_warning("cannot watch for a stop while a server stalls: %s; a stop may wait for the "
                            "network timeout", errstr(r));
        sd_notify(false, "READY=1");
        update_status(m);
        if (m->n_watches == 1) {
                const MailboxConfig *mc = &m->watches[0].cfg->mailbox;
                log_info("started: watching %s on %s as %s, every %u s", mc->folder, mc->host, mc->user,
                         m->cfg->poll_interval);
        } else
                log_info("started: watching %zu mailboxes (%s%s), every %u s", m->n_watches,
                         m->cfg->mailbox.host ? "the shared one and " : "",
                         m->cfg->mailbox.host ? "the organisations' own" : "each organisation's own",
                         m->cfg->poll_interval);
        r = sd_event_loop(m->event);
        sd_notify(false, "STOPPING=1");
        update_status_as(m, false);
        stop_watch_end(m);
        log_info("stopped");
        return r < 0 ? r : 0;
}

int manager_run_once(Manager *m)
{
        int r = 0;
        for (size_t i = 0; i < m->n_watches && !m->stopping; i++) {
                Watch *w = &m->watches[i];
                if (!watch_take(w))
                        continue;   /* another host works it */
                int k = poll_mailbox(w);
                if (k == -EROFS) {
                        _cleanup_free_ char *why = store_last_failure();
                        log_error("filing: the register %s cannot be written: %s; the messages stay in %s",
                                  m->cfg->database, why, w->key);
                }
                /* Each connection is closed once read: --once holds one
                 * at a time. */
                drop_connection(w);
                if (k < 0 && r >= 0)
                        r = k;
        }
        if (!service_take(m))
                return r;   /* another host sends */
        int q = run_reminders(m);
        if (q >= 0)
                q = run_weekly_digest(m);
        int s = send_outbox(m, NULL);
        return r < 0 ? r : q < 0 ? q : s;
}

int manager_request_reload(pid_t pid, unsigned timeout_s)
{
        sigset_t ss, old;
        sigemptyset(&ss);
        sigaddset(&ss, MANAGER_RELOAD_TAKEN);
        sigaddset(&ss, MANAGER_RELOAD_REFUSED);
        if (sigprocmask(SIG_BLOCK, &ss, &old) < 0)
                return -errno;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int nonce = (int)((ts.tv_nsec ^ (getpid() << 8)) & 0x7fffffff);
        union sigval v = {.sival_int = nonce};
        int r = 0;
        if (sigqueue(pid, SIGHUP, v) < 0) {
                r = -errno;
                goto out;
        }
        uint64_t start = now_boottime();
        for (;;) {
                uint64_t spent = now_boottime() - start;
                if (spent >= (uint64_t)timeout_s * USEC_PER_SEC) {
                        r = -ETIMEDOUT;
                        break;
                }
                /* Wakes at least every second to see whether it is still
                 * there: a daemon that died never answers. */
                struct timespec wait = {.tv_sec = 1};
                siginfo_t si;
                int sig = sigtimedwait(&ss, &si, &wait);
                if (sig < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                                r = -errno;
                                break;
                        }
                        if (kill(pid, 0) < 0 && errno == ESRCH) {
                                r = -ESRCH;
                                break;
                        }
                        continue;
                }
                if (si.si_pid != pid || si.si_value.sival_int != nonce)
                        continue;   /* not the answer to this request */
                r = sig == MANAGER_RELOAD_TAKEN ? 0 : -ECANCELED;
                break;
        }
out:
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
