/* regtick — time what the daemon asks the register on every tick, for
 * make bench (docs/PERFORMANCE.md, "Register").
 *
 *   regtick CONFIG NOW
 *
 * Opens the database of CONFIG as breachd does and times, at the instant
 * NOW (UTC seconds):
 *   - reminders_run() once, the first pass over the synthetic register
 *     (the incidents whose next_reminder_at has come get their reminder);
 *   - reminders_run() again, repeatedly: the usual tick, nothing due;
 *   - store_reminder_next(): what arming the reminder timer asks;
 *   - store_outbox_due() and store_outbox_next_due(): the outbox tick;
 *   - store_counts(): the STATUS= line, after every poll and
 *     every outbox tick.
 * Prints one JSON object: for each, median, min and max in milliseconds and
 * the number of repetitions.  Built by tests/bench/run.sh against
 * build/libbreachd.a. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "base/tz.h"
#include "case/reminders.h"
#include "register/store.h"

#define MAX_REPS 200
#define BUDGET_MS 5000.0    /* per measurement */

typedef struct {
        Store *store;
        const Config *cfg;
        const Tz *tz;
        int64_t now;
        unsigned queued;    /* by the last reminders_run() */
} Ctx;

typedef int (*measured_fn)(Ctx *c);

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static int tick_reminders(Ctx *c)
{
        ReminderStats st = {0};
        _cleanup_free_ char *why = NULL;
        int r = reminders_run(c->store, c->cfg, c->tz, c->now, &st, &why);
        if (r < 0)
                fprintf(stderr, "regtick: reminders_run: %s\n", why ? why : strerror(-r));
        c->queued = st.queued;
        return r;
}

static int tick_reminder_next(Ctx *c)
{
        int64_t next = 0;
        return store_reminder_next(c->store, &next);
}

static int tick_outbox_due(Ctx *c)
{
        OutboxRow *rows = NULL;
        size_t n = 0;
        int r = store_outbox_due(c->store, c->now, 500, &rows, &n);
        for (size_t i = 0; i < n; i++)
                outbox_row_free(&rows[i]);
        free(rows);
        return r;
}

static int tick_outbox_next(Ctx *c)
{
        int64_t next = 0;
        return store_outbox_next_due(c->store, &next);
}

static int tick_status(Ctx *c)
{
        RegisterCounts rc;
        int r = store_counts(c->store, c->now, &rc);
        if (r >= 0)
                store_counts_free(&rc);
        return r;
}

/* Runs f up to reps times (fewer when the time budget runs out) and
 * prints "name": {...}. */
static int measure(Ctx *c, const char *name, measured_fn f, unsigned reps, bool first)
{
        double t[MAX_REPS];
        unsigned n = 0;
        double spent = 0;
        while (n < reps && n < MAX_REPS && (n == 0 || spent < BUDGET_MS)) {
                double t0 = now_ms();
                int r = f(c);
                t[n] = now_ms() - t0;
                if (r < 0) {
                        fprintf(stderr, "regtick: %s failed: %s\n", name, strerror(-r));
                        return r;
                }
                spent += t[n++];
        }
        qsort(t, n, sizeof *t, cmp_double);
        double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
        printf("%s\n  \"%s\": {\"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, \"reps\": %u}",
               first ? "" : ",", name, median, t[0], t[n - 1], n);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: regtick CONFIG NOW\n");
                return 2;
        }
        Config *cfg = NULL;
        _cleanup_free_ char *errors = NULL;
        int r = config_load(argv[1], &cfg, &errors);
        if (r < 0) {
                fprintf(stderr, "regtick: %s\n", errors ? errors : strerror(-r));
                return 1;
        }
        Tz *tz = NULL;
        Store *store = NULL;
        if ((r = tz_open(cfg->timezone, &tz)) < 0 || (r = store_open(cfg->database, &store)) < 0) {
                fprintf(stderr, "regtick: cannot open %s: %s\n", cfg->database, strerror(-r));
                return 1;
        }
        Ctx c = {.store = store, .cfg = cfg, .tz = tz, .now = strtoll(argv[2], NULL, 10)};
        printf("{");
        /* The first pass does the work that is due; its name says how much. */
        double t0 = now_ms();
        r = tick_reminders(&c);
        double first = now_ms() - t0;
        if (r >= 0) {
                printf("\n  \"reminder tick, first pass (%u reminders due and queued)\": "
                       "{\"median_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f, \"reps\": 1}",
                       c.queued, first, first, first);
                r = measure(&c, "reminder tick, nothing due: reminders_run()", tick_reminders, 200, false);
        }
        if (r >= 0)
                r = measure(&c, "arming the reminder timer: store_reminder_next()", tick_reminder_next, 200, false);
        if (r >= 0)
                r = measure(&c, "outbox tick: store_outbox_due(500)", tick_outbox_due, 200, false);
        if (r >= 0)
                r = measure(&c, "outbox timer: store_outbox_next_due()", tick_outbox_next, 200, false);
        if (r >= 0)
                r = measure(&c, "STATUS= after each poll: store_counts()", tick_status, 20, false);
        printf("\n}\n");
        store_close(store);
        tz_free(tz);
        config_free(cfg);
        return r < 0 ? 1 : 0;
}
