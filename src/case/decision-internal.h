/* decision-internal.h — for decision.c, decision_parse.c and
 * decision_mail.c only: what the grammar and the case share. */
#pragma once

#include "case/decision.h"

/* The names of severities 1 to 5, as a reply or a change line shows them. */
extern const char *const decision_severities[5];
