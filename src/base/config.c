/* config.c — breachd.conf: parsing, defaults, validation, secrets.
 *
 * Parsing never stops at the first problem: every error is collected with the
 * file and line libconfig recorded for the setting (or for the enclosing
 * group when a key is missing), and config_load() reports them all at once,
 * sorted by position, so an admin fixes the file in one pass. */
#include "base/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libconfig.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fields.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Reminders go out before the 72-hour deadline of UK GDPR Art. 33(1). */
#define DEFAULT_REMINDERS 24, 48, 60, 68
#define REMINDER_MAX_HOURS 71
#define MESSAGE_SIZE_MIN (1ULL << 10)
#define MESSAGE_SIZE_MAX (1ULL << 30)
#define SECRET_FILE_MAX (64 * 1024)

/* The defaults, all in one place.  Strings here are copied by
 * config_new_default(); port 0 means "the standard port of the TLS mode",
 * filled in by check_server(). */
static const Config config_defaults = {
        .mailbox = {
                .port = 0,
                .tls = TLS_IMAPS,
                .auth = AUTH_PLAIN,
                .folder = "INBOX",
                .processed_folder = "Processed",
                .quarantine_folder = "Quarantine",
                .automatic_folder = "Automatic",
                .idle = true,
        },
        .smtp = {
                .port = 0,
                .tls = TLS_STARTTLS,
                /* AUTH_NONE without smtp.user, else AUTH_PLAIN: see parse_smtp(). */
                .auth = AUTH_NONE,
        },
        .organisation = "",
        .org = "",
        .timezone = "Europe/London",
        .reference_pattern = "DB%Y%03n",
        .database = "/var/lib/breachd/breachd.db",
        .templates_dir = SYSCONFDIR "/breachd/templates",
        .poll_interval = 60,
        .batch_size = 200,
        .reminder_hours = (unsigned[]){DEFAULT_REMINDERS},
        .n_reminder_hours = ARRAY_SIZE(((unsigned[]){DEFAULT_REMINDERS})),
        .max_message_size = 25ULL << 20,
        .retention_days = 0,
        .max_auto_replies_per_day = 20,
        .dpo_calendar = true,
        .alert_after_failures = 5,
        .weekly_digest_wday = -1,
};

static const char *const tls_names[] = {
        [TLS_IMAPS] = "imaps", [TLS_STARTTLS] = "starttls", [TLS_NONE] = "none"};
/* The mailbox accepts the first three; "none" is for SMTP only. */
static const char *const auth_names[] = {
        [AUTH_PLAIN] = "password", [AUTH_XOAUTH2] = "xoauth2",
        [AUTH_OAUTHBEARER] = "oauthbearer", [AUTH_NONE] = "none"};

const char *config_default_path(void)
{
        return SYSCONFDIR "/breachd/breachd.conf";
}

const char *tls_mode_name(TlsMode m)
{
        return (unsigned)m < ARRAY_SIZE(tls_names) ? tls_names[m] : "?";
}

const char *auth_mode_name(AuthMode m)
{
        return (unsigned)m < ARRAY_SIZE(auth_names) ? auth_names[m] : "?";
}

/* ---- Ownership ----------------------------------------------------------- */

#define CONFIG_MAX_STRINGS 40

/* Every owned string of a Config, listed once so that copying the defaults
 * and freeing cannot drift apart. */
static size_t config_strings(Config *c, char **v[static CONFIG_MAX_STRINGS])
{
        size_t n = 0;
        v[n++] = &c->path;
        v[n++] = &c->mailbox.host;
        v[n++] = &c->mailbox.ca_file;
        v[n++] = &c->mailbox.user;
        v[n++] = &c->mailbox.secret.file;
        v[n++] = &c->mailbox.secret.command;
        v[n++] = &c->mailbox.folder;
        v[n++] = &c->mailbox.processed_folder;
        v[n++] = &c->mailbox.quarantine_folder;
        v[n++] = &c->mailbox.automatic_folder;
        v[n++] = &c->mailbox.internal_mark;
        v[n++] = &c->smtp.host;
        v[n++] = &c->smtp.ca_file;
        v[n++] = &c->smtp.user;
        v[n++] = &c->smtp.secret.file;
        v[n++] = &c->smtp.secret.command;
        v[n++] = &c->smtp.envelope_from;
        v[n++] = &c->smtp.from;
        v[n++] = &c->smtp.reply_to;
        v[n++] = &c->admin;
        v[n++] = &c->organisation;
        v[n++] = &c->dpo_contact.name;
        v[n++] = &c->dpo_contact.email;
        v[n++] = &c->dpo_contact.phone;
        v[n++] = &c->dpo_contact.address;
        v[n++] = &c->timezone;
        v[n++] = &c->reference_pattern;
        v[n++] = &c->database;
        v[n++] = &c->database_secret.file;
        v[n++] = &c->database_secret.command;
        v[n++] = &c->templates_dir;
        v[n++] = &c->metrics_file;
        v[n++] = &c->org;
        return n;
}

static Config *config_new_default(void)
{
        Config *c = xmalloc(sizeof *c);
        char **v[CONFIG_MAX_STRINGS];

        *c = config_defaults;
        size_t n = config_strings(c, v);
        for (size_t i = 0; i < n; i++)
                *v[i] = xstrdup(*v[i]);
        c->reminder_hours = xmalloc(c->n_reminder_hours * sizeof(unsigned));
        memcpy(c->reminder_hours, config_defaults.reminder_hours,
               c->n_reminder_hours * sizeof(unsigned));
        return c;
}

static void directorates_free(Directorate *d, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(d[i].name);
                strlist_free(&d[i].abbreviations);
        }
        free(d);
}

void config_free(Config *c)
{
        char **v[CONFIG_MAX_STRINGS];

        if (!c)
                return;
        size_t n = config_strings(c, v);
        for (size_t i = 0; i < n; i++)
                free(*v[i]);
        strlist_free(&c->dpo);
        strlist_free(&c->escalation);
        strlist_free(&c->staff_domains);
        strlist_free(&c->mailbox.trusted_authserv_ids);
        directorates_free(c->directorates, c->n_directorates);
        free(c->reminder_hours);
        for (size_t i = 0; i < c->n_extra_labels; i++) {
                free(c->extra_labels[i].key);
                strlist_free(&c->extra_labels[i].labels);
        }
        free(c->extra_labels);
        for (size_t i = 0; i < c->n_orgs; i++)
                config_free(c->orgs[i]);
        free(c->orgs);
        strlist_free(&c->org_addresses);
        free(c);
}

/* ---- Error collection ---------------------------------------------------- */

typedef struct {
        char *file;       /* NULL: not tied to a line (e.g. a missing group) */
        unsigned line;
        size_t seq;       /* keeps the order of errors on one line */
        char *text;       /* the whole "file:line: message" */
} ConfigError;

typedef struct {
        const char *path;
        ConfigError *v;
        size_t n, cap;
} Ctx;

static void ctx_add(Ctx *x, const char *file, unsigned line, const char *msg)
{
        if (x->n == x->cap) {
                x->cap = x->cap ? 2 * x->cap : 16;
                x->v = xrealloc(x->v, x->cap * sizeof *x->v);
        }
        ConfigError *e = &x->v[x->n];
        e->file = line ? xstrdup(file ? file : x->path) : NULL;
        e->line = line;
        e->seq = x->n++;
        e->text = line ? xasprintf("%s:%u: %s", e->file, line, msg)
                       : xasprintf("%s: %s", x->path, msg);
}

static int error_cmp(const void *a, const void *b)
{
        const ConfigError *p = a, *q = b;

        if (!p->file != !q->file)
                return p->file ? 1 : -1;
        int r = p->file ? strcmp(p->file, q->file) : 0;
        if (r)
                return r;
        if (p->line != q->line)
                return p->line < q->line ? -1 : 1;
        return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Sorted by file and line, one error per line; frees the collection. */
static char *ctx_steal_errors(Ctx *x)
{
        Buf b = {0};

        if (x->n)
                qsort(x->v, x->n, sizeof *x->v, error_cmp);
        for (size_t i = 0; i < x->n; i++) {
                if (i)
                        buf_putc(&b, '\n');
                buf_puts(&b, x->v[i].text);
                free(x->v[i].file);
                free(x->v[i].text);
        }
        free(x->v);
        x->v = NULL;
        x->n = x->cap = 0;
        return buf_steal(&b);
}

/* "mailbox.port", "directorates[2].name"; "" for the root. */
static void setting_path(const config_setting_t *s, Buf *b)
{
        const config_setting_t *p = config_setting_parent(s);

        if (!p)
                return;
        setting_path(p, b);
        if (config_setting_name(s)) {
                if (b->len)
                        buf_putc(b, '.');
                buf_puts(b, config_setting_name(s));
        } else
                buf_printf(b, "[%d]", config_setting_index(s));
}

static char *path_of(const config_setting_t *s)
{
        Buf b = {0};
        setting_path(s, &b);
        return buf_steal(&b);
}

/* An error at file:line (line 0: none known), its message made from fmt. */
_printf_(4, 0) static void err_vat(Ctx *x, const char *file, unsigned line, const char *fmt, va_list ap)
{
        _cleanup_free_ char *msg = NULL;

        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        ctx_add(x, file, line, msg);
}

/* An error at s's line; s may be NULL (no line known). */
_printf_(3, 4) static void err_at(Ctx *x, const config_setting_t *s, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        err_vat(x, s ? config_setting_source_file(s) : NULL, s ? config_setting_source_line(s) : 0, fmt, ap);
        va_end(ap);
}

/* An error about the value of s: "file:line: mailbox.port: <message>". */
_printf_(3, 4) static void err_key(Ctx *x, const config_setting_t *s, const char *fmt, ...)
{
        va_list ap;
        _cleanup_free_ char *msg = NULL, *path = path_of(s);

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        err_at(x, s, "%s: %s", path, msg);
}

/* A required key absent from group g: reported at the group's line. */
static void err_missing(Ctx *x, const config_setting_t *g, const char *key, const char *why)
{
        _cleanup_free_ char *path = path_of(g);
        err_at(x, g, "%s%s%s is required%s", path, *path ? "." : "", key, why ? why : "");
}

/* The setting for key in g, or g itself when the key was left out: where a
 * cross-field error should point. */
static const config_setting_t *where(const config_setting_t *g, const char *key)
{
        const config_setting_t *s = config_setting_get_member(g, key);
        return s ? s : g;
}

/* ---- Typed getters ------------------------------------------------------- */

static void check_keys(Ctx *x, const config_setting_t *g, const char *const known[])
{
        for (int i = 0; i < config_setting_length(g); i++) {
                const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
                const char *name = config_setting_name(m);
                bool ok = false;

                for (size_t k = 0; known[k] && !ok; k++)
                        ok = strcmp(known[k], name) == 0;
                if (ok)
                        continue;
                _cleanup_free_ char *gpath = path_of(g);
                if (*gpath)
                        err_at(x, m, "unknown key '%s' in %s", name, gpath);
                else
                        err_at(x, m, "unknown key '%s'", name);
        }
}

/* Every string value: not empty, UTF-8, no control characters (they would end
 * up in IMAP commands and mail headers). */
static bool string_ok(Ctx *x, const config_setting_t *s, const char *v)
{
        if (str_empty(v)) {
                err_key(x, s, "must not be empty (leave the setting out for the default)");
                return false;
        }
        if (!g_utf8_validate(v, -1, NULL)) {
                err_key(x, s, "is not valid UTF-8");
                return false;
        }
        for (const char *p = v; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        err_key(x, s, "must not contain control characters or line breaks");
                        return false;
                }
        return true;
}

static bool get_string(Ctx *x, const config_setting_t *g, const char *key, char **dst)
{
        const config_setting_t *s = config_setting_get_member(g, key);

        if (!s)
                return false;
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                err_key(x, s, "expected a string");
                return false;
        }
        const char *v = config_setting_get_string(s);
        if (!string_ok(x, s, v))
                return false;
        free(*dst);
        *dst = xstrdup(v);
        return true;
}

static bool get_integer(Ctx *x, const config_setting_t *s, long long min, long long max,
                        long long *ret)
{
        int t = config_setting_type(s);

        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
                err_key(x, s, "expected an integer");
                return false;
        }
        long long v = config_setting_get_int64(s);
        if (v < min || v > max) {
                err_key(x, s, "must be between %lld and %lld (got %lld)", min, max, v);
                return false;
        }
        *ret = v;
        return true;
}

static bool get_uint(Ctx *x, const config_setting_t *g, const char *key, unsigned min,
                     unsigned max, unsigned *dst)
{
        const config_setting_t *s = config_setting_get_member(g, key);
        long long v;

        if (!s || !get_integer(x, s, min, max, &v))
                return false;
        *dst = (unsigned)v;
        return true;
}

static void get_port(Ctx *x, const config_setting_t *g, uint16_t *dst)
{
        unsigned v;
        if (get_uint(x, g, "port", 1, 65535, &v))
                *dst = (uint16_t)v;
}

static void get_bool(Ctx *x, const config_setting_t *g, const char *key, bool *dst)
{
        const config_setting_t *s = config_setting_get_member(g, key);

        if (!s)
                return;
        if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
                err_key(x, s, "expected true or false");
                return;
        }
        *dst = config_setting_get_bool(s);
}

/* One of names[0..n); returns whether the key was given (even if wrong). */
static bool get_enum(Ctx *x, const config_setting_t *g, const char *key,
                     const char *const names[], size_t n, int *dst)
{
        const config_setting_t *s = config_setting_get_member(g, key);

        if (!s)
                return false;
        const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ?
                config_setting_get_string(s) : NULL;
        for (size_t i = 0; v && i < n; i++)
                if (strcasecmp(v, names[i]) == 0) {
                        *dst = (int)i;
                        return true;
                }
        Buf b = {0};
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "%s\"%s\"", i ? (i + 1 == n ? " or " : ", ") : "", names[i]);
        if (v)
                err_key(x, s, "expected %s (got \"%s\")", b.s, v);
        else
                err_key(x, s, "expected %s", b.s);
        buf_free(&b);
        return true;
}

/* A check for each string of a list, and how to say it failed. */
typedef struct {
        bool (*ok)(const char *s);
        const char *fails;     /* "is not an e-mail address" */
} StrCheck;

static void add_checked(Ctx *x, const config_setting_t *e, const StrCheck *check, StrList *l)
{
        const char *v = config_setting_get_string(e);

        if (!string_ok(x, e, v))
                return;
        if (check && !check->ok(v)) {
                err_key(x, e, "'%s' %s", v, check->fails);
                return;
        }
        strlist_add(l, v);
}

/* A string or a list/array of strings, each passing check; replaces *dst. */
static void get_strlist_of(Ctx *x, const config_setting_t *s, const StrCheck *check, StrList *dst)
{
        StrList l = {0};
        int t = config_setting_type(s);

        if (t == CONFIG_TYPE_STRING)
                add_checked(x, s, check, &l);
        else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) {
                for (int i = 0; i < config_setting_length(s); i++) {
                        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
                        if (config_setting_type(e) != CONFIG_TYPE_STRING)
                                err_key(x, e, "expected a string");
                        else
                                add_checked(x, e, check, &l);
                }
        } else
                err_key(x, s, "expected a string or a list of strings [ \"...\", ... ]");
        strlist_free(dst);
        *dst = l;
}

static const config_setting_t *get_strlist(Ctx *x, const config_setting_t *g, const char *key,
                                           const StrCheck *check, StrList *dst)
{
        const config_setting_t *s = config_setting_get_member(g, key);
        if (s)
                get_strlist_of(x, s, check, dst);
        return s;
}

static const config_setting_t *get_group(Ctx *x, const config_setting_t *root, const char *key,
                                         bool required)
{
        const config_setting_t *g = config_setting_get_member(root, key);

        if (!g) {
                if (required)
                        err_missing(x, root, key, " (a group { ... })");
                return NULL;
        }
        if (!config_setting_is_group(g)) {
                err_key(x, g, "expected a group { ... }");
                return NULL;
        }
        return g;
}

/* ---- Value checks -------------------------------------------------------- */


static bool domain_ok(const char *d)
{
        if (!*d || *d == '.' || *d == '-' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
                return false;
        for (const char *p = d; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
                    (unsigned char)*p < 0x80)
                        return false;
        return true;
}

/* local@domain, as much as an admin writes in a config file: a local part
 * without spaces or specials, then a domain (UTF-8 allowed for IDNs). */
static bool addr_ok(const char *s)
{
        const char *at = strrchr(s, '@');

        if (!at || at == s)
                return false;
        for (const char *p = s; p < at; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\\\"@", *p))
                        return false;
        return domain_ok(at + 1);
}

/* The address of "Name <local@domain>" or of a bare "local@domain"; NULL
 * when there is none.  Caller frees. */
static char *address_in(const char *s)
{
        const char *lt = strrchr(s, '<');
        _cleanup_free_ char *a = NULL;

        if (lt) {
                const char *gt = strchr(lt, '>');
                if (!gt || !str_empty(gt + 1))
                        return NULL;
                a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
        } else
                a = xstrdup(s);
        const char *t = str_trim(a);
        return addr_ok(t) ? xstrdup(t) : NULL;
}

/* "localhost", 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
static bool host_is_loopback(const char *host)
{
        struct in_addr a4;
        struct in6_addr a6;

        if (strcasecmp(host, "localhost") == 0)
                return true;
        if (inet_pton(AF_INET, host, &a4) == 1)
                return (ntohl(a4.s_addr) >> 24) == 127;
        if (inet_pton(AF_INET6, host, &a6) == 1)
                return IN6_IS_ADDR_LOOPBACK(&a6) ||
                       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
        return false;
}

/* Why p is not a reference pattern, or NULL when it is one: literal text,
 * %Y, %y, %% and exactly one counter %n or %0Nn (N digits, 1..9). */
static char *reference_pattern_problem(const char *p)
{
        unsigned counters = 0;

        for (; *p; p++) {
                if (*p != '%')
                        continue;
                p++;
                if (*p == 'Y' || *p == 'y' || *p == '%')
                        continue;
                if (*p == 'n' || (p[0] == '0' && p[1] >= '1' && p[1] <= '9' && p[2] == 'n')) {
                        counters++;
                        p += *p == 'n' ? 0 : 2;
                        continue;
                }
                if (!*p)
                        return xstrdup("ends with a lone '%' (write %% for a percent sign)");
                if (isdigit((unsigned char)*p))
                        return xstrdup("a counter with a width is written %0Nn, N from 1 to 9 (e.g. %03n)");
                int len = (int)(g_utf8_next_char(p) - p);
                return xasprintf("'%%%.*s' is not allowed (only %%Y, %%y, %%n, %%0Nn and %%%%)", len, p);
        }
        if (counters == 0)
                return xstrdup("needs a counter: %n, or %0Nn for N digits (e.g. DB%Y%03n)");
        if (counters > 1)
                return xstrdup("must contain only one counter (%n or %0Nn)");
        return NULL;
}

/* "25M", "512K", "1G", "1048576", optionally followed by "B" or "iB";
 * binary multiples. */
static int parse_size_string(const char *s, uint64_t *ret)
{
        uint64_t mult = 1;
        char *end;

        s += strspn(s, " \t");
        if (!isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -ERANGE;
        end += strspn(end, " \t");
        switch (toupper((unsigned char)*end)) {
        case 'K': mult = 1ULL << 10; end++; break;
        case 'M': mult = 1ULL << 20; end++; break;
        case 'G': mult = 1ULL << 30; end++; break;
        }
        if (mult > 1 && *end == 'i' && end[1] == 'B')
                end += 2;
        else if (*end == 'B')
                end++;
        if (!str_empty(end))
                return -EINVAL;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* ---- Groups -------------------------------------------------------------- */

/* The three ways to name a secret, as written; check_auth() keeps one. */
typedef struct {
        char *password_file, *password_command, *token_command;
} SecretKeys;

static void get_secret_keys(Ctx *x, const config_setting_t *g, SecretKeys *k)
{
        get_string(x, g, "password_file", &k->password_file);
        get_string(x, g, "password_command", &k->password_command);
        get_string(x, g, "token_command", &k->token_command);
}

static char *steal(char **p)
{
        char *s = *p;
        *p = NULL;
        return s;
}

static void check_server(Ctx *x, const config_setting_t *g, const char *host, TlsMode tls,
                         uint16_t *port, const uint16_t default_port[static 3])
{
        if (!host)
                err_missing(x, g, "host", NULL);
        else if (strpbrk(host, " \t/@"))
                err_key(x, where(g, "host"), "'%s' is not a host name (write only the name, "
                        "e.g. \"mail.example.org\")", host);
        else if (tls == TLS_NONE && !host_is_loopback(host))
                err_key(x, where(g, "tls"), "'none' is only allowed to a loopback address "
                        "(passwords would cross the network unencrypted)");
        if (*port == 0)
                *port = default_port[tls];
}

/* Exactly one secret, of the kind auth needs: a password file or command for
 * "password", a token command for XOAUTH2/OAUTHBEARER, none for "none". */
static void check_auth(Ctx *x, const config_setting_t *g, AuthMode auth, const char *user,
                       SecretKeys *k, SecretSource *dst)
{
        _cleanup_free_ char *gp = path_of(g);
        struct { const char *key; char **v; bool wanted; } keys[] = {
                {"password_file", &k->password_file, auth == AUTH_PLAIN},
                {"password_command", &k->password_command, auth == AUTH_PLAIN},
                {"token_command", &k->token_command, auth == AUTH_XOAUTH2 || auth == AUTH_OAUTHBEARER},
        };

        if (auth == AUTH_NONE && user)
                err_key(x, where(g, "user"), "is set but %s.auth is \"none\"", gp);
        if (auth != AUTH_NONE && !user)
                err_missing(x, g, "user", NULL);
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (*keys[i].v && !keys[i].wanted)
                        err_key(x, where(g, keys[i].key), "is not used with auth = \"%s\"%s",
                                auth_mode_name(auth),
                                auth == AUTH_PLAIN ? " (use password_file or password_command)" :
                                auth == AUTH_NONE ? "" : " (use token_command)");
        if (auth == AUTH_PLAIN && k->password_file && k->password_command)
                err_key(x, where(g, "password_command"),
                        "give either password_file or password_command, not both");
        else if (auth == AUTH_PLAIN && !k->password_file && !k->password_command)
                err_at(x, g, "%s: password_file or password_command is required with "
                       "auth = \"password\"", gp);
        else if (auth != AUTH_PLAIN && auth != AUTH_NONE && !k->token_command) {
                _cleanup_free_ char *why = xasprintf(" with auth = \"%s\" (a command that "
                                                     "prints an access token)", auth_mode_name(auth));
                err_missing(x, g, "token_command", why);
        }
        if (auth == AUTH_PLAIN) {
                dst->file = steal(&k->password_file);
                dst->command = steal(&k->password_command);
        } else if (auth != AUTH_NONE)
                dst->command = steal(&k->token_command);
        free(k->password_file);
        free(k->password_command);
        free(k->token_command);
}

static void check_folders(Ctx *x, const config_setting_t *g, const MailboxConfig *m)
{
        /* Filing into the watched folder would read every message again. */
        if (strcasecmp(m->processed_folder, m->folder) == 0)
                err_key(x, where(g, "processed_folder"), "must differ from mailbox.folder");
        if (strcasecmp(m->quarantine_folder, m->folder) == 0)
                err_key(x, where(g, "quarantine_folder"), "must differ from mailbox.folder");
        else if (strcasecmp(m->quarantine_folder, m->processed_folder) == 0)
                err_key(x, where(g, "quarantine_folder"), "must differ from mailbox.processed_folder");
        /* Automatic mail needs nobody: not in the folder people check for
         * what needs them.  Processed is allowed (filed quietly there). */
        if (strcasecmp(m->automatic_folder, m->folder) == 0)
                err_key(x, where(g, "automatic_folder"), "must differ from mailbox.folder");
        else if (strcasecmp(m->automatic_folder, m->quarantine_folder) == 0)
                err_key(x, where(g, "automatic_folder"), "must differ from mailbox.quarantine_folder");
}

static const char *const mailbox_keys[] = {
        "host", "port", "tls", "ca_file", "auth", "user", "password_file", "password_command",
        "token_command", "folder", "processed_folder", "quarantine_folder", "automatic_folder", "idle",
        "trusted_authserv_ids", "internal_mark", NULL};

/* An authserv-id as servers write it: a host name or another token of
 * RFC 2045 (no white space, no specials but '.'). */
static bool authserv_id_ok(const char *s)
{
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("()<>@,;:\\\"/[]?=", *p))
                        return false;
        return *s != 0;
}

/* "Name: value": a header field name (printable ASCII, no ':'), then a
 * value that is not empty. */
static bool internal_mark_ok(const char *s)
{
        const char *colon = strchr(s, ':');
        if (!colon || colon == s)
                return false;
        for (const char *p = s; p < colon; p++)
                if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
                        return false;
        return !str_empty(colon + 1);
}

static void parse_sender_trust(Ctx *x, const config_setting_t *g, MailboxConfig *m)
{
        static const StrCheck authserv = {authserv_id_ok, "is not an authserv-id (write the host name the "
                                                          "mail server puts first in its Authentication-Results: "
                                                          "header, e.g. \"mx.example.gov.uk\")"};

        get_strlist(x, g, "trusted_authserv_ids", &authserv, &m->trusted_authserv_ids);
        if (get_string(x, g, "internal_mark", &m->internal_mark) && !internal_mark_ok(m->internal_mark))
                err_key(x, where(g, "internal_mark"), "'%s' is not \"Header-Name: value\" (e.g. "
                        "\"X-MS-Exchange-Organization-AuthAs: Internal\")", m->internal_mark);
}

static void parse_mailbox(Ctx *x, const config_setting_t *g, MailboxConfig *m)
{
        static const uint16_t ports[] = {[TLS_IMAPS] = 993, [TLS_STARTTLS] = 143, [TLS_NONE] = 143};
        SecretKeys k = {0};
        int v;

        check_keys(x, g, mailbox_keys);
        get_string(x, g, "host", &m->host);
        get_port(x, g, &m->port);
        v = (int)m->tls;
        get_enum(x, g, "tls", tls_names, ARRAY_SIZE(tls_names), &v);
        m->tls = (TlsMode)v;
        get_string(x, g, "ca_file", &m->ca_file);
        v = (int)m->auth;
        /* Reading the mailbox always needs a login: no "none" here. */
        get_enum(x, g, "auth", auth_names, AUTH_NONE, &v);
        m->auth = (AuthMode)v;
        get_string(x, g, "user", &m->user);
        get_secret_keys(x, g, &k);
        get_string(x, g, "folder", &m->folder);
        get_string(x, g, "processed_folder", &m->processed_folder);
        get_string(x, g, "quarantine_folder", &m->quarantine_folder);
        get_string(x, g, "automatic_folder", &m->automatic_folder);
        get_bool(x, g, "idle", &m->idle);
        parse_sender_trust(x, g, m);

        check_server(x, g, m->host, m->tls, &m->port, ports);
        check_auth(x, g, m->auth, m->user, &k, &m->secret);
        check_folders(x, g, m);
}

static void check_sender(Ctx *x, const config_setting_t *g, SmtpConfig *s)
{
        _cleanup_free_ char *addr = NULL, *reply = NULL;

        if (!s->from)
                err_missing(x, g, "from", " (e.g. \"Data Breach Reporting <breach@example.org>\")");
        else if (!(addr = address_in(s->from)))
                err_key(x, where(g, "from"), "no e-mail address in '%s' (write "
                        "\"Name <local@domain>\" or \"local@domain\")", s->from);
        if (s->envelope_from && !addr_ok(s->envelope_from))
                err_key(x, where(g, "envelope_from"), "'%s' is not an e-mail address",
                        s->envelope_from);
        else if (!s->envelope_from)
                s->envelope_from = steal(&addr);
        if (s->reply_to && !(reply = address_in(s->reply_to)))
                err_key(x, where(g, "reply_to"), "no e-mail address in '%s'", s->reply_to);
}

static const char *const smtp_keys[] = {
        "host", "port", "tls", "ca_file", "auth", "user", "password_file", "password_command",
        "token_command", "envelope_from", "from", "reply_to", NULL};

static void parse_smtp(Ctx *x, const config_setting_t *g, SmtpConfig *s)
{
        static const uint16_t ports[] = {[TLS_IMAPS] = 465, [TLS_STARTTLS] = 587, [TLS_NONE] = 25};
        SecretKeys k = {0};
        int v;

        check_keys(x, g, smtp_keys);
        get_string(x, g, "host", &s->host);
        get_port(x, g, &s->port);
        v = (int)s->tls;
        get_enum(x, g, "tls", tls_names, ARRAY_SIZE(tls_names), &v);
        s->tls = (TlsMode)v;
        get_string(x, g, "ca_file", &s->ca_file);
        get_string(x, g, "user", &s->user);
        v = s->user ? AUTH_PLAIN : AUTH_NONE;
        get_enum(x, g, "auth", auth_names, ARRAY_SIZE(auth_names), &v);
        s->auth = (AuthMode)v;
        get_secret_keys(x, g, &k);
        get_string(x, g, "envelope_from", &s->envelope_from);
        get_string(x, g, "from", &s->from);
        get_string(x, g, "reply_to", &s->reply_to);

        check_server(x, g, s->host, s->tls, &s->port, ports);
        check_auth(x, g, s->auth, s->user, &k, &s->secret);
        check_sender(x, g, s);
}

/* ---- Top-level settings -------------------------------------------------- */

static void parse_size(Ctx *x, const config_setting_t *root, uint64_t *dst)
{
        const config_setting_t *s = config_setting_get_member(root, "max_message_size");
        int t = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
        uint64_t v;

        if (!s)
                return;
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
                long long i = config_setting_get_int64(s);
                v = i < 0 ? 0 : (uint64_t)i;
        } else if (t == CONFIG_TYPE_STRING) {
                if (parse_size_string(config_setting_get_string(s), &v) < 0) {
                        err_key(x, s, "'%s' is not a size (write bytes, or e.g. \"512K\", "
                                "\"25M\", \"1G\")", config_setting_get_string(s));
                        return;
                }
        } else {
                err_key(x, s, "expected a size in bytes or a string like \"25M\"");
                return;
        }
        if (v < MESSAGE_SIZE_MIN || v > MESSAGE_SIZE_MAX) {
                err_key(x, s, "must be between 1K and 1G");
                return;
        }
        *dst = v;
}

/* weekly_digest: "off", or a day and a time, "Mon 08:00" (the day's
 * English name or its first three letters, any case; 24-hour time). */
static void parse_weekly_digest(Ctx *x, const config_setting_t *root, Config *c)
{
        static const char *const days[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                                           "saturday"};
        _cleanup_free_ char *v = NULL;
        if (!get_string(x, root, "weekly_digest", &v))
                return;
        if (!strcasecmp(v, "off")) {
                c->weekly_digest_wday = -1;
                return;
        }
        char day[16] = "";
        unsigned h = 99, m = 99;
        char end = 0;
        int wday = -1;
        if (sscanf(v, "%15s %u:%u%c", day, &h, &m, &end) == 3 && h < 24 && m < 60)
                for (int i = 0; i < 7 && wday < 0; i++)
                        if (!strcasecmp(day, days[i]) || (strlen(day) == 3 && !strncasecmp(day, days[i], 3)))
                                wday = i;
        if (wday < 0) {
                err_key(x, where(root, "weekly_digest"), "'%s' is not a day and a time (write e.g. \"Mon 08:00\", "
                        "or \"off\")", v);
                return;
        }
        c->weekly_digest_wday = wday;
        c->weekly_digest_minute = h * 60 + m;
}

/* database: a file for SQLite, or a postgresql:// (postgres://) URI, whose
 * password is given by database_password_file or _command as a mailbox's
 * is, never in the URI. */
static void parse_database(Ctx *x, const config_setting_t *root, Config *c)
{
        get_string(x, root, "database", &c->database);
        get_string(x, root, "database_password_file", &c->database_secret.file);
        get_string(x, root, "database_password_command", &c->database_secret.command);
        const char *d = c->database;
        bool pg = d && (!strncmp(d, "postgresql://", 13) || !strncmp(d, "postgres://", 11));
        if (c->database_secret.file && c->database_secret.command)
                err_key(x, where(root, "database_password_command"),
                        "give either database_password_file or database_password_command, not both");
        if (!pg && (c->database_secret.file || c->database_secret.command))
                err_key(x, where(root, c->database_secret.file ? "database_password_file" : "database_password_command"),
                        "a database password is only for a PostgreSQL register (database = \"postgresql://...\")");
        if (pg) {
                const char *auth = strchr(d, '/') + 2;
                size_t n = strcspn(auth, "@/?");
                if (auth[n] == '@' && memchr(auth, ':', n))
                        err_key(x, where(root, "database"), "the database URI holds a password: give it by "
                                "database_password_file or database_password_command instead");
        }
}

static void parse_scalars(Ctx *x, const config_setting_t *root, Config *c)
{
        get_string(x, root, "organisation", &c->organisation);
        if (get_string(x, root, "admin", &c->admin) && !addr_ok(c->admin))
                err_key(x, where(root, "admin"), "'%s' is not an e-mail address", c->admin);
        get_string(x, root, "timezone", &c->timezone);
        get_string(x, root, "reference_pattern", &c->reference_pattern);
        parse_database(x, root, c);
        get_string(x, root, "templates_dir", &c->templates_dir);
        if (get_string(x, root, "metrics_file", &c->metrics_file) && c->metrics_file[0] != '/')
                err_key(x, where(root, "metrics_file"), "'%s' is not an absolute path (write e.g. "
                        "\"/var/lib/prometheus/node-exporter/breachd.prom\")", c->metrics_file);
        get_uint(x, root, "poll_interval", 5, 86400, &c->poll_interval);
        get_uint(x, root, "batch_size", 1, 5000, &c->batch_size);
        get_uint(x, root, "retention_days", 0, 36500, &c->retention_days);
        get_uint(x, root, "max_auto_replies_per_day", 0, 10000, &c->max_auto_replies_per_day);
        get_uint(x, root, "alert_after_failures", 1, 1000, &c->alert_after_failures);
        get_bool(x, root, "subject_summary", &c->subject_summary);
        get_bool(x, root, "dpo_calendar", &c->dpo_calendar);
        parse_weekly_digest(x, root, c);
        parse_size(x, root, &c->max_message_size);
}

static void parse_recipients(Ctx *x, const config_setting_t *root, Config *c)
{
        static const StrCheck address = {addr_ok, "is not an e-mail address"};
        static const StrCheck domain = {domain_ok, "is not a domain name "
                                        "(write e.g. \"example.gov.uk\", without '@')"};

        const config_setting_t *s = get_strlist(x, root, "dpo", &address, &c->dpo);
        if (!s)
                err_missing(x, root, "dpo", " (dpo = [ \"dpo@example.org\" ];)");
        else if (config_setting_is_aggregate(s) && config_setting_length(s) == 0)
                err_key(x, s, "at least one address is required");
        get_strlist(x, root, "escalation", &address, &c->escalation);
        get_strlist(x, root, "staff_domains", &domain, &c->staff_domains);
}

/* A telephone number as people write one: "01632 960000", "+44 (0)1632
 * 960 000 ext. 12"; at least 6 digits, and no '@' (an address put in the
 * wrong key). */
static bool phone_ok(const char *s)
{
        size_t digits = 0;
        for (const char *p = s; *p; p++) {
                if (*p == '@')
                        return false;
                digits += isdigit((unsigned char)*p) != 0;
        }
        return digits >= 6;
}

/* dpo_contact = { name = "..."; email = "..."; phone = "..."; address = "..."; }; */
static void parse_dpo_contact(Ctx *x, const config_setting_t *root, Config *c)
{
        static const char *const keys[] = {"name", "email", "phone", "address", NULL};
        const config_setting_t *g = get_group(x, root, "dpo_contact", false);
        if (!g)
                return;
        check_keys(x, g, keys);
        get_string(x, g, "name", &c->dpo_contact.name);
        if (get_string(x, g, "email", &c->dpo_contact.email) && !addr_ok(c->dpo_contact.email))
                err_key(x, where(g, "email"), "'%s' is not an e-mail address", c->dpo_contact.email);
        if (get_string(x, g, "phone", &c->dpo_contact.phone) && !phone_ok(c->dpo_contact.phone))
                err_key(x, where(g, "phone"), "'%s' is not a telephone number (write e.g. \"01632 960000\")",
                        c->dpo_contact.phone);
        get_string(x, g, "address", &c->dpo_contact.address);
        if (config_setting_length(g) == 0)
                err_key(x, g, "is empty: give at least one of name, email, phone and address, or leave it out");
}

/* The first of d[0..n) whose name or abbreviation is word, or NULL. */
static const Directorate *directorate_using(const Directorate *d, size_t n, const char *word)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(d[i].name, word) == 0 ||
                    strlist_contains_ci(&d[i].abbreviations, word))
                        return &d[i];
        return NULL;
}

static const char *const directorate_keys[] = {"name", "abbreviations", NULL};

/* A name, or { name = "..."; abbreviations = [ ... ]; }.  False if unusable. */
static bool parse_directorate(Ctx *x, const config_setting_t *e, Directorate *d)
{
        int t = config_setting_type(e);

        if (t == CONFIG_TYPE_STRING) {
                if (!string_ok(x, e, config_setting_get_string(e)))
                        return false;
                d->name = xstrdup(config_setting_get_string(e));
                return true;
        }
        if (t != CONFIG_TYPE_GROUP) {
                err_key(x, e, "expected a name or a group { name = \"...\"; "
                        "abbreviations = [ ... ]; }");
                return false;
        }
        check_keys(x, e, directorate_keys);
        get_strlist(x, e, "abbreviations", NULL, &d->abbreviations);
        if (!get_string(x, e, "name", &d->name)) {
                if (!config_setting_get_member(e, "name"))
                        err_missing(x, e, "name", NULL);
                strlist_free(&d->abbreviations);
                return false;
        }
        return true;
}

/* Names and abbreviations must be unique: the form's directorate field is
 * matched against all of them. */
static bool directorate_unique(Ctx *x, const config_setting_t *e, const Directorate *prev,
                               size_t n, const Directorate *d)
{
        const Directorate *o = directorate_using(prev, n, d->name);
        bool ok = true;

        if (o) {
                err_key(x, e, "'%s' is already used by directorate '%s'", d->name, o->name);
                ok = false;
        }
        for (size_t i = 0; i < d->abbreviations.n; i++) {
                o = directorate_using(prev, n, d->abbreviations.v[i]);
                if (o) {
                        err_key(x, e, "abbreviation '%s' is already used by directorate '%s'",
                                d->abbreviations.v[i], o->name);
                        ok = false;
                }
        }
        return ok;
}

static void parse_directorates(Ctx *x, const config_setting_t *root, Config *c)
{
        const config_setting_t *s = config_setting_get_member(root, "directorates");

        if (!s)
                return;
        if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
                err_key(x, s, "expected a list ( \"Name\", { name = \"...\"; "
                        "abbreviations = [ ... ]; }, ... )");
                return;
        }
        int n = config_setting_length(s);
        Directorate *v = xcalloc((size_t)n, sizeof *v);
        size_t k = 0;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
                Directorate d = {0};
                if (!parse_directorate(x, e, &d))
                        continue;
                if (!directorate_unique(x, e, v, k, &d)) {
                        free(d.name);
                        strlist_free(&d.abbreviations);
                        continue;
                }
                v[k++] = d;
        }
        directorates_free(c->directorates, c->n_directorates);
        c->directorates = v;
        c->n_directorates = k;
}

static void parse_reminders(Ctx *x, const config_setting_t *root, Config *c)
{
        const config_setting_t *s = config_setting_get_member(root, "reminders");
        bool single;

        if (!s)
                return;
        single = config_setting_type(s) == CONFIG_TYPE_INT;
        if (!single && !config_setting_is_array(s) && !config_setting_is_list(s)) {
                err_key(x, s, "expected a list of hours [ 24, 48, ... ]");
                return;
        }
        size_t n = single ? 1 : (size_t)config_setting_length(s), k = 0;
        unsigned *v = xcalloc(n, sizeof *v);
        bool ok = true;
        for (size_t i = 0; i < n; i++) {
                const config_setting_t *e = single ? s : config_setting_get_elem(s, (unsigned)i);
                long long h;
                if (!get_integer(x, e, 1, REMINDER_MAX_HOURS, &h)) {
                        ok = false;
                        continue;
                }
                if (k > 0 && h <= v[k - 1]) {
                        err_key(x, e, "%lld is not after the reminder before it (%u); reminders "
                                "must be strictly increasing", h, v[k - 1]);
                        ok = false;
                }
                v[k++] = (unsigned)h;
        }
        if (!ok) {
                free(v);
                return;
        }
        free(c->reminder_hours);
        c->reminder_hours = v;
        c->n_reminder_hours = k;
}

static void parse_labels(Ctx *x, const config_setting_t *root, Config *c)
{
        const config_setting_t *g = get_group(x, root, "labels", false);

        if (!g)
                return;
        int n = config_setting_length(g);
        for (size_t i = 0; i < c->n_extra_labels; i++) {
                free(c->extra_labels[i].key);
                strlist_free(&c->extra_labels[i].labels);
        }
        free(c->extra_labels);
        c->n_extra_labels = 0;
        c->extra_labels = xcalloc((size_t)n, sizeof *c->extra_labels);
        for (int i = 0; i < n; i++) {
                const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
                const char *key = config_setting_name(m);
                /* not_KEY: wordings that ask a yes/no question the other
                 * way round ("not_ongoing": "Has it been contained?") */
                bool negated = str_startswith(key, "not_");
                const FieldDef *f = form_field_by_key(negated ? key + 4 : key);
                if (!f) {
                        err_at(x, m, "unknown form field '%s' in labels", key);
                        continue;
                }
                if (negated && f->type != FT_YESNO) {
                        err_at(x, m, "'%s' in labels: only a yes/no question can be asked the other way round "
                               "('%s' is not one)", key, f->key);
                        continue;
                }
                size_t j = c->n_extra_labels++;
                c->extra_labels[j].key = xstrdup(key);
                get_strlist_of(x, m, NULL, &c->extra_labels[j].labels);
        }
}

static void check_timezone(Ctx *x, const config_setting_t *root, const char *tz)
{
        GTimeZone *z = g_time_zone_new_identifier(tz);

        if (!z)
                err_key(x, where(root, "timezone"), "unknown time zone '%s' (write e.g. "
                        "\"Europe/London\")", tz);
        else
                g_time_zone_unref(z);
}

static const char *const top_keys[] = {
        "organisation", "mailbox", "smtp", "dpo", "escalation", "admin", "timezone",
        "reference_pattern", "directorates", "staff_domains", "database", "database_password_file",
        "database_password_command", "templates_dir",
        "poll_interval", "batch_size", "reminders", "max_message_size", "retention_days",
        "max_auto_replies_per_day", "alert_after_failures", "subject_summary", "dpo_calendar", "labels", "dpo_contact",
        "metrics_file", "weekly_digest", "organisations", NULL};

static void parse_root(Ctx *x, const config_setting_t *root, Config *c)
{
        const config_setting_t *g;

        check_keys(x, root, top_keys);
        parse_scalars(x, root, c);
        /* With organisations, each may have a mailbox of its own: the main
         * file's (shared) mailbox is then optional. */
        bool shared = config_setting_get_member(root, "organisations") != NULL;
        if ((g = get_group(x, root, "mailbox", !shared)))
                parse_mailbox(x, g, &c->mailbox);
        if ((g = get_group(x, root, "smtp", true)))
                parse_smtp(x, g, &c->smtp);
        parse_recipients(x, root, c);
        parse_dpo_contact(x, root, c);
        parse_directorates(x, root, c);
        parse_reminders(x, root, c);
        parse_labels(x, root, c);

        check_timezone(x, root, c->timezone);
        _cleanup_free_ char *why = reference_pattern_problem(c->reference_pattern);
        if (why)
                err_key(x, where(root, "reference_pattern"), "%s", why);
}

/* ---- Organisations (a shared service) -------------------------------------
 *
 * organisations = "DIR";  in the main file: each DIR/\*.conf is one
 * organisation.  Its Config is the main file's settings with the
 * organisation's file laid over them: the main file is parsed again into a
 * fresh Config (its errors were reported once already), then the
 * organisation's own keys.  An organisation may not change what belongs to
 * the service (the register, the poll timer, the SMTP server, limits). */

#define ORG_MAX 10000

static const char *const org_keys[] = {
        "key", "organisation", "addresses", "mailbox", "smtp", "dpo", "escalation", "admin", "dpo_contact",
        "timezone", "reference_pattern", "directorates", "staff_domains", "templates_dir", "reminders",
        "max_auto_replies_per_day", "subject_summary", "dpo_calendar", "labels", "weekly_digest", NULL};

static const char *const org_smtp_keys[] = {"from", "reply_to", NULL};

/* A register key: 1-32 of a-z, 0-9 and '-', starting with a letter or a
 * digit (it is part of every reference's key and of `--org`). */
static bool org_key_ok(const char *k)
{
        size_t n = strlen(k);
        if (n == 0 || n > 32 || k[0] == '-')
                return false;
        for (const char *p = k; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return false;
        return true;
}

/* The mailbox of c back to the defaults, for an organisation's own. */
static void mailbox_reset(MailboxConfig *m)
{
        char **own[] = {&m->host, &m->ca_file, &m->user, &m->secret.file, &m->secret.command, &m->folder,
                        &m->processed_folder, &m->quarantine_folder, &m->automatic_folder, &m->internal_mark};
        for (size_t i = 0; i < ARRAY_SIZE(own); i++)
                free(*own[i]);
        strlist_free(&m->trusted_authserv_ids);
        *m = config_defaults.mailbox;
        m->folder = xstrdup(m->folder);
        m->processed_folder = xstrdup(m->processed_folder);
        m->quarantine_folder = xstrdup(m->quarantine_folder);
        m->automatic_folder = xstrdup(m->automatic_folder);
}

static void parse_org_root(Ctx *x, const config_setting_t *root, Config *c)
{
        static const StrCheck address = {addr_ok, "is not an e-mail address"};
        const config_setting_t *g;

        check_keys(x, root, org_keys);
        get_string(x, root, "organisation", &c->organisation);
        if (get_string(x, root, "key", &c->org) && !org_key_ok(c->org))
                err_key(x, where(root, "key"), "'%s' is not a key: 1 to 32 of a-z, 0-9 and '-' (it names the "
                        "organisation in the register and in `breachctl --org`)", c->org);
        if (get_string(x, root, "admin", &c->admin) && !addr_ok(c->admin))
                err_key(x, where(root, "admin"), "'%s' is not an e-mail address", c->admin);
        get_string(x, root, "timezone", &c->timezone);
        get_string(x, root, "reference_pattern", &c->reference_pattern);
        get_string(x, root, "templates_dir", &c->templates_dir);
        get_uint(x, root, "max_auto_replies_per_day", 0, 10000, &c->max_auto_replies_per_day);
        get_bool(x, root, "subject_summary", &c->subject_summary);
        get_bool(x, root, "dpo_calendar", &c->dpo_calendar);
        parse_weekly_digest(x, root, c);
        get_strlist(x, root, "addresses", &address, &c->org_addresses);
        if ((g = get_group(x, root, "mailbox", false))) {
                mailbox_reset(&c->mailbox);
                parse_mailbox(x, g, &c->mailbox);
                c->own_mailbox = true;
        }
        /* Its mail goes out under its own name, never the service's nor
         * another's: without a from of its own, its name at its first
         * address (else at the service's); the service's reply_to is not
         * its own either. */
        bool own_from = false, own_reply = false;
        g = get_group(x, root, "smtp", false);
        if (g)
                check_keys(x, g, org_smtp_keys);
        own_from = g && config_setting_get_member(g, "from");
        own_reply = g && config_setting_get_member(g, "reply_to");
        if (!own_reply) {
                free(c->smtp.reply_to);
                c->smtp.reply_to = NULL;
        }
        if (!own_from && c->smtp.from) {
                _cleanup_free_ char *service = address_in(c->smtp.from);
                const char *addr = c->org_addresses.n ? c->org_addresses.v[0] : service;
                if (addr && c->organisation) {
                        Buf name = {0};
                        for (const char *p = c->organisation; *p; p++)
                                buf_printf(&name, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
                        char *from = xasprintf("\"%s\" <%s>", name.s ? name.s : "", addr);
                        buf_free(&name);
                        free(c->smtp.from);
                        c->smtp.from = from;
                        free(c->smtp.envelope_from);
                        c->smtp.envelope_from = NULL;
                }
        }
        if (g || !own_from) {
                if (g && get_string(x, g, "from", &c->smtp.from)) {
                        free(c->smtp.envelope_from);
                        c->smtp.envelope_from = NULL;
                }
                if (g)
                        get_string(x, g, "reply_to", &c->smtp.reply_to);
                check_sender(x, g ? g : root, &c->smtp);
        }
        if (config_setting_get_member(root, "dpo") || config_setting_get_member(root, "escalation") ||
            config_setting_get_member(root, "staff_domains")) {
                /* parse_recipients() insists on dpo: only when this file gives it. */
                if (config_setting_get_member(root, "dpo"))
                        parse_recipients(x, root, c);
                else {
                        get_strlist(x, root, "escalation", &address, &c->escalation);
                        static const StrCheck domain = {domain_ok, "is not a domain name "
                                                        "(write e.g. \"example.gov.uk\", without '@')"};
                        get_strlist(x, root, "staff_domains", &domain, &c->staff_domains);
                }
        }
        if (config_setting_get_member(root, "dpo_contact")) {
                free(c->dpo_contact.name), free(c->dpo_contact.email);
                free(c->dpo_contact.phone), free(c->dpo_contact.address);
                c->dpo_contact.name = c->dpo_contact.email = c->dpo_contact.phone = c->dpo_contact.address = NULL;
                parse_dpo_contact(x, root, c);
        }
        parse_directorates(x, root, c);
        parse_reminders(x, root, c);
        parse_labels(x, root, c);
        check_timezone(x, root, c->timezone);
        _cleanup_free_ char *why = reference_pattern_problem(c->reference_pattern);
        if (why && config_setting_get_member(root, "reference_pattern"))
                err_key(x, where(root, "reference_pattern"), "%s", why);
}

static int org_file_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of dir, sorted; -errno when dir cannot be read. */
static int org_files(const char *dir, StrList *ret)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        struct dirent *e;
        while ((e = readdir(d))) {
                size_t n = strlen(e->d_name);
                if (e->d_name[0] == '.' || n <= 5 || strcmp(e->d_name + n - 5, ".conf") != 0)
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, e->d_name);
                strlist_add(ret, p);
        }
        closedir(d);
        if (ret->n > 1)
                qsort(ret->v, ret->n, sizeof *ret->v, org_file_cmp);
        return 0;
}

/* An error about an organisation's file as a whole: "file:1: message". */
_printf_(3, 4) static void err_file(Ctx *x, const char *file, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        err_vat(x, file, 1, fmt, ap);
        va_end(ap);
}

/* The organisation that already uses address a (routing must be one way). */
static const Config *org_with_address(Config *const *orgs, size_t n, const char *a)
{
        for (size_t i = 0; i < n; i++)
                if (strlist_contains_ci(&orgs[i]->org_addresses, a))
                        return orgs[i];
        return NULL;
}

/* Whether a and b are one folder of one account on one server. */
static bool same_mailbox(const MailboxConfig *a, const MailboxConfig *b)
{
        return a->host && b->host && strcasecmp(a->host, b->host) == 0 && a->port == b->port && a->user &&
               b->user && strcasecmp(a->user, b->user) == 0 && strcmp(a->folder, b->folder) == 0;
}

/* One organisation's file: the main root laid under it. */
static Config *parse_org(Ctx *x, const config_setting_t *main_root, const char *main_path, const char *file)
{
        config_t lc;
        Config *c = NULL;

        config_init(&lc);
        if (!config_read_file(&lc, file)) {
                if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
                        err_file(x, file, "cannot read: %s", strerror(errno));
                } else
                        ctx_add(x, config_error_file(&lc) ? config_error_file(&lc) : file,
                                (unsigned)(config_error_line(&lc) > 0 ? config_error_line(&lc) : 1),
                                config_error_text(&lc));
                config_destroy(&lc);
                return NULL;
        }
        /* The main file again, its errors already told. */
        Ctx quiet = {.path = main_path};
        c = config_new_default();
        parse_root(&quiet, main_root, c);
        free(ctx_steal_errors(&quiet));
        free(c->path);
        c->path = xstrdup(file);
        /* The key defaults to the file's name without ".conf". */
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        free(c->org);
        c->org = xstrndup(base, strlen(base) - 5);
        const config_setting_t *root = config_root_setting(&lc);
        parse_org_root(x, root, c);
        if (!config_setting_get_member(root, "key") && !org_key_ok(c->org))
                err_file(x, file, "the file name '%s' is not a key (1 to 32 of a-z, 0-9 and '-'): rename it, "
                         "or give key = \"...\";", base);
        if (!c->own_mailbox && !config_setting_get_member(main_root, "mailbox"))
                err_file(x, file, "no mailbox: give this organisation a mailbox { ... } of its own, or the "
                         "main file a shared one");
        else if (!c->own_mailbox && c->org_addresses.n == 0 && !config_setting_get_member(root, "staff_domains"))
                err_file(x, file, "its mail arrives in the shared mailbox, but nothing routes it here: give "
                         "addresses = [ ... ] (the addresses staff write to) or staff_domains");
        config_destroy(&lc);
        return c;
}

/* organisations = "DIR": every organisation's Config into c->orgs. */
static void parse_orgs(Ctx *x, const config_setting_t *root, const char *path, Config *c)
{
        _cleanup_free_ char *dir = NULL;
        const config_setting_t *s = config_setting_get_member(root, "organisations");
        if (!s || !get_string(x, root, "organisations", &dir))
                return;
        if (dir[0] != '/') {
                /* Relative to the main file's folder. */
                const char *slash = strrchr(path, '/');
                char *abs = slash ? xasprintf("%.*s/%s", (int)(slash - path), path, dir) : xstrdup(dir);
                free(dir);
                dir = abs;
        }
        _cleanup_(strlist_free) StrList files = {0};
        int r = org_files(dir, &files);
        if (r < 0) {
                err_key(x, s, "cannot read the folder '%s': %s", dir, strerror(-r));
                return;
        }
        if (files.n == 0) {
                err_key(x, s, "the folder '%s' has no organisation in it (one NAME.conf per organisation)", dir);
                return;
        }
        if (files.n > ORG_MAX) {
                err_key(x, s, "the folder '%s' has %zu organisations; at most %d are served", dir, files.n, ORG_MAX);
                return;
        }
        c->orgs = xcalloc(files.n, sizeof *c->orgs);
        for (size_t i = 0; i < files.n; i++) {
                Config *o = parse_org(x, root, path, files.v[i]);
                if (!o)
                        continue;
                for (size_t j = 0; j < c->n_orgs; j++)
                        if (strcmp(c->orgs[j]->org, o->org) == 0)
                                err_file(x, files.v[i], "the key '%s' is already that of %s", o->org,
                                         c->orgs[j]->path);
                for (size_t k = 0; k < o->org_addresses.n; k++) {
                        const Config *other = org_with_address(c->orgs, c->n_orgs, o->org_addresses.v[k]);
                        if (other)
                                err_file(x, files.v[i], "the address '%s' already routes to '%s' (%s)",
                                         o->org_addresses.v[k], other->org, other->path);
                }
                if (o->own_mailbox) {
                        /* One mailbox watched twice would file each report
                         * twice, once under each key. */
                        const char *twice = c->mailbox.host && same_mailbox(&o->mailbox, &c->mailbox)
                                                    ? "the main file's shared mailbox" : NULL;
                        for (size_t j = 0; !twice && j < c->n_orgs; j++)
                                if (c->orgs[j]->own_mailbox && same_mailbox(&o->mailbox, &c->orgs[j]->mailbox))
                                        twice = c->orgs[j]->path;
                        if (twice)
                                err_file(x, files.v[i], "its mailbox (%s on %s) is already watched for %s: each "
                                         "mailbox belongs to one organisation, or is the shared one",
                                         o->mailbox.folder, o->mailbox.host, twice);
                }
                c->orgs[c->n_orgs++] = o;
        }
}

/* Reads text (NULL: the file at path) with libconfig and parses the
 * settings into a fresh Config; errors name path. */
static int config_load_from(const char *path, const char *text, Config **ret, char **ret_errors)
{
        config_t lc;
        Ctx x = {.path = path};
        Config *c = NULL;
        int r = -EINVAL;

        config_init(&lc);
        if (!(text ? config_read_string(&lc, text) : config_read_file(&lc, path))) {
                if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
                        r = errno > 0 ? -errno : -EIO;
                        _cleanup_free_ char *msg = xasprintf("cannot read: %s", strerror(-r));
                        ctx_add(&x, NULL, 0, msg);
                } else
                        ctx_add(&x, config_error_file(&lc),
                                (unsigned)(config_error_line(&lc) > 0 ? config_error_line(&lc) : 0),
                                config_error_text(&lc));
                goto finish;
        }
        c = config_new_default();
        c->path = xstrdup(path);
        parse_root(&x, config_root_setting(&lc), c);
        parse_orgs(&x, config_root_setting(&lc), path, c);
finish:
        config_destroy(&lc);
        if (x.n > 0) {
                char *errors = ctx_steal_errors(&x);
                if (ret_errors)
                        *ret_errors = errors;
                else
                        free(errors);
                config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int config_load(const char *path, Config **ret, char **ret_errors)
{
        return config_load_from(path, NULL, ret, ret_errors);
}

int config_parse(const char *text, const char *path, Config **ret, char **ret_errors)
{
        return config_load_from(path, text ? text : "", ret, ret_errors);
}

/* ---- Secrets ------------------------------------------------------------- */

_printf_(2, 3) static void set_why(char **ret_why, const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;

        if (!ret_why)
                return;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                abort();
        va_end(ap);
        *ret_why = s;
}

/* The first line of the open file fd, trimmed; NULL when empty. */
static int read_first_line(int fd, char **ret)
{
        Buf b = {0};
        char tmp[4096];
        ssize_t k;
        int r = 0;

        while ((k = read(fd, tmp, sizeof tmp)) != 0) {
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 || b.len + (size_t)k > SECRET_FILE_MAX) {
                        r = k < 0 ? -errno : -EFBIG;
                        break;
                }
                buf_append(&b, tmp, (size_t)k);
        }
        explicit_bzero(tmp, sizeof tmp);
        if (r == 0) {
                char *line = b.s ? b.s : "";
                line[strcspn(line, "\r\n")] = 0;
                line = str_trim(line);
                *ret = *line ? xstrdup(line) : NULL;
        }
        if (b.s)
                explicit_bzero(b.s, b.cap);
        buf_free(&b);
        return r;
}

static int read_secret_file(const char *path, char **ret, char **ret_why)
{
        struct stat st;
        char *secret = NULL;
        int r, fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0) {
                r = -errno;
                set_why(ret_why, "cannot open password file %s: %s", path, strerror(errno));
                return r;
        }
        /* fstat() on the open file: the mode checked is that of what is read. */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = -EINVAL;
                set_why(ret_why, "password file %s is not a regular file", path);
        } else if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
                bool readable = st.st_mode & (S_IRGRP | S_IROTH);
                bool others = st.st_mode & (readable ? S_IROTH : S_IWOTH);
                r = -EPERM;
                set_why(ret_why, "password file %s is %s by %s (mode %04o); chmod 600 it", path,
                        readable ? "readable" : "writable", others ? "others" : "group",
                        (unsigned)(st.st_mode & 07777));
        } else if ((r = read_first_line(fd, &secret)) < 0)
                set_why(ret_why, "cannot read password file %s: %s", path, strerror(-r));
        else if (!secret) {
                r = -ENODATA;
                set_why(ret_why, "password file %s is empty", path);
        } else
                *ret = secret;
        close(fd);
        return r;
}

static int read_secret_command(const char *cmd, char **ret, char **ret_why)
{
        char *out = NULL;
        int r = run_command_line(cmd, &out);

        if (r == -ECHILD) {
                set_why(ret_why, "command '%s' failed (it exited with an error status or was "
                        "killed; its messages are in the log)", cmd);
                return r;
        }
        if (r < 0) {
                set_why(ret_why, "cannot run command '%s': %s", cmd, strerror(-r));
                return r;
        }
        if (!*out) {
                free(out);
                set_why(ret_why, "command '%s' printed nothing", cmd);
                return -ENODATA;
        }
        *ret = out;
        return 0;
}

int config_read_secret(const SecretSource *s, char **ret, char **ret_why)
{
        if (s->file)
                return read_secret_file(s->file, ret, ret_why);
        if (s->command)
                return read_secret_command(s->command, ret, ret_why);
        set_why(ret_why, "no password file or command is configured");
        return -ENOENT;
}

/* ---- Queries ------------------------------------------------------------- */

bool config_is_staff_address(const Config *c, const char *addr)
{
        if (c->staff_domains.n == 0)
                return true;
        const char *at = addr ? strrchr(addr, '@') : NULL;
        if (!at || !at[1])
                return false;
        const char *dom = at + 1;
        size_t dl = strlen(dom);
        if (dom[dl - 1] == '.')
                dl--;
        for (size_t i = 0; i < c->staff_domains.n; i++) {
                const char *d = c->staff_domains.v[i];
                size_t n = strlen(d);
                /* The domain itself or a subdomain: "a.example.gov.uk" is in
                 * "example.gov.uk", "badexample.gov.uk" is not. */
                if (dl == n && strncasecmp(dom, d, n) == 0)
                        return true;
                if (dl > n && dom[dl - n - 1] == '.' && strncasecmp(dom + dl - n, d, n) == 0)
                        return true;
        }
        return false;
}

bool config_is_dpo_address(const Config *c, const char *addr)
{
        return addr && strlist_contains_ci(&c->dpo, addr);
}

bool config_checks_senders(const Config *c)
{
        return c->mailbox.trusted_authserv_ids.n > 0 || c->mailbox.internal_mark;
}
