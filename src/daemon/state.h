/* state.h — the daemon's own state, which it writes to a small file beside
 * the database after every poll (atomically: write a temporary file,
 * rename) and which breachctl status reads.  The register's counts that go
 * with it are store_counts() (register/store.h). */
#pragma once

#include <stdint.h>

typedef struct {
        int64_t pid;
        int64_t started;
        int64_t last_poll_ok;       /* 0: never */
        int64_t last_poll_attempt;
        int64_t written;            /* when this was written (0: by an older breachd) */
        unsigned imap_failures;     /* consecutive */
        unsigned register_failures; /* consecutive */
        int idle;                   /* 1 when waiting in IMAP IDLE */
        char *last_error;           /* NULL when the last poll worked */
} DaemonState;
/* Frees what state_read() allocated (last_error). */
void state_free(DaemonState *d);

/* The state file for a database: "<database>.status"; for a PostgreSQL
 * register, which has no file, "<dir>/<the URI, [A-Za-z0-9.-] kept, the
 * rest _>.status" in $STATE_DIRECTORY (systemd's StateDirectory=), else
 * /var/lib/breachd.  Caller frees. */
char *state_path(const char *database);
/* Writes d to path, 0600, by a rename; 0 or -errno. */
int state_write(const char *path, const DaemonState *d);
/* Reads the file state_write() wrote; -errno when it cannot be opened. */
int state_read(const char *path, DaemonState *ret);
