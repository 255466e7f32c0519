/* incident.h — an incident as the register keeps it: the form record read
 * from the report plus what the daemon records itself (breach-form.md §2)
 * and the DPO's assessment (§3). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "read/form.h"

typedef struct {
        int64_t id;              /* 0 until stored */
        char *ref;
        char *token;             /* unguessable; authenticates DPO replies */
        int64_t received_at;     /* UTC: IMAP INTERNALDATE, else Date: */
        int64_t filed_at;
        int64_t aware_at;        /* the instant the deadline counts from (incident_deadline_basis()) */
        bool aware_from_report;  /* aware_at is the report's answer of when it became known */
        int64_t deadline_at;     /* aware_at + 72 h */
        int within_72h;          /* 1, 0, or -1 when the report gives no date */
        int days_to_report;      /* whole days incident → report, -1 unknown */
        bool late;               /* received more than 72 h after awareness */

        char *message_id;        /* of the original message, without <> */
        char *from_addr, *from_name, *subject;
        char *forwarded_by;      /* who passed the report on, when forwarded */

        FormRecord form;
        StrList missing;         /* field keys */
        StrList unclear;         /* field keys */
        StrList fallbacks;       /* field keys filled from the message, not the form */

        /* DPO assessment (§3). */
        char *status;            /* open / assessing / notified / closed */
        char *ico_decision;      /* pending / notify / not notifiable */
        char *ico_reference;
        char *outcome;
        char *allocated_to;
        int64_t closed_at;
} Incident;

/* What the 72 hours are counted from.  Only the report's awareness
 * answer is the law's own start; the others are assumptions, the earliest
 * the organisation could have known, and the mail about the incident says
 * so and asks for the awareness time. */
typedef enum {
        BASIS_AWARE,          /* the report's "When did you become aware", with a time */
        BASIS_AWARE_DAY,      /* the same, a date only: from the start of that day */
        BASIS_AWARE_WORDS,    /* not answered, but read from the report's own words
                               * ("this morning at about 9.15 I realised"): aware_at is in
                               * fallbacks and its text is the sentence */
        BASIS_OCCURRED,       /* no awareness given: when the breach happened */
        BASIS_OCCURRED_DAY,   /* the same, a date only: from the start of that day */
        BASIS_RECEIVED,       /* neither given (or neither believable): when the report arrived */
} DeadlineBasis;

void incident_init(Incident *inc);
void incident_free(Incident *inc);

/* After the form is read and its values interpreted: applies the From
 * fallbacks, takes the number of individuals from "Which individuals are
 * affected" when it was not given, and who they are from the number's
 * answer when that says it ("3 pupils") and the question was not answered
 * (each such field is listed in fallbacks), works out awareness,
 * deadline, lateness, and the missing and unclear lists. */
void incident_evaluate(Incident *inc, const Tz *tz);

/* What aware_at was taken from, worked out from what the register holds
 * (aware_from_report, the form's dates and received_at), so that an
 * incident filed before this was recorded reads truthfully too. */
DeadlineBasis incident_deadline_basis(const Incident *inc);

/* Whether the basis is an assumption rather than the report's answer. */
static inline bool incident_deadline_assumed(DeadlineBasis b)
{
        return b != BASIS_AWARE && b != BASIS_AWARE_DAY;  /* words read are to be checked */
}

/* "DB%Y%03n" with year 2026 and n 1 → "DB2026001". */
char *incident_format_ref(const char *pattern, int year, int64_t n);
