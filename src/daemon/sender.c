/* sender.c — see sender.h. */
#include "daemon/sender.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "base/log.h"
#include "case/bounce.h"
#include "mail/smtp.h"

/* After this many attempts (about three days at the 1 h cap) a temporary
 * failure is treated as permanent, as MTAs do. */
#define MAX_ATTEMPTS 80
/* How long a claimed row waits before it is due again when its outcome
 * was never recorded (the process died while handing it over, or its
 * "sent" mark failed and the process restarted): then it is sent once
 * more at most, and not before this. */
#define CLAIM_HOLD 30
/* Hand-overs of one row with no outcome recorded before it is given up:
 * the first may have been lost with a crash; a second means the server
 * probably has it twice already, or the row crashes the sender. */
#define MAX_UNCONFIRMED 2
#define DAY (24 * 3600)

/* A mail the server accepted whose "sent" mark could not be written yet. */
typedef struct {
        int64_t id, at;
} Unmarked;

struct Sender {
        bool loaded;            /* the last day's hand-overs read from the register */
        int64_t pruned_at;      /* forget_old_handovers() */
        Unmarked *unmarked;
        size_t n_unmarked;
        /* Per capped address (lower-cased): a GArray of the int64_t times
         * of its hand-overs in the last day, oldest first. */
        GHashTable *handed;
};

Sender *sender_new(void)
{
        Sender *sd = xcalloc(1, sizeof(Sender));
        sd->handed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
        return sd;
}

void sender_free(Sender *sd)
{
        if (!sd)
                return;
        free(sd->unmarked);
        g_hash_table_destroy(sd->handed);
        free(sd);
}

size_t sender_unmarked(const Sender *sd)
{
        return sd ? sd->n_unmarked : 0;
}

void send_stats_free(SendStats *s)
{
        free(s->last_error);
        s->last_error = NULL;
        free(s->register_error);
        s->register_error = NULL;
}

int64_t sender_backoff(int attempts)
{
        int64_t d = 30;
        for (int i = 0; i < attempts && d < 3600; i++)
                d *= 2;
        return d > 3600 ? 3600 : d;
}

static void set_error(SendStats *st, char *e)
{
        free(st->last_error);
        st->last_error = e;
}

/* A write to the register failed: say so once per pass, in the register's
 * words, and stop sending (sender.h). */
static int register_failed(SendStats *st, int r)
{
        if (!st->register_error) {
                st->register_error = store_last_failure();
                if (store_failures() == 0) {
                        free(st->register_error);
                        st->register_error = xstrdup(strerror(-r));
                }
        }
        return -EROFS;
}

static bool is_officer(const Config *cfg, const char *addr)
{
        if (config_is_dpo_address(cfg, addr))
                return true;
        for (size_t i = 0; i < cfg->escalation.n; i++)
                if (strcasecmp(cfg->escalation.v[i], addr) == 0)
                        return true;
        return cfg->admin && strcasecmp(cfg->admin, addr) == 0;
}

/* The hand-overs to addr still inside the day ending at now (older ones
 * dropped), or NULL when there are none. */
static GArray *recent_handovers(const Sender *sd, const char *addr, int64_t now)
{
        char *key = g_ascii_strdown(addr, -1);
        GArray *a = g_hash_table_lookup(sd->handed, key);
        g_free(key);
        if (!a)
                return NULL;
        guint old = 0;
        while (old < a->len && now - g_array_index(a, int64_t, old) >= DAY)
                old++;
        if (old)
                g_array_remove_range(a, 0, old);
        return a;
}

/* Addresses with no hand-over left in the window, dropped once an hour so
 * that the table holds a day's addresses, not the process's lifetime. */
static gboolean all_old(gpointer key, gpointer value, gpointer userdata)
{
        GArray *a = value;
        int64_t now = *(const int64_t *)userdata;
        return a->len == 0 || now - g_array_index(a, int64_t, a->len - 1) >= DAY;
}

static void forget_old_handovers(Sender *sd, int64_t now)
{
        if (now - sd->pruned_at < 3600)
                return;
        sd->pruned_at = now;
        g_hash_table_foreach_remove(sd->handed, all_old, &now);
}

/* The per-address cap at the moment of sending, for every kind of mail:
 * the cap on replies (ratelimit.h) is counted when a reply is queued, so
 * it cannot see the same mail sent again.  Mail to the DPOs, the
 * escalation addresses and the admin is not capped.  Returns 0 when row
 * may go, else the time the oldest hand-over leaves the window. */
static int64_t capped_until(const Sender *sd, const Config *cfg, const OutboxRow *row, int64_t now)
{
        int64_t until = 0;
        for (size_t i = 0; i < row->rcpts.n; i++) {
                const char *a = row->rcpts.v[i];
                if (is_officer(cfg, a))
                        continue;
                GArray *times = recent_handovers(sd, a, now);
                if (times && times->len >= cfg->max_auto_replies_per_day) {
                        int64_t oldest = g_array_index(times, int64_t, 0);
                        if (oldest + DAY > until)
                                until = oldest + DAY;
                }
        }
        return until;
}

static void count_handover(Sender *sd, const Config *cfg, const OutboxRow *row, int64_t at)
{
        for (size_t i = 0; i < row->rcpts.n; i++) {
                if (is_officer(cfg, row->rcpts.v[i]))
                        continue;
                char *key = g_ascii_strdown(row->rcpts.v[i], -1);
                GArray *a = g_hash_table_lookup(sd->handed, key);
                if (!a) {
                        a = g_array_new(false, false, sizeof(int64_t));
                        g_hash_table_insert(sd->handed, key, a);
                } else
                        g_free(key);
                /* Kept in time order: those read from the register come
                 * first, in sent_at order, then each new one. */
                guint k = a->len;
                while (k > 0 && g_array_index(a, int64_t, k - 1) > at)
                        k--;
                g_array_insert_val(a, k, at);
        }
}

/* The hand-overs of the last 24 hours, from the register, once per
 * process: a restart (or --once from cron) must not reset the cap. */
static int load_handovers(Sender *sd, const Config *cfg, Store *s, int64_t now)
{
        OutboxSent *v = NULL;
        size_t n = 0;
        int r = store_outbox_sent_since(s, now - DAY, &v, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                StrList to = {0};
                char *copy = xstrdup(v[i].rcpts ? v[i].rcpts : ""), *save = NULL;
                for (char *a = strtok_r(copy, "\n", &save); a; a = strtok_r(NULL, "\n", &save))
                        strlist_add(&to, a);
                free(copy);
                OutboxRow row = {.rcpts = to};
                count_handover(sd, cfg, &row, v[i].sent_at);
                strlist_free(&to);
        }
        outbox_sent_free(v, n);
        sd->loaded = true;
        return 0;
}

static bool is_unmarked(const Sender *sd, int64_t id)
{
        for (size_t i = 0; i < sd->n_unmarked; i++)
                if (sd->unmarked[i].id == id)
                        return true;
        return false;
}

/* Writes the "sent" marks that failed before; stops at the first that
 * fails again (the register is still not writable). */
static int mark_pending(Sender *sd, Store *s)
{
        while (sd->n_unmarked) {
                Unmarked *u = &sd->unmarked[sd->n_unmarked - 1];
                int r = store_outbox_sent_quick(s, u->id, u->at);
                if (r < 0)
                        return r;
                sd->n_unmarked--;
        }
        return 0;
}

/* A refusal for good: recorded on the row and the incident, and, for an
 * acknowledgement, the DPO told (bounce.h), all or nothing. */
static int record_refusal(const Config *cfg, Store *s, const OutboxRow *row, const char *e, const char *server_text)
{
        int q = store_begin(s);
        if (q < 0)
                return q;
        q = store_outbox_failed(s, row->id, e);
        if (q == -EALREADY) {
                /* Another host recorded its outcome first, and told the DPO. */
                store_rollback(s);
                return 0;
        }
        if (q >= 0 && row->incident_id)
                q = store_audit(s, row->incident_id, "breachd", "delivery_failed", row->kind, NULL, e);
        if (q >= 0)
                q = bounce_tell_dpo(s, cfg, NULL, row->incident_id, row->kind, row->rcpts.n ? row->rcpts.v[0] : "?",
                                    server_text);
        if (q < 0) {
                store_rollback(s);
                return q;
        }
        return store_commit(s);
}

/* Rows handed over MAX_UNCONFIRMED times with no outcome are not sent
 * again: recorded as failed with the reason, the DPO told if it was an
 * acknowledgement. */
static int give_up_unconfirmed(const Config *cfg, Store *s, const OutboxRow *row, SendStats *st)
{
        _cleanup_free_ char *e = xasprintf("%s mail to %s handed to the mail server %d times without its answer "
                                           "being recorded; not sent again, so that it is not sent twice",
                                           row->kind, row->rcpts.n ? row->rcpts.v[0] : "?", row->unconfirmed);
        st->failed++;
        set_error(st, xstrdup(e));
        return record_refusal(cfg, s, row, e, e);
}

static int deliver(Sender *sd, const Config *cfg, Store *s, Smtp *smtp, OutboxRow *row, SendStats *st)
{
        /* The claim: nothing is handed over unless the register could
         * record that it is about to be. */
        int c = store_outbox_claim(s, row, now_utc() + CLAIM_HOLD);
        if (c == -EALREADY)
                return 0;   /* another sender (a second host) claimed it first: theirs to send */
        if (c < 0)
                return register_failed(st, c);
        SmtpResult res = {0};
        const char **rcpts = xcalloc(row->rcpts.n + 1, sizeof(char *));
        for (size_t i = 0; i < row->rcpts.n; i++)
                rcpts[i] = row->rcpts.v[i];
        int r = smtp_send(smtp, row->envelope_from, rcpts, row->rcpts.n, row->data, row->len, &res);
        free(rcpts);
        int64_t now = now_utc();
        int q;
        if (r >= 0) {
                st->sent++;
                count_handover(sd, cfg, row, now);
                q = store_outbox_sent_quick(s, row->id, now);
                if (q < 0) {
                        /* The server has it: never again from this process,
                         * and the mark is written as soon as it can be. */
                        sd->unmarked = xrealloc(sd->unmarked, (sd->n_unmarked + 1) * sizeof *sd->unmarked);
                        sd->unmarked[sd->n_unmarked++] = (Unmarked){row->id, now};
                }
        } else if (res.permanent || row->attempts + 1 >= MAX_ATTEMPTS) {
                _cleanup_free_ char *e = xasprintf("%s mail to %s refused: %s", row->kind, row->rcpts.n ? row->rcpts.v[0] : "?",
                                                   res.message ? res.message : smtp_last_error(smtp));
                q = record_refusal(cfg, s, row, e, res.message ? res.message : smtp_last_error(smtp));
                st->failed++;
                set_error(st, xstrdup(e));
        } else {
                const char *e = res.message ? res.message : smtp_last_error(smtp);
                q = store_outbox_retry(s, row->id, now + sender_backoff(row->attempts), e);
                st->deferred++;
                set_error(st, xstrdup(e));
        }
        smtp_result_free(&res);
        if (q < 0)
                return register_failed(st, q);
        /* A dropped connection fails every later row too: stop and retry. */
        return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE ? -ECONNRESET : 0;
}

static int defer_all(Store *s, OutboxRow *rows, size_t n, const char *why, SendStats *st)
{
        int64_t now = now_utc();
        for (size_t i = 0; i < n; i++) {
                if (rows[i].id == 0)
                        continue;
                int r = store_outbox_retry(s, rows[i].id, now + sender_backoff(rows[i].attempts), why);
                if (r < 0)
                        return register_failed(st, r);
                st->deferred++;
        }
        return 0;
}

/* Takes out of rows what must not be handed over (already with the
 * server, handed over too often), recording why; rows taken out get id 0.  Returns how many are left, or a negative code when the
 * register could not be written. */
static int sift(Sender *sd, const Config *cfg, Store *s, OutboxRow *rows, size_t n, SendStats *st)
{
        int64_t now = now_utc();
        forget_old_handovers(sd, now);
        int left = 0;
        for (size_t i = 0; i < n; i++) {
                OutboxRow *row = &rows[i];
                int r = 0;
                if (is_unmarked(sd, row->id)) {
                        row->id = 0;
                        continue;
                }
                if (row->unconfirmed >= MAX_UNCONFIRMED) {
                        r = give_up_unconfirmed(cfg, s, row, st);
                        row->id = 0;
                } else
                        left++;
                if (r < 0)
                        return register_failed(st, r);
        }
        return left;
}

int sender_run(Sender *sd, const Config *cfg, Store *s, SendStats *st)
{
        OutboxRow *rows = NULL;
        size_t n = 0;
        /* Before the first goto: its cleanup must never see it unset. */
        _cleanup_free_ char *secret = NULL;
        unsigned before = store_failures();
        /* Marks that failed before come first: until they are written the
         * register is not writable, and nothing more is sent. */
        int r = mark_pending(sd, s);
        if (r < 0) {
                r = register_failed(st, r);
                goto out;
        }
        if (!sd->loaded && (r = load_handovers(sd, cfg, s, now_utc())) < 0) {
                if (store_failures() != before)
                        r = register_failed(st, r);
                goto out;
        }
        r = store_outbox_due(s, now_utc(), 500, &rows, &n);
        if (r < 0) {
                if (store_failures() != before)
                        r = register_failed(st, r);
                goto out;
        }
        if (n == 0)
                goto out;
        r = sift(sd, cfg, s, rows, n, st);
        if (r <= 0)
                goto out;
        if (cfg->smtp.auth != AUTH_NONE) {
                _cleanup_free_ char *why = NULL;
                r = config_read_secret(&cfg->smtp.secret, &secret, &why);
                if (r < 0) {
                        set_error(st, xasprintf("cannot read the SMTP secret: %s", why ? why : strerror(-r)));
                        int q = defer_all(s, rows, n, st->last_error, st);
                        r = q < 0 ? q : r;
                        goto out;
                }
        }
        Smtp *smtp = NULL;
        r = smtp_connect(&cfg->smtp, secret, &smtp);
        if (r < 0) {
                set_error(st, xasprintf("cannot connect to SMTP server %s:%u: %s", cfg->smtp.host, cfg->smtp.port,
                                        smtp_last_error(smtp)));
                smtp_free(smtp);
                int q = defer_all(s, rows, n, st->last_error, st);
                r = q < 0 ? q : r;
                goto out;
        }
        size_t i = 0;
        for (; i < n; i++) {
                if (rows[i].id == 0)
                        continue;
                /* The cap is looked at row by row: the rows before this one
                 * in the same pass count too. */
                int64_t until = capped_until(sd, cfg, &rows[i], now_utc());
                if (until) {
                        _cleanup_free_ char *e = xasprintf(
                                "held: %u mails already sent to %s in 24 hours (max_auto_replies_per_day)",
                                cfg->max_auto_replies_per_day, rows[i].rcpts.v[0]);
                        r = store_outbox_retry(s, rows[i].id, until, e);
                        st->held++;
                        set_error(st, xstrdup(e));
                        if (r < 0) {
                                r = register_failed(st, r);
                                i++;
                                break;
                        }
                        continue;
                }
                r = deliver(sd, cfg, s, smtp, &rows[i], st);
                if (r < 0) {
                        i++;
                        break;
                }
        }
        smtp_free(smtp);
        if (r == -ECONNRESET && i < n) {
                int q = defer_all(s, rows + i, n - i, "connection lost", st);
                if (q < 0)
                        r = q;
        }
out:
        for (size_t k = 0; k < n; k++)
                outbox_row_free(&rows[k]);
        free(rows);
        return r;
}

int sender_send_now(const Config *cfg, const RenderedMail *mail, char **ret_why)
{
        _cleanup_free_ char *secret = NULL, *why = NULL;
        int r = 0;
        if (cfg->smtp.auth != AUTH_NONE && (r = config_read_secret(&cfg->smtp.secret, &secret, &why)) < 0) {
                *ret_why = xasprintf("cannot read the SMTP secret: %s", why ? why : strerror(-r));
                return r;
        }
        Smtp *smtp = NULL;
        r = smtp_connect(&cfg->smtp, secret, &smtp);
        if (r < 0) {
                *ret_why = xasprintf("cannot connect to SMTP server %s:%u: %s", cfg->smtp.host, cfg->smtp.port,
                                     smtp_last_error(smtp));
                smtp_free(smtp);
                return r;
        }
        const char **rcpts = xcalloc(mail->rcpts.n + 1, sizeof(char *));
        for (size_t i = 0; i < mail->rcpts.n; i++)
                rcpts[i] = mail->rcpts.v[i];
        SmtpResult res = {0};
        r = smtp_send(smtp, cfg->smtp.envelope_from, rcpts, mail->rcpts.n, mail->data, mail->len, &res);
        if (r < 0)
                *ret_why = xstrdup(res.message ? res.message : smtp_last_error(smtp));
        free(rcpts);
        smtp_result_free(&res);
        smtp_free(smtp);
        return r;
}
