#!/usr/bin/python3
"""ics_check.py -- read a calendar invitation as a mail client would, with
parsers that share nothing with breachd (Python's email package, and
Debian's python3-icalendar and python3-vobject), and print what it says as
key=value lines for tests/e2e/test_calendar.sh.

    ics_check.py < message.eml

structure     the MIME tree, e.g. "multipart/mixed[multipart/alternative[text/plain,text/calendar],application/ics]"
part_method   method= of the text/calendar part
same          yes when the text/calendar part and the .ics attachment hold the same calendar
attachment    the attachment's file name
then, from the attachment, by python3-icalendar:
method, uid, sequence, status, summary, organizer, attendees (comma-separated),
tzid (of DTSTART), vtimezones (how many), dtstart_utc and dtstamp_utc (epoch
seconds), alarms (the triggers in seconds, comma-separated)
and by python3-vobject, with the zone renamed so that only the event's own
VTIMEZONE can say what the wall-clock time means:
vobject_dtstart_utc, vobject_uid, vobject_sequence

Exits 1 (with the reason on stderr) when there is no calendar to read or
either parser refuses it."""
import calendar
import email
import email.policy
import sys

import icalendar
import vobject


def tree(part):
    if part.is_multipart():
        return "%s[%s]" % (part.get_content_type(), ",".join(tree(p) for p in part.iter_parts()))
    return part.get_content_type()


def epoch(dt):
    return calendar.timegm(dt.utctimetuple())


def main():
    msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
    inline = attached = None
    name = ""
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            inline = part
        elif part.get_filename() and part.get_filename().endswith(".ics"):
            attached, name = part, part.get_filename()
    out = {"structure": tree(msg), "attachment": name}
    if inline is None or attached is None:
        print("ics_check: no text/calendar part or no .ics attachment: %s" % out["structure"], file=sys.stderr)
        for k, v in out.items():
            print("%s=%s" % (k, v))
        return 1
    out["part_method"] = inline.get_param("method") or ""
    text_inline = inline.get_content()
    data = attached.get_payload(decode=True)
    norm = lambda s: s.replace("\r\n", "\n")
    out["same"] = "yes" if norm(text_inline) == norm(data.decode("utf-8")) else "no"
    out["crlf"] = "yes" if b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"") else "no"

    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    if len(events) != 1:
        print("ics_check: %d VEVENTs" % len(events), file=sys.stderr)
        return 1
    ev = events[0]
    out["method"] = str(cal.get("METHOD", ""))
    out["uid"] = str(ev.get("UID"))
    out["sequence"] = str(ev.get("SEQUENCE"))
    out["status"] = str(ev.get("STATUS", ""))
    out["summary"] = str(ev.get("SUMMARY"))
    out["organizer"] = str(ev.get("ORGANIZER"))
    att = ev.get("ATTENDEE")
    att = att if isinstance(att, list) else [att] if att else []
    out["attendees"] = ",".join(str(a) for a in att)
    out["tzid"] = str(ev["DTSTART"].params.get("TZID", ""))
    out["vtimezones"] = str(len(cal.walk("VTIMEZONE")))
    out["dtstart_utc"] = str(epoch(ev.decoded("DTSTART")))
    out["dtend_utc"] = str(epoch(ev.decoded("DTEND")))
    out["dtstamp_utc"] = str(epoch(ev.decoded("DTSTAMP")))
    out["alarms"] = ",".join(str(int(a.decoded("TRIGGER").total_seconds())) for a in ev.walk("VALARM"))

    # vobject, with the TZID renamed: it cannot look the zone up by name.
    tzid = out["tzid"]
    own = data.decode("utf-8")
    if tzid:
        own = own.replace("TZID:%s\r\n" % tzid, "TZID:X-Breachd-Test-Zone\r\n")
        own = own.replace("TZID=%s:" % tzid, "TZID=X-Breachd-Test-Zone:")
    vc = vobject.readOne(own)
    out["vobject_dtstart_utc"] = str(epoch(vc.vevent.dtstart.value))
    out["vobject_uid"] = vc.vevent.uid.value
    out["vobject_sequence"] = vc.vevent.sequence.value
    for k, v in out.items():
        print("%s=%s" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
