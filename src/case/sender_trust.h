/* sender_trust.h — whether a message comes from whom its From: names, as
 * far as the organisation's own mail server vouches for it.
 *
 * From: is whatever the sender typed.  The mail server that delivers into
 * the mailbox knows better: it checks SPF, DKIM and DMARC and writes the
 * verdict in an Authentication-Results: field (RFC 8601) under its
 * authserv-id, or marks mail from inside the organisation with a header of
 * its own (Exchange: X-MS-Exchange-Organization-AuthAs: Internal).
 * mailbox.trusted_authserv_ids and mailbox.internal_mark (breachd.conf(5))
 * say which of these to believe.
 *
 * Which Authentication-Results: fields are read.  Every server on the way
 * prepends its fields, so what the trusted server wrote sits above what
 * the sender (or any server before it) wrote, and a sender can write a
 * field claiming the trusted authserv-id.  So only the trusted server's
 * own hop counts: walking down from the top, the first field with a
 * trusted authserv-id starts it, and the hop ends at the next Received:
 * field (everything below that was in the message when the trusted server
 * received it); within the hop, the topmost result of a method counts
 * (a server that inserts its fields just below its own Received: line
 * puts them above the sender's, with no Received: line between).
 * Postfix with OpenDKIM and OpenDMARC puts them above its own Received:
 * line (tests/e2e/test_authres.sh reads what it delivers).  A field
 * that does not parse counts as nothing.  This holds only if every message
 * reaches the mailbox through the trusted server: a path around it leaves
 * the sender's forgery on top, which is why the server should also remove
 * fields claiming its authserv-id (RFC 8601 §5; OpenDKIM's RemoveARFrom).
 * The internal mark counts in its topmost field only: the server must
 * remove it from mail from outside (Exchange's header firewall does). */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "read/message.h"

/* Whether the mail server vouches for m's From: a DMARC pass for From's
 * domain in the trusted hop (above), or the internal mark.  *ret_said
 * (when not NULL) gets what it said instead, in words ("dmarc=fail at
 * mx.example.org"); caller frees. */
bool sender_trust_vouched(const Config *cfg, const Message *m, char **ret_said);

/* For a report (ingest_refusal): "possibly forged: ..." when the checks
 * are on (config_checks_senders()) and m's From: is in a staff domain but
 * not vouched for; NULL otherwise.  Caller frees. */
char *sender_trust_refusal(const Config *cfg, const Message *m);

/* For a decision by reply, whatever the settings: why m must decide
 * nothing ("possibly forged: ..."), or NULL.  It must not when From:
 * holds two or more addresses, Sender: names someone else, the envelope
 * sender (Return-Path:) is outside the organisation (the staff domains
 * and the DPOs' domains), or the checks are on and the server does not
 * vouch for From:.  Caller frees. */
char *sender_trust_decision(const Config *cfg, const Message *m);
