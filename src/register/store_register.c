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



/* The row of store_register_load() into the RegisterExtra userdata. */
static int extra_row(StoreRow *st, void *userdata)
{
        RegisterExtra *x = userdata;
        int i = 0;
        x->source = store_col_text(st, i++);
        x->import_origin = store_col_text(st, i++);
        x->received_time_known = store_col_int(st, i++) != 0;
        x->personal_data = store_col_text(st, i++);
        x->breach_of_legislation = store_col_text(st, i++);
        x->near_miss = store_col_text(st, i++);
        x->secondary_category = store_col_text(st, i++);
        x->sensitivity = store_col_text(st, i++);
        x->ico_rationale = store_col_text(st, i++);
        x->ico_delay_reason = store_col_text(st, i++);
        x->ico_outcome = store_col_text(st, i++);
        x->ico_notified_at = store_col_int64_or(st, i++, 0);
        x->subjects_notified = store_col_text(st, i++);
        x->root_cause = store_col_text(st, i++);
        x->action_taken = store_col_text(st, i++);
        x->closed_without_report = (int)store_col_int64_or(st, i++, -1);
        return 0;
}

int store_register_load(Store *s, int64_t id, RegisterExtra *ret)
{
        static const char sql[] =
                "SELECT source, import_origin, received_time_known, personal_data, breach_of_legislation, "
                "near_miss, secondary_category, sensitivity, ico_rationale, ico_delay_reason, ico_outcome, "
                "ico_notified_at, subjects_notified, root_cause, action_taken, closed_without_report "
                "FROM incidents WHERE id = ?";
        RegisterExtra x;
        register_extra_init(&x);
        int r = store_query(s, sql, STORE_VALUES(SV_INT(id)), extra_row, &x);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        *ret = x;
        return 0;
}



int store_register_save(Store *s, const Incident *inc, const RegisterExtra *x)
{
        static const char sql[] =
                "UPDATE incidents SET source = ?, import_origin = ?, received_time_known = ?, personal_data = ?, "
                "breach_of_legislation = ?, near_miss = ?, secondary_category = ?, sensitivity = ?, "
                "ico_rationale = ?, ico_delay_reason = ?, ico_outcome = ?, ico_notified_at = ?, "
                "subjects_notified = ?, root_cause = ?, action_taken = ?, closed_without_report = ?, "
                "ico_reference = ?, outcome = ?, allocated_to = ?, closed_at = ? WHERE id = ?";
        return store_write(s, sql,
                           STORE_VALUES(SV_TEXT(x->source ? x->source : "mail"), SV_TEXT(x->import_origin),
                                        SV_INT(x->received_time_known), SV_TEXT(x->personal_data),
                                        SV_TEXT(x->breach_of_legislation), SV_TEXT(x->near_miss),
                                        SV_TEXT(x->secondary_category), SV_TEXT(x->sensitivity),
                                        SV_TEXT(x->ico_rationale), SV_TEXT(x->ico_delay_reason),
                                        SV_TEXT(x->ico_outcome), SV_NONZERO(x->ico_notified_at),
                                        SV_TEXT(x->subjects_notified), SV_TEXT(x->root_cause),
                                        SV_TEXT(x->action_taken),
                                        SV_INT_OR_NULL(x->closed_without_report, x->closed_without_report < 0),
                                        SV_TEXT(inc->ico_reference), SV_TEXT(inc->outcome),
                                        SV_TEXT(inc->allocated_to), SV_NONZERO(inc->closed_at), SV_INT(inc->id)));
}

int store_ref_exists(Store *s, const char *ref, int64_t *ret_id)
{
        static const char sql[] = "SELECT id FROM incidents WHERE ref = ? AND org = COALESCE(?, org) "
                                  "ORDER BY id LIMIT 1";
        int64_t id = 0;
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(ref), SV_TEXT(s->org)), store_row_int64, &id);
        if (r <= 0)
                return r;
        if (ret_id)
                *ret_id = id;
        return 1;
}

int store_ref_counter_raise(Store *s, int year, int64_t n, int64_t *ret_before)
{
        static const char get[] = "SELECT last FROM ref_counter WHERE org = ? AND year = ?";
        static const char set[] = "INSERT INTO ref_counter(org, year, last) VALUES(?, ?, ?) "
                                  "ON CONFLICT(org, year) DO UPDATE SET last = MAX(ref_counter.last, excluded.last)";
        int64_t before = 0;
        const char *org = store_org_key(s);
        int r = store_query(s, get, STORE_VALUES(SV_TEXT(org), SV_INT(year)), store_row_int64, &before);
        if (r < 0)
                return r;
        r = store_write(s, set, STORE_VALUES(SV_TEXT(org), SV_INT(year), SV_INT(n)));
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

static void filter_where(Store *s, const RegisterFilter *f, Buf *sql, StoreValue *v, size_t *n)
{
        buf_puts(sql, " WHERE 1");
        if (s->org) {
                buf_puts(sql, " AND org = ?");
                v[(*n)++] = (StoreValue)SV_TEXT(s->org);
        }
        if (f->from) {
                buf_puts(sql, " AND received_at >= ?");
                v[(*n)++] = (StoreValue)SV_INT(f->from);
        }
        if (f->to) {
                buf_puts(sql, " AND received_at < ?");
                v[(*n)++] = (StoreValue)SV_INT(f->to);
        }
        if (f->open)
                buf_puts(sql, " AND status <> 'closed'");
        if (f->overdue) {
                buf_puts(sql, " AND status <> 'closed' AND ico_decision = 'pending' AND deadline_at < ?");
                v[(*n)++] = (StoreValue)SV_INT(f->now);
        }
        if (f->directorate) {
                buf_puts(sql, " AND (directorate_canon = ? COLLATE NOCASE OR "
                              "(directorate_canon IS NULL AND trim(directorate) = ? COLLATE NOCASE))");
                v[(*n)++] = (StoreValue)SV_TEXT(f->directorate);
                v[(*n)++] = (StoreValue)SV_TEXT(f->directorate);
        }
        if (f->decision) {
                buf_puts(sql, " AND ico_decision = ?");
                v[(*n)++] = (StoreValue)SV_TEXT(f->decision);
        }
        if (f->search) {
                buf_puts(sql, " AND instr(" SEARCH_TEXT ", lower(?)) > 0");
                v[(*n)++] = (StoreValue)SV_TEXT(f->search);
        }
}

/* Runs "SELECT columns FROM incidents WHERE <filter> ORDER BY
 * received_at, id" with the filter's values bound, fn on each row.  Its
 * text depends on the filter, so it is not one of the Store's kept
 * statements (store_query_once()). */
static int select_filtered(Store *s, const RegisterFilter *f, const char *columns, StoreRowFn fn, void *userdata)
{
        _cleanup_buf_ Buf sql = {0};
        StoreValue v[16];
        size_t n = 0;
        buf_printf(&sql, "SELECT %s FROM incidents", columns);
        filter_where(s, f, &sql, v, &n);
        /* "+received_at": sort after filtering, so that --open is answered
         * from the partial index on open incidents instead of a walk of
         * every incident in date order (0.5 s at a million incidents). */
        buf_puts(&sql, " ORDER BY +received_at, id");
        return store_query_once(s, sql.s, v, n, fn, userdata);
}

/* The columns of each RegisterView, in the order register_row() reads them. */
static const char *const view_columns[] = {
        [REGISTER_VIEW_REFS] = "id, ref",
        [REGISTER_VIEW_LIST] = "id, ref, received_at, COALESCE(directorate_canon, directorate, ''), "
                               "COALESCE(nature, subject, ''), deadline_at, status, ico_decision",
};

typedef struct {
        RegisterView view;
        RegisterRowFn fn;
        void *userdata;
} SelectCall;

/* One row of a view, handed to the caller's RegisterRowFn. */
static int register_row(StoreRow *st, void *userdata)
{
        const SelectCall *call = userdata;
        RegisterRow row = {
                .id = store_col_int64(st, 0),
                .ref = store_col_str(st, 1),
        };
        if (call->view == REGISTER_VIEW_LIST) {
                row.received_at = store_col_int64(st, 2);
                row.directorate = store_col_str(st, 3);
                row.summary = store_col_str(st, 4);
                row.deadline_at = store_col_int64(st, 5);
                row.status = store_col_str(st, 6);
                row.ico_decision = store_col_str(st, 7);
        }
        return call->fn(&row, call->userdata);
}

int store_register_select(Store *s, const RegisterFilter *f, RegisterView view, RegisterRowFn fn, void *userdata)
{
        if ((size_t)view >= ARRAY_SIZE(view_columns))
                return -EINVAL;
        SelectCall call = {view, fn, userdata};
        int r = select_filtered(s, f, view_columns[view], register_row, &call);
        return r < 0 ? r : 0;
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

/* One row of store_committee_rows() appended to the CommitteeRow StoreVec. */
static int committee_row(StoreRow *st, void *userdata)
{
        CommitteeRow *c = store_vec_push(userdata, sizeof *c);
        int i = 0;
        c->ref = store_col_text(st, i++);
        c->received_at = store_col_int64(st, i++);
        c->directorate = store_col_text(st, i++);
        c->within_72h = (int)store_col_int64_or(st, i++, -1);
        c->medium = store_col_text(st, i++);
        c->individuals = store_col_int64_or(st, i++, -1);
        c->root_cause = store_col_text(st, i++);
        c->action_taken = store_col_text(st, i++);
        c->ico_decision = store_col_text(st, i++);
        c->ico_reference = store_col_text(st, i++);
        c->ico_outcome = store_col_text(st, i++);
        c->ico_notified_at = store_col_int64_or(st, i++, 0);
        c->summary = store_col_text(st, i++);
        return 0;
}

int store_committee_rows(Store *s, const RegisterFilter *f, CommitteeRow **ret, size_t *ret_n)
{
        StoreVec rows = {0};
        int r = select_filtered(s, f,
                                "ref, received_at, COALESCE(directorate_canon, directorate), within_72h, "
                                "COALESCE(medium_canon, medium), individuals_count_n, root_cause, "
                                "action_taken, ico_decision, ico_reference, ico_outcome, ico_notified_at, "
                                "COALESCE(nature, subject)",
                                committee_row, &rows);
        if (r < 0) {
                committee_rows_free(rows.v, rows.n);
                return r;
        }
        *ret = rows.v;
        *ret_n = rows.n;
        return 0;
}

static int org_summary_row(StoreRow *st, void *userdata)
{
        OrgSummary *o = userdata;
        o->received = store_col_int64(st, 0);
        o->open = store_col_int64(st, 1);
        o->overdue = store_col_int64(st, 2);
        o->ico_reported = store_col_int64(st, 3);
        o->ico_within_72h = store_col_int64(st, 4);
        return 0;
}

int store_org_summary(Store *s, int64_t from, int64_t to, int64_t now, OrgSummary *ret)
{
        static const char sql[] =
                "SELECT COUNT(*), "
                "COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN status <> 'closed' AND ico_decision = 'pending' AND deadline_at < ? "
                "THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN ico_decision = 'notify' THEN 1 ELSE 0 END), 0), "
                "COALESCE(SUM(CASE WHEN ico_decision = 'notify' AND ico_notified_at IS NOT NULL "
                "AND ico_notified_at <= deadline_at THEN 1 ELSE 0 END), 0) "
                "FROM incidents WHERE org = COALESCE(?, org) AND received_at >= ? AND received_at < ?";
        memset(ret, 0, sizeof *ret);
        int r = store_query(s, sql,
                            STORE_VALUES(SV_INT(now), SV_TEXT(s->org), SV_INT(from), SV_INT(to ? to : INT64_MAX)),
                            org_summary_row, ret);
        return r < 0 ? r : 0;
}
