/* ingest_read.c — see ingest_read.h. */
#include "case/ingest_read.h"

#include <string.h>
#include <strings.h>

#include "case/replyaddr.h"
#include "case/sender_trust.h"
#include "mail/compose.h"
#include "read/reading.h"
#include "read/values.h"

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
                inc->from_addr = m->orig_from_addr ? xstrdup(m->orig_from_addr) : compose_address_of(ret_info->orig_from);
                inc->from_name = m->orig_from_addr ? xstrdup(m->orig_from_name) : display_name_of(ret_info->orig_from);
        } else {
                inc->from_addr = xstrdup(m->from_addr);
                inc->from_name = xstrdup(m->from_name);
        }
        inc->forwarded_by = xstrdup(ret_info->forwarded_by);
        incident_evaluate(inc, ctx->tz);
}
