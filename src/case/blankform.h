/* blankform.h — the answer to a request for the blank report form (a mail
 * with nothing in it, or one whose subject is just "form" or "help"; telling
 * one is read/formrequest.h's job): every question of the form
 * (conf/templates/blank-form.txt), and nothing filed. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "base/tz.h"
#include "read/message.h"
#include "register/store.h"

/* Queues the blank form to the sender of m (replyaddr_for(): its Reply-To
 * when that is a staff address or a DPO's, else its From),
 * answering m.  Must run inside a store transaction.  Returns 1 when it is
 * queued, 0 when the daily cap on automatic replies held it back (so that
 * the log says what happened), -EINVAL with *ret_why on a template error. */
int blankform_queue(Store *s, const Config *cfg, const Tz *tz, const Message *m, char **ret_why);
