/* util.c — see util.h. */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <gnutls/crypto.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void oom(void)
{
        fputs("breachd: out of memory\n", stderr);
        abort();
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                oom();
        return p;
}

void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                oom();
        return p;
}

char *xstrdup(const char *s)
{
        return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
        n = strnlen(s, n);
        char *p = xmalloc(n + 1);
        memcpy(p, s, n);
        p[n] = 0;
        return p;
}

char *xmemdup(const void *data, size_t n)
{
        char *p = xmalloc(n + 1);
        if (n)
                memcpy(p, data, n);
        p[n] = 0;
        return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
        char *p = NULL;
        if (vasprintf(&p, fmt, ap) < 0)
                oom();
        return p;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *p = xvasprintf(fmt, ap);
        va_end(ap);
        return p;
}

static void buf_grow(Buf *b, size_t extra)
{
        if (b->len + extra + 1 <= b->cap)
                return;
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + extra + 1)
                cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
}

void buf_append(Buf *b, const char *s, size_t n)
{
        buf_grow(b, n);
        if (n)
                memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = 0;
}

void buf_puts(Buf *b, const char *s)
{
        if (s)
                buf_append(b, s, strlen(s));
}

void buf_putc(Buf *b, char c)
{
        buf_append(b, &c, 1);
}

void buf_printf(Buf *b, const char *fmt, ...)
{
        va_list ap, aq;
        /* Formatted straight into the room there is; again only when it
         * did not fit. */
        buf_grow(b, 63);
        va_start(ap, fmt);
        va_copy(aq, ap);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->s[b->len] = 0;
                va_end(aq);
                return;
        }
        if ((size_t)n >= b->cap - b->len) {
                buf_grow(b, (size_t)n);
                vsnprintf(b->s + b->len, (size_t)n + 1, fmt, aq);
        }
        va_end(aq);
        b->len += (size_t)n;
}

char *buf_steal(Buf *b)
{
        char *s = b->s ? b->s : xstrdup("");
        b->s = NULL;
        b->len = b->cap = 0;
        return s;
}

void buf_free(Buf *b)
{
        if (!b)
                return;
        free(b->s);
        b->s = NULL;
        b->len = b->cap = 0;
}

void strlist_take(StrList *l, char *s)
{
        if (l->n == l->cap) {
                l->cap = l->cap ? l->cap * 2 : 8;
                l->v = xrealloc(l->v, l->cap * sizeof(char *));
        }
        l->v[l->n++] = s;
}

void strlist_add(StrList *l, const char *s)
{
        strlist_take(l, xstrdup(s));
}

bool strlist_contains(const StrList *l, const char *s)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i], s) == 0)
                        return true;
        return false;
}

bool strlist_contains_ci(const StrList *l, const char *s)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcasecmp(l->v[i], s) == 0)
                        return true;
        return false;
}

char *strlist_join(const StrList *l, const char *sep)
{
        Buf b = {0};
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        buf_puts(&b, sep);
                buf_puts(&b, l->v[i]);
        }
        return buf_steal(&b);
}

void strlist_free(StrList *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        l->v = NULL;
        l->n = l->cap = 0;
}

char *str_trim(char *s)
{
        if (!s)
                return s;
        while (*s && isspace((unsigned char)*s))
                s++;
        size_t n = strlen(s);
        while (n && isspace((unsigned char)s[n - 1]))
                s[--n] = 0;
        return s;
}

bool str_empty(const char *s)
{
        if (!s)
                return true;
        for (; *s; s++)
                if (!isspace((unsigned char)*s))
                        return false;
        return true;
}

bool str_startswith_ci(const char *s, const char *prefix)
{
        return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith_ci(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

void str_ascii_lower(char *s)
{
        for (; s && *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char)(*s - 'A' + 'a');
}

bool str_is_ascii(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s >= 0x80)
                        return false;
        return true;
}

char *str_header_safe(const char *s)
{
        char *r = xstrdup(s ? s : "");
        for (char *p = r; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
        return r;
}

char *str_to_utf8(const char *s, size_t n)
{
        if (g_utf8_validate(s, (gssize)n, NULL) && !memchr(s, 0, n))
                return xstrndup(s, n);
        /* Decode byte by byte: valid UTF-8 sequences are kept, anything else
         * is taken as windows-1252, the commonest mislabelled charset. */
        static const uint16_t cp1252[32] = {
                0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};
        Buf b = {0};
        const char *p = s, *end = s + n;
        while (p < end) {
                const gchar *bad;
                if (g_utf8_validate(p, end - p, &bad) && !memchr(p, 0, (size_t)(end - p))) {
                        buf_append(&b, p, (size_t)(end - p));
                        break;
                }
                size_t ok = (size_t)(bad - p);
                const char *nul = memchr(p, 0, ok);
                if (nul)
                        ok = (size_t)(nul - p);
                buf_append(&b, p, ok);
                p += ok;
                if (p >= end)
                        break;
                unsigned char c = (unsigned char)*p++;
                gunichar u = c == 0 ? ' ' : c < 0x80 ? c : (c < 0xa0 ? cp1252[c - 0x80] : c);
                char tmp[8];
                int k = g_unichar_to_utf8(u, tmp);
                buf_append(&b, tmp, (size_t)k);
        }
        return buf_steal(&b);
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        Buf b = {0};
        char tmp[65536];
        for (;;) {
                ssize_t k = read(fd, tmp, sizeof tmp);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        close(fd);
                        buf_free(&b);
                        return r;
                }
                if (k == 0)
                        break;
                if (b.len + (size_t)k > max) {
                        close(fd);
                        buf_free(&b);
                        return -EFBIG;
                }
                buf_append(&b, tmp, (size_t)k);
        }
        close(fd);
        if (ret_len)
                *ret_len = b.len;
        *ret = buf_steal(&b);
        return 0;
}

int run_command_line(const char *cmd, char **ret)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pfd[0]);
                close(pfd[1]);
                return r;
        }
        if (pid == 0) {
                /* The daemon blocks its signals for sd-event; the command
                 * must be stoppable like any other process. */
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                dup2(pfd[1], 1);
                int devnull = open("/dev/null", O_RDONLY);
                if (devnull >= 0)
                        dup2(devnull, 0);
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        close(pfd[1]);
        Buf b = {0};
        char tmp[4096];
        ssize_t k;
        while ((k = read(pfd[0], tmp, sizeof tmp)) != 0) {
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (b.len < 1 << 20)
                        buf_append(&b, tmp, (size_t)k);
        }
        close(pfd[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                buf_free(&b);
                return -ECHILD;
        }
        char *s = b.s ? b.s : xstrdup("");
        b.s = NULL;
        char *nl = strchr(s, '\n');
        if (nl)
                *nl = 0;
        char *t = xstrdup(str_trim(s));
        free(s);
        *ret = t;
        return 0;
}

#ifdef BREACHD_TESTING
/* Test builds only (make testing): $BREACHD_TEST_CLOCK names a file holding
 * "@EPOCH" (the clock stands at that instant) or "+SECONDS"/"-SECONDS" (the
 * real clock shifted).  The file is read at every call so a test can move
 * time while the daemon runs.  Production binaries are built without this
 * code: no configuration or environment can change their clock. */
static int64_t test_clock(int64_t real)
{
        const char *path = getenv("BREACHD_TEST_CLOCK");
        if (!path)
                return real;
        FILE *f = fopen(path, "re");
        if (!f)
                return real;
        char buf[64] = "";
        if (!fgets(buf, sizeof buf, f))
                buf[0] = 0;
        fclose(f);
        long long v = 0;
        if (buf[0] == '@' && sscanf(buf + 1, "%lld", &v) == 1)
                return v;
        if ((buf[0] == '+' || buf[0] == '-') && sscanf(buf, "%lld", &v) == 1)
                return real + v;
        return real;
}
#endif

int64_t now_utc(void)
{
        int64_t t = (int64_t)time(NULL);
#ifdef BREACHD_TESTING
        t = test_clock(t);
#endif
        return t;
}

void fmt_iso_utc(int64_t t, char out[static 32])
{
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int parse_iso_utc(const char *s, int64_t *ret)
{
        struct tm tm = {0};
        const char *e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!e || *e)
                return -EINVAL;
        *ret = (int64_t)timegm(&tm);
        return 0;
}

void sha256_hex(const void *data, size_t len, char out[static 65])
{
        unsigned char d[32];
        gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, d);
        for (int i = 0; i < 32; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
        out[64] = 0;
}

void random_token(char *out, size_t len)
{
        static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
        unsigned char r[64];
        if (len > sizeof r)
                len = sizeof r;
        if (getrandom(r, len, 0) != (ssize_t)len)
                abort();
        for (size_t i = 0; i < len; i++)
                out[i] = alpha[r[i] & 31];
        out[len] = 0;
}
