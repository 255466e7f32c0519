/* fixture.c — see fixture.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

#define say(...) (printf("# fixture: " __VA_ARGS__), putchar('\n'), fflush(stdout))

/* The name a line of configuration sets: the word before its '=' or ':'
 * (after any blanks), or an empty string. */
static size_t setting_name(const char *line, const char **ret)
{
        line += strspn(line, " \t");
        size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
        const char *after = line + n + strspn(line + n, " \t");
        *ret = line;
        return *after == '=' || *after == ':' ? n : 0;
}

/* Whether a line of text sets name. */
static bool sets(const char *text, const char *name, size_t len)
{
        for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                const char *n;
                size_t nl = setting_name(l, &n);
                if (nl == len && strncmp(n, name, len) == 0)
                        return true;
        }
        return false;
}

/* With BREACHD_TEST_DATABASE (a postgresql:// URI), each fixture's
 * register is a schema of its own in that database, made here and
 * dropped by fixture_free(): the database setting of the fixture's
 * config is the URI with search_path set to it (tests/e2e/test_pg_units.sh).
 * The password comes the libpq way (PGPASSWORD, ~/.pgpass). */
static int pg_admin(const char *sql)
{
        PGconn *c = PQconnectdb(getenv("BREACHD_TEST_DATABASE"));
        PQclear(PQstatus(c) == CONNECTION_OK ? PQexec(c, "SET client_min_messages = warning") : NULL);
        PGresult *res = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
        int r = res && PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -EIO;
        if (r < 0)
                say("%s: %s", sql, PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return r;
}

static char *pg_schema(const char *dir)
{
        const char *slash = strrchr(dir, '/');
        Buf b = {0};
        buf_puts(&b, "t_");
        for (const char *p = slash ? slash + 1 : dir; *p; p++)
                buf_putc(&b, isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_');
        return buf_steal(&b);
}

/* The register's URI for the fixture in dir, NULL on SQLite. */
static char *fixture_pg_uri(const char *dir)
{
        const char *pg = getenv("BREACHD_TEST_DATABASE");
        if (!pg || !*pg)
                return NULL;
        _cleanup_free_ char *schema = pg_schema(dir);
        return xasprintf("%s%soptions=-csearch_path%%3D%s", pg, strchr(pg, '?') ? "&" : "?", schema);
}

/* FIXTURE_CONFIG for dir, less the lines extra replaces, then extra. */
static char *config_text(const char *dir, const char *extra)
{
        _cleanup_free_ char *defaults = xasprintf(FIXTURE_CONFIG, dir);
        _cleanup_free_ char *pg_uri = fixture_pg_uri(dir);
        if (pg_uri && !(extra && sets(extra, "database", 8))) {
                _cleanup_free_ char *d = defaults;
                char *at = strstr(d, "database = ");
                char *end = at ? strchr(at, '\n') : NULL;
                defaults = at && end ? xasprintf("%.*sdatabase = \"%s\";%s", (int)(at - d), d, pg_uri, end)
                                     : xstrdup(d);
        }
        Buf b = {0};
        for (char *l = defaults, *end; l && *l; l = end ? end + 1 : NULL) {
                end = strchr(l, '\n');
                const char *n;
                size_t nl = setting_name(l, &n);
                if (extra && nl > 0 && sets(extra, n, nl))
                        continue;
                buf_printf(&b, "%.*s\n", end ? (int)(end - l) : (int)strlen(l), l);
        }
        if (extra)
                buf_printf(&b, "%s\n", extra);
        return b.s ? buf_steal(&b) : xstrdup("");
}

static Config *load(const char *dir, const char *name, const char *extra)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_free_ char *text = config_text(dir, extra);
        FILE *f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                say("cannot write %s: %s", path, strerror(errno));
                return NULL;
        }
        Config *c = NULL;
        _cleanup_free_ char *errors = NULL;
        if (config_load(path, &c, &errors) < 0) {
                say("%s does not load:", path);
                for (char *l = errors, *end; l && *l; l = end ? end + 1 : NULL) {
                        end = strchr(l, '\n');
                        say("  %.*s", end ? (int)(end - l) : (int)strlen(l), l);
                }
                return NULL;
        }
        return c;
}

Fixture *fixture_new(const char *extra_config)
{
        const char *tmp = getenv("TMPDIR");
        Fixture *f = xcalloc(1, sizeof *f);
        /* mkdtemp()'s template: it replaces the six X's. */
        f->dir = xasprintf("%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", program_invocation_short_name);
        if (!mkdtemp(f->dir)) {
                say("mkdtemp %s: %s", f->dir, strerror(errno));
                free(f->dir);
                free(f);
                return NULL;
        }
        const char *pg = getenv("BREACHD_TEST_DATABASE");
        if (pg && *pg) {
                _cleanup_free_ char *schema = pg_schema(f->dir);
                _cleanup_free_ char *create = xasprintf("CREATE SCHEMA %s", schema);
                if (pg_admin(create) < 0) {
                        rmdir(f->dir);
                        free(f->dir);
                        free(f);
                        return NULL;
                }
        }
        _cleanup_free_ char *secret = fixture_path(f, "password");
        int fd = open(secret, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, "secret\n", 7) != 7)
                say("cannot write %s: %s", secret, strerror(errno));
        if (fd >= 0)
                close(fd);
        f->conf_path = fixture_path(f, "breachd.conf");
        f->cfg = load(f->dir, "breachd.conf", extra_config);
        if (!f->cfg)
                goto fail;
        int r = tz_open(f->cfg->timezone, &f->tz);
        if (r < 0) {
                say("time zone %s: %s", f->cfg->timezone, strerror(-r));
                goto fail;
        }
        r = store_open(f->cfg->database, &f->store);
        if (r < 0) {
                say("register %s: %s", f->cfg->database, strerror(-r));
                goto fail;
        }
        return f;
fail:
        fixture_free(f);
        return NULL;
}

const Config *fixture_config(Fixture *f, const char *extra_config)
{
        _cleanup_free_ char *name = xasprintf("breachd-%zu.conf", f->n_more + 1);
        Config *c = load(f->dir, name, extra_config);
        if (!c)
                return NULL;
        f->more = xrealloc(f->more, (f->n_more + 1) * sizeof *f->more);
        f->more[f->n_more++] = c;
        return c;
}

int fixture_reopen(Fixture *f)
{
        store_close(f->store);
        f->store = NULL;
        int r = store_open(f->cfg->database, &f->store);
        if (r < 0)
                say("register %s reopened: %s", f->cfg->database, strerror(-r));
        return r;
}

char *fixture_path(const Fixture *f, const char *name)
{
        return xasprintf("%s/%s", f->dir, name);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        if (remove(path) < 0) {
                int e = errno;
                say("cannot remove %s: %s", path, strerror(e));
                return e;
        }
        return 0;
}

int fixture_free(Fixture *f)
{
        if (!f)
                return 0;
        store_close(f->store);
        tz_free(f->tz);
        config_free(f->cfg);
        for (size_t i = 0; i < f->n_more; i++)
                config_free(f->more[i]);
        free(f->more);
        const char *pg = getenv("BREACHD_TEST_DATABASE");
        if (pg && *pg) {
                _cleanup_free_ char *schema = pg_schema(f->dir);
                _cleanup_free_ char *drop = xasprintf("DROP SCHEMA %s CASCADE", schema);
                pg_admin(drop);
        }
        int r = nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        if (r < 0) {
                r = -errno;
                say("cannot remove %s: %s", f->dir, strerror(-r));
        } else
                r = -r;  /* remove_one's errno */
        free(f->conf_path);
        free(f->dir);
        free(f);
        return r;
}
