/* blankform.c — see blankform.h. */
#include "case/blankform.h"

#include "case/followup.h"
#include "case/replyaddr.h"
#include "notices/notices.h"

int blankform_queue(Store *s, const Config *cfg, const Tz *tz, const Message *m, char **ret_why)
{
        /* Every variable an incident's mail has, as templates_check()
         * checks them, so that an edited template that passed the check
         * cannot fail here; they describe no incident. */
        Incident none;
        incident_init(&none);
        none.ref = xstrdup("");
        none.received_at = now_utc();
        none.deadline_at = none.received_at + 72 * 3600;
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, &none, none.received_at, &v);
        incident_free(&none);
        notices_followup_vars(&v, "", "", "");
        followup_note_vars(&v, "", "");
        tvars_set(&v, "reporter_name", m->from_name ? m->from_name : "colleague");
        tvars_set(&v, "their_subject", m->subject && *m->subject ? m->subject : "(no subject)");
        StrList to = {0};
        strlist_add(&to, replyaddr_for(cfg, m));
        bool queued = false;
        NoticeMail n = {
                .loop_ref = "breachd", .kind = "blank_form", .template_name = "blank-form", .to = &to,
                .answering = m, .reply_to = cfg->smtp.reply_to, .auto_submitted = "auto-replied",
                .ret_queued = &queued,
        };
        int r = notices_queue_template(s, cfg, &n, &v, ret_why);
        if (r >= 0)
                r = queued ? 1 : 0;
        strlist_free(&to);
        tvars_free(&v);
        return r;
}
