/* notices.h — the mail breachd writes about an incident, rendered from the
 * templates and queued in the outbox inside the caller's transaction. */
#pragma once

#include "config.h"
#include "incident.h"
#include "message.h"
#include "store.h"
#include "template.h"
#include "tz.h"

/* Fills the variables every incident template may use. */
void notices_incident_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v);

/* Queues the acknowledgement to the reporter (answering `m`) and the notice
 * to the DPO(s).  Must run inside a store transaction.  -EINVAL with
 * *ret_why on a template error. */
int notices_queue_new_incident(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, const Message *m,
                               char **ret_why);

/* Renders every template with a sample incident, so that an edited
 * template with an unknown variable is refused at start-up and by
 * --check-config, not when the first report arrives. */
int notices_check_templates(const Config *cfg, const Tz *tz, char **ret_why);

/* Formats a UTC instant in the configured zone: "Monday 9 March 2026, 14:05 GMT". */
char *notices_format_time(const Tz *tz, int64_t t);
/* "2 days 3 hours left" / "overdue by 5 hours". */
char *notices_time_left(int64_t deadline, int64_t now);
