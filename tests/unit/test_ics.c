/* Unit tests of the ICO deadline as a calendar event (notices/calendar.c):
 * each event parsed back with libical and its fields checked; the deadline
 * converted to UTC through the VTIMEZONE the event itself carries, in
 * summer time, in winter and across the October change; the UID stable per
 * incident; through the register, the DPO's notice as an invitation
 * (multipart/mixed: alternative of text and text/calendar, and an .ics
 * attachment), a moved deadline as a REQUEST with a higher SEQUENCE, the
 * decision as a CANCEL, and nothing after it. */
#include <gmime/gmime.h>
#include <libical/ical.h>
#include <string.h>
#include <time.h>

#include "base/mimelib.h"
#include "case/decision.h"
#include "case/newcase.h"
#include "notices/calendar.h"
#include "read/message.h"
#include "register/store-internal.h"
#include "fixture.h"
#include "tap.h"

static const char NATURE[] = "Report about Alice Example, a child in care";

static void make_incident(Incident *inc, const char *ref, const char *token, int64_t aware)
{
        incident_init(inc);
        inc->ref = xstrdup(ref);
        inc->token = xstrdup(token);
        inc->received_at = aware + 3600;
        inc->filed_at = aware + 3600;
        inc->aware_at = aware;
        inc->deadline_at = aware + 72 * 3600;
        inc->from_addr = xstrdup("reporter@example.test");
        inc->subject = xstrdup(NATURE);
        inc->form.f[F_NATURE].text = xstrdup(NATURE);
        inc->form.f[F_NATURE].state = FV_OK;
        inc->form.f[F_DIRECTORATE].text = xstrdup("asc");
        inc->form.f[F_DIRECTORATE].canon = xstrdup("Adult Social Care");
        inc->form.f[F_DIRECTORATE].state = FV_OK;
}

/* The one VEVENT of a parsed calendar. */
static icalcomponent *event_of(icalcomponent *cal)
{
        return cal ? icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT) : NULL;
}

static const char *param_of(icalproperty *p, icalparameter_kind k)
{
        icalparameter *x = p ? icalproperty_get_first_parameter(p, k) : NULL;
        return x ? icalparameter_as_ical_string(x) : NULL;
}

/* DTSTART as a UTC instant, read through the VTIMEZONE of the calendar
 * itself (not libical's built-in zone): what a client that knows no zone
 * by name computes.  -1 when there is no such VTIMEZONE. */
static int64_t start_through_vtimezone(icalcomponent *cal, icalcomponent *ev, char **ret_tzid, char **ret_local)
{
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        icalparameter *tzp = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
        if (!tzp)
                return -1;
        const char *tzid = icalparameter_get_tzid(tzp);
        *ret_tzid = xstrdup(tzid);
        icaltimetype local = icalproperty_get_dtstart(p);
        *ret_local = xstrdup(icaltime_as_ical_string(local));
        for (icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); vtz;
             vtz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
                icalproperty *id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
                if (!id || strcmp(icalproperty_get_tzid(id), tzid) != 0)
                        continue;
                icaltimezone *z = icaltimezone_new();
                icaltimezone_set_component(z, icalcomponent_new_clone(vtz));
                local.zone = NULL;
                int64_t t = (int64_t)icaltime_as_timet_with_zone(local, z);
                icaltimezone_free(z, 1);
                return t;
        }
        return -1;
}

static size_t count_of(icalcomponent *c, icalcomponent_kind k)
{
        size_t n = 0;
        for (icalcomponent *x = icalcomponent_get_first_component(c, k); x; x = icalcomponent_get_next_component(c, k))
                n++;
        return n;
}

/* An event at the deadline of awareness `aware`, parsed back: its start
 * in the zone and in UTC. */
static void check_zone(const Config *cfg, const char *label, int64_t aware, const char *want_local)
{
        Incident inc;
        make_incident(&inc, "DB2026001", "tok1tok1tok1tok1tok1tok1", aware);
        _cleanup_free_ char *ics = NULL;
        TAP_INT_EQ(calendar_event(cfg, &inc, CALENDAR_REQUEST, 0, aware + 3600, &ics), 0, "%s: event written", label);
        icalcomponent *cal = ics ? icalparser_parse_string(ics) : NULL;
        icalcomponent *ev = event_of(cal);
        tap_ok(ev != NULL, "%s: libical parses it and finds the VEVENT", label);
        _cleanup_free_ char *tzid = NULL, *local = NULL;
        int64_t t = ev ? start_through_vtimezone(cal, ev, &tzid, &local) : -1;
        TAP_STR_EQ(tzid, "Europe/London", "%s: DTSTART has TZID=Europe/London", label);
        TAP_STR_EQ(local, want_local, "%s: DTSTART is the deadline's wall-clock time", label);
        TAP_INT_EQ(t, inc.deadline_at, "%s: through the event's own VTIMEZONE it is the deadline in UTC", label);
        icalproperty *end = ev ? icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY) : NULL;
        TAP_STR_EQ(param_of(end, ICAL_TZID_PARAMETER), "TZID=Europe/London", "%s: DTEND in the same zone", label);
        if (cal)
                icalcomponent_free(cal);
        incident_free(&inc);
}

static void fields(const Config *cfg)
{
        const int64_t A = 1782896400;  /* Wed 1 July 2026, 10:00 BST */
        Incident inc;
        make_incident(&inc, "DB2026001", "tok1tok1tok1tok1tok1tok1", A);
        _cleanup_free_ char *ics = NULL, *again = NULL, *other = NULL, *uid = NULL;
        calendar_event(cfg, &inc, CALENDAR_REQUEST, 0, A + 3600, &ics);
        tap_ok(ics && strstr(ics, "\r\nEND:VCALENDAR\r\n"), "lines end in CRLF (RFC 5545)");
        icalcomponent *cal = ics ? icalparser_parse_string(ics) : NULL;
        icalcomponent *ev = event_of(cal);
        tap_ok(ev != NULL, "the event parses");
        if (!ev)
                goto out;
        TAP_INT_EQ(icalcomponent_get_method(cal), ICAL_METHOD_REQUEST, "METHOD:REQUEST");
        TAP_INT_EQ(count_of(cal, ICAL_VTIMEZONE_COMPONENT), 1, "one VTIMEZONE");
        tap_ok(strstr(ics, "TZID:Europe/London\r\n") != NULL, "the VTIMEZONE is named Europe/London");
        tap_ok(!strstr(ics, "1847"), "the VTIMEZONE is cut to the rules in force, not the history since 1847");
        TAP_INT_EQ(icalcomponent_get_sequence(ev), 0, "SEQUENCE:0 at first");
        TAP_INT_EQ((int64_t)icaltime_as_timet(icalcomponent_get_dtstamp(ev)), A + 3600, "DTSTAMP is now");
        TAP_INT_EQ(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED, "STATUS:CONFIRMED");
        const char *sum = icalcomponent_get_summary(ev);
        TAP_STR_EQ(sum, "ICO deadline: DB2026001 (Adult Social Care, type of breach not given)",
                   "SUMMARY: the reference, the directorate, the type");
        tap_ok(!strstr(ics, "Alice"), "no word of the nature anywhere in the event");
        icalproperty *org = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
        TAP_STR_EQ(org ? icalproperty_get_organizer(org) : NULL, "mailto:breach@example.test",
                   "ORGANIZER is the breach mailbox");
        icalproperty *att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
        TAP_STR_EQ(att ? icalproperty_get_attendee(att) : NULL, "mailto:dpo@example.test", "ATTENDEE is the DPO");
        TAP_STR_EQ(param_of(att, ICAL_RSVP_PARAMETER), "RSVP=FALSE", "no answer asked for");
        struct icaldurationtype d = icalcomponent_get_duration(ev);
        TAP_INT_EQ(icaldurationtype_as_int(d), 1800, "30 minutes long");
        /* Reminders at 24, 48, 60 and 68 hours after awareness: 48, 24, 12
         * and 4 hours before the deadline. */
        Buf b = {0};
        for (icalcomponent *al = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT); al;
             al = icalcomponent_get_next_component(ev, ICAL_VALARM_COMPONENT)) {
                icalproperty *tp = icalcomponent_get_first_property(al, ICAL_TRIGGER_PROPERTY);
                struct icaltriggertype tr = icalproperty_get_trigger(tp);
                buf_printf(&b, "%s%d", b.len ? "," : "", icaldurationtype_as_int(tr.duration) / 3600);
        }
        TAP_STR_EQ(b.s, "-48,-24,-12,-4", "a VALARM at each reminder point");
        buf_free(&b);
        uid = xstrdup(icalcomponent_get_uid(ev));
        tap_ok(uid && !strncmp(uid, "DB2026001.", 10) && g_str_has_suffix(uid, "@example.test"),
               "UID is REF.hash@domain: %s", uid ? uid : "(none)");
        tap_ok(uid && !strstr(uid, "tok1"), "the UID does not carry the token");
        icalcomponent_free(cal);

        /* Later, past two reminder points: only those ahead remain. */
        calendar_event(cfg, &inc, CALENDAR_REQUEST, 3, A + 50 * 3600, &again);
        cal = again ? icalparser_parse_string(again) : NULL;
        ev = event_of(cal);
        TAP_INT_EQ(ev ? count_of(ev, ICAL_VALARM_COMPONENT) : 0, 2, "after 50 hours, the alarms at 60 and 68 hours");
        TAP_STR_EQ(ev ? icalcomponent_get_uid(ev) : NULL, uid, "the UID is stable for the incident");
        TAP_INT_EQ(ev ? icalcomponent_get_sequence(ev) : -1, 3, "SEQUENCE as given");
        if (cal)
                icalcomponent_free(cal);

        Incident two;
        make_incident(&two, "DB2026001", "tok2tok2tok2tok2tok2tok2", A);
        calendar_event(cfg, &two, CALENDAR_CANCEL, 1, A + 3600, &other);
        cal = other ? icalparser_parse_string(other) : NULL;
        ev = event_of(cal);
        tap_ok(ev && strcmp(icalcomponent_get_uid(ev), uid) != 0,
               "another incident's token (a second register's DB2026001) gives another UID");
        TAP_INT_EQ(cal ? icalcomponent_get_method(cal) : 0, ICAL_METHOD_CANCEL, "a cancel is METHOD:CANCEL");
        TAP_INT_EQ(ev ? icalcomponent_get_status(ev) : 0, ICAL_STATUS_CANCELLED, "... with STATUS:CANCELLED");
        TAP_INT_EQ(ev ? count_of(ev, ICAL_VALARM_COMPONENT) : 1, 0, "... and no alarms");
        if (cal)
                icalcomponent_free(cal);
        incident_free(&two);
out:
        incident_free(&inc);
}

/* The text/calendar part and the .ics attachment of a mail the register
 * holds, checked for the structure Outlook and Thunderbird expect; the
 * calendar text (from the attachment) into *ret_ics. */
static void invitation_parts(const OutboxRow *row, const char *method, const char *what, char **ret_ics)
{
        mimelib_init();
        GMimeStream *st = g_mime_stream_mem_new_with_buffer(row->data, row->len);
        GMimeParser *p = g_mime_parser_new_with_stream(st);
        GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
        GMimeObject *top = msg ? g_mime_message_get_mime_part(msg) : NULL;
        tap_ok(top && GMIME_IS_MULTIPART(top) &&
                       !strcmp(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(top)), "mixed"),
               "%s: multipart/mixed", what);
        GMimeObject *alt = top && GMIME_IS_MULTIPART(top) ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 0) : NULL;
        GMimeObject *att = top && GMIME_IS_MULTIPART(top) && g_mime_multipart_get_count(GMIME_MULTIPART(top)) == 2
                                   ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 1)
                                   : NULL;
        bool alt_ok = alt && GMIME_IS_MULTIPART(alt) && g_mime_multipart_get_count(GMIME_MULTIPART(alt)) == 2;
        GMimeObject *text = alt_ok ? g_mime_multipart_get_part(GMIME_MULTIPART(alt), 0) : NULL;
        GMimeObject *cal = alt_ok ? g_mime_multipart_get_part(GMIME_MULTIPART(alt), 1) : NULL;
        tap_ok(text && g_mime_content_type_is_type(g_mime_object_get_content_type(text), "text", "plain"),
               "%s: multipart/alternative, first text/plain", what);
        GMimeContentType *ct = cal ? g_mime_object_get_content_type(cal) : NULL;
        tap_ok(ct && g_mime_content_type_is_type(ct, "text", "calendar"), "%s: then text/calendar", what);
        TAP_STR_EQ(ct ? g_mime_content_type_get_parameter(ct, "method") : NULL, method, "%s: method=%s", what, method ? method : "(none)");
        TAP_STR_EQ(ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL, "UTF-8", "%s: charset=UTF-8", what);
        tap_ok(att && GMIME_IS_PART(att) &&
                       g_mime_content_type_is_type(g_mime_object_get_content_type(att), "application", "ics") &&
                       g_str_has_suffix(g_mime_part_get_filename(GMIME_PART(att)), ".ics"),
               "%s: an application/ics attachment named .ics", what);
        if (att && GMIME_IS_PART(att)) {
                GMimeStream *out = g_mime_stream_mem_new();
                g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(att)), out);
                GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
                *ret_ics = xstrndup((const char *)bytes->data, bytes->len);
                g_object_unref(out);
        }
        if (msg)
                g_object_unref(msg);
        g_object_unref(p);
        g_object_unref(st);
}

/* The mail of kind `kind` queued for the incident (any when 0), newest;
 * NULL if none. */
static OutboxRow *queued_for(Store *s, int64_t incident_id, const char *kind, size_t *ret_count)
{
        OutboxRow *rows = NULL, *found = NULL;
        size_t n = 0;
        *ret_count = 0;
        if (store_outbox_due(s, INT64_MAX / 2, 100, &rows, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (strcmp(rows[i].kind, kind) != 0 || (incident_id && rows[i].incident_id != incident_id))
                        continue;
                (*ret_count)++;
                if (found)
                        outbox_row_free(found);
                else
                        found = xmalloc(sizeof *found);
                *found = rows[i];
                memset(&rows[i], 0, sizeof rows[i]);
        }
        for (size_t i = 0; i < n; i++)
                outbox_row_free(&rows[i]);
        free(rows);
        return found;
}

static OutboxRow *queued(Store *s, const char *kind, size_t *ret_count)
{
        return queued_for(s, 0, kind, ret_count);
}

static void row_free(OutboxRow *r)
{
        if (r)
                outbox_row_free(r);
        free(r);
}

/* The event of the newest mail of kind: METHOD, SEQUENCE, UID. */
static icalcomponent *queued_event(Store *s, const char *kind, const char *method, size_t *ret_count)
{
        OutboxRow *row = queued(s, kind, ret_count);
        _cleanup_free_ char *ics = NULL;
        if (row)
                invitation_parts(row, method, kind, &ics);
        row_free(row);
        return ics ? icalparser_parse_string(ics) : NULL;
}

static void through_the_register(Fixture *f)
{
        Store *s = f->store;
        int64_t now = (int64_t)time(NULL);
        static const char raw[] = "From: Reporter <reporter@example.test>\n"
                                  "To: breach@example.test\n"
                                  "Subject: Data breach\n"
                                  "Message-ID: <r1@example.test>\n"
                                  "Date: Mon, 7 Dec 2026 10:00:00 +0000\n\n"
                                  "Directorate: ASC\n";
        Message *m = NULL;
        char *why = NULL;
        tap_ok(message_parse(raw, strlen(raw), NULL, &m, &why) == 0, "a report parses");
        Incident inc;
        make_incident(&inc, "DB2026007", "tok7tok7tok7tok7tok7tok7", now - 3600);
        tap_ok(store_begin(s) == 0 && store_insert_incident(s, &inc) == 0, "filed");
        TAP_INT_EQ(newcase_queue_notices(s, f->cfg, f->tz, &inc, m, &why), 0, "the notices are queued");
        tap_ok(store_commit(s) == 0, "committed");

        size_t n = 0;
        icalcomponent *cal = queued_event(s, "dpo_notice", "REQUEST", &n);
        icalcomponent *ev = event_of(cal);
        tap_ok(ev != NULL, "the DPO's notice carries the event");
        _cleanup_free_ char *uid = ev ? xstrdup(icalcomponent_get_uid(ev)) : NULL;
        TAP_INT_EQ(ev ? icalcomponent_get_sequence(ev) : -1, 0, "notice: SEQUENCE:0");
        if (cal)
                icalcomponent_free(cal);

        /* A follow-up corrects the awareness time: the deadline moves. */
        inc.aware_at -= 6 * 3600;
        inc.deadline_at -= 6 * 3600;
        store_begin(s);
        TAP_INT_EQ(calendar_queue(s, f->cfg, f->tz, &inc, CALENDAR_REQUEST, NULL, now, &why), 0, "update queued");
        store_commit(s);
        cal = queued_event(s, "calendar_update", "REQUEST", &n);
        ev = event_of(cal);
        TAP_STR_EQ(ev ? icalcomponent_get_uid(ev) : NULL, uid, "update: the same UID");
        TAP_INT_EQ(ev ? icalcomponent_get_sequence(ev) : -1, 1, "update: SEQUENCE:1");
        TAP_INT_EQ(ev ? (int64_t)icaltime_as_timet_with_zone(icalcomponent_get_dtstart(ev), NULL) : 0,
                   inc.deadline_at, "update: the new deadline (UTC through libical's zone)");
        if (cal)
                icalcomponent_free(cal);

        /* The DPO's decision, by the same path as a reply or breachctl. */
        DecisionCmds c = {0};
        StrList errors = {0}, changes = {0};
        decision_parse("decision: not notifiable\nreason: encrypted and recovered", &c, &errors);
        DecisionEnv env = {.store = s, .cfg = f->cfg, .tz = f->tz, .actor = "dpo@example.test", .now = now + 60};
        store_begin(s);
        TAP_INT_EQ(decision_apply(&env, inc.id, &c, &changes, &errors), 0, "the decision is recorded");
        store_commit(s);
        decision_cmds_free(&c);
        cal = queued_event(s, "calendar_cancel", "CANCEL", &n);
        ev = event_of(cal);
        TAP_INT_EQ(cal ? icalcomponent_get_method(cal) : 0, ICAL_METHOD_CANCEL, "decision: METHOD:CANCEL");
        TAP_STR_EQ(ev ? icalcomponent_get_uid(ev) : NULL, uid, "decision: the same UID");
        TAP_INT_EQ(ev ? icalcomponent_get_sequence(ev) : -1, 2, "decision: SEQUENCE:2");
        TAP_INT_EQ(ev ? icalcomponent_get_status(ev) : 0, ICAL_STATUS_CANCELLED, "decision: STATUS:CANCELLED");
        if (cal)
                icalcomponent_free(cal);

        /* Closing, and a late follow-up, send nothing more. */
        decision_parse("close", &c, &errors);
        store_begin(s);
        TAP_INT_EQ(decision_apply(&env, inc.id, &c, &changes, &errors), 0, "the case is closed");
        TAP_INT_EQ(calendar_queue(s, f->cfg, f->tz, &inc, CALENDAR_REQUEST, NULL, now, &why), 0,
                   "a request after the cancel");
        store_commit(s);
        decision_cmds_free(&c);
        row_free(queued(s, "calendar_cancel", &n));
        TAP_INT_EQ(n, 1, "one cancel only");
        row_free(queued(s, "calendar_update", &n));
        TAP_INT_EQ(n, 1, "no update after the cancel");
        strlist_free(&errors);
        strlist_free(&changes);
        incident_free(&inc);
        message_free(m);
        free(why);
}

/* A decision to report keeps the deadline in the diary until the ICO's
 * reference is recorded: the ICO must still be told by then. */
static void notify_then_reference(Fixture *f)
{
        Store *s = f->store;
        int64_t now = (int64_t)time(NULL);
        static const char raw[] = "From: Reporter <reporter@example.test>\n"
                                  "To: breach@example.test\n"
                                  "Subject: Data breach\n"
                                  "Message-ID: <r8@example.test>\n\n"
                                  "Directorate: ASC\n";
        Message *m = NULL;
        char *why = NULL;
        message_parse(raw, strlen(raw), NULL, &m, &why);
        Incident inc;
        make_incident(&inc, "DB2026008", "tok8tok8tok8tok8tok8tok8", now - 3600);
        store_begin(s);
        store_insert_incident(s, &inc);
        TAP_INT_EQ(m ? newcase_queue_notices(s, f->cfg, f->tz, &inc, m, &why) : -1, 0,
                   "notify: the notice, with the event, is queued");
        store_commit(s);
        message_free(m);
        free(why);
        /* retention_days has purged the notice's bytes since: it went
         * before the deadline, so it is taken to have carried the event. */
        TAP_INT_EQ(store_purge_raw(s, now + 1, now, NULL, NULL) >= 0 &&
                           store_write(s, "UPDATE outbox SET state = 'sent' WHERE incident_id = ?",
                                       STORE_VALUES(SV_INT(inc.id))) >= 0 &&
                           store_purge_raw(s, now + 1, now, NULL, NULL) >= 0,
                   1, "notify: the notice sent and its bytes purged");
        DecisionEnv env = {.store = s, .cfg = f->cfg, .tz = f->tz, .actor = "dpo@example.test", .now = now};
        static const char *const steps[] = {"decision: notify\nreason: health data of a child",
                                            "ico-reference: IC-123456-AB1C"};
        static const size_t want[] = {0, 1};
        for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
                DecisionCmds c = {0};
                StrList errors = {0}, changes = {0};
                decision_parse(steps[i], &c, &errors);
                store_begin(s);
                TAP_INT_EQ(decision_apply(&env, inc.id, &c, &changes, &errors), 0, "recorded: %s", i ? "the ICO's reference" : "decision: notify");
                store_commit(s);
                size_t n = 0;
                row_free(queued_for(s, inc.id, "calendar_cancel", &n));
                TAP_INT_EQ(n, want[i], "... then %zu cancel(s)", want[i]);
                decision_cmds_free(&c);
                strlist_free(&errors);
                strlist_free(&changes);
        }
        incident_free(&inc);
}

/* A report filed after its deadline: the overdue notice, which the
 * escalation contacts get too, carries no event. */
static void overdue_notice(Fixture *f)
{
        Store *s = f->store;
        int64_t now = (int64_t)time(NULL);
        static const char raw[] = "From: Reporter <reporter@example.test>\n"
                                  "To: breach@example.test\n"
                                  "Subject: Old breach\n"
                                  "Message-ID: <r2@example.test>\n\n"
                                  "Directorate: ASC\n";
        Message *m = NULL;
        char *why = NULL;
        message_parse(raw, strlen(raw), NULL, &m, &why);
        Incident inc;
        make_incident(&inc, "DB2026011", "tokBtokBtokBtokBtokBtokB", now - 100 * 3600);
        store_begin(s);
        store_insert_incident(s, &inc);
        TAP_INT_EQ(m ? newcase_queue_notices(s, f->cfg, f->tz, &inc, m, &why) : -1, 0, "overdue: notices queued");
        store_commit(s);
        size_t n = 0;
        OutboxRow *row = queued_for(s, inc.id, "dpo_notice", &n);
        tap_ok(row && !memmem(row->data, row->len, "text/calendar", 13) && memmem(row->data, row->len, "OVERDUE", 7),
               "overdue: the notice is the overdue notice, with no calendar");
        row_free(row);
        /* A follow-up moves its deadline, still past: no invitation to a
         * deadline gone by. */
        inc.deadline_at -= 3600;
        store_begin(s);
        TAP_INT_EQ(calendar_queue(s, f->cfg, f->tz, &inc, CALENDAR_REQUEST, NULL, now, &why), 0,
                   "overdue: a moved deadline, still past");
        store_commit(s);
        row_free(queued_for(s, inc.id, "calendar_update", &n));
        TAP_INT_EQ(n, 0, "overdue: ... queues no invitation");
        /* No event went, so the decision cancels none: no mail about a
         * calendar entry the DPO never had. */
        DecisionCmds c = {0};
        StrList errors = {0}, changes = {0};
        decision_parse("decision: not notifiable\nreason: encrypted", &c, &errors);
        DecisionEnv env = {.store = s, .cfg = f->cfg, .tz = f->tz, .actor = "dpo@example.test", .now = now};
        store_begin(s);
        TAP_INT_EQ(decision_apply(&env, inc.id, &c, &changes, &errors), 0, "overdue: the decision is recorded");
        store_commit(s);
        row_free(queued_for(s, inc.id, "calendar_cancel", &n));
        TAP_INT_EQ(n, 0, "overdue: no cancel of an event never sent");
        decision_cmds_free(&c);
        strlist_free(&errors);
        strlist_free(&changes);
        incident_free(&inc);
        message_free(m);
        free(why);
}

/* A zone libical has no VTIMEZONE for: the start in UTC. */
static void utc_zone(Fixture *f)
{
        const Config *utc = fixture_config(f, "timezone = \"UTC\";");
        if (!utc) {
                tap_ok(false, "timezone = UTC is read");
                return;
        }
        Incident inc;
        make_incident(&inc, "DB2026010", "tokAtokAtokAtokAtokAtokA", 1782896400);
        _cleanup_free_ char *ics = NULL;
        TAP_INT_EQ(calendar_event(utc, &inc, CALENDAR_REQUEST, 0, 1782896400, &ics), 0, "UTC: written");
        tap_ok(ics && strstr(ics, "\r\nDTSTART:20260704T090000Z\r\n"), "UTC: DTSTART in UTC");
        tap_ok(ics && !strstr(ics, "VTIMEZONE"), "UTC: no VTIMEZONE needed");
        incident_free(&inc);
}

static void switched_off(Fixture *f)
{
        const Config *off = fixture_config(f, "dpo_calendar = false;");
        tap_ok(off && !off->dpo_calendar, "dpo_calendar = false is read");
        if (!off)
                return;
        Incident inc;
        make_incident(&inc, "DB2026009", "tok9tok9tok9tok9tok9tok9", (int64_t)time(NULL));
        unsigned seq = 7;
        store_begin(f->store);
        store_insert_incident(f->store, &inc);
        TAP_INT_EQ(calendar_next(f->store, off, &inc, &seq), 0, "no event owed when it is off");
        store_commit(f->store);
        tap_ok(f->cfg->dpo_calendar, "on by default");
        incident_free(&inc);
}

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (f) {
                /* Awareness 10:00 BST on Wed 1 July 2026: deadline Sat 4 July
                 * 10:00 BST (09:00 UTC). */
                check_zone(f->cfg, "summer", 1782896400, "20260704T100000");
                /* 10:00 GMT on Mon 12 January 2026: Thu 15 January 10:00 GMT. */
                check_zone(f->cfg, "winter", 1768212000, "20260115T100000");
                /* 12:00 BST on Fri 23 October 2026 (11:00 UTC); the clocks go
                 * back on Sunday 25th: 72 hours later is 11:00 GMT on Monday
                 * 26th, an hour earlier by the clock. */
                check_zone(f->cfg, "across the October change", 1792753200, "20261026T110000");
                /* 12:00 GMT on Fri 27 March 2026; the clocks go forward on
                 * Sunday 29th: 13:00 BST on Monday 30th. */
                check_zone(f->cfg, "across the March change", 1774612800, "20260330T130000");
                fields(f->cfg);
                through_the_register(f);
                notify_then_reference(f);
                utc_zone(f);
                overdue_notice(f);
                switched_off(f);
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
