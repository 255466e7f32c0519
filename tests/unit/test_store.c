/* Unit tests of the register: schema creation and in-place upgrade of an
 * older database, file modes, references never reused, the outbox. */
#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "read/values.h"
#include "register/store.h"
#include "register/store_register.h"
#include "tap.h"
#include "base/util.h"

static char tmpdir[] = "/tmp/test_store.XXXXXX";

static int user_version(const char *path)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int v = -1;
        if (sqlite3_open(path, &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

static void test_upgrade(void)
{
        /* A register as schema version 1 wrote it: two incidents, a
         * quarantined message, four sent mails. */
        _cleanup_free_ char *sql = NULL;
        int r = read_file(tap_srcpath("tests/fixtures/register-v1.sql"), 1 << 24, &sql, NULL);
        tap_ok(r == 0, "the v1 fixture is readable");
        if (r < 0)
                return;
        _cleanup_free_ char *path = xasprintf("%s/old.db", tmpdir);
        sqlite3 *db = NULL;
        sqlite3_open(path, &db);
        char *err = NULL;
        tap_ok(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "the v1 register is recreated%s%s",
               err ? ": " : "", err ? err : "");
        sqlite3_free(err);
        sqlite3_close(db);
        TAP_INT_EQ(user_version(path), 1, "it says it is version 1");

        Store *s = NULL;
        r = store_open(path, &s);
        TAP_INT_EQ(r, 0, "store_open upgrades it");
        TAP_INT_EQ(user_version(path), STORE_SCHEMA_VERSION, "it is now the current version");
        Incident inc;
        r = store_load_incident(s, "DB2026002", &inc);
        TAP_INT_EQ(r, 0, "an incident filed under v1 loads");
        if (r == 0) {
                TAP_STR_EQ(inc.form.f[F_REPORTER_NAME].text, "Siobhan O\xe2\x80\x99Neill", "its fields are intact");
                TAP_STR_EQ(inc.form.f[F_DIRECTORATE].canon, "Finance and Resources", "canonical values too");
                incident_free(&inc);
        }
        char *ref = NULL;
        r = store_next_ref(s, "DB%Y%03n", 2026, &ref);
        TAP_STR_EQ(ref, "DB2026003", "numbering continues after the upgrade");
        free(ref);
        store_close(s);
        r = store_open(path, &s);
        TAP_INT_EQ(r, 0, "opening an up-to-date register again is a no-op");
        store_close(s);
}

static void test_fresh(void)
{
        _cleanup_free_ char *dir = xasprintf("%s/state", tmpdir);
        _cleanup_free_ char *path = xasprintf("%s/breachd.db", dir);
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "a new register is created");
        struct stat st;
        stat(path, &st);
        TAP_INT_EQ(st.st_mode & 0777, 0600, "the database file is 0600");
        stat(dir, &st);
        TAP_INT_EQ(st.st_mode & 0777, 0700, "the directory it made is 0700");
        TAP_INT_EQ(user_version(path), STORE_SCHEMA_VERSION, "at the current schema version");

        char *a = NULL, *b = NULL, *c = NULL;
        store_next_ref(s, "DB%Y%03n", 2026, &a);
        store_next_ref(s, "DB%Y%03n", 2026, &b);
        store_next_ref(s, "IS/%y/%03n", 2027, &c);
        TAP_STR_EQ(a, "DB2026001", "first reference of the year");
        TAP_STR_EQ(b, "DB2026002", "references are never reused");
        TAP_STR_EQ(c, "IS/27/001", "numbered per year, other patterns");
        free(a);
        free(b);
        free(c);

        StrList rcpts = {0};
        strlist_add(&rcpts, "dpo@example.org");
        int64_t id = 0;
        TAP_INT_EQ(store_queue_mail(s, 0, "test", "breach@example.org", &rcpts, "m1@x", "Subject", "data\n", 5, &id),
                   0, "a mail is queued");
        OutboxRow *rows = NULL;
        size_t n = 0;
        store_outbox_due(s, now_utc(), 10, &rows, &n);
        TAP_INT_EQ(n, 1, "it is due at once");
        if (n)
                TAP_STR_EQ(rows[0].rcpts.v[0], "dpo@example.org", "with its recipient");
        for (size_t i = 0; i < n; i++)
                outbox_row_free(&rows[i]);
        free(rows);
        store_outbox_retry(s, id, now_utc() + 60, "451 try later");
        store_outbox_due(s, now_utc(), 10, &rows, &n);
        TAP_INT_EQ(n, 0, "a deferred mail waits for its retry time");
        free(rows);
        int64_t next = 0;
        store_outbox_next_due(s, &next);
        tap_ok(next > now_utc() + 50, "the next due time is the retry time");
        store_outbox_sent(s, id, now_utc());
        int64_t q = -1, f = -1;
        store_outbox_counts(s, &q, &f);
        TAP_INT_EQ(q, 0, "nothing queued once sent");
        strlist_free(&rcpts);
        store_close(s);
        TAP_INT_EQ(store_open("/proc/nonexistent/x.db", &s), -ENOENT, "an impossible path is an error, not a crash");
}

static void test_format_ref(void)
{
        static const struct {
                const char *pattern;
                int year;
                int64_t n;
                const char *want;
        } rows[] = {
                {"DB%Y%03n", 2026, 1, "DB2026001"},     {"DB%Y%03n", 2026, 1234, "DB20261234"},
                {"IS/%y/%03n", 2024, 17, "IS/24/017"},  {"%n", 2024, 5, "5"},
                {"BR-%Y-%05n", 2025, 42, "BR-2025-00042"}, {"100%%-%Y-%n", 2025, 3, "100%-2025-3"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
                _cleanup_free_ char *r = incident_format_ref(rows[i].pattern, rows[i].year, rows[i].n);
                TAP_STR_EQ(r, rows[i].want, "pattern %s", rows[i].pattern);
        }
}

/* Runs sql on the database at path outside the Store; 0 or -1. */
static int raw_exec(const char *path, const char *sql)
{
        sqlite3 *db = NULL;
        int rc = sqlite3_open(path, &db);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : -1;
}

/* Files one incident whose two counts are given as words, read as the
 * daemon would read them. */
static void file_counts(Store *s, const char *ref, const char *individuals, const char *records)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup(ref);
        inc.token = xstrdup("t");
        inc.received_at = inc.filed_at = inc.aware_at = 1767225600;
        inc.deadline_at = inc.aware_at + 72 * 3600;
        const char *text[] = {individuals, records};
        FieldId id[] = {F_INDIVIDUALS_COUNT, F_RECORDS_COUNT};
        for (size_t i = 0; i < 2; i++) {
                FieldValue *v = &inc.form.f[id[i]];
                v->text = xstrdup(text[i]);
                value_parse_count(text[i], v);
        }
        TAP_INT_EQ(store_insert_incident(s, &inc), 0, "%s filed: \"%s\", \"%s\"", ref, individuals, records);
        incident_free(&inc);
}

static void check_counts(Store *s, const char *ref, int64_t n, bool approx, bool at_least, int64_t rn,
                         bool r_approx, bool r_at_least)
{
        Incident inc;
        if (store_load_incident(s, ref, &inc) < 0) {
                tap_ok(false, "%s loads", ref);
                return;
        }
        const FieldValue *a = &inc.form.f[F_INDIVIDUALS_COUNT], *b = &inc.form.f[F_RECORDS_COUNT];
        TAP_INT_EQ(a->count, n, "%s: individuals %lld", ref, (long long)n);
        TAP_INT_EQ(a->approx, approx, "%s: individuals approximate: %d", ref, approx);
        TAP_INT_EQ(a->at_least, at_least, "%s: individuals at least: %d", ref, at_least);
        TAP_INT_EQ(b->count, rn, "%s: records %lld", ref, (long long)rn);
        TAP_INT_EQ(b->approx, r_approx, "%s: records approximate: %d", ref, r_approx);
        TAP_INT_EQ(b->at_least, r_at_least, "%s: records at least: %d", ref, r_at_least);
        incident_free(&inc);
}

/* What schema 9 added, taken away again (but the UNIQUE on incidents.ref
 * alone, which a rebuild would put back: the step does without it). */
/* What schema 10 added, taken away again. */
#define V10_UNDONE                                                                                           \
        "DROP INDEX messages_orig; ALTER TABLE messages DROP COLUMN orig_from;"                              \
        "ALTER TABLE messages DROP COLUMN orig_at; ALTER TABLE messages DROP COLUMN orig_subject;"            \
        "ALTER TABLE messages DROP COLUMN orig_message_id;"
#define V9_UNDONE                                                                                            \
        V10_UNDONE                                                                                           \
        "DROP INDEX incidents_org_ref; DROP INDEX incidents_ref; DROP INDEX incidents_token;"                \
        "ALTER TABLE incidents DROP COLUMN org; ALTER TABLE messages DROP COLUMN org;"                       \
        "ALTER TABLE outbox DROP COLUMN org; ALTER TABLE audit DROP COLUMN org;"                             \
        "DROP TABLE ref_counter; CREATE TABLE ref_counter(year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"

/* Schema 8 (issue 15): a register of version 7 keeps approximate counts
 * without saying which are lower bounds.  The upgrade adds the columns and
 * reads the counts filed as approximate again from their words, so that
 * "10,000+" becomes "at least 10,000" and "about 30" stays about. */
static void test_upgrade_v7(void)
{
        _cleanup_free_ char *path = xasprintf("%s/v7.db", tmpdir);
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "a register to take back to version 7");
        if (!s)
                return;
        file_counts(s, "DB2026001", "about 30", "10,000+");
        file_counts(s, "DB2026002", "over 100", "c. 200");
        file_counts(s, "DB2026003", "TBC", "12");
        file_counts(s, "DB2026004", "several", "unknown");
        store_close(s);
        /* What version 7 was: no _at_least columns. */
        TAP_INT_EQ(raw_exec(path, "ALTER TABLE incidents DROP COLUMN individuals_count_at_least;"
                                  "ALTER TABLE incidents DROP COLUMN records_count_at_least;"
                                  V9_UNDONE
                                  "PRAGMA user_version = 7;"),
                   0, "the register is made a version 7 one");
        TAP_INT_EQ(user_version(path), 7, "it says it is version 7");
        /* A count edited by hand in version 7: its words no longer give
         * its number, so it is not taken for a lower bound. */
        TAP_INT_EQ(raw_exec(path, "UPDATE incidents SET individuals_count_n = 99 WHERE ref = 'DB2026002';"), 0,
                   "one count no longer matches its words");
        TAP_INT_EQ(store_open(path, &s), 0, "store_open upgrades it");
        TAP_INT_EQ(user_version(path), STORE_SCHEMA_VERSION, "to the current version");
        if (!s)
                return;
        check_counts(s, "DB2026001", 30, true, false, 10000, true, true);
        check_counts(s, "DB2026002", 99, true, false, 200, true, false);
        check_counts(s, "DB2026003", -1, false, false, 12, false, false);
        check_counts(s, "DB2026004", 2, true, true, -1, false, false);
        /* A lower bound filed after the upgrade is kept as such. */
        file_counts(s, "DB2026005", "more than 5", "about 40");
        check_counts(s, "DB2026005", 5, true, true, 40, true, false);
        store_close(s);
}

static int count_report(int64_t incident_id, const char *subject, int64_t received_at, void *userdata)
{
        (*(int *)userdata)++;
        return 0;
}

/* A second copy of a report is found by the Message-ID of the message it
 * forwards: the report's own (its key), or the one a filed forward
 * carried (kept in messages.message_id). */
static void test_filed_copies(void)
{
        _cleanup_free_ char *path = xasprintf("%s/copies.db", tmpdir);
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "a register for the copies");
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2026001");
        inc.token = xstrdup("t0k3n");
        inc.from_addr = xstrdup("alan@example.org");
        inc.received_at = inc.filed_at = now_utc();
        inc.deadline_at = inc.received_at + 72 * 3600;
        TAP_INT_EQ(store_insert_incident(s, &inc), 0, "an incident filed from a forward");
        /* Priya's forward of Alan's <orig@x>, filed as the report. */
        StoredMessage fwd = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 1, .key = "<fwd1@x>",
                             .message_id = "orig@x", .from_addr = "priya@example.org", .subject = "Fwd: Breach",
                             .received_at = now_utc(), .incident_id = inc.id, .disposition = DISP_REPORT};
        TAP_INT_EQ(store_add_message(s, &fwd), 0, "the forward is recorded");
        StoredMessage other = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 2, .key = "<other@x>",
                               .message_id = "other@x", .from_addr = "bob@example.org", .subject = "Blank form",
                               .received_at = now_utc(), .disposition = DISP_IGNORED};
        store_add_message(s, &other);
        int64_t id = 0;
        TAP_INT_EQ(store_find_filed_message(s, "orig@x", &id), 1, "a second forward of <orig@x> is found");
        TAP_INT_EQ(id, inc.id, "under the incident the first forward made");
        id = 0;
        TAP_INT_EQ(store_find_filed_message(s, "fwd1@x", &id), 1, "a forward of the forward is found by its key");
        TAP_INT_EQ(id, inc.id, "under the same incident");
        TAP_INT_EQ(store_find_filed_message(s, "other@x", &id), 0, "a message attached to no incident is no match");
        TAP_INT_EQ(store_find_filed_message(s, "never@x", &id), 0, "nor is one never seen");
        id = 0;
        TAP_INT_EQ(store_find_incident_by_message_id(s, "fwd1@x", &id), 1,
                   "a reply to the forward itself still finds the incident");
        TAP_INT_EQ(id, inc.id, "the same one");
        /* The same forward's original, as ingest records it: Alan's. */
        int64_t t = now_utc();
        StoredMessage fwd2 = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 3, .key = "<fwd2@x>",
                              .message_id = "fwd2@x", .from_addr = "dev@example.org", .subject = "FW: Breach",
                              .received_at = t, .incident_id = inc.id, .disposition = DISP_REPORT,
                              .orig_from = "Alan@Example.org", .orig_at = t - 3600, .orig_subject = "Breach"};
        TAP_INT_EQ(store_add_message(s, &fwd2), 0, "a pasted forward is recorded with its original");
        int n = 0;
        TAP_INT_EQ(store_reports_from(s, "ALAN@example.org", t - 3660, t - 3540, NULL, count_report, &n), 1,
                   "a report is found by its original's sender and Date:, case ignored");
        TAP_INT_EQ(n, 1, "... once");
        n = 0;
        store_reports_from(s, "dev@example.org", t - 3660, t + 60, NULL, count_report, &n);
        TAP_INT_EQ(n, 0, "not by who forwarded it");
        store_reports_from(s, "alan@example.org", t - 3660, t - 3540, "third@x", count_report, &n);
        TAP_INT_EQ(n, 1, "an original without a Message-ID is found by a copy that has one");
        n = 0;
        store_reports_from(s, "bob@example.org", t - 60, t + 60, NULL, count_report, &n);
        TAP_INT_EQ(n, 0, "a message that was no report is not");
        store_reports_from(s, "alan@example.org", t + 3600, t + 7200, NULL, count_report, &n);
        TAP_INT_EQ(n, 0, "nor is a report outside the time asked");
        StoredMessage direct = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 4, .key = "<direct@x>",
                                .message_id = "direct@x", .from_addr = "zoe@example.org", .subject = "Breach",
                                .received_at = t, .incident_id = inc.id, .disposition = DISP_REPORT,
                                .orig_from = "zoe@example.org", .orig_at = t - 30, .orig_subject = "Breach",
                                .orig_message_id = "direct@x"};
        store_add_message(s, &direct);
        store_reports_from(s, "zoe@example.org", t - 60, t + 60, "other@x", count_report, &n);
        TAP_INT_EQ(n, 0, "two originals with different Message-IDs are not the same");
        store_reports_from(s, "zoe@example.org", t - 60, t + 60, NULL, count_report, &n);
        TAP_INT_EQ(n, 1, "a copy without one finds it by sender and Date:");
        incident_free(&inc);
        store_close(s);
}

/* Schema 10: the reports filed before it are given, as their original,
 * what the match used then (From:, when received, subject, message_id),
 * so that they are found by the same copies as before; other messages get
 * none. */
static int64_t raw_scalar(const char *path, const char *sql);

static void test_upgrade_v9(void)
{
        _cleanup_free_ char *path = xasprintf("%s/v9.db", tmpdir);
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "a register to take back to version 9");
        if (!s)
                return;
        file_counts(s, "DB2026001", "3", "3");
        int64_t id = raw_scalar(path, "SELECT id FROM incidents WHERE ref = 'DB2026001'");
        StoredMessage rep = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 1, .key = "<r@x>", .message_id = "r@x",
                             .from_addr = "Alan@Example.org", .subject = "Breach - letter", .received_at = 1767225600,
                             .incident_id = id, .disposition = DISP_REPORT};
        StoredMessage q = {.mailbox = "INBOX", .uidvalidity = 1, .uid = 2, .key = "<q@x>", .message_id = "q@x",
                           .from_addr = "alan@example.org", .subject = "Breach - letter", .received_at = 1767225600,
                           .disposition = DISP_QUARANTINE, .reason = "test"};
        TAP_INT_EQ(store_add_message(s, &rep) | store_add_message(s, &q), 0, "a report and a quarantined message");
        store_close(s);
        TAP_INT_EQ(raw_exec(path, V10_UNDONE "PRAGMA user_version = 9;"), 0, "the register is made a version 9 one");
        TAP_INT_EQ(store_open(path, &s), 0, "store_open upgrades it");
        TAP_INT_EQ(user_version(path), STORE_SCHEMA_VERSION, "to the current version");
        if (!s)
                return;
        TAP_INT_EQ(raw_scalar(path, "SELECT count(*) FROM messages WHERE orig_from = 'alan@example.org' "
                                    "AND orig_at = 1767225600 AND orig_subject = 'Breach - letter' "
                                    "AND orig_message_id = 'r@x'"),
                   1, "the report's original is its own From:, time received, subject, Message-ID");
        TAP_INT_EQ(raw_scalar(path, "SELECT count(*) FROM messages WHERE orig_from IS NOT NULL"), 1,
                   "the quarantined message has none");
        int n = 0;
        store_reports_from(s, "alan@example.org", 1767225600 - 60, 1767225600 + 60, NULL, count_report, &n);
        TAP_INT_EQ(n, 1, "a pasted copy finds the old report as before");
        store_close(s);
}

/* The one number sql gives, read past the Store; -1 when it cannot. */
static int64_t raw_scalar(const char *path, const char *sql)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int64_t v = -1;
        if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

/* Files ref under the Store's organisation with token tok. */
static int file_org_incident(Store *s, const char *tok, char **ret_ref)
{
        Incident inc;
        incident_init(&inc);
        int r = store_next_ref(s, "DB%Y%03n", 2026, &inc.ref);
        if (r >= 0) {
                inc.token = xstrdup(tok);
                inc.received_at = inc.filed_at = inc.aware_at = 1767225600;
                inc.deadline_at = inc.aware_at + 72 * 3600;
                r = store_insert_incident(s, &inc);
        }
        if (r >= 0 && ret_ref)
                *ret_ref = xstrdup(inc.ref);
        incident_free(&inc);
        return r;
}

static int count_row(const RegisterRow *row, void *userdata)
{
        (*(int *)userdata)++;
        return 0;
}

/* Schema 9 (issue 17): a register of version 8 (before organisations)
 * keeps every row under the organisation '', its references, its audit,
 * its notes, actions and reminders; then two organisations number their
 * own cases (both DB2026001) and see only their own. */
static void test_upgrade_v8_orgs(void)
{
        _cleanup_free_ char *sql = NULL;
        int r = read_file(tap_srcpath("tests/fixtures/register-v8.sql"), 1 << 24, &sql, NULL);
        tap_ok(r == 0, "the v8 fixture is readable");
        if (r < 0)
                return;
        _cleanup_free_ char *path = xasprintf("%s/v8.db", tmpdir);
        TAP_INT_EQ(raw_exec(path, sql), 0, "the v8 register is recreated");
        TAP_INT_EQ(user_version(path), 8, "it says it is version 8");
        Store *s = NULL;
        TAP_INT_EQ(store_open(path, &s), 0, "store_open upgrades it");
        if (!s)
                return;
        TAP_INT_EQ(user_version(path), STORE_SCHEMA_VERSION, "to version %d", STORE_SCHEMA_VERSION);
        TAP_INT_EQ(raw_scalar(path, "SELECT (SELECT COUNT(*) FROM incidents) + (SELECT COUNT(*) FROM messages) + "
                                    "(SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM audit)"),
                   11, "every row is kept");
        TAP_INT_EQ(raw_scalar(path, "SELECT (SELECT COUNT(*) FROM incidents WHERE org != '') + "
                                    "(SELECT COUNT(*) FROM messages WHERE org != '') + "
                                    "(SELECT COUNT(*) FROM outbox WHERE org != '') + "
                                    "(SELECT COUNT(*) FROM audit WHERE org != '')"),
                   0, "every row is the organisation ''s");
        TAP_INT_EQ(raw_scalar(path, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0,
                   "no row refers to a missing incident");
        TAP_INT_EQ(raw_scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'incidents_reschedule'"), 1,
                   "the rescheduling trigger is made again");
        Incident inc;
        TAP_INT_EQ(store_load_incident(s, "DB2026002", &inc), 0, "an incident of version 8 loads");
        if (inc.id) {
                TAP_STR_EQ(inc.form.f[F_DIRECTORATE].canon, "Finance and Resources", "its fields intact");
                incident_free(&inc);
        }
        CaseNote *notes = NULL;
        size_t n = 0;
        store_notes_list(s, 2, &notes, &n);
        TAP_INT_EQ(n, 1, "its note is still its own");
        case_notes_free(notes, n);
        StoredReminder *rem = NULL;
        store_reminders_list(s, 1, &rem, &n);
        TAP_INT_EQ(n, 1, "a reminder recorded before is kept");
        stored_reminders_free(rem, n);
        int64_t week = 0;
        store_digest_last_week(s, INT64_MAX / 2, &week);
        TAP_INT_EQ(week, 1767254400, "the weekly digest's mark holds for the organisation ''");
        char *ref = NULL;
        TAP_INT_EQ(file_org_incident(s, "tok-old", &ref), 0, "a case filed after the upgrade");
        TAP_STR_EQ(ref, "DB2026003", "numbers on from the version 8 sequence");
        free(ref);

        /* Two schools. */
        store_set_org(s, "school-a");
        ref = NULL;
        TAP_INT_EQ(file_org_incident(s, "tok-a1", &ref), 0, "school-a files its first case");
        TAP_STR_EQ(ref, "DB2026001", "as DB2026001");
        free(ref);
        store_digest_last_week(s, INT64_MAX / 2, &week);
        TAP_INT_EQ(week, 0, "school-a has had no weekly digest");
        store_set_org(s, "school-b");
        ref = NULL;
        TAP_INT_EQ(file_org_incident(s, "tok-b1", &ref), 0, "school-b files its first case");
        TAP_STR_EQ(ref, "DB2026001", "as DB2026001 too");
        free(ref);
        ref = NULL;
        file_org_incident(s, "tok-b2", &ref);
        TAP_STR_EQ(ref, "DB2026002", "school-b's second is DB2026002");
        free(ref);
        Incident dup;
        incident_init(&dup);
        dup.ref = xstrdup("DB2026001");
        dup.token = xstrdup("tok-dup");
        tap_ok(store_insert_incident(s, &dup) < 0, "a second DB2026001 in school-b is refused");
        incident_free(&dup);

        TAP_INT_EQ(store_load_incident(s, "DB2026001", &inc), 0, "school-b's DB2026001 loads in its scope");
        if (inc.id) {
                TAP_STR_EQ(inc.token, "tok-b1", "and it is school-b's");
                incident_free(&inc);
        }
        store_set_org(s, "school-a");
        TAP_INT_EQ(store_load_incident(s, "DB2026001", &inc), 0, "school-a's loads in school-a's");
        if (inc.id) {
                TAP_STR_EQ(inc.token, "tok-a1", "and it is school-a's");
                char *org = NULL;
                store_incident_org(s, inc.id, &org);
                TAP_STR_EQ(org, "school-a", "its organisation by id");
                free(org);
                incident_free(&inc);
        }
        int64_t id = 0;
        TAP_INT_EQ(store_find_ref(s, "db2026002", &id, NULL), -ENOENT, "school-b's DB2026002 is not in school-a's");
        TAP_INT_EQ(store_find_token(s, "tok-b2", &id), 1, "a token is found whatever the scope");
        StrList orgs = {0};
        TAP_INT_EQ(store_ref_orgs(s, "db2026001", &orgs), 3, "DB2026001 is in three organisations");
        _cleanup_free_ char *joined = strlist_join(&orgs, ",");
        TAP_STR_EQ(joined, ",school-a,school-b", "'', school-a and school-b");
        strlist_free(&orgs);

        RegisterFilter all = {0};
        int listed = 0;
        store_register_select(s, &all, REGISTER_VIEW_REFS, count_row, &listed);
        TAP_INT_EQ(listed, 1, "school-a's list has its one case");
        store_set_org(s, "school-b");
        listed = 0;
        store_register_select(s, &all, REGISTER_VIEW_REFS, count_row, &listed);
        TAP_INT_EQ(listed, 2, "school-b's its two");
        DigestCase *open = NULL;
        store_digest_open(s, &open, &n);
        TAP_INT_EQ(n, 2, "school-b's weekly digest lists its two open cases");
        digest_cases_free(open, n);
        int64_t *due = NULL;
        store_reminders_due(s, INT64_MAX / 2, 100, &due, &n);
        TAP_INT_EQ(n, 2, "and its reminder pass sees its two");
        free(due);
        RegisterCounts c;
        store_counts(s, 1767225600, &c);
        TAP_INT_EQ(c.filed_total, 2, "school-b counts two filed");
        store_counts_free(&c);
        store_set_org(s, "");
        store_counts(s, 1767225600, &c);
        TAP_INT_EQ(c.filed_total, 3, "the organisation '' its three");
        TAP_INT_EQ(c.quarantined, 1, "and the quarantined message of version 8");
        store_counts_free(&c);
        store_set_org(s, NULL);
        store_counts(s, 1767225600, &c);
        TAP_INT_EQ(c.filed_total, 6, "the whole service six");
        store_counts_free(&c);
        store_close(s);
}

int main(void)
{
        if (!mkdtemp(tmpdir))
                return 1;
        test_upgrade();
        test_upgrade_v7();
        test_upgrade_v8_orgs();
        test_fresh();
        test_format_ref();
        test_filed_copies();
        test_upgrade_v9();
        _cleanup_free_ char *cmd = xasprintf("rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                return 1;
        return tap_done();
}
