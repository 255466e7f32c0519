/* sender.c — see sender.h. */
#include "sender.h"

#include <errno.h>
#include <string.h>

#include "bounce.h"
#include "log.h"
#include "smtp.h"

/* After this many attempts (about three days at the 1 h cap) a temporary
 * failure is treated as permanent, as MTAs do. */
#define MAX_ATTEMPTS 80

void send_stats_free(SendStats *s)
{
        free(s->last_error);
        s->last_error = NULL;
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

static int defer_all(Store *s, OutboxRow *rows, size_t n, const char *why, SendStats *st)
{
        int64_t now = now_utc();
        for (size_t i = 0; i < n; i++) {
                int r = store_outbox_retry(s, rows[i].id, now + sender_backoff(rows[i].attempts), why);
                if (r < 0)
                        return r;
                st->deferred++;
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

static int deliver(const Config *cfg, Store *s, Smtp *smtp, OutboxRow *row, SendStats *st)
{
        SmtpResult res = {0};
        const char **rcpts = xcalloc(row->rcpts.n + 1, sizeof(char *));
        for (size_t i = 0; i < row->rcpts.n; i++)
                rcpts[i] = row->rcpts.v[i];
        int r = smtp_send(smtp, row->envelope_from, rcpts, row->rcpts.n, row->data, row->len, &res);
        free(rcpts);
        int64_t now = now_utc();
        int q;
        if (r >= 0) {
                q = store_outbox_sent_quick(s, row->id, now);
                st->sent++;
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
                return q;
        /* A dropped connection fails every later row too: stop and retry. */
        return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE ? -ECONNRESET : 0;
}

int sender_run(const Config *cfg, Store *s, SendStats *st)
{
        OutboxRow *rows = NULL;
        size_t n = 0;
        int r = store_outbox_due(s, now_utc(), 500, &rows, &n);
        if (r < 0 || n == 0)
                return r;
        _cleanup_free_ char *secret = NULL;
        if (cfg->smtp.auth != AUTH_NONE) {
                _cleanup_free_ char *why = NULL;
                r = config_read_secret(&cfg->smtp.secret, &secret, &why);
                if (r < 0) {
                        set_error(st, xasprintf("cannot read the SMTP secret: %s", why ? why : strerror(-r)));
                        defer_all(s, rows, n, st->last_error, st);
                        goto out;
                }
        }
        Smtp *smtp = NULL;
        r = smtp_connect(&cfg->smtp, secret, &smtp);
        if (r < 0) {
                set_error(st, xasprintf("cannot connect to SMTP server %s:%u: %s", cfg->smtp.host, cfg->smtp.port,
                                        smtp_last_error(smtp)));
                smtp_free(smtp);
                defer_all(s, rows, n, st->last_error, st);
                goto out;
        }
        size_t i = 0;
        for (; i < n; i++) {
                r = deliver(cfg, s, smtp, &rows[i], st);
                if (r < 0) {
                        i++;
                        break;
                }
        }
        smtp_free(smtp);
        if (r == -ECONNRESET && i < n)
                r = defer_all(s, rows + i, n - i, "connection lost", st);
out:
        for (size_t k = 0; k < n; k++)
                outbox_row_free(&rows[k]);
        free(rows);
        return r;
}
