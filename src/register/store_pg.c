/* store_pg.c — the PostgreSQL backend of the register (store-internal.h,
 * "the backends"), for a shared service: database = "postgresql://…".
 *
 * The register's statements are written once, in the SQL both databases
 * read, and translated here when prepared (pg_translate()): "?" and "?N"
 * become "$N", INTEGER BIGINT, BLOB BYTEA, an INTEGER PRIMARY KEY an
 * identity column, X'..' a bytea literal, the two-argument MAX()/MIN()
 * GREATEST()/LEAST(), LIKE ILIKE (SQLite's LIKE ignores case), instr(a, b)
 * position(b IN a), INSERT OR IGNORE an ON CONFLICT DO NOTHING, and a PRAGMA
 * nothing.  What cannot be said in both is written twice
 * (store_exec_variant(), store_is_pg()).  Values go as text, integers
 * typed int8, blobs as binary bytea; results come as text, a bytea
 * unescaped when read as a blob, a boolean as 1 or 0. */
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "register/store-internal.h"

#define CONN(s) ((PGconn *)(s)->db)

#define INT8OID 20
#define BYTEAOID 17

struct StoreStmt {
        char *sql;      /* translated */
};

/* A result being walked: the blobs unescaped for the row callback, freed
 * after it. */
typedef struct {
        PGresult *res;
        unsigned char *blobs[8];
        size_t n_blobs;
} PgRows;

/* ---- translation ------------------------------------------------------- */

static bool word_at(const char *p, const char *start, const char *w)
{
        size_t n = strlen(w);
        if (strncasecmp(p, w, n) != 0)
                return false;
        if (p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))
                return false;
        return !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

/* The end of the quoted text that starts at p ('..', "..", $$..$$). */
static const char *quoted_end(const char *p)
{
        const char *e;
        if (p[0] == '$' && p[1] == '$')
                return (e = strstr(p + 2, "$$")) ? e + 2 : p + strlen(p);
        return (e = strchr(p + 1, *p)) ? e + 1 : p + strlen(p);
}

static bool quote_at(const char *p)
{
        return *p == '\'' || *p == '"' || (p[0] == '$' && p[1] == '$');
}

/* The ")" that closes the call whose "(" is at p, and the top-level
 * commas between (at most max of them) into commas; their number. */
static const char *call_end(const char *p, const char **commas, size_t max, size_t *ret_n)
{
        int depth = 0;
        size_t n = 0;
        for (; *p;) {
                if (quote_at(p)) {
                        p = quoted_end(p);
                        continue;
                }
                if (*p == '(')
                        depth++;
                else if (*p == ')' && --depth == 0)
                        break;
                else if (*p == ',' && depth == 1) {
                        if (n < max)
                                commas[n] = p;
                        n++;
                }
                p++;
        }
        *ret_n = n;
        return p;
}

typedef struct {
        const char *sql;     /* the whole text, for word boundaries */
        int param;           /* the last "?" numbered */
        bool ignore, pragma; /* of the current statement */
} Tr;

static void end_statement(Tr *x, Buf *out, size_t start)
{
        if (x->pragma) {
                out->len = start;
                if (out->s)
                        out->s[start] = 0;
        } else if (x->ignore)
                buf_puts(out, " ON CONFLICT DO NOTHING");
        x->ignore = x->pragma = false;
}

static void translate(Tr *x, Buf *out, const char *p, const char *end, bool top)
{
        size_t stmt_start = out->len;
        bool at_stmt_start = top;
        while (p < end && *p) {
                if (at_stmt_start && !isspace((unsigned char)*p)) {
                        at_stmt_start = false;
                        if (word_at(p, x->sql, "PRAGMA"))
                                x->pragma = true;
                }
                if (quote_at(p)) {
                        const char *e = quoted_end(p);
                        buf_printf(out, "%.*s", (int)(e - p), p);
                        p = e;
                        continue;
                }
                if (p[0] == '-' && p[1] == '-') {
                        while (p < end && *p && *p != '\n')
                                p++;
                        continue;
                }
                if (*p == '?') {
                        p++;
                        if (isdigit((unsigned char)*p)) {
                                int n = (int)strtol(p, (char **)&p, 10);
                                buf_printf(out, "$%d", n);
                                if (n > x->param)
                                        x->param = n;
                        } else
                                buf_printf(out, "$%d", ++x->param);
                        continue;
                }
                if (*p == ';' && top) {
                        end_statement(x, out, stmt_start);
                        if (out->len > stmt_start)
                                buf_putc(out, ';');
                        stmt_start = out->len;
                        at_stmt_start = true;
                        p++;
                        continue;
                }
                if ((*p == 'X' || *p == 'x') && p[1] == '\'' && (p == x->sql || !isalnum((unsigned char)p[-1]))) {
                        const char *e = strchr(p + 2, '\'');
                        if (e) {
                                buf_printf(out, "'\\x%.*s'::bytea", (int)(e - p - 2), p + 2);
                                p = e + 1;
                                continue;
                        }
                }
                static const struct {
                        const char *from, *to;
                } words[] = {
                        {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
                        {"INTEGER", "BIGINT"},
                        {"BLOB", "BYTEA"},
                        {"BEGIN IMMEDIATE", "BEGIN"},
                        {"LIKE", "ILIKE"},
                };
                bool done = false;
                for (size_t k = 0; k < ARRAY_SIZE(words) && !done; k++)
                        if (word_at(p, x->sql, words[k].from)) {
                                buf_puts(out, words[k].to);
                                p += strlen(words[k].from);
                                done = true;
                        }
                if (done)
                        continue;
                if (word_at(p, x->sql, "INSERT OR IGNORE")) {
                        buf_puts(out, "INSERT");
                        p += strlen("INSERT OR IGNORE");
                        x->ignore = true;
                        continue;
                }
                const char *commas[1];
                size_t n_commas = 0;
                /* instr(a, b): position((b) IN (a)), for text and bytea. */
                if (word_at(p, x->sql, "instr") && p[5] == '(') {
                        const char *close = call_end(p + 5, commas, 1, &n_commas);
                        if (n_commas == 1 && *close == ')') {
                                Buf a = {0}, b = {0};
                                buf_puts(&a, "");
                                buf_puts(&b, "");
                                translate(x, &a, p + 6, commas[0], false);
                                const char *second = commas[0] + 1;
                                while (isspace((unsigned char)*second))
                                        second++;
                                translate(x, &b, second, close, false);
                                buf_printf(out, "position((%s) IN (%s))", b.s, a.s);
                                buf_free(&a);
                                buf_free(&b);
                                p = close + 1;
                                continue;
                        }
                }
                /* MAX(a, b) and MIN(a, b), SQLite's scalar forms. */
                if ((word_at(p, x->sql, "MAX") || word_at(p, x->sql, "MIN")) && p[3] == '(') {
                        call_end(p + 3, commas, 1, &n_commas);
                        if (n_commas == 1) {
                                buf_puts(out, toupper((unsigned char)p[1]) == 'A' ? "GREATEST" : "LEAST");
                                p += 3;
                                continue;
                        }
                }
                buf_putc(out, *p++);
        }
        if (top)
                end_statement(x, out, stmt_start);
}

/* sql in PostgreSQL's dialect (see the top of the file), to free. */
char *pg_translate(const char *sql);
char *pg_translate(const char *sql)
{
        Buf out = {0};
        buf_puts(&out, "");
        Tr x = {.sql = sql};
        translate(&x, &out, sql, sql + strlen(sql), true);
        return buf_steal(&out);
}

/* ---- errors ------------------------------------------------------------ */

/* The error of res (NULL: none came back, the connection is gone) as a
 * negative errno; a failure of the register itself is counted. */
static int pg_err(Store *s, const PGresult *res)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *msg = res ? PQresultErrorMessage(res) : NULL;
        if (!msg || !*msg)
                msg = PQerrorMessage(CONN(s));
        _cleanup_free_ char *what = xstrdup(msg && *msg ? msg : "no answer from PostgreSQL");
        what[strcspn(what, "\n")] = 0;
        log_debug("postgresql: %s%s%s", state ? state : "", state ? ": " : "", what);
        int key = state ? (int)strtol(state, NULL, 36) : 1;
        int r = -EIO;
        bool failure = true;
        if (!state || PQstatus(CONN(s)) == CONNECTION_BAD)
                r = -EIO;   /* lost: reconnected on next use */
        else if (strncmp(state, "23", 2) == 0) {
                r = -EEXIST;
                failure = false;
        } else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
                   !strcmp(state, "53300") || !strcmp(state, "57014"))
                r = -EBUSY;
        else if (!strcmp(state, "53100"))
                r = -ENOSPC;
        else if (!strcmp(state, "53200"))
                r = -ENOMEM;
        else if (!strcmp(state, "42501") || !strcmp(state, "25006") || strncmp(state, "28", 2) == 0)
                r = -EACCES;
        else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 || strncmp(state, "58", 2) == 0 ||
                 strncmp(state, "XX", 2) == 0)
                r = -EIO;
        else
                failure = false;   /* a statement's own fault, as SQLite's SQLITE_ERROR */
        if (failure)
                store_note_failure(key, "PostgreSQL", what);
        return r;
}

/* A connection that was lost is tried again before a statement: the
 * failure was reported when it happened, and the next cycle (the
 * daemon's register-failure backoff) comes here. */
static int pg_ready(Store *s)
{
        if (PQstatus(CONN(s)) == CONNECTION_OK)
                return 0;
        PQreset(CONN(s));
        if (PQstatus(CONN(s)) == CONNECTION_OK) {
                log_info("reconnected to the PostgreSQL register");
                return 0;
        }
        return pg_err(s, NULL);
}

/* ---- the connection ---------------------------------------------------- */

static bool is_loopback(const char *host)
{
        return !host || !*host || host[0] == '/' || host[0] == '@' || !strcmp(host, "localhost") ||
               !strncmp(host, "127.", 4) || !strcmp(host, "::1");
}

static void on_notice(void *arg, const char *message)
{
        log_debug("postgresql: %s", message);
}

static int pg_open(Store *s, const char *target)
{
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(target, &err);
        if (!opts) {
                store_note_failure(2, "PostgreSQL", err ? err : "cannot read the database URI");
                PQfreemem(err);
                return -EINVAL;
        }
        bool remote = false, sslmode = getenv("PGSSLMODE") != NULL;
        for (PQconninfoOption *o = opts; o->keyword; o++) {
                if (!o->val)
                        continue;
                if (!strcmp(o->keyword, "sslmode"))
                        sslmode = true;
                if (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "hostaddr")) {
                        _cleanup_free_ char *hosts = xstrdup(o->val);
                        char *save = NULL;
                        for (char *h = strtok_r(hosts, ",", &save); h; h = strtok_r(NULL, ",", &save))
                                remote |= !is_loopback(h);
                }
        }
        PQconninfoFree(opts);
        const char *env_host = getenv("PGHOST");
        if (env_host && !remote)
                remote = !is_loopback(env_host);
        const char *keys[8], *vals[8];
        size_t n = 0;
        keys[n] = "dbname", vals[n++] = target;
        keys[n] = "application_name", vals[n++] = "breachd";
        if (remote && !sslmode)
                keys[n] = "sslmode", vals[n++] = "verify-full";
        if (s->password)
                keys[n] = "password", vals[n++] = s->password;
        keys[n] = NULL, vals[n] = NULL;
        PGconn *c = PQconnectdbParams(keys, vals, 1);
        s->db = c;
        if (!c)
                return -ENOMEM;
        if (PQstatus(c) != CONNECTION_OK) {
                _cleanup_free_ char *what = xstrdup(PQerrorMessage(c));
                what[strcspn(what, "\n")] = 0;
                store_note_failure(3, "PostgreSQL", what);
                log_debug("postgresql: %s", what);
                return -ECONNREFUSED;
        }
        PQsetNoticeProcessor(c, on_notice, NULL);
        PGresult *res = PQexec(c, "SET client_min_messages = warning");
        PQclear(res);
        return 0;
}

static void pg_close(Store *s)
{
        PQfinish(CONN(s));
        s->db = NULL;
}

static StoreStmt *pg_prepare(Store *s, const char *sql)
{
        StoreStmt *st = xcalloc(1, sizeof *st);
        st->sql = pg_translate(sql);
        return st;
}

static void pg_finalize(Store *s, StoreStmt *st)
{
        if (!st)
                return;
        free(st->sql);
        free(st);
}

static bool ok(const PGresult *res)
{
        ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        return t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK || t == PGRES_EMPTY_QUERY;
}

static int pg_exec(Store *s, const char *sql)
{
        int r = pg_ready(s);
        if (r < 0)
                return r;
        _cleanup_free_ char *t = pg_translate(sql);
        if (!*t)
                return 0;
        PGresult *res = PQexec(CONN(s), t);
        r = ok(res) ? 0 : pg_err(s, res);
        PQclear(res);
        return r;
}

static int pg_run(Store *s, StoreStmt *st, const StoreValue *v, size_t n, StoreRowFn fn, void *userdata)
{
        int r = pg_ready(s);
        if (r < 0)
                return r;
        /* The values as libpq takes them: integers as decimal text typed
         * int8, a blob binary typed bytea, text untyped (the column says). */
        _cleanup_free_ Oid *types = xcalloc(n + 1, sizeof *types);
        _cleanup_free_ const char **vals = xcalloc(n + 1, sizeof *vals);
        _cleanup_free_ int *lens = xcalloc(n + 1, sizeof *lens);
        _cleanup_free_ int *formats = xcalloc(n + 1, sizeof *formats);
        _cleanup_free_ char(*nums)[24] = xcalloc(n + 1, sizeof *nums);
        for (size_t k = 0; k < n; k++) {
                switch (v[k].type) {
                case STORE_NULL: break;
                case STORE_INT:
                        types[k] = INT8OID;
                        snprintf(nums[k], sizeof nums[k], "%lld", (long long)v[k].i);
                        vals[k] = nums[k];
                        break;
                case STORE_TEXT: vals[k] = v[k].t; break;
                case STORE_BLOB:
                        types[k] = BYTEAOID;
                        formats[k] = 1;
                        vals[k] = v[k].p ? v[k].p : "";
                        lens[k] = (int)v[k].len;
                        break;
                }
        }
        PGresult *res = PQexecParams(CONN(s), st->sql, (int)n, types, vals, lens, formats, 0);
        if (!ok(res)) {
                r = pg_err(s, res);
                PQclear(res);
                return r;
        }
        const char *ct = PQcmdTuples(res);
        s->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
        int rows = PQntuples(res);
        PgRows pr = {.res = res};
        StoreRow row = {.be = s->be, .h = &pr};
        r = 0;
        for (int i = 0; i < rows && r >= 0; i++) {
                row.row = i;
                if (fn)
                        r = fn(&row, userdata);
                for (size_t b = 0; b < pr.n_blobs; b++)
                        PQfreemem(pr.blobs[b]);
                pr.n_blobs = 0;
        }
        PQclear(res);
        return r < 0 ? r : rows;
}

static bool pg_in_transaction(Store *s)
{
        PGTransactionStatusType t = PQtransactionStatus(CONN(s));
        return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int64_t pg_changes(Store *s)
{
        return s->changes;
}

static int64_t pg_last_id(Store *s)
{
        PGresult *res = PQexec(CONN(s), "SELECT lastval()");
        int64_t id = ok(res) && PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        if (!ok(res))
                pg_err(s, res);
        PQclear(res);
        return id;
}

static const char *pg_errmsg(Store *s)
{
        return PQerrorMessage(CONN(s));
}

/* The schema's version in a one-row table, PRAGMA user_version's part. */
static int pg_version_get(Store *s)
{
        if (pg_ready(s) < 0)
                return 0;
        PGresult *res = PQexec(CONN(s), "SELECT to_regclass('schema_version') IS NOT NULL");
        bool exists = ok(res) && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
        if (!exists)
                return 0;
        res = PQexec(CONN(s), "SELECT MAX(version) FROM schema_version");
        int v = ok(res) && PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        return v;
}

static int pg_version_set(Store *s, int version)
{
        char sql[160];
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS schema_version(version BIGINT NOT NULL);"
                 "DELETE FROM schema_version; INSERT INTO schema_version VALUES(%d)", version);
        return pg_exec(s, sql);
}

#define RES(r) (((PgRows *)(r)->h)->res)

static bool pg_col_is_null(StoreRow *r, int i)
{
        return i >= PQnfields(RES(r)) || PQgetisnull(RES(r), r->row, i);
}

static int64_t pg_col_int64(StoreRow *r, int i)
{
        if (pg_col_is_null(r, i))
                return 0;
        const char *v = PQgetvalue(RES(r), r->row, i);
        if (v[0] == 't' && !v[1])
                return 1;
        if (v[0] == 'f' && !v[1])
                return 0;
        return strtoll(v, NULL, 10);
}

static const char *pg_col_str(StoreRow *r, int i)
{
        return pg_col_is_null(r, i) ? NULL : PQgetvalue(RES(r), r->row, i);
}

static const void *pg_col_blob(StoreRow *r, int i, size_t *ret_len)
{
        *ret_len = 0;
        if (pg_col_is_null(r, i))
                return NULL;
        PgRows *pr = r->h;
        const char *v = PQgetvalue(pr->res, r->row, i);
        if (PQftype(pr->res, i) != BYTEAOID) {
                *ret_len = strlen(v);
                return v;
        }
        if (pr->n_blobs == ARRAY_SIZE(pr->blobs))
                return NULL;
        unsigned char *b = PQunescapeBytea((const unsigned char *)v, ret_len);
        if (!b)
                return NULL;
        pr->blobs[pr->n_blobs++] = b;
        return b;
}

static int pg_col_count(StoreRow *r)
{
        return PQnfields(RES(r));
}

static const char *pg_col_name(StoreRow *r, int i)
{
        return PQfname(RES(r), i);
}

#define INT2OID 21
#define INT4OID 23
#define BOOLOID 16

static StoreValueType pg_col_type(StoreRow *r, int i)
{
        switch (PQftype(RES(r), i)) {
        case INT8OID:
        case INT4OID:
        case INT2OID:
        case BOOLOID: return STORE_INT;
        case BYTEAOID: return STORE_BLOB;
        default: return STORE_TEXT;
        }
}

const StoreBackend store_pg_backend = {
        .name = "postgresql",
        .open = pg_open,
        .close = pg_close,
        .prepare = pg_prepare,
        .finalize = pg_finalize,
        .run = pg_run,
        .exec = pg_exec,
        .in_transaction = pg_in_transaction,
        .changes = pg_changes,
        .last_id = pg_last_id,
        .errmsg = pg_errmsg,
        .version_get = pg_version_get,
        .version_set = pg_version_set,
        .col_is_null = pg_col_is_null,
        .col_int64 = pg_col_int64,
        .col_str = pg_col_str,
        .col_blob = pg_col_blob,
        .col_count = pg_col_count,
        .col_name = pg_col_name,
        .col_type = pg_col_type,
};
