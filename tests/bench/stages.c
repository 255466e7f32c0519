/* stages — CPU time per message of each stage of filing a report, for
 * make bench (docs/PERFORMANCE.md, "Where the time goes").
 *
 *   stages CONFIG DIR ROUNDS
 *
 * Reads every file of DIR (a Maildir's cur/, one message per file) into
 * memory, then, ROUNDS times over all of them, times through the library's
 * own functions what breachd does with each message:
 *   worker side (the guard's worker process, guard.h):
 *     parse    message_parse(): GMime, and the HTML/.docx parts read into
 *              text and table rows (html.c, docx.c);
 *     read     reading_attach(): the form read out of it and its values
 *              (formread_message, values_interpret), the blank-form check;
 *     encode   message_encode(): what the worker sends back;
 *   daemon side:
 *     decode   message_decode();
 *     file     the incident read from the carried reading, its reference,
 *              the incidents and messages rows (ingest_read_report,
 *              store_next_ref, store_insert_incident, store_add_message);
 *     queue    newcase_queue_notices(): the acknowledgement and the
 *              DPO notice rendered, composed and put in the outbox;
 *     commit   store_commit() of each round's one transaction, shared out.
 * Messages that breachd would not file (no sender, automatic mail) are
 * parsed and read but not filed.  Prints one JSON object: per stage the
 * median over the rounds of the mean microseconds per message (CPU time of
 * this thread, CLOCK_THREAD_CPUTIME_ID), and the message count.  Built by
 * tests/bench/run.sh against build/libbreachd.a; the database of CONFIG is
 * deleted first. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/mimelib.h"
#include "base/tz.h"
#include "case/ingest.h"
#include "case/newcase.h"
#include "notices/notices.h"
#include "read/message.h"
#include "read/msgwire.h"
#include "read/reading.h"
#include "register/store.h"

enum { S_PARSE, S_READ, S_ENCODE, S_DECODE, S_FILE, S_QUEUE, S_COMMIT, S__MAX };
static const char *const stage_names[S__MAX] = {"parse", "read", "encode", "decode", "file", "queue", "commit"};
#define MAX_ROUNDS 50

static double cpu_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

typedef struct {
        char **raw;
        size_t *len;
        size_t n;
} Mail;

static int load(const char *dir, Mail *mail)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
                char *data = NULL;
                size_t len = 0;
                if (read_file(path, 64u << 20, &data, &len) < 0)
                        continue;
                mail->raw = xrealloc(mail->raw, (mail->n + 1) * sizeof *mail->raw);
                mail->len = xrealloc(mail->len, (mail->n + 1) * sizeof *mail->len);
                mail->raw[mail->n] = data;
                mail->len[mail->n] = len;
                mail->n++;
        }
        closedir(d);
        return mail->n ? 0 : -ENOENT;
}

/* One round: every message through every stage, in one transaction.
 * Adds the microseconds spent in each stage to t[]. */
static int round_once(const IngestContext *ctx, const Mail *mail, unsigned round, double t[S__MAX],
                      size_t *ret_filed)
{
        Store *s = ctx->store;
        int r = store_begin(s);
        if (r < 0)
                return r;
        size_t filed = 0;
        for (size_t i = 0; i < mail->n; i++) {
                double t0 = cpu_us();
                Message *m = NULL;
                char *why = NULL;
                r = message_parse(mail->raw[i], mail->len[i], NULL, &m, &why);
                free(why);
                double t1 = cpu_us();
                t[S_PARSE] += t1 - t0;
                if (r < 0)
                        continue;
                ValueContext vc = {.tz = ctx->tz,
                                   .directorates = ctx->cfg->directorates,
                                   .n_directorates = ctx->cfg->n_directorates};
                reading_attach(m, ctx->labels, &vc);
                double t2 = cpu_us();
                Buf wire = {0};
                message_encode(m, &wire);
                double t3 = cpu_us();
                message_free(m);
                m = NULL;
                double t4 = cpu_us();
                r = message_decode(wire.s, wire.len, &m);
                double t5 = cpu_us();
                buf_free(&wire);
                t[S_READ] += t2 - t1;
                t[S_ENCODE] += t3 - t2;
                t[S_DECODE] += t5 - t4;
                if (r < 0) {
                        fprintf(stderr, "stages: a message does not decode\n");
                        return r;
                }
                _cleanup_free_ char *refused = ingest_refusal(ctx->cfg, m, NULL);
                if (refused) {
                        message_free(m);
                        continue;
                }
                Incident inc;
                incident_init(&inc);
                FormreadInfo info;
                int64_t received_at = m->date ? m->date : now_utc();
                ingest_read_report(ctx, m, received_at, &inc, &info);
                char tok[25];
                random_token(tok, 24);
                inc.token = xstrdup(tok);
                r = store_next_ref(s, ctx->cfg->reference_pattern, 2025, &inc.ref);
                if (r >= 0)
                        r = store_insert_incident(s, &inc);
                if (r >= 0) {
                        _cleanup_free_ char *key = xasprintf("%s/%u", m->key, round);
                        StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1 + round,
                                            .uid = (uint32_t)i + 1, .key = key,
                                            .message_id = m->message_id, .from_addr = m->from_addr,
                                            .subject = m->subject, .received_at = received_at,
                                            .incident_id = inc.id, .disposition = DISP_REPORT,
                                            .raw = mail->raw[i], .raw_len = mail->len[i]};
                        r = store_add_message(s, &sm);
                }
                double t6 = cpu_us();
                if (r >= 0)
                        r = newcase_queue_notices(s, ctx->cfg, ctx->tz, &inc, m, &why);
                double t7 = cpu_us();
                free(why);
                why = NULL;
                t[S_FILE] += t6 - t5;
                t[S_QUEUE] += t7 - t6;
                formread_info_free(&info);
                incident_free(&inc);
                message_free(m);
                if (r < 0) {
                        fprintf(stderr, "stages: filing failed: %s\n", strerror(-r));
                        store_rollback(s);
                        return r;
                }
                filed++;
        }
        double t0 = cpu_us();
        r = store_commit(s);
        t[S_COMMIT] += cpu_us() - t0;
        *ret_filed = filed;
        return r;
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: stages CONFIG DIR ROUNDS\n");
                return 2;
        }
        Config *cfg = NULL;
        _cleanup_free_ char *errors = NULL;
        int r = config_load(argv[1], &cfg, &errors);
        if (r < 0) {
                fprintf(stderr, "stages: %s\n", errors ? errors : strerror(-r));
                return 1;
        }
        unsigned rounds = (unsigned)atoi(argv[3]);
        if (rounds < 1 || rounds > MAX_ROUNDS) {
                fprintf(stderr, "stages: ROUNDS must be 1 to %d\n", MAX_ROUNDS);
                return 2;
        }
        Mail mail = {0};
        if ((r = load(argv[2], &mail)) < 0) {
                fprintf(stderr, "stages: no messages in %s: %s\n", argv[2], strerror(-r));
                return 1;
        }
        mimelib_init();
        for (const char *const *sfx = (const char *const[]){"", "-wal", "-shm", NULL}; *sfx; sfx++) {
                _cleanup_free_ char *p = xasprintf("%s%s", cfg->database, *sfx);
                unlink(p);
        }
        Tz *tz = NULL;
        Store *store = NULL;
        if ((r = tz_open(cfg->timezone, &tz)) < 0 || (r = store_open(cfg->database, &store)) < 0) {
                fprintf(stderr, "stages: cannot open %s: %s\n", cfg->database, strerror(-r));
                return 1;
        }
        FormLabels *labels = ingest_labels_for(cfg);
        IngestContext ctx = {.cfg = cfg, .store = store, .tz = tz, .labels = labels};
        double per[S__MAX][MAX_ROUNDS];
        size_t filed = 0;
        for (unsigned k = 0; k < rounds; k++) {
                double t[S__MAX] = {0};
                if ((r = round_once(&ctx, &mail, k, t, &filed)) < 0)
                        return 1;
                for (size_t st = 0; st < S__MAX; st++)
                        per[st][k] = t[st] / (double)mail.n;
        }
        printf("{\"messages\": %zu, \"filed\": %zu, \"rounds\": %u", mail.n, filed, rounds);
        for (size_t st = 0; st < S__MAX; st++) {
                qsort(per[st], rounds, sizeof(double), cmp_double);
                double median = rounds % 2 ? per[st][rounds / 2] : (per[st][rounds / 2 - 1] + per[st][rounds / 2]) / 2;
                printf(", \"%s_us\": %.1f", stage_names[st], median);
        }
        printf("}\n");
        for (size_t i = 0; i < mail.n; i++)
                free(mail.raw[i]);
        free(mail.raw);
        free(mail.len);
        form_labels_free(labels);
        store_close(store);
        tz_free(tz);
        config_free(cfg);
        return 0;
}
