/* newcase.c — see newcase.h. */
#include "case/newcase.h"

#include <errno.h>
#include <string.h>

#include "case/decision.h"
#include "case/replyaddr.h"
#include "mail/compose.h"
#include "notices/calendar.h"
#include "notices/notices.h"
#include "notices/ratelimit.h"
#include "notices/template.h"

/* One rendered mail about inc, queued in the outbox with the headers that
 * tie it to the incident and to the message it answers. */
static int queue_rendered(Store *s, const Config *cfg, const Incident *inc, const char *kind, const StrList *to,
                          const Rendered *r, const char *reply_to, const char *auto_submitted,
                          const char *in_reply_to, const StrList *refs, const char *calendar)
{
        OutMessage o = {
                .from = cfg->smtp.from,
                .to = to,
                .reply_to = reply_to,
                .subject = r->subject,
                .body = r->body,
                .in_reply_to = in_reply_to,
                .references = refs,
                .loop_ref = inc->ref,
                .auto_submitted = auto_submitted,
                .calendar = calendar,
                .calendar_method = calendar_method_name(CALENDAR_REQUEST),
                .calendar_file = "invite.ics",
        };
        _cleanup_free_ char *data = NULL, *mid = NULL;
        size_t len = 0;
        int ret = compose_message(&o, &data, &len, &mid);
        if (ret < 0)
                return ret;
        StrList rcpts = {0};
        for (size_t i = 0; i < to->n; i++) {
                char *a = compose_address_of(to->v[i]);
                if (a)
                        strlist_take(&rcpts, a);
        }
        ret = rcpts.n ? store_queue_mail(s, inc->id, kind, cfg->smtp.envelope_from, &rcpts, mid, r->subject, data,
                                         len, NULL)
                      : -EINVAL;
        strlist_free(&rcpts);
        return ret;
}

/* The plus-address a DPO's reply must go to: it carries the incident's
 * token, which authenticates the reply. */
static char *token_address(const Config *cfg, const Incident *inc)
{
        _cleanup_free_ char *addr = compose_address_of(cfg->smtp.reply_to ? cfg->smtp.reply_to : cfg->smtp.from);
        if (!addr)
                return NULL;
        char *at = strchr(addr, '@');
        *at = 0;
        return xasprintf("%s+%s.%s@%s", addr, inc->ref, inc->token, at + 1);
}

int newcase_queue_notices(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, const Message *m,
                          char **ret_why)
{
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, inc, now_utc(), &v);
        _cleanup_free_ char *reply = token_address(cfg, inc);
        Rendered ack = {0}, dpo = {0};
        char *withheld = NULL;     /* the daily cap held the acknowledgement back */
        char *ics = NULL;          /* the DPO notice's calendar event */
        /* The DPO's notice says how to record the decision.  A report that
         * comes in after its deadline makes it the overdue notice, which the
         * escalation contacts get as well (reminders.c counts it as such). */
        decision_vars(cfg, tz, inc, NULL, now_utc(), &v);
        StrList dpo_to = {0};
        for (size_t i = 0; i < cfg->dpo.n; i++)
                strlist_add(&dpo_to, cfg->dpo.v[i]);
        for (size_t i = 0; inc->deadline_at <= now_utc() && i < cfg->escalation.n; i++)
                if (!strlist_contains_ci(&dpo_to, cfg->escalation.v[i]))
                        strlist_add(&dpo_to, cfg->escalation.v[i]);
        StrList to = {0}, refs = {0};
        const char *reporter = replyaddr_for(cfg, m);
        int r = template_render_file(cfg->templates_dir, "ack", &v, &ack, ret_why);
        if (r < 0)
                goto out;
        /* An autoresponder that got past the loop rules is stopped by the
         * daily cap (ratelimit.h); the DPO's notice goes all the same, and
         * says that the reporter was not answered, so that the DPO does not
         * wait for answers nobody asked for. */
        int admitted = ratelimit_admit(s, cfg, reporter, "ack", m->key, inc->id, now_utc());
        if (admitted < 0) {
                r = admitted;
                *ret_why = xasprintf("cannot queue the acknowledgement: %s", strerror(-r));
                goto out;
        }
        if (admitted == 0) {
                tvars_set(&v, "reporter_asked", "the reporter has not been asked for it: see above");
                char *line = xasprintf(
                        "The reporter was not sent an acknowledgement: %s had %u automatic replies in 24 hours\n"
                        "(max_auto_replies_per_day). Ask them yourself for anything missing.",
                        reporter, cfg->max_auto_replies_per_day);
                tvars_set(&v, "ack_withheld", line);
                free(line);
        }
        r = template_render_file(cfg->templates_dir, "dpo-notice", &v, &dpo, ret_why);
        if (r < 0)
                goto out;
        strlist_add(&to, reporter);
        for (size_t i = 0; i < m->references.n; i++)
                strlist_add(&refs, m->references.v[i]);
        if (m->message_id)
                strlist_add(&refs, m->message_id);
        if (admitted > 0)
                r = queue_rendered(s, cfg, inc, "ack", &to, &ack, cfg->smtp.reply_to, "auto-replied", m->message_id,
                                   &refs, NULL);
        else
                withheld = xasprintf("acknowledgement of %s to %s withheld: it had %u automatic replies in 24 hours "
                                     "(max_auto_replies_per_day)", inc->ref, reporter, cfg->max_auto_replies_per_day);
        if (r < 0) {
                *ret_why = xasprintf("cannot queue the acknowledgement: %s", strerror(-r));
                goto out;
        }
        /* The deadline as an invitation for the DPO's calendar, while it
         * is still ahead (an overdue notice goes to the escalation
         * contacts too, who are no attendees). */
        unsigned seq = 0;
        if (inc->deadline_at > now_utc()) {
                r = calendar_next(s, cfg, inc, &seq);
                if (r > 0)
                        r = calendar_event(cfg, inc, CALENDAR_REQUEST, seq, now_utc(), &ics);
                if (r < 0) {
                        *ret_why = xasprintf("cannot write the DPO notice's calendar event: %s", strerror(-r));
                        goto out;
                }
        }
        r = queue_rendered(s, cfg, inc, "dpo_notice", &dpo_to, &dpo, reply, "auto-generated", NULL, NULL, ics);
        if (r < 0)
                *ret_why = xasprintf("cannot queue the DPO notice: %s", strerror(-r));
        else if (withheld) {
                *ret_why = withheld;
                withheld = NULL;
        }
out:
        free(withheld);
        free(ics);
        strlist_free(&to);
        strlist_free(&refs);
        strlist_free(&dpo_to);
        rendered_free(&ack);
        rendered_free(&dpo);
        tvars_free(&v);
        return r;
}

