/* letter.h — the letter to the people affected by a breach (UK GDPR
 * Article 34), drafted from the register for `breachctl subject-letter`.
 *
 * Article 34(2) asks for the nature of the breach in clear and plain
 * language and the items of Article 33(3)(b), (c) and (d): the DPO's name
 * and contact details, the likely consequences, the measures taken or
 * proposed (to deal with it and to mitigate its effects).  The letter adds
 * what the person can do (by the kinds of information involved) and their
 * right to complain to the ICO.  What the register does not hold is marked
 * "[TO COMPLETE: what — why]" and listed, never guessed.
 *
 * The letter goes to the people affected, so it names none of the case's
 * people: it has no variable for the reporter, the list of individuals
 * affected, who received the information or an action's owner, and is
 * addressed generically ("Dear parent or carer", "Dear [NAME]").  The
 * free text it does carry (the nature, consequences and measures as
 * reported) is for the DPO to check before it is sent.
 *
 * The templates are subject-letter.txt and subject-letter.html in
 * templates_dir (built-in copies otherwise); they see only the variables
 * set here.  In HTML every value is escaped. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "notices/template.h"
#include "register/incident.h"
#include "register/store.h"

typedef enum {
        LETTER_TEXT,
        LETTER_HTML,
} LetterFormat;

typedef struct {
        char *subject;      /* the template's Subject: line */
        char *body;         /* the letter itself */
        StrList gaps;       /* "likely consequences: the register has no answer", one per gap */
        bool decided;       /* the DPO recorded that the people must be told */
} Letter;
void letter_free(Letter *l);

/* Whether the assessment records that the people affected must be told:
 * subjects-notified "yes" or "planned", or the outcome "reportable to ICO
 * and data subjects" while subjects-notified says nothing else.  When not,
 * *ret_why (caller frees; may be NULL) says what the register holds. */
bool letter_decided(const Assessment *a, char **ret_why);

/* Sets the letter's variables for incident inc (acts: its remedial
 * actions) in format fmt, adding one line per gap to *gaps.
 * draft: the reason the letter must not be sent, or NULL. */
void letter_vars(const Config *cfg, const Tz *tz, const Incident *inc, const CaseAction *acts, size_t n_acts,
                 LetterFormat fmt, const char *draft, int64_t now, TemplateVars *v, StrList *gaps);

/* The letter for the incident whose reference is ref.  Without the DPO's
 * recorded decision it is refused (-EPERM, *ret_why saying so and how to
 * record it) unless draft is true: then it is drafted with that said at
 * its top.  -ENOENT: no such incident (*ret_why says so); other codes:
 * the register or the template failed (*ret_why says which). */
int letter_make(Store *s, const Config *cfg, const Tz *tz, const char *ref, LetterFormat fmt, bool draft,
                int64_t now, Letter *ret, char **ret_why);

/* Renders both letter templates with sample variables: for the template
 * check at start-up (templates_check.h).  0, or -EINVAL with *ret_why. */
int letter_check_templates(const Config *cfg, const Tz *tz, char **ret_why);
