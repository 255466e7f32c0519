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
 * was taken, never a second acknowledgement. */
#pragma once

#include <stdint.h>

#include "case/ingest_context.h"
#include "read/message.h"

typedef struct {
        char *ref;          /* the incident's reference */
        StrList filled;     /* field keys answered for the first time (or replacing an unclear answer) */
        StrList changed;    /* field keys whose earlier answer was replaced */
        size_t n_fields;    /* labelled fields the follow-up gave, same answers included */
        bool confirmed;     /* a confirmation was queued to the sender */
        bool dpo_told;      /* the DPO was sent the changes (or the deadline moved) */
} FollowupResult;

void followup_result_free(FollowupResult *r);

/* Attaches m to the incident incident_id: reads its form, merges it into
 * the incident as above, re-evaluates the incident (missing, unclear,
 * deadline, lateness), stores it with an audit row for the follow-up, one
 * per filled or changed field and one when the ICO deadline moved, and
 * queues the confirmation (when a field was taken) and the DPO notice (when
 * an answer changed or the deadline moved).  Must run
 * inside a store transaction (ctx->store).  *ret is overwritten; the caller
 * frees it with followup_result_free().  On a template error returns
 * -EINVAL with *ret_why; on a database error a negative code. */
int followup_apply(const IngestContext *ctx, int64_t incident_id, const Message *m, int64_t received_at,
                   FollowupResult *ret, char **ret_why);
