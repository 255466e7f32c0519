/* tap.h — the smallest test harness: TAP lines, then "N passed, N failed".
 * Include once per test program; call tap_done() from main. */
#pragma once

#include <stdarg.h>
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

static int tap_done(void)
{
        printf("1..%d\n%d passed, %d failed\n", tap_n, tap_n - tap_failed, tap_failed);
        return tap_failed ? 1 : 0;
}
