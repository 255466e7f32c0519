/* followup.h — a later message about a filed incident (a reply to the
 * acknowledgement, a mail with "[REF]" in its subject): what it adds to the
 * report and what it changes.
 *
 * Answers it gives to questions the report left unanswered, or answered
 * unclearly, fill them in; an answer that differs from one already given
 * replaces it, and the change is recorded in the audit trail (old value,
 * new value, who, when) and told to the DPO.  Quoted text never counts: the
 * reply is read the way a report is (formread.c), so the acknowledgement it
 * quotes supplies nothing.  The reporter gets a short confirmation of what
 * was taken, never a second acknowledgement, and never the earlier answers:
 * only the DPO sees those.
 *
 * Only the people on the case change it: its reporter (the incident's
 * from_addr), the colleague who forwarded the report (forwarded_by), or a
 * DPO, each by the address breachd has for them (compared ignoring case).
 * A message about the case from anyone else (another member of staff, or
 * the reporter writing from another address) changes nothing: what it says
 * is kept as a note on the case and mailed to the DPO, marked as from
 * outside the case, and its sender is told only that it was passed to the
 * DPO. */
#pragma once

#include <stdint.h>

#include "case/ingest_context.h"
#include "notices/template.h"
#include "read/message.h"
#include "register/incident.h"

typedef struct {
        char *ref;          /* the incident's reference */
        StrList filled;     /* field keys answered for the first time (or replacing an unclear answer) */
        StrList changed;    /* field keys whose earlier answer was replaced */
        size_t n_fields;    /* labelled fields the follow-up gave, same answers included */
        bool confirmed;     /* a confirmation was queued to the sender */
        bool dpo_told;      /* the DPO was sent the changes (or the deadline moved), or the note */
        bool noted;         /* from outside the case: nothing changed, passed to the DPO as a note */
        bool asked;         /* from the case, no answers but words for a person: passed to the DPO as a note */
        bool copy;          /* a second copy of the report (followup_apply_copy()) */
} FollowupResult;

void followup_result_free(FollowupResult *r);

/* Whether a follow-up from from_addr may change inc: its reporter, its
 * forwarder, or a DPO of cfg. */
bool followup_may_change(const Config *cfg, const Incident *inc, const char *from_addr);

/* Attaches m to the incident incident_id.  From someone on the case
 * (followup_may_change): reads its form, merges it into the incident as
 * above, re-evaluates the incident (missing, unclear, deadline, lateness),
 * stores it with an audit row for the follow-up, one per filled or changed
 * field and one when the ICO deadline moved, and queues the confirmation
 * (when a field was taken; templates_dir/followup-confirm.txt) and the DPO
 * notice (when an answer changed or the deadline moved; dpo-update.txt).
 * One that answers nothing but asks something or says more than a short
 * thanks is kept as a case note, sent to the DPO(s) (dpo-reporter-note.txt)
 * and the sender told (followup-noted.txt); ret->asked is set.
 * From anyone else: adds m's own text as a case note and an audit row,
 * queues it to the DPO(s) (dpo-outside-note.txt) and the "passed to the
 * DPO" reply to the sender (followup-passed.txt); ret->noted is set.
 * Replies go to replyaddr_for(m).  Must run
 * inside a store transaction (ctx->store).  *ret is overwritten; the caller
 * frees it with followup_result_free().  On a template error returns
 * -EINVAL with *ret_why; on a database error a negative code. */
int followup_apply(const IngestContext *ctx, int64_t incident_id, const Message *m, int64_t received_at,
                   FollowupResult *ret, char **ret_why);

/* The variables only the mail about a note from outside the case has:
 * note_from (who wrote it), note_text (what they wrote, indented).  Other
 * mail sets them empty, so that a template edited to use them still
 * renders. */
void followup_note_vars(TemplateVars *v, const char *from, const char *text);

/* Sample values of those, for templates_check(). */
void followup_sample_vars(TemplateVars *v);

/* Attaches m, a forward of a message filed before (a second copy of the
 * incident's report: ingest_find_followup() said INGEST_SECOND_COPY), to
 * the incident incident_id; nothing is filed again, no second
 * acknowledgement, no second DPO notice.  When the forwarded message is
 * the incident's reporter's (its From: is the incident's from_addr), its
 * answers fill only what the incident still lacks, as from the reporter
 * (audited; the DPO told only if the ICO deadline moved); anyone else's
 * is passed to the DPO as a note (dpo-outside-note.txt) and changes
 * nothing.  Either way an audit row records the copy and its sender is
 * told only that it was filed already, under the reference
 * (followup-copy.txt); ret->copy is set. */
int followup_apply_copy(const IngestContext *ctx, int64_t incident_id, const Message *m, int64_t received_at,
                        FollowupResult *ret, char **ret_why);
