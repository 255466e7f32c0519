/* calendar.h — the ICO deadline as a calendar event (RFC 5545, sent as an
 * iMIP invitation, RFC 6047), built with libical.
 *
 * The DPO's notice of a new report carries the event (SEQUENCE 0); a
 * follow-up that moves the deadline sends METHOD:REQUEST again with the
 * same UID and a higher SEQUENCE; when the 72-hour clock stops (the
 * decision not to report, the ICO's reference recorded, or the case
 * closed: clock_running() false; a decision to report keeps the deadline
 * until the ICO is told), METHOD:CANCEL (STATUS:CANCELLED), once, and only
 * if the event was ever sent (not for a report filed after its deadline,
 * or an incident filed before breachd sent events).  The SEQUENCE is
 * derived, not stored: the number of the incident's mails that may carry
 * the event, queued before this one (store_outbox_calendar()).
 *
 * The event says nothing the report's free text said: its SUMMARY names
 * the reference, the chosen directorate and the type of breach only (the
 * nature may name a child, and a diary is shown to whoever looks over a
 * shoulder or shares it).  Its UID is REF.HASH@domain, HASH the first 16
 * hex digits of SHA-256 of the incident's token: stable and unguessable
 * per incident, without putting the token, which authenticates a DPO's
 * reply, into calendars that may be shared. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "register/incident.h"
#include "register/store.h"

typedef enum { CALENDAR_REQUEST, CALENDAR_CANCEL } CalendarMethod;

/* "REQUEST" or "CANCEL": the METHOD, and the method= of the MIME part. */
const char *calendar_method_name(CalendarMethod m);

/* The event of inc as an iCalendar object (CRLF lines): METHOD m, the
 * deadline as DTSTART in cfg->timezone with its VTIMEZONE (UTC when
 * libical does not know the zone), 30 minutes long, VALARMs at the
 * reminder points (awareness + reminder_hours) still ahead of now,
 * ORGANIZER the From address, an ATTENDEE per DPO, DTSTAMP now.  Caller
 * frees *ret.  -EINVAL when the From address cannot be read. */
int calendar_event(const Config *cfg, const Incident *inc, CalendarMethod m, unsigned sequence, int64_t now,
                   char **ret);

/* The UID of inc's event.  Caller frees. */
char *calendar_uid(const Config *cfg, const Incident *inc);

/* The next event of inc for the DPO(s), inside the caller's transaction:
 * *ret_sequence the SEQUENCE it takes.  Returns 1 when one is owed, 0 when
 * not (dpo_calendar off, or the event is cancelled already), or -errno. */
int calendar_next(Store *s, const Config *cfg, const Incident *inc, unsigned *ret_sequence);

/* Queues a mail to the DPO(s) carrying the updated (REQUEST) or
 * cancelled (CANCEL) event of inc, inside the caller's transaction, with
 * reply_to (the incident's token address) as Reply-To.  Does nothing when
 * calendar_next() says none is owed, nor for a cancel of an event never
 * sent or a request for a deadline already past when none was sent.  *ret_why says why on failure. */
int calendar_queue(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, CalendarMethod m,
                   const char *reply_to, int64_t now, char **ret_why);
