/* bounce.c — see bounce.h: a delivery report (read by read/dsn.c) matched
 * to the mail of ours it is about, recorded, and the DPO told. */
#include "case/bounce.h"

#include <errno.h>
#include <string.h>

#include "notices/alert.h"

void bounce_match_free(BounceMatch *m)
{
        if (!m)
                return;
        free(m->kind);
        free(m->summary);
        memset(m, 0, sizeof *m);
}

/* ---- recording ------------------------------------------------------------ */

static const char *kind_words(const char *kind)
{
        if (!strcmp(kind, "ack"))
                return "acknowledgement";
        if (!strcmp(kind, "dpo_notice"))
                return "DPO notice";
        return kind;
}

static char *failure_text(const Bounce *b)
{
        if (b->status && b->diagnostic)
                return xasprintf("%s %s", b->status, b->diagnostic);
        if (b->diagnostic || b->status)
                return xstrdup(b->diagnostic ? b->diagnostic : b->status);
        return xstrdup("returned as undeliverable (no reason given)");
}

int bounce_tell_dpo(Store *s, const Config *cfg, const Tz *tz, int64_t incident_id, const char *kind,
                    const char *rcpt, const char *why)
{
        if (!incident_id || strcmp(kind, "ack") != 0)
                return 0;
        Tz *own = NULL;
        int r = 0;
        if (!tz) {
                r = tz_open(cfg->timezone, &own);
                if (r < 0)
                        return r;
                tz = own;
        }
        _cleanup_free_ char *err = NULL;
        Incident inc;
        /* By its id: its reference may be another organisation's too. */
        r = store_load_incident_by_id(s, incident_id, &inc);
        if (r >= 0) {
                r = alert_delivery_failed(s, cfg, tz, &inc, rcpt, why, &err);
                incident_free(&inc);
        }
        tz_free(own);
        return r < 0 ? r : 1;
}

static char *rcpt_of(const Bounce *b, const OutboxRef *row)
{
        return xstrdup(b->recipient ? b->recipient : row->rcpts.n ? row->rcpts.v[0] : "?");
}

int bounce_record(Store *s, const Config *cfg, const Tz *tz, const Bounce *b, BounceMatch *ret)
{
        OutboxRef row = {0};
        int r = -ENOENT;
        for (size_t i = 0; i < b->message_ids.n && r == -ENOENT; i++)
                r = store_outbox_by_message_id(s, b->message_ids.v[i], &row);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        /* Mail of another organisation than the one in scope is not this
         * one's to record or to tell its DPO about (orgs_route() sends a
         * report about our mail to the organisation that sent it). */
        if (store_org(s) && strcmp(row.org, store_org(s)) != 0) {
                outbox_ref_free(&row);
                return 0;
        }
        BounceMatch m = {.outbox_id = row.id, .incident_id = row.incident_id, .kind = xstrdup(row.kind)};
        _cleanup_free_ char *rcpt = rcpt_of(b, &row), *why = failure_text(b);
        if (b->action != BOUNCE_FAILED) {
                m.summary = xasprintf("%s to %s not delivered yet (%s report): %s", kind_words(row.kind), rcpt,
                                      b->format, why);
                r = row.incident_id ? store_audit(s, row.incident_id, "breachd", "delivery_delayed", row.kind, NULL,
                                                  m.summary)
                                    : 0;
                goto out;
        }
        m.already = !strcmp(row.state, "bounced");
        m.summary = xasprintf("%s to %s bounced (%s report): %s", kind_words(row.kind), rcpt, b->format, why);
        if (m.already)
                goto out;
        r = store_outbox_bounced(s, row.id, m.summary);
        if (r >= 0 && row.incident_id)
                r = store_audit(s, row.incident_id, "breachd", "delivery_failed", row.kind, NULL, m.summary);
        if (r >= 0) {
                r = bounce_tell_dpo(s, cfg, tz, row.incident_id, row.kind, rcpt, why);
                m.told_dpo = r > 0;
        }
out:
        outbox_ref_free(&row);
        if (r < 0) {
                bounce_match_free(&m);
                return r;
        }
        *ret = m;
        return 1;
}
