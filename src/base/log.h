/* log.h — the one logging family.
 *
 * Under systemd (stderr connected to the journal) every line goes to the
 * journal with structured fields; on a terminal it is a plain line on stderr.
 * Library modules do not log above debug: they return error codes and the
 * event handlers and mains log them, once. */
#pragma once

#include <stdint.h>
#include <syslog.h>

#include "base/util.h"

/* Context fields attached to every line while set (journal fields
 * INCIDENT_REF=, EMAIL_MESSAGE_ID=, UID=, MAILBOX=; a field that is not
 * set is not sent).  The mail's Message-ID has a field of our own:
 * journald's MESSAGE_ID= is the 128-bit id of a catalog entry, and
 * `journalctl -x` looks every value up there.  Pointers are borrowed and
 * must stay valid until log_context_clear(). */
typedef struct {
        const char *incident_ref;
        const char *message_id;
        const char *mailbox;
        uint32_t uid;
} LogContext;

void log_open(const char *ident);
void log_set_level(int max_priority);   /* LOG_DEBUG .. LOG_ERR */
void log_context_set(const LogContext *ctx);
void log_context_clear(void);

/* Every line carries the caller's CODE_FILE=, CODE_LINE=, CODE_FUNC= in the
 * journal (the macros below pass them). */
void log_msg_at(int priority, const char *file, int line, const char *func, const char *fmt, ...) _printf_(5, 6);
#define log_msg(priority, ...) log_msg_at(priority, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)

/* strerror() for our negative errno-style codes. */
const char *errstr(int r);
