/* ingest_guard.c — ingest's side of the guard (guard.h): each message is
 * read first in a bounded worker process, a few ahead of the one being
 * filed, and the worker's reading is handed back framed (msgwire.h) so that
 * the daemon neither parses the message nor reads its form a second time.
 * A message whose reading crashes or hangs the worker is quarantined as
 * poison.  See ingest-internal.h. */
#include "case/ingest-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "case/orgs.h"
#include "read/dsn.h"
#include "read/msgwire.h"
#include "read/reading.h"
#include "read/values.h"

#ifdef BREACHD_TESTING
/* Test builds only: a header that makes the worker's reading crash or eat
 * memory, so the end-to-end tests can feed the daemon a poison message. */
static void test_poison(const char *raw)
{
        if (strstr(raw, "\nX-Breachd-Test-Poison: crash"))
                raise(SIGSEGV);
        if (strstr(raw, "\nX-Breachd-Test-Poison: memory"))
                for (;;)
                        memset(xmalloc(1 << 20), 1, 1 << 20);
}
#endif

/* What the guard's worker does with a message: every reading the daemon
 * itself will do with it, short of the register.  It hands back the parsed
 * Message with its reading of the form (msgwire.h, reading.h), or "!" and
 * why it could not be parsed, so that the daemon neither runs GMime over
 * the message nor reads the form a second time. */
int ingest_guard_read(const char *raw, size_t len, void *userdata, Buf *out)
{
        const IngestContext *ctx = userdata;
#ifdef BREACHD_TESTING
        test_poison(raw);
#endif
        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        int r = message_parse(raw, len, NULL, &m, &why);
        /* In a shared mailbox, read as the organisation it is for, when
         * that needs no register (orgs_route_static(): the daemon keeps
         * this reading when it routes the message there too). */
        IngestContext octx;
        Tz *otz = NULL;
        FormLabels *olabels = NULL;
        const Config *org = r >= 0 && ctx->cfg->n_orgs > 0 ? orgs_route_static(ctx->cfg, m) : NULL;
        if (org) {
                octx = *ctx;
                octx.cfg = org;
                const Tz *t = orgs_tz(org, ctx->tz, &otz);
                octx.tz = t ? t : ctx->tz;
                octx.labels = olabels = ingest_labels_for(org);
                ctx = &octx;
        }
        if (r >= 0) {
                ValueContext vc = {.tz = ctx->tz,
                                   .directorates = ctx->cfg->directorates,
                                   .n_directorates = ctx->cfg->n_directorates};
                reading_attach(m, ctx->labels, &vc);
        }
        if (out) {
                buf_putc(out, r < 0 ? '!' : 'M');
                if (r < 0)
                        buf_printf(out, "%d %s", r, why ? why : "");
                else
                        message_encode(m, out);
        }
        if (r < 0)
                return 0;   /* (nothing of an organisation's was made) */
        Bounce bn;
        if (m->auto_reason && dsn_parse(raw, len, &bn) == 1)
                dsn_free(&bn);
        Incident inc;
        incident_init(&inc);
        FormreadInfo info;
        ingest_read_report(ctx, m, m->date ? m->date : now_utc(), &inc, &info);
        formread_info_free(&info);
        incident_free(&inc);
        form_labels_free(olabels);
        tz_free(otz);
        return 0;
}

/* The oldest message the guard holds: quarantined when its reading crashed
 * or hung in the worker, else handled. */
static int handle_guarded(Batch *b)
{
        const GuardItem *it = NULL;
        int r = guard_next(b->guard, &it);
        if (r < 0)
                return r;
        ImapMessage *meta = it->item_data;
        ImapMessage im = *meta;
        free(meta);
        im.data = it->raw;
        im.len = it->len;
        if (it->unguarded && !b->unguarded_said) {
                b->unguarded_said = true;
                log_warning("cannot start the process that reads messages within time and memory limits; "
                            "reading them unbounded");
        }
        if (it->verdict < 0) {
                /* Waiting out a hung reader takes up to half a minute: let
                 * the caller's hook tell systemd's watchdog we are alive. */
                if (b->ctx->should_stop)
                        (void)b->ctx->should_stop(b->ctx->userdata);
                LogContext lc = {.mailbox = b->mailbox, .uid = im.uid};
                log_context_set(&lc);
                _cleanup_free_ char *why = xasprintf("poison message: %s; it was not read", it->why);
                return ingest_quarantine(b, &im, NULL, why, im.internaldate > 0 ? im.internaldate : now_utc());
        }
        b->parsed = it->result;
        b->parsed_len = it->result_len;
        r = ingest_handle_message(b, &im);
        b->parsed = NULL;
        return r;
}

/* How many messages the worker may be given ahead of the one being filed:
 * enough that a quick plain-text report after a slow HTML one does not
 * leave either process waiting, few enough that a worker stuck on a
 * poison message holds up only these (guard.h gives each its own time). */
#define GUARD_AHEAD 8

/* Hands im to the guard and handles what it has judged, keeping the newest
 * GUARD_AHEAD back: the worker reads them while we file the ones before. */
int ingest_guard_submit(Batch *b, const ImapMessage *im)
{
        ImapMessage *meta = xmalloc(sizeof *meta);
        *meta = *im;
        meta->data = NULL;
        int r = guard_submit(b->guard, im->data, im->len, meta);
        if (r < 0) {
                free(meta);
                return r;
        }
        while (r >= 0 && guard_pending(b->guard) > GUARD_AHEAD) {
                r = handle_guarded(b);
                log_context_clear();
        }
        return r;
}

int ingest_guard_drain(Batch *b)
{
        int r = 0;
        while (r >= 0 && b->guard && guard_pending(b->guard) > 0) {
                r = handle_guarded(b);
                log_context_clear();
        }
        return r;
}

/* The worker hands back "M" and the encoded message (msgwire.h), or "!",
 * the code and why it could not be parsed. */
int ingest_guard_parsed(Batch *b, const ImapMessage *im, Message **ret, char **ret_why)
{
        const char *res = b->parsed;
        size_t len = b->parsed_len;
        b->parsed = NULL;
        if (res && len > 1 && res[0] == 'M' && message_decode(res + 1, len - 1, ret) == 0)
                return 0;
        if (res && len > 1 && res[0] == '!') {
                char *end = NULL;
                long r = strtol(res + 1, &end, 10);
                *ret_why = xstrdup(end && *end == ' ' ? end + 1 : "unreadable");
                return r < 0 && r > -4096 ? (int)r : -EBADMSG;
        }
        return message_parse(im->data, im->len, NULL, ret, ret_why);
}

int ingest_read_trial(const char *raw, size_t len, void *ctx, Buf *out)
{
        return ingest_guard_read(raw, len, ctx, out);
}
