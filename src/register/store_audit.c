/* store_audit.c — an incident's history as breachctl reads it: every
 * entry for `show`, and who last changed a field for `reprocess` (see
 * store.h, "history").  store_audit() in store.c writes the entries. */
#include <errno.h>

#include "register/store-internal.h"

typedef struct {
        AuditFn fn;
        void *userdata;
} AuditCall;

static int audit_row(StoreRow *st, void *userdata)
{
        const AuditCall *call = userdata;
        AuditEntry e = {
                .at = store_col_int64(st, 0),
                .actor = store_col_str(st, 1),
                .action = store_col_str(st, 2),
                .field = store_col_str(st, 3),
                .old_value = store_col_str(st, 4),
                .new_value = store_col_str(st, 5),
        };
        return call->fn(&e, call->userdata);
}

int store_audit_list(Store *s, int64_t incident_id, AuditFn fn, void *userdata)
{
        static const char sql[] = "SELECT at, actor, action, field, old_value, new_value FROM audit "
                                  "WHERE incident_id = ? ORDER BY id";
        AuditCall call = {fn, userdata};
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), audit_row, &call);
        return r < 0 ? r : 0;
}

int store_reporter_asked(Store *s, int64_t incident_id, ReporterAsked *ret)
{
        static const char sql[] =
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE incident_id = ?1 "
                "                         AND kind IN ('ack', 'followup_confirm')) THEN 0 "
                "            WHEN EXISTS (SELECT 1 FROM audit WHERE incident_id = ?1 "
                "                         AND action = 'auto_reply_capped' AND field = 'ack') THEN 1 "
                "            ELSE 2 END";
        int64_t v = REPORTER_NOT_ASKED;
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id)), store_row_int64, &v);
        if (r < 0)
                return r;
        *ret = (ReporterAsked)v;
        return 0;
}

int store_audit_changed_by(Store *s, int64_t incident_id, const char *field, char **ret)
{
        static const char sql[] = "SELECT actor FROM audit WHERE incident_id = ? AND field = ? "
                                  "AND action NOT IN ('reprocess') ORDER BY id DESC LIMIT 1";
        char *who = NULL;
        int r = store_query(s, sql, STORE_VALUES(SV_INT(incident_id), SV_TEXT(field)), store_row_text, &who);
        *ret = who;
        return r < 0 ? r : 0;
}
