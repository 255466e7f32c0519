/* templates_check.c — see templates_check.h. */
#include "case/templates_check.h"

#include "case/decision.h"
#include "case/followup.h"
#include "case/letter.h"
#include "case/weekly.h"
#include "notices/alert.h"
#include "notices/notices.h"
#include "notices/template.h"
#include "register/incident.h"

int templates_check(const Config *cfg, const Tz *tz, char **ret_why)
{
        static const char *const names[] = {"ack", "dpo-notice", "blank-form", "followup-confirm", "dpo-update",
                                            "reminder", "overdue", "decision-confirm", "decision-error",
                                            "delivery-failed", "mailbox-down", "mailbox-up", "register-down",
                                            "register-up", "too-large", "followup-passed",
                                            "dpo-outside-note", "dpo-reporter-note", "followup-noted", "followup-copy",
                                            "quarantine-digest", "weekly-digest"};
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2026001");
        inc.from_addr = xstrdup("someone@example.org");
        inc.received_at = now_utc();
        inc.deadline_at = inc.received_at + 72 * 3600;
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, &inc, now_utc(), &v);
        notices_followup_vars(&v, "  Directorate: Corporate Services (was: Adult Social Care)\n",
                              "  Reason for delay: on leave\n", "someone@example.org");
        decision_sample_vars(cfg, tz, &inc, now_utc(), &v);
        alert_sample_vars(&v);
        followup_sample_vars(&v);
        weekly_sample_vars(&v);
        int r = 0;
        for (size_t i = 0; i < ARRAY_SIZE(names) && r >= 0; i++) {
                Rendered out = {0};
                r = template_render_file(cfg->templates_dir, names[i], &v, &out, ret_why);
                rendered_free(&out);
        }
        tvars_free(&v);
        incident_free(&inc);
        /* The letter to the people affected has variables of its own. */
        return r < 0 ? r : letter_check_templates(cfg, tz, ret_why);
}
