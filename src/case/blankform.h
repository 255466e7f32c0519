/* blankform.h — a request for the blank report form: a mail with nothing
 * in it, or one whose subject is just "form" or "help".  It is answered
 * with every question of the form (conf/templates/blank-form.txt) and
 * files nothing. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "read/form.h"
#include "read/message.h"
#include "register/store.h"
#include "base/tz.h"

/* Whether m asks for the blank form.  It does when no answer of the form
 * can be read from it (labels) and no attachment holds text, and either
 *  - its subject, without Re:/Fw: and punctuation, is "form" or "help" (or
 *    such as "blank form", "form please", "breach form") and its own text
 *    is a short note (40 words or fewer: "please send me the form"), or
 *  - its own text is empty (greetings, sign-offs, "Sent from my iPhone"
 *    and quoted text do not count) and so is its subject, or the subject
 *    says no more than "data breach report".
 * A mail that describes a breach is never taken for a request: it is
 * filed, and its acknowledgement asks for what is missing. */
bool blankform_requested(const Message *m, const FormLabels *labels);

/* Queues the blank form to the sender of m (its Reply-To, else From),
 * answering m.  Must run inside a store transaction.  -EINVAL with
 * *ret_why on a template error. */
int blankform_queue(Store *s, const Config *cfg, const Tz *tz, const Message *m, char **ret_why);
