/* guard.c — see guard.h. */
#include "base/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define GUARD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GUARD_ASAN 1
#endif
#endif
#ifndef GUARD_ASAN
#define GUARD_ASAN 0
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

/* The parent gives the worker this much longer than the worker's own alarm
 * before it kills it: the alarm is the limit, this is the backstop. */
#define GRACE_MS 5000

/* Read by every new worker before anything else: a worker that cannot get
 * through this has a broken environment, not a poison message. */
static const char canary[] = "From: guard@localhost\nSubject: canary\nMessage-ID: <canary@localhost>\n\ncanary\n";

typedef enum { P_UNSENT, P_SENT, P_JUDGED } PendingState;

typedef struct {
        char *raw;
        size_t len;
        void *item_data;
        PendingState state;
        int verdict;
        char *why;
        bool unguarded;
        char *result;           /* what the worker's read function wrote */
        size_t result_len;
} Pending;

struct Guard {
        GuardLimits lim;
        guard_read_fn fn;
        void *userdata;
        pid_t pid;              /* 0: no worker */
        int fd;                 /* our end of the worker's socket, -1 without one */
        Buf in;                 /* answers read from it, not yet taken */
        unsigned started;
        Pending *q;             /* FIFO, q[0] the oldest */
        size_t n, cap;
        Pending out;            /* the item last handed out by guard_next() */
        GuardItem item;
};

static void pending_free(Pending *p)
{
        free(p->raw);
        free(p->why);
        free(p->result);
        memset(p, 0, sizeof *p);
}

int guard_new(const GuardLimits *lim, guard_read_fn fn, void *userdata, Guard **ret)
{
        static const GuardLimits defaults = GUARD_LIMITS_DEFAULT;
        Guard *g = xcalloc(1, sizeof *g);
        g->lim = lim ? *lim : defaults;
        g->fn = fn;
        g->userdata = userdata;
        g->fd = -1;
        *ret = g;
        return 0;
}

/* ---- the worker ---------------------------------------------------------- */

static bool under_valgrind(void)
{
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
        return RUNNING_ON_VALGRIND != 0;
#endif
#endif
        return false;
}

/* The address space the worker starts with, from /proc/self/statm. */
static uint64_t current_vm_bytes(void)
{
        unsigned long long pages = 0;
        FILE *f = fopen("/proc/self/statm", "re");
        if (f) {
                if (fscanf(f, "%llu", &pages) != 1)
                        pages = 0;
                fclose(f);
        }
        return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void worker_limits(const GuardLimits *lim)
{
        struct rlimit none = {0, 0};
        (void)setrlimit(RLIMIT_CORE, &none);
        if (!GUARD_ASAN && !under_valgrind() && lim->memory) {
                uint64_t base = current_vm_bytes();
                struct rlimit as = {(rlim_t)(base + lim->memory), RLIM_INFINITY};
                if (base)
                        (void)setrlimit(RLIMIT_AS, &as);
        }
        static const int dfl[] = {SIGALRM, SIGPROF, SIGXCPU, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM};
        for (size_t i = 0; i < ARRAY_SIZE(dfl); i++)
                signal(dfl[i], SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
}

static int read_full(int fd, void *buf, size_t len)
{
        char *p = buf;
        while (len) {
                ssize_t k = read(fd, p, len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

static void read_one(const Guard *g, const char *raw, size_t len, Buf *out)
{
        struct itimerval cpu = {.it_value = {.tv_sec = g->lim.cpu_seconds}};
        struct itimerval off = {{0, 0}, {0, 0}};
        setitimer(ITIMER_PROF, &cpu, NULL);
        alarm(g->lim.wall_seconds);
        g->fn(raw, len, g->userdata, out);
        alarm(0);
        setitimer(ITIMER_PROF, &off, NULL);
}

static int write_full(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len) {
                ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

_Noreturn static void worker_main(const Guard *g, int fd, pid_t parent)
{
        /* Dies with the caller, even by SIGKILL. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(0);
        worker_limits(&g->lim);
        char *buf = NULL;
        for (;;) {
                uint64_t len;
                if (read_full(fd, &len, sizeof len) < 0)
                        _exit(0);
                char *nb = realloc(buf, len + 1);
                if (!nb)
                        _exit(3);
                buf = nb;
                if (read_full(fd, buf, len) < 0)
                        _exit(0);
                buf[len] = 0;
                Buf out = {0};
                read_one(g, buf, len, &out);
                /* The answer: its length, then what the read function wrote. */
                uint64_t n = out.len;
                if (write_full(fd, &n, sizeof n) < 0 || write_full(fd, out.s ? out.s : "", out.len) < 0)
                        _exit(0);
                buf_free(&out);
        }
}

/* ---- the caller's side ---------------------------------------------------- */

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        return -ETIME;
                struct pollfd p = {.fd = fd, .events = events};
                int k = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
                if (k > 0)
                        return 0;
                if (k < 0 && errno != EINTR)
                        return -errno;
        }
}

/* Reads what the worker has sent so far into g->in: 0, or -EPIPE once it
 * has closed its end (or the socket failed). */
static int fill(Guard *g)
{
        for (;;) {
                char tmp[65536];
                ssize_t k = read(g->fd, tmp, sizeof tmp);
                if (k > 0) {
                        buf_append(&g->in, tmp, (size_t)k);
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return 0;
                return -EPIPE;
        }
}

/* Moves the first complete answer out of g->in; false when there is none. */
static bool take_answer(Guard *g, char **ret, size_t *ret_len)
{
        uint64_t n;
        if (g->in.len < sizeof n)
                return false;
        memcpy(&n, g->in.s, sizeof n);
        if (g->in.len - sizeof n < n)
                return false;
        *ret = xmemdup(g->in.s + sizeof n, (size_t)n);
        *ret_len = (size_t)n;
        size_t used = sizeof n + (size_t)n;
        memmove(g->in.s, g->in.s + used, g->in.len - used + 1);
        g->in.len -= used;
        return true;
}

static int send_all(Guard *g, const void *data, size_t len, int64_t deadline)
{
        const char *p = data;
        while (len) {
                ssize_t k = send(g->fd, p, len, MSG_NOSIGNAL);
                if (k > 0) {
                        p += k;
                        len -= (size_t)k;
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno != EAGAIN)
                        return -EPIPE;
                /* The worker may be blocked writing an answer to us: read it,
                 * or neither side would move. */
                int r = wait_fd(g->fd, POLLOUT | POLLIN, deadline);
                if (r < 0)
                        return r;
                (void)fill(g);
        }
        return 0;
}

static int send_message(Guard *g, const char *raw, size_t len)
{
        uint64_t n = len;
        /* The worker may still be reading the message before this one. */
        int64_t deadline = now_ms() + (int64_t)g->lim.wall_seconds * 1000 + GRACE_MS;
        int r = send_all(g, &n, sizeof n, deadline);
        return r < 0 ? r : send_all(g, raw, len, deadline);
}

/* 0 and the answer when the worker answered, -ETIME when it did not in
 * time, -EPIPE when it went away. */
static int wait_answer(Guard *g, char **ret, size_t *ret_len)
{
        int64_t deadline = now_ms() + (int64_t)g->lim.wall_seconds * 1000 + GRACE_MS;
        for (;;) {
                if (take_answer(g, ret, ret_len))
                        return 0;
                int r = fill(g);
                if (take_answer(g, ret, ret_len))
                        return 0;
                if (r < 0)
                        return r;
                r = wait_fd(g->fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }
}

static char *describe_death(const Guard *g, int status, bool timed_out, int *ret_verdict)
{
        *ret_verdict = -ECHILD;
        if (timed_out) {
                *ret_verdict = -ETIME;
                return xasprintf("reading it did not finish within %u s", g->lim.wall_seconds);
        }
        if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                if (sig == SIGALRM) {
                        *ret_verdict = -ETIME;
                        return xasprintf("reading it took longer than %u s", g->lim.wall_seconds);
                }
                if (sig == SIGPROF || sig == SIGXCPU) {
                        *ret_verdict = -ETIME;
                        return xasprintf("reading it used more than %u s of CPU time", g->lim.cpu_seconds);
                }
                const char *name = sigabbrev_np(sig) ? sigabbrev_np(sig) : "?";
                if (sig == SIGABRT || sig == SIGKILL || sig == SIGTRAP)
                        return xasprintf("reading it was stopped by SIG%s (a failed check, or more memory than "
                                         "the %llu MiB allowed)", name, (unsigned long long)(g->lim.memory >> 20));
                return xasprintf("reading it crashed (SIG%s)", name);
        }
        if (WIFEXITED(status))
                return xasprintf("reading it crashed (the reader exited with status %d)", WEXITSTATUS(status));
        return xstrdup("reading it crashed");
}

/* The worker is gone or hung: reap it; the oldest message it had been given
 * is the one it died on, the others it had go to the next worker. */
static void worker_died(Guard *g, bool timed_out)
{
        /* Answers it gave before it died may still be unread: they belong
         * to the oldest messages it had, which it got through. */
        (void)fill(g);
        char *res;
        size_t res_len, next = 0;
        while (take_answer(g, &res, &res_len)) {
                while (next < g->n && g->q[next].state != P_SENT)
                        next++;
                if (next == g->n) {
                        free(res);
                        continue;
                }
                g->q[next].state = P_JUDGED;
                g->q[next].verdict = 0;
                g->q[next].result = res;
                g->q[next].result_len = res_len;
        }
        buf_free(&g->in);
        int status = 0;
        kill(g->pid, SIGKILL);
        while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
                ;
        close(g->fd);
        g->fd = -1;
        g->pid = 0;
        bool judged = false;
        for (size_t i = 0; i < g->n; i++) {
                Pending *p = &g->q[i];
                if (p->state != P_SENT)
                        continue;
                if (!judged) {
                        p->why = describe_death(g, status, timed_out, &p->verdict);
                        p->state = P_JUDGED;
                        judged = true;
                } else {
                        p->state = P_UNSENT;
                }
        }
}

/* Starts a worker and checks it can read the canary.  -errno when no
 * working worker could be had. */
static int spawn(Guard *g)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid_t parent = getpid();
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(sv[0]);
                close(sv[1]);
                return r;
        }
        if (pid == 0) {
                close(sv[0]);
                worker_main(g, sv[1], parent);
        }
        close(sv[1]);
        g->pid = pid;
        g->fd = sv[0];
        g->started++;
        int fl = fcntl(g->fd, F_GETFL);
        (void)fcntl(g->fd, F_SETFL, fl | O_NONBLOCK);
        int r = send_message(g, canary, sizeof canary - 1);
        char *res = NULL;
        size_t res_len = 0;
        if (r >= 0)
                r = wait_answer(g, &res, &res_len);
        free(res);
        if (r < 0) {
                worker_died(g, r == -ETIME);
                return -ECHILD;
        }
        return 0;
}

static void send_unsent(Guard *g)
{
        for (size_t i = 0; i < g->n && g->pid; i++) {
                Pending *p = &g->q[i];
                if (p->state != P_UNSENT)
                        continue;
                p->state = P_SENT;
                int r = send_message(g, p->raw, p->len);
                if (r < 0)
                        worker_died(g, r == -ETIME);
        }
}

int guard_submit(Guard *g, const char *raw, size_t len, void *item_data)
{
        if (len > SIZE_MAX / 2)
                return -ENOMEM;
        if (g->n == g->cap) {
                g->cap = g->cap ? g->cap * 2 : 4;
                g->q = xrealloc(g->q, g->cap * sizeof *g->q);
        }
        Pending *p = &g->q[g->n++];
        memset(p, 0, sizeof *p);
        p->raw = xmalloc(len + 1);
        memcpy(p->raw, raw, len);
        p->raw[len] = 0;
        p->len = len;
        p->item_data = item_data;
        /* Start reading at once: that is what overlaps with the caller. */
        if (!g->pid && spawn(g) < 0) {
                p->state = P_JUDGED;
                p->unguarded = true;
                return 0;
        }
        send_unsent(g);
        return 0;
}

size_t guard_pending(const Guard *g)
{
        return g->n;
}

static void judge_oldest(Guard *g)
{
        Pending *p = &g->q[0];
        while (p->state != P_JUDGED) {
                if (!g->pid && spawn(g) < 0) {
                        p->state = P_JUDGED;
                        p->unguarded = true;
                        break;
                }
                send_unsent(g);
                if (p->state != P_SENT)
                        continue;
                int r = wait_answer(g, &p->result, &p->result_len);
                if (r < 0) {
                        worker_died(g, r == -ETIME);
                        continue;
                }
                p->state = P_JUDGED;
                p->verdict = 0;
        }
}

int guard_next(Guard *g, const GuardItem **ret)
{
        if (g->n == 0)
                return -ENOENT;
        judge_oldest(g);
        pending_free(&g->out);
        g->out = g->q[0];
        memmove(g->q, g->q + 1, (g->n - 1) * sizeof *g->q);
        g->n--;
        g->item = (GuardItem){
                .raw = g->out.raw,
                .len = g->out.len,
                .item_data = g->out.item_data,
                .verdict = g->out.verdict,
                .why = g->out.why,
                .unguarded = g->out.unguarded,
                .result = g->out.result,
                .result_len = g->out.result_len,
        };
        *ret = &g->item;
        return 0;
}

unsigned guard_workers_started(const Guard *g)
{
        return g->started;
}

void guard_free(Guard *g)
{
        if (!g)
                return;
        if (g->pid) {
                kill(g->pid, SIGKILL);
                while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (g->fd >= 0)
                close(g->fd);
        buf_free(&g->in);
        for (size_t i = 0; i < g->n; i++)
                pending_free(&g->q[i]);
        free(g->q);
        pending_free(&g->out);
        free(g);
}
