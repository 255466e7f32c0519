/* guard.h — poison-message protection: reading a message in a worker
 * process bounded in CPU time, elapsed time and memory.
 *
 * Reading a message runs a lot of C (GMime, libxml2, libarchive, our own
 * form and value parsers) over bytes a stranger chose.  A message that
 * crashes or hangs that code must cost its own quarantine and nothing else:
 * not the daemon, and not, after systemd restarts it, the daemon again on
 * the same message.  So every message is first read by a worker forked from
 * the caller, under limits; only once the worker got through it does the
 * caller read it itself.  The reading is deterministic, so the caller's own
 * reading cannot crash or hang where the worker's did not, and nothing has
 * to be serialised between the two (though it may be, see below).
 *
 * The worker can also hand back what it read (ingest.c sends the parsed
 * Message, msgwire.h), so that the caller's second reading is only of what
 * is cheap to read again.
 *
 * Cost: one worker serves every message of a guard (a fork costs ~0.7 ms,
 * more than reading a typical report), and it reads message n+1 while the
 * caller files message n: guard_submit() hands a message over and returns,
 * guard_next() gives back the oldest one with its verdict.  On two cores the
 * caller waits for a verdict only when the worker is behind.  A worker that
 * dies is reaped and replaced, and the messages it had not answered yet are
 * given to its successor, so the message it died on is the only one judged.
 *
 * The worker never touches the caller's database, sockets or log beyond
 * what the read function does, and ends with _exit(): nothing the caller
 * buffered is flushed twice.  It dies with the caller (PR_SET_PDEATHSIG) and
 * dumps no core (a core would hold the message).  The address-space limit is
 * left out in AddressSanitizer builds and under valgrind, whose shadow
 * memory it would starve.  Not thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

typedef struct {
        unsigned cpu_seconds;   /* CPU time per message */
        unsigned wall_seconds;  /* elapsed time per message */
        uint64_t memory;        /* address space the worker may add to what it inherits */
} GuardLimits;
/* A 25 MiB message with a .docx reads in well under a second and a few
 * hundred MiB; these leave a wide margin.  A reader that spins is stopped
 * by the CPU limit however busy the machine is; the elapsed limit is for
 * one that waits (the readers do no I/O, so that would be a bug), and is
 * generous so that a loaded host never turns a real report away as
 * poison (a sanitized test run beside other work once took over 30 s for
 * one ordinary message), while staying well under WatchdogSec=120. */
#define GUARD_LIMITS_DEFAULT {10, 60, 1ULL << 30}

/* Runs in the worker: reads raw the way the caller will, and may write what
 * it read to out, which comes back as GuardItem.result (so the caller need
 * not read it again).  Its return value is ignored (an unreadable message is
 * the caller's business); only whether it returns in time matters. */
typedef int (*guard_read_fn)(const char *raw, size_t len, void *userdata, Buf *out);

typedef struct Guard Guard;

typedef struct {
        const char *raw;        /* the submitted bytes (a copy owned by the guard) */
        size_t len;
        void *item_data;        /* as given to guard_submit() */
        int verdict;            /* 0: read to the end within the limits; -ECHILD: the
                                 * reading crashed; -ETIME: it took too long */
        const char *why;        /* verdict < 0: what happened, in words; else NULL */
        bool unguarded;         /* no worker could be started (fork failed): verdict 0
                                 * without a trial; the caller may say so */
        const char *result;     /* verdict 0 after a trial: what the read function wrote
                                 * (NUL-terminated); NULL otherwise */
        size_t result_len;
} GuardItem;

/* lim NULL: GUARD_LIMITS_DEFAULT.  fn and userdata are what the worker
 * calls; userdata must stay valid for the guard's life.  No process is
 * started before the first guard_submit(). */
int guard_new(const GuardLimits *lim, guard_read_fn fn, void *userdata, Guard **ret);

/* Hands raw over to be read (copied); item_data comes back with it from
 * guard_next().  Returns 0; -ENOMEM only if raw is larger than memory. */
int guard_submit(Guard *g, const char *raw, size_t len, void *item_data);

/* Submitted messages without a verdict handed out yet. */
size_t guard_pending(const Guard *g);

/* Waits for the verdict on the oldest pending message.  *ret points into
 * the guard and stays valid until the next guard_next(), guard_submit() or
 * guard_free().  -ENOENT when nothing is pending. */
int guard_next(Guard *g, const GuardItem **ret);

/* How many workers were started so far (tests, statistics). */
unsigned guard_workers_started(const Guard *g);

/* Kills the worker (SIGKILL: it holds nothing worth saving) and reaps it.
 * Accepts NULL. */
void guard_free(Guard *g);
static inline void guard_freep(Guard **g) { guard_free(*g); }
#define _cleanup_guard_ _cleanup_(guard_freep)
