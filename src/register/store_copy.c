/* store_copy.c — a whole register copied into another, verified row by
 * row (store.h, "copying a register"): breachctl migrate --to, from
 * SQLite into PostgreSQL. */
#include <errno.h>
#include <string.h>

#include "register/store-internal.h"

/* Every table of the schema, each after those it refers to, with the
 * column its rows are ordered by.  A table the source has and this list
 * does not is refused: a copy must not leave anything behind. */
static const struct {
        const char *name, *key;
} tables[] = {
        {"ref_counter", "org, year"}, {"incidents", "id"}, {"messages", "id"}, {"outbox", "id"}, {"audit", "id"},
        {"reminders", "id"},     {"actions", "id"},   {"notes", "id"},    {"auto_mail", "id"},
};

static int table_name_row(StoreRow *row, void *userdata)
{
        const char *name = store_col_str(row, 0);
        for (size_t i = 0; name && i < ARRAY_SIZE(tables); i++)
                if (!strcmp(name, tables[i].name))
                        return 0;
        if (name && !strcmp(name, "schema_version"))
                return 0;
        char **unknown = userdata;
        if (!*unknown)
                *unknown = xstrdup(name ? name : "?");
        return 0;
}

/* One value of a row as it is copied: NULL, or its bytes (an integer in
 * decimal), bound as text or blob; the destination's column type takes
 * it from there. */
static StoreValue value_of(StoreRow *row, int i, char *num, size_t num_size)
{
        if (store_col_is_null(row, i))
                return (StoreValue)SV_NULL;
        StoreValueType t = store_col_type(row, i);
        if (t == STORE_INT) {
                snprintf(num, num_size, "%lld", (long long)store_col_int64(row, i));
                return (StoreValue)SV_TEXT(num);
        }
        if (t == STORE_BLOB) {
                size_t len = 0;
                const void *p = store_col_blob(row, i, &len);
                return (StoreValue)SV_BLOB(p ? p : "", len);
        }
        return (StoreValue)SV_TEXT(store_col_str(row, i));
}

typedef struct {
        Store *to;
        const char *table;
        StoreStmt *insert;
        int64_t rows;
} Copy;

static int copy_row(StoreRow *row, void *userdata)
{
        Copy *c = userdata;
        int n = store_col_count(row);
        if (!c->insert) {
                Buf sql = {0};
                buf_printf(&sql, "INSERT INTO %s(", c->table);
                for (int i = 0; i < n; i++)
                        buf_printf(&sql, "%s%s", i ? ", " : "", store_col_name(row, i));
                buf_puts(&sql, ") VALUES(");
                for (int i = 0; i < n; i++)
                        buf_puts(&sql, i ? ", ?" : "?");
                buf_puts(&sql, ")");
                c->insert = c->to->be->prepare(c->to, sql.s);
                buf_free(&sql);
                if (!c->insert)
                        return -EIO;
        }
        StoreValue *v = xcalloc((size_t)n + 1, sizeof *v);
        char(*nums)[24] = xcalloc((size_t)n + 1, sizeof *nums);
        for (int i = 0; i < n; i++)
                v[i] = value_of(row, i, nums[i], sizeof nums[i]);
        int r = store_run(c->to, c->insert, v, (size_t)n, NULL, NULL);
        free(v);
        free(nums);
        if (r < 0)
                return r;
        c->rows++;
        return 0;
}

/* A row as bytes to compare: each column's name, then NULL or its bytes. */
static char *row_bytes(StoreRow *row, size_t *ret_len)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (int i = 0; i < store_col_count(row); i++) {
                buf_printf(&b, "%s=", store_col_name(row, i));
                char num[24];
                StoreValue v = value_of(row, i, num, sizeof num);
                if (v.type == STORE_NULL)
                        buf_puts(&b, "\x01NULL");
                else if (v.type == STORE_BLOB)
                        buf_printf(&b, "%zu:%.*s", v.len, (int)v.len, (const char *)v.p);
                else
                        buf_printf(&b, "%zu:%s", strlen(v.t), v.t);
                buf_putc(&b, '\x02');
        }
        *ret_len = b.len;
        return buf_steal(&b);
}

typedef struct {
        char **rows;
        size_t *lens;
        size_t n;
} Rows;

static int collect_row(StoreRow *row, void *userdata)
{
        Rows *r = userdata;
        r->rows = xrealloc(r->rows, (r->n + 1) * sizeof *r->rows);
        r->lens = xrealloc(r->lens, (r->n + 1) * sizeof *r->lens);
        r->rows[r->n] = row_bytes(row, &r->lens[r->n]);
        r->n++;
        return 0;
}

typedef struct {
        Rows *to;
        size_t i;
        char *why;
        const char *table;
} Compare;

static int compare_row(StoreRow *row, void *userdata)
{
        Compare *c = userdata;
        size_t len = 0;
        _cleanup_free_ char *b = row_bytes(row, &len);
        if (c->i >= c->to->n) {
                c->why = xasprintf("%s: row %zu is missing from the copy", c->table, c->i + 1);
                return -EPROTO;
        }
        if (len != c->to->lens[c->i] || memcmp(b, c->to->rows[c->i], len) != 0) {
                const char *key = store_col_str(row, 0);
                c->why = xasprintf("%s: the row %s = %s differs in the copy", c->table, store_col_name(row, 0),
                                   key ? key : "NULL");
                return -EPROTO;
        }
        c->i++;
        return 0;
}

static void rows_free(Rows *r)
{
        for (size_t i = 0; i < r->n; i++)
                free(r->rows[i]);
        free(r->rows);
        free(r->lens);
}

/* Both registers' rows of table, in order, the same. */
static int verify(Store *from, Store *to, size_t t, char **ret_why)
{
        _cleanup_free_ char *sql = xasprintf("SELECT * FROM %s ORDER BY %s", tables[t].name, tables[t].key);
        Rows copy = {0};
        int r = store_query_once(to, sql, NULL, 0, collect_row, &copy);
        Compare c = {.to = &copy, .table = tables[t].name};
        if (r >= 0)
                r = store_query_once(from, sql, NULL, 0, compare_row, &c);
        if (r >= 0 && c.i != copy.n) {
                c.why = xasprintf("%s: the copy has %zu rows, the register %zu", tables[t].name, copy.n, c.i);
                r = -EPROTO;
        }
        rows_free(&copy);
        *ret_why = c.why;
        return r;
}

static int count_row(StoreRow *row, void *userdata)
{
        *(int64_t *)userdata = store_col_int64(row, 0);
        return 0;
}

int store_copy(Store *from, Store *to, StoreCopyFn fn, void *userdata, char **ret_why)
{
        *ret_why = NULL;
        if (store_user_version(from) != store_user_version(to)) {
                *ret_why = xasprintf("the schema versions differ (%d and %d)", store_user_version(from),
                                     store_user_version(to));
                return -EPROTO;
        }
        int64_t n = 0;
        int r = store_query_once(to, "SELECT (SELECT COUNT(*) FROM incidents) + (SELECT COUNT(*) FROM messages) + "
                                     "(SELECT COUNT(*) FROM outbox)", NULL, 0, count_row, &n);
        if (r >= 0 && n > 0) {
                *ret_why = xstrdup("the destination already holds incidents, messages or mail");
                return -ENOTEMPTY;
        }
        char *unknown = NULL;
        if (r >= 0)
                r = store_query_once(from,
                                     store_is_pg(from) ? "SELECT table_name FROM information_schema.tables "
                                                         "WHERE table_schema = current_schema()"
                                                       : "SELECT name FROM sqlite_master WHERE type = 'table' "
                                                         "AND name NOT LIKE 'sqlite%'",
                                     NULL, 0, table_name_row, &unknown);
        if (r >= 0 && unknown) {
                *ret_why = xasprintf("the register has a table this breachctl does not copy: %s", unknown);
                free(unknown);
                return -EPROTO;
        }
        if (r < 0)
                return r;
        /* One snapshot of the source, one transaction on the destination:
         * committed only when every row has been read back the same. */
        if ((r = store_exec(from, "BEGIN")) < 0)
                return r;
        if ((r = store_begin(to)) < 0) {
                store_rollback(from);
                return r;
        }
        for (size_t t = 0; r >= 0 && t < ARRAY_SIZE(tables); t++) {
                _cleanup_free_ char *sql = xasprintf("SELECT * FROM %s ORDER BY %s", tables[t].name, tables[t].key);
                Copy c = {.to = to, .table = tables[t].name};
                r = store_query_once(from, sql, NULL, 0, copy_row, &c);
                if (c.insert)
                        to->be->finalize(to, c.insert);
                if (r < 0) {
                        *ret_why = xasprintf("%s: %s", tables[t].name, store_errmsg(to));
                        break;
                }
                /* The identity's next value past the ids copied. */
                if (store_is_pg(to) && strcmp(tables[t].key, "id") == 0) {
                        _cleanup_free_ char *seq = xasprintf(
                                "SELECT setval(pg_get_serial_sequence('%s', 'id'), MAX(id)) FROM %s "
                                "HAVING MAX(id) IS NOT NULL", tables[t].name, tables[t].name);
                        r = store_query_once(to, seq, NULL, 0, NULL, NULL);
                }
                if (r >= 0)
                        r = verify(from, to, t, ret_why);
                if (r >= 0 && fn)
                        fn(tables[t].name, c.rows, userdata);
        }
        store_rollback(from);
        if (r < 0) {
                store_rollback(to);
                return r;
        }
        return store_commit(to);
}
