/* store_audit.c — an incident's history as breachctl reads it: every
 * entry for `show`, and who last changed a field for `reprocess` (see
 * store.h, "history").  store_audit() in store.c writes the entries. */
#include <errno.h>

#include "register/store-internal.h"

int store_audit_list(Store *s, int64_t incident_id, AuditFn fn, void *userdata)
{
        static const char sql[] = "SELECT at, actor, action, field, old_value, new_value FROM audit "
                                  "WHERE incident_id = ? ORDER BY id";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        int r = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                AuditEntry e = {
                        .at = sqlite3_column_int64(st, 0),
                        .actor = (const char *)sqlite3_column_text(st, 1),
                        .action = (const char *)sqlite3_column_text(st, 2),
                        .field = (const char *)sqlite3_column_text(st, 3),
                        .old_value = (const char *)sqlite3_column_text(st, 4),
                        .new_value = (const char *)sqlite3_column_text(st, 5),
                };
                r = fn(&e, userdata);
                if (r < 0)
                        break;
        }
        sqlite3_reset(st);
        return r < 0 ? r : rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(rc);
}

int store_audit_changed_by(Store *s, int64_t incident_id, const char *field, char **ret)
{
        static const char sql[] = "SELECT actor FROM audit WHERE incident_id = ? AND field = ? "
                                  "AND action NOT IN ('reprocess') ORDER BY id DESC LIMIT 1";
        sqlite3_stmt *st = store_stmt(s, sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, incident_id);
        store_bind_text(st, 2, field);
        int rc = sqlite3_step(st);
        *ret = rc == SQLITE_ROW ? store_col_text(st, 0) : NULL;
        sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(rc);
}
