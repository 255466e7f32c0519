/* calendar.c — see calendar.h. */
#include "notices/calendar.h"

#include <errno.h>
#include <glib.h>
#include <libical/ical.h>
#include <string.h>

#include "mail/compose.h"
#include "notices/notices.h"

/* How long the event lasts: long enough to show in a day view. */
#define EVENT_SECONDS (30 * 60)

const char *calendar_method_name(CalendarMethod m)
{
        return m == CALENDAR_CANCEL ? "CANCEL" : "REQUEST";
}

static char *own_domain(const Config *cfg)
{
        _cleanup_free_ char *addr = compose_address_of(cfg->smtp.from);
        const char *at = addr ? strchr(addr, '@') : NULL;
        return xstrdup(at ? at + 1 : "breachd.invalid");
}

char *calendar_uid(const Config *cfg, const Incident *inc)
{
        _cleanup_free_ char *domain = own_domain(cfg);
        char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, inc->token ? inc->token : "", -1);
        char *uid = xasprintf("%s.%.16s@%s", inc->ref, hash, domain);
        g_free(hash);
        return uid;
}

/* The reference, the chosen directorate and the type of breach: the
 * only words of the report the event may carry. */
static char *summary(const Incident *inc)
{
        const FieldValue *d = &inc->form.f[F_DIRECTORATE], *bt = &inc->form.f[F_BREACH_TYPE];
        return xasprintf("ICO deadline: %s (%s, %s)", inc->ref,
                         d->canon ? d->canon : d->text ? "directorate unclear" : "directorate not given",
                         bt->canon ? bt->canon : bt->text ? "type of breach unclear" : "type of breach not given");
}

/* The zone's VTIMEZONE from libical's built-in zones, named by the IANA
 * identifier (not libical's "/freeassociation.sourceforge.net/" prefix)
 * and cut to the rules in force from a year before `from`, written the
 * way Outlook reads them (ms_compatible): a few observances, not the
 * zone's history since 1847.  NULL when libical does not know the zone. */
static icalcomponent *vtimezone(const char *name, icaltimezone **ret_zone, int64_t from)
{
        icaltimezone *z = icaltimezone_get_builtin_timezone(name);
        icalcomponent *src = z ? icaltimezone_get_component(z) : NULL;
        if (!src)
                return NULL;
        icalcomponent *vtz = icalcomponent_new_clone(src);
        icaltimetype start = icaltime_from_timet_with_zone((time_t)(from - 366 * 86400), 0,
                                                           icaltimezone_get_utc_timezone());
        icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
        icalproperty *tzid = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
        if (tzid)
                icalproperty_set_tzid(tzid, name);
        *ret_zone = z;
        return vtz;
}

/* DTSTART or DTEND at instant t in zone z, named name; UTC when z is NULL. */
static icalproperty *zoned_time(icalproperty *(*make)(struct icaltimetype), int64_t t, icaltimezone *z,
                                const char *name)
{
        icaltimetype v = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
        if (!z)
                return make(v);
        v = icaltime_convert_to_zone(v, z);
        icalproperty *p = make(v);
        icalproperty_add_parameter(p, icalparameter_new_tzid(name));
        return p;
}

/* A display alarm `before` seconds before the start. */
static icalcomponent *display_alarm(const Incident *inc, int64_t before)
{
        icalcomponent *a = icalcomponent_new(ICAL_VALARM_COMPONENT);
        icalcomponent_add_property(a, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        struct icaltriggertype trig = {.time = icaltime_null_time(),
                                       .duration = icaldurationtype_from_int((int)-before)};
        icalcomponent_add_property(a, icalproperty_new_trigger(trig));
        int64_t h = before / 3600, mi = (before % 3600) / 60;
        _cleanup_free_ char *d = mi ? xasprintf("ICO deadline for %s in %lld h %lld min", inc->ref, (long long)h,
                                                (long long)mi)
                                    : xasprintf("ICO deadline for %s in %lld hours", inc->ref, (long long)h);
        icalcomponent_add_property(a, icalproperty_new_description(d));
        return a;
}

static void add_people(icalcomponent *ev, const Config *cfg, const char *organizer)
{
        _cleanup_free_ char *org = xasprintf("mailto:%s", organizer);
        icalcomponent_add_property(ev, icalproperty_new_organizer(org));
        for (size_t i = 0; i < cfg->dpo.n; i++) {
                _cleanup_free_ char *a = compose_address_of(cfg->dpo.v[i]);
                if (!a)
                        continue;
                _cleanup_free_ char *to = xasprintf("mailto:%s", a);
                icalproperty *p = icalproperty_new_attendee(to);
                icalproperty_add_parameter(p, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
                icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
                icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
                /* breachd reads no answers: a client should not offer to
                 * send one to the breach mailbox. */
                icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
                icalcomponent_add_property(ev, p);
        }
}

int calendar_event(const Config *cfg, const Incident *inc, CalendarMethod m, unsigned sequence, int64_t now,
                   char **ret)
{
        _cleanup_free_ char *organizer = compose_address_of(cfg->smtp.from);
        if (!organizer)
                return -EINVAL;
        icalcomponent *cal = icalcomponent_new_vcalendar();
        icalcomponent_add_property(cal, icalproperty_new_prodid("-//breachd//breachd//EN"));
        icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
        icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
        icalcomponent_add_property(cal, icalproperty_new_method(m == CALENDAR_CANCEL ? ICAL_METHOD_CANCEL
                                                                                     : ICAL_METHOD_REQUEST));
        icaltimezone *z = NULL;
        icalcomponent *vtz = vtimezone(cfg->timezone, &z, now < inc->deadline_at ? now : inc->deadline_at);
        if (vtz)
                icalcomponent_add_component(cal, vtz);

        icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
        _cleanup_free_ char *uid = calendar_uid(cfg, inc), *sum = summary(inc);
        icalcomponent_add_property(ev, icalproperty_new_uid(uid));
        icalcomponent_add_property(ev, icalproperty_new_sequence((int)sequence));
        icalcomponent_add_property(
                ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone((time_t)now, 0,
                                                                           icaltimezone_get_utc_timezone())));
        icalcomponent_add_property(ev, zoned_time(icalproperty_new_dtstart, inc->deadline_at, z, cfg->timezone));
        icalcomponent_add_property(ev, zoned_time(icalproperty_new_dtend, inc->deadline_at + EVENT_SECONDS, z,
                                                  cfg->timezone));
        icalcomponent_add_property(ev, icalproperty_new_summary(sum));
        _cleanup_free_ char *desc =
                m == CALENDAR_CANCEL
                        ? xasprintf("The decision on reporting breach %s to the ICO is recorded (or the ICO "
                                    "told, or the case closed): this deadline is no longer in the diary.", inc->ref)
                        : xasprintf("The 72 hours to tell the ICO about breach %s end now, if it must be told "
                                    "(UK GDPR Art. 33). Record the decision by replying to breachd's notice.",
                                    inc->ref);
        icalcomponent_add_property(ev, icalproperty_new_description(desc));
        icalcomponent_add_property(ev, icalproperty_new_class(ICAL_CLASS_PRIVATE));
        icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
        icalcomponent_add_property(ev, icalproperty_new_status(m == CALENDAR_CANCEL ? ICAL_STATUS_CANCELLED
                                                                                    : ICAL_STATUS_CONFIRMED));
        add_people(ev, cfg, organizer);
        /* The reminder points still ahead (clock.h: awareness + h, each
         * before the deadline); a point already passed would only pop up
         * as a missed alarm. */
        for (size_t i = 0; m == CALENDAR_REQUEST && i < cfg->n_reminder_hours; i++) {
                int64_t at = inc->aware_at + (int64_t)cfg->reminder_hours[i] * 3600;
                if (at > now && at < inc->deadline_at)
                        icalcomponent_add_component(ev, display_alarm(inc, inc->deadline_at - at));
        }
        icalcomponent_add_component(cal, ev);
        char *s = icalcomponent_as_ical_string_r(cal);
        icalcomponent_free(cal);
        *ret = xstrdup(s);
        icalmemory_free_buffer(s);
        return 0;
}

/* calendar_next() for an event of method m at now: a cancel is owed only
 * when the event was ever sent, and so is a request for a deadline
 * already past (a late report's moved deadline), as the notice of a new
 * report carries no event for one. */
static int owed(Store *s, const Config *cfg, const Incident *inc, CalendarMethod m, int64_t now,
                unsigned *ret_sequence)
{
        if (!cfg->dpo_calendar)
                return 0;
        unsigned n = 0;
        bool cancelled = false, sent = false;
        int r = store_outbox_calendar(s, inc->id, &n, &cancelled, &sent);
        if (r < 0)
                return r;
        if (cancelled || (!sent && (m == CALENDAR_CANCEL || inc->deadline_at <= now)))
                return 0;
        *ret_sequence = n;
        return 1;
}

int calendar_next(Store *s, const Config *cfg, const Incident *inc, unsigned *ret_sequence)
{
        return owed(s, cfg, inc, CALENDAR_REQUEST, now_utc(), ret_sequence);
}

int calendar_queue(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, CalendarMethod m,
                   const char *reply_to, int64_t now, char **ret_why)
{
        unsigned seq = 0;
        int r = owed(s, cfg, inc, m, now, &seq);
        if (r <= 0) {
                if (r < 0)
                        *ret_why = xasprintf("cannot read the calendar mail of %s: %s", inc->ref, strerror(-r));
                return r;
        }
        _cleanup_free_ char *ics = NULL, *when = notices_format_time(tz, inc->deadline_at);
        r = calendar_event(cfg, inc, m, seq, now, &ics);
        if (r < 0) {
                *ret_why = xasprintf("cannot write the calendar event of %s: %s", inc->ref, strerror(-r));
                return r;
        }
        /* A follow-up can move the deadline into the past: the entry moves
         * there too (the calendar then shows the truth), and the mail says
         * that the time has gone. */
        bool passed = m != CALENDAR_CANCEL && inc->deadline_at <= now;
        _cleanup_free_ char *subject =
                m == CALENDAR_CANCEL ? xasprintf("[%s] ICO deadline off the calendar: decision recorded", inc->ref)
                : passed             ? xasprintf("[%s] ICO deadline moved, already passed: %s", inc->ref, when)
                                     : xasprintf("[%s] ICO deadline moved: %s", inc->ref, when);
        _cleanup_free_ char *body =
                m == CALENDAR_CANCEL
                        ? xasprintf("The decision on reporting breach %s to the ICO is recorded (or the ICO\n"
                                    "told, or the case closed), so its ICO deadline (%s) is taken out of\n"
                                    "your calendar.\n\n"
                                    "-- \nbreachd%s%s\n",
                                    inc->ref, when, *cfg->organisation ? ", " : "", cfg->organisation)
                : passed
                        ? xasprintf("The ICO deadline for breach %s has moved to %s, which has\n"
                                    "already passed: a follow-up changed what its 72 hours count from.  If\n"
                                    "the breach must be reported to the ICO, report it now and say why it\n"
                                    "is late.  This mail puts it in your calendar at that time, in place\n"
                                    "of any entry for it sent before.\n\n"
                                    "-- \nbreachd%s%s\n",
                                    inc->ref, when, *cfg->organisation ? ", " : "", cfg->organisation)
                        : xasprintf("The ICO deadline for breach %s has moved to %s:\n"
                                    "a follow-up changed what its 72 hours count from.  This mail puts\n"
                                    "the new deadline in your calendar, in place of any entry for it\n"
                                    "sent before.\n\n"
                                    "-- \nbreachd%s%s\n",
                                    inc->ref, when, *cfg->organisation ? ", " : "", cfg->organisation);
        OutMessage o = {
                .from = cfg->smtp.from,
                .to = &cfg->dpo,
                .reply_to = reply_to,
                .subject = subject,
                .body = body,
                .loop_ref = inc->ref,
                .auto_submitted = "auto-generated",
                .date = now,
                .calendar = ics,
                .calendar_method = calendar_method_name(m),
                .calendar_file = m == CALENDAR_CANCEL ? "cancel.ics" : "invite.ics",
        };
        _cleanup_free_ char *data = NULL, *mid = NULL;
        size_t len = 0;
        r = compose_message(&o, &data, &len, &mid);
        StrList rcpts = {0};
        for (size_t i = 0; r >= 0 && i < cfg->dpo.n; i++) {
                char *a = compose_address_of(cfg->dpo.v[i]);
                if (a)
                        strlist_take(&rcpts, a);
        }
        if (r >= 0)
                r = rcpts.n ? store_queue_mail(s, inc->id, m == CALENDAR_CANCEL ? "calendar_cancel" : "calendar_update",
                                               cfg->smtp.envelope_from, &rcpts, mid, subject, data, len, NULL)
                            : -EINVAL;
        if (r < 0)
                *ret_why = xasprintf("cannot queue the calendar %s of %s: %s", m == CALENDAR_CANCEL ? "cancel" : "update",
                                     inc->ref, strerror(-r));
        strlist_free(&rcpts);
        return r;
}
