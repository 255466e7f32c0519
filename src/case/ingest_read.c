/* ingest_read.c — see ingest_read.h. */
#include "case/ingest_read.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "case/replyaddr.h"
#include "case/sender_trust.h"
#include "mail/compose.h"
#include "read/reading.h"
#include "read/values.h"

#include <ctype.h>

FormLabels *ingest_labels_for(const Config *cfg)
{
        FormLabels *l = form_labels_new();
        for (size_t i = 0; i < cfg->n_extra_labels; i++) {
                const char *key = cfg->extra_labels[i].key;
                /* "not_ongoing": asked the other way round (config.c) */
                bool negated = str_startswith(key, "not_");
                const FieldDef *f = form_field_by_key(negated ? key + 4 : key);
                if (!f)
                        continue;
                for (size_t k = 0; k < cfg->extra_labels[i].labels.n; k++)
                        if (negated)
                                form_labels_add_negated(l, f->id, cfg->extra_labels[i].labels.v[k]);
                        else
                                form_labels_add(l, f->id, cfg->extra_labels[i].labels.v[k]);
        }
        return l;
}

char *ingest_refusal(const Config *cfg, const Message *m)
{
        const char *envelope_from = m->return_path;
        /* Automatic mail first: a delivery report often has no sender
         * address at all ("From: MAILER DAEMON <>"), and needs nobody. */
        if (m->auto_reason)
                return xasprintf(STORE_REASON_AUTOMATIC ", no reply sent: %s", m->auto_reason);
        if (!m->from_addr)
                return xstrdup("no sender address (From:)");
        /* Our own mail, come back: a loop, or someone replaying it. */
        const char *own = replyaddr_is_own(cfg, m->from_addr) ? m->from_addr
                          : replyaddr_is_own(cfg, envelope_from) ? envelope_from : NULL;
        if (own)
                return xasprintf("sent from breachd's own address %s (%s), no reply sent", own,
                                 own == m->from_addr ? "From:" : "envelope sender");
        if (!config_is_staff_address(cfg, m->from_addr))
                return xasprintf("sender %s is not in the staff domains, no reply sent", m->from_addr);
        return sender_trust_refusal(cfg, m);
}

bool ingest_reason_automatic(const char *reason)
{
        return reason && strncmp(reason, STORE_REASON_AUTOMATIC, strlen(STORE_REASON_AUTOMATIC)) == 0;
}

int ingest_find_followup(Store *s, const Message *m, int64_t *ret_id)
{
        const char *ids[64];
        size_t n = 0;
        if (m->in_reply_to)
                ids[n++] = m->in_reply_to;
        for (size_t i = 0; i < m->references.n && n < ARRAY_SIZE(ids); i++)
                ids[n++] = m->references.v[i];
        for (size_t i = 0; i < n; i++) {
                int r = store_find_incident_by_message_id(s, ids[i], ret_id);
                if (r > 0 && store_org(s)) {
                        /* Found whatever the organisation: only one of
                         * the organisation's own is its follow-up. */
                        _cleanup_free_ char *org = NULL;
                        r = store_incident_org(s, *ret_id, &org);
                        r = r == -ENOENT ? 0 : r < 0 ? r : !strcmp(org, store_org(s));
                }
                if (r != 0)
                        return r;
        }
        /* A second copy of a report already filed: a forward whose inner
         * message is a message filed before.  A follow-up of that incident,
         * not a new one. */
        if (m->orig_message_id) {
                int r = store_find_filed_message(s, m->orig_message_id, ret_id);
                if (r != 0)
                        return r < 0 ? r : INGEST_SECOND_COPY;
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

/* A subject as compared between copies: without Re:/Fwd:-like prefixes,
 * its runs of spaces one space, ASCII letters in lower case. */
static char *subject_norm(const char *s)
{
        static const char *const prefixes[] = {"re:", "fw:", "fwd:", "tr:", "wg:", "aw:", "sv:"};
        const char *p = s ? s : "";
        for (bool again = true; again;) {
                again = false;
                while (isspace((unsigned char)*p))
                        p++;
                for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
                        if (!strncasecmp(p, prefixes[i], strlen(prefixes[i]))) {
                                p += strlen(prefixes[i]);
                                again = true;
                        }
        }
        Buf b = {0};
        bool space = false;
        for (; *p; p++) {
                if (isspace((unsigned char)*p)) {
                        space = true;
                        continue;
                }
                if (space && b.len)
                        buf_putc(&b, ' ');
                space = false;
                buf_putc(&b, (char)tolower((unsigned char)*p));
        }
        return b.len ? buf_steal(&b) : (buf_free(&b), xstrdup(""));
}

char *ingest_pasted_address(const char *from)
{
        const char *mt = strcasestr(from, "mailto:");
        _cleanup_free_ char *a = NULL;
        if (mt)
                a = xstrndup(mt + 7, strcspn(mt + 7, "]> \t"));
        char *addr = compose_address_of(a ? a : from);
        if (addr && !strchr(addr, '@')) {
                free(addr);
                addr = NULL;
        }
        return addr;
}

void ingest_original(const IngestContext *ctx, const Message *m, int64_t received_at, IngestOriginal *ret)
{
        *ret = (IngestOriginal){0};
        if (m->forwarded && m->orig_from_addr && m->orig_date) {
                ret->from = compose_address_of(m->orig_from_addr);
                ret->at = m->orig_date;
        } else if (m->forwarded && !m->orig_from_addr && m->fwd_from && m->fwd_date) {
                ValueContext vc = {.tz = ctx->tz, .message_time = m->date ? m->date : received_at};
                FieldValue v = {.count = -1};
                int r = value_parse_date(m->fwd_date, &vc, &v);
                free(v.canon);
                if (r >= 0 && v.state == FV_OK && v.date_prec == DATE_MINUTE) {
                        ret->from = ingest_pasted_address(m->fwd_from);
                        ret->at = v.when;
                }
        }
        if (ret->from) {
                ret->forward = true;
                ret->subject = xstrdup(m->orig_subject ? m->orig_subject : "");
                ret->message_id = m->orig_message_id;
                return;
        }
        free(ret->from);
        ret->from = m->from_addr ? compose_address_of(m->from_addr) : NULL;
        ret->at = m->date ? m->date : received_at;
        ret->subject = xstrdup(m->subject ? m->subject : "");
        ret->message_id = m->message_id;
}

void ingest_original_free(IngestOriginal *o)
{
        free(o->from);
        free(o->subject);
        *o = (IngestOriginal){0};
}

typedef struct {
        const char *subject;   /* normalised */
        int64_t id;
} CopyMatch;

static int copy_row(int64_t incident_id, const char *subject, int64_t sent_at, void *userdata)
{
        (void)sent_at;
        CopyMatch *c = userdata;
        if (c->id)
                return 0;
        _cleanup_free_ char *n = subject_norm(subject);
        if (!strcmp(n, c->subject))
                c->id = incident_id;
        return 0;
}

int ingest_find_pasted_copy(const IngestContext *ctx, const Message *m, int64_t *ret_id)
{
        if (!m->forwarded)
                return 0;
        IngestOriginal o;
        ingest_original(ctx, m, now_utc(), &o);
        _cleanup_free_ char *subject = o.forward ? subject_norm(o.subject) : NULL;
        if (!subject || !*subject || !o.from) {
                ingest_original_free(&o);
                return 0;
        }
        /* A pasted Date: is the minute, the one filed may have seconds,
         * or (filed before schema 10) be when the report was received. */
        CopyMatch c = {.subject = subject};
        int r = store_reports_from(ctx->store, o.from, o.at - 120, o.at + 179, o.message_id, copy_row, &c);
        ingest_original_free(&o);
        if (r < 0)
                return r;
        if (!c.id)
                return 0;
        *ret_id = c.id;
        return INGEST_SECOND_COPY;
}

/* "Jane Smith <jane@x>" (or Outlook's "Jane Smith [mailto:jane@x]") →
 * "Jane Smith"; NULL when there is no name. */
static char *display_name_of(const char *s)
{
        const char *lt = strchr(s, '<');
        const char *mt = strcasestr(s, "[mailto:");
        if (mt && (!lt || mt < lt))
                lt = mt;
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

void ingest_read_report(const IngestContext *ctx, const Message *m, int64_t received_at, Incident *inc,
                        FormreadInfo *ret_info)
{
        ValueContext vc = {
                .tz = ctx->tz,
                .message_time = m->date ? m->date : received_at,
                .directorates = ctx->cfg->directorates,
                .n_directorates = ctx->cfg->n_directorates,
        };
        if (!reading_interpreted(m, vc.message_time, &inc->form, ret_info)) {
                reading_form(m, ctx->labels, &inc->form, ret_info);
                values_interpret(&inc->form, &vc);
        }
        inc->received_at = received_at;
        inc->filed_at = now_utc();
        inc->message_id = xstrdup(m->message_id);
        inc->subject = xstrdup(m->subject);
        if (ret_info->orig_from) {
                /* A forward: the report is the original sender's; the
                 * forwarder is kept as who passed it on. */
                inc->from_addr = m->orig_from_addr ? xstrdup(m->orig_from_addr) : ingest_pasted_address(ret_info->orig_from);
                inc->from_name = m->orig_from_addr ? xstrdup(m->orig_from_name) : display_name_of(ret_info->orig_from);
        } else {
                inc->from_addr = xstrdup(m->from_addr);
                inc->from_name = xstrdup(m->from_name);
        }
        inc->forwarded_by = xstrdup(ret_info->forwarded_by);
        incident_evaluate(inc, ctx->tz);
}
