/* manager.h — the daemon: one Manager owns the configuration, the
 * register, the IMAP session and every event source of the sd-event loop
 * (poll timer, outbox timer, signals, watchdog). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/config.h"

typedef struct Manager Manager;

/* Takes ownership of cfg.  Opens the database; -errno with a logged reason
 * on failure. */
int manager_new(Config *cfg, Manager **ret);
void manager_free(Manager *m);

/* Runs the loop until SIGTERM/SIGINT.  Returns 0 on a clean stop. */
int manager_run(Manager *m);

/* Polls once, sends what is due, returns 0 when both worked. */
int manager_run_once(Manager *m);

/* Reload with an answer (ExecReload=, `breachd --reload PID`): SIGHUP sent
 * with sigqueue() carrying a number; the daemon, once it has taken the new
 * configuration or kept the running one, answers the sender with
 * MANAGER_RELOAD_TAKEN or MANAGER_RELOAD_REFUSED carrying the same number.
 * A plain SIGHUP (kill -HUP) reloads the same way with no answer. */
#define MANAGER_RELOAD_TAKEN SIGUSR1
#define MANAGER_RELOAD_REFUSED SIGUSR2

/* Asks the daemon `pid` to reload and waits up to timeout_s seconds for its
 * answer.  Returns 0 when it took the new configuration; -ECANCELED when it
 * kept the running one; -ETIMEDOUT without an answer; -ESRCH when it is
 * gone; or another -errno (kill() failing, say).  Logs nothing. */
int manager_request_reload(pid_t pid, unsigned timeout_s);
