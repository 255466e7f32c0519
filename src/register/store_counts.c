/* store_counts.c — the register's counts for the daemon's STATUS= line,
 * breachctl status and the metrics (store.h). */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"
#include "register/store.h"

void store_counts_free(RegisterCounts *c)
{
        free(c->next_deadline_ref);
        c->next_deadline_ref = NULL;
}

/* The one number sql counts, or -1 when it cannot be read.  Not
 * store_query(): a count the STATUS= line cannot read has never been a
 * failure of the register (store_failures()), and the daemon asks after
 * every poll, so these steps keep out of that count as they always did. */
static int64_t scalar(Store *s, const char *sql, const StoreValue *v, size_t n)
{
        int64_t x = -1;
        store_quiet(true);
        int r = store_query(s, sql, v, n, store_row_int64, &x);
        store_quiet(false);
        return r > 0 ? x : -1;
}

static int next_row(StoreRow *st, void *userdata)
{
        RegisterCounts *c = userdata;
        c->next_deadline_ref = store_col_text(st, 0);
        c->next_deadline = store_col_int64(st, 1);
        return 0;
}

/* The organisation in scope (store_set_org()), the last parameter: NULL
 * for all of them. */
#define ORG "AND org = COALESCE(?, org)"

int store_counts(Store *s, int64_t now, RegisterCounts *c)
{
        static const char open_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed' " ORG;
        static const char pending_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed' "
                                          "AND ico_decision = 'pending' " ORG;
        static const char overdue_sql[] = "SELECT COUNT(*) FROM incidents WHERE status != 'closed' "
                                          "AND ico_decision = 'pending' AND deadline_at < ? " ORG;
        static const char filed_sql[] = "SELECT COUNT(*) FROM incidents WHERE TRUE " ORG;
        static const char oldest_sql[] = "SELECT COALESCE(MIN(created_at), 0) FROM outbox WHERE state = 'queued' "
                                         ORG;
        static const char quarantine_sql[] = "SELECT COUNT(*) FROM messages WHERE disposition = 'quarantine' " ORG;
        static const char automatic_week_sql[] = "SELECT COUNT(*) FROM messages WHERE disposition = 'automatic' "
                                                 "AND seen_at >= ? - 7 * 86400 " ORG;
        static const char automatic_sql[] = "SELECT COUNT(*) FROM messages WHERE disposition = 'automatic' " ORG;
        static const char bounces_week_sql[] = "SELECT COUNT(*) FROM messages WHERE disposition = 'ignored' "
                                               "AND reason LIKE 'delivery report:%' AND seen_at >= ? - 7 * 86400 " ORG;
        static const char next_sql[] = "SELECT ref, deadline_at FROM incidents WHERE status != 'closed' "
                                       "AND ico_decision = 'pending' AND deadline_at >= ? " ORG
                                       " ORDER BY deadline_at LIMIT 1";
        memset(c, 0, sizeof *c);
        /* The organisation's alone, or the time and then it. */
        const StoreValue org[] = {SV_TEXT(s->org)}, timed[] = {SV_INT(now), SV_TEXT(s->org)};
        c->open_incidents = scalar(s, open_sql, org, 1);
        c->pending_decisions = scalar(s, pending_sql, org, 1);
        c->overdue = scalar(s, overdue_sql, timed, 2);
        c->quarantined = scalar(s, quarantine_sql, org, 1);
        c->automatic_week = scalar(s, automatic_week_sql, timed, 2);
        c->automatic = scalar(s, automatic_sql, org, 1);
        c->bounces_week = scalar(s, bounces_week_sql, timed, 2);
        c->filed_total = scalar(s, filed_sql, org, 1);
        c->oldest_queued = scalar(s, oldest_sql, org, 1);
        int r = store_outbox_counts(s, &c->outbox_queued, &c->outbox_failed);
        store_quiet(true);
        int q = store_query(s, next_sql, timed, 2, next_row, c);
        store_quiet(false);
        if (q == -EIO)
                return -EIO;
        if (c->open_incidents < 0 || c->pending_decisions < 0 || c->overdue < 0 || c->quarantined < 0 ||
            c->filed_total < 0 || c->oldest_queued < 0 || c->automatic_week < 0 || c->automatic < 0 ||
            c->bounces_week < 0)
                return -EIO;
        return r;
}
