/* formrequest.h — telling a request for the blank report form from a
 * report: a matter of reading the mail, so it is done here, in the worker
 * that reads each message (reading.h), and answered by case/blankform.h. */
#pragma once

#include <stdbool.h>

#include "read/form.h"
#include "read/message.h"

/* Whether m asks for the blank form.  It never does when a file is
 * attached (Message.n_attachments: a PDF, a scan, a photo, a .doc, .odt or
 * .xlsx, read or not; a logo or signature picture shown in the HTML body,
 * or an S/MIME or OpenPGP signature, is not an attachment).  Otherwise it does when no answer of the form can be
 * read from it (labels), and either
 *  - its subject, without Re:/Fw: and punctuation, is "form" or "help" (or
 *    such as "blank form", "form please", "breach form") and its own text
 *    is a short note (40 words or fewer: "please send me the form"), or
 *  - its own text is empty (greetings, sign-offs, "Sent from my iPhone"
 *    and quoted text do not count) and so is its subject, or the subject
 *    says no more than "data breach report".
 * A mail that describes a breach is never taken for a request: it is
 * filed, and its acknowledgement asks for what is missing. */
bool formrequest_detect(const Message *m, const FormLabels *labels);
