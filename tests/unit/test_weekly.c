/* test_weekly.c — the DPO's weekly digest (case/weekly.h): its slots in
 * Europe/London across both clock changes, once per slot across restarts,
 * one digest (not several) after weeks of downtime, nothing when off, and
 * what it lists, each with the command that deals with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/weekly.h"
#include "register/store-internal.h"
#include "fixture.h"
#include "tap.h"

#define H 3600
#define DAY 86400
#define WEEK (7 * DAY)
#define MON 1
/* Mondays at 08:00 in London (python3's zoneinfo): */
static const int64_t MAR23 = 1774252800;   /* 08:00 GMT */
static const int64_t MAR30 = 1774854000;   /* 08:00 BST, the day after the change */
static const int64_t OCT19 = 1792393200;   /* 08:00 BST */
static const int64_t OCT26 = 1793001600;   /* 08:00 GMT, the day after the change */
static const int64_t NOV02 = 1793606400;
static const int64_t NOV23 = 1795420800;
static const int64_t NOV30 = 1796025600;

static int64_t count(Store *s, const char *sql)
{
        int64_t n = -1;
        return store_query_int64(s, sql, &n) > 0 ? n : -1;
}

static int64_t digests(Fixture *f)
{
        return count(f->store, "SELECT COUNT(*) FROM outbox WHERE kind = 'weekly_digest'");
}

/* The settings of the run: the fixture's, or those fixture_config() read. */
static const Config *cfg;

static int run(Fixture *f, int64_t now)
{
        char *why = NULL;
        int r = weekly_digest_run(f->store, cfg ? cfg : f->cfg, f->tz, now, &why);
        if (why)
                fprintf(stderr, "# %s\n", why);
        free(why);
        return r;
}

static void slots(const Tz *tz)
{
        TAP_INT_EQ(weekly_slot(tz, MON, 8 * 60, OCT26 - 1), OCT19, "a second before Monday 08:00 GMT: last week's");
        TAP_INT_EQ(weekly_slot(tz, MON, 8 * 60, OCT26), OCT26, "at 08:00 GMT on the Monday after BST ends: that one");
        TAP_INT_EQ(OCT26 - OCT19, WEEK + H, "... which is a week and an hour after the one before (08:00 both)");
        TAP_INT_EQ(weekly_slot(tz, MON, 8 * 60, OCT26 + 3 * DAY), OCT26, "on the Thursday: Monday's");
        TAP_INT_EQ(weekly_next_slot(tz, MON, 8 * 60, OCT19), OCT26, "the next after 19 October: 26 October 08:00 GMT");
        TAP_INT_EQ(weekly_next_slot(tz, MON, 8 * 60, OCT26 - 1), OCT26, "... a second before it: it");
        TAP_INT_EQ(weekly_slot(tz, MON, 8 * 60, MAR30 - 1), MAR23, "a second before Monday 08:00 BST: last week's");
        TAP_INT_EQ(weekly_slot(tz, MON, 8 * 60, MAR30), MAR30, "at 08:00 BST after BST starts: that one");
        TAP_INT_EQ(MAR30 - MAR23, WEEK - H, "... a week less an hour after the one before");
        TAP_INT_EQ(weekly_next_slot(tz, MON, 8 * 60, MAR23), MAR30, "the next after 23 March: 30 March 08:00 BST");
        TAP_INT_EQ(weekly_slot(tz, 0, 23 * 60 + 30, OCT26), OCT26 - 8 * H - 30 * 60,
                   "Sunday 23:30: the evening before (GMT by then)");
        TAP_INT_EQ(weekly_slot(tz, -1, 0, OCT26), 0, "off: no slot");
        TAP_INT_EQ(weekly_next_slot(tz, -1, 0, OCT26), INT64_MAX, "off: no next slot");
}

/* Turned on on a Monday morning after 08:00: that week's digest at once. */
static void first_within_a_day(void)
{
        Fixture *f = fixture_new("weekly_digest = \"Mon 08:00\";");
        tap_ok(f != NULL, "a fresh register, weekly_digest on");
        if (f) {
                TAP_INT_EQ(run(f, OCT26 + 3 * H), 1, "turned on at 11:00 on the Monday: the week's digest at once");
                TAP_INT_EQ(run(f, OCT26 + 4 * H), 0, "... once");
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
}

/* The clock once ran years ahead (a flat RTC battery, a restored VM) and
 * a digest went for a slot then; once the clock is right again, the
 * digests go on each week, not only after that far-off Monday. */
static void clock_once_ahead(void)
{
        Fixture *f = fixture_new("weekly_digest = \"Mon 08:00\";");
        tap_ok(f != NULL, "a fresh register, weekly_digest on");
        if (f) {
                const int64_t ahead = OCT19 + 520 * WEEK;
                TAP_INT_EQ(run(f, ahead), 1, "a digest while the clock is ten years ahead");
                TAP_INT_EQ(run(f, OCT19), 1, "the clock put right: that week's digest goes");
                TAP_INT_EQ(run(f, OCT19 + 60), 0, "... once");
                TAP_INT_EQ(run(f, OCT26), 1, "and the next week's");
                TAP_INT_EQ(run(f, OCT26 - 2 * H), 0, "the clock set back two hours, over the slot: nothing again");
                TAP_INT_EQ(run(f, OCT26 + H), 0, "... nor when it passes the slot a second time");
                TAP_INT_EQ(digests(f), 3, "three digests in all");
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
}

static void once(Fixture *f)
{
        cfg = fixture_config(f, "weekly_digest = \"mon 08:00\";");
        tap_ok(cfg != NULL, "weekly_digest = \"mon 08:00\" is read");
        if (!cfg)
                return;
        TAP_INT_EQ(cfg->weekly_digest_wday, MON, "... as Monday");
        TAP_INT_EQ(cfg->weekly_digest_minute, 480, "... at 08:00");
        TAP_INT_EQ(run(f, OCT19 - 5 * DAY), 0, "turned on on a Wednesday: nothing that week");
        TAP_INT_EQ(run(f, OCT19 - 1), 0, "nor a second before Monday 08:00");
        TAP_INT_EQ(run(f, OCT19), 1, "at Monday 08:00 the first digest");
        TAP_INT_EQ(run(f, OCT19 + 60), 0, "a minute later: nothing");
        tap_ok(fixture_reopen(f) == 0, "the register reopened (a restart)");
        TAP_INT_EQ(run(f, OCT19 + 2 * DAY), 0, "after the restart, in the same week: nothing");
        TAP_INT_EQ(run(f, OCT26 - 1), 0, "a second before the next Monday 08:00 (GMT now): nothing");
        TAP_INT_EQ(run(f, OCT26), 1, "at 08:00 GMT: the next week's digest");
        TAP_INT_EQ(digests(f), 2, "two digests in the outbox");
        tap_ok(fixture_reopen(f) == 0, "a restart after three weeks down");
        TAP_INT_EQ(run(f, NOV23 + 3 * H), 1, "one digest for the missed weeks");
        TAP_INT_EQ(run(f, NOV23 + 4 * H), 0, "... and no second");
        TAP_INT_EQ(digests(f), 3, "three digests in all, not five");
        TAP_INT_EQ(count(f->store, "SELECT COUNT(*) FROM audit WHERE incident_id IS NULL AND action = 'weekly_digest' "
                                   "AND CAST(new_value AS INTEGER) = 1795420800"), 1,
                   "the mark names the week's slot (23 November)");
        cfg = fixture_config(f, "weekly_digest = \"off\";");
        TAP_INT_EQ(run(f, NOV30), 0, "off: nothing the week after");
        TAP_INT_EQ(digests(f), 3, "... still three");
}

static int64_t file(Store *s, const char *ref, int64_t received, int64_t deadline, int late)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = inc.filed_at = received;
        inc.aware_at = deadline - 72 * H;
        inc.deadline_at = deadline;
        inc.from_addr = xstrdup("reporter@example.test");
        inc.subject = xstrdup(ref[4] == '1' ? "A laptop left on a train" : "A letter to the wrong address");
        int r = store_insert_incident(s, &inc);
        int64_t id = inc.id;
        incident_free(&inc);
        if (r >= 0 && late)
                r = store_write(s, "UPDATE incidents SET late = 1 WHERE id = ?", STORE_VALUES(SV_INT(id)));
        return r < 0 ? r : id;
}

static bool body_has(Fixture *f, const char *text)
{
        _cleanup_free_ char *sql = xasprintf("SELECT COUNT(*) FROM outbox WHERE kind = 'weekly_digest' "
                                             "AND id = (SELECT MAX(id) FROM outbox) AND instr(data, '%s') > 0",
                                             text);
        return count(f->store, sql) == 1;
}

static void contents(Fixture *f)
{
        cfg = fixture_config(f, "weekly_digest = \"Mon 08:00\";");
        Store *s = f->store;
        int64_t a = file(s, "DB2021", NOV30 - 10 * DAY, NOV30 - 6 * DAY, 0);
        int64_t b = file(s, "DB2022", NOV30 - 2 * DAY, NOV30 + DAY, 1);
        tap_ok(a > 0 && b > 0, "two open cases, the second reported late");
        int64_t n = 0;
        tap_ok(store_action_add(s, a, "Wipe the laptop remotely", "IT", "2026-11-20", "dpo", NOV02, &n) == 0,
               "an action due 20 November");
        tap_ok(store_action_add(s, a, "Tell the staff", NULL, "2026-12-20", "dpo", NOV02, &n) == 0,
               "one due in December");
        StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 9, .key = "<w@x>",
                            .from_addr = "someone@elsewhere.test", .subject = "Lost phone",
                            .received_at = NOV30 - DAY, .disposition = DISP_QUARANTINE,
                            .reason = "sender outside staff_domains"};
        tap_ok(store_add_message(s, &sm) == 0, "a message quarantined");
        store_write(s, "UPDATE messages SET seen_at = ? WHERE uid = 9", STORE_VALUES(SV_INT(NOV30 - DAY)));
        TAP_INT_EQ(run(f, NOV30 + 60), 1, "the digest of 30 November");
        tap_ok(body_has(f, "DB2021  open 10 days"), "the oldest open case with its age");
        tap_ok(body_has(f, "breachctl show DB2022"), "... each with the command that shows it");
        tap_ok(body_has(f, "breachctl decide DB2021 notify|not-notifiable"), "a pending decision and how to record it");
        tap_ok(body_has(f, "--delay-reason"), "... asking the overdue one for the reason for delay");
        tap_ok(body_has(f, "action 1, due 2026-11-20 (IT): Wipe the laptop remotely"), "the overdue action");
        tap_ok(body_has(f, "breachctl actions DB2021 done 1"), "... and how to mark it done");
        tap_ok(!body_has(f, "Tell the staff"), "an action not yet due is not listed");
        tap_ok(body_has(f, "Received in November 2026 more than 72 hours after the breach (1)"), "the late report this month");
        tap_ok(body_has(f, "Quarantined in the last 7 days, waiting for a person (1)"), "the quarantined mail");
        tap_ok(body_has(f, "breachctl reprocess --quarantined"), "... and how to read it again");
        TAP_INT_EQ(count(s, "SELECT COUNT(*) FROM outbox WHERE id = (SELECT MAX(id) FROM outbox) "
                            "AND rcpts LIKE '%dpo@example.test%'"), 1, "to the DPO");
}

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (f) {
                slots(f->tz);
                TAP_INT_EQ(f->cfg->weekly_digest_wday, -1, "off by default");
                TAP_INT_EQ(run(f, OCT19), 0, "... and nothing is sent");
                once(f);
        }
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        cfg = NULL;
        first_within_a_day();
        clock_once_ahead();
        f = fixture_new(NULL);
        if (f)
                contents(f);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
