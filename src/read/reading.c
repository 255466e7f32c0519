/* reading.c — see reading.h. */
#include "read/reading.h"

#include <string.h>

#include "read/formrequest.h"

/* The attachment's destructor, and so also how reading_of() knows that
 * what is attached to a Message is a FormReading. */
static void attached_free(void *attached)
{
        reading_free(attached);
}

const FormReading *reading_of(const Message *m)
{
        return m->attached && m->attached_free == attached_free ? m->attached : NULL;
}

void reading_set(Message *m, FormReading *r)
{
        if (m->attached_free)
                m->attached_free(m->attached);
        m->attached = r;
        m->attached_free = attached_free;
}

void reading_attach(Message *m, const FormLabels *labels, const ValueContext *vc)
{
        FormReading *r = xcalloc(1, sizeof *r);
        form_record_init(&r->raw);
        form_record_init(&r->interp);
        formread_message(m, labels, &r->raw, &r->info);
        if (m->date) {
                ValueContext at = *vc;
                at.message_time = m->date;
                form_record_copy(&r->interp, &r->raw);
                values_interpret(&r->interp, &at);
                r->interpreted = true;
                r->message_time = m->date;
        }
        reading_set(m, r);
        r->blank_form = formrequest_detect(m, labels);
}

bool reading_blank_form(const Message *m, const FormLabels *labels)
{
        const FormReading *r = reading_of(m);
        return r ? r->blank_form : formrequest_detect(m, labels);
}

void reading_form(const Message *m, const FormLabels *labels, FormRecord *rec, FormreadInfo *info)
{
        const FormReading *r = reading_of(m);
        if (!r) {
                formread_message(m, labels, rec, info);
                return;
        }
        form_record_free(rec);
        form_record_copy(rec, &r->raw);
        formread_info_copy(info, &r->info);
}

bool reading_interpreted(const Message *m, int64_t message_time, FormRecord *rec, FormreadInfo *info)
{
        const FormReading *r = reading_of(m);
        if (!r || !r->interpreted || r->message_time != message_time)
                return false;
        form_record_free(rec);
        form_record_copy(rec, &r->interp);
        formread_info_copy(info, &r->info);
        return true;
}

void reading_free(FormReading *r)
{
        if (!r)
                return;
        form_record_free(&r->raw);
        form_record_free(&r->interp);
        formread_info_free(&r->info);
        free(r);
}
