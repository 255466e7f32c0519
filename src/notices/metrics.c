/* metrics.c — see metrics.h. */
#include "notices/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* A label value as the exposition format quotes it: backslash, double
 * quote and line feed escaped. */
static void put_label(Buf *b, const char *v)
{
        buf_putc(b, '"');
        for (const char *p = v ? v : ""; *p; p++) {
                if (*p == '\\' || *p == '"')
                        buf_putc(b, '\\'), buf_putc(b, *p);
                else if (*p == '\n')
                        buf_puts(b, "\\n");
                else
                        buf_putc(b, *p);
        }
        buf_putc(b, '"');
}

static void head(Buf *b, const char *name, const char *type, const char *help)
{
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(Buf *b, const char *name, const char *org, int64_t v)
{
        buf_printf(b, "%s{org=", name);
        put_label(b, org);
        buf_printf(b, "} %lld\n", (long long)v);
}

static void metric(Buf *b, const char *org, const char *name, const char *type, const char *help, int64_t v)
{
        head(b, name, type, help);
        sample(b, name, org, v);
}

static void gauge(Buf *b, const char *org, const char *name, const char *help, int64_t v)
{
        metric(b, org, name, "gauge", help, v);
}

/* The register's metrics: each once, with a sample per organisation. */
enum {
        M_OPEN,
        M_OVERDUE,
        M_PENDING,
        M_QUARANTINED,
        M_QUEUED,
        M_FAILED,
        M_OLDEST,
        M_FILED,
        M__MAX
};
static const struct {
        const char *name, *type, *help;
} register_metrics[M__MAX] = {
        [M_OPEN] = {"breachd_incidents_open", "gauge", "Incidents not closed."},
        [M_OVERDUE] = {"breachd_incidents_overdue", "gauge",
                       "Incidents past the 72-hour deadline with the decision on telling the ICO still pending."},
        [M_PENDING] = {"breachd_decisions_pending", "gauge",
                       "Open incidents whose decision on telling the ICO is pending."},
        [M_QUARANTINED] = {"breachd_messages_quarantined", "gauge", "Messages in quarantine, all time."},
        [M_QUEUED] = {"breachd_outbox_queued", "gauge", "Mail queued and not yet sent."},
        [M_FAILED] = {"breachd_outbox_failed", "gauge", "Mail given up on."},
        [M_OLDEST] = {"breachd_outbox_oldest_queued_seconds", "gauge",
                      "Age of the oldest mail still queued (0 when none)."},
        [M_FILED] = {"breachd_incidents_filed_total", "counter", "Incidents filed, all time."},
};

static int64_t register_value(const RegisterCounts *c, int m, int64_t now)
{
        switch (m) {
        case M_OPEN: return c->open_incidents;
        case M_OVERDUE: return c->overdue;
        case M_PENDING: return c->pending_decisions;
        case M_QUARANTINED: return c->quarantined;
        case M_QUEUED: return c->outbox_queued;
        case M_FAILED: return c->outbox_failed;
        case M_OLDEST: return c->oldest_queued && now > c->oldest_queued ? now - c->oldest_queued : 0;
        case M_FILED: return c->filed_total;
        }
        return 0;
}

char *metrics_text(const MetricsInput *in)
{
        Buf b = {0};
        const char *org = in->org ? in->org : "";
        gauge(&b, org, "breachd_up", "Whether breachd runs (its state file names a live process).",
              in->have_state && in->running);
        bool any = in->counts != NULL;
        for (size_t i = 0; i < in->n_orgs; i++)
                any = any || in->orgs[i].counts;
        for (int m = 0; any && m < M__MAX; m++) {
                head(&b, register_metrics[m].name, register_metrics[m].type, register_metrics[m].help);
                if (!in->n_orgs)
                        sample(&b, register_metrics[m].name, org, register_value(in->counts, m, in->now));
                for (size_t i = 0; i < in->n_orgs; i++)
                        if (in->orgs[i].counts)
                                sample(&b, register_metrics[m].name, in->orgs[i].org,
                                       register_value(in->orgs[i].counts, m, in->now));
        }
        if (in->have_state) {
                gauge(&b, org, "breachd_last_poll_success_timestamp_seconds",
                      "When the mailbox was last read without error (Unix time; 0: never).", in->last_poll_ok);
                gauge(&b, org, "breachd_last_poll_attempt_timestamp_seconds",
                      "When the mailbox was last tried (Unix time; 0: never).", in->last_poll_attempt);
                gauge(&b, org, "breachd_mailbox_failures", "Failed polls of the mailbox in a row.",
                      in->mailbox_failures);
                gauge(&b, org, "breachd_register_failures", "Failed writes to the register in a row.",
                      in->register_failures);
                gauge(&b, org, "breachd_start_timestamp_seconds", "When breachd started (Unix time).",
                      in->started);
                gauge(&b, org, "breachd_state_timestamp_seconds",
                      "When breachd last wrote its state, after a pass (Unix time; 0: not known).",
                      in->state_written);
        }
        return buf_steal(&b);
}

int metrics_write_file(const char *path, const char *text)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        const char *base = slash ? slash + 1 : path;
        if (slash)
                slash[1] = 0;
        else
                dir[0] = 0;
        _cleanup_free_ char *tmp = xasprintf("%s.%s.XXXXXX", dir, base);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = 0;
        size_t len = strlen(text), done = 0;
        while (r == 0 && done < len) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        done += (size_t)n;
        }
        /* The collector runs as another user: readable by all (the counts
         * name no person, only the organisation). */
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

/* ---- the check ---------------------------------------------------------- */

typedef struct {
        int status;
        Buf why;
} Verdict;

static void _printf_(3, 4) worse(Verdict *v, int status, const char *fmt, ...)
{
        /* CRITICAL outranks UNKNOWN: what is known to be broken is said. */
        static const int rank[] = {[CHECK_OK] = 0, [CHECK_WARNING] = 1, [CHECK_UNKNOWN] = 2, [CHECK_CRITICAL] = 3};
        if (rank[status] > rank[v->status])
                v->status = status;
        if (v->why.len)
                buf_puts(&v->why, "; ");
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        buf_puts(&v->why, s);
}

static int at_least(unsigned limit, int64_t n)
{
        return limit && n >= (int64_t)limit;
}

static void check_state(Verdict *v, const MetricsInput *in, const CheckLimits *l)
{
        if (!in->have_state) {
                worse(v, CHECK_CRITICAL, "no state file: breachd has not run");
                return;
        }
        int64_t written = in->state_written ? in->state_written : in->last_poll_attempt;
        int64_t age = in->now - written;
        if (!in->running)
                worse(v, CHECK_CRITICAL, "breachd is not running");
        else if (l->stale_seconds && age > (int64_t)l->stale_seconds)
                worse(v, CHECK_CRITICAL, "state not written for %lld s: breachd is stuck", (long long)age);
        if (in->register_failures)
                worse(v, CHECK_CRITICAL, "register failing (%u in a row)", in->register_failures);
        if (at_least(l->mailbox_crit, in->mailbox_failures))
                worse(v, CHECK_CRITICAL, "mailbox failing (%u in a row)", in->mailbox_failures);
        else if (at_least(l->mailbox_warn, in->mailbox_failures))
                worse(v, CHECK_WARNING, "mailbox failing (%u in a row)", in->mailbox_failures);
}

static void check_counts(Verdict *v, const MetricsInput *in, const CheckLimits *l)
{
        const RegisterCounts *c = in->counts;
        if (at_least(l->overdue_crit, c->overdue))
                worse(v, CHECK_CRITICAL, "%lld overdue", (long long)c->overdue);
        else if (at_least(l->overdue_warn, c->overdue))
                worse(v, CHECK_WARNING, "%lld overdue", (long long)c->overdue);
        if (c->outbox_failed)
                worse(v, CHECK_WARNING, "%lld mail failed in the outbox", (long long)c->outbox_failed);
        int64_t waited = c->oldest_queued ? in->now - c->oldest_queued : 0;
        if (l->outbox_minutes && waited > (int64_t)l->outbox_minutes * 60)
                worse(v, CHECK_WARNING, "outbox stuck: mail queued for %lld min", (long long)(waited / 60));
}

static const char *const status_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

int metrics_check(const MetricsInput *in, const CheckLimits *l, char **ret_line)
{
        Verdict v = {0};
        if (!in->counts)
                worse(&v, CHECK_UNKNOWN, "cannot read the register");
        check_state(&v, in, l);
        if (in->counts)
                check_counts(&v, in, l);
        if (v.status == CHECK_OK && in->counts)
                buf_printf(&v.why, "%lld open, %lld pending, %lld overdue", (long long)in->counts->open_incidents,
                           (long long)in->counts->pending_decisions, (long long)in->counts->overdue);
        Buf b = {0};
        buf_printf(&b, "BREACHD %s - %s|", status_names[v.status], v.why.s ? v.why.s : "");
        const RegisterCounts *c = in->counts;
        if (c) {
                buf_printf(&b, "open=%lld pending=%lld overdue=%lld;", (long long)c->open_incidents,
                           (long long)c->pending_decisions, (long long)c->overdue);
                if (l->overdue_warn)
                        buf_printf(&b, "%u", l->overdue_warn);
                buf_putc(&b, ';');
                if (l->overdue_crit)
                        buf_printf(&b, "%u", l->overdue_crit);
                buf_printf(&b, " quarantined=%lld outbox_queued=%lld outbox_failed=%lld;1 ",
                           (long long)c->quarantined, (long long)c->outbox_queued, (long long)c->outbox_failed);
        }
        if (in->have_state) {
                buf_printf(&b, "mailbox_failures=%u;", in->mailbox_failures);
                if (l->mailbox_warn)
                        buf_printf(&b, "%u", l->mailbox_warn);
                buf_putc(&b, ';');
                if (l->mailbox_crit)
                        buf_printf(&b, "%u", l->mailbox_crit);
                int64_t written = in->state_written ? in->state_written : in->last_poll_attempt;
                buf_printf(&b, " register_failures=%u;;1 state_age=%llds;;", in->register_failures,
                           (long long)(in->now - written));
                if (l->stale_seconds)
                        buf_printf(&b, "%u", l->stale_seconds);
        }
        while (b.len && b.s[b.len - 1] == ' ')
                b.s[--b.len] = 0;
        buf_free(&v.why);
        *ret_line = buf_steal(&b);
        return v.status;
}

char *metrics_check_unknown(const char *why)
{
        return xasprintf("BREACHD UNKNOWN - %s", why);
}
