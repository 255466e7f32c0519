/* templates_check.c — see templates_check.h. */
#include "case/templates_check.h"

#include <errno.h>

#include "case/decision.h"
#include "case/followup.h"
#include "case/letter.h"
#include "case/orgs.h"
#include "case/weekly.h"
#include "notices/alert.h"
#include "notices/notices.h"
#include "notices/template.h"
#include "register/incident.h"

static int check_one(const Config *cfg, const Tz *tz, char **ret_why);

/* The main file's templates, then each organisation's (its templates_dir,
 * its zone), a failure named by the organisation's file. */
int templates_check(const Config *cfg, const Tz *tz, char **ret_why)
{
        int r = check_one(cfg, tz, ret_why);
        for (size_t i = 0; r >= 0 && i < cfg->n_orgs; i++) {
                const Config *org = cfg->orgs[i];
                Tz *own = NULL;
                const Tz *otz = orgs_tz(org, tz, &own);
                char *why = NULL;
                r = otz ? check_one(org, otz, &why) : -EINVAL;
                tz_free(own);
                if (r < 0 && ret_why)
                        *ret_why = xasprintf("%s (organisation %s): %s", org->path, org->org,
                                             why ? why : "cannot open its time zone");
                free(why);
        }
        return r;
}

static int check_one(const Config *cfg, const Tz *tz, char **ret_why)
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
