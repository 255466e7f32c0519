/* ctl_letter.h — breachctl subject-letter: the letter to the people
 * affected by a breach (UK GDPR Article 34), drafted from the register by
 * case/letter.h, as text or HTML, to the standard output or a file. */
#pragma once

#include "ctl/ctl.h"

/* subject-letter REF [--html | --format text|html] [-o FILE] [--draft] */
int ctl_subject_letter(Ctl *c, int argc, char **argv);
