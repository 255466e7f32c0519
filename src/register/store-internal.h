/* store-internal.h — for the store_*.c files and the register's tests only:
 * the Store's insides and the statement helpers, so that each concern
 * (incidents, reminders, decisions, reports) can keep its queries in its
 * own file.  Nothing else in src/ includes it: the rest of the product
 * reaches the database through the named operations of store.h and
 * store_register.h. */
#pragma once

#include "register/store.h"

#define STMT_CACHE 160

/* A statement of one backend (store_sqlite.c, store_pg.c), and a row of
 * its result as a row callback sees it: nothing above the backends knows
 * which database is behind them. */
typedef struct StoreStmt StoreStmt;
typedef struct StoreRow StoreRow;
typedef struct StoreBackend StoreBackend;

struct Store {
        const StoreBackend *be;
        void *db;                  /* the backend's connection */
        char *target;              /* what store_open() was given */
        char *password;            /* PostgreSQL's, from the config's secret; NULL: libpq's own ways */
        int64_t changes;           /* PostgreSQL: rows changed by the last write */
        struct {
                const char *sql;   /* static string: the cache key is its address */
                StoreStmt *st;
        } cache[STMT_CACHE];
        size_t n_cache;
        char *insert_incident_sql;
        char *select_incident_sql;
        char *org;       /* the organisation in scope (store_set_org()); NULL: all */
        /* The database session: bumped by the backend whenever the
         * connection is found lost or made again, which ends every
         * session-level lock (store_lock.c). */
        unsigned session;
        struct StoreLock {
                char *name;
                unsigned session;  /* the session it was taken in */
        } *locks;
        size_t n_locks;
};

/* Forgets the Store's locks (store_close()). */
void store_locks_free(Store *s);

/* The cached statement for sql, which must be a string with static
 * storage (or owned by the Store): its address is the cache key.  Prepared
 * on first use, finalised by store_close(). */
StoreStmt *store_stmt(Store *s, const char *sql);
/* One or more statements without values or rows (schema, transactions).
 * On PostgreSQL a PRAGMA is a no-op and the text is translated as a
 * statement's is (store_pg.c). */
int store_exec(Store *s, const char *sql);
/* The same, with a text per backend: where the DDL differs (a trigger). */
int store_exec_variant(Store *s, const char *sqlite_sql, const char *pg_sql);
bool store_is_pg(Store *s);
int store_user_version(Store *s);                  /* the schema version, 0 if unreadable */
int store_set_user_version(Store *s, int version);
int64_t store_changes(Store *s);                   /* rows changed by the last write */
int64_t store_last_id(Store *s);                   /* id of the last row inserted */
bool store_in_transaction(Store *s);

/* The columns of a row, for row callbacks.  A string or blob is the
 * backend's, valid until the callback returns; NULL reads as 0 or NULL. */
bool store_col_is_null(StoreRow *r, int i);
int64_t store_col_int64(StoreRow *r, int i);
int store_col_int(StoreRow *r, int i);
const char *store_col_str(StoreRow *r, int i);
const void *store_col_blob(StoreRow *r, int i, size_t *ret_len);
int store_col_count(StoreRow *r);
char *store_col_text(StoreRow *r, int i);                       /* copy or NULL */
int64_t store_col_int64_or(StoreRow *r, int i, int64_t null_value);

/* Counts one failure of the register (a full disk, a lost connection, a
 * lock held too long) for store_failures()/store_last_failure(): what is
 * the failure, detail what the system said (NULL: none).  key tells the
 * same failure said again from a new one. */
void store_note_failure(int key, const char *what, const char *detail);
/* While on, this thread's failures are not counted (the STATUS= line's
 * counts, which have never been failures of the register). */
void store_quiet(bool on);

/* ---- the row loop ----
 *
 * Every statement of the register runs the same way: the kept statement
 * (store_stmt()), its values bound in order, stepped to its end with a
 * callback for each row, and reset whatever happened, so that the next
 * caller finds it clean.  A failure of the register is counted by the
 * backend (store_note_failure()) once and returned; a statement that cannot be prepared is -EIO, as before. */

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

/* A column's name, and the type of its value in this row. */
const char *store_col_name(StoreRow *r, int i);
StoreValueType store_col_type(StoreRow *r, int i);

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
typedef int (*StoreRowFn)(StoreRow *row, void *userdata);

/* Runs st with v[0..n) bound to parameters 1..n, calling fn (may be NULL)
 * on each row, and resets it in every case.  The number of rows, fn's
 * error, or the statement's error; -EIO when st is NULL (it could not be
 * prepared). */
int store_run(Store *s, StoreStmt *st, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata);
/* store_query() on a statement whose text is built per call (a filter):
 * prepared, run and finalised, never kept. */
int store_query_once(Store *s, const char *sql, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata);
/* Column 0 of the first row of sql (run once, no values) into *ret: for
 * the register's tests. 1 if there was a row, 0 if not, or the error. */
int store_query_int64(Store *s, const char *sql, int64_t *ret);
/* store_run() on the kept statement for sql (see store_stmt()) with v
 * bound.  A blob bound is let go of before returning. */
int store_query(Store *s, const char *sql, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata);
/* An INSERT, UPDATE or DELETE: the kept statement for sql with v bound,
 * run once.  0 or the error. */
int store_write(Store *s, const char *sql, const StoreValue *v, size_t n);

/* The values of one form field in the order of its columns (store.c's
 * field_columns()): text, canon, state; _utc and _prec for a date; _n for a
 * count; _approx for both; _at_least for a count.  Writes at most STORE_FIELD_VALUES into out and
 * returns how many (store_fields.c). */
#define STORE_FIELD_VALUES 6
size_t store_field_values(const FieldDef *f, const FieldValue *v, StoreValue *out);

/* Row callbacks for the common shapes.  Each reads column 0. */
int store_row_int64(StoreRow *st, void *userdata);   /* into *(int64_t *)userdata */
int store_row_text(StoreRow *st, void *userdata);    /* a copy into *(char **)userdata, NULL if NULL */

/* A growing array of rows, for the callbacks that collect: store_vec_push()
 * adds one zeroed element of size bytes and returns it.  The caller frees
 * v (and what the elements own). */
typedef struct {
        void *v;
        size_t n;
} StoreVec;
void *store_vec_push(StoreVec *vec, size_t size);
int store_row_id(StoreRow *st, void *userdata);      /* appends column 0 to the int64_t StoreVec */

/* ---- the backends ----
 *
 * What a database must do for the register; one table per backend
 * (store_sqlite.c, store_pg.c), chosen by store_open() from the name it is
 * given.  An error is a negative errno; a failure of the register itself
 * is also counted by store_note_failure(). */
struct StoreBackend {
        const char *name;
        int (*open)(Store *s, const char *target);
        void (*close)(Store *s);
        StoreStmt *(*prepare)(Store *s, const char *sql);
        void (*finalize)(Store *s, StoreStmt *st);
        int (*run)(Store *s, StoreStmt *st, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata);
        int (*exec)(Store *s, const char *sql);
        bool (*in_transaction)(Store *s);
        int64_t (*changes)(Store *s);
        int64_t (*last_id)(Store *s);
        const char *(*errmsg)(Store *s);
        int (*version_get)(Store *s);
        int (*version_set)(Store *s, int version);
        bool (*col_is_null)(StoreRow *r, int i);
        int64_t (*col_int64)(StoreRow *r, int i);
        const char *(*col_str)(StoreRow *r, int i);
        const void *(*col_blob)(StoreRow *r, int i, size_t *ret_len);
        int (*col_count)(StoreRow *r);
        const char *(*col_name)(StoreRow *r, int i);
        StoreValueType (*col_type)(StoreRow *r, int i);
};

/* A row: the backend's handle and the row's number in it. */
struct StoreRow {
        const StoreBackend *be;
        void *h;
        int row;
};

extern const StoreBackend store_sqlite_backend;
extern const StoreBackend store_pg_backend;

/* The SQLite connection, for a test that asks SQLite itself (a query
 * plan); NULL on PostgreSQL. */
struct sqlite3 *store_sqlite_db(Store *s);

/* Whether target names a PostgreSQL database (postgresql:// or postgres://). */
bool store_target_is_pg(const char *target);
