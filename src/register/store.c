/* store.c — see store.h. */
#include "register/store.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "base/log.h"
#include "read/values.h"
#include "register/store-internal.h"

/* ---- failures of the register ------------------------------------------ */

/* A failure that means the register itself cannot be used (a full disk, a
 * held lock, a lost connection to PostgreSQL) is counted here by the
 * backend that met it, so that a caller can tell it from a failure of the
 * mailbox or the mail server (issue 12: a full disk was logged as "polling
 * INBOX failed: "). */
static pthread_mutex_t failure_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned failure_count;
static char failure_text[512];
static int failure_detailed;   /* key of the text's detail, 0: none */
static _Thread_local bool quiet;

void store_quiet(bool on)
{
        quiet = on;
}

/* Counts one failure; detail (the system call and errno, from SQLite's
 * log) is kept when there is one, and not overwritten by the same failure
 * said again without it. */
void store_note_failure(int key, const char *what, const char *detail)
{
        if (quiet)
                return;
        pthread_mutex_lock(&failure_lock);
        failure_count++;
        if (detail) {
                snprintf(failure_text, sizeof failure_text, "%s: %s", what, detail);
                failure_detailed = key;
        } else if (key != failure_detailed) {
                snprintf(failure_text, sizeof failure_text, "%s", what);
                failure_detailed = 0;
        }
        pthread_mutex_unlock(&failure_lock);
}

unsigned store_failures(void)
{
        pthread_mutex_lock(&failure_lock);
        unsigned n = failure_count;
        pthread_mutex_unlock(&failure_lock);
        return n;
}

char *store_last_failure(void)
{
        pthread_mutex_lock(&failure_lock);
        char *t = xstrdup(failure_count ? failure_text : "no failure recorded");
        pthread_mutex_unlock(&failure_lock);
        return t;
}

const char *store_errmsg(Store *s)
{
        return s && s->db ? s->be->errmsg(s) : "no database";
}

bool store_is_pg(Store *s)
{
        return s->be == &store_pg_backend;
}

bool store_target_is_pg(const char *target)
{
        return target && (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0);
}

/* Returns the cached statement for sql (a string literal or a string
 * owned by the Store), preparing it on first use. */
StoreStmt *store_stmt(Store *s, const char *sql)
{
        for (size_t i = 0; i < s->n_cache; i++)
                if (s->cache[i].sql == sql)
                        return s->cache[i].st;
        StoreStmt *st = s->be->prepare(s, sql);
        if (!st)
                return NULL;
        if (s->n_cache < STMT_CACHE) {
                s->cache[s->n_cache].sql = sql;
                s->cache[s->n_cache].st = st;
                s->n_cache++;
        } else {
                /* Never expected: the set of statements is fixed. */
                abort();
        }
        return st;
}

int store_exec(Store *s, const char *sql)
{
        return s->be->exec(s, sql);
}

int store_exec_variant(Store *s, const char *sqlite_sql, const char *pg_sql)
{
        return s->be->exec(s, store_is_pg(s) ? pg_sql : sqlite_sql);
}

int store_user_version(Store *s)
{
        return s->be->version_get(s);
}

int store_set_user_version(Store *s, int version)
{
        return s->be->version_set(s, version);
}

int64_t store_changes(Store *s)
{
        return s->be->changes(s);
}

int64_t store_last_id(Store *s)
{
        return s->be->last_id(s);
}

bool store_in_transaction(Store *s)
{
        return s->be->in_transaction(s);
}

bool store_col_is_null(StoreRow *r, int i)
{
        return r->be->col_is_null(r, i);
}

int64_t store_col_int64(StoreRow *r, int i)
{
        return r->be->col_int64(r, i);
}

int store_col_int(StoreRow *r, int i)
{
        return (int)r->be->col_int64(r, i);
}

const char *store_col_str(StoreRow *r, int i)
{
        return r->be->col_str(r, i);
}

const void *store_col_blob(StoreRow *r, int i, size_t *ret_len)
{
        return r->be->col_blob(r, i, ret_len);
}

int store_col_count(StoreRow *r)
{
        return r->be->col_count(r);
}

const char *store_col_name(StoreRow *r, int i)
{
        return r->be->col_name(r, i);
}

StoreValueType store_col_type(StoreRow *r, int i)
{
        return r->be->col_is_null(r, i) ? STORE_NULL : r->be->col_type(r, i);
}

char *store_col_text(StoreRow *r, int i)
{
        const char *t = store_col_str(r, i);
        return t ? xstrdup(t) : NULL;
}

int64_t store_col_int64_or(StoreRow *r, int i, int64_t null_value)
{
        return store_col_is_null(r, i) ? null_value : store_col_int64(r, i);
}

/* ---- the row loop ------------------------------------------------------ */

int store_run(Store *s, StoreStmt *st, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata)
{
        return st ? s->be->run(s, st, v, n, fn, userdata) : -EIO;
}

int store_query(Store *s, const char *sql, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata)
{
        return store_run(s, store_stmt(s, sql), v, n, fn, userdata);
}

int store_query_once(Store *s, const char *sql, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata)
{
        StoreStmt *st = s->be->prepare(s, sql);
        if (!st)
                return -EIO;
        int r = s->be->run(s, st, v, n, fn, userdata);
        s->be->finalize(s, st);
        return r;
}

int store_query_int64(Store *s, const char *sql, int64_t *ret)
{
        return store_query_once(s, sql, NULL, 0, store_row_int64, ret);
}

int store_write(Store *s, const char *sql, const StoreValue *v, size_t n)
{
        int r = store_query(s, sql, v, n, NULL, NULL);
        return r < 0 ? r : 0;
}

int store_row_int64(StoreRow *st, void *userdata)
{
        *(int64_t *)userdata = store_col_int64(st, 0);
        return 0;
}

int store_row_text(StoreRow *st, void *userdata)
{
        char **ret = userdata;
        free(*ret);
        *ret = store_col_text(st, 0);
        return 0;
}

void *store_vec_push(StoreVec *vec, size_t size)
{
        vec->v = xrealloc(vec->v, (vec->n + 1) * size);
        void *e = (char *)vec->v + vec->n * size;
        memset(e, 0, size);
        vec->n++;
        return e;
}

int store_row_id(StoreRow *st, void *userdata)
{
        int64_t *id = store_vec_push(userdata, sizeof *id);
        *id = store_col_int64(st, 0);
        return 0;
}

/* ---- schema ------------------------------------------------------------ */

/* Per-field columns: <key> (as given) for every field; <key>_canon,
 * <key>_state for all; dates add _utc, _prec; counts _n; dates and counts
 * _approx; counts, from schema 8 (bounds true), _at_least.  keys/types
 * describe the fields; n of them. */
static void field_columns_of(Buf *b, bool with_types, const char *const *keys, const FieldType *types, size_t n,
                             bool bounds)
{
        for (size_t i = 0; i < n; i++) {
                const char *k = keys[i];
                buf_printf(b, ",\n  %s%s, %s_canon%s, %s_state%s", k, with_types ? " TEXT" : "", k,
                           with_types ? " TEXT" : "", k, with_types ? " INTEGER NOT NULL DEFAULT 0" : "");
                if (types[i] == FT_DATE)
                        buf_printf(b, ", %s_utc%s, %s_prec%s", k, with_types ? " INTEGER" : "", k,
                                   with_types ? " INTEGER NOT NULL DEFAULT 0" : "");
                if (types[i] == FT_COUNT)
                        buf_printf(b, ", %s_n%s", k, with_types ? " INTEGER" : "");
                if (types[i] == FT_DATE || types[i] == FT_COUNT)
                        buf_printf(b, ", %s_approx%s", k, with_types ? " INTEGER NOT NULL DEFAULT 0" : "");
                if (types[i] == FT_COUNT && bounds)
                        buf_printf(b, ", %s_at_least%s", k, with_types ? " INTEGER NOT NULL DEFAULT 0" : "");
        }
}

/* The columns of every field of the current form table. */
static void field_columns(Buf *b, bool with_types)
{
        const char *keys[FIELD__MAX];
        FieldType types[FIELD__MAX];
        for (size_t i = 0; i < FIELD__MAX; i++) {
                keys[i] = form_fields[i].key;
                types[i] = form_fields[i].type;
        }
        field_columns_of(b, with_types, keys, types, FIELD__MAX, true);
}

/* The form fields as schema 1 knew them, frozen: a field added to
 * form_fields[] later needs a migration that adds its columns, and a new
 * database must still be created exactly as version 1 was. */
static const char *const v1_keys[] = {
        "reporter_name", "reporter_contact", "directorate", "team", "nature", "breach_type", "medium",
        "occurred_at", "aware_at", "how_occurred", "individuals_affected", "individuals_count", "records_count",
        "data_involved", "special_category", "vulnerable_subjects", "data_categories", "subject_categories",
        "cyber_incident", "how_discovered", "recipients", "ongoing", "recovered", "likely_consequences",
        "measures_taken", "mitigation", "delay_reason", "signed"};
static const FieldType v1_types[] = {
        FT_TEXT, FT_TEXT, FT_DIRECTORATE, FT_TEXT, FT_TEXT, FT_BREACH_TYPE, FT_MEDIUM, FT_DATE, FT_DATE, FT_TEXT,
        FT_TEXT, FT_COUNT, FT_COUNT, FT_TEXT, FT_YESNO, FT_YESNO, FT_DATA_CATEGORIES, FT_SUBJECT_CATEGORIES,
        FT_YESNO, FT_TEXT, FT_TEXT, FT_YESNO, FT_TEXT, FT_TEXT, FT_TEXT, FT_TEXT, FT_TEXT, FT_TEXT};
_Static_assert(ARRAY_SIZE(v1_keys) == ARRAY_SIZE(v1_types), "v1 field list");

static int schema_v1(Store *s)
{
        /* SQLite's NOCASE, for "x = ? COLLATE NOCASE" and an index on it:
         * a collation of that name on PostgreSQL (ICU, case ignored). */
        int r = store_exec_variant(s, "",
                                   "CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', "
                                   "deterministic = false)");
        if (r < 0)
                return r;
        Buf b = {0};
        buf_puts(&b,
                 "CREATE TABLE ref_counter(year INTEGER PRIMARY KEY, last INTEGER NOT NULL);\n"
                 "CREATE TABLE incidents(\n"
                 "  id INTEGER PRIMARY KEY,\n"
                 "  ref TEXT NOT NULL UNIQUE,\n"
                 "  token TEXT NOT NULL,\n"
                 "  received_at INTEGER NOT NULL,\n"
                 "  filed_at INTEGER NOT NULL,\n"
                 "  awareness_at INTEGER NOT NULL,\n"
                 "  aware_from_report INTEGER NOT NULL DEFAULT 0,\n"
                 "  deadline_at INTEGER NOT NULL,\n"
                 "  within_72h INTEGER,\n"
                 "  days_to_report INTEGER,\n"
                 "  late INTEGER NOT NULL DEFAULT 0,\n"
                 "  message_id TEXT, from_addr TEXT, from_name TEXT, subject TEXT, forwarded_by TEXT,\n"
                 "  missing TEXT NOT NULL DEFAULT '', unclear TEXT NOT NULL DEFAULT '',\n"
                 "  fallbacks TEXT NOT NULL DEFAULT '', parse_notes TEXT NOT NULL DEFAULT '',\n"
                 "  status TEXT NOT NULL DEFAULT 'open',\n"
                 "  assessed_by TEXT, outcome TEXT,\n"
                 "  ico_decision TEXT NOT NULL DEFAULT 'pending',\n"
                 "  ico_notified_at INTEGER, ico_reference TEXT, ico_rationale TEXT,\n"
                 "  ico_delay_reason TEXT, ico_outcome TEXT,\n"
                 "  subjects_notified TEXT, subjects_notified_at INTEGER,\n"
                 "  severity INTEGER, sensitivity TEXT, root_cause TEXT, action_taken TEXT,\n"
                 "  allocated_to TEXT, closed_at INTEGER, closed_without_report INTEGER");
        field_columns_of(&b, true, v1_keys, v1_types, ARRAY_SIZE(v1_keys), false);
        buf_puts(&b,
                 ");\n"
                 "CREATE INDEX incidents_received ON incidents(received_at);\n"
                 "CREATE INDEX incidents_message_id ON incidents(message_id);\n"
                 "CREATE TABLE messages(\n"
                 "  id INTEGER PRIMARY KEY,\n"
                 "  mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,\n"
                 "  key TEXT NOT NULL,\n"
                 "  message_id TEXT, from_addr TEXT, subject TEXT,\n"
                 "  received_at INTEGER, seen_at INTEGER NOT NULL,\n"
                 "  incident_id INTEGER REFERENCES incidents(id),\n"
                 "  disposition TEXT NOT NULL, reason TEXT,\n"
                 "  raw BLOB, moved INTEGER NOT NULL DEFAULT 0,\n"
                 "  UNIQUE(mailbox, uidvalidity, uid));\n"
                 "CREATE INDEX messages_key ON messages(key);\n"
                 "CREATE INDEX messages_incident ON messages(incident_id);\n"
                 "CREATE TABLE outbox(\n"
                 "  id INTEGER PRIMARY KEY,\n"
                 "  incident_id INTEGER REFERENCES incidents(id),\n"
                 "  kind TEXT NOT NULL,\n"
                 "  envelope_from TEXT NOT NULL, rcpts TEXT NOT NULL,\n"
                 "  message_id TEXT NOT NULL, subject TEXT, data BLOB NOT NULL,\n"
                 "  state TEXT NOT NULL DEFAULT 'queued',\n"
                 "  attempts INTEGER NOT NULL DEFAULT 0,\n"
                 "  next_attempt_at INTEGER NOT NULL, last_error TEXT,\n"
                 "  created_at INTEGER NOT NULL, sent_at INTEGER);\n"
                 "CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'queued';\n"
                 "CREATE INDEX outbox_incident ON outbox(incident_id);\n"
                 "CREATE TABLE audit(\n"
                 "  id INTEGER PRIMARY KEY, incident_id INTEGER REFERENCES incidents(id),\n"
                 "  at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,\n"
                 "  field TEXT, old_value TEXT, new_value TEXT);\n"
                 "CREATE INDEX audit_incident ON audit(incident_id);\n");
        r = store_exec(s, b.s);
        buf_free(&b);
        return r;
}

/* Version 2: the 72-hour clock and the DPO's case work.  New incidents get
 * next_reminder_at 0, "to be worked out", which the next reminder pass
 * does; a change of awareness or deadline (a follow-up giving the date)
 * sends the incident back there.  reminders holds one row per reminder
 * point sent: UNIQUE makes a second mail for the same point impossible. */
static int schema_v2(Store *s)
{
        /* The trigger in each database's words; the same effect. */
        int r = store_exec_variant(s,
                "ALTER TABLE incidents ADD COLUMN next_reminder_at INTEGER DEFAULT 0;\n"
                "CREATE TRIGGER incidents_reschedule AFTER UPDATE OF awareness_at, deadline_at ON incidents\n"
                "  WHEN NEW.next_reminder_at IS NOT NULL\n"
                "   AND (NEW.awareness_at != OLD.awareness_at OR NEW.deadline_at != OLD.deadline_at)\n"
                "  BEGIN UPDATE incidents SET next_reminder_at = 0 WHERE id = NEW.id; END;\n",
                "ALTER TABLE incidents ADD COLUMN next_reminder_at INTEGER DEFAULT 0;\n"
                "CREATE FUNCTION incidents_reschedule() RETURNS trigger LANGUAGE plpgsql AS\n"
                "  $$ BEGIN NEW.next_reminder_at := 0; RETURN NEW; END $$;\n"
                "CREATE TRIGGER incidents_reschedule BEFORE UPDATE OF awareness_at, deadline_at ON incidents\n"
                "  FOR EACH ROW WHEN (NEW.next_reminder_at IS NOT NULL\n"
                "   AND (NEW.awareness_at != OLD.awareness_at OR NEW.deadline_at != OLD.deadline_at))\n"
                "  EXECUTE FUNCTION incidents_reschedule();\n");
        if (r < 0)
                return r;
        return store_exec(s,
                "ALTER TABLE incidents ADD COLUMN last_reminder_at INTEGER;\n"
                "CREATE INDEX incidents_next_reminder ON incidents(next_reminder_at) "
                "WHERE next_reminder_at IS NOT NULL;\n"
                "CREATE TABLE reminders(\n"
                "  id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents(id),\n"
                "  due_at INTEGER NOT NULL, kind TEXT NOT NULL, queued_at INTEGER NOT NULL, rcpts TEXT NOT NULL,\n"
                "  UNIQUE(incident_id, due_at));\n"
                "CREATE TABLE actions(\n"
                "  id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents(id),\n"
                "  n INTEGER NOT NULL, text TEXT NOT NULL, owner TEXT, due TEXT,\n"
                "  created_at INTEGER NOT NULL, created_by TEXT NOT NULL, done_at INTEGER, done_by TEXT,\n"
                "  UNIQUE(incident_id, n));\n"
                "CREATE TABLE notes(\n"
                "  id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents(id),\n"
                "  at INTEGER NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL);\n"
                "CREATE INDEX notes_incident ON notes(incident_id);\n");
}

/* Version 6: the parts of the report that could not be read (an encrypted
 * or zip-bomb .docx, HTML nested too deep), "name: why" one a line, as the
 * DPO's notice and breachctl show name them (FormRecord.unreadable).
 * Written when the incident is filed; a follow-up leaves it. */
static int schema_v6(Store *s)
{
        return store_exec(s, "ALTER TABLE incidents ADD COLUMN unreadable_parts TEXT NOT NULL DEFAULT '';\n");
}

/* Version 7: when a quarantined message was told to the admin in a
 * digest (alert.h); NULL until then.  Messages quarantined before this
 * version were never told: the first digest lists them. */
static int schema_v7(Store *s)
{
        return store_exec(s, "ALTER TABLE messages ADD COLUMN reported_at INTEGER;\n");
}

/* One row of schema_v8's re-reading: the id, the count as given, its
 * number. */
typedef struct {
        int64_t id, n;
        char *text;
} V8Count;

static int v8_count_row(StoreRow *st, void *userdata)
{
        V8Count *c = store_vec_push(userdata, sizeof *c);
        c->id = store_col_int64(st, 0);
        c->text = store_col_text(st, 1);
        c->n = store_col_int64(st, 2);
        return 0;
}

/* Version 8: a count that is a lower bound ("10,000+", "over 100",
 * "several") is told apart from an approximate one ("about 30", "c. 200"),
 * so that mail, show and export say "at least 10,000" and "about 30"
 * (issue 15).  <key>_approx stays true for both.  The counts already
 * filed as approximate are read again from the words kept with them. */
static int schema_v8(Store *s)
{
        static const char *const sql[][3] = {
                {"ALTER TABLE incidents ADD COLUMN individuals_count_at_least INTEGER NOT NULL DEFAULT 0",
                 "SELECT id, individuals_count, individuals_count_n FROM incidents "
                 "WHERE individuals_count_approx != 0 AND individuals_count_n IS NOT NULL",
                 "UPDATE incidents SET individuals_count_at_least = 1 WHERE id = ?"},
                {"ALTER TABLE incidents ADD COLUMN records_count_at_least INTEGER NOT NULL DEFAULT 0",
                 "SELECT id, records_count, records_count_n FROM incidents "
                 "WHERE records_count_approx != 0 AND records_count_n IS NOT NULL",
                 "UPDATE incidents SET records_count_at_least = 1 WHERE id = ?"},
        };
        for (size_t k = 0; k < ARRAY_SIZE(sql); k++) {
                int r = store_exec(s, sql[k][0]);
                if (r < 0)
                        return r;
                StoreVec rows = {0};
                r = store_query(s, sql[k][1], NULL, 0, v8_count_row, &rows);
                V8Count *c = rows.v;
                for (size_t i = 0; r >= 0 && i < rows.n; i++) {
                        FieldValue v = {.count = -1};
                        if (value_parse_count(c[i].text, &v) == 0 && v.at_least && v.count == c[i].n)
                                r = store_write(s, sql[k][2], STORE_VALUES(SV_INT(c[i].id)));
                        free(v.canon);
                }
                for (size_t i = 0; i < rows.n; i++)
                        free(c[i].text);
                free(rows.v);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One saved CREATE statement of schema_v9's rebuild. */
static int v9_sql_row(StoreRow *st, void *userdata)
{
        char **p = store_vec_push(userdata, sizeof(char *));
        *p = store_col_text(st, 0);
        return 0;
}

/* Version 9 (issue 17): several organisations in one register.  Each
 * incident, message, mail and audit row carries its organisation's key
 * (org; '' for a single-organisation service, which every row of an older
 * register keeps), the reference sequence is counted per (org, year), and
 * an incident's key is (org, ref): two schools may both have DB2026001.
 *
 * All of it is ALTER TABLE … ADD COLUMN and CREATE [UNIQUE] INDEX, as
 * PostgreSQL takes them, but for two steps SQLite cannot take otherwise:
 * ref_counter's primary key becomes (org, year) by a new table copied
 * over, and the UNIQUE that schema 1 put on incidents.ref alone (in
 * PostgreSQL "ALTER TABLE incidents DROP CONSTRAINT incidents_ref_key")
 * goes by SQLite's rebuild of the table (sqlite.org/lang_altertable.html,
 * "other kinds of table schema changes"): the table made again from its own
 * CREATE statement without that word, the rows copied, its indexes and
 * triggers made again.  migrate() turns foreign keys off around it. */
#define V9_INDEXES                                                                                           \
        "CREATE UNIQUE INDEX incidents_org_ref ON incidents(org, ref);\n"                                   \
        "CREATE INDEX incidents_ref ON incidents(ref);\n"                                                   \
        "CREATE INDEX incidents_token ON incidents(token COLLATE NOCASE);\n"

static int schema_v9(Store *s)
{
        int r = store_exec(s,
                "ALTER TABLE messages ADD COLUMN org TEXT NOT NULL DEFAULT '';\n"
                "ALTER TABLE outbox ADD COLUMN org TEXT NOT NULL DEFAULT '';\n"
                "ALTER TABLE audit ADD COLUMN org TEXT NOT NULL DEFAULT '';\n"
                "ALTER TABLE incidents ADD COLUMN org TEXT NOT NULL DEFAULT '';\n"
                "CREATE TABLE ref_counter_v9(org TEXT NOT NULL DEFAULT '', year INTEGER NOT NULL,\n"
                "  last INTEGER NOT NULL, PRIMARY KEY(org, year));\n"
                "INSERT INTO ref_counter_v9(org, year, last) SELECT '', year, last FROM ref_counter;\n"
                "DROP TABLE ref_counter;\n"
                "ALTER TABLE ref_counter_v9 RENAME TO ref_counter;\n");
        if (r < 0)
                return r;
        if (store_is_pg(s))
                return store_exec(s, "ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_ref_key;\n" V9_INDEXES);
        char *table = NULL;
        r = store_query(s, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'incidents'", NULL, 0,
                        store_row_text, &table);
        if (r < 0)
                return r;
        const char *unique = table ? strstr(table, "ref TEXT NOT NULL UNIQUE") : NULL;
        const char *open = table ? strchr(table, '(') : NULL;
        if (!table || !open) {
                free(table);
                return -EPROTO;
        }
        if (!unique) {
                /* No UNIQUE on ref alone (made so by hand): no rebuild. */
                free(table);
                return store_exec(s, V9_INDEXES);
        }
        Buf b = {0};
        buf_puts(&b, "CREATE TABLE incidents_v9");
        buf_printf(&b, "%.*s", (int)(unique - open), open);
        buf_puts(&b, "ref TEXT NOT NULL");
        buf_puts(&b, unique + strlen("ref TEXT NOT NULL UNIQUE"));
        free(table);
        StoreVec saved = {0};
        r = store_query(s, "SELECT sql FROM sqlite_master WHERE tbl_name = 'incidents' "
                           "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
                        NULL, 0, v9_sql_row, &saved);
        if (r >= 0)
                r = store_exec(s, b.s);
        if (r >= 0)
                r = store_exec(s, "INSERT INTO incidents_v9 SELECT * FROM incidents;\n"
                                  "DROP TABLE incidents;\n"
                                  "ALTER TABLE incidents_v9 RENAME TO incidents;\n");
        char **sql = saved.v;
        for (size_t i = 0; r >= 0 && i < saved.n; i++)
                r = store_exec(s, sql[i]);
        for (size_t i = 0; i < saved.n; i++)
                free(sql[i]);
        free(saved.v);
        buf_free(&b);
        if (r < 0)
                return r;
        /* The rows refer to incidents as before: checked, not assumed. */
        r = store_query(s, "PRAGMA foreign_key_check", NULL, 0, NULL, NULL);
        if (r != 0)
                return r < 0 ? r : -EPROTO;
        return store_exec(s, V9_INDEXES);
}

/* Version 10: what identifies a report's original message, so that a
 * second copy is known whichever way either copy came (direct, pasted,
 * attached): StoredMessage.orig_*.  The reports filed before it are given
 * what the match used then (their From:, when received, their subject,
 * their message_id): each old row is found by the same copies as before,
 * and a forward filed before it stays unknown by its original, as it was. */
static int schema_v10(Store *s)
{
        return store_exec(s,
                "ALTER TABLE messages ADD COLUMN orig_from TEXT;\n"
                "ALTER TABLE messages ADD COLUMN orig_at INTEGER;\n"
                "ALTER TABLE messages ADD COLUMN orig_subject TEXT;\n"
                "ALTER TABLE messages ADD COLUMN orig_message_id TEXT;\n"
                "UPDATE messages SET orig_from = lower(from_addr), orig_at = COALESCE(received_at, seen_at),\n"
                "  orig_subject = subject, orig_message_id = message_id\n"
                "  WHERE disposition = 'report' AND incident_id IS NOT NULL;\n"
                "CREATE INDEX messages_orig ON messages(orig_from, orig_at) WHERE orig_from IS NOT NULL;\n");
}

/* Each step upgrades from version i to i + 1; append, never edit. */
static int (*const migrations[])(Store *) = {schema_v1, schema_v2, store_limits_schema,
                                              store_register_schema, store_outbox_schema, schema_v6,
                                              schema_v7, schema_v8, schema_v9, schema_v10};
_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

static int migrate_steps(Store *s);

/* Schema 9 rebuilds incidents on SQLite, which rows of other tables refer
 * to: foreign keys off while it does (the pragma is a no-op inside a
 * transaction, so it is set around the steps), checked by the step. */
static int migrate(Store *s)
{
        int v0 = store_user_version(s);
        if (v0 == STORE_SCHEMA_VERSION)
                return 0;
        if (v0 > STORE_SCHEMA_VERSION) {
                log_debug("database schema %d is newer than this breachd (%d)", v0, STORE_SCHEMA_VERSION);
                return -EPROTONOSUPPORT;
        }
        bool rebuild = v0 < 9 && !store_is_pg(s);
        if (rebuild) {
                int r = store_exec(s, "PRAGMA foreign_keys = OFF");
                if (r < 0)
                        return r;
        }
        int r = migrate_steps(s);
        if (rebuild) {
                int q = store_exec(s, "PRAGMA foreign_keys = ON");
                r = r < 0 ? r : q;
        }
        return r;
}

/* Each step in a transaction of its own, the version read again inside
 * it: two processes that open a new register at once (the daemon and
 * breachctl) migrate it once.  On PostgreSQL an advisory lock does what
 * SQLite's BEGIN IMMEDIATE does. */
static int migrate_steps(Store *s)
{
        for (;;) {
                int r = store_begin(s);
                if (r < 0)
                        return r;
                if (store_is_pg(s) && (r = store_exec(s, "SELECT pg_advisory_xact_lock(7395271)")) < 0) {
                        store_rollback(s);
                        return r;
                }
                int v = store_user_version(s);
                if (v > STORE_SCHEMA_VERSION) {
                        log_debug("database schema %d is newer than this breachd (%d)", v, STORE_SCHEMA_VERSION);
                        store_rollback(s);
                        return -EPROTONOSUPPORT;
                }
                if (v == STORE_SCHEMA_VERSION) {
                        store_rollback(s);
                        return 0;
                }
                r = migrations[v](s);
                if (r >= 0)
                        r = store_set_user_version(s, v + 1);
                if (r < 0) {
                        store_rollback(s);
                        return r;
                }
                r = store_commit(s);
                if (r < 0)
                        return r;
        }
}

static void build_incident_sql(Store *s)
{
        Buf cols = {0}, vals = {0};
        buf_puts(&cols, "ref, token, received_at, filed_at, awareness_at, aware_from_report, deadline_at, "
                        "within_72h, days_to_report, late, message_id, from_addr, from_name, subject, "
                        "forwarded_by, missing, unclear, fallbacks, parse_notes, status, ico_decision");
        field_columns(&cols, false);
        /* Later columns after the fields: incident_row() reads them from
         * the end. */
        buf_puts(&cols, ", unreadable_parts");
        size_t n = 1;
        for (const char *p = cols.s; *p; p++)
                if (*p == ',')
                        n++;
        for (size_t i = 0; i < n; i++)
                buf_puts(&vals, i ? ", ?" : "?");
        /* The organisation first (schema 9): not among cols, whose last
         * columns incident_row() counts from the end. */
        s->insert_incident_sql = xasprintf("INSERT INTO incidents(org, %s) VALUES(?, %s)", cols.s, vals.s);
        s->select_incident_sql = xasprintf("SELECT id, %s, ico_reference, outcome, allocated_to, closed_at "
                                           "FROM incidents WHERE org = COALESCE(?, org) AND ref = ? "
                                           "ORDER BY id LIMIT 1", cols.s);
        buf_free(&cols);
        buf_free(&vals);
}

int store_open(const char *path, Store **ret)
{
        return store_open_secret(path, NULL, ret);
}

int store_open_secret(const char *path, const SecretSource *secret, Store **ret)
{
        Store *s = xcalloc(1, sizeof *s);
        s->be = store_target_is_pg(path) ? &store_pg_backend : &store_sqlite_backend;
        s->target = xstrdup(path);
        int r = 0;
        if (store_is_pg(s) && secret && (secret->file || secret->command)) {
                _cleanup_free_ char *why = NULL;
                r = config_read_secret(secret, &s->password, &why);
                if (r < 0) {
                        store_note_failure(4, "the database password", why ? why : strerror(-r));
                        goto fail;
                }
        }
        r = s->be->open(s, path);
        if (r < 0)
                goto fail;
        if ((r = migrate(s)) < 0)
                goto fail;
        /* Indexes for the lookups made per message and per tick, which
         * would otherwise read whole tables: a follow-up's incident by
         * Message-ID (every reply), and the counts of the STATUS= line
         * (after every poll), which only want the few open incidents,
         * quarantined messages, the automatic mail and delivery reports of
         * the week, and failed mails.  Not a schema step: IF NOT
         * EXISTS makes them a no-op once made, whatever the version. */
        /* On PostgreSQL under the migrations' lock: two processes making
         * the same index IF NOT EXISTS at once, one of them fails on
         * pg_class's key (two daemons opening a new register together). */
        bool pg_locked = store_is_pg(s) && store_begin(s) >= 0;
        if (pg_locked && (r = store_exec(s, "SELECT pg_advisory_xact_lock(7395271)")) < 0) {
                store_rollback(s);
                goto fail;
        }
        if ((r = store_exec(s, "CREATE INDEX IF NOT EXISTS messages_message_id ON messages(message_id);\n"
                               "CREATE INDEX IF NOT EXISTS incidents_open ON incidents(deadline_at) "
                               "WHERE status != 'closed';\n"
                               "CREATE INDEX IF NOT EXISTS messages_quarantine ON messages(id) "
                               "WHERE disposition = 'quarantine';\n"
                               "CREATE INDEX IF NOT EXISTS messages_automatic ON messages(seen_at) "
                               "WHERE disposition = 'automatic';\n"
                               "CREATE INDEX IF NOT EXISTS messages_ignored ON messages(seen_at) "
                               "WHERE disposition = 'ignored';\n"
                               "CREATE INDEX IF NOT EXISTS outbox_failed ON outbox(id) WHERE state = 'failed';")) < 0) {
                if (pg_locked)
                        store_rollback(s);
                goto fail;
        }
        if (pg_locked && (r = store_commit(s)) < 0)
                goto fail;
        build_incident_sql(s);
        s->org = xstrdup("");
        *ret = s;
        return 0;
fail:
        store_close(s);
        return r;
}

void store_close(Store *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_cache; i++)
                s->be->finalize(s, s->cache[i].st);
        if (s->db)
                s->be->close(s);
        free(s->target);
        if (s->password)
                explicit_bzero(s->password, strlen(s->password));
        free(s->password);
        free(s->insert_incident_sql);
        free(s->select_incident_sql);
        free(s->org);
        store_locks_free(s);
        free(s);
}

int store_begin(Store *s)
{
        return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(Store *s)
{
        int r = store_exec(s, "COMMIT");
        /* A COMMIT that fails (disk full, lock held past the busy timeout)
         * may leave the transaction open, and then every later BEGIN fails
         * too: end it here, so that each caller's failure is its own. */
        if (r < 0 && store_in_transaction(s))
                store_exec(s, "ROLLBACK");
        return r;
}

void store_rollback(Store *s)
{
        if (store_in_transaction(s))
                store_exec(s, "ROLLBACK");
}

/* ---- organisations (schema 9) ------------------------------------------- */

void store_set_org(Store *s, const char *org)
{
        if (org == s->org)
                return;
        char *copy = org ? xstrdup(org) : NULL;
        free(s->org);
        s->org = copy;
}

const char *store_org(Store *s)
{
        return s->org;
}

const char *store_org_key(Store *s)
{
        return s->org ? s->org : "";
}

int store_incident_org(Store *s, int64_t id, char **ret)
{
        static const char sql[] = "SELECT org FROM incidents WHERE id = ?";
        char *org = NULL;
        int r = store_query(s, sql, STORE_VALUES(SV_INT(id)), store_row_text, &org);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        *ret = org;
        return 0;
}

static int strlist_row(StoreRow *st, void *userdata)
{
        char *t = store_col_text(st, 0);
        strlist_take(userdata, t ? t : xstrdup(""));
        return 0;
}

int store_ref_orgs(Store *s, const char *ref, StrList *ret)
{
        static const char sql[] = "SELECT DISTINCT org FROM incidents WHERE ref = ? COLLATE NOCASE ORDER BY org";
        return store_query(s, sql, STORE_VALUES(SV_TEXT(ref)), strlist_row, ret);
}

int store_find_token(Store *s, const char *token, int64_t *ret_id)
{
        static const char sql[] = "SELECT id FROM incidents WHERE token = ? COLLATE NOCASE ORDER BY id LIMIT 1";
        int64_t id = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(token)), store_row_int64, &id);
        if (r <= 0)
                return r;
        *ret_id = id;
        return 1;
}

/* ---- messages ---------------------------------------------------------- */

const char *disposition_name(Disposition d)
{
        switch (d) {
        case DISP_REPORT: return "report";
        case DISP_FOLLOWUP: return "followup";
        case DISP_QUARANTINE: return "quarantine";
        case DISP_DUPLICATE: return "duplicate";
        case DISP_IGNORED: return "ignored";
        case DISP_AUTOMATIC: return "automatic";
        }
        return "?";
}

/* The Disposition named in column 0 into *(int *)userdata; -EINVAL for a
 * name this version does not know. */
static int disposition_row(StoreRow *st, void *userdata)
{
        static const Disposition all[] = {DISP_REPORT, DISP_FOLLOWUP, DISP_QUARANTINE, DISP_DUPLICATE, DISP_IGNORED,
                                            DISP_AUTOMATIC};
        int *ret = userdata;
        const char *d = store_col_str(st, 0);
        *ret = -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(all) && d; i++)
                if (strcmp(d, disposition_name(all[i])) == 0)
                        *ret = (int)all[i];
        return 0;
}

int store_uid_disposition(Store *s, const char *mailbox, uint32_t uidvalidity, uint32_t uid)
{
        static const char sql[] = "SELECT disposition FROM messages WHERE mailbox = ? AND uidvalidity = ? AND uid = ?";
        int d = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(mailbox), SV_INT(uidvalidity), SV_INT(uid)),
                            disposition_row, &d);
        return r < 0 ? r : d;
}

int store_key_seen(Store *s, const char *key, int64_t *ret_incident_id)
{
        static const char sql[] = "SELECT incident_id FROM messages WHERE key = ? "
                                  "AND disposition IN ('report','followup','ignored') "
                                  "AND org = COALESCE(?, org) LIMIT 1";
        int64_t id = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(key), SV_TEXT(s->org)), store_row_int64, &id);
        if (r <= 0)
                return r;
        if (ret_incident_id)
                *ret_incident_id = id;
        return 1;
}

int store_add_message(Store *s, const StoredMessage *m)
{
        static const char sql[] =
                "INSERT INTO messages(mailbox, uidvalidity, uid, key, message_id, from_addr, subject, "
                "received_at, seen_at, incident_id, disposition, reason, raw, org, "
                "orig_from, orig_at, orig_subject, orig_message_id) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?, COALESCE((SELECT org FROM incidents WHERE id = ?), ?), "
                "lower(CAST(? AS TEXT)),?,?,?)";
        return store_write(s, sql,
                           STORE_VALUES(SV_TEXT(m->mailbox), SV_INT(m->uidvalidity), SV_INT(m->uid), SV_TEXT(m->key),
                                        SV_TEXT(m->message_id), SV_TEXT(m->from_addr), SV_TEXT(m->subject),
                                        SV_INT(m->received_at), SV_INT(now_utc()), SV_NONZERO(m->incident_id),
                                        SV_TEXT(disposition_name(m->disposition)), SV_TEXT(m->reason),
                                        SV_BLOB(m->raw, m->raw_len), SV_NONZERO(m->incident_id),
                                        SV_TEXT(store_org_key(s)), SV_TEXT(m->orig_from),
                                        SV_INT_OR_NULL(m->orig_at, !m->orig_from), SV_TEXT(m->orig_subject),
                                        SV_TEXT(m->orig_message_id)));
}

int store_set_original(Store *s, int64_t message_row, const char *from, int64_t at, const char *subject,
                       const char *message_id)
{
        static const char sql[] = "UPDATE messages SET orig_from = lower(CAST(? AS TEXT)), orig_at = ?, "
                                  "orig_subject = ?, orig_message_id = ? WHERE id = ?";
        return store_write(s, sql,
                           STORE_VALUES(SV_TEXT(from), SV_INT(at), SV_TEXT(subject), SV_TEXT(message_id),
                                        SV_INT(message_row)));
}

int store_mark_moved(Store *s, const char *mailbox, uint32_t uidvalidity, const uint32_t *uids, size_t n)
{
        static const char sql[] = "UPDATE messages SET moved = 1 WHERE mailbox = ? AND uidvalidity = ? AND uid = ?";
        /* One transaction for the batch: in autocommit mode every UPDATE
         * would be a durable commit of its own, an fsync per message.  Nor
         * need that one wait for the disk: a mark lost in a system crash
         * only has the next pass look for messages that are gone already
         * (store_outbox_sent_quick() says more). */
        bool own = !store_in_transaction(s);
        int r = own ? store_exec(s, "PRAGMA synchronous = NORMAL") : 0;
        if (r >= 0 && own)
                r = store_begin(s);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = store_write(s, sql, STORE_VALUES(SV_TEXT(mailbox), SV_INT(uidvalidity), SV_INT(uids[i])));
        if (own && r >= 0)
                r = store_commit(s);
        if (own && r < 0)
                store_rollback(s);
        if (own) {
                int q = store_exec(s, "PRAGMA synchronous = FULL");
                r = r < 0 ? r : q;
        }
        return r;
}

/* ---- incidents --------------------------------------------------------- */

char *incident_format_ref(const char *pattern, int year, int64_t n)
{
        Buf b = {0};
        for (const char *p = pattern; *p; p++) {
                if (*p != '%') {
                        buf_putc(&b, *p);
                        continue;
                }
                p++;
                int width = 0;
                bool zero = false;
                if (*p == '0') {
                        zero = true;
                        p++;
                }
                while (*p >= '0' && *p <= '9')
                        width = width * 10 + (*p++ - '0');
                switch (*p) {
                case 'Y': buf_printf(&b, "%04d", year); break;
                case 'y': buf_printf(&b, "%02d", year % 100); break;
                case 'n': buf_printf(&b, zero ? "%0*lld" : "%*lld", width, (long long)n); break;
                case '%': buf_putc(&b, '%'); break;
                case 0: p--; break;
                default: buf_putc(&b, '%'); buf_putc(&b, *p); break;
                }
        }
        return buf_steal(&b);
}

int store_next_ref(Store *s, const char *pattern, int year, char **ret)
{
        static const char sql[] = "INSERT INTO ref_counter(org, year, last) VALUES(?, ?, 1) "
                                  "ON CONFLICT(org, year) DO UPDATE SET last = ref_counter.last + 1 RETURNING last";
        static const char exists[] = "SELECT 1 FROM incidents WHERE org = ? AND ref = ?";
        /* A reference taken by an imported incident is skipped, never reused. */
        for (int tries = 0; tries < 100000; tries++) {
                int64_t n = 0;
                int r = store_query(s, sql, STORE_VALUES(SV_TEXT(store_org_key(s)), SV_INT(year)), store_row_int64,
                                    &n);
                if (r <= 0)
                        return r;
                char *ref = incident_format_ref(pattern, year, n);
                r = store_query(s, exists, STORE_VALUES(SV_TEXT(store_org_key(s)), SV_TEXT(ref)), NULL, NULL);
                if (r == 0) {
                        *ret = ref;
                        return 0;
                }
                free(ref);
                if (r < 0)
                        return r;
        }
        return -ENOSPC;
}



static void split_list(const char *s, StrList *l, const char *sep)
{
        if (!s || !*s)
                return;
        _cleanup_free_ char *copy = xstrdup(s);
        char *save = NULL;
        for (char *t = strtok_r(copy, sep, &save); t; t = strtok_r(NULL, sep, &save))
                strlist_add(l, t);
}



int store_insert_incident(Store *s, Incident *inc)
{
        _cleanup_free_ char *missing = strlist_join(&inc->missing, ","), *unclear = strlist_join(&inc->unclear, ","),
                            *fallbacks = strlist_join(&inc->fallbacks, ","),
                            *notes = strlist_join(&inc->form.notes, "\n"),
                            *unreadable = strlist_join(&inc->form.unreadable, "\n");
        StoreValue v[23 + FIELD__MAX * STORE_FIELD_VALUES];
        size_t n = 0;
        v[n++] = (StoreValue)SV_TEXT(store_org_key(s));
        v[n++] = (StoreValue)SV_TEXT(inc->ref);
        v[n++] = (StoreValue)SV_TEXT(inc->token);
        v[n++] = (StoreValue)SV_INT(inc->received_at);
        v[n++] = (StoreValue)SV_INT(inc->filed_at);
        v[n++] = (StoreValue)SV_INT(inc->aware_at);
        v[n++] = (StoreValue)SV_INT(inc->aware_from_report);
        v[n++] = (StoreValue)SV_INT(inc->deadline_at);
        v[n++] = (StoreValue)SV_INT_OR_NULL(inc->within_72h, inc->within_72h < 0);
        v[n++] = (StoreValue)SV_INT_OR_NULL(inc->days_to_report, inc->days_to_report < 0);
        v[n++] = (StoreValue)SV_INT(inc->late);
        v[n++] = (StoreValue)SV_TEXT(inc->message_id);
        v[n++] = (StoreValue)SV_TEXT(inc->from_addr);
        v[n++] = (StoreValue)SV_TEXT(inc->from_name);
        v[n++] = (StoreValue)SV_TEXT(inc->subject);
        v[n++] = (StoreValue)SV_TEXT(inc->forwarded_by);
        v[n++] = (StoreValue)SV_TEXT(missing);
        v[n++] = (StoreValue)SV_TEXT(unclear);
        v[n++] = (StoreValue)SV_TEXT(fallbacks);
        v[n++] = (StoreValue)SV_TEXT(notes);
        v[n++] = (StoreValue)SV_TEXT(inc->status ? inc->status : "open");
        v[n++] = (StoreValue)SV_TEXT(inc->ico_decision ? inc->ico_decision : "pending");
        for (size_t k = 0; k < FIELD__MAX; k++)
                n += store_field_values(&form_fields[k], &inc->form.f[k], v + n);
        v[n++] = (StoreValue)SV_TEXT(unreadable);
        int r = store_write(s, s->insert_incident_sql, v, n);
        if (r < 0)
                return r;
        inc->id = store_last_id(s);
        return 0;
}

static void load_fields(StoreRow *st, int i, Incident *inc)
{
        for (size_t k = 0; k < FIELD__MAX; k++) {
                const FieldDef *f = &form_fields[k];
                FieldValue *v = &inc->form.f[k];
                v->text = store_col_text(st, i++);
                v->canon = store_col_text(st, i++);
                v->state = (FieldState)store_col_int(st, i++);
                if (f->type == FT_DATE) {
                        v->when = store_col_int64(st, i++);
                        v->date_prec = (DatePrecision)store_col_int(st, i++);
                }
                if (f->type == FT_COUNT) {
                        v->count = store_col_int64_or(st, i, -1);
                        i++;
                }
                if (f->type == FT_DATE || f->type == FT_COUNT)
                        v->approx = store_col_int(st, i++);
                if (f->type == FT_COUNT)
                        v->at_least = store_col_int(st, i++);
        }
}

/* One row of select_incident_sql into the Incident userdata. */
static int incident_row(StoreRow *st, void *userdata)
{
        Incident *inc = userdata;
        incident_init(inc);
        int i = 0;
        inc->id = store_col_int64(st, i++);
        inc->ref = store_col_text(st, i++);
        inc->token = store_col_text(st, i++);
        inc->received_at = store_col_int64(st, i++);
        inc->filed_at = store_col_int64(st, i++);
        inc->aware_at = store_col_int64(st, i++);
        inc->aware_from_report = store_col_int(st, i++);
        inc->deadline_at = store_col_int64(st, i++);
        inc->within_72h = (int)store_col_int64_or(st, i++, -1);
        inc->days_to_report = (int)store_col_int64_or(st, i++, -1);
        inc->late = store_col_int(st, i++);
        inc->message_id = store_col_text(st, i++);
        inc->from_addr = store_col_text(st, i++);
        inc->from_name = store_col_text(st, i++);
        inc->subject = store_col_text(st, i++);
        inc->forwarded_by = store_col_text(st, i++);
        split_list(store_col_str(st, i++), &inc->missing, ",");
        split_list(store_col_str(st, i++), &inc->unclear, ",");
        split_list(store_col_str(st, i++), &inc->fallbacks, ",");
        split_list(store_col_str(st, i++), &inc->form.notes, "\n");
        inc->status = store_col_text(st, i++);
        inc->ico_decision = store_col_text(st, i++);
        load_fields(st, i, inc);
        i = store_col_count(st) - 5;
        split_list(store_col_str(st, i++), &inc->form.unreadable, "\n");
        inc->ico_reference = store_col_text(st, i++);
        inc->outcome = store_col_text(st, i++);
        inc->allocated_to = store_col_text(st, i++);
        inc->closed_at = store_col_int64(st, i++);
        return 0;
}

int store_load_incident(Store *s, const char *ref, Incident *inc)
{
        int r = store_query(s, s->select_incident_sql, STORE_VALUES(SV_TEXT(s->org), SV_TEXT(ref)), incident_row,
                            inc);
        return r < 0 ? r : r == 0 ? -ENOENT : 0;
}

int store_find_incident_by_message_id(Store *s, const char *message_id, int64_t *ret_id)
{
        static const char sql[] =
                "SELECT incident_id FROM messages WHERE (message_id = ? OR key = ?) AND incident_id IS NOT NULL "
                "UNION ALL SELECT incident_id FROM outbox WHERE message_id = ? AND incident_id IS NOT NULL LIMIT 1";
        _cleanup_free_ char *key = xasprintf("<%s>", message_id);
        int64_t id = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(message_id), SV_TEXT(key), SV_TEXT(message_id)),
                            store_row_int64, &id);
        if (r <= 0)
                return r;
        *ret_id = id;
        return 1;
}

int store_find_filed_message(Store *s, const char *message_id, int64_t *ret_id)
{
        /* By the key, which is indexed: "<message-id>" for a message that has one. */
        static const char sql[] =
                "SELECT incident_id FROM messages WHERE (key = ? OR message_id = ?) AND incident_id IS NOT NULL "
                "AND org = COALESCE(?, org) ORDER BY id LIMIT 1";
        _cleanup_free_ char *key = xasprintf("<%s>", message_id);
        int64_t id = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(key), SV_TEXT(message_id), SV_TEXT(s->org)),
                            store_row_int64, &id);
        if (r <= 0)
                return r;
        *ret_id = id;
        return 1;
}

typedef struct {
        StoreReportFn fn;
        void *userdata;
} ReportWalk;

static int row_report(StoreRow *st, void *userdata)
{
        ReportWalk *w = userdata;
        return w->fn(store_col_int64(st, 0), store_col_str(st, 1),
                     store_col_int64(st, 2), w->userdata);
}

int store_reports_from(Store *s, const char *from_addr, int64_t since, int64_t until, const char *message_id,
                       StoreReportFn fn, void *userdata)
{
        static const char sql[] =
                "SELECT incident_id, COALESCE(orig_subject, ''), orig_at FROM messages "
                "WHERE orig_from = lower(CAST(? AS TEXT)) AND orig_at BETWEEN ? AND ? AND disposition = 'report' "
                "AND incident_id IS NOT NULL AND (orig_message_id IS NULL OR CAST(? AS TEXT) IS NULL) "
                "AND org = COALESCE(?, org) ORDER BY id";
        ReportWalk w = {.fn = fn, .userdata = userdata};
        return store_query(s, sql,
                           STORE_VALUES(SV_TEXT(from_addr), SV_INT(since), SV_INT(until), SV_TEXT(message_id),
                                        SV_TEXT(s->org)),
                           row_report, &w);
}

int store_incident_ref(Store *s, int64_t id, char **ret)
{
        static const char sql[] = "SELECT ref FROM incidents WHERE id = ?";
        char *ref = NULL;
        int r = store_query(s, sql, STORE_VALUES(SV_INT(id)), store_row_text, &ref);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        *ret = ref;
        return 0;
}

int store_audit(Store *s, int64_t incident_id, const char *actor, const char *action, const char *field,
                const char *old_value, const char *new_value)
{
        static const char sql[] = "INSERT INTO audit(incident_id, at, actor, action, field, old_value, new_value, "
                                  "org) VALUES(?,?,?,?,?,?,?, COALESCE((SELECT org FROM incidents WHERE id = ?), ?))";
        return store_write(s, sql,
                           STORE_VALUES(SV_NONZERO(incident_id), SV_INT(now_utc()), SV_TEXT(actor), SV_TEXT(action),
                                        SV_TEXT(field), SV_TEXT(old_value), SV_TEXT(new_value),
                                        SV_NONZERO(incident_id), SV_TEXT(store_org_key(s))));
}

/* ---- outbox ------------------------------------------------------------ */

void outbox_row_free(OutboxRow *r)
{
        if (!r)
                return;
        free(r->kind);
        free(r->envelope_from);
        strlist_free(&r->rcpts);
        free(r->message_id);
        free(r->data);
        memset(r, 0, sizeof *r);
}

int store_queue_mail(Store *s, int64_t incident_id, const char *kind, const char *envelope_from,
                     const StrList *rcpts, const char *message_id, const char *subject, const char *data,
                     size_t len, int64_t *ret_id)
{
        static const char sql[] = "INSERT INTO outbox(incident_id, kind, envelope_from, rcpts, message_id, "
                                  "subject, data, next_attempt_at, created_at, org) VALUES(?,?,?,?,?,?,?,?,?, "
                                  "COALESCE((SELECT org FROM incidents WHERE id = ?), ?))";
        int64_t now = now_utc();
        _cleanup_free_ char *joined = strlist_join(rcpts, "\n");
        /* data outlives the step: no copy (store_write() lets go of it). */
        int r = store_write(s, sql,
                            STORE_VALUES(SV_NONZERO(incident_id), SV_TEXT(kind), SV_TEXT(envelope_from),
                                         SV_TEXT(joined), SV_TEXT(message_id), SV_TEXT(subject), SV_BLOB(data, len),
                                         SV_INT(now), SV_INT(now), SV_NONZERO(incident_id),
                                         SV_TEXT(store_org_key(s))));
        if (r >= 0 && ret_id)
                *ret_id = store_last_id(s);
        return r;
}

/* One row of store_outbox_due() appended to the OutboxRow StoreVec. */
static int outbox_due_row(StoreRow *st, void *userdata)
{
        OutboxRow *r = store_vec_push(userdata, sizeof *r);
        r->id = store_col_int64(st, 0);
        r->incident_id = store_col_int64(st, 1);
        r->kind = store_col_text(st, 2);
        r->envelope_from = store_col_text(st, 3);
        split_list(store_col_str(st, 4), &r->rcpts, "\n");
        r->message_id = store_col_text(st, 5);
        const void *data = store_col_blob(st, 6, &r->len);
        r->data = xmemdup(data, r->len);
        r->attempts = store_col_int(st, 7);
        r->next_attempt_at = store_col_int64(st, 8);
        r->unconfirmed = store_col_int(st, 9);
        return 0;
}

int store_outbox_due(Store *s, int64_t now, size_t max, OutboxRow **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT id, COALESCE(incident_id, 0), kind, envelope_from, rcpts, message_id, "
                                  "data, attempts, next_attempt_at, unconfirmed FROM outbox "
                                  "WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?";
        StoreVec rows = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(now), SV_INT(max)), outbox_due_row, &rows);
        if (r < 0) {
                OutboxRow *v = rows.v;
                for (size_t i = 0; i < rows.n; i++)
                        outbox_row_free(&v[i]);
                free(v);
                return r;
        }
        *ret = rows.v;
        *ret_n = rows.n;
        return 0;
}

int store_outbox_sent(Store *s, int64_t id, int64_t now)
{
        static const char sql[] = "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                                  "unconfirmed = 0, last_error = NULL WHERE id = ?";
        return store_write(s, sql, STORE_VALUES(SV_INT(now), SV_INT(id)));
}

int store_outbox_retry(Store *s, int64_t id, int64_t next_at, const char *error)
{
        static const char sql[] = "UPDATE outbox SET attempts = attempts + 1, unconfirmed = 0, next_attempt_at = ?, "
                                  "last_error = ? WHERE id = ?";
        return store_write(s, sql, STORE_VALUES(SV_INT(next_at), SV_TEXT(error), SV_INT(id)));
}

int store_outbox_failed(Store *s, int64_t id, const char *error)
{
        static const char sql[] = "UPDATE outbox SET state = 'failed', attempts = attempts + 1, unconfirmed = 0, "
                                  "last_error = ? WHERE id = ? AND state = 'queued'";
        int r = store_write(s, sql, STORE_VALUES(SV_TEXT(error), SV_INT(id)));
        return r < 0 ? r : store_changes(s) == 1 ? 0 : -EALREADY;
}

/* Column 0 into *(int64_t *)userdata, INT64_MAX when it is NULL. */
static int int64_or_max_row(StoreRow *st, void *userdata)
{
        *(int64_t *)userdata = store_col_int64_or(st, 0, INT64_MAX);
        return 0;
}

int store_outbox_next_due(Store *s, int64_t *ret)
{
        static const char sql[] = "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'queued'";
        int r = store_query(s, sql, NULL, 0, int64_or_max_row, ret);
        return r < 0 ? r : 0;
}

static int outbox_counts_row(StoreRow *st, void *userdata)
{
        int64_t *v = userdata;
        v[0] = store_col_int64(st, 0);
        v[1] = store_col_int64(st, 1);
        return 0;
}

int store_outbox_counts(Store *s, int64_t *ret_queued, int64_t *ret_failed)
{
        /* Two counts over partial indexes (outbox_due, outbox_failed)
         * rather than one pass over every mail ever sent. */
        static const char sql[] = "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'queued' "
                                  "AND org = COALESCE(?1, org)), "
                                  "(SELECT COUNT(*) FROM outbox WHERE state = 'failed' AND org = COALESCE(?1, org))";
        int64_t v[2];
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(s->org)), outbox_counts_row, v);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret_queued = v[0];
                *ret_failed = v[1];
        }
        return 0;
}
