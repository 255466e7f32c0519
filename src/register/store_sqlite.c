/* store_sqlite.c — the SQLite backend of the register (store-internal.h,
 * "the backends"): the embedded default, one file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "register/store-internal.h"

#define DB(s) ((sqlite3 *)(s)->db)
#define ST(st) ((sqlite3_stmt *)(void *)(st))

static bool is_register_failure(int code)
{
        switch (code & 0xff) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_PERM:
        case SQLITE_NOMEM:
        case SQLITE_PROTOCOL:
                return true;
        default:
                return false;
        }
}

/* SQLite's result code as a negative errno, counting the failures of the
 * register itself.  (SQLite's log does not report a lock held past the
 * busy timeout, so the log callback alone would miss it.) */
static int sql_err(int rc)
{
        if (is_register_failure(rc))
                store_note_failure(rc & 0xff, sqlite3_errstr(rc), NULL);
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
                return -EACCES;
        default:
                return -EIO;
        }
}

/* SQLite reports every error to one process-wide log callback, with the
 * system call and errno behind an I/O error ("os_unix.c:…: (28)
 * write(…-wal) - No space left on device").  Those that mean the register
 * itself cannot be used are counted, so that a caller can tell a full
 * disk or a held lock from a failure of the mailbox or the mail server
 * (issue 12: a full disk was logged as "polling INBOX failed: "). */
static void on_sqlite_log(void *userdata, int code, const char *msg)
{
        if (!is_register_failure(code)) {
                log_debug("sqlite (%d): %s", code, msg);
                return;
        }
        /* "os_unix.c:44095: (28) write(/var/lib/x.db-wal) - No space left on
         * device": the part after the source position says what failed. */
        const char *detail = NULL;
        if (msg && strncmp(msg, "os_unix.c:", 10) == 0 && (detail = strstr(msg, ": ")))
                detail += 2;
        if (detail)
                store_note_failure(code & 0xff, sqlite3_errstr(code), detail);
}

static void register_log_init(void)
{
        /* Only possible before SQLite initialises; harmless if too late. */
        sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, NULL);
}

static void register_log_setup(void)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, register_log_init);
}

/* The register's directory: made 0700 when missing.  An existing one is
 * left as it is (it may be the admin's choice, or the current directory);
 * *ret_loose says whether group or others may enter or list it, for the
 * caller to warn about. */
static int ensure_dir(const char *path, bool *ret_loose)
{
        _cleanup_free_ char *copy = xstrdup(path);
        const char *dir = dirname(copy);
        struct stat st;
        if (stat(dir, &st) == 0) {
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                *ret_loose = (st.st_mode & 0077) != 0;
                return 0;
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        /* mkdir() applies the umask, which can only take bits away. */
        return 0;
}

/* Creates the database file 0600 whatever the umask (SQLite would create it
 * 0644 & ~umask, and makes its -wal and -shm with the file's mode).
 *
 * Never open() and close() a register file that already exists: closing any
 * descriptor of a file drops every POSIX lock the process holds on it, and
 * SQLite's locks are POSIX locks.  A reload that did that while the old
 * connection was open left the daemon without its lock; the next breachctl
 * thought itself the last connection and deleted the live -wal and -shm
 * (issue 12).  So the file is only opened here when this call creates it
 * (O_EXCL), and an existing one is tightened by name. */
static int ensure_file(const char *path)
{
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
                int r = fchmod(fd, 0600) < 0 ? -errno : 0;
                close(fd);   /* a file nobody had open: no lock to lose */
                return r;
        }
        if (errno != EEXIST)
                return -errno;
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if ((st.st_mode & 0077) && st.st_uid == geteuid() && chmod(path, st.st_mode & 0700) < 0)
                return -errno;
        return 0;
}

static int lite_exec(Store *s, const char *sql)
{
        char *err = NULL;
        int rc = sqlite3_exec(DB(s), sql, NULL, NULL, &err);
        if (rc != SQLITE_OK) {
                log_debug("sqlite: %s", err ? err : "?");
                sqlite3_free(err);
        }
        return sql_err(rc);
}

static int lite_open(Store *s, const char *path)
{
        register_log_setup();
        bool loose = false;
        int r = ensure_dir(path, &loose);
        if (r < 0)
                return r;
        if (loose)
                log_warning("the register's directory (of %s) can be listed by group or others; "
                            "chmod 0700 it", path);
        r = ensure_file(path);
        if (r < 0)
                return r;
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK) {
                sqlite3_close(db);
                return -EACCES;
        }
        s->db = db;
        sqlite3_busy_timeout(db, 10000);
        /* A new register is made of 16 KiB pages: a filed report (its raw
         * message, the incident, two mails) is ~14 KiB, and in 4 KiB pages a
         * burst of 10,000 made 262,000 WAL writes and 163,000 reads where
         * it now makes 77,000 and 57,000 (docs/PERFORMANCE.md).  An
         * existing register keeps its page size (the pragma is a no-op).
         * The page cache stays at SQLite's 2 MiB: half of it made a batch
         * spill to the WAL mid-transaction, with 70 % more I/O. */
        if ((r = lite_exec(s, "PRAGMA page_size = 16384")) < 0 || (r = lite_exec(s, "PRAGMA journal_mode = WAL")) < 0 ||
            (r = lite_exec(s, "PRAGMA synchronous = FULL")) < 0 || (r = lite_exec(s, "PRAGMA foreign_keys = ON")) < 0 ||
            (r = lite_exec(s, "PRAGMA cache_size = -2000")) < 0)
                return r;
        return 0;
}

static void lite_close(Store *s)
{
        sqlite3_close(DB(s));
        s->db = NULL;
}

static StoreStmt *lite_prepare(Store *s, const char *sql)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v3(DB(s), sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
                log_debug("prepare failed: %s: %s", sqlite3_errmsg(DB(s)), sql);
                return NULL;
        }
        return (StoreStmt *)(void *)st;
}

static void lite_finalize(Store *s, StoreStmt *st)
{
        sqlite3_finalize(ST(st));
}

static void bind(sqlite3_stmt *st, const StoreValue *v, size_t n)
{
        for (size_t k = 0; k < n; k++) {
                int i = (int)k + 1;
                switch (v[k].type) {
                case STORE_NULL: sqlite3_bind_null(st, i); break;
                case STORE_INT: sqlite3_bind_int64(st, i, v[k].i); break;
                case STORE_TEXT:
                        if (v[k].t)
                                sqlite3_bind_text(st, i, v[k].t, -1, SQLITE_TRANSIENT);
                        else
                                sqlite3_bind_null(st, i);
                        break;
                case STORE_BLOB: sqlite3_bind_blob64(st, i, v[k].p, v[k].len, SQLITE_STATIC); break;
                }
        }
}

static int lite_run(Store *s, StoreStmt *stmt, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata)
{
        sqlite3_stmt *st = ST(stmt);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        bind(st, v, n);
        StoreRow row = {.be = s->be, .h = st};
        int rows = 0, r = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                rows++;
                if (fn && (r = fn(&row, userdata)) < 0)
                        break;
                row.row++;
        }
        sqlite3_reset(st);
        /* A blob is bound without a copy: the kept statement must not
         * point at the caller's bytes once the call is over. */
        for (size_t k = 0; k < n; k++)
                if (v[k].type == STORE_BLOB)
                        sqlite3_bind_null(st, (int)k + 1);
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? rows : sql_err(rc);
}

static bool lite_in_transaction(Store *s)
{
        return !sqlite3_get_autocommit(DB(s));
}

static int64_t lite_changes(Store *s)
{
        return sqlite3_changes64(DB(s));
}

static int64_t lite_last_id(Store *s)
{
        return sqlite3_last_insert_rowid(DB(s));
}

static const char *lite_errmsg(Store *s)
{
        return sqlite3_errmsg(DB(s));
}

static int lite_version_get(Store *s)
{
        sqlite3_stmt *st = NULL;
        int version = 0;
        if (sqlite3_prepare_v2(DB(s), "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return version;
}

static int lite_version_set(Store *s, int version)
{
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
        return lite_exec(s, sql);
}

static bool lite_col_is_null(StoreRow *r, int i)
{
        return sqlite3_column_type(ST(r->h), i) == SQLITE_NULL;
}

static int64_t lite_col_int64(StoreRow *r, int i)
{
        return sqlite3_column_int64(ST(r->h), i);
}

static const char *lite_col_str(StoreRow *r, int i)
{
        return (const char *)sqlite3_column_text(ST(r->h), i);
}

static const void *lite_col_blob(StoreRow *r, int i, size_t *ret_len)
{
        const void *p = sqlite3_column_blob(ST(r->h), i);
        *ret_len = (size_t)sqlite3_column_bytes(ST(r->h), i);
        return p;
}

static int lite_col_count(StoreRow *r)
{
        return sqlite3_column_count(ST(r->h));
}

static const char *lite_col_name(StoreRow *r, int i)
{
        return sqlite3_column_name(ST(r->h), i);
}

static StoreValueType lite_col_type(StoreRow *r, int i)
{
        switch (sqlite3_column_type(ST(r->h), i)) {
        case SQLITE_NULL: return STORE_NULL;
        case SQLITE_INTEGER: return STORE_INT;
        case SQLITE_BLOB: return STORE_BLOB;
        default: return STORE_TEXT;   /* text, and a REAL the register never holds */
        }
}

struct sqlite3 *store_sqlite_db(Store *s)
{
        return s->be == &store_sqlite_backend ? DB(s) : NULL;
}

const StoreBackend store_sqlite_backend = {
        .name = "sqlite",
        .open = lite_open,
        .close = lite_close,
        .prepare = lite_prepare,
        .finalize = lite_finalize,
        .run = lite_run,
        .exec = lite_exec,
        .in_transaction = lite_in_transaction,
        .changes = lite_changes,
        .last_id = lite_last_id,
        .errmsg = lite_errmsg,
        .version_get = lite_version_get,
        .version_set = lite_version_set,
        .col_is_null = lite_col_is_null,
        .col_int64 = lite_col_int64,
        .col_str = lite_col_str,
        .col_blob = lite_col_blob,
        .col_count = lite_col_count,
        .col_name = lite_col_name,
        .col_type = lite_col_type,
};
