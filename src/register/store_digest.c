/* store_digest.c — what the DPO's weekly digest lists (case/weekly.c), and
 * the mark that it went for a week (store.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "register/store-internal.h"
#include "register/store.h"

/* The action of the audit row (incident_id NULL) that says a week's digest
 * was queued; new_value holds the week's slot (weekly.h).  The audit
 * table's index on incident_id finds these few rows. */
#define DIGEST_ACTION "weekly_digest"

void digest_cases_free(DigestCase *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].ref);
                free(v[i].token);
                free(v[i].decision);
        }
        free(v);
}

void digest_actions_free(DigestAction *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].ref);
                free(v[i].token);
                free(v[i].text);
                free(v[i].owner);
                free(v[i].due);
        }
        free(v);
}

static int row_case(StoreRow *st, void *userdata)
{
        DigestCase *c = store_vec_push(userdata, sizeof *c);
        c->ref = store_col_text(st, 0);
        c->token = store_col_text(st, 1);
        c->received_at = store_col_int64(st, 2);
        c->deadline_at = store_col_int64(st, 3);
        c->decision = store_col_text(st, 4);
        c->late = store_col_int(st, 5) != 0;
        c->closed = store_col_int(st, 6) != 0;
        return 0;
}

#define CASE_COLS "ref, token, received_at, deadline_at, ico_decision, late, status = 'closed' FROM incidents "

static int cases(Store *s, const char *sql, const StoreValue *v, size_t n, DigestCase **ret, size_t *ret_n)
{
        StoreVec vec = {0};
        int r = store_query(s, sql, v, n, row_case, &vec);
        if (r < 0) {
                digest_cases_free(vec.v, vec.n);
                return r;
        }
        *ret = vec.v;
        *ret_n = vec.n;
        return 0;
}

int store_digest_open(Store *s, DigestCase **ret, size_t *ret_n)
{
        return cases(s, "SELECT " CASE_COLS "WHERE status != 'closed' AND org = COALESCE(?, org) "
                        "ORDER BY received_at, id", STORE_VALUES(SV_TEXT(s->org)), ret, ret_n);
}

int store_digest_late(Store *s, int64_t from, int64_t to, DigestCase **ret, size_t *ret_n)
{
        return cases(s, "SELECT " CASE_COLS "WHERE late = 1 AND received_at >= ? AND received_at < ? "
                        "AND org = COALESCE(?, org) ORDER BY received_at, id",
                     STORE_VALUES(SV_INT(from), SV_INT(to), SV_TEXT(s->org)), ret, ret_n);
}

static int row_action(StoreRow *st, void *userdata)
{
        DigestAction *a = store_vec_push(userdata, sizeof *a);
        a->ref = store_col_text(st, 0);
        a->token = store_col_text(st, 1);
        a->n = store_col_int64(st, 2);
        a->text = store_col_text(st, 3);
        a->owner = store_col_text(st, 4);
        a->due = store_col_text(st, 5);
        return 0;
}

int store_digest_overdue_actions(Store *s, const char *today, DigestAction **ret, size_t *ret_n)
{
        static const char sql[] = "SELECT i.ref, i.token, a.n, a.text, a.owner, a.due FROM actions a "
                                  "JOIN incidents i ON i.id = a.incident_id "
                                  "WHERE a.done_at IS NULL AND a.due IS NOT NULL AND a.due != '' AND a.due < ? "
                                  "AND i.status != 'closed' AND i.org = COALESCE(?, i.org) "
                                  "ORDER BY a.due, i.ref, a.n";
        StoreVec vec = {0};
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(today), SV_TEXT(s->org)), row_action, &vec);
        if (r < 0) {
                digest_actions_free(vec.v, vec.n);
                return r;
        }
        *ret = vec.v;
        *ret_n = vec.n;
        return 0;
}

int store_digest_last_week(Store *s, int64_t up_to, int64_t *ret)
{
        *ret = 0;
        int r = store_query(s,
                            "SELECT COALESCE(MAX(CAST(new_value AS INTEGER)), 0) FROM audit "
                            "WHERE incident_id IS NULL AND action = '" DIGEST_ACTION "' "
                            "AND CAST(new_value AS INTEGER) <= ? AND org = ?",
                            STORE_VALUES(SV_INT(up_to), SV_TEXT(store_org_key(s))), store_row_int64, ret);
        return r < 0 ? r : 0;
}

int store_digest_mark_week(Store *s, int64_t slot, const char *rcpts)
{
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)slot);
        return store_audit(s, 0, "breachd", DIGEST_ACTION, rcpts, NULL, v);
}
