/* tap.h — the smallest test harness: TAP lines, then "N passed, N failed".
 * Include once per test program; call tap_done() from main. */
#pragma once

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static void tap_ok(int cond, const char *fmt, ...)
{
        va_list ap;
        tap_n++;
        if (!cond)
                tap_failed++;
        printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

#define TAP_STR_EQ(got, want, ...)                                                  \
        do {                                                                        \
                const char *g_ = (got), *w_ = (want);                               \
                int eq_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && !strcmp(g_, w_)); \
                tap_ok(eq_, __VA_ARGS__);                                           \
                if (!eq_)                                                           \
                        printf("#   got:  %s%s%s\n#   want: %s%s%s\n", g_ ? "\"" : "", \
                               g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "",     \
                               w_ ? w_ : "NULL", w_ ? "\"" : "");                     \
        } while (0)

#define TAP_INT_EQ(got, want, ...)                                                  \
        do {                                                                        \
                long long g_ = (long long)(got), w_ = (long long)(want);            \
                tap_ok(g_ == w_, __VA_ARGS__);                                      \
                if (g_ != w_)                                                       \
                        printf("#   got:  %lld\n#   want: %lld\n", g_, w_);         \
        } while (0)

/* The path of rel under the source tree: $BREACHD_SRCDIR (tests/run.sh sets
 * it), else two levels above the test program (build/tests/NAME).  Returns
 * a static buffer. */
#include <unistd.h>
__attribute__((unused)) static const char *tap_srcpath(const char *rel)
{
        static char buf[4096];
        const char *src = getenv("BREACHD_SRCDIR");
        if (src) {
                snprintf(buf, sizeof buf, "%s/%s", src, rel);
                return buf;
        }
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        char *slash = strrchr(exe, '/');
        snprintf(buf, sizeof buf, "%.*s/../../%s", slash ? (int)(slash - exe) : 1, slash ? exe : ".", rel);
        return buf;
}

static int tap_done(void)
{
        printf("1..%d\n%d passed, %d failed\n", tap_n, tap_n - tap_failed, tap_failed);
        return tap_failed ? 1 : 0;
}
