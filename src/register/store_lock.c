/* store_lock.c — named locks in the register, for a service of two hosts
 * on one PostgreSQL (store.h, "locks"; docs/DESIGN.md "Failover").
 *
 * On PostgreSQL a lock is a session-level advisory lock on the Store's
 * connection: pg_try_advisory_lock(1651663720, hashtext(name)).  The first
 * key, 0x62726368 ("brch" in ASCII), is breachd's own space: in pg_locks
 * its locks are the rows locktype 'advisory', classid 1651663720,
 * objsubid 2 (the two-key form), objid hashtext(name) read as an oid.  The
 * schema's migrations use the one-key form (pg_advisory_xact_lock), objsubid
 * 1, so they never meet.  hashtext() is the server's, so every host
 * computes the same key for a name; two names whose hashes collide (one
 * chance in about 2^32 per pair) share one lock, which costs the service
 * its spread over the hosts, never its safety: a session may take the same
 * advisory lock twice.
 *
 * The connection is the lock: PostgreSQL frees it when the session ends
 * (store_close(), a process killed, a backend terminated, a connection
 * cut), and nobody else can free it.  The Store counts its sessions
 * (Store.session, bumped by store_pg.c when the connection is found lost
 * or made again), and a lock is held while the session it was taken in
 * is the Store's: after a reconnection store_lock_held() says no, and the
 * lock must be taken again with store_lock().
 *
 * On SQLite the register is one file on one host, and a lock is always
 * taken: nothing else is there to take it from. */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

#define LOCK_CLASS "1651663720"

static struct StoreLock *find(Store *s, const char *name)
{
        for (size_t i = 0; i < s->n_locks; i++)
                if (!strcmp(s->locks[i].name, name))
                        return &s->locks[i];
        return NULL;
}

static void forget(Store *s, struct StoreLock *l)
{
        free(l->name);
        *l = s->locks[--s->n_locks];
}

void store_locks_free(Store *s)
{
        for (size_t i = 0; i < s->n_locks; i++)
                free(s->locks[i].name);
        free(s->locks);
        s->locks = NULL;
        s->n_locks = 0;
}

bool store_lock_held(Store *s, const char *name)
{
        struct StoreLock *l = find(s, name);
        return l && l->session == s->session;
}

int store_lock(Store *s, const char *name)
{
        if (!name || !*name)
                return -EINVAL;
        if (store_lock_held(s, name))
                return 1;
        struct StoreLock *l = find(s, name);
        if (store_is_pg(s)) {
                static const char sql[] = "SELECT pg_try_advisory_lock(" LOCK_CLASS ", hashtext(?))";
                int64_t got = 0;
                int r = store_query(s, sql, STORE_VALUES(SV_TEXT(name)), store_row_int64, &got);
                if (r < 0)
                        return r;
                if (!got) {
                        if (l)
                                forget(s, l);
                        return 0;
                }
        }
        if (!l) {
                s->locks = xrealloc(s->locks, (s->n_locks + 1) * sizeof *s->locks);
                l = &s->locks[s->n_locks++];
                l->name = xstrdup(name);
        }
        /* The session the statement ran in: a reconnection before it
         * bumped the count. */
        l->session = s->session;
        return 1;
}

int store_unlock(Store *s, const char *name)
{
        struct StoreLock *l = find(s, name);
        if (!l)
                return 0;
        bool held = l->session == s->session;
        forget(s, l);
        if (!held || !store_is_pg(s))
                return 0;
        static const char sql[] = "SELECT pg_advisory_unlock(" LOCK_CLASS ", hashtext(?))";
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(name)), NULL, NULL);
        return r < 0 ? r : 0;
}

int store_lock_check(Store *s)
{
        if (store_is_pg(s)) {
                int64_t one = 0;
                unsigned before = s->session;
                int r = store_query(s, "SELECT 1", NULL, 0, store_row_int64, &one);
                /* Lost on the way: the locks went with the session, which
                 * is the answer, not a failure of the question. */
                if (r < 0 && s->session == before)
                        return r;
        }
        int n = 0;
        for (size_t i = 0; i < s->n_locks; i++)
                n += s->locks[i].session == s->session;
        return n;
}

/* ---- who holds what ---- */

typedef struct {
        StoreLockFn fn;
        void *userdata;
        const StrList *names;
        const int64_t *keys;
} HolderCall;

static int holder_row(StoreRow *st, void *userdata)
{
        const HolderCall *call = userdata;
        StoreLockHolder h = {
                .key = store_col_int64(st, 0),
                .holder = store_col_str(st, 1),
                .pid = store_col_int64(st, 2),
                .client = store_col_str(st, 3),
                .since = store_col_int64(st, 4),
        };
        for (size_t i = 0; call->names && i < call->names->n && !h.name; i++)
                if (call->keys[i] == h.key)
                        h.name = call->names->v[i];
        return call->fn(&h, call->userdata);
}

int store_lock_key(Store *s, const char *name, int64_t *ret)
{
        if (!store_is_pg(s))
                return -EOPNOTSUPP;
        static const char sql[] = "SELECT hashtext(?)::oid::bigint";
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(name)), store_row_int64, ret);
        return r < 0 ? r : r == 1 ? 0 : -EIO;
}

int store_lock_holders(Store *s, const StrList *names, StoreLockFn fn, void *userdata)
{
        if (!store_is_pg(s))
                return 0;
        static const char sql[] =
                "SELECT l.objid::bigint, COALESCE(a.application_name, ''), l.pid, COALESCE(host(a.client_addr), ''), "
                "COALESCE(CAST(extract(epoch FROM a.backend_start) AS bigint), 0) "
                "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.classid = " LOCK_CLASS " AND l.objsubid = 2 AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY l.pid, l.objid";
        size_t n = names ? names->n : 0;
        _cleanup_free_ int64_t *keys = xcalloc(n + 1, sizeof *keys);
        for (size_t i = 0; i < n; i++) {
                int r = store_lock_key(s, names->v[i], &keys[i]);
                if (r < 0)
                        return r;
        }
        HolderCall call = {fn, userdata, names, keys};
        return store_query(s, sql, NULL, 0, holder_row, &call);
}

/* ---- a pass at a time ---- */

int store_serialise(Store *s, const char *name)
{
        if (!store_in_transaction(s))
                return -EINVAL;
        if (!store_is_pg(s))
                return 0;   /* BEGIN IMMEDIATE: one writer at a time already */
        /* "pass:" keeps these apart from the session locks' names: a host
         * holding "service" must not hold up another's pass. */
        static const char sql[] = "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", hashtext('pass:' || ?))";
        int r = store_query(s, sql, STORE_VALUES(SV_TEXT(name)), NULL, NULL);
        return r < 0 ? r : 0;
}
