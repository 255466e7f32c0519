/* notices.h — the mail breachd writes about an incident, rendered from the
 * templates and queued in the outbox inside the caller's transaction: the
 * variables every incident's mail has, and the rendering and queueing of
 * one templated mail.  What a mail says about the case (the decision to
 * record, its reminders) is added by case/, which calls down to here;
 * nothing here knows of case/. */
#pragma once

#include "base/config.h"
#include "base/tz.h"
#include "notices/template.h"
#include "read/message.h"
#include "register/incident.h"
#include "register/store.h"

/* reporter_asked: whether the reporter was asked for what the report
 * lacks, in words for "Missing from the report (...)": notices_incident_vars()
 * says they were; a mail written later (a reminder) says what the register
 * shows (store_reporter_asked()). */
void notices_reporter_asked_vars(const Config *cfg, ReporterAsked asked, TemplateVars *v);

/* Fills the variables every incident template may use. */
void notices_incident_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v);

/* The incident's summary on one line: the first line of the nature of the
 * breach (at most 100 bytes), else the subject.  Caller frees. */
char *notices_summary(const Incident *inc);

/* Every field of the form as a "Label: " line, for a reporter to fill in
 * (template variable blank_form).  Caller frees. */
char *notices_blank_form(void);

/* The variables of the mail about a follow-up: changes (answers that
 * replaced earlier ones), filled (answers given for the first time), each
 * as indented lines; changed_by (who sent the follow-up). */
void notices_followup_vars(TemplateVars *v, const char *changes, const char *filled, const char *changed_by);

/* One templated mail to queue: what notices_queue_template() needs. */
typedef struct {
        int64_t incident_id;        /* 0: about no incident */
        const char *loop_ref;       /* X-Breachd-Loop: the incident's reference, or "breachd" */
        const char *kind;           /* outbox kind, e.g. "followup_confirm" */
        const char *template_name;  /* "blank-form" for templates_dir/blank-form.txt */
        const StrList *to;
        const Message *answering;   /* In-Reply-To and References point at it; NULL for none */
        const char *reply_to;       /* optional */
        const char *auto_submitted; /* "auto-replied" or "auto-generated" */
        bool *ret_queued;           /* optional: set to whether it was queued (false: held back by the cap) */
} NoticeMail;

/* Renders n->template_name with v and queues it in the outbox.  Must run
 * inside a store transaction.  On failure *ret_why says why.  A reply to a
 * sender (auto_submitted "auto-replied", one recipient) counts against the
 * address's daily cap (ratelimit.h); over it, nothing is queued, the
 * incident's history says so, and 0 is returned all the same. */
int notices_queue_template(Store *s, const Config *cfg, const NoticeMail *n, const TemplateVars *v, char **ret_why);

/* A mail written from a template, ready to hand to the SMTP server. */
typedef struct {
        char *data;           /* the whole message, CRLF */
        size_t len;
        char *message_id;
        char *subject;
        StrList rcpts;        /* bare addresses */
} RenderedMail;
void rendered_mail_free(RenderedMail *m);

/* Renders n->template_name with v into a complete mail, without queueing it
 * (for the one mail that cannot go through the outbox: the register itself
 * cannot be written).  No reply cap is applied. */
int notices_render(const Config *cfg, const NoticeMail *n, const TemplateVars *v, RenderedMail *ret, char **ret_why);

/* s (a subject from a header) with every decision token hidden: a word of
 * 24 letters and digits after a '.' that follows a letter or digit
 * ("DB2026001.k3…") becomes "(token hidden)".  A token is what lets a DPO
 * decide by reply; an admin's digest listing what was quarantined (someone
 * else's reply, a guess at another organisation's case) must not pass it
 * on.  Caller frees. */
char *notices_hide_tokens(const char *s);

/* "breachctl", or in a shared service "breachctl --org KEY" (cfg an
 * organisation's) or "breachctl --org ''" (the service's own): how a
 * command line in a mail about cfg's cases starts, since two organisations
 * may have the same reference.  *owned is what to free (may be NULL). */
const char *notices_ctl(const Config *cfg, char **owned);

/* The command that reads cfg's quarantined mail again: "breachctl
 * reprocess --quarantined", with "--org KEY" for an organisation of a
 * shared service and "--org ''" for the service's own (mail no
 * organisation took).  Caller frees. */
char *notices_reprocess_command(const Config *cfg);

/* Formats a UTC instant in the configured zone: "Monday 9 March 2026, 14:05 GMT". */
char *notices_format_time(const Tz *tz, int64_t t);
/* "2 days 3 hours left" / "overdue by 5 hours". */
char *notices_time_left(int64_t deadline, int64_t now);

/* What the ICO deadline is counted from, and why, in words: "the 72 hours
 * are counted from when the breach happened (...), because the report does
 * not say when it was discovered" (template variable deadline_basis;
 * deadline_assumed is "yes" when the basis is not the report's awareness
 * answer).  Caller frees. */
char *notices_deadline_basis(const Tz *tz, const Incident *inc);

/* How breachd read a value, when that differs from what was typed: "read
 * as about 30", "read as Saturday 5 December 2026, 09:30 GMT", "not
 * understood, please check"; NULL when the words typed say it.  Caller
 * frees. */
char *notices_reading(const Tz *tz, const FieldDef *f, const FieldValue *v);
