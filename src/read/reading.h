/* reading.h — what the guard's worker read of a message, carried back to
 * the daemon with the parsed Message (msgwire.h) so that the form is read
 * once, not twice.
 *
 * The worker reads every message before the daemon does (guard.h): it
 * parses it, reads the form (formread_message), reads the values against
 * the message's own Date (values_interpret) and sees whether it asks for
 * the blank form (formrequest_detect).  Both readings are deterministic
 * functions of the message, the labels and the configuration, which the
 * worker shares with the daemon it was forked from within one pass; so the
 * daemon takes them as they are instead of doing the work again.  A message
 * without a Date is read against its arrival time, which the worker does not
 * know: its values are read again by the daemon (reading_interpreted()
 * says no).
 *
 * Ownership: a FormReading travels attached to its Message (Message.attached,
 * which the parser never looks into) and is freed with it by
 * message_free(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "read/form.h"
#include "read/formread.h"
#include "read/message.h"
#include "read/values.h"

typedef struct {
        FormRecord raw;         /* as formread_message() left it */
        FormreadInfo info;
        bool interpreted;       /* interp is raw after values_interpret() at message_time */
        int64_t message_time;
        FormRecord interp;
        bool blank_form;        /* formrequest_detect(): a request for the blank form */
} FormReading;

/* The worker's side: reads m (formread_message, then values_interpret when
 * m has a Date; vc->message_time is ignored) and attaches the result to m. */
void reading_attach(Message *m, const FormLabels *labels, const ValueContext *vc);

/* formread_message(m, labels, rec, info), or a copy of what the worker read.
 * rec must be initialised and empty; *info is overwritten. */
void reading_form(const Message *m, const FormLabels *labels, FormRecord *rec, FormreadInfo *info);

/* When the worker read m's values at message_time: copies that record into
 * rec (initialised, empty) and the form's info into *info, and returns
 * true.  Else false, and nothing is touched. */
bool reading_interpreted(const Message *m, int64_t message_time, FormRecord *rec, FormreadInfo *info);

/* formrequest_detect(m, labels), as the worker found it when it read m. */
bool reading_blank_form(const Message *m, const FormLabels *labels);

/* The reading attached to m; NULL when it has none. */
const FormReading *reading_of(const Message *m);

/* Attaches r to m, which owns it from here (message_free() frees it); a
 * reading attached before is freed.  For msgwire.c, which carries one. */
void reading_set(Message *m, FormReading *r);

void reading_free(FormReading *r);
