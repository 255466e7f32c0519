/* log.c — see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

void log_msg(int priority, const char *fmt, ...)
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
                char uid[32];
                snprintf(uid, sizeof uid, "UID=%u", log_ctx.uid);
                sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority,
                                "SYSLOG_IDENTIFIER=%s", log_ident,
                                "INCIDENT_REF=%s", log_ctx.incident_ref ? log_ctx.incident_ref : "",
                                "MESSAGE_ID=%s", log_ctx.message_id ? log_ctx.message_id : "",
                                "MAILBOX=%s", log_ctx.mailbox ? log_ctx.mailbox : "",
                                log_ctx.uid ? uid : "UID=", NULL);
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
