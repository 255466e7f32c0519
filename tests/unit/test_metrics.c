/* test_metrics.c — the register's counts behind the metrics
 * (store_counts(), register/store_counts.c), the exposition text and the
 * Nagios verdict made of them (notices/metrics.h), and the metrics file
 * written whole. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "notices/metrics.h"
#include "register/store-internal.h"
#include "fixture.h"
#include "tap.h"

#define H 3600
static const int64_t NOW = 1800000000;

/* Files an incident with that deadline, then sets its decision and status. */
static int file(Store *s, const char *ref, int64_t deadline, const char *decision, const char *status)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = inc.filed_at = deadline - 71 * H;
        inc.aware_at = deadline - 72 * H;
        inc.deadline_at = deadline;
        inc.from_addr = xstrdup("reporter@example.test");
        int r = store_insert_incident(s, &inc);
        incident_free(&inc);
        if (r < 0)
                return r;
        return store_write(s, "UPDATE incidents SET ico_decision = ?, status = ? WHERE ref = ?",
                           STORE_VALUES(SV_TEXT(decision), SV_TEXT(status), SV_TEXT(ref)));
}

static int64_t queue(Store *s, const char *kind, int64_t created)
{
        StrList to = {0};
        strlist_add(&to, "dpo@example.test");
        int64_t id = -1;
        _cleanup_free_ char *mid = xasprintf("<%s-%lld@example.test>", kind, (long long)created);
        int r = store_queue_mail(s, 0, kind, "breach@example.test", &to, mid, "s", "x", 1, &id);
        strlist_free(&to);
        if (r >= 0)
                r = store_write(s, "UPDATE outbox SET created_at = ? WHERE id = ?",
                                STORE_VALUES(SV_INT(created), SV_INT(id)));
        return r < 0 ? r : id;
}

static bool has_line(const char *text, const char *line)
{
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static int check(const MetricsInput *in, const CheckLimits *l, const char *want)
{
        char *line = NULL;
        int r = metrics_check(in, l, &line);
        bool found = strstr(line, want) != NULL;
        fprintf(stderr, "# %s\n", line);
        free(line);
        return found ? r : -1;
}

static void counting(Fixture *f, RegisterCounts *c)
{
        Store *s = f->store;
        tap_ok(file(s, "DB1", NOW - H, "pending", "open") == 0, "an open case past its deadline, undecided");
        tap_ok(file(s, "DB2", NOW + 10 * H, "pending", "open") == 0, "one before its deadline");
        tap_ok(file(s, "DB3", NOW - 5 * H, "not_notifiable", "open") == 0, "one decided, still open");
        tap_ok(file(s, "DB4", NOW - 50 * H, "pending", "closed") == 0, "one closed");
        StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 7, .key = "<q@x>",
                            .disposition = DISP_QUARANTINE, .reason = "outside"};
        tap_ok(store_add_message(s, &sm) == 0, "a message quarantined");
        int64_t old = queue(s, "ack", NOW - 40 * 60);
        tap_ok(old > 0 && queue(s, "notice", NOW - 60) > 0, "two mails queued, 40 min and 1 min ago");
        int64_t failed = queue(s, "reminder", NOW - 90 * 60);
        tap_ok(failed > 0 && store_outbox_failed(s, failed, "550 no") == 0, "an older one failed");

        TAP_INT_EQ(store_counts(s, NOW, c), 0, "the counts are read");
        TAP_INT_EQ(c->open_incidents, 3, "three open (the closed one not)");
        TAP_INT_EQ(c->pending_decisions, 2, "two open with the decision pending");
        TAP_INT_EQ(c->overdue, 1, "one overdue: pending and past the deadline");
        TAP_INT_EQ(c->filed_total, 4, "four filed in all");
        TAP_INT_EQ(c->quarantined, 1, "one quarantined");
        TAP_INT_EQ(c->outbox_queued, 2, "two queued");
        TAP_INT_EQ(c->outbox_failed, 1, "one failed");
        TAP_INT_EQ(c->oldest_queued, NOW - 40 * 60, "the oldest queued is the 40-minute one (a failed row is not)");
}

static void exposition(const RegisterCounts *c)
{
        MetricsInput in = {.org = "North \"Town\" Council", .counts = c, .have_state = true, .running = true,
                           .state_written = NOW - 30, .last_poll_ok = NOW - 30, .mailbox_failures = 0,
                           .now = NOW};
        _cleanup_free_ char *t = metrics_text(&in);
        tap_ok(has_line(t, "breachd_incidents_overdue{org=\"North \\\"Town\\\" Council\"} 1"),
               "overdue with the org label, its quotes escaped");
        tap_ok(has_line(t, "# TYPE breachd_incidents_filed_total counter"), "filed_total is a counter");
        tap_ok(has_line(t, "breachd_incidents_filed_total{org=\"North \\\"Town\\\" Council\"} 4"), "... of 4");
        tap_ok(has_line(t, "breachd_outbox_oldest_queued_seconds{org=\"North \\\"Town\\\" Council\"} 2400"),
               "the oldest queued mail's age");
        tap_ok(has_line(t, "breachd_last_poll_success_timestamp_seconds{org=\"North \\\"Town\\\" Council\"} "
                           "1799999970"), "the last good poll");
        tap_ok(has_line(t, "# HELP breachd_up Whether breachd runs (its state file names a live process)."),
               "HELP lines");
        in.counts = NULL;
        in.have_state = false;
        _cleanup_free_ char *none = metrics_text(&in);
        tap_ok(has_line(none, "breachd_up{org=\"North \\\"Town\\\" Council\"} 0") &&
               !strstr(none, "breachd_incidents_open") && !strstr(none, "breachd_mailbox_failures"),
               "nothing read: breachd_up 0 and nothing else");
}

static void verdicts(const RegisterCounts *c)
{
        CheckLimits l = {.stale_seconds = 900, .outbox_minutes = 60, .mailbox_warn = 1, .mailbox_crit = 3,
                         .overdue_warn = 2, .overdue_crit = 0};
        RegisterCounts calm = *c;
        calm.overdue = 0, calm.outbox_failed = 0;
        MetricsInput in = {.counts = &calm, .have_state = true, .running = true, .state_written = NOW - 30,
                           .now = NOW};
        TAP_INT_EQ(check(&in, &l, "BREACHD OK - 3 open, 2 pending, 0 overdue|open=3 pending=2 overdue=0;2;"),
                   CHECK_OK, "all well: OK, with perfdata");
        calm.overdue = 1;
        TAP_INT_EQ(check(&in, &l, "BREACHD OK - 3 open, 2 pending, 1 overdue|"), CHECK_OK,
                   "one overdue under --overdue-warn 2: OK");
        l.overdue_warn = 1;
        TAP_INT_EQ(check(&in, &l, "BREACHD WARNING - 1 overdue|"), CHECK_WARNING, "one overdue: WARNING");
        l.overdue_crit = 1;
        TAP_INT_EQ(check(&in, &l, "BREACHD CRITICAL - 1 overdue|"), CHECK_CRITICAL, "--overdue-crit 1: CRITICAL");
        l.overdue_warn = l.overdue_crit = 0;
        calm.outbox_failed = 1;
        TAP_INT_EQ(check(&in, &l, "WARNING - 1 mail failed in the outbox"), CHECK_WARNING, "a failed mail: WARNING");
        calm.outbox_failed = 0;
        l.outbox_minutes = 30;
        TAP_INT_EQ(check(&in, &l, "WARNING - outbox stuck: mail queued for 40 min"), CHECK_WARNING,
                   "a mail queued 40 min, limit 30: WARNING");
        l.outbox_minutes = 60;
        in.mailbox_failures = 1;
        TAP_INT_EQ(check(&in, &l, "WARNING - mailbox failing (1 in a row)"), CHECK_WARNING,
                   "one failed poll: WARNING");
        in.mailbox_failures = 3;
        TAP_INT_EQ(check(&in, &l, "CRITICAL - mailbox failing (3 in a row)"), CHECK_CRITICAL,
                   "three: CRITICAL");
        in.mailbox_failures = 0;
        in.register_failures = 2;
        TAP_INT_EQ(check(&in, &l, "CRITICAL - register failing (2 in a row)"), CHECK_CRITICAL,
                   "the register failing: CRITICAL");
        in.register_failures = 0;
        in.state_written = NOW - 901;
        TAP_INT_EQ(check(&in, &l, "CRITICAL - state not written for 901 s"), CHECK_CRITICAL,
                   "a state older than the limit: CRITICAL");
        in.state_written = NOW - 30;
        in.running = false;
        TAP_INT_EQ(check(&in, &l, "CRITICAL - breachd is not running"), CHECK_CRITICAL, "not running: CRITICAL");
        in.running = true;
        in.counts = NULL;
        TAP_INT_EQ(check(&in, &l, "BREACHD UNKNOWN - cannot read the register"), CHECK_UNKNOWN,
                   "the register unreadable: UNKNOWN");
        in.running = false;
        TAP_INT_EQ(check(&in, &l, "BREACHD CRITICAL - cannot read the register; breachd is not running"),
                   CHECK_CRITICAL, "... and not running: CRITICAL outranks UNKNOWN");
}

static void file_written(Fixture *f)
{
        _cleanup_free_ char *path = fixture_path(f, "breachd.prom");
        TAP_INT_EQ(metrics_write_file(path, "a 1\n"), 0, "the metrics file written");
        TAP_INT_EQ(metrics_write_file(path, "b 2\n"), 0, "... and again");
        FILE *in = fopen(path, "re");
        char buf[64] = "";
        size_t n = in ? fread(buf, 1, sizeof buf - 1, in) : 0;
        buf[n] = 0;
        if (in)
                fclose(in);
        TAP_STR_EQ(buf, "b 2\n", "it holds the last text, whole");
        struct stat st;
        TAP_INT_EQ(stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1, 0644, "mode 0644 for the collector");
        _cleanup_free_ char *dir = fixture_path(f, "");
        DIR *d = opendir(dir);
        int others = 0;
        for (struct dirent *e; d && (e = readdir(d));)
                others += strstr(e->d_name, "breachd.prom.") != NULL;
        if (d)
                closedir(d);
        TAP_INT_EQ(others, 0, "no temporary file left beside it");
        _cleanup_free_ char *nodir = fixture_path(f, "missing/breachd.prom");
        tap_ok(metrics_write_file(nodir, "x\n") < 0, "a missing directory is an error, not a crash");
}

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (f) {
                RegisterCounts c;
                counting(f, &c);
                exposition(&c);
                verdicts(&c);
                store_counts_free(&c);
                file_written(f);
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
