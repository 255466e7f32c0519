/* manager.h — the daemon: one Manager owns the configuration, the
 * register, the IMAP session and every event source of the sd-event loop
 * (poll timer, outbox timer, signals, watchdog). */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Manager Manager;

/* Takes ownership of cfg.  Opens the database; -errno with a logged reason
 * on failure. */
int manager_new(Config *cfg, Manager **ret);
void manager_free(Manager *m);

/* Runs the loop until SIGTERM/SIGINT.  Returns 0 on a clean stop. */
int manager_run(Manager *m);

/* Polls once, sends what is due, returns 0 when both worked. */
int manager_run_once(Manager *m);
