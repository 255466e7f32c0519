/* test_conn_fds — a session whose socket is too high a descriptor for
 * libetpan's select() (FD_SETSIZE, with its cancel pipe after it) is
 * refused with -EMFILE and a reason, rather than handed to libetpan, where
 * the first wait would abort the process (glibc's __fdelt_chk).  That is
 * what lets one watch of many fail alone when a process holds too many
 * mailboxes (daemon/manager.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "mail/conn.h"

int main(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < FD_SETSIZE) {
                rl.rlim_cur = rl.rlim_max < FD_SETSIZE ? rl.rlim_max : FD_SETSIZE;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        tap_ok(s >= 0, "a socket");
        int high = FD_SETSIZE - 1;
        int fd = dup2(s, high);
        tap_ok(fd == high, "moved to descriptor %d", high);
        mailstream *st = NULL;
        char *why = NULL;
        int r = conn_open_stream(fd, false, "127.0.0.1", NULL, "mailbox.ca_file", &st, &why);
        TAP_INT_EQ(r, -EMFILE, "a descriptor past what select() can take: refused");
        tap_ok(st == NULL, "no stream");
        tap_ok(why && strstr(why, "too many sessions in one process"), "said why: %s", why ? why : "(nothing)");
        tap_ok(fcntl(high, F_GETFD) < 0 && errno == EBADF, "the descriptor is closed, as on every failure");
        free(why);

        /* A low one is taken as before. */
        why = NULL;
        r = conn_open_stream(s, false, "127.0.0.1", NULL, "mailbox.ca_file", &st, &why);
        TAP_INT_EQ(r, 0, "a low descriptor: a stream");
        if (r == 0)
                mailstream_close(st);
        free(why);
        return tap_done();
}
