/* log.h — the one logging family.
 *
 * Under systemd (stderr connected to the journal) every line goes to the
 * journal with structured fields; on a terminal it is a plain line on stderr.
 * Library modules do not log above debug: they return error codes and the
 * event handlers and mains log them, once. */
#pragma once

#include <stdint.h>
#include <syslog.h>

#include "util.h"

/* Context fields attached to every line while set (journal fields
 * INCIDENT_REF=, MESSAGE_ID=, UID=, MAILBOX=).  Pointers are borrowed and
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

void log_msg(int priority, const char *fmt, ...) _printf_(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)

/* strerror() for our negative errno-style codes. */
const char *errstr(int r);
