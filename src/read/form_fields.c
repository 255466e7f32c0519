/* form_fields.c — the key words of the questions that ask for each field
 * of the form (base/fields.h), for labels worded as a question. */
#include "read/form-internal.h"
#include "read/form.h"

#include <string.h>


/* ---- questions ---------------------------------------------------------- */

/* The key words of a question for each field, for wordings no label list
 * foresees ("When did you first notice it?").  Every group of a rule must
 * be present; a group lists alternatives separated by '|'; an alternative
 * matches at the start of a word and may run on ("occur" matches
 * "occurred"), unless it ends with '$' (a whole word).  The first rule that
 * matches wins, so the specific ones come first: "how" + "discover" before
 * "when" + "discover", the counts before the lists they count. */
typedef struct {
        FieldId id;
        const char *groups[3];
} QuestionRule;

static const QuestionRule question_rules[] = {
        {F_DELAY_REASON, {"reason|why|explain|explanation", "delay|late$|later$|sooner|earlier|72|straight away|"
                                                            "immediately|in time|promptly"}},
        {F_HOW_DISCOVERED, {"how", "discover|find out|found out|notice|came to light|come to light|identif|made aware|"
                                   "become aware|became aware|learn|detect|brought to"}},
        {F_AWARE_AT, {"aware|discover|found out|find out|notice|identif|came to light|detect|learn|realis|realiz",
                      "when|date|time|day$"}},
        {F_RECORDS_COUNT, {"how many|number|no$|volume|amount|quantity|count", "record|document|file|letter|email|page"}},
        {F_INDIVIDUALS_COUNT, {"how many|number|no$|count", "individual|people|person|subject|pupil|child|resident|"
                                                             "customer|client|patient|employee|staff|service user|"
                                                             "tenant|famil|affected|impacted|involved"}},
        {F_LIKELY_CONSEQUENCES, {"likely|potential|possible|risk", "affect|impact|consequence|harm|effect|detriment|"
                                                                    "distress"}},
        {F_OCCURRED_AT, {"when|date|time|day$", "occur|happen|incident|breach|event|took place|take place|loss$|"
                                                 "lost|theft|stolen|sent|disclos"}},
        {F_HOW_OCCURRED, {"how|cause|why|reason|circumstance", "occur|happen|breach|incident|arise|arose|come about|"
                                                                "came about|caus"}},
        {F_LIKELY_CONSEQUENCES, {"consequence|impact|harm|detriment"}},
        {F_HOW_OCCURRED, {"cause"}},
        {F_MITIGATION, {"mitigat|adverse|reduce the harm|minimise|minimize"}},
        {F_INDIVIDUALS_AFFECTED, {"who|which|individual|people|person|subject|whose", "affect|involv|concern|impact|"
                                                                                       "relate"}},
        {F_MEASURES_TAKEN, {"measure|action|step|done$|remed|contain|response|respond"}},
        {F_SPECIAL_CATEGORY, {"special|sensitive|health$|medical"}},
        {F_VULNERABLE_SUBJECTS, {"vulnerable"}},
        {F_VULNERABLE_SUBJECTS, {"child|young|minor", "are$|any$|involv|include"}},
        {F_CYBER_INCIDENT, {"cyber|hack|phish|malware|ransom|virus"}},
        {F_ONGOING, {"ongoing|on going|still|continu"}},
        {F_RECOVERED, {"recover|retriev|deleted|returned|destroyed"}},
        {F_RECIPIENTS, {"who|whom|recipient|third part", "sent|seen|receiv|disclos|shared|access|given|forward"}},
        {F_SUBJECT_CATEGORIES, {"categor", "subject|individual|people|person"}},
        {F_DATA_CATEGORIES, {"categor", "data|information"}},
        {F_BREACH_TYPE, {"type|categor|kind|classif", "breach|incident"}},
        {F_DATA_INVOLVED, {"what|which|type|kind|detail", "data|information"}},
        {F_MEDIUM, {"format|medium|media$"}},
        {F_SIGNED, {"sign"}},
        {F_REPORTER_NAME, {"name", "your|reporter|reporting|report|person|staff|officer|member|contact|job|title|role|"
                                   "full|completing|author|submit"}},
        {F_REPORTER_CONTACT, {"contact$|contact details|contact number|phone|telephone|tel$|email$|e mail$|"
                              "email address|mobile$|mob$|extension$|ext$"}},
        {F_DIRECTORATE, {"directorate|department|service area|division|portfolio"}},
        {F_TEAM, {"team|unit$|school|establishment|setting$"}},
        {F_NATURE, {"nature|description|describe|what happened|summary|summar|detail|outline|overview|"
                    "what went wrong|what has happened"}},
};

/* The words of a normalised question, by where they start: every
 * alternative of every rule is looked for at each. */
typedef struct {
        const char **start;
        size_t n;
} Words;

/* Whether alternative alt (up to end) stands in w at the start of a
 * word. */
static bool has_alternative(const Words *w, const char *alt, size_t len)
{
        bool whole = len > 0 && alt[len - 1] == '$';
        if (whole)
                len--;
        if (len == 0)
                return false;
        /* the first byte spares most comparisons */
        for (size_t i = 0; i < w->n; i++) {
                const char *p = w->start[i];
                if (*p == *alt && strncmp(p, alt, len) == 0 && (!whole || p[len] == 0 || p[len] == ' '))
                        return true;
        }
        return false;
}

static bool has_group(const Words *w, const char *group)
{
        for (const char *p = group; *p;) {
                size_t n = strcspn(p, "|");
                if (has_alternative(w, p, n))
                        return true;
                p += n;
                if (*p == '|')
                        p++;
        }
        return false;
}

int form_match_question(const char *norm)
{
        /* an alternative may start where norm does or after any space;
         * question_like() lets no more than 12 words come here */
        const char *stack[32];
        _cleanup_free_ const char **heap = NULL;
        size_t spaces = 0;
        for (const char *p = norm; *p; p++)
                spaces += *p == ' ';
        Words w = {.start = spaces < ARRAY_SIZE(stack) ? stack : (heap = xmalloc((spaces + 1) * sizeof *heap))};
        for (const char *p = norm;;) {
                w.start[w.n++] = p;
                p = strchr(p, ' ');
                if (!p)
                        break;
                p++;
        }
        for (size_t i = 0; i < ARRAY_SIZE(question_rules); i++) {
                const QuestionRule *r = &question_rules[i];
                bool all = true;
                for (size_t g = 0; g < ARRAY_SIZE(r->groups) && r->groups[g] && all; g++)
                        all = has_group(&w, r->groups[g]);
                if (all)
                        return (int)r->id;
        }
        return -1;
}
