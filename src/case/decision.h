/* decision.h — the DPO's decisions and case work, by reply mail or by
 * breachctl: the same commands, the same checks, the same audit trail.
 *
 * A reply is a list of command lines ("decision: notify",
 * "ico-reference: IC-123456-AB1C", "reason: ...", "close", ...) among any
 * other text.  It is accepted only when its sender is a configured DPO and
 * it carries the incident's token: in the plus-address the notices give as
 * Reply-To (breach+DB2026001.<token>@...), or as "DB2026001.<token>" in the
 * subject.  Anything else that tries to decide is refused and quarantined
 * without a reply: a forged From must not make breachd write to anyone.
 *
 * Three files, one job each: the grammar (commands, their values, reading
 * a reply, finding a token) is decision_parse.c; checking and applying
 * commands to a case, and the assessment as text, decision.c; the template
 * variables and the reply mail, decision_mail.c.
 *
 * Ownership: strings in a DecisionCmd are owned by it; decision_cmds_free()
 * frees them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "notices/template.h"
#include "read/message.h"
#include "register/incident.h"
#include "register/store.h"

typedef enum {
        DC_DECISION,           /* value: "notify" / "not notifiable" */
        DC_ICO_REFERENCE,      /* value: upper-cased, e.g. "IC-123456-AB1C" */
        DC_REASON,             /* ico_rationale */
        DC_DELAY_REASON,       /* ico_delay_reason */
        DC_OUTCOME,
        DC_ICO_OUTCOME,
        DC_ASSIGN,             /* allocated_to */
        DC_SUBJECTS_NOTIFIED,
        DC_SEVERITY,           /* value "1".."5" */
        DC_SENSITIVITY,
        DC_ROOT_CAUSE,
        DC_ACTION_TAKEN,
        DC_NOTE,
        DC_ACTION_ADD,         /* value: the text; owner, due */
        DC_ACTION_DONE,        /* number */
        DC_CLOSE,
        DC__MAX
} DecisionCmdKind;

typedef struct {
        DecisionCmdKind kind;
        char *value;           /* canonical value; NULL for DC_CLOSE, DC_ACTION_DONE */
        char *owner, *due;     /* DC_ACTION_ADD; due as "YYYY-MM-DD"; either may be NULL */
        int64_t number;        /* DC_ACTION_DONE */
        unsigned line;         /* 1-based line of the reply; 0 from the command line */
} DecisionCmd;

typedef struct {
        DecisionCmd *v;
        size_t n;
} DecisionCmds;
void decision_cmds_free(DecisionCmds *c);
void decision_cmds_add(DecisionCmds *c, DecisionCmd *cmd);   /* takes cmd's strings */

/* The name a command is written with in a reply ("ico-reference"). */
const char *decision_cmd_name(DecisionCmdKind k);

/* The command a key names, forgivingly: case, "-", "_" and spaces do not
 * matter, and some other wordings are known ("ICO ref", "rationale",
 * "allocated to").  -ENOENT when it names none. */
int decision_key(const char *key, DecisionCmdKind *ret);

/* Reads one value for command k into *ret (kind, value, owner, due,
 * number; line 0), matching the lists of breach-form.md §3 forgivingly
 * ("Near-miss", "non reportable", "34(3)(a)").  -EINVAL with *ret_why
 * saying what is allowed. */
int decision_value(DecisionCmdKind k, const char *value, DecisionCmd *ret, char **ret_why);

/* A due date: 2026-03-31, 31/03/2026, 31.3.26, 31 March 2026, 31 Mar 2026
 * → "2026-03-31" (out must hold 11 bytes).  -EINVAL when it is none or not
 * a real date. */
int decision_parse_due(const char *s, char out[static 11]);

/* Reads the command lines of a reply's own text (quotes already removed):
 * "key: value" (or "key = value") with a known key, and "close" alone on a
 * line.  A reason or note may go on over the following lines up to a blank
 * line or the next command.  Other lines are the DPO's prose and are
 * skipped.  A known key with a bad value adds "line N: why" to *errors.
 * Stops at a signature ("-- ").  Returns the number of commands read. */
size_t decision_parse(const char *text, DecisionCmds *ret, StrList *errors);

/* Whether the commands try to decide or close (decision, ico-reference,
 * close): what makes an unauthenticated message a refused attempt rather
 * than an ordinary follow-up. */
bool decision_cmds_decide(const DecisionCmds *c);

/* Who is acting and when. */
typedef struct {
        Store *store;
        const Config *cfg;
        const Tz *tz;
        const char *actor;     /* a DPO's address, or a login name for breachctl */
        int64_t now;
} DecisionEnv;

/* Checks cmds against incident_id as it stands and, only when every one of
 * them is acceptable, applies them all inside the caller's transaction:
 * the assessment columns, notes, actions, the audit trail and the reminder
 * schedule.  Otherwise returns -EINVAL, changes nothing and adds one line
 * per problem to *ret_errors.  *ret_changes gets one line per change.
 * -ENOENT when there is no such incident. */
int decision_apply(const DecisionEnv *env, int64_t incident_id, const DecisionCmds *cmds, StrList *ret_changes,
                   StrList *ret_errors);

/* The assessment as "  Label: value" lines, the set ones only (status and
 * decision when a is NULL); whole: long values in full, else their first
 * line.  Caller frees. */
char *decision_assessment_text(const Assessment *a, bool whole);

/* ---- reply mail ---- */
typedef enum {
        DECISION_NONE = 0,     /* not a decision mail: file it as usual */
        DECISION_ACCEPTED,     /* a DPO's authenticated reply: handled (its
                                * commands applied, or the errors sent back) */
        DECISION_REFUSED,      /* an attempt without authority: quarantine it */
} DecisionOutcome;

/* Looks at a parsed message before it is filed.  Returns a DecisionOutcome,
 * or -errno on a database or template error (the batch is rolled back).
 * ACCEPTED: *ret_incident_id is the incident, *ret_why a summary for the
 * log; the DPO(s) are mailed a confirmation (or the errors) in the
 * caller's transaction.  REFUSED: *ret_why says why, for the log and the
 * quarantine record; no mail is sent. */
int decision_handle_reply(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t *ret_incident_id,
                          char **ret_why);

/* "breach+DB2026001.<token>@example.org" with own address
 * "breach@example.org" → ref "DB2026001" (as written) and the token.
 * -ENOENT when addr is not such a plus-address of own. */
int decision_token_in_address(const char *addr, const char *own, char **ret_ref, char **ret_token);
/* Every "REF.<token>" word of a subject, as two parallel lists. */
void decision_tokens_in_subject(const char *subject, StrList *ret_refs, StrList *ret_tokens);

/* ---- templates ---- */
/* The address a DPO replies to, with the incident's token.  Caller frees. */
char *decision_reply_address(const Config *cfg, const char *ref, const char *token);

/* Sets the variables of mail to the DPO about a decision still to make:
 * reply_address, token_tag, decision, ico_reference, to_decide,
 * how_to_record, awareness, escalated_to, assessment.  a may be NULL (a
 * new incident: nothing decided yet). */
void decision_vars(const Config *cfg, const Tz *tz, const Incident *inc, const Assessment *a, int64_t now,
                   TemplateVars *v);
/* decision_vars() plus sample values of the variables only some mail has
 * (point, changes, errors, actor, next_reminder), for the template check. */
void decision_sample_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v);
