/* status.h — what the daemon tells systemd (STATUS=) and breachctl status:
 * the register's counts, from the database, plus the daemon's own state,
 * which it writes to a small file beside the database after every poll
 * (atomically: write a temporary file, rename). */
#pragma once

#include <stdint.h>

#include "register/store.h"

typedef struct {
        int64_t open_incidents;
        int64_t pending_decisions;
        int64_t overdue;            /* pending and past the deadline */
        int64_t next_deadline;      /* earliest deadline still pending; 0 if none */
        char *next_deadline_ref;
        int64_t outbox_queued, outbox_failed;
        int64_t quarantined;        /* messages in quarantine, all time */
} RegisterCounts;
void register_counts_free(RegisterCounts *c);
int status_register_counts(Store *s, int64_t now, RegisterCounts *ret);

typedef struct {
        int64_t pid;
        int64_t started;
        int64_t last_poll_ok;       /* 0: never */
        int64_t last_poll_attempt;
        unsigned imap_failures;     /* consecutive */
        int idle;                   /* 1 when waiting in IMAP IDLE */
        char *last_error;           /* NULL when the last poll worked */
} DaemonState;
void daemon_state_free(DaemonState *d);

/* The state file for a database: "<database>.status". Caller frees. */
char *status_path(const char *database);
int status_write(const char *path, const DaemonState *d);
int status_read(const char *path, DaemonState *ret);
