/* store-internal.h — for the store_*.c files and the register's tests only:
 * the Store's insides and the statement helpers, so that each concern
 * (incidents, reminders, decisions, reports) can keep its queries in its
 * own file.  Nothing else in src/ includes it: the rest of the product
 * reaches the database through the named operations of store.h and
 * store_register.h. */
#pragma once

#include <sqlite3.h>

#include "register/store.h"

#define STMT_CACHE 160

struct Store {
        sqlite3 *db;
        struct {
                const char *sql;   /* static string: the cache key is its address */
                sqlite3_stmt *st;
        } cache[STMT_CACHE];
        size_t n_cache;
        char *insert_incident_sql;
        char *select_incident_sql;
};

/* The cached, reset statement for sql, which must be a string with static
 * storage (or owned by the Store): its address is the cache key.  Prepared
 * on first use, finalised by store_close(). */
sqlite3_stmt *store_stmt(Store *s, const char *sql);
int store_exec(Store *s, const char *sql);
int store_step_done(Store *s, sqlite3_stmt *st);   /* step once, reset */
int store_sql_err(int rc);                         /* SQLITE_* → -errno; counts register failures */
int store_user_version(Store *s);                  /* PRAGMA user_version, 0 if unreadable */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);   /* NULL → NULL */
char *store_col_text(sqlite3_stmt *st, int i);                  /* copy or NULL */

/* The connection itself, for the register and its tests only (a test may
 * look at or set up a table directly).  Product code outside src/register/
 * must not have it: every statement of breachd lives in src/register/. */
sqlite3 *store_db(Store *s);
