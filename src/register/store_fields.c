/* store_fields.c — rewriting the form fields of a filed incident, for
 * follow-ups that complete or correct a report (followup.c).  The columns
 * are those store.c's field_columns() creates: <key>, <key>_canon and
 * <key>_state for every field, <key>_utc and <key>_prec for dates, <key>_n
 * for counts, <key>_approx for both. */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

/* The UPDATE statement, built once: the field table is fixed, so one
 * string serves every Store (store_stmt() keys its cache on the address). */
static const char *update_sql(void)
{
        static char *sql;
        if (sql)
                return sql;
        Buf b = {0};
        buf_puts(&b, "UPDATE incidents SET awareness_at = ?, aware_from_report = ?, deadline_at = ?, "
                     "within_72h = ?, days_to_report = ?, late = ?, missing = ?, unclear = ?, fallbacks = ?, "
                     "parse_notes = ?");
        for (size_t i = 0; i < FIELD__MAX; i++) {
                const FieldDef *f = &form_fields[i];
                buf_printf(&b, ", %s = ?, %s_canon = ?, %s_state = ?", f->key, f->key, f->key);
                if (f->type == FT_DATE)
                        buf_printf(&b, ", %s_utc = ?, %s_prec = ?", f->key, f->key);
                if (f->type == FT_COUNT)
                        buf_printf(&b, ", %s_n = ?", f->key);
                if (f->type == FT_DATE || f->type == FT_COUNT)
                        buf_printf(&b, ", %s_approx = ?", f->key);
        }
        buf_puts(&b, " WHERE id = ?");
        sql = buf_steal(&b);
        return sql;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, bool null)
{
        if (null)
                sqlite3_bind_null(st, i);
        else
                sqlite3_bind_int64(st, i, v);
}

static void bind_joined(sqlite3_stmt *st, int i, const StrList *l, const char *sep)
{
        sqlite3_bind_text(st, i, strlist_join(l, sep), -1, free);
}

static int bind_field(sqlite3_stmt *st, int i, const FieldDef *f, const FieldValue *v)
{
        store_bind_text(st, i++, v->text);
        store_bind_text(st, i++, v->canon);
        sqlite3_bind_int(st, i++, v->state);
        if (f->type == FT_DATE) {
                bool has = v->date_prec == DATE_DAY || v->date_prec == DATE_MINUTE;
                bind_opt(st, i++, v->when, !has);
                sqlite3_bind_int(st, i++, v->date_prec);
        }
        if (f->type == FT_COUNT)
                bind_opt(st, i++, v->count, v->count < 0);
        if (f->type == FT_DATE || f->type == FT_COUNT)
                sqlite3_bind_int(st, i++, v->approx);
        return i;
}

int store_update_incident_fields(Store *s, const Incident *inc)
{
        if (!inc->id)
                return -EINVAL;
        sqlite3_stmt *st = store_stmt(s, update_sql());
        if (!st)
                return -EIO;
        int i = 1;
        sqlite3_bind_int64(st, i++, inc->aware_at);
        sqlite3_bind_int(st, i++, inc->aware_from_report);
        sqlite3_bind_int64(st, i++, inc->deadline_at);
        bind_opt(st, i++, inc->within_72h, inc->within_72h < 0);
        bind_opt(st, i++, inc->days_to_report, inc->days_to_report < 0);
        sqlite3_bind_int(st, i++, inc->late);
        bind_joined(st, i++, &inc->missing, ",");
        bind_joined(st, i++, &inc->unclear, ",");
        bind_joined(st, i++, &inc->fallbacks, ",");
        bind_joined(st, i++, &inc->form.notes, "\n");
        for (size_t k = 0; k < FIELD__MAX; k++)
                i = bind_field(st, i, &form_fields[k], &inc->form.f[k]);
        sqlite3_bind_int64(st, i, inc->id);
        int r = store_step_done(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db) == 1 ? 0 : -ENOENT;
}

int store_load_incident_by_id(Store *s, int64_t id, Incident *ret)
{
        _cleanup_free_ char *ref = NULL;
        int r = store_incident_ref(s, id, &ref);
        if (r < 0)
                return r;
        return store_load_incident(s, ref, ret);
}

static int followup_row(sqlite3_stmt *st, void *userdata)
{
        StoredFollowup *f = store_vec_push(userdata, sizeof *f);
        f->received_at = sqlite3_column_int64(st, 0);
        f->from_addr = store_col_text(st, 1);
        f->subject = store_col_text(st, 2);
        return 0;
}

int store_followups(Store *s, int64_t incident_id, StoredFollowup **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT COALESCE(received_at, seen_at), from_addr, subject FROM messages "
                                  "WHERE incident_id = ? AND disposition = 'followup' ORDER BY id";
        StoreVec v = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), followup_row, &v);
        if (r < 0) {
                stored_followups_free(v.v, v.n);
                return r;
        }
        *ret = v.v;
        *ret_n = v.n;
        return 0;
}

void stored_followups_free(StoredFollowup *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].from_addr);
                free(v[i].subject);
        }
        free(v);
}
