/* reading.c — see reading.h. */
#include "read/reading.h"

#include <string.h>

#include "read/formrequest.h"

static void strlist_copy(StrList *dst, const StrList *src)
{
        for (size_t i = 0; i < src->n; i++)
                strlist_add(dst, src->v[i]);
}

void form_record_copy(FormRecord *dst, const FormRecord *src)
{
        form_record_init(dst);
        for (size_t i = 0; i < FIELD__MAX; i++) {
                dst->f[i] = src->f[i];
                dst->f[i].text = xstrdup(src->f[i].text);
                dst->f[i].canon = xstrdup(src->f[i].canon);
        }
        strlist_copy(&dst->notes, &src->notes);
        strlist_copy(&dst->unknown_labels, &src->unknown_labels);
}

void report_info_copy(ReportInfo *dst, const ReportInfo *src)
{
        *dst = *src;
        dst->forwarded_by = xstrdup(src->forwarded_by);
        dst->orig_from = xstrdup(src->orig_from);
}

void reading_attach(Message *m, const FormLabels *labels, const ValueContext *vc)
{
        FormReading *r = xcalloc(1, sizeof *r);
        form_record_init(&r->raw);
        form_record_init(&r->interp);
        report_read(m, labels, &r->raw, &r->info);
        if (m->date) {
                ValueContext at = *vc;
                at.message_time = m->date;
                form_record_copy(&r->interp, &r->raw);
                values_interpret(&r->interp, &at);
                r->interpreted = true;
                r->message_time = m->date;
        }
        reading_free(m->reading);
        m->reading = r;
        r->blank_form = formrequest_detect(m, labels);
}

bool reading_blank_form(const Message *m, const FormLabels *labels)
{
        return m->reading ? m->reading->blank_form : formrequest_detect(m, labels);
}

void reading_report(const Message *m, const FormLabels *labels, FormRecord *rec, ReportInfo *info)
{
        if (!m->reading) {
                report_read(m, labels, rec, info);
                return;
        }
        form_record_free(rec);
        form_record_copy(rec, &m->reading->raw);
        report_info_copy(info, &m->reading->info);
}

bool reading_interpreted(const Message *m, int64_t message_time, FormRecord *rec, ReportInfo *info)
{
        const FormReading *r = m->reading;
        if (!r || !r->interpreted || r->message_time != message_time)
                return false;
        form_record_free(rec);
        form_record_copy(rec, &r->interp);
        report_info_copy(info, &r->info);
        return true;
}

void reading_free(FormReading *r)
{
        if (!r)
                return;
        form_record_free(&r->raw);
        form_record_free(&r->interp);
        report_info_free(&r->info);
        free(r);
}
