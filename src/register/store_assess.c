/* store_assess.c — the DPO's side of the register: assessment columns,
 * remedial actions, notes, and the reminder schedule.  See store.h. */
#include "register/store.h"

#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

const char *const assess_columns[AS__MAX] = {
        [AS_STATUS] = "status",
        [AS_ICO_DECISION] = "ico_decision",
        [AS_ICO_REFERENCE] = "ico_reference",
        [AS_ICO_RATIONALE] = "ico_rationale",
        [AS_ICO_DELAY_REASON] = "ico_delay_reason",
        [AS_ICO_OUTCOME] = "ico_outcome",
        [AS_OUTCOME] = "outcome",
        [AS_ASSESSED_BY] = "assessed_by",
        [AS_ALLOCATED_TO] = "allocated_to",
        [AS_SUBJECTS_NOTIFIED] = "subjects_notified",
        [AS_SEVERITY] = "severity",
        [AS_SENSITIVITY] = "sensitivity",
        [AS_ROOT_CAUSE] = "root_cause",
        [AS_ACTION_TAKEN] = "action_taken",
};

void assessment_free(Assessment *a)
{
        if (!a)
                return;
        free(a->ref);
        free(a->token);
        for (size_t i = 0; i < AS__MAX; i++)
                free(a->f[i]);
        memset(a, 0, sizeof *a);
}

static int64_t col_time(sqlite3_stmt *st, int i)
{
        return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, int64_t t)
{
        if (t)
                sqlite3_bind_int64(st, i, t);
        else
                sqlite3_bind_null(st, i);
}

int store_load_assessment(Store *s, int64_t incident_id, Assessment *ret)
{
        /* The column list follows AssessField. */
        static const char sql[] =
                "SELECT id, ref, token, awareness_at, deadline_at, filed_at, late, "
                "status, ico_decision, ico_reference, ico_rationale, ico_delay_reason, ico_outcome, outcome, "
                "assessed_by, allocated_to, subjects_notified, severity, sensitivity, root_cause, action_taken, "
                "ico_notified_at, subjects_notified_at, closed_at, COALESCE(closed_without_report, 0), "
                "next_reminder_at, last_reminder_at FROM incidents WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return rc == SQLITE_DONE ? -ENOENT : store_sql_err(rc);
        }
        Assessment a = {0};
        int i = 0;
        a.id = sqlite3_column_int64(st, i++);
        a.ref = store_col_text(st, i++);
        a.token = store_col_text(st, i++);
        a.aware_at = sqlite3_column_int64(st, i++);
        a.deadline_at = sqlite3_column_int64(st, i++);
        a.filed_at = sqlite3_column_int64(st, i++);
        a.late = sqlite3_column_int(st, i++);
        for (size_t k = 0; k < AS__MAX; k++)
                a.f[k] = store_col_text(st, i++);
        a.ico_notified_at = col_time(st, i++);
        a.subjects_notified_at = col_time(st, i++);
        a.closed_at = col_time(st, i++);
        a.closed_without_report = sqlite3_column_int(st, i++);
        a.next_reminder_at = sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
        i++;
        a.last_reminder_at = col_time(st, i++);
        sqlite3_reset(st);
        *ret = a;
        return 0;
}

int store_save_assessment(Store *s, const Assessment *a)
{
        static const char sql[] =
                "UPDATE incidents SET status = COALESCE(?, 'open'), ico_decision = COALESCE(?, 'pending'), "
                "ico_reference = ?, ico_rationale = ?, ico_delay_reason = ?, ico_outcome = ?, outcome = ?, "
                "assessed_by = ?, allocated_to = ?, subjects_notified = ?, severity = ?, sensitivity = ?, "
                "root_cause = ?, action_taken = ?, ico_notified_at = ?, subjects_notified_at = ?, "
                "closed_at = ?, closed_without_report = ? WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        int i = 1;
        for (size_t k = 0; k < AS__MAX; k++)
                store_bind_text(st, i++, a->f[k]);
        bind_time(st, i++, a->ico_notified_at);
        bind_time(st, i++, a->subjects_notified_at);
        bind_time(st, i++, a->closed_at);
        if (a->closed_at)
                sqlite3_bind_int(st, i++, a->closed_without_report);
        else
                sqlite3_bind_null(st, i++);
        sqlite3_bind_int64(st, i++, a->id);
        int r = store_step_done(s, st);
        if (r >= 0 && sqlite3_changes(s->db) == 0)
                r = -ENOENT;
        return r;
}

int store_find_ref(Store *s, const char *ref, int64_t *ret_id, char **ret_ref)
{
        static const char sql[] = "SELECT id, ref FROM incidents WHERE ref = ? COLLATE NOCASE ORDER BY id LIMIT 1";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, ref);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                if (ret_id)
                        *ret_id = sqlite3_column_int64(st, 0);
                if (ret_ref)
                        *ret_ref = store_col_text(st, 1);
        }
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : store_sql_err(rc);
}

/* ---- reminders ----------------------------------------------------------- */

int store_reminders_due(Store *s, int64_t now, size_t max, int64_t **ret, size_t *ret_n)
{
        /* "IS NOT NULL" lets SQLite use the partial index. */
        static const char sql[] = "SELECT id FROM incidents WHERE next_reminder_at IS NOT NULL "
                                  "AND next_reminder_at <= ? ORDER BY next_reminder_at, id LIMIT ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, (int64_t)max);
        int64_t *ids = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                ids = xrealloc(ids, (n + 1) * sizeof *ids);
                ids[n++] = sqlite3_column_int64(st, 0);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                free(ids);
                return store_sql_err(rc);
        }
        *ret = ids;
        *ret_n = n;
        return 0;
}

int store_reminder_next(Store *s, int64_t *ret)
{
        static const char sql[] = "SELECT MIN(next_reminder_at) FROM incidents WHERE next_reminder_at IS NOT NULL";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_type(st, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return rc == SQLITE_ROW ? 0 : store_sql_err(rc);
}

int store_reminder_schedule(Store *s, int64_t incident_id, int64_t next_at, int64_t last_at)
{
        static const char sql[] = "UPDATE incidents SET next_reminder_at = ?, "
                                  "last_reminder_at = COALESCE(?, last_reminder_at) WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        if (next_at < 0)
                sqlite3_bind_null(st, 1);
        else
                sqlite3_bind_int64(st, 1, next_at);
        bind_time(st, 2, last_at > 0 ? last_at : 0);
        sqlite3_bind_int64(st, 3, incident_id);
        return store_step_done(s, st);
}

int store_reminder_record(Store *s, int64_t incident_id, int64_t due_at, const char *kind, const char *rcpts,
                          int64_t now)
{
        static const char sql[] = "INSERT INTO reminders(incident_id, due_at, kind, queued_at, rcpts) "
                                  "VALUES(?,?,?,?,?)";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        sqlite3_bind_int64(st, 2, due_at);
        store_bind_text(st, 3, kind);
        sqlite3_bind_int64(st, 4, now);
        store_bind_text(st, 5, rcpts);
        return store_step_done(s, st);
}

int store_reminders_list(Store *s, int64_t incident_id, StoredReminder **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT due_at, queued_at, kind, rcpts FROM reminders WHERE incident_id = ? "
                                  "ORDER BY due_at";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        StoredReminder *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n].due_at = sqlite3_column_int64(st, 0);
                v[n].queued_at = sqlite3_column_int64(st, 1);
                v[n].kind = store_col_text(st, 2);
                v[n].rcpts = store_col_text(st, 3);
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                stored_reminders_free(v, n);
                return store_sql_err(rc);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void stored_reminders_free(StoredReminder *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].kind);
                free(v[i].rcpts);
        }
        free(v);
}

/* ---- actions ------------------------------------------------------------- */

int store_actions_list(Store *s, int64_t incident_id, CaseAction **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT n, text, owner, due, created_at, done_at, created_by, done_by "
                                  "FROM actions WHERE incident_id = ? ORDER BY n";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        CaseAction *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                v = xrealloc(v, (n + 1) * sizeof *v);
                CaseAction *a = &v[n++];
                a->n = sqlite3_column_int64(st, 0);
                a->text = store_col_text(st, 1);
                a->owner = store_col_text(st, 2);
                a->due = store_col_text(st, 3);
                a->created_at = sqlite3_column_int64(st, 4);
                a->done_at = col_time(st, 5);
                a->created_by = store_col_text(st, 6);
                a->done_by = store_col_text(st, 7);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                case_actions_free(v, n);
                return store_sql_err(rc);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void case_actions_free(CaseAction *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].text);
                free(v[i].owner);
                free(v[i].due);
                free(v[i].created_by);
                free(v[i].done_by);
        }
        free(v);
}

int store_action_add(Store *s, int64_t incident_id, const char *text, const char *owner, const char *due,
                     const char *by, int64_t now, int64_t *ret_n)
{
        static const char sql[] =
                "INSERT INTO actions(incident_id, n, text, owner, due, created_at, created_by) "
                "VALUES(?1, (SELECT COALESCE(MAX(n), 0) + 1 FROM actions WHERE incident_id = ?1), ?2, ?3, ?4, ?5, ?6) "
                "RETURNING n";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        store_bind_text(st, 2, text);
        store_bind_text(st, 3, owner);
        store_bind_text(st, 4, due);
        sqlite3_bind_int64(st, 5, now);
        store_bind_text(st, 6, by);
        int rc = sqlite3_step(st);
        int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        if (rc == SQLITE_ROW)
                rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sql_err(rc);
        if (ret_n)
                *ret_n = n;
        return 0;
}

int store_action_done(Store *s, int64_t incident_id, int64_t n, const char *by, int64_t now)
{
        static const char check[] = "SELECT done_at IS NOT NULL FROM actions WHERE incident_id = ? AND n = ?";
        static const char sql[] = "UPDATE actions SET done_at = ?, done_by = ? WHERE incident_id = ? AND n = ?";
        sqlite3_stmt *st = store_stmt(s, check);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        sqlite3_bind_int64(st, 2, n);
        int rc = sqlite3_step(st);
        int done = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
                return -ENOENT;
        if (rc != SQLITE_ROW)
                return store_sql_err(rc);
        if (done)
                return -EALREADY;
        st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, now);
        store_bind_text(st, 2, by);
        sqlite3_bind_int64(st, 3, incident_id);
        sqlite3_bind_int64(st, 4, n);
        return store_step_done(s, st);
}

/* ---- notes --------------------------------------------------------------- */

int store_note_add(Store *s, int64_t incident_id, const char *author, const char *text, int64_t now)
{
        static const char sql[] = "INSERT INTO notes(incident_id, at, author, text) VALUES(?,?,?,?)";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        sqlite3_bind_int64(st, 2, now);
        store_bind_text(st, 3, author);
        store_bind_text(st, 4, text);
        return store_step_done(s, st);
}

int store_notes_list(Store *s, int64_t incident_id, CaseNote **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT at, author, text FROM notes WHERE incident_id = ? ORDER BY id";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        CaseNote *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n].at = sqlite3_column_int64(st, 0);
                v[n].author = store_col_text(st, 1);
                v[n].text = store_col_text(st, 2);
                n++;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                case_notes_free(v, n);
                return store_sql_err(rc);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void case_notes_free(CaseNote *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].author);
                free(v[i].text);
        }
        free(v);
}
