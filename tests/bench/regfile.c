/* regfile — the wall-clock time of filing reports in the register, for
 * comparing its backends (docs/PERFORMANCE.md, "The PostgreSQL register").
 *
 *   regfile DATABASE N [BATCH]
 *
 * DATABASE is a path (SQLite, made afresh: give one that does not exist)
 * or a postgresql:// URI of an empty schema (the password the libpq way,
 * PGPASSFILE).  Files N reports as the daemon's batch does for each new
 * message: whether its key was seen, the next reference, the incident,
 * its message row with the raw bytes, the acknowledgement and the DPO
 * notice put in the outbox; BATCH messages (default 50) per transaction.
 * Prints one JSON object: the backend, N, the seconds in all and the
 * milliseconds per message.  Built by hand against build/libbreachd.a:
 *
 *   cc -std=c17 -D_GNU_SOURCE -O2 -Isrc $(pkg-config --cflags gmime-3.0) -o regfile \
 *      tests/bench/regfile.c build/libbreachd.a $(pkg-config --libs PKGS of run.sh) -lm
 * (tests/bench/run.sh builds regtick so, with the same PKGS). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "register/store.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        if (argc < 3) {
                fprintf(stderr, "usage: regfile DATABASE N [BATCH]\n");
                return 2;
        }
        int n = atoi(argv[2]), batch = argc > 3 ? atoi(argv[3]) : 50;
        Store *s = NULL;
        int r = store_open(argv[1], &s);
        if (r < 0) {
                fprintf(stderr, "regfile: cannot open %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        static char raw[12000];
        memset(raw, 'x', sizeof raw);
        StrList rcpts = {0};
        strlist_add(&rcpts, "reporter@example.test");
        double t0 = now_s();
        for (int i = 0; i < n && r >= 0; i += batch) {
                r = store_begin(s);
                for (int k = i; r >= 0 && k < n && k < i + batch; k++) {
                        _cleanup_free_ char *key = xasprintf("<bench%d@example.test>", k), *ref = NULL;
                        if ((r = store_key_seen(s, key, NULL)) < 0 || (r = store_next_ref(s, "DB%Y%n", 2026, &ref)) < 0)
                                break;
                        Incident inc;
                        incident_init(&inc);
                        inc.ref = xstrdup(ref);
                        inc.token = xasprintf("tok%d", k);
                        inc.received_at = inc.filed_at = inc.aware_at = 1767225600 + k;
                        inc.deadline_at = inc.aware_at + 72 * 3600;
                        inc.from_addr = xstrdup("reporter@example.test");
                        inc.subject = xstrdup("A laptop lost on a train");
                        r = store_insert_incident(s, &inc);
                        StoredMessage m = {.mailbox = "INBOX", .uidvalidity = 1, .uid = (uint32_t)k + 1, .key = key,
                                           .message_id = key, .from_addr = inc.from_addr, .subject = inc.subject,
                                           .received_at = inc.received_at, .incident_id = inc.id,
                                           .disposition = DISP_REPORT, .raw = raw, .raw_len = sizeof raw};
                        if (r >= 0)
                                r = store_add_message(s, &m);
                        if (r >= 0)
                                r = store_queue_mail(s, inc.id, "ack", "breach@example.test", &rcpts, "<a@x>",
                                                     "Re: x", raw, 4000, NULL);
                        if (r >= 0)
                                r = store_queue_mail(s, inc.id, "dpo_notice", "breach@example.test", &rcpts,
                                                     "<d@x>", "New", raw, 6000, NULL);
                        incident_free(&inc);
                }
                if (r >= 0)
                        r = store_commit(s);
                else
                        store_rollback(s);
        }
        double t = now_s() - t0;
        strlist_free(&rcpts);
        store_close(s);
        if (r < 0) {
                fprintf(stderr, "regfile: %s\n", strerror(-r));
                return 1;
        }
        printf("{\"database\": \"%s\", \"messages\": %d, \"seconds\": %.3f, \"ms_per_message\": %.3f}\n",
               strncmp(argv[1], "postgres", 8) ? "sqlite" : "postgresql", n, t, t * 1000 / n);
        return 0;
}
