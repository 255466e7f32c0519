/* store_fields.c — rewriting the form fields of a filed incident, for
 * follow-ups that complete or correct a report (followup.c).  The columns
 * are those store.c's field_columns() creates: <key>, <key>_canon and
 * <key>_state for every field, <key>_utc and <key>_prec for dates, <key>_n
 * for counts, <key>_approx for both, <key>_at_least for counts. */
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
                if (f->type == FT_COUNT)
                        buf_printf(&b, ", %s_at_least = ?", f->key);
        }
        buf_puts(&b, " WHERE id = ?");
        sql = buf_steal(&b);
        return sql;
}

size_t store_field_values(const FieldDef *f, const FieldValue *v, StoreValue *out)
{
        size_t n = 0;
        out[n++] = (StoreValue)SV_TEXT(v->text);
        out[n++] = (StoreValue)SV_TEXT(v->canon);
        out[n++] = (StoreValue)SV_INT(v->state);
        if (f->type == FT_DATE) {
                bool has = v->date_prec == DATE_DAY || v->date_prec == DATE_MINUTE;
                out[n++] = (StoreValue)SV_INT_OR_NULL(v->when, !has);
                out[n++] = (StoreValue)SV_INT(v->date_prec);
        }
        if (f->type == FT_COUNT)
                out[n++] = (StoreValue)SV_INT_OR_NULL(v->count, v->count < 0);
        if (f->type == FT_DATE || f->type == FT_COUNT)
                out[n++] = (StoreValue)SV_INT(v->approx);
        if (f->type == FT_COUNT)
                out[n++] = (StoreValue)SV_INT(v->at_least);
        return n;
}





int store_update_incident_fields(Store *s, const Incident *inc)
{
        if (!inc->id)
                return -EINVAL;
        _cleanup_free_ char *missing = strlist_join(&inc->missing, ","), *unclear = strlist_join(&inc->unclear, ","),
                            *fallbacks = strlist_join(&inc->fallbacks, ","),
                            *notes = strlist_join(&inc->form.notes, "\n");
        StoreValue v[11 + FIELD__MAX * STORE_FIELD_VALUES];
        size_t n = 0;
        v[n++] = (StoreValue)SV_INT(inc->aware_at);
        v[n++] = (StoreValue)SV_INT(inc->aware_from_report);
        v[n++] = (StoreValue)SV_INT(inc->deadline_at);
        v[n++] = (StoreValue)SV_INT_OR_NULL(inc->within_72h, inc->within_72h < 0);
        v[n++] = (StoreValue)SV_INT_OR_NULL(inc->days_to_report, inc->days_to_report < 0);
        v[n++] = (StoreValue)SV_INT(inc->late);
        v[n++] = (StoreValue)SV_TEXT(missing);
        v[n++] = (StoreValue)SV_TEXT(unclear);
        v[n++] = (StoreValue)SV_TEXT(fallbacks);
        v[n++] = (StoreValue)SV_TEXT(notes);
        for (size_t k = 0; k < FIELD__MAX; k++)
                n += store_field_values(&form_fields[k], &inc->form.f[k], v + n);
        v[n++] = (StoreValue)SV_INT(inc->id);
        int r = store_write(s, update_sql(), v, n);
        if (r < 0)
                return r;
        return store_changes(s) == 1 ? 0 : -ENOENT;
}

int store_load_incident_by_id(Store *s, int64_t id, Incident *ret)
{
        /* By its reference within its own organisation: another may have
         * the same reference, and the scope may be another's or all. */
        _cleanup_free_ char *ref = NULL, *org = NULL;
        int r = store_incident_ref(s, id, &ref);
        if (r >= 0)
                r = store_incident_org(s, id, &org);
        if (r < 0)
                return r;
        char *was = s->org;
        s->org = org;
        r = store_load_incident(s, ref, ret);
        s->org = was;
        return r;
}

static int followup_row(StoreRow *st, void *userdata)
{
        StoredFollowup *f = store_vec_push(userdata, sizeof *f);
        f->received_at = store_col_int64(st, 0);
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
