/* floor — the server's share of the work, whatever the client: make bench's
 * "floor" measurement (docs/PERFORMANCE.md).
 *
 *   floor HOST PORT USER PASSWORD fetch FOLDER
 *       one connection: LOGIN, SELECT, UID FETCH 1:* BODY.PEEK[], bytes read
 *       and thrown away (only literal lengths are parsed), LOGOUT
 *   floor HOST PORT USER PASSWORD move FOLDER DEST [BATCH]
 *       one connection: LOGIN, SELECT, UID SEARCH ALL, then UID MOVE of every
 *       message to DEST in batches of BATCH (default 500) UIDs, one command
 *       at a time, each written as a compact set of ranges
 *
 * Prints one line of key=value pairs: messages, bytes, seconds (the whole
 * session, connect to LOGOUT) and cmd_seconds (the FETCH command alone, or
 * all the MOVE commands).  A plain socket and a hand-written reader, so that
 * the client costs next to nothing: what is left is the server's time.
 * Exit status 0, or 1 with a message on stderr. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static char rbuf[1 << 16];
static size_t rpos, rlen;
static unsigned tagno;

static void die(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs("floor: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(1);
}

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(void)
{
        ssize_t k;
        do
                k = read(fd, rbuf, sizeof rbuf);
        while (k < 0 && errno == EINTR);
        if (k <= 0)
                die("connection closed by the server");
        rpos = 0;
        rlen = (size_t)k;
}

/* Reads one line (without CRLF) into line (truncated at cap), following no
 * literal; returns its full length. */
static size_t read_line(char *line, size_t cap)
{
        size_t n = 0;
        for (;;) {
                if (rpos == rlen)
                        fill();
                char c = rbuf[rpos++];
                if (c == '\n')
                        break;
                if (n + 1 < cap)
                        line[n] = c;
                n++;
        }
        size_t len = n < cap ? n : cap - 1;
        if (len > 0 && line[len - 1] == '\r')
                len--;
        line[len] = 0;
        return len;
}

static uint64_t skip(uint64_t n)
{
        uint64_t left = n;
        while (left > 0) {
                if (rpos == rlen)
                        fill();
                size_t k = rlen - rpos < left ? rlen - rpos : (size_t)left;
                rpos += k;
                left -= k;
        }
        return n;
}

/* "{123}" at the end of a line: a literal of 123 bytes follows. */
static int literal_at_end(const char *line, size_t len, uint64_t *ret)
{
        if (len < 3 || line[len - 1] != '}')
                return 0;
        const char *open = memrchr(line, '{', len);
        if (!open)
                return 0;
        char *end;
        unsigned long long v = strtoull(open + 1, &end, 10);
        if (end == open + 1 || (*end != '}' && *end != '+'))
                return 0;
        *ret = v;
        return 1;
}

typedef struct {
        uint64_t bytes;       /* literal bytes read */
        unsigned fetches;     /* "* n FETCH" responses */
        uint32_t *uids;       /* from "* SEARCH" */
        size_t n_uids;
} Answer;

static void send_cmd(char *tag, size_t tagcap, const char *fmt, ...)
{
        char cmd[1 << 16];
        snprintf(tag, tagcap, "a%u", ++tagno);
        int k = snprintf(cmd, sizeof cmd, "%s ", tag);
        va_list ap;
        va_start(ap, fmt);
        k += vsnprintf(cmd + k, sizeof cmd - (size_t)k, fmt, ap);
        va_end(ap);
        if ((size_t)k + 2 >= sizeof cmd)
                die("command too long");
        memcpy(cmd + k, "\r\n", 2);
        k += 2;
        for (int off = 0; off < k;) {
                ssize_t w = write(fd, cmd + off, (size_t)(k - off));
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        die("write: %s", strerror(errno));
                off += (int)w;
        }
}

/* Reads responses up to the tagged one; dies unless it is OK. */
static void wait_tagged(const char *tag, Answer *a)
{
        static char line[1 << 16];
        size_t taglen = strlen(tag);
        for (;;) {
                size_t len = read_line(line, sizeof line);
                if (strncmp(line, tag, taglen) == 0 && line[taglen] == ' ') {
                        if (strncmp(line + taglen + 1, "OK", 2) != 0)
                                die("%s", line);
                        return;
                }
                if (a && line[0] == '*' && strstr(line, " FETCH "))
                        a->fetches++;
                if (a && strncmp(line, "* SEARCH", 8) == 0) {
                        for (char *p = line + 8; *p;) {
                                char *end;
                                unsigned long v = strtoul(p, &end, 10);
                                if (end == p) {
                                        p++;
                                        continue;
                                }
                                a->uids = realloc(a->uids, (a->n_uids + 1) * sizeof *a->uids);
                                if (!a->uids)
                                        die("out of memory");
                                a->uids[a->n_uids++] = (uint32_t)v;
                                p = end;
                        }
                }
                /* A line may carry several literals: follow each. */
                uint64_t n;
                while (literal_at_end(line, len, &n)) {
                        uint64_t got = skip(n);
                        if (a)
                                a->bytes += got;
                        len = read_line(line, sizeof line);
                }
        }
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* "1:500" or "3,7:9,12" for sorted v[0..n). */
static void compact_set(const uint32_t *v, size_t n, char *out, size_t cap)
{
        size_t k = 0;
        for (size_t i = 0; i < n;) {
                size_t j = i;
                while (j + 1 < n && v[j + 1] == v[j] + 1)
                        j++;
                int w = j > i ? snprintf(out + k, cap - k, "%s%u:%u", k ? "," : "", v[i], v[j])
                              : snprintf(out + k, cap - k, "%s%u", k ? "," : "", v[i]);
                if (w < 0 || (size_t)w >= cap - k)
                        die("UID set too long");
                k += (size_t)w;
                i = j + 1;
        }
}

int main(int argc, char **argv)
{
        if (argc < 7 || (strcmp(argv[5], "fetch") != 0 && strcmp(argv[5], "move") != 0) ||
            (strcmp(argv[5], "move") == 0 && argc < 8)) {
                fprintf(stderr, "usage: floor HOST PORT USER PASSWORD fetch FOLDER\n"
                                "       floor HOST PORT USER PASSWORD move FOLDER DEST [BATCH]\n");
                return 2;
        }
        const char *host = argv[1], *user = argv[3], *pass = argv[4], *mode = argv[5], *folder = argv[6];
        int port = atoi(argv[2]);
        size_t batch = argc > 8 ? (size_t)atol(argv[8]) : 500;
        if (batch == 0)
                die("bad batch size");

        double t0 = now();
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
                die("bad address %s", host);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                die("connect %s:%d: %s", host, port, strerror(errno));
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char line[4096], tag[16];
        read_line(line, sizeof line);
        if (strncmp(line, "* OK", 4) != 0)
                die("greeting: %s", line);
        send_cmd(tag, sizeof tag, "LOGIN \"%s\" \"%s\"", user, pass);
        wait_tagged(tag, NULL);
        send_cmd(tag, sizeof tag, "SELECT \"%s\"", folder);
        wait_tagged(tag, NULL);

        Answer a = {0};
        double c0, c1;
        if (strcmp(mode, "fetch") == 0) {
                c0 = now();
                send_cmd(tag, sizeof tag, "UID FETCH 1:* BODY.PEEK[]");
                wait_tagged(tag, &a);
                c1 = now();
        } else {
                const char *dest = argv[7];
                /* NO when it exists already: that is fine. */
                send_cmd(tag, sizeof tag, "CREATE \"%s\"", dest);
                for (;;) {
                        size_t len = read_line(line, sizeof line);
                        (void)len;
                        if (strncmp(line, tag, strlen(tag)) == 0)
                                break;
                }
                send_cmd(tag, sizeof tag, "UID SEARCH ALL");
                wait_tagged(tag, &a);
                qsort(a.uids, a.n_uids, sizeof *a.uids, cmp_u32);
                static char set[1 << 15];
                c0 = now();
                for (size_t i = 0; i < a.n_uids; i += batch) {
                        size_t k = a.n_uids - i < batch ? a.n_uids - i : batch;
                        compact_set(a.uids + i, k, set, sizeof set);
                        send_cmd(tag, sizeof tag, "UID MOVE %s \"%s\"", set, dest);
                        wait_tagged(tag, NULL);
                }
                c1 = now();
                a.fetches = (unsigned)a.n_uids;
        }
        send_cmd(tag, sizeof tag, "LOGOUT");
        wait_tagged(tag, NULL);
        close(fd);
        double t1 = now();
        printf("messages=%u bytes=%llu seconds=%.4f cmd_seconds=%.4f\n", a.fetches, (unsigned long long)a.bytes,
               t1 - t0, c1 - c0);
        free(a.uids);
        return 0;
}
