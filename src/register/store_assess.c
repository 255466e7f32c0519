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

static int64_t col_time(StoreRow *st, int i)
{
        return store_col_int64_or(st, i, 0);
}



/* The row of store_load_assessment() into the Assessment userdata. */
static int assessment_row(StoreRow *st, void *userdata)
{
        Assessment *a = userdata;
        int i = 0;
        a->id = store_col_int64(st, i++);
        a->ref = store_col_text(st, i++);
        a->token = store_col_text(st, i++);
        a->aware_at = store_col_int64(st, i++);
        a->deadline_at = store_col_int64(st, i++);
        a->filed_at = store_col_int64(st, i++);
        a->late = store_col_int(st, i++);
        for (size_t k = 0; k < AS__MAX; k++)
                a->f[k] = store_col_text(st, i++);
        a->ico_notified_at = col_time(st, i++);
        a->subjects_notified_at = col_time(st, i++);
        a->closed_at = col_time(st, i++);
        a->closed_without_report = store_col_int(st, i++);
        a->next_reminder_at = store_col_int64_or(st, i++, -1);
        a->last_reminder_at = col_time(st, i++);
        return 0;
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
        Assessment a = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), assessment_row, &a);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
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
        StoreValue v[AS__MAX + 5];
        size_t n = 0;
        for (size_t k = 0; k < AS__MAX; k++)
                v[n++] = (StoreValue)SV_TEXT(a->f[k]);
        v[n++] = (StoreValue)SV_NONZERO(a->ico_notified_at);
        v[n++] = (StoreValue)SV_NONZERO(a->subjects_notified_at);
        v[n++] = (StoreValue)SV_NONZERO(a->closed_at);
        v[n++] = (StoreValue)SV_INT_OR_NULL(a->closed_without_report, !a->closed_at);
        v[n++] = (StoreValue)SV_INT(a->id);
        int r = store_write(s, sql, v, n);
        if (r >= 0 && store_changes(s) == 0)
                r = -ENOENT;
        return r;
}

/* Column 0 (an id) and 1 (a reference) into the FoundRef userdata. */
typedef struct {
        int64_t id;
        char *ref;
} FoundRef;

static int found_ref_row(StoreRow *st, void *userdata)
{
        FoundRef *f = userdata;
        f->id = store_col_int64(st, 0);
        free(f->ref);
        f->ref = store_col_text(st, 1);
        return 0;
}

int store_find_ref(Store *s, const char *ref, int64_t *ret_id, char **ret_ref)
{
        static const char sql[] = "SELECT id, ref FROM incidents WHERE ref = ? COLLATE NOCASE "
                                  "AND org = COALESCE(?, org) ORDER BY id LIMIT 1";
        FoundRef f = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(ref), SV_TEXT(s->org)), found_ref_row, &f);
        if (r <= 0) {
                free(f.ref);
                return r < 0 ? r : -ENOENT;
        }
        if (ret_id)
                *ret_id = f.id;
        if (ret_ref)
                *ret_ref = f.ref;
        else
                free(f.ref);
        return 0;
}

/* ---- reminders ----------------------------------------------------------- */

int store_reminders_due(Store *s, int64_t now, size_t max, int64_t **ret, size_t *ret_n)
{
        /* "IS NOT NULL" lets SQLite use the partial index. */
        static const char sql[] = "SELECT id FROM incidents WHERE next_reminder_at IS NOT NULL "
                                  "AND next_reminder_at <= ? AND org = COALESCE(?, org) "
                                  "ORDER BY next_reminder_at, id LIMIT ?";
        StoreVec ids = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(now), SV_TEXT(s->org), SV_INT(max)), store_row_id, &ids);
        if (r < 0) {
                free(ids.v);
                return r;
        }
        *ret = ids.v;
        *ret_n = ids.n;
        return 0;
}

/* Column 0 into *(int64_t *)userdata, INT64_MAX when it is NULL. */
static int int64_or_max_row(StoreRow *st, void *userdata)
{
        *(int64_t *)userdata = store_col_int64_or(st, 0, INT64_MAX);
        return 0;
}

/* Every organisation's, whatever the scope: it is when the daemon wakes,
 * and its pass goes over each organisation (reminders_run_all()). */
int store_reminder_next(Store *s, int64_t *ret)
{
        static const char sql[] = "SELECT MIN(next_reminder_at) FROM incidents WHERE next_reminder_at IS NOT NULL";
        int r = store_query(s, sql, NULL, 0, int64_or_max_row, ret);
        return r < 0 ? r : 0;
}

int store_reminder_schedule(Store *s, int64_t incident_id, int64_t next_at, int64_t last_at)
{
        static const char sql[] = "UPDATE incidents SET next_reminder_at = ?, "
                                  "last_reminder_at = COALESCE(?, last_reminder_at) WHERE id = ?";
        return store_write(s, sql,
                           STORE_VALUES(SV_INT_OR_NULL(next_at, next_at < 0), SV_NONZERO(last_at > 0 ? last_at : 0),
                                        SV_INT(incident_id)));
}

int store_reminder_record(Store *s, int64_t incident_id, int64_t due_at, const char *kind, const char *rcpts,
                          int64_t now)
{
        static const char sql[] = "INSERT INTO reminders(incident_id, due_at, kind, queued_at, rcpts) "
                                  "VALUES(?,?,?,?,?)";
        return store_write(s, sql,
                           STORE_VALUES(SV_INT(incident_id), SV_INT(due_at), SV_TEXT(kind), SV_INT(now), SV_TEXT(rcpts)));
}

static int reminder_row(StoreRow *st, void *userdata)
{
        StoredReminder *m = store_vec_push(userdata, sizeof *m);
        m->due_at = store_col_int64(st, 0);
        m->queued_at = store_col_int64(st, 1);
        m->kind = store_col_text(st, 2);
        m->rcpts = store_col_text(st, 3);
        return 0;
}

int store_reminders_list(Store *s, int64_t incident_id, StoredReminder **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT due_at, queued_at, kind, rcpts FROM reminders WHERE incident_id = ? "
                                  "ORDER BY due_at";
        StoreVec v = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), reminder_row, &v);
        if (r < 0) {
                stored_reminders_free(v.v, v.n);
                return r;
        }
        *ret = v.v;
        *ret_n = v.n;
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

static int action_row(StoreRow *st, void *userdata)
{
        CaseAction *a = store_vec_push(userdata, sizeof *a);
        a->n = store_col_int64(st, 0);
        a->text = store_col_text(st, 1);
        a->owner = store_col_text(st, 2);
        a->due = store_col_text(st, 3);
        a->created_at = store_col_int64(st, 4);
        a->done_at = col_time(st, 5);
        a->created_by = store_col_text(st, 6);
        a->done_by = store_col_text(st, 7);
        return 0;
}

int store_actions_list(Store *s, int64_t incident_id, CaseAction **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT n, text, owner, due, created_at, done_at, created_by, done_by "
                                  "FROM actions WHERE incident_id = ? ORDER BY n";
        StoreVec v = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), action_row, &v);
        if (r < 0) {
                case_actions_free(v.v, v.n);
                return r;
        }
        *ret = v.v;
        *ret_n = v.n;
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
        int64_t n = 0;
        int r = store_query(s, sql,
                            STORE_VALUES(SV_INT(incident_id), SV_TEXT(text), SV_TEXT(owner), SV_TEXT(due), SV_INT(now),
                                         SV_TEXT(by)),
                            store_row_int64, &n);
        if (r < 0)
                return r;
        if (ret_n)
                *ret_n = n;
        return 0;
}

int store_action_done(Store *s, int64_t incident_id, int64_t n, const char *by, int64_t now)
{
        static const char check[] = "SELECT done_at IS NOT NULL FROM actions WHERE incident_id = ? AND n = ?";
        static const char sql[] = "UPDATE actions SET done_at = ?, done_by = ? WHERE incident_id = ? AND n = ?";
        int64_t done = 0;
        int r = store_query(s, check, STORE_VALUES(SV_INT(incident_id), SV_INT(n)), store_row_int64, &done);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        if (done)
                return -EALREADY;
        return store_write(s, sql, STORE_VALUES(SV_INT(now), SV_TEXT(by), SV_INT(incident_id), SV_INT(n)));
}

/* ---- notes --------------------------------------------------------------- */

int store_note_add(Store *s, int64_t incident_id, const char *author, const char *text, int64_t now)
{
        static const char sql[] = "INSERT INTO notes(incident_id, at, author, text) VALUES(?,?,?,?)";
        return store_write(s, sql, STORE_VALUES(SV_INT(incident_id), SV_INT(now), SV_TEXT(author), SV_TEXT(text)));
}

static int note_row(StoreRow *st, void *userdata)
{
        CaseNote *m = store_vec_push(userdata, sizeof *m);
        m->at = store_col_int64(st, 0);
        m->author = store_col_text(st, 1);
        m->text = store_col_text(st, 2);
        return 0;
}

int store_notes_list(Store *s, int64_t incident_id, CaseNote **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT at, author, text FROM notes WHERE incident_id = ? ORDER BY id";
        StoreVec v = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), note_row, &v);
        if (r < 0) {
                case_notes_free(v.v, v.n);
                return r;
        }
        *ret = v.v;
        *ret_n = v.n;
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
