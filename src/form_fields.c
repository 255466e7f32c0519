/* form_fields.c — the field table of ../shared/breach-form.md §1, and the
 * key words of the questions that ask for each field.
 * Labels are the shipped defaults; organisations add their own wording in
 * breachd.conf (labels { key = [ ... ] }). */
#include "form.h"
#include "form-internal.h"

#include <string.h>

#define A(...) (const char *const[]){__VA_ARGS__, NULL}

const FieldDef form_fields[FIELD__MAX] = {
        {F_REPORTER_NAME, "reporter_name", "Name of person making the report",
         A("Your name", "Reported by", "Name", "Name of person reporting", "Reporter",
           "Reporter name", "Name of reporter", "Full name", "Reporting officer", "Name of reporting officer",
           "Person reporting", "Your full name", "Name of person reporting the breach", "Completed by",
           "Form completed by", "Reported by (name)", "Name and job title", "Name and role", "Staff name",
           "Name of staff member", "Officer name", "Reporter details", "Submitted by", "Name and contact details",
           "Name and contact details of the person reporting", "Your name and contact details",
           "Name and contact details of person making the report"),
         FT_TEXT, true},
        {F_REPORTER_CONTACT, "reporter_contact", "Contact details",
         A("Email", "Phone", "Telephone", "Contact", "Email address", "Contact number",
           "Telephone number", "Phone number", "Tel", "Mobile", "Contact number or email", "Phone or email",
           "Email or phone", "Contact telephone", "Contact email", "Your contact details", "Tel no",
           "Telephone no", "Extension", "Ext", "Mob", "Your email", "Your phone number", "Contact info",
           "Contact information", "How can we contact you"),
         FT_TEXT, true},
        {F_DIRECTORATE, "directorate", "Directorate",
         A("Service area", "Department", "Service", "Directorate or service", "Division", "Directorate/service area",
           "Your directorate", "Directorate or department", "Department or service", "Business area",
           "Service directorate", "Directorate concerned", "Directorate responsible", "Portfolio area"),
         FT_DIRECTORATE, true},
        {F_TEAM, "team", "Team", A("Team responsible", "Unit", "Team name", "Section", "Your team", "Team or service", "Team/school",
           "School", "School name", "Name of school", "Establishment", "Setting", "Service team",
           "Team responsible for the breach", "Team involved", "Office"),
         FT_TEXT, false},
        {F_NATURE, "nature", "The nature of the personal data breach",
         A("Nature of breach", "What happened", "Summary", "Incident", "Nature of the breach",
           "Nature of the personal data breach e.g. alteration or deletion of personal data, "
           "transfer to third party not entitled to it etc.",
           "Description", "Description of breach", "Brief description", "Details of breach",
           "Incident summary", "Details of the incident", "Description of the incident", "Details",
           "Incident details", "Breach details", "Description of what happened", "What has happened",
           "Summary of incident", "Summary of breach", "Brief summary", "What went wrong",
           "Please describe the breach", "Describe the breach", "Describe what happened", "Breach description",
           "Nature of incident", "Nature of the incident", "Overview", "Incident description",
           "Details of the breach", "What was the breach", "Outline of incident"),
         FT_TEXT, true},
        {F_BREACH_TYPE, "breach_type", "Type of breach",
         A("Category", "Breach type", "Type of incident", "Incident type", "Category of incident",
           "Category of breach", "Breach category", "Kind of breach", "Type of data breach", "Incident category"),
         FT_BREACH_TYPE, false},
        {F_MEDIUM, "medium", "Format",
         A("Medium", "How was the information held", "Format of data", "Format of information", "Media",
           "Format of the information", "Was the information paper or electronic", "Information format",
           "Data format", "Medium of data"),
         FT_MEDIUM, false},
        {F_OCCURRED_AT, "occurred_at", "When did this occur",
         A("Date of incident", "Date of breach", "Date", "When did this occur (Date)",
           "When did it happen", "When did the breach occur", "Date and time of incident",
           "Date and time of breach", "Date occurred", "When did the breach happen",
           "Date/time of incident", "When", "Incident date", "Breach date", "Date and time",
           "Date & time", "Date of occurrence", "When did the incident occur", "When did the incident happen",
           "When did it occur", "When did this happen", "When did the breach take place", "Date it happened",
           "Date occurred", "Date and time of breach", "Date/time", "Date and time occurred",
           "Date and time it happened", "When did the breach happen (date and time)", "Date of the incident",
           "Date of the breach", "Time and date", "Date incident occurred", "Date of loss"),
         FT_DATE, true},
        {F_AWARE_AT, "aware_at", "When did you become aware",
         A("Date discovered", "Date you found out", "When did you find out", "Date aware",
           "Date became aware", "When were you made aware", "When was it discovered",
           "Date of discovery", "Discovered", "Date and time discovered", "When did you find out about it",
           "When was the breach discovered", "Date breach discovered", "Date identified", "When identified",
           "When did you first become aware", "Date you became aware", "Date of awareness", "Date noticed",
           "When was it noticed", "When were you made aware of the breach", "When did you become aware of it",
           "When did you become aware of the breach", "Date and time you became aware", "Date found",
           "When discovered", "Discovery date"),
         FT_DATE, false},
        {F_HOW_OCCURRED, "how_occurred", "How did the personal data breach occur",
         A("How did it happen", "Cause", "How did the breach occur", "How did this happen",
           "How it happened", "Cause of breach", "How did the incident occur", "How did the breach happen",
           "How did it occur", "How did this occur", "Cause of the breach", "Cause of incident", "Root cause",
           "How the breach occurred", "How did the incident happen", "What caused the breach",
           "Circumstances", "Circumstances of the breach", "Reason for breach"),
         FT_TEXT, true},
        {F_INDIVIDUALS_AFFECTED, "individuals_affected", "Which individuals are affected",
         A("Who is affected", "Data subjects", "Which individuals are affected by the personal data breach",
           "Which individuals are affected by the personal data breach (include categories and "
           "approximate number of individuals concerned)",
           "Individuals affected", "Who has been affected", "People affected", "Affected individuals",
           "Who does the data relate to", "Whose data is it", "Whose data is involved", "Who is involved",
           "Data subjects affected", "Data subject(s)", "Individuals involved", "People involved",
           "Data subjects involved", "Who are the data subjects", "Affected people", "Who was affected",
           "Which individuals are affected by the breach", "Individuals concerned"),
         FT_TEXT, true},
        {F_INDIVIDUALS_COUNT, "individuals_count", "Number of individuals affected",
         A("Number impacted", "How many people", "Number of people affected", "Number of data subjects",
           "How many individuals", "Number affected", "How many people are affected",
           "Approximate number of individuals", "Number of individuals", "No of individuals",
           "No. of individuals affected", "Number of people", "How many individuals are affected",
           "How many data subjects", "Number of data subjects affected", "No. of people affected",
           "Number of people involved", "How many people are involved", "How many people were affected",
           "Total number affected", "Number of individuals involved"),
         FT_COUNT, false},
        {F_RECORDS_COUNT, "records_count", "How many personal data records are concerned",
         A("Number of records", "Volume of data", "How many records", "Number of records affected",
           "Volume", "Records concerned", "Number of records involved", "No of records", "No. of records",
           "How many records are involved", "How many records were affected", "Records affected",
           "Volume of records", "Amount of data", "Quantity of data", "Number of documents"),
         FT_COUNT, false},
        {F_DATA_INVOLVED, "data_involved", "What type of information is involved",
         A("Personal data involved", "Information involved", "Type of information", "Data involved",
           "What information was involved", "What data was involved", "Type of data",
           "What information is involved", "What data is involved", "Data affected", "Information affected",
           "What personal data was involved", "What personal data is involved", "Personal data affected",
           "Type of personal data", "Types of data involved", "What was disclosed", "Details of data",
           "Data disclosed", "Information disclosed", "What information was disclosed", "Data", "Information",
           "Personal data", "Details of the data", "Data lost"),
         FT_TEXT, false},
        {F_SPECIAL_CATEGORY, "special_category", "Does it include special category data",
         A("Special category data", "Special category", "Sensitive data", "Special category data involved",
           "Any special category data", "Is special category data involved", "Special category personal data",
           "Sensitive personal data", "Does it include sensitive data", "Is any of the data sensitive",
           "Does the data include special category data", "Health data",
           "Does it include special category data (health, ethnicity, religion, sexual life or "
           "orientation, trade union, genetic or biometric, criminal offence data)"),
         FT_YESNO, false},
        {F_VULNERABLE_SUBJECTS, "vulnerable_subjects", "Are the data subjects children or vulnerable adults",
         A("Vulnerable subjects", "Children or vulnerable adults", "Vulnerable", "Are any vulnerable",
           "Vulnerable individuals", "Children or vulnerable adults involved", "Are any children involved",
           "Are children involved", "Children involved", "Vulnerable adults", "Children/vulnerable adults",
           "Are the data subjects children", "Are any vulnerable people involved", "Are the individuals vulnerable",
           "Are any of the data subjects children or vulnerable adults"),
         FT_YESNO, false},
        {F_DATA_CATEGORIES, "data_categories", "Categories of personal data",
         A("Data categories", "Categories of data", "Category of personal data", "Types of personal data"),
         FT_DATA_CATEGORIES, false},
        {F_SUBJECT_CATEGORIES, "subject_categories", "Categories of data subjects",
         A("Subject categories", "Data subject categories", "Category of data subjects",
           "Types of data subjects"),
         FT_SUBJECT_CATEGORIES, false},
        {F_CYBER_INCIDENT, "cyber_incident", "Was the breach caused by a cyber incident",
         A("Cyber incident", "Cyber", "Was it a cyber incident", "Cyber attack", "Cyber security incident",
           "Was this a cyber incident", "Is this a cyber incident", "Cyber related", "Was it a cyber attack",
           "Hacking or cyber attack"),
         FT_YESNO, false},
        {F_HOW_DISCOVERED, "how_discovered", "How did you find out about the breach",
         A("How discovered", "How was it discovered", "How was the breach discovered",
           "How did you discover the breach", "How was it found", "How was the breach identified",
           "How was it identified", "How did it come to light", "How did you become aware",
           "How did you find out", "How was the breach found", "How did you become aware of the breach",
           "Source of report", "How reported", "How was it reported"),
         FT_TEXT, false},
        {F_RECIPIENTS, "recipients", "Who has the information been sent to or seen it",
         A("Recipient", "Recipients", "Who received it", "Sent to", "Who has seen it",
           "Who has the information been sent to", "Who received the information", "Who has seen the information",
           "Who was it sent to", "Sent to whom", "Unintended recipient", "Recipient(s)", "Who has had access",
           "Who has the data been disclosed to", "Disclosed to", "Who was the information disclosed to",
           "Who has the information been sent to or who has seen it", "Who has the information been shared with"),
         FT_TEXT, false},
        {F_ONGOING, "ongoing", "Is the incident on-going",
         A("Ongoing", "On-going", "Is it ongoing", "Is the incident ongoing", "Still ongoing", "Is it on-going",
           "Is the breach ongoing", "Is the breach on-going", "Is the incident still ongoing", "Is this ongoing",
           "Incident ongoing", "Is it still happening", "Is the incident contained", "Has the breach been contained"),
         FT_YESNO, false},
        {F_RECOVERED, "recovered", "Has the information been recovered or deleted",
         A("Likelihood of recovery", "Recovered", "Information recovered", "Has the data been recovered",
           "Recovered or deleted", "Has the data been recovered", "Has the information been recovered",
           "Has the data been deleted", "Has it been recovered", "Information retrieved", "Has it been retrieved",
           "Has the information been retrieved", "Has the information been returned or deleted",
           "Recovery", "Likelihood of the information being recovered", "Data recovered"),
         FT_TEXT, false},
        {F_LIKELY_CONSEQUENCES, "likely_consequences", "How are the individuals likely to be affected",
         A("Likely consequences", "Impact", "Consequences",
           "How are the individuals likely to be affected by the personal data breach",
           "Potential impact", "Likely impact", "Impact on individuals", "Potential consequences",
           "Possible consequences", "Risk to individuals", "Potential harm", "Likely effect", "Impact on data subjects",
           "What is the likely impact", "Possible impact", "Potential impact on individuals", "Risk",
           "What harm could be caused", "Consequences for the individuals"),
         FT_TEXT, false},
        {F_MEASURES_TAKEN, "measures_taken", "Measures taken or proposed to deal with the breach",
         A("Action taken", "Actions taken", "Measures taken", "What action has been taken",
           "Have any measures been taken or proposed to be taken to deal with the personal data breach",
           "Have any measures been taken or proposed to be taken to deal with the personal data breach? "
           "List in next column",
           "Measures taken or proposed", "Steps taken", "Immediate action taken", "Action taken so far",
           "Actions taken so far", "What has been done", "What has been done so far", "Containment",
           "Containment action", "Containment actions", "Immediate actions", "Remedial action", "Remedial action taken",
           "Steps taken to contain the breach", "What steps have been taken", "What action has been taken so far",
           "Actions", "Action", "What have you done", "What have you done so far", "Response"),
         FT_TEXT, false},
        {F_MITIGATION, "mitigation", "Measures taken or proposed to mitigate possible adverse effects",
         A("Mitigation", "Mitigating action", "Mitigating actions",
           "Have any measures been taken or proposed to be taken to mitigate any possible adverse effects",
           "Have any measures been taken or proposed to be taken to mitigate any possible adverse effects? "
           "List in next column",
           "Measures to mitigate", "Mitigating measures", "Mitigation measures", "Steps to mitigate",
           "Action to mitigate", "Actions to reduce harm", "Measures to reduce harm", "Measures taken to mitigate"),
         FT_TEXT, false},
        {F_DELAY_REASON, "delay_reason", "Reason for delay",
         A("Reason for delay (if reported more than 72 hours after the breach)", "Delay reason",
           "Reason for late reporting", "Why was it not reported sooner", "Reason for the delay",
           "Reason for delay if more than 3 days (72 hours)", "Reason for delay in reporting",
           "Reasons for delay", "Why was the report delayed", "Reason for late report", "Reason report is late",
           "If reported after 72 hours, why", "Why was this not reported within 72 hours", "Delay",
           "Explanation for delay"),
         FT_TEXT, false},
        {F_SIGNED, "signed", "Signed",
         A("Signature", "Signed by", "Date and time signed",
           "Signed by the person reporting the personal data breach, date and time",
           "Signed by the person reporting the personal data breach", "Signed by", "Signed and dated",
           "Signature and date", "Date and signature", "Signed (name)"),
         FT_TEXT, false},
};

const FieldDef *form_field_by_key(const char *key)
{
        for (size_t i = 0; i < FIELD__MAX; i++)
                if (strcmp(form_fields[i].key, key) == 0)
                        return &form_fields[i];
        return NULL;
}

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
