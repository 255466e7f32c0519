/* log.c — see log.h. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
/* Our own CODE_FILE= etc., the caller's, not this file's. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static const char *log_ident = "breachd";
static int log_max = LOG_INFO;
static int log_to_journal = -1;
/* Per thread: ingest's mover thread (mover.h) logs nothing of its own,
 * but must not read the main thread's context while it changes. */
static _Thread_local LogContext log_ctx;

/* stderr is the journal when $JOURNAL_STREAM names its device and inode
 * (systemd.exec(5)); that is how systemd's own tools decide. */
static bool stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        if (!e)
                return false;
        unsigned long long dev, ino;
        if (sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        struct stat st;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_open(const char *ident)
{
        log_ident = ident;
        log_to_journal = stderr_is_journal();
        const char *lvl = getenv("BREACHD_LOG_LEVEL");
        if (lvl && strcmp(lvl, "debug") == 0)
                log_max = LOG_DEBUG;
}

void log_set_level(int max_priority)
{
        log_max = max_priority;
}

void log_context_set(const LogContext *ctx)
{
        log_ctx = *ctx;
}

void log_context_clear(void)
{
        memset(&log_ctx, 0, sizeof log_ctx);
}

static const char *prio_name(int p)
{
        switch (p) {
        case LOG_DEBUG: return "debug";
        case LOG_INFO: return "info";
        case LOG_NOTICE: return "notice";
        case LOG_WARNING: return "warning";
        default: return "error";
        }
}

/* One journal field "NAME=value" as an iovec, when value is set. */
static void add_field(struct iovec *iov, size_t *n, char **owned, const char *name, const char *value)
{
        if (!value || !*value)
                return;
        char *f = xasprintf("%s=%s", name, value);
        owned[*n] = f;
        iov[*n] = (struct iovec){.iov_base = f, .iov_len = strlen(f)};
        (*n)++;
}

static void to_journal(int priority, const char *file, int line, const char *func, const char *msg)
{
        struct iovec iov[12];
        char *owned[12] = {0};
        size_t n = 0;
        char prio[2] = {(char)('0' + priority), 0};
        char lineno[16], uid[16];
        snprintf(lineno, sizeof lineno, "%d", line);
        snprintf(uid, sizeof uid, "%u", log_ctx.uid);
        add_field(iov, &n, owned, "MESSAGE", msg);
        add_field(iov, &n, owned, "PRIORITY", prio);
        add_field(iov, &n, owned, "SYSLOG_IDENTIFIER", log_ident);
        add_field(iov, &n, owned, "CODE_FILE", file);
        add_field(iov, &n, owned, "CODE_LINE", lineno);
        add_field(iov, &n, owned, "CODE_FUNC", func);
        add_field(iov, &n, owned, "INCIDENT_REF", log_ctx.incident_ref);
        add_field(iov, &n, owned, "EMAIL_MESSAGE_ID", log_ctx.message_id);
        add_field(iov, &n, owned, "MAILBOX", log_ctx.mailbox);
        if (log_ctx.uid)
                add_field(iov, &n, owned, "UID", uid);
        sd_journal_sendv(iov, (int)n);
        for (size_t i = 0; i < n; i++)
                free(owned[i]);
}

void log_msg_at(int priority, const char *file, int line, const char *func, const char *fmt, ...)
{
        if (priority > log_max)
                return;
        int saved = errno;
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (log_to_journal < 0)
                log_to_journal = stderr_is_journal();
        if (log_to_journal) {
                to_journal(priority, file, line, func, msg);
        } else {
                Buf b = {0};
                buf_printf(&b, "%s: %s: ", log_ident, prio_name(priority));
                if (log_ctx.incident_ref)
                        buf_printf(&b, "[%s] ", log_ctx.incident_ref);
                if (log_ctx.uid)
                        buf_printf(&b, "[%s uid %u] ", log_ctx.mailbox ? log_ctx.mailbox : "?", log_ctx.uid);
                buf_puts(&b, msg);
                buf_putc(&b, '\n');
                fputs(b.s, stderr);
                buf_free(&b);
        }
        errno = saved;
}

const char *errstr(int r)
{
        return strerror(r < 0 ? -r : r);
}
