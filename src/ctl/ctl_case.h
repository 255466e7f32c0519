/* ctl_case.h — breachctl's commands for the DPO's case work: the ICO
 * decision, assignment, notes, remedial actions, closing.  They check and
 * record exactly what a decision by reply mail would (decision.c), and
 * print the changes to `out`, or why nothing changed to stderr. */
#pragma once

#include "ctl/ctl.h"

/* decide REF notify|not-notifiable --reason TEXT [--ico-ref REF] [--delay-reason TEXT] [--by NAME] */
int ctl_decide(Ctl *c, int argc, char **argv);
/* set REF FIELD VALUE...  (outcome, severity, ico-reference, ...) */
int ctl_set(Ctl *c, int argc, char **argv);
/* assign REF NAME... */
int ctl_assign(Ctl *c, int argc, char **argv);
/* note REF TEXT... */
int ctl_note(Ctl *c, int argc, char **argv);
/* close REF */
int ctl_close(Ctl *c, int argc, char **argv);
/* actions REF | actions REF add TEXT [--owner NAME] [--due DATE] | actions REF done N */
int ctl_actions(Ctl *c, int argc, char **argv);

/* The case part of "show": assessment, actions, notes, reminders. */
void ctl_show_case(Ctl *c, int64_t incident_id);
