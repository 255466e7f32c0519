/* store_register.c — see store_register.h. */
#include "register/store_register.h"

#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

void register_extra_init(RegisterExtra *x)
{
        memset(x, 0, sizeof *x);
        x->received_time_known = true;
        x->closed_without_report = -1;
}

void register_extra_free(RegisterExtra *x)
{
        if (!x)
                return;
        free(x->source);
        free(x->import_origin);
        free(x->personal_data);
        free(x->breach_of_legislation);
        free(x->near_miss);
        free(x->secondary_category);
        free(x->sensitivity);
        free(x->ico_rationale);
        free(x->ico_delay_reason);
        free(x->ico_outcome);
        free(x->subjects_notified);
        free(x->root_cause);
        free(x->action_taken);
        register_extra_init(x);
}

/* Columns a breach log has and schema 1 does not.  `source` tells an
 * incident breachd filed from a report mail ('mail') from one imported from
 * an older log ('import'): history, whose dates and answers came from a
 * spreadsheet, not from a report. */
int store_register_schema(Store *s)
{
        return store_exec(s, "ALTER TABLE incidents ADD COLUMN source TEXT NOT NULL DEFAULT 'mail';\n"
                             "ALTER TABLE incidents ADD COLUMN import_origin TEXT;\n"
                             "ALTER TABLE incidents ADD COLUMN received_time_known INTEGER NOT NULL DEFAULT 1;\n"
                             "ALTER TABLE incidents ADD COLUMN personal_data TEXT;\n"
                             "ALTER TABLE incidents ADD COLUMN breach_of_legislation TEXT;\n"
                             "ALTER TABLE incidents ADD COLUMN near_miss TEXT;\n"
                             "ALTER TABLE incidents ADD COLUMN secondary_category TEXT;\n");
}

static int64_t col_int64_or(sqlite3_stmt *st, int i, int64_t null_value)
{
        return sqlite3_column_type(st, i) == SQLITE_NULL ? null_value : sqlite3_column_int64(st, i);
}

int store_register_load(Store *s, int64_t id, RegisterExtra *ret)
{
        static const char sql[] =
                "SELECT source, import_origin, received_time_known, personal_data, breach_of_legislation, "
                "near_miss, secondary_category, sensitivity, ico_rationale, ico_delay_reason, ico_outcome, "
                "ico_notified_at, subjects_notified, root_cause, action_taken, closed_without_report "
                "FROM incidents WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return rc == SQLITE_DONE ? -ENOENT : store_sql_err(rc);
        }
        RegisterExtra x;
        register_extra_init(&x);
        int i = 0;
        x.source = store_col_text(st, i++);
        x.import_origin = store_col_text(st, i++);
        x.received_time_known = sqlite3_column_int(st, i++) != 0;
        x.personal_data = store_col_text(st, i++);
        x.breach_of_legislation = store_col_text(st, i++);
        x.near_miss = store_col_text(st, i++);
        x.secondary_category = store_col_text(st, i++);
        x.sensitivity = store_col_text(st, i++);
        x.ico_rationale = store_col_text(st, i++);
        x.ico_delay_reason = store_col_text(st, i++);
        x.ico_outcome = store_col_text(st, i++);
        x.ico_notified_at = col_int64_or(st, i++, 0);
        x.subjects_notified = store_col_text(st, i++);
        x.root_cause = store_col_text(st, i++);
        x.action_taken = store_col_text(st, i++);
        x.closed_without_report = (int)col_int64_or(st, i++, -1);
        sqlite3_reset(st);
        *ret = x;
        return 0;
}

static void bind_int_if(sqlite3_stmt *st, int i, int64_t v, bool set)
{
        if (set)
                sqlite3_bind_int64(st, i, v);
        else
                sqlite3_bind_null(st, i);
}

int store_register_save(Store *s, const Incident *inc, const RegisterExtra *x)
{
        static const char sql[] =
                "UPDATE incidents SET source = ?, import_origin = ?, received_time_known = ?, personal_data = ?, "
                "breach_of_legislation = ?, near_miss = ?, secondary_category = ?, sensitivity = ?, "
                "ico_rationale = ?, ico_delay_reason = ?, ico_outcome = ?, ico_notified_at = ?, "
                "subjects_notified = ?, root_cause = ?, action_taken = ?, closed_without_report = ?, "
                "ico_reference = ?, outcome = ?, allocated_to = ?, closed_at = ? WHERE id = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        int i = 1;
        store_bind_text(st, i++, x->source ? x->source : "mail");
        store_bind_text(st, i++, x->import_origin);
        sqlite3_bind_int(st, i++, x->received_time_known);
        store_bind_text(st, i++, x->personal_data);
        store_bind_text(st, i++, x->breach_of_legislation);
        store_bind_text(st, i++, x->near_miss);
        store_bind_text(st, i++, x->secondary_category);
        store_bind_text(st, i++, x->sensitivity);
        store_bind_text(st, i++, x->ico_rationale);
        store_bind_text(st, i++, x->ico_delay_reason);
        store_bind_text(st, i++, x->ico_outcome);
        bind_int_if(st, i++, x->ico_notified_at, x->ico_notified_at != 0);
        store_bind_text(st, i++, x->subjects_notified);
        store_bind_text(st, i++, x->root_cause);
        store_bind_text(st, i++, x->action_taken);
        bind_int_if(st, i++, x->closed_without_report, x->closed_without_report >= 0);
        store_bind_text(st, i++, inc->ico_reference);
        store_bind_text(st, i++, inc->outcome);
        store_bind_text(st, i++, inc->allocated_to);
        bind_int_if(st, i++, inc->closed_at, inc->closed_at != 0);
        sqlite3_bind_int64(st, i++, inc->id);
        return store_step_done(s, st);
}

int store_ref_exists(Store *s, const char *ref, int64_t *ret_id)
{
        static const char sql[] = "SELECT id FROM incidents WHERE ref = ?";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        store_bind_text(st, 1, ref);
        int rc = sqlite3_step(st);
        int r = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_sql_err(rc);
        if (r == 1 && ret_id)
                *ret_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return r;
}

int store_ref_counter_raise(Store *s, int year, int64_t n, int64_t *ret_before)
{
        static const char get[] = "SELECT last FROM ref_counter WHERE year = ?";
        static const char set[] = "INSERT INTO ref_counter(year, last) VALUES(?, ?) "
                                  "ON CONFLICT(year) DO UPDATE SET last = MAX(last, excluded.last)";
        sqlite3_stmt *st = store_stmt(s, get);
        if (!st)
                return -EIO;
        sqlite3_bind_int(st, 1, year);
        int rc = sqlite3_step(st);
        int64_t before = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return store_sql_err(rc);
        st = store_stmt(s, set);
        if (!st)
                return -EIO;
        sqlite3_bind_int(st, 1, year);
        sqlite3_bind_int64(st, 2, n);
        int r = store_step_done(s, st);
        if (r >= 0 && ret_before)
                *ret_before = before;
        return r;
}

/* ---- filters ------------------------------------------------------------ */

/* What --search looks through: the reference, the report and the DPO's
 * assessment.  lower() folds ASCII only, which is what staff type in a
 * search; the text itself is compared as stored. */
#define SEARCH_TEXT                                                                                  \
        "lower(ref || ' ' || COALESCE(subject, '') || ' ' || COALESCE(from_addr, '') || ' ' || "   \
        "COALESCE(from_name, '') || ' ' || COALESCE(reporter_name, '') || ' ' || "                   \
        "COALESCE(directorate, '') || ' ' || COALESCE(team, '') || ' ' || COALESCE(nature, '') || "  \
        "' ' || COALESCE(how_occurred, '') || ' ' || COALESCE(individuals_affected, '') || ' ' || "  \
        "COALESCE(data_involved, '') || ' ' || COALESCE(recipients, '') || ' ' || "                  \
        "COALESCE(measures_taken, '') || ' ' || COALESCE(ico_reference, '') || ' ' || "              \
        "COALESCE(allocated_to, '') || ' ' || COALESCE(root_cause, '') || ' ' || "                   \
        "COALESCE(action_taken, ''))"

typedef struct {
        const char *text;
        int64_t n;
} BindValue;

static void filter_where(const RegisterFilter *f, Buf *sql, BindValue *v, size_t *n)
{
        buf_puts(sql, " WHERE 1");
        if (f->from) {
                buf_puts(sql, " AND received_at >= ?");
                v[(*n)++] = (BindValue){.n = f->from};
        }
        if (f->to) {
                buf_puts(sql, " AND received_at < ?");
                v[(*n)++] = (BindValue){.n = f->to};
        }
        if (f->open)
                buf_puts(sql, " AND status <> 'closed'");
        if (f->overdue) {
                buf_puts(sql, " AND status <> 'closed' AND ico_decision = 'pending' AND deadline_at < ?");
                v[(*n)++] = (BindValue){.n = f->now};
        }
        if (f->directorate) {
                buf_puts(sql, " AND (directorate_canon = ? COLLATE NOCASE OR "
                              "(directorate_canon IS NULL AND trim(directorate) = ? COLLATE NOCASE))");
                v[(*n)++] = (BindValue){.text = f->directorate};
                v[(*n)++] = (BindValue){.text = f->directorate};
        }
        if (f->decision) {
                buf_puts(sql, " AND ico_decision = ?");
                v[(*n)++] = (BindValue){.text = f->decision};
        }
        if (f->search) {
                buf_puts(sql, " AND instr(" SEARCH_TEXT ", lower(?)) > 0");
                v[(*n)++] = (BindValue){.text = f->search};
        }
}

/* Prepares "SELECT columns FROM incidents WHERE <filter> ORDER BY
 * received_at, id" with the filter's values bound.  Its text depends on the
 * filter, so it is not one of the Store's kept statements: the caller
 * finalises *ret with sqlite3_finalize(). */
static int select_filtered(Store *s, const RegisterFilter *f, const char *columns, sqlite3_stmt **ret)
{
        _cleanup_buf_ Buf sql = {0};
        BindValue v[16];
        size_t n = 0;
        buf_printf(&sql, "SELECT %s FROM incidents", columns);
        filter_where(f, &sql, v, &n);
        /* "+received_at": sort after filtering, so that --open is answered
         * from the partial index on open incidents instead of a walk of
         * every incident in date order (0.5 s at a million incidents). */
        buf_puts(&sql, " ORDER BY +received_at, id");
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, sql.s, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_sql_err(rc);
        for (size_t i = 0; i < n; i++) {
                if (v[i].text)
                        sqlite3_bind_text(st, (int)i + 1, v[i].text, -1, SQLITE_TRANSIENT);
                else
                        sqlite3_bind_int64(st, (int)i + 1, v[i].n);
        }
        *ret = st;
        return 0;
}

/* The columns of each RegisterView, in the order register_row() reads them. */
static const char *const view_columns[] = {
        [REGISTER_VIEW_REFS] = "id, ref",
        [REGISTER_VIEW_LIST] = "id, ref, received_at, COALESCE(directorate_canon, directorate, ''), "
                               "COALESCE(nature, subject, ''), deadline_at, status, ico_decision",
};

static void register_row(sqlite3_stmt *st, RegisterView view, RegisterRow *row)
{
        memset(row, 0, sizeof *row);
        row->id = sqlite3_column_int64(st, 0);
        row->ref = (const char *)sqlite3_column_text(st, 1);
        if (view != REGISTER_VIEW_LIST)
                return;
        row->received_at = sqlite3_column_int64(st, 2);
        row->directorate = (const char *)sqlite3_column_text(st, 3);
        row->summary = (const char *)sqlite3_column_text(st, 4);
        row->deadline_at = sqlite3_column_int64(st, 5);
        row->status = (const char *)sqlite3_column_text(st, 6);
        row->ico_decision = (const char *)sqlite3_column_text(st, 7);
}

int store_register_select(Store *s, const RegisterFilter *f, RegisterView view, RegisterRowFn fn, void *userdata)
{
        if ((size_t)view >= ARRAY_SIZE(view_columns))
                return -EINVAL;
        sqlite3_stmt *st = NULL;
        int r = select_filtered(s, f, view_columns[view], &st);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                RegisterRow row;
                register_row(st, view, &row);
                r = fn(&row, userdata);
                if (r < 0)
                        break;
        }
        if (r >= 0 && rc != SQLITE_DONE)
                r = store_sql_err(rc);
        sqlite3_finalize(st);
        return r;
}

void committee_rows_free(CommitteeRow *rows, size_t n)
{
        for (size_t i = 0; rows && i < n; i++) {
                CommitteeRow *c = &rows[i];
                free(c->ref);
                free(c->directorate);
                free(c->medium);
                free(c->root_cause);
                free(c->action_taken);
                free(c->ico_decision);
                free(c->ico_reference);
                free(c->ico_outcome);
                free(c->summary);
        }
        free(rows);
}

int store_committee_rows(Store *s, const RegisterFilter *f, CommitteeRow **ret, size_t *ret_n)
{
        sqlite3_stmt *st = NULL;
        int r = select_filtered(s, f,
                                "ref, received_at, COALESCE(directorate_canon, directorate), within_72h, "
                                "COALESCE(medium_canon, medium), individuals_count_n, root_cause, "
                                "action_taken, ico_decision, ico_reference, ico_outcome, ico_notified_at, "
                                "COALESCE(nature, subject)",
                                &st);
        if (r < 0)
                return r;
        CommitteeRow *rows = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                rows = xrealloc(rows, (n + 1) * sizeof *rows);
                CommitteeRow *c = &rows[n++];
                int i = 0;
                c->ref = store_col_text(st, i++);
                c->received_at = sqlite3_column_int64(st, i++);
                c->directorate = store_col_text(st, i++);
                c->within_72h = (int)col_int64_or(st, i++, -1);
                c->medium = store_col_text(st, i++);
                c->individuals = col_int64_or(st, i++, -1);
                c->root_cause = store_col_text(st, i++);
                c->action_taken = store_col_text(st, i++);
                c->ico_decision = store_col_text(st, i++);
                c->ico_reference = store_col_text(st, i++);
                c->ico_outcome = store_col_text(st, i++);
                c->ico_notified_at = col_int64_or(st, i++, 0);
                c->summary = store_col_text(st, i++);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
                committee_rows_free(rows, n);
                return store_sql_err(rc);
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}
