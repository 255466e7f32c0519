/* status.c — see status.h. */
#include "register/status.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "register/store-internal.h"

void register_counts_free(RegisterCounts *c)
{
        free(c->next_deadline_ref);
        c->next_deadline_ref = NULL;
}

static int64_t scalar(Store *s, const char *sql, int64_t now)
{
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -1;
        if (strchr(sql, '?'))
                sqlite3_bind_int64(st, 1, now);
        int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_reset(st);
        return v;
}

int status_register_counts(Store *s, int64_t now, RegisterCounts *c)
{
        static const char open_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed'";
        static const char pending_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed' "
                                          "AND ico_decision = 'pending'";
        static const char overdue_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed' "
                                          "AND ico_decision = 'pending' AND deadline_at < ?";
        static const char quarantine_sql[] = "SELECT COUNT(*) FROM messages WHERE disposition = 'quarantine'";
        static const char next_sql[] = "SELECT ref, deadline_at FROM incidents WHERE status != 'closed' "
                                       "AND ico_decision = 'pending' AND deadline_at >= ? "
                                       "ORDER BY deadline_at LIMIT 1";
        memset(c, 0, sizeof *c);
        c->open_incidents = scalar(s, open_sql, now);
        c->pending_decisions = scalar(s, pending_sql, now);
        c->overdue = scalar(s, overdue_sql, now);
        c->quarantined = scalar(s, quarantine_sql, now);
        int r = store_outbox_counts(s, &c->outbox_queued, &c->outbox_failed);
        sqlite3_stmt *st = store_stmt(s, next_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, now);
        if (sqlite3_step(st) == SQLITE_ROW) {
                c->next_deadline_ref = store_col_text(st, 0);
                c->next_deadline = sqlite3_column_int64(st, 1);
        }
        sqlite3_reset(st);
        if (c->open_incidents < 0 || c->pending_decisions < 0 || c->overdue < 0 || c->quarantined < 0)
                return -EIO;
        return r;
}

void daemon_state_free(DaemonState *d)
{
        free(d->last_error);
        d->last_error = NULL;
}

char *status_path(const char *database)
{
        return xasprintf("%s.status", database);
}

int status_write(const char *path, const DaemonState *d)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
        /* 0600 whatever the umask: it can carry the last error, which names
         * servers and accounts. */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0600) < 0) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        _cleanup_free_ char *err = d->last_error ? str_header_safe(d->last_error) : NULL;
        fprintf(f, "pid=%lld\nstarted=%lld\nlast_poll_ok=%lld\nlast_poll_attempt=%lld\nimap_failures=%u\nidle=%d\n",
                (long long)d->pid, (long long)d->started, (long long)d->last_poll_ok,
                (long long)d->last_poll_attempt, d->imap_failures, d->idle);
        if (err)
                fprintf(f, "last_error=%s\n", err);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int status_read(const char *path, DaemonState *d)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        memset(d, 0, sizeof *d);
        char line[1024];
        while (fgets(line, sizeof line, f)) {
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq = 0;
                char *v = str_trim(eq + 1);
                long long n = strtoll(v, NULL, 10);
                if (!strcmp(line, "pid"))
                        d->pid = n;
                else if (!strcmp(line, "started"))
                        d->started = n;
                else if (!strcmp(line, "last_poll_ok"))
                        d->last_poll_ok = n;
                else if (!strcmp(line, "last_poll_attempt"))
                        d->last_poll_attempt = n;
                else if (!strcmp(line, "imap_failures"))
                        d->imap_failures = (unsigned)n;
                else if (!strcmp(line, "idle"))
                        d->idle = (int)n;
                else if (!strcmp(line, "last_error")) {
                        free(d->last_error);
                        d->last_error = xstrdup(v);
                }
        }
        return 0;
}
