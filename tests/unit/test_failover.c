/* test_failover.c — what two breachd hosts on one register rest on, below
 * the daemon (docs/DESIGN.md "Failover"):
 *   - the register's named locks (store_lock.c): on PostgreSQL a second
 *     Store cannot take a held lock; closing the holder, terminating its
 *     backend or kill -9 of a process holding one frees it at once for the
 *     other; the holder whose connection was lost knows it no longer holds
 *     it; breachctl status can list who holds what.  On SQLite a lock is
 *     always taken;
 *   - the outbox claimed by one sender: of two Stores claiming the same
 *     rows, each row is claimed once;
 *   - the same message key filed by two Stores at once: one incident, the
 *     other's transaction refused, the UID filed;
 *   - the reminders, the weekly digest and the quarantine digest run by two
 *     hosts at once: the second waits and finds nothing to do (no second
 *     mail, no error).
 * On SQLite unless BREACHD_TEST_DATABASE names a PostgreSQL
 * (tests/e2e/test_pg_units.sh); the interleavings are PostgreSQL's (SQLite
 * lets one writer in at a time). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "case/reminders.h"
#include "case/weekly.h"
#include "fixture.h"
#include "notices/alert.h"
#include "register/store-internal.h"
#include "tap.h"

#define H 3600

static int64_t count(Store *s, const char *sql)
{
        int64_t n = -1;
        return store_query_int64(s, sql, &n) > 0 ? n : -1;
}

static void sleep_a_little(void)
{
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
}

static int64_t backend_pid(Store *s)
{
        int64_t pid = 0;
        store_query_int64(s, "SELECT pg_backend_pid()", &pid);
        return pid;
}

/* A connection of its own that asks who waits: pg_stat_activity is read
 * once per transaction, so never from one in a transaction. */
static Store *watcher;

/* Whether the backend pid waits for a lock, for up to 60 s. */
static bool wait_for_waiting(Store *unused, int64_t pid)
{
        Store *s = watcher;
        (void)unused;
        static const char sql[] = "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'";
        for (int i = 0; i < 3000; i++) {
                int64_t n = 0;
                if (store_query_once(s, sql, STORE_VALUES(SV_INT(pid)), store_row_int64, &n) > 0 && n > 0)
                        return true;
                sleep_a_little();
        }
        return false;
}

static Store *open_store(Fixture *f)
{
        Store *s = NULL;
        return store_open(f->cfg->database, &s) < 0 ? NULL : s;
}

/* ---- locks ---- */

typedef struct {
        int n;
        char names[8][64], holders[8][64];
        int64_t pids[8];
} Holders;

static int holder(const StoreLockHolder *h, void *userdata)
{
        Holders *hs = userdata;
        if (hs->n < 8) {
                snprintf(hs->names[hs->n], 64, "%s", h->name ? h->name : "?");
                snprintf(hs->holders[hs->n], 64, "%s", h->holder);
                hs->pids[hs->n] = h->pid;
                hs->n++;
        }
        return 0;
}

/* store_lock() again and again for up to 60 s: the server ends a backend
 * whose client went away as soon as it reads the end of its socket. */
static int lock_within(Store *s, const char *name, double *ret_seconds)
{
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = 0;
        for (int i = 0; i < 3000 && (r = store_lock(s, name)) == 0; i++)
                sleep_a_little();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        *ret_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        return r;
}

static void locks_pg(Fixture *f, Store **ap, Store *b, Store *c)
{
        Store *a = *ap;
        TAP_INT_EQ(store_lock(a, "mailbox:ashgrove"), 1, "A takes mailbox:ashgrove");
        TAP_INT_EQ(store_lock(a, "mailbox:ashgrove"), 1, "... and again: held already");
        TAP_INT_EQ(store_lock(b, "mailbox:ashgrove"), 0, "B cannot take it");
        tap_ok(!store_lock_held(b, "mailbox:ashgrove"), "... and does not think it holds it");
        TAP_INT_EQ(store_lock(b, "mailbox:birch"), 1, "B takes mailbox:birch");
        TAP_INT_EQ(store_lock(b, "service"), 1, "and service");
        TAP_INT_EQ(store_lock_check(a), 1, "A holds one lock, asked of the server");
        TAP_INT_EQ(store_lock_check(b), 2, "B two");

        /* Who holds what, as breachctl status would ask. */
        StrList names = {0};
        strlist_add(&names, "mailbox:ashgrove");
        strlist_add(&names, "mailbox:birch");
        strlist_add(&names, "service");
        Holders hs = {0};
        TAP_INT_EQ(store_lock_holders(c, &names, holder, &hs), 3, "three locks are listed");
        int64_t pa = backend_pid(a), pb = backend_pid(b);
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        _cleanup_free_ char *app = xasprintf("breachd@%s/%ld", host, (long)getpid());
        app[strnlen(app, 63)] = 0;
        bool named = hs.n == 3;
        for (int i = 0; i < hs.n; i++) {
                int64_t want = !strcmp(hs.names[i], "mailbox:ashgrove") ? pa : pb;
                named &= hs.pids[i] == want && !strcmp(hs.holders[i], app);
                printf("# %s held by %s (backend %lld)\n", hs.names[i], hs.holders[i], (long long)hs.pids[i]);
        }
        tap_ok(named, "each by name, with its holder's backend and application_name %s", app);
        int64_t key = 0;
        TAP_INT_EQ(store_lock_key(c, "service", &key), 0, "the key of service");
        _cleanup_free_ char *in_pg_locks = xasprintf(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1651663720 "
                "AND objid = %lld AND objsubid = 2 AND pid = %lld AND granted",
                (long long)key, (long long)pb);
        TAP_INT_EQ(count(c, in_pg_locks), 1, "pg_locks shows it as documented (classid 1651663720, objid hashtext)");

        /* Closed: free at once. */
        store_close(a);
        *ap = NULL;
        TAP_INT_EQ(store_lock(c, "mailbox:ashgrove"), 1, "A closed: C takes mailbox:ashgrove at once");
        TAP_INT_EQ(store_unlock(c, "mailbox:ashgrove"), 0, "and lets it go");
        tap_ok(!store_lock_held(c, "mailbox:ashgrove"), "... so does not hold it");
        TAP_INT_EQ(store_lock(b, "mailbox:ashgrove"), 1, "which B can take then");

        /* B's backend terminated: its locks go with it, and B knows. */
        int64_t done = 0;
        store_query_once(c, "SELECT pg_terminate_backend(?::int, 60000)", STORE_VALUES(SV_INT(pb)),
                         store_row_int64, &done);
        TAP_INT_EQ(done, 1, "B's backend is terminated (and gone)");
        TAP_INT_EQ(store_lock(c, "service"), 1, "C takes service at once");
        TAP_INT_EQ(store_lock(c, "mailbox:birch"), 1, "and mailbox:birch");
        tap_ok(store_lock_held(b, "service"), "B, not having asked since, still thinks it holds service");
        TAP_INT_EQ(store_lock_check(b), 0, "B asks the server: it holds nothing");
        tap_ok(!store_lock_held(b, "service") && !store_lock_held(b, "mailbox:birch") &&
                       !store_lock_held(b, "mailbox:ashgrove"),
               "... and knows it lost every lock");
        TAP_INT_EQ(store_lock(b, "service"), 0, "B cannot take service back: C has it");
        TAP_INT_EQ(store_lock(b, "mailbox:ashgrove"), 1, "B takes again what nobody took (reconnected)");
        TAP_INT_EQ(store_lock_check(b), 1, "and holds it in its new session");

        /* A host cut off: the server's keepalives end its session. */
        _cleanup_free_ char *idle = NULL, *count = NULL, *utimeout = NULL;
        store_query(b, "SELECT current_setting('tcp_keepalives_idle')", NULL, 0, store_row_text, &idle);
        store_query(b, "SELECT current_setting('tcp_keepalives_count')", NULL, 0, store_row_text, &count);
        store_query(b, "SELECT current_setting('tcp_user_timeout')", NULL, 0, store_row_text, &utimeout);
        tap_ok(idle && !strcmp(idle, "10") && count && !strcmp(count, "3") && utimeout && !strcmp(utimeout, "30000"),
               "B's new session has short server keepalives (idle %s, count %s, user timeout %s)", idle, count,
               utimeout);

        /* A process holding a lock killed with -9. */
        int pipefd[2];
        tap_ok(pipe(pipefd) == 0, "a pipe to the holder");
        pid_t child = fork();
        if (child == 0) {
                close(pipefd[0]);
                Store *s = open_store(f);
                char ok = s && store_lock(s, "mailbox:cedar") == 1 ? 'y' : 'n';
                if (write(pipefd[1], &ok, 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(pipefd[1]);
        char got = 0;
        tap_ok(read(pipefd[0], &got, 1) == 1 && got == 'y', "a separate process takes mailbox:cedar");
        close(pipefd[0]);
        TAP_INT_EQ(store_lock(c, "mailbox:cedar"), 0, "C cannot take it");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        double took = 0;
        TAP_INT_EQ(lock_within(c, "mailbox:cedar", &took), 1, "kill -9 of the holder: C takes it");
        tap_ok(took < 5, "within %.3f s of the kill (the server reads the socket's end)", took);
        strlist_free(&names);
}

static void test_locks_pg(Fixture *f)
{
        Store *a = open_store(f), *b = open_store(f), *c = open_store(f);
        tap_ok(a && b && c, "three connections");
        if (a && b && c)
                locks_pg(f, &a, b, c);
        store_close(a);
        store_close(b);
        store_close(c);
}

static void test_locks_sqlite(Fixture *f)
{
        Store *b = open_store(f);
        TAP_INT_EQ(store_lock(f->store, "service"), 1, "SQLite: a lock is taken");
        TAP_INT_EQ(store_lock(b, "service"), 1, "... by every Store of the one file on the one host");
        tap_ok(store_lock_held(f->store, "service"), "and held");
        TAP_INT_EQ(store_lock_check(f->store), 1, "store_lock_check() counts it");
        TAP_INT_EQ(store_unlock(f->store, "service"), 0, "let go");
        tap_ok(!store_lock_held(f->store, "service"), "... and not held then");
        Holders hs = {0};
        TAP_INT_EQ(store_lock_holders(b, NULL, holder, &hs), 0, "no holders to list");
        store_close(b);
}

/* ---- the outbox: one sender per row ---- */

#define MAILS 120

static void queue_mails(Store *s, int n)
{
        StrList rcpts = {0};
        strlist_add(&rcpts, "r@example.test");
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *mid = xasprintf("<m%d@x>", i);
                store_queue_mail(s, 0, "ack", "b@x", &rcpts, mid, "Re: x", "data", 4, NULL);
        }
        strlist_free(&rcpts);
}

typedef struct {
        Store *s;
        int claimed[MAILS * 2 + 1];
        int n, err;
} Sender;

/* A sender's passes: every due row claimed, and the claimed ones marked
 * sent, until none is due. */
static void *sender(void *arg)
{
        Sender *sd = arg;
        for (;;) {
                OutboxRow *rows = NULL;
                size_t n = 0;
                if ((sd->err = store_outbox_due(sd->s, now_utc() + 60, 25, &rows, &n)) < 0 || !n) {
                        free(rows);
                        return NULL;
                }
                for (size_t i = 0; i < n; i++) {
                        int r = store_outbox_claim(sd->s, &rows[i], now_utc() + 3600);
                        if (r == 0) {
                                if (sd->n < (int)ARRAY_SIZE(sd->claimed))
                                        sd->claimed[sd->n++] = (int)rows[i].id;
                                store_outbox_sent_quick(sd->s, rows[i].id, now_utc());
                        } else if (r != -EALREADY)
                                sd->err = r;
                        outbox_row_free(&rows[i]);
                }
                free(rows);
                if (sd->err < 0)
                        return NULL;
        }
}

typedef struct {
        Store *s;
        OutboxRow *row;
        int r;
} Claim;

static void *claim_fn(void *arg)
{
        Claim *c = arg;
        c->r = store_outbox_claim(c->s, c->row, now_utc() + 30);
        return NULL;
}

typedef struct {
        Store *s;
        int64_t id;
        int r;
} Failing;

static void *fail_fn(void *arg)
{
        Failing *fl = arg;
        fl->r = store_outbox_failed(fl->s, fl->id, "given up too");
        return NULL;
}

static void test_outbox(Fixture *f, bool pg)
{
        Store *a = f->store, *b = open_store(f);
        tap_ok(b != NULL, "a second sender's connection");
        if (!b)
                return;
        queue_mails(a, 3);
        OutboxRow *ra = NULL, *rb = NULL;
        size_t na = 0, nb = 0;
        store_outbox_due(a, now_utc() + 60, 10, &ra, &na);
        store_outbox_due(b, now_utc() + 60, 10, &rb, &nb);
        tap_ok(na == 3 && nb == 3, "two senders read the same three due rows");
        int ok_a = 0, ok_b = 0, already = 0;
        for (size_t i = 0; i < na && i < nb; i++) {
                ok_a += store_outbox_claim(a, &ra[i], now_utc() + 30) == 0;
                int r = store_outbox_claim(b, &rb[i], now_utc() + 30);
                ok_b += r == 0;
                already += r == -EALREADY;
        }
        TAP_INT_EQ(ok_a, 3, "the first claims each");
        TAP_INT_EQ(ok_b, 0, "the second none");
        TAP_INT_EQ(already, 3, "... told -EALREADY: another has it");
        for (size_t i = 0; i < na; i++)
                outbox_row_free(&ra[i]);
        for (size_t i = 0; i < nb; i++)
                outbox_row_free(&rb[i]);
        free(ra);
        free(rb);
        store_exec(a, "UPDATE outbox SET state = 'sent'");

        if (pg) {
                /* The first's claim not committed yet: the second's waits
                 * for it, reads the row again, and finds it taken. */
                queue_mails(a, 1);
                store_outbox_due(a, now_utc() + 60, 10, &ra, &na);
                store_outbox_due(b, now_utc() + 60, 10, &rb, &nb);
                tap_ok(na == 1 && nb == 1, "one more row, read by both");
                int64_t pid_b = backend_pid(b);
                store_begin(a);
                TAP_INT_EQ(store_outbox_claim(a, &ra[0], now_utc() + 30), 0, "A claims it in a transaction");
                Claim cl = {b, &rb[0], 1};
                pthread_t t;
                pthread_create(&t, NULL, claim_fn, &cl);
                tap_ok(wait_for_waiting(a, pid_b), "B's claim waits for A's");
                TAP_INT_EQ(store_commit(a), 0, "A commits");
                pthread_join(t, NULL);
                TAP_INT_EQ(cl.r, -EALREADY, "B's claim finds it taken");
                outbox_row_free(&ra[0]);
                outbox_row_free(&rb[0]);
                free(ra);
                free(rb);
                store_exec(a, "UPDATE outbox SET state = 'sent'");
        }

        /* Two hosts give up the same row (handed over too often): the
         * second finds it recorded, and tells nobody again. */
        queue_mails(a, 1);
        int64_t last = count(a, "SELECT MAX(id) FROM outbox");
        store_begin(a);
        TAP_INT_EQ(store_outbox_failed(a, last, "given up"), 0, "A records a row as failed, not committed yet");
        Failing fl = {b, last, 1};
        int64_t pid_fb = pg ? backend_pid(b) : 0;
        pthread_t tf;
        pthread_create(&tf, NULL, fail_fn, &fl);
        if (pg)
                tap_ok(wait_for_waiting(a, pid_fb), "B, recording it too, waits for A");
        TAP_INT_EQ(store_commit(a), 0, "A commits");
        pthread_join(tf, NULL);
        TAP_INT_EQ(fl.r, -EALREADY, "B is told it was recorded already (-EALREADY)");

        /* Two senders at once over many rows. */
        queue_mails(a, MAILS);
        Sender s1 = {.s = a}, s2 = {.s = b};
        pthread_t t1, t2;
        pthread_create(&t1, NULL, sender, &s1);
        pthread_create(&t2, NULL, sender, &s2);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        TAP_INT_EQ(s1.err | s2.err, 0, "two senders at once over %d rows, no error (%d, %d)", MAILS, s1.err, s2.err);
        int twice = 0;
        for (int i = 0; i < s1.n; i++)
                for (int k = 0; k < s2.n; k++)
                        twice += s1.claimed[i] == s2.claimed[k];
        TAP_INT_EQ(twice, 0, "no row claimed by both");
        TAP_INT_EQ(s1.n + s2.n, MAILS, "every row claimed once (%d + %d)", s1.n, s2.n);
        TAP_INT_EQ(count(a, "SELECT COUNT(*) FROM outbox WHERE unconfirmed > 1"), 0, "none claimed twice in the register");
        store_close(b);
}

/* ---- the same message filed by two at once ---- */

typedef struct {
        Store *s;
        int r_begin, r_incident, r_message, r_commit;
        int64_t id;
} Filer;

static void file_report(Filer *fl, const char *ref)
{
        static const char raw[] = "Subject: x\r\n\r\nbody";
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup(ref);
        inc.received_at = inc.filed_at = inc.aware_at = 1767225600;
        inc.deadline_at = inc.aware_at + 72 * H;
        StoredMessage m = {.mailbox = "INBOX", .uidvalidity = 9, .uid = 42, .key = "<same@x>", .message_id = "same@x",
                           .from_addr = "r@example.test", .subject = "x", .received_at = 1767225600,
                           .disposition = DISP_REPORT, .raw = raw, .raw_len = sizeof raw - 1};
        fl->r_incident = store_insert_incident(fl->s, &inc);
        fl->id = inc.id;
        m.incident_id = inc.id;
        fl->r_message = fl->r_incident < 0 ? fl->r_incident : store_add_message(fl->s, &m);
        incident_free(&inc);
}

static void *second_filer(void *arg)
{
        Filer *fl = arg;
        fl->r_begin = store_begin(fl->s);
        if (fl->r_begin >= 0)
                file_report(fl, "DB2026902");
        fl->r_commit = fl->r_message >= 0 ? store_commit(fl->s) : -1;
        if (fl->r_message < 0 || fl->r_commit < 0)
                store_rollback(fl->s);
        return NULL;
}

static void test_same_message(Fixture *f, bool pg)
{
        Store *a = f->store, *b = open_store(f);
        tap_ok(b != NULL, "a second host's connection");
        if (!b)
                return;
        int64_t pid_b = pg ? backend_pid(b) : 0;
        Filer fa = {.s = a}, fb = {.s = b};
        TAP_INT_EQ(store_begin(a), 0, "A begins filing INBOX/9/42");
        file_report(&fa, "DB2026901");
        tap_ok(fa.r_incident == 0 && fa.r_message == 0, "A's incident and message written, not committed");
        pthread_t t;
        pthread_create(&t, NULL, second_filer, &fb);
        /* PostgreSQL: B's message waits on A's key; SQLite: B's BEGIN
         * IMMEDIATE waits on A's transaction (busy timeout). */
        if (pg)
                tap_ok(wait_for_waiting(b, pid_b), "B, filing the same UID, waits for A");
        TAP_INT_EQ(store_commit(a), 0, "A commits");
        pthread_join(t, NULL);
        TAP_INT_EQ(fb.r_message, -EEXIST, "B's message is refused: filed already (-EEXIST)");
        tap_ok(fb.r_commit < 0 && !store_in_transaction(b), "B's transaction is rolled back");
        TAP_INT_EQ(count(a, "SELECT COUNT(*) FROM incidents WHERE ref IN ('DB2026901', 'DB2026902')"), 1,
                   "one incident");
        TAP_INT_EQ(count(a, "SELECT COUNT(*) FROM messages WHERE uid = 42"), 1, "one message row");
        TAP_INT_EQ(store_uid_disposition(b, "INBOX", 9, 42), DISP_REPORT, "and B reads the UID as filed");
        TAP_INT_EQ(store_begin(b), 0, "B's next transaction begins cleanly");
        store_rollback(b);
        store_close(b);
}

/* ---- a pass run by two hosts at once ---- */

typedef int (*PassFn)(Store *s, const Config *cfg, const Tz *tz, int64_t now);

typedef struct {
        PassFn fn;
        Store *s;
        const Config *cfg;
        const Tz *tz;
        int64_t now;
        int r;
} Pass;

static void *run_pass(void *arg)
{
        Pass *p = arg;
        p->r = p->fn(p->s, p->cfg, p->tz, p->now);
        return NULL;
}

/* A and B run fn at once: C holds table in SHARE mode, so that A stops in
 * the middle of its pass, where it writes the table; B starts then, and
 * C lets go.  Without anything to serialise the two passes, B reads what
 * A read and does it again. */
static void interleave(Fixture *f, PassFn fn, const Config *cfg, int64_t now, const char *table, int *ret_a,
                       int *ret_b)
{
        Store *a = f->store, *b = open_store(f), *c = open_store(f);
        int64_t pid_a = backend_pid(a), pid_b = backend_pid(b);
        store_begin(c);
        _cleanup_free_ char *lock = xasprintf("LOCK TABLE %s IN SHARE MODE", table);
        TAP_INT_EQ(store_exec(c, lock), 0, "C holds %s still", table);
        Pass pa = {fn, a, cfg, f->tz, now, 0}, pb = {fn, b, cfg, f->tz, now, 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, run_pass, &pa);
        tap_ok(wait_for_waiting(c, pid_a), "A's pass waits in the middle, to write %s", table);
        pthread_create(&tb, NULL, run_pass, &pb);
        tap_ok(wait_for_waiting(c, pid_b), "B's pass, started then, waits too");
        store_rollback(c);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        *ret_a = pa.r;
        *ret_b = pb.r;
        store_close(b);
        store_close(c);
}

static int reminders_pass(Store *s, const Config *cfg, const Tz *tz, int64_t now)
{
        ReminderStats st = {0};
        _cleanup_free_ char *why = NULL;
        int r = reminders_run(s, cfg, tz, now, &st, &why);
        if (r < 0)
                printf("# reminders: %s\n", why ? why : strerror(-r));
        return r < 0 ? r : (int)st.queued;
}

static void test_reminders(Fixture *f, bool pg)
{
        const int64_t A = 1800000000;
        for (int i = 0; i < 5; i++) {
                Incident inc;
                incident_init(&inc);
                inc.ref = xasprintf("DB2027%03d", i + 1);
                inc.token = xasprintf("tok%d", i);
                inc.received_at = inc.filed_at = A + H;
                inc.aware_at = A;
                inc.deadline_at = A + 72 * H;
                inc.from_addr = xstrdup("reporter@example.test");
                inc.subject = xstrdup("Laptop lost");
                store_insert_incident(f->store, &inc);
                incident_free(&inc);
        }
        TAP_INT_EQ(reminders_pass(f->store, f->cfg, f->tz, A + 2 * H), 0, "five incidents, their reminders planned");
        int qa = 0, qb = 0;
        if (pg)
                interleave(f, reminders_pass, f->cfg, A + 24 * H, "reminders", &qa, &qb);
        else {
                Store *b = open_store(f);
                qa = reminders_pass(f->store, f->cfg, f->tz, A + 24 * H);
                qb = reminders_pass(b, f->cfg, f->tz, A + 24 * H);
                store_close(b);
        }
        TAP_INT_EQ(qa, 5, "two hosts run the 24-hour reminders: the first queues five");
        TAP_INT_EQ(qb, 0, "the second, no error, nothing");
        TAP_INT_EQ(count(f->store, "SELECT COUNT(*) FROM outbox WHERE kind = 'reminder'"), 5, "five reminders in the outbox");
}

static int weekly_pass(Store *s, const Config *cfg, const Tz *tz, int64_t now)
{
        _cleanup_free_ char *why = NULL;
        int r = weekly_digest_run(s, cfg, tz, now, &why);
        if (r < 0)
                printf("# weekly digest: %s\n", why ? why : strerror(-r));
        return r;
}

static void test_weekly(Fixture *f, bool pg)
{
        const Config *cfg = fixture_config(f, "weekly_digest = \"mon 08:00\";");
        tap_ok(cfg != NULL, "weekly_digest on");
        if (!cfg)
                return;
        const int64_t OCT19 = 1792393200;   /* Monday 08:00 BST */
        int ra = 0, rb = 0;
        if (pg)
                interleave(f, weekly_pass, cfg, OCT19, "audit", &ra, &rb);
        else {
                Store *b = open_store(f);
                ra = weekly_pass(f->store, cfg, f->tz, OCT19);
                rb = weekly_pass(b, cfg, f->tz, OCT19);
                store_close(b);
        }
        TAP_INT_EQ(ra, 1, "two hosts at the weekly slot: the first queues the digest");
        TAP_INT_EQ(rb, 0, "the second, no error, nothing");
        TAP_INT_EQ(count(f->store, "SELECT COUNT(*) FROM outbox WHERE kind = 'weekly_digest'"), 1, "one digest");
}

static int quarantine_pass(Store *s, const Config *cfg, const Tz *tz, int64_t now)
{
        _cleanup_free_ char *why = NULL;
        int r = store_begin(s);
        if (r >= 0)
                r = alert_quarantine_digest(s, cfg, tz, now, &why);
        int c = r >= 0 ? store_commit(s) : (store_rollback(s), 0);
        if (r < 0 || c < 0)
                printf("# quarantine digest: %s\n", why ? why : strerror(-(r < 0 ? r : c)));
        return c < 0 ? c : r;
}

static void test_quarantine(Fixture *f, bool pg)
{
        for (uint32_t uid = 1; uid <= 3; uid++) {
                StoredMessage m = {.mailbox = "INBOX", .uidvalidity = 11, .uid = uid, .key = "",
                                   .from_addr = "x@example.org", .subject = "?", .received_at = now_utc(),
                                   .disposition = DISP_QUARANTINE, .reason = "no form"};
                _cleanup_free_ char *key = xasprintf("<q%u@x>", uid);
                m.key = key;
                store_add_message(f->store, &m);
        }
        int ra = 0, rb = 0;
        if (pg)
                interleave(f, quarantine_pass, f->cfg, now_utc(), "outbox", &ra, &rb);
        else {
                Store *b = open_store(f);
                ra = quarantine_pass(f->store, f->cfg, f->tz, now_utc());
                rb = quarantine_pass(b, f->cfg, f->tz, now_utc());
                store_close(b);
        }
        TAP_INT_EQ(ra, 1, "two hosts tell the admin of three quarantined messages: the first queues the digest");
        TAP_INT_EQ(rb, 0, "the second, no error, nothing");
        TAP_INT_EQ(count(f->store, "SELECT COUNT(*) FROM outbox WHERE kind = 'quarantine_digest'"), 1, "one digest");
}

/* ---- two daemons opening a new register at once ---- */

typedef struct {
        const char *uri;
        pthread_barrier_t *start;
        int r;
} Opener;

static void *opener(void *arg)
{
        Opener *o = arg;
        Store *s = NULL;
        pthread_barrier_wait(o->start);
        o->r = store_open(o->uri, &s);
        store_close(s);
        return NULL;
}

static void test_open_together(Fixture *f)
{
        const char *uri = f->cfg->database;
        const char *sp = strstr(uri, "search_path%3D");
        tap_ok(sp != NULL, "the fixture's URI names its schema");
        if (!sp)
                return;
        int failed = 0;
        for (int round = 0; round < 8; round++) {
                _cleanup_free_ char *schema = xasprintf("%s_new%d", sp + strlen("search_path%3D"), round);
                _cleanup_free_ char *create = xasprintf("CREATE SCHEMA %s", schema);
                _cleanup_free_ char *drop = xasprintf("DROP SCHEMA %s CASCADE", schema);
                _cleanup_free_ char *fresh = xasprintf("%.*s%s", (int)(sp + strlen("search_path%3D") - uri), uri, schema);
                if (store_exec(f->store, create) < 0) {
                        failed++;
                        continue;
                }
                pthread_barrier_t start;
                pthread_barrier_init(&start, NULL, 2);
                Opener o[2] = {{fresh, &start, 0}, {fresh, &start, 0}};
                pthread_t t[2];
                for (int i = 0; i < 2; i++)
                        pthread_create(&t[i], NULL, opener, &o[i]);
                for (int i = 0; i < 2; i++)
                        pthread_join(t[i], NULL);
                pthread_barrier_destroy(&start);
                if (o[0].r < 0 || o[1].r < 0) {
                        printf("# round %d: %d, %d\n", round, o[0].r, o[1].r);
                        failed++;
                }
                store_exec(f->store, drop);
        }
        TAP_INT_EQ(failed, 0, "two processes open a new register at once, 8 times: both open it each time");
}

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (!f)
                return tap_done();
        bool pg = store_is_pg(f->store);
        printf("# register: %s\n", pg ? "PostgreSQL" : "SQLite");
        if (pg) {
                watcher = open_store(f);
                test_open_together(f);
                test_locks_pg(f);
        } else
                test_locks_sqlite(f);
        test_outbox(f, pg);
        test_same_message(f, pg);
        /* A register of their own: the incident above has reminders too. */
        Fixture *g = fixture_new(NULL);
        tap_ok(g != NULL, "a fresh register for the reminders");
        if (g)
                test_reminders(g, pg);
        tap_ok(fixture_free(g) == 0, "its temporary directory removed");
        test_weekly(f, pg);
        test_quarantine(f, pg);
        store_close(watcher);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
