/* templates_check.h — every template rendered once with sample variables
 * at start-up and by --check-config.  It lives in case/ because only here
 * are all the kinds of mail known: the incident's (notices.h), the
 * decision's (decision.h) and the alerts' (alert.h). */
#pragma once

#include "base/config.h"
#include "base/tz.h"

/* Renders every template with a sample incident, so that an edited
 * template with an unknown variable is refused at start-up and by
 * --check-config, not when the first report arrives.  0, or a negative
 * code with *ret_why saying which template failed and why (caller frees). */
int templates_check(const Config *cfg, const Tz *tz, char **ret_why);
