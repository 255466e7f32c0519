/* incident.c — see incident.h. */
#include "register/incident.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "read/values.h"

void incident_init(Incident *inc)
{
        memset(inc, 0, sizeof *inc);
        form_record_init(&inc->form);
        inc->within_72h = -1;
        inc->days_to_report = -1;
}

void incident_free(Incident *inc)
{
        if (!inc)
                return;
        free(inc->ref);
        free(inc->token);
        free(inc->message_id);
        free(inc->from_addr);
        free(inc->from_name);
        free(inc->subject);
        free(inc->forwarded_by);
        form_record_free(&inc->form);
        strlist_free(&inc->missing);
        strlist_free(&inc->unclear);
        strlist_free(&inc->fallbacks);
        free(inc->status);
        free(inc->ico_decision);
        free(inc->ico_reference);
        free(inc->outcome);
        free(inc->allocated_to);
        incident_init(inc);
}

static bool has_instant(const FieldValue *v)
{
        return v->state == FV_OK && (v->date_prec == DATE_DAY || v->date_prec == DATE_MINUTE);
}

static void fallback(Incident *inc, FieldId id, const char *value)
{
        FieldValue *v = &inc->form.f[id];
        if (v->state != FV_ABSENT || str_empty(value))
                return;
        v->text = xstrdup(value);
        v->state = FV_OK;
        if (!strlist_contains(&inc->fallbacks, form_fields[id].key))
                strlist_add(&inc->fallbacks, form_fields[id].key);
}

/* "Which individuals are affected?" often holds the number ("3 pupils and
 * their parents"): when the count was not given, it is taken from there,
 * with that answer as its text. */
static void count_from_affected(Incident *inc)
{
        FieldValue *c = &inc->form.f[F_INDIVIDUALS_COUNT];
        const FieldValue *a = &inc->form.f[F_INDIVIDUALS_AFFECTED];
        FieldValue v = {.count = -1};
        if (c->state != FV_ABSENT || !a->text || value_count_in_text(a->text, &v) < 0) {
                free(v.canon);
                return;
        }
        free(c->text);
        free(c->canon);
        *c = v;
        c->text = xstrdup(a->text);
        if (!strlist_contains(&inc->fallbacks, form_fields[F_INDIVIDUALS_COUNT].key))
                strlist_add(&inc->fallbacks, form_fields[F_INDIVIDUALS_COUNT].key);
}

/* Whole calendar days between two instants in the configured zone. */
static int calendar_days(const Tz *tz, int64_t from, int64_t to)
{
        struct tm a, b;
        tz_utc_to_local(tz, from, &a);
        tz_utc_to_local(tz, to, &b);
        int64_t da = (int64_t)timegm(&(struct tm){.tm_year = a.tm_year, .tm_mon = a.tm_mon, .tm_mday = a.tm_mday});
        int64_t db = (int64_t)timegm(&(struct tm){.tm_year = b.tm_year, .tm_mon = b.tm_mon, .tm_mday = b.tm_mday});
        return (int)((db - da) / 86400);
}

/* And the other way: "How many people are affected? 3 (child, foster
 * carer, birth mother)" says who they are as well.  A bare number does
 * not. */
static void affected_from_count(Incident *inc)
{
        const FieldValue *c = &inc->form.f[F_INDIVIDUALS_COUNT];
        if (inc->form.f[F_INDIVIDUALS_AFFECTED].state != FV_ABSENT || !c->text ||
            strlist_contains(&inc->fallbacks, form_fields[F_INDIVIDUALS_COUNT].key))
                return;
        static const char *const vague[] = {
                "about", "approx", "approximately", "around", "roughly", "circa", "c", "ca", "over", "more", "than",
                "less", "under", "up", "to", "at", "least", "estimated", "est", "unknown", "tbc", "not", "known",
                "sure", "plus", "and", "or", "nearly", "almost", "maybe", "possibly", "some", "several", "few",
                "a", "an", "the", "of", "in", "total", "people", "persons", "individuals", "individual", "ish",
                "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen", "hundred",
                "hundreds", "thousand", "thousands", "million", "k", "m", "yet", "confirmed", "between", NULL};
        _cleanup_free_ char *t = xstrdup(c->text);
        bool says_who = false;
        char *save = NULL;
        for (char *w = strtok_r(t, " \t\n,.;:()+~-/", &save); w && !says_who; w = strtok_r(NULL, " \t\n,.;:()+~-/", &save)) {
                str_ascii_lower(w);
                if (!isalpha((unsigned char)*w))
                        continue;
                bool v = false;
                for (size_t i = 0; vague[i] && !v; i++)
                        v = strcmp(w, vague[i]) == 0;
                says_who = !v;
        }
        if (says_who)
                fallback(inc, F_INDIVIDUALS_AFFECTED, c->text);
}

/* A report that does not answer when the breach became known may still say
 * it in its own words ("this morning at about 9.15 I realised ..."): the
 * earliest such time in the nature or how-discovered answers is taken as
 * the awareness, the sentence kept as its text and the field listed in
 * fallbacks, so the mail quotes it for the DPO to check.  Relative words
 * are read against when the report arrived. */
static void aware_from_words(Incident *inc, const Tz *tz)
{
        FieldValue *a = &inc->form.f[F_AWARE_AT];
        if (a->state != FV_ABSENT || a->text || !tz)
                return;
        ValueContext vc = {.tz = tz, .message_time = inc->received_at};
        static const FieldId from[] = {F_NATURE, F_HOW_DISCOVERED};
        FieldValue best = {.count = -1};
        char *phrase = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(from); i++) {
                FieldValue w = {.count = -1};
                char *p = NULL;
                if (inc->form.f[from[i]].text &&
                    value_aware_in_text(inc->form.f[from[i]].text, &vc, &w, &p) == 0 &&
                    (best.state != FV_OK || w.when < best.when)) {
                        free(best.canon);
                        free(phrase);
                        best = w;
                        phrase = p;
                } else {
                        free(w.canon);
                        free(p);
                }
        }
        if (best.state != FV_OK || best.when > inc->received_at) {
                free(best.canon);
                free(phrase);
                return;
        }
        free(a->canon);
        *a = best;
        a->text = phrase;
        if (!strlist_contains(&inc->fallbacks, form_fields[F_AWARE_AT].key))
                strlist_add(&inc->fallbacks, form_fields[F_AWARE_AT].key);
}

void incident_evaluate(Incident *inc, const Tz *tz)
{
        FormRecord *f = &inc->form;
        fallback(inc, F_REPORTER_NAME, inc->from_name);
        fallback(inc, F_REPORTER_CONTACT, inc->from_addr);
        count_from_affected(inc);
        affected_from_count(inc);
        aware_from_words(inc, tz);

        /* Awareness starts the 72-hour clock.  When the report does not say
         * when the breach became known, the clock starts at the earliest the
         * organisation could have known: when it happened (a reporter who
         * leaves the question out most often knew at once), and only when
         * that is not given either, when the report arrived.  A date without
         * a time counts from the start of that day.  Either way the deadline
         * is never later than the law's; the mail says it is assumed
         * (incident_deadline_basis()). */
        const FieldValue *aware = &f->f[F_AWARE_AT], *occurred = &f->f[F_OCCURRED_AT];
        inc->aware_from_report = has_instant(aware) && aware->when <= inc->received_at;
        if (inc->aware_from_report)
                inc->aware_at = aware->when;
        else if (has_instant(occurred) && occurred->when <= inc->received_at)
                inc->aware_at = occurred->when;
        else
                inc->aware_at = inc->received_at;
        inc->deadline_at = inc->aware_at + 72 * 3600;

        /* Late means received more than 72 h after awareness (or, when the
         * report does not say, after the breach).  A date without a time is
         * read generously here — to the end of that day — so nobody is asked
         * to explain a delay that may not exist. */
        const FieldValue *ref = has_instant(aware) ? aware : has_instant(occurred) ? occurred : NULL;
        if (ref) {
                int64_t t = ref->date_prec == DATE_DAY ? ref->when + 86400 - 1 : ref->when;
                inc->within_72h = inc->received_at - t <= 72 * 3600;
                inc->late = !inc->within_72h;
        } else {
                inc->within_72h = -1;
                inc->late = false;
        }
        if (has_instant(occurred) && occurred->when <= inc->received_at)
                inc->days_to_report = calendar_days(tz, occurred->when, inc->received_at);
        else
                inc->days_to_report = -1;

        strlist_free(&inc->missing);
        strlist_free(&inc->unclear);
        for (size_t i = 0; i < FIELD__MAX; i++) {
                const FieldValue *v = &f->f[i];
                bool required = form_fields[i].required || (i == F_DELAY_REASON && inc->late);
                if (v->state == FV_UNCLEAR)
                        strlist_add(&inc->unclear, form_fields[i].key);
                else if (v->state == FV_ABSENT && required)
                        strlist_add(&inc->missing, form_fields[i].key);
        }
}

DeadlineBasis incident_deadline_basis(const Incident *inc)
{
        const FieldValue *aware = &inc->form.f[F_AWARE_AT], *occurred = &inc->form.f[F_OCCURRED_AT];
        if (inc->aware_from_report && strlist_contains(&inc->fallbacks, form_fields[F_AWARE_AT].key))
                return BASIS_AWARE_WORDS;
        if (inc->aware_from_report)
                return aware->date_prec == DATE_DAY ? BASIS_AWARE_DAY : BASIS_AWARE;
        if (has_instant(occurred) && occurred->when == inc->aware_at)
                return occurred->date_prec == DATE_DAY ? BASIS_OCCURRED_DAY : BASIS_OCCURRED;
        return BASIS_RECEIVED;
}
