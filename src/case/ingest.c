/* ingest.c — see ingest.h: the batch's choreography.  Fetch a batch, file
 * each message in the batch's one transaction (a report, a follow-up, a
 * decision, a delivery report, a request for the form, or quarantine),
 * commit, then move.  The reading ahead in the guard's worker is
 * ingest_guard.c's; what a message reads as, ingest_read.c's. */
#include "case/ingest-internal.h"

#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "case/blankform.h"
#include "case/bounce.h"
#include "case/decision.h"
#include "case/followup.h"
#include "case/newcase.h"
#include "case/orgs.h"
#include "case/replyaddr.h"
#include "notices/alert.h"
#include "notices/ratelimit.h"
#include "read/formread.h"
#include "read/reading.h"

static void plan_add(uint32_t **v, size_t *n, uint32_t uid)
{
        *v = xrealloc(*v, (*n + 1) * sizeof **v);
        (*v)[(*n)++] = uid;
}

static void plan_free(MovePlan *p)
{
        free(p->processed);
        free(p->quarantined);
        free(p->automatic);
        memset(p, 0, sizeof *p);
}

/* Where the message uid goes once the batch is committed. */
static void plan_for(Batch *b, int d, uint32_t uid)
{
        if (d == DISP_QUARANTINE)
                plan_add(&b->plan.quarantined, &b->plan.n_quarantined, uid);
        else if (d == DISP_AUTOMATIC)
                plan_add(&b->plan.automatic, &b->plan.n_automatic, uid);
        else
                plan_add(&b->plan.processed, &b->plan.n_processed, uid);
}

static int record(Batch *b, const ImapMessage *im, const Message *m, Disposition d, int64_t incident_id,
                  const char *reason, int64_t received_at)
{
        /* A report: the message it was first sent as, by which a later
         * copy is known (ingest_find_pasted_copy()). */
        IngestOriginal orig = {0};
        if (d == DISP_REPORT && m)
                ingest_original(b->ctx, m, received_at, &orig);
        if (b->reprocess_row) {
                int r = store_set_disposition(b->ctx->store, b->reprocess_row, d, incident_id, reason);
                if (r >= 0 && orig.from)
                        r = store_set_original(b->ctx->store, b->reprocess_row, orig.from, orig.at, orig.subject,
                                               orig.message_id);
                ingest_original_free(&orig);
                return r;
        }
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
                /* a forward: the Message-ID of the report it carries,
                 * so that a later copy is matched (the forward's own is
                 * its key) */
                .message_id = m ? (m->orig_message_id ? m->orig_message_id : m->message_id) : NULL,
                .from_addr = m ? m->from_addr : NULL,
                .subject = m ? m->subject : NULL,
                .received_at = received_at,
                .incident_id = incident_id,
                .disposition = d,
                .reason = reason,
                .raw = im->data,
                .raw_len = im->len,
                .orig_from = orig.from,
                .orig_at = orig.at,
                .orig_subject = orig.subject,
                .orig_message_id = orig.message_id,
        };
        int r = store_add_message(b->ctx->store, &sm);
        ingest_original_free(&orig);
        if (r < 0)
                return r;
        plan_for(b, d, im->uid);
        return 0;
}

/* Automatic mail (out-of-office replies, lists, receipts, delivery reports
 * about nothing we sent): nobody need look at it, so it is filed quietly in
 * mailbox.automatic_folder, not quarantined; its raw bytes are kept. */
static int file_automatic(Batch *b, const ImapMessage *im, const Message *m, const char *why, int64_t received_at)
{
        log_info("filed quietly in %s: %s", b->ctx->cfg->mailbox.automatic_folder, why);
        b->stats->automatic++;
        return record(b, im, m, DISP_AUTOMATIC, 0, why, received_at);
}

int ingest_quarantine(Batch *b, const ImapMessage *im, const Message *m, const char *why, int64_t received_at)
{
        log_warning("quarantined: %s", why);
        b->stats->quarantined++;
        return record(b, im, m, DISP_QUARANTINE, 0, why, received_at);
}

static int file_incident(Batch *b, const ImapMessage *im, const Message *m, int64_t received_at)
{
        const IngestContext *ctx = b->ctx;
        Incident inc;
        incident_init(&inc);
        int r;
        FormreadInfo info;
        ingest_read_report(ctx, m, received_at, &inc, &info);
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
        r = newcase_queue_notices(ctx->store, ctx->cfg, ctx->tz, &inc, m, &why);
        if (r < 0) {
                log_error("%s", why);
                free(why);
                goto out;
        }
        if (why)        /* the acknowledgement was held back by the daily cap */
                log_warning("%s", why);
        free(why);
        r = record(b, im, m, DISP_REPORT, inc.id, NULL, received_at);
        if (r >= 0) {
                b->stats->filed++;
                const char *org = ctx->cfg->org ? ctx->cfg->org : "";
                log_info("filed %s%s%s from %s (%zu fields, %zu missing)", inc.ref, *org ? " for " : "", org,
                         inc.from_addr ? inc.from_addr : "?", info.n_fields, inc.missing.n);
        }
out:
        formread_info_free(&info);
        incident_free(&inc);
        return r;
}

/* A reply or other later message about a filed incident: attached to it,
 * its answers merged, or from someone not on the case passed to the DPO as
 * a note (followup.c); no new incident, no second ack. */
static int file_followup(Batch *b, const ImapMessage *im, const Message *m, int64_t incident_id, bool copy,
                         int64_t received_at)
{
        FollowupResult res;
        char *why = NULL;
        int r = copy ? followup_apply_copy(b->ctx, incident_id, m, received_at, &res, &why)
                     : followup_apply(b->ctx, incident_id, m, received_at, &res, &why);
        if (r < 0) {
                if (why)
                        log_error("%s", why);
                free(why);
                return r;
        }
        LogContext lc = {.incident_ref = res.ref, .message_id = m->message_id, .mailbox = b->mailbox, .uid = im->uid};
        log_context_set(&lc);
        r = record(b, im, m, DISP_FOLLOWUP, incident_id,
                   res.copy && res.noted ? "a second copy of the report, not the reporter's: passed to the DPO"
                   : res.copy            ? "a second copy of the report: not filed again"
                   : res.noted   ? "not from the reporter, the forwarder or a DPO: nothing changed, passed to the DPO"
                   : res.asked ? "no answers, but words for a person: passed to the DPO as a note"
                               : NULL,
                   received_at);
        if (r >= 0) {
                b->stats->followups++;
                if (res.copy)
                        log_info("%s from %s is a second copy of the report filed as %s: not filed again, "
                                 "%zu answer(s) added", m->subject, m->from_addr, res.ref, res.filled.n);
                else if (res.noted)
                        log_info("message about %s from %s, who is not on the case: nothing changed, passed to "
                                 "the DPO as a note", res.ref, m->from_addr);
                else if (res.asked)
                        log_info("follow-up to %s from %s: no answers, but words for a person: passed to the "
                                 "DPO as a note", res.ref, m->from_addr);
                else
                        log_info("follow-up to %s from %s: %zu answer(s) added, %zu changed", res.ref,
                                 m->from_addr, res.filled.n, res.changed.n);
        }
        followup_result_free(&res);
        return r;
}

/* A request for the blank form: answered with it, nothing filed. */
static int send_blank_form(Batch *b, const ImapMessage *im, const Message *m, int64_t received_at)
{
        char *why = NULL;
        int r = blankform_queue(b->ctx->store, b->ctx->cfg, b->ctx->tz, m, &why);
        if (r < 0) {
                if (why)
                        log_error("%s", why);
                free(why);
                return r;
        }
        bool queued = r > 0;
        r = record(b, im, m, DISP_IGNORED, 0, "blank form requested", received_at);
        if (r >= 0) {
                b->stats->ignored++;
                if (queued)
                        log_info("blank form sent to %s", m->from_addr);
                else
                        log_info("blank form for %s withheld: it had %u automatic replies in 24 hours "
                                 "(max_auto_replies_per_day)", m->from_addr, b->ctx->cfg->max_auto_replies_per_day);
        }
        return r;
}

/* A delivery report about mail of ours: recorded on the incident (and the
 * DPO told, for an acknowledgement) and filed away; 0 when it is about
 * nothing we sent, so that it is filed quietly like any automatic mail. */
static int handle_bounce(Batch *b, const ImapMessage *im, const Message *m, int64_t received_at)
{
        Bounce bn;
        if (dsn_parse(im->data, im->len, &bn) != 1)
                return 0;
        BounceMatch match = {0};
        int r = bounce_record(b->ctx->store, b->ctx->cfg, b->ctx->tz, &bn, &match);
        dsn_free(&bn);
        if (r <= 0)
                return r;
        if (match.already)
                log_info("delivery report, recorded before: %s", match.summary);
        else
                log_warning("delivery report: %s%s", match.summary, match.told_dpo ? "; the DPO has been told" : "");
        b->stats->ignored++;
        _cleanup_free_ char *why = xasprintf("delivery report: %s", match.summary);
        r = record(b, im, m, DISP_IGNORED, match.incident_id, why, received_at);
        bounce_match_free(&match);
        return r < 0 ? r : 1;
}

/* The IngestContext of organisation org for the pass: the shared one's,
 * with the organisation's Config, zone and labels. */
static const IngestContext *org_context(Batch *b, const IngestContext *shared, const Config *org)
{
        for (size_t i = 0; i < b->n_orgs; i++)
                if (b->orgs[i]->ctx.cfg == org)
                        return &b->orgs[i]->ctx;
        OrgContext *o = xcalloc(1, sizeof *o);
        o->ctx = *shared;
        o->ctx.cfg = org;
        const Tz *tz = orgs_tz(org, shared->tz, &o->tz);
        o->ctx.tz = tz ? tz : shared->tz;
        o->labels = ingest_labels_for(org);
        o->ctx.labels = o->labels;
        b->orgs = xrealloc(b->orgs, (b->n_orgs + 1) * sizeof *b->orgs);
        b->orgs[b->n_orgs++] = o;
        return &o->ctx;
}

static void free_org_contexts(Batch *b)
{
        for (size_t i = 0; i < b->n_orgs; i++) {
                tz_free(b->orgs[i]->tz);
                form_labels_free(b->orgs[i]->labels);
                free(b->orgs[i]);
        }
        free(b->orgs);
        b->orgs = NULL;
        b->n_orgs = 0;
}

static int handle_parsed(Batch *b, const ImapMessage *im, Message *m, int64_t received_at);

int ingest_handle_message(Batch *b, const ImapMessage *im)
{
        const IngestContext *ctx = b->ctx;
        int64_t received_at = im->internaldate > 0 ? im->internaldate : now_utc();
        if (!im->data) {
                _cleanup_free_ char *why = xasprintf("message of %llu bytes is larger than max_message_size (%llu)",
                                                     (unsigned long long)im->rfc822_size,
                                                     (unsigned long long)ctx->cfg->max_message_size);
                return ingest_quarantine(b, im, NULL, why, received_at);
        }
        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        int r = ingest_guard_parsed(b, im, &m, &why);
        if (r < 0)
                return ingest_quarantine(b, im, NULL, why, received_at);
        LogContext lc = {.message_id = m->message_id, .mailbox = b->mailbox, .uid = im->uid};
        log_context_set(&lc);
        if (!m->date && im->internaldate <= 0)
                received_at = now_utc();
        else if (im->internaldate <= 0)
                received_at = m->date;

        /* Whose it is (orgs.h): in a shared mailbox, the organisation it
         * is routed to, whose Config, zone, labels and part of the register
         * everything below uses; in an organisation's own mailbox (or a
         * single organisation's), the mailbox's. */
        const IngestContext *shared = ctx;
        if (shared->cfg->n_orgs > 0) {
                const Config *org = NULL;
                _cleanup_free_ char *route_why = NULL;
                r = orgs_route(shared->store, shared->cfg, m, im->data, im->len, &org, &route_why);
                if (r < 0)
                        return r;
                if (r == 0 && !m->auto_reason) {
                        /* Under the service's key (its Config's, ""). */
                        const char *scope = store_org(shared->store);
                        _cleanup_free_ char *was = scope ? xstrdup(scope) : NULL;
                        store_set_org(shared->store, shared->cfg->org);
                        r = ingest_quarantine(b, im, m, route_why, received_at);
                        store_set_org(shared->store, was);
                        return r;
                }
                /* Automatic mail nobody claims is the service's, filed
                 * quietly below like any other. */
                if (r > 0) {
                        b->ctx = org_context(b, shared, org);
                        /* The worker read it as the organisation its
                         * address or sender's domain gives (ingest_guard.c);
                         * routed elsewhere (a reply about another's case),
                         * it is read again with this one's labels and
                         * zone, which the worker has survived reading. */
                        if (org != orgs_route_static(shared->cfg, m))
                                reading_set(m, NULL);
                }
        }
        const char *scope = store_org(shared->store);
        _cleanup_free_ char *was = scope ? xstrdup(scope) : NULL;
        store_set_org(shared->store, b->ctx->cfg->org);
        r = handle_parsed(b, im, m, received_at);
        store_set_org(shared->store, was);
        b->ctx = shared;
        return r;
}

static int handle_parsed(Batch *b, const ImapMessage *im, Message *m, int64_t received_at)
{
        const IngestContext *ctx = b->ctx;
        int r;
        int64_t seen_incident = 0;
        r = store_key_seen(ctx->store, m->key, &seen_incident);
        if (r < 0)
                return r;
        if (r > 0) {
                b->stats->duplicates++;
                log_info("already filed under another UID (%s): not filed again", m->key);
                return record(b, im, m, DISP_DUPLICATE, seen_incident, "same message already filed", received_at);
        }
        if (m->auto_reason) {
                r = handle_bounce(b, im, m, received_at);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        /* A DPO's reply to a notice or reminder: a decision by mail
         * (decision.c).  Before the staff check, as a DPO may be outside
         * the staff domains. */
        int64_t decided = 0;
        _cleanup_free_ char *decision_why = NULL;
        r = decision_handle_reply(ctx->store, ctx->cfg, ctx->tz, m, &decided, &decision_why);
        if (r < 0) {
                log_error("%s", decision_why ? decision_why : errstr(r));
                return r;
        }
        if (r == DECISION_REFUSED)
                return ingest_quarantine(b, im, m, decision_why, received_at);
        if (r == DECISION_ACCEPTED) {
                b->stats->followups++;
                log_info("%s", decision_why);
                return record(b, im, m, DISP_FOLLOWUP, decided, NULL, received_at);
        }
        _cleanup_free_ char *refused = ingest_refusal(ctx->cfg, m);
        if (refused && ingest_reason_automatic(refused))
                return file_automatic(b, im, m, refused, received_at);
        if (refused)
                return ingest_quarantine(b, im, m, refused, received_at);
        int64_t incident_id = 0;
        r = ingest_find_followup(ctx->store, m, &incident_id);
        if (r == 0)
                r = ingest_find_pasted_copy(ctx, m, &incident_id);
        if (r < 0)
                return r;
        if (r > 0)
                return file_followup(b, im, m, incident_id, r == INGEST_SECOND_COPY, received_at);
        if (reading_blank_form(m, ctx->labels))
                return send_blank_form(b, im, m, received_at);
        return file_incident(b, im, m, received_at);
}

/* ---- oversized messages ------------------------------------------------ */

/* Enough for any real header block; a longer one is cut, not refused. */
#define OVERSIZED_HEADER_MAX (64 * 1024)

/* The sender of a message too large to download, read from its header: a
 * member of staff gets one short reply (once per message, within the daily
 * cap), anyone else nothing; the message is kept in quarantine. */
static int answer_oversized(Batch *b, const ImapMessage *im, const Message *m, const char *hdr, size_t len,
                            int64_t received_at)
{
        const IngestContext *ctx = b->ctx;
        _cleanup_free_ char *refused = ingest_refusal(ctx->cfg, m);
        if (refused)
                return 0;
        const char *to = replyaddr_for(ctx->cfg, m);
        int r = store_auto_mail_about(ctx->store, m->key, "too_large");
        if (r != 0)
                return r;
        /* The cap itself is applied where the reply is queued (notices.c);
         * this is to say so in the log. */
        unsigned sent = 0;
        r = ratelimit_count(ctx->store, to, now_utc(), &sent);
        if (r < 0)
                return r;
        if (sent >= ctx->cfg->max_auto_replies_per_day) {
                log_warning("no reply to %s about its too large message: %u automatic replies in 24 hours "
                            "(max_auto_replies_per_day)", to, sent);
                return 0;
        }
        _cleanup_free_ char *why = NULL;
        r = alert_too_large(ctx->store, ctx->cfg, m, to, im->rfc822_size, &why);
        if (r < 0)
                log_error("%s", why);
        else
                log_info("too large a message from %s: one short reply queued", to);
        return r;
}

static int handle_oversized(Batch *b, Imap *imap, const ImapMessage *im)
{
        const IngestContext *ctx = b->ctx;
        int64_t received_at = im->internaldate > 0 ? im->internaldate : now_utc();
        LogContext lc = {.mailbox = b->mailbox, .uid = im->uid};
        log_context_set(&lc);
        _cleanup_free_ char *why = xasprintf("message of %llu bytes is larger than max_message_size (%llu)",
                                             (unsigned long long)im->rfc822_size,
                                             (unsigned long long)ctx->cfg->max_message_size);
        _cleanup_free_ char *hdr = NULL, *parse_why = NULL;
        size_t len = 0;
        int r = imap_fetch_header(imap, im->uid, OVERSIZED_HEADER_MAX, &hdr, &len);
        if (r == -ECONNRESET || r == -ENOTCONN || r == -ESTALE)
                return r;
        _cleanup_message_ Message *m = NULL;
        bool safe = r >= 0;
        if (safe && b->guard) {
                /* Even a header is read in the worker first. */
                const GuardItem *it = NULL;
                ImapMessage *meta = xcalloc(1, sizeof *meta);
                safe = guard_submit(b->guard, hdr, len, meta) >= 0 && guard_next(b->guard, &it) >= 0 &&
                       it->verdict == 0;
                free(meta);
        }
        if (safe && message_parse(hdr, len, NULL, &m, &parse_why) >= 0) {
                /* In a shared mailbox: the organisation's, answered and
                 * kept in quarantine under it, when its header says whose. */
                const Config *org = NULL;
                _cleanup_free_ char *route_why = NULL;
                if (ctx->cfg->n_orgs > 0 && (r = orgs_route(ctx->store, ctx->cfg, m, NULL, 0, &org, &route_why)) < 0)
                        return r;
                const char *scope = store_org(ctx->store);
                _cleanup_free_ char *was = scope ? xstrdup(scope) : NULL;
                if (org) {
                        b->ctx = org_context(b, ctx, org);
                        store_set_org(ctx->store, org->org);
                }
                /* Nobody's: no organisation answers it. */
                r = ctx->cfg->n_orgs > 0 && !org ? 0 : answer_oversized(b, im, m, hdr, len, received_at);
                if (r >= 0)
                        r = ingest_quarantine(b, im, m, why, received_at);
                b->ctx = ctx;
                store_set_org(ctx->store, was);
                return r;
        }
        return ingest_quarantine(b, im, m, why, received_at);
}

static int handle_all_oversized(Batch *b, Imap *imap)
{
        int r = 0;
        for (size_t i = 0; i < b->n_oversized && r >= 0; i++) {
                r = handle_oversized(b, imap, &b->oversized[i]);
                log_context_clear();
        }
        free(b->oversized);
        b->oversized = NULL;
        b->n_oversized = 0;
        return r;
}

static int on_message(const ImapMessage *im, void *userdata)
{
        Batch *b = userdata;
        if (b->error)
                return b->error;
        int r = 0;
        if (!im->data) {
                /* Its header can only be fetched once this FETCH is over. */
                b->oversized = xrealloc(b->oversized, (b->n_oversized + 1) * sizeof *b->oversized);
                b->oversized[b->n_oversized++] = *im;
        } else if (b->guard) {
                r = ingest_guard_submit(b, im);
        } else {
                r = ingest_handle_message(b, im);
        }
        log_context_clear();
        if (r < 0) {
                b->error = r;
                return r;
        }
        return 0;
}

/* How the move of uids to dest went: counted, and marked in the register;
 * a failed one is said, and left for the next pass. */
static void moved(const uint32_t *uids, size_t n, const char *dest, int r, const char *why, void *userdata)
{
        Batch *b = userdata;
        const IngestContext *ctx = b->ctx;
        const MailboxConfig *mc = &ctx->cfg->mailbox;
        if (r == -ENOTCONN && b->mover && b->imap) {
                /* The second session never came up: move on ours. */
                if (!b->mover_down_said) {
                        b->mover_down_said = true;
                        log_info("moving on the one IMAP session: %s", why ? why : errstr(r));
                }
                r = imap_move(b->imap, uids, n, dest);
                why = imap_last_error(b->imap);
        }
        if (r < 0) {
                /* Filed already: the next pass moves them again. */
                b->stats->move_failures += (unsigned)n;
                log_warning("moving %zu message(s) to %s failed: %s; they stay in %s and will be moved "
                            "on the next pass, not filed again",
                            n, dest, why ? why : errstr(r), mc->folder);
                return;
        }
        b->stats->moved += (unsigned)n;
        store_mark_moved(ctx->store, b->mailbox, b->uidvalidity, uids, n);
}

static void move_planned(const IngestContext *ctx, Imap *imap, Batch *b)
{
        const MailboxConfig *mc = &ctx->cfg->mailbox;
        struct {
                uint32_t *uids;
                size_t n;
                const char *dest;
        } moves[] = {{b->plan.processed, b->plan.n_processed, mc->processed_folder},
                     {b->plan.quarantined, b->plan.n_quarantined, mc->quarantine_folder},
                     {b->plan.automatic, b->plan.n_automatic, mc->automatic_folder}};
        if (b->plan.n_processed + b->plan.n_quarantined + b->plan.n_automatic > 0 && ctx->holds_mailbox &&
            !ctx->holds_mailbox(ctx->userdata)) {
                /* Recorded already: the host that works the mailbox now
                 * moves them (sweep_recorded()). */
                log_info("not moving: this host no longer works %s", b->mailbox);
                return;
        }
        for (size_t i = 0; i < ARRAY_SIZE(moves); i++) {
                if (!moves[i].n)
                        continue;
                if (b->mover) {
                        mover_submit(b->mover, moves[i].uids, moves[i].n, moves[i].dest);
                        continue;
                }
                int r = imap_move(imap, moves[i].uids, moves[i].n, moves[i].dest);
                moved(moves[i].uids, moves[i].n, moves[i].dest, r, r < 0 ? imap_last_error(imap) : NULL, b);
        }
}

/* Waits for the moves handed to the mover, and records them. */
static void collect_moves(Batch *b)
{
        if (b->mover)
                mover_collect(b->mover, true, moved, b);
}

/* Messages recorded by an earlier pass but still in the inbox (the move
 * failed, or the daemon stopped between commit and move): move them now. */
static int sweep_recorded(const IngestContext *ctx, Imap *imap, Batch *b, const uint32_t *uids, size_t n,
                          uint32_t **ret_new, size_t *ret_n_new)
{
        uint32_t *fresh = xcalloc(n + 1, sizeof *fresh);
        size_t n_fresh = 0;
        for (size_t i = 0; i < n; i++) {
                int r = store_uid_disposition(ctx->store, b->mailbox, b->uidvalidity, uids[i]);
                if (r < 0) {
                        free(fresh);
                        return r;
                }
                if (r == 0) {
                        fresh[n_fresh++] = uids[i];
                        continue;
                }
                plan_for(b, r, uids[i]);
        }
        size_t planned = b->plan.n_processed + b->plan.n_quarantined + b->plan.n_automatic;
        if (planned) {
                log_info("moving %zu message(s) filed earlier but still in %s", planned, b->mailbox);
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
                r = ingest_guard_drain(b);
        if (r >= 0)
                r = handle_all_oversized(b, imap);
        free(b->oversized);
        b->oversized = NULL;
        b->n_oversized = 0;
        if (r >= 0)
                r = store_commit(ctx->store);
        if (r < 0) {
                store_rollback(ctx->store);
                plan_free(&b->plan);
                /* What the worker still reads for this batch goes with
                 * it: a batch read again (ingest_poll()) starts clean. */
                const GuardItem *it = NULL;
                while (b->guard && guard_pending(b->guard) > 0 && guard_next(b->guard, &it) >= 0)
                        free(it->item_data);
                return r;
        }
        /* One batch's moves in flight at a time: the one before is over
         * (and recorded) before this one is handed over. */
        collect_moves(b);
        move_planned(ctx, imap, b);
        plan_free(&b->plan);
        return 0;
}

char *ingest_mailbox_key(const Config *cfg)
{
        if (cfg->own_mailbox && cfg->org && *cfg->org)
                return xasprintf("%s/%s", cfg->org, cfg->mailbox.folder);
        return xstrdup(cfg->mailbox.folder);
}

int ingest_poll(const IngestContext *ctx, Imap *imap, IngestStats *stats)
{
        const MailboxConfig *mc = &ctx->cfg->mailbox;
        int r;
        if ((r = imap_ensure_folder(imap, mc->processed_folder)) < 0 ||
            (r = imap_ensure_folder(imap, mc->quarantine_folder)) < 0 ||
            (r = imap_ensure_folder(imap, mc->automatic_folder)) < 0)
                log_warning("cannot create folder: %s; filing goes on, moves may fail", imap_last_error(imap));
        uint32_t uidvalidity = 0, uidnext = 0, exists = 0;
        r = imap_select(imap, mc->folder, &uidvalidity, &uidnext, &exists);
        if (r < 0)
                return r;
        if (exists == 0)
                return 0;
        /* No process is started before the first message needs reading. */
        _cleanup_guard_ Guard *guard = NULL;
        guard_new(NULL, ingest_guard_read, (void *)ctx, &guard);
        _cleanup_free_ char *key = ingest_mailbox_key(ctx->cfg);
        Batch b = {.ctx = ctx, .mailbox = key, .uidvalidity = uidvalidity, .stats = stats, .guard = guard,
                   .imap = imap};
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
        /* A burst: the moves of one batch overlap the fetch of the next.
         * The second session logs in while the first batch is fetched. */
        if (n_fresh > batch && ctx->mailbox_secret &&
            mover_start(&ctx->cfg->mailbox, ctx->mailbox_secret, mc->folder, uidvalidity, &b.mover) < 0)
                b.mover = NULL;
        for (size_t i = 0; i < n_fresh; i += batch) {
                if (ctx->should_stop && ctx->should_stop(ctx->userdata))
                        break;
                if (ctx->holds_mailbox && !ctx->holds_mailbox(ctx->userdata))
                        break;
                size_t k = n_fresh - i < batch ? n_fresh - i : batch;
                IngestStats before = *stats;
                r = run_batch(ctx, imap, &b, fresh + i, k);
                /* A message of the batch was filed by another breachd
                 * first (two hosts on one register, a handover): its key
                 * refused ours and the batch was rolled back.  What the
                 * other filed is only moved; the rest is filed again, for
                 * as long as each round finds more filed by the other (it
                 * committed what refused ours), so this ends. */
                size_t left = k;
                if (r == -EEXIST)
                        log_info("a message of this batch was filed by another breachd first; reading the batch again");
                while (r == -EEXIST) {
                        *stats = before;
                        _cleanup_free_ uint32_t *rest = NULL;
                        size_t n_rest = 0;
                        r = sweep_recorded(ctx, imap, &b, fresh + i, k, &rest, &n_rest);
                        if (r < 0 || !n_rest)
                                break;
                        if (n_rest >= left) {
                                r = -EEXIST;   /* nothing new filed by another: not a race */
                                break;
                        }
                        log_info("another breachd filed %zu of these messages first; filing the other %zu",
                                 left - n_rest, n_rest);
                        left = n_rest;
                        r = run_batch(ctx, imap, &b, rest, n_rest);
                }
                if (r < 0)
                        break;
        }
        collect_moves(&b);
        mover_free(b.mover);
        free_org_contexts(&b);
        return r < 0 ? r : 0;
}

int ingest_reprocess(const IngestContext *ctx, int64_t message_row, const char *raw, size_t len,
                     int64_t received_at, IngestStats *stats)
{
        Batch b = {.ctx = ctx, .mailbox = "(reprocess)", .stats = stats, .reprocess_row = message_row};
        ImapMessage im = {.internaldate = received_at, .data = raw, .len = len, .rfc822_size = len};
        int r = ingest_handle_message(&b, &im);
        log_context_clear();
        plan_free(&b.plan);
        free_org_contexts(&b);
        return r;
}
