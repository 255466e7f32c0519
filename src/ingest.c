/* ingest.c — see ingest.h. */
#include "ingest.h"

#include <errno.h>
#include <string.h>

#include "compose.h"
#include "log.h"
#include "message.h"
#include "notices.h"
#include "report.h"
#include "values.h"

FormLabels *ingest_labels_for(const Config *cfg)
{
        FormLabels *l = form_labels_new();
        for (size_t i = 0; i < cfg->n_extra_labels; i++) {
                const FieldDef *f = form_field_by_key(cfg->extra_labels[i].key);
                if (!f)
                        continue;
                for (size_t k = 0; k < cfg->extra_labels[i].labels.n; k++)
                        form_labels_add(l, f->id, cfg->extra_labels[i].labels.v[k]);
        }
        return l;
}

/* What one pass does with each message, decided while the batch's
 * transaction is open and carried out after it commits. */
typedef struct {
        uint32_t *processed, *quarantined;
        size_t n_processed, n_quarantined;
} MovePlan;

typedef struct {
        const IngestContext *ctx;
        const char *mailbox;
        uint32_t uidvalidity;
        IngestStats *stats;
        MovePlan plan;
        int error;    /* a database failure aborts the batch */
} Batch;

static void plan_add(uint32_t **v, size_t *n, uint32_t uid)
{
        *v = xrealloc(*v, (*n + 1) * sizeof **v);
        (*v)[(*n)++] = uid;
}

static void plan_free(MovePlan *p)
{
        free(p->processed);
        free(p->quarantined);
        memset(p, 0, sizeof *p);
}

static int record(Batch *b, const ImapMessage *im, const Message *m, Disposition d, int64_t incident_id,
                  const char *reason, int64_t received_at)
{
        char key[80];
        const char *k = m ? m->key : NULL;
        if (!k) {
                char h[65];
                sha256_hex(im->data ? im->data : "", im->data ? im->len : 0, h);
                snprintf(key, sizeof key, "sha256:%s", h);
                k = key;
        }
        StoredMessage sm = {
                .mailbox = b->mailbox,
                .uidvalidity = b->uidvalidity,
                .uid = im->uid,
                .key = k,
                .message_id = m ? m->message_id : NULL,
                .from_addr = m ? m->from_addr : NULL,
                .subject = m ? m->subject : NULL,
                .received_at = received_at,
                .incident_id = incident_id,
                .disposition = d,
                .reason = reason,
                .raw = im->data,
                .raw_len = im->len,
        };
        int r = store_add_message(b->ctx->store, &sm);
        if (r < 0)
                return r;
        if (d == DISP_QUARANTINE)
                plan_add(&b->plan.quarantined, &b->plan.n_quarantined, im->uid);
        else
                plan_add(&b->plan.processed, &b->plan.n_processed, im->uid);
        return 0;
}

static int quarantine(Batch *b, const ImapMessage *im, const Message *m, const char *why, int64_t received_at)
{
        log_warning("quarantined: %s", why);
        b->stats->quarantined++;
        return record(b, im, m, DISP_QUARANTINE, 0, why, received_at);
}

/* The incident a reply belongs to: "[REF]" in the subject, or a
 * Message-ID it answers that is one of ours or the incident's. */
static int find_followup(Store *s, const Message *m, int64_t *ret_id)
{
        const char *ids[64];
        size_t n = 0;
        if (m->in_reply_to)
                ids[n++] = m->in_reply_to;
        for (size_t i = 0; i < m->references.n && n < ARRAY_SIZE(ids); i++)
                ids[n++] = m->references.v[i];
        for (size_t i = 0; i < n; i++) {
                int r = store_find_incident_by_message_id(s, ids[i], ret_id);
                if (r != 0)
                        return r;
        }
        const char *open = strchr(m->subject, '[');
        while (open) {
                const char *close = strchr(open, ']');
                if (!close)
                        break;
                _cleanup_free_ char *ref = xstrndup(open + 1, (size_t)(close - open - 1));
                Incident inc;
                if (store_load_incident(s, str_trim(ref), &inc) == 0) {
                        *ret_id = inc.id;
                        incident_free(&inc);
                        return 1;
                }
                open = strchr(close, '[');
        }
        return 0;
}

/* "Jane Smith <jane@x>" → "Jane Smith"; NULL when there is no name. */
static char *display_name_of(const char *s)
{
        const char *lt = strchr(s, '<');
        if (!lt || lt == s)
                return NULL;
        _cleanup_free_ char *n = xstrndup(s, (size_t)(lt - s));
        char *t = str_trim(n);
        size_t len = strlen(t);
        if (len >= 2 && t[0] == '"' && t[len - 1] == '"') {
                t[len - 1] = 0;
                t++;
        }
        return *t ? xstrdup(t) : NULL;
}

static int file_incident(Batch *b, const ImapMessage *im, const Message *m, int64_t received_at)
{
        const IngestContext *ctx = b->ctx;
        Incident inc;
        incident_init(&inc);
        int r;
        ReportInfo info;
        report_read(m, ctx->labels, &inc.form, &info);
        ValueContext vc = {
                .tz = ctx->tz,
                .message_time = m->date ? m->date : received_at,
                .directorates = ctx->cfg->directorates,
                .n_directorates = ctx->cfg->n_directorates,
        };
        values_interpret(&inc.form, &vc);
        inc.received_at = received_at;
        inc.filed_at = now_utc();
        inc.message_id = xstrdup(m->message_id);
        inc.subject = xstrdup(m->subject);
        if (info.orig_from) {
                /* A forward: the report is the original sender's; the
                 * forwarder is kept as who passed it on. */
                inc.from_addr = m->orig_from_addr ? xstrdup(m->orig_from_addr) : compose_address_of(info.orig_from);
                inc.from_name = m->orig_from_addr ? xstrdup(m->orig_from_name) : display_name_of(info.orig_from);
        } else {
                inc.from_addr = xstrdup(m->from_addr);
                inc.from_name = xstrdup(m->from_name);
        }
        inc.forwarded_by = xstrdup(info.forwarded_by);
        incident_evaluate(&inc, ctx->tz);
        char tok[25];
        random_token(tok, 24);
        inc.token = xstrdup(tok);
        struct tm lt;
        tz_utc_to_local(ctx->tz, received_at, &lt);
        r = store_next_ref(ctx->store, ctx->cfg->reference_pattern, lt.tm_year + 1900, &inc.ref);
        if (r < 0)
                goto out;
        r = store_insert_incident(ctx->store, &inc);
        if (r < 0)
                goto out;
        LogContext lc = {.incident_ref = inc.ref, .message_id = m->message_id, .mailbox = b->mailbox, .uid = im->uid};
        log_context_set(&lc);
        char *why = NULL;
        r = notices_queue_new_incident(ctx->store, ctx->cfg, ctx->tz, &inc, m, &why);
        if (r < 0) {
                log_error("%s", why);
                free(why);
                goto out;
        }
        r = record(b, im, m, DISP_REPORT, inc.id, NULL, received_at);
        if (r >= 0) {
                b->stats->filed++;
                log_info("filed %s from %s (%zu fields, %zu missing)", inc.ref, inc.from_addr ? inc.from_addr : "?",
                         info.n_fields, inc.missing.n);
        }
out:
        report_info_free(&info);
        incident_free(&inc);
        return r;
}

static int handle_message(Batch *b, const ImapMessage *im)
{
        const IngestContext *ctx = b->ctx;
        int64_t received_at = im->internaldate > 0 ? im->internaldate : now_utc();
        if (!im->data) {
                _cleanup_free_ char *why = xasprintf("message of %llu bytes is larger than max_message_size (%llu)",
                                                     (unsigned long long)im->rfc822_size,
                                                     (unsigned long long)ctx->cfg->max_message_size);
                return quarantine(b, im, NULL, why, received_at);
        }
        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        int r = message_parse(im->data, im->len, NULL, &m, &why);
        if (r < 0)
                return quarantine(b, im, NULL, why, received_at);
        LogContext lc = {.message_id = m->message_id, .mailbox = b->mailbox, .uid = im->uid};
        log_context_set(&lc);
        if (!m->date && im->internaldate <= 0)
                received_at = now_utc();
        else if (im->internaldate <= 0)
                received_at = m->date;

        int64_t seen_incident = 0;
        r = store_key_seen(ctx->store, m->key, &seen_incident);
        if (r < 0)
                return r;
        if (r > 0) {
                b->stats->duplicates++;
                log_info("already filed under another UID (%s): not filed again", m->key);
                return record(b, im, m, DISP_DUPLICATE, seen_incident, "same message already filed", received_at);
        }
        if (!m->from_addr)
                return quarantine(b, im, m, "no sender address (From:)", received_at);
        if (m->auto_reason) {
                _cleanup_free_ char *w = xasprintf("automatic message, no reply sent: %s", m->auto_reason);
                return quarantine(b, im, m, w, received_at);
        }
        if (!config_is_staff_address(ctx->cfg, m->from_addr)) {
                _cleanup_free_ char *w = xasprintf("sender %s is not in the staff domains, no reply sent", m->from_addr);
                return quarantine(b, im, m, w, received_at);
        }
        int64_t incident_id = 0;
        r = find_followup(ctx->store, m, &incident_id);
        if (r < 0)
                return r;
        if (r > 0) {
                b->stats->followups++;
                log_info("follow-up to an existing incident");
                r = store_audit(ctx->store, incident_id, m->from_addr, "followup", NULL, NULL, m->subject);
                return r < 0 ? r : record(b, im, m, DISP_FOLLOWUP, incident_id, NULL, received_at);
        }
        return file_incident(b, im, m, received_at);
}

static int on_message(const ImapMessage *im, void *userdata)
{
        Batch *b = userdata;
        if (b->error)
                return b->error;
        int r = handle_message(b, im);
        log_context_clear();
        if (r < 0) {
                b->error = r;
                return r;
        }
        return 0;
}

static void move_planned(const IngestContext *ctx, Imap *imap, Batch *b)
{
        const MailboxConfig *mc = &ctx->cfg->mailbox;
        struct {
                uint32_t *uids;
                size_t n;
                const char *dest;
        } moves[] = {{b->plan.processed, b->plan.n_processed, mc->processed_folder},
                     {b->plan.quarantined, b->plan.n_quarantined, mc->quarantine_folder}};
        for (size_t i = 0; i < ARRAY_SIZE(moves); i++) {
                if (!moves[i].n)
                        continue;
                int r = imap_move(imap, moves[i].uids, moves[i].n, moves[i].dest);
                if (r < 0) {
                        /* Filed already: the next pass moves them again. */
                        b->stats->move_failures += (unsigned)moves[i].n;
                        log_warning("moving %zu message(s) to %s failed: %s; they stay in %s and will be moved "
                                    "on the next pass, not filed again",
                                    moves[i].n, moves[i].dest, imap_last_error(imap), mc->folder);
                        continue;
                }
                b->stats->moved += (unsigned)moves[i].n;
                store_mark_moved(ctx->store, mc->folder, b->uidvalidity, moves[i].uids, moves[i].n);
        }
}

/* Messages recorded by an earlier pass but still in the inbox (the move
 * failed, or the daemon stopped between commit and move): move them now. */
static int sweep_recorded(const IngestContext *ctx, Imap *imap, Batch *b, const uint32_t *uids, size_t n,
                          uint32_t **ret_new, size_t *ret_n_new)
{
        uint32_t *fresh = xcalloc(n + 1, sizeof *fresh);
        size_t n_fresh = 0;
        for (size_t i = 0; i < n; i++) {
                int r = store_uid_seen(ctx->store, b->mailbox, b->uidvalidity, uids[i]);
                if (r < 0) {
                        free(fresh);
                        return r;
                }
                if (r == 0) {
                        fresh[n_fresh++] = uids[i];
                        continue;
                }
                int q = store_uid_quarantined(ctx->store, b->mailbox, b->uidvalidity, uids[i]);
                if (q > 0)
                        plan_add(&b->plan.quarantined, &b->plan.n_quarantined, uids[i]);
                else
                        plan_add(&b->plan.processed, &b->plan.n_processed, uids[i]);
        }
        if (b->plan.n_processed + b->plan.n_quarantined) {
                log_info("moving %zu message(s) filed earlier but still in %s",
                         b->plan.n_processed + b->plan.n_quarantined, b->mailbox);
                move_planned(ctx, imap, b);
                plan_free(&b->plan);
        }
        *ret_new = fresh;
        *ret_n_new = n_fresh;
        return 0;
}

static int run_batch(const IngestContext *ctx, Imap *imap, Batch *b, const uint32_t *uids, size_t n)
{
        int r = store_begin(ctx->store);
        if (r < 0)
                return r;
        b->error = 0;
        r = imap_fetch(imap, uids, n, ctx->cfg->max_message_size, on_message, b);
        if (r >= 0 && b->error)
                r = b->error;
        if (r >= 0)
                r = store_commit(ctx->store);
        if (r < 0) {
                store_rollback(ctx->store);
                plan_free(&b->plan);
                return r;
        }
        move_planned(ctx, imap, b);
        plan_free(&b->plan);
        return 0;
}

int ingest_poll(const IngestContext *ctx, Imap *imap, IngestStats *stats)
{
        const MailboxConfig *mc = &ctx->cfg->mailbox;
        int r;
        if ((r = imap_ensure_folder(imap, mc->processed_folder)) < 0 ||
            (r = imap_ensure_folder(imap, mc->quarantine_folder)) < 0)
                log_warning("cannot create folder: %s; filing goes on, moves may fail", imap_last_error(imap));
        uint32_t uidvalidity = 0, uidnext = 0, exists = 0;
        r = imap_select(imap, mc->folder, &uidvalidity, &uidnext, &exists);
        if (r < 0)
                return r;
        Batch b = {.ctx = ctx, .mailbox = mc->folder, .uidvalidity = uidvalidity, .stats = stats};
        if (exists == 0)
                return 0;
        _cleanup_free_ uint32_t *uids = NULL;
        size_t n = 0;
        r = imap_search_uids(imap, 1, &uids, &n);
        if (r < 0)
                return r;
        _cleanup_free_ uint32_t *fresh = NULL;
        size_t n_fresh = 0;
        r = sweep_recorded(ctx, imap, &b, uids, n, &fresh, &n_fresh);
        if (r < 0)
                return r;
        size_t batch = ctx->cfg->batch_size ? ctx->cfg->batch_size : 200;
        for (size_t i = 0; i < n_fresh; i += batch) {
                if (ctx->should_stop && ctx->should_stop(ctx->userdata))
                        break;
                size_t k = n_fresh - i < batch ? n_fresh - i : batch;
                r = run_batch(ctx, imap, &b, fresh + i, k);
                if (r < 0)
                        return r;
        }
        return 0;
}
