/* replyaddr.h — whom breachd answers, and which addresses are its own.
 *
 * Every reply to a sender (the acknowledgement, the blank form, the
 * follow-up confirmation, "passed to the DPO", the too-large reply) goes to
 * replyaddr_for(): the message's Reply-To only when it is a staff address
 * or a DPO, else its From, which ingest_refusal() has already found to be
 * staff.  A Reply-To outside the organisation is never obeyed, so breachd
 * cannot be made to send a case, or the blank form, to an arbitrary
 * address.  Mail from breachd's own addresses is not staff mail: it is
 * quarantined (ingest_refusal()), never answered, so that breachd never
 * answers itself. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "read/message.h"

/* The address a reply to m goes to: m->reply_to when it is a staff address
 * (config_is_staff_address) or a DPO's, and not breachd's own; else
 * m->from_addr.  Borrowed from m; NULL only when m has no From. */
const char *replyaddr_for(const Config *cfg, const Message *m);

/* Whether addr (a bare address, any case) is breachd's own: the address in
 * smtp.from, smtp.envelope_from, the address in smtp.reply_to, or the
 * mailbox's user when it is an address; a plus-address of one of them
 * ("breach+DB2026001.token@...") counts as it. */
bool replyaddr_is_own(const Config *cfg, const char *addr);
