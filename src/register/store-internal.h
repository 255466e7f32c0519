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
        char *org;       /* the organisation in scope (store_set_org()); NULL: all */
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
int64_t store_col_int64_or(sqlite3_stmt *st, int i, int64_t null_value);

/* ---- the row loop ----
 *
 * Every statement of the register runs the same way: the kept statement
 * (store_stmt()), its values bound in order, stepped to its end with a
 * callback for each row, and reset whatever happened, so that the next
 * caller finds it clean.  A failed step is counted by store_sql_err() once
 * and returned; a statement that cannot be prepared is -EIO, as before. */

typedef enum {
        STORE_NULL,
        STORE_INT,
        STORE_TEXT,     /* copied at binding; NULL binds NULL */
        STORE_BLOB,     /* not copied: must live until the call returns */
} StoreValueType;

/* One value bound to the next parameter. */
typedef struct {
        StoreValueType type;
        int64_t i;
        const char *t;
        const void *p;
        size_t len;
} StoreValue;

#define SV_NULL {.type = STORE_NULL}
#define SV_INT(v) {.type = STORE_INT, .i = (int64_t)(v)}
#define SV_TEXT(v) {.type = STORE_TEXT, .t = (v)}
#define SV_BLOB(data, n) {.type = STORE_BLOB, .p = (data), .len = (n)}
/* The integer v, or NULL when is_null. */
#define SV_INT_OR_NULL(v, is_null) {.type = (is_null) ? STORE_NULL : STORE_INT, .i = (int64_t)(v)}
/* The integer v, or NULL when it is 0 (an id or a time "not set"). */
#define SV_NONZERO(v) SV_INT_OR_NULL(v, (v) == 0)

/* The values of a call, as the (array, count) pair store_query() and
 * store_write() take: STORE_VALUES(SV_INT(id), SV_TEXT(ref)). */
#define STORE_VALUES(...) \
        (const StoreValue[]){__VA_ARGS__}, (sizeof((const StoreValue[]){__VA_ARGS__}) / sizeof(StoreValue))

/* Called with each row; a negative return stops the loop and is returned. */
typedef int (*StoreRowFn)(sqlite3_stmt *st, void *userdata);

/* Binds v[0..n) to parameters 1..n of st. */
void store_bind(sqlite3_stmt *st, const StoreValue *v, size_t n);
/* Steps st to its end, calling fn (may be NULL) on each row, and resets it
 * in every case.  The number of rows, fn's error, or the step's error
 * (store_sql_err()); -EIO when st is NULL (it could not be prepared). */
int store_rows(sqlite3_stmt *st, StoreRowFn fn, void *userdata);
/* store_rows() on the kept statement for sql (see store_stmt()) with v
 * bound.  A blob bound is let go of before returning. */
int store_query(Store *s, const char *sql, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata);
/* An INSERT, UPDATE or DELETE: the kept statement for sql with v bound,
 * stepped once and reset (store_step_done()).  0 or the error. */
int store_write(Store *s, const char *sql, const StoreValue *v, size_t n);

/* The values of one form field in the order of its columns (store.c's
 * field_columns()): text, canon, state; _utc and _prec for a date; _n for a
 * count; _approx for both; _at_least for a count.  Writes at most STORE_FIELD_VALUES into out and
 * returns how many (store_fields.c). */
#define STORE_FIELD_VALUES 6
size_t store_field_values(const FieldDef *f, const FieldValue *v, StoreValue *out);

/* Row callbacks for the common shapes.  Each reads column 0. */
int store_row_int64(sqlite3_stmt *st, void *userdata);   /* into *(int64_t *)userdata */
int store_row_text(sqlite3_stmt *st, void *userdata);    /* a copy into *(char **)userdata, NULL if NULL */

/* A growing array of rows, for the callbacks that collect: store_vec_push()
 * adds one zeroed element of size bytes and returns it.  The caller frees
 * v (and what the elements own). */
typedef struct {
        void *v;
        size_t n;
} StoreVec;
void *store_vec_push(StoreVec *vec, size_t size);
int store_row_id(sqlite3_stmt *st, void *userdata);      /* appends column 0 to the int64_t StoreVec */

/* The connection itself, for the register and its tests only (a test may
 * look at or set up a table directly).  Product code outside src/register/
 * must not have it: every statement of breachd lives in src/register/. */
sqlite3 *store_db(Store *s);
