/* util.h — allocation, strings, cleanup helpers shared by every module.
 *
 * Out-of-memory policy: the x*() allocators abort the process; systemd's
 * Restart=on-failure brings the daemon back.  Nothing else in the tree checks
 * for NULL from these.  All free functions accept NULL. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);          /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);        /* at most n bytes, stops at a NUL */
char *xmemdup(const void *data, size_t n);      /* exactly n bytes, plus a NUL */
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);
/* The out-of-memory policy for allocations made by libraries (libetpan
 * returns NULL): abort, and let systemd restart the daemon. */
_Noreturn void oom(void);

static inline void freep(void *p) { free(*(void **)p); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* A growable, always NUL-terminated byte buffer. */
typedef struct {
        char *s;
        size_t len, cap;
} Buf;
void buf_append(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_putc(Buf *b, char c);
void buf_printf(Buf *b, const char *fmt, ...) _printf_(2, 3);
char *buf_steal(Buf *b);               /* caller owns the string; b is reset */
void buf_free(Buf *b);
static inline void buf_freep(Buf *b) { buf_free(b); }
#define _cleanup_buf_ _cleanup_(buf_freep)

/* A list of owned strings. */
typedef struct {
        char **v;
        size_t n, cap;
} StrList;
void strlist_add(StrList *l, const char *s);      /* copies s */
void strlist_take(StrList *l, char *s);           /* takes ownership of s */
bool strlist_contains(const StrList *l, const char *s);
bool strlist_contains_ci(const StrList *l, const char *s);
char *strlist_join(const StrList *l, const char *sep);
void strlist_free(StrList *l);

/* Strings. */
char *str_trim(char *s);                          /* in place; returns s moved past spaces */
bool str_empty(const char *s);                    /* NULL, "" or only white space */
/* Inline, with a first-byte test: asked millions of times a burst, by the
 * form and value readers, mostly of text that does not start so. */
static inline bool str_startswith(const char *s, const char *prefix)
{
        return !*prefix || (*s == *prefix && strncmp(s, prefix, strlen(prefix)) == 0);
}
bool str_startswith_ci(const char *s, const char *prefix);
bool str_endswith_ci(const char *s, const char *suffix);
void str_ascii_lower(char *s);
bool str_is_ascii(const char *s);
/* Replaces every CR and LF (and other C0 controls but TAB) with a space: for
 * header values built from untrusted input. Returns a new string. */
char *str_header_safe(const char *s);
/* Valid UTF-8 copy: invalid bytes are read as windows-1252. */
char *str_to_utf8(const char *s, size_t n);

/* Files. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Runs `sh -c cmd`, returns its first line of stdout (trimmed). */
int run_command_line(const char *cmd, char **ret);

/* Time: seconds since the epoch, UTC. */
int64_t now_utc(void);
/* ISO 8601 "2026-01-06T15:39:00Z", in a static-free caller buffer of 21+ bytes. */
void fmt_iso_utc(int64_t t, char out[static 32]);
int parse_iso_utc(const char *s, int64_t *ret);

/* SHA-256 of data as 64 lowercase hex chars. */
void sha256_hex(const void *data, size_t len, char out[static 65]);
/* len random characters from an unambiguous 32-letter alphabet, NUL-terminated:
 * out must hold len + 1 bytes (len <= 64). */
void random_token(char *out, size_t len);
