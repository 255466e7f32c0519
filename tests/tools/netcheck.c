/* netcheck — drive src/mail/imap.c and src/mail/smtp.c by hand against real servers.
 *
 * Not a unit test (the end-to-end suite is tests/e2e): a tool for checking
 * the clients against a private Dovecot or Postfix and for measuring them.
 *
 * Build (from the repository root):
 *
 *   gcc -std=c17 -D_GNU_SOURCE -g -O2 -Wall -Wextra -Wno-unused-parameter -Isrc \
 *       $(pkg-config --cflags libetpan glib-2.0 gnutls libsystemd) \
 *       tests/tools/netcheck.c src/mail/imap.c src/mail/smtp.c src/mail/conn.c src/mail/sasl.c src/base/util.c src/base/log.c \
 *       -o /tmp/netcheck $(pkg-config --libs glib-2.0 gnutls libsystemd) -letpan
 *
 * Usage:
 *
 *   NETCHECK_SECRET=pw netcheck imap [-t imaps|starttls|none] [-c CA] [-a AUTH] [-v]
 *                              HOST PORT USER COMMAND [ARGS]
 *     caps                          capabilities that matter to breachd
 *     ensure FOLDER                 create FOLDER unless it exists
 *     select FOLDER                 UIDVALIDITY, UIDNEXT, EXISTS
 *     search FOLDER MIN             UIDs >= MIN
 *     fetch FOLDER MIN [MAXSIZE]    fetch UIDs >= MIN; "too large" above MAXSIZE
 *     move FOLDER MIN DEST          move UIDs >= MIN to DEST (created if missing)
 *     idle FOLDER SECONDS           wait in IDLE for new mail
 *     bench FOLDER [MIN [MAXSIZE]]  time one imap_fetch() of UIDs >= MIN (MAXSIZE
 *                                   default 25 MiB as in the daemon; 0: no limit)
 *     benchloop FOLDER [MIN [MAXSIZE]]  the same, one imap_fetch() per message
 *   NETCHECK_SECRET=pw netcheck smtp [-t ...] [-c CA] [-a AUTH] [-v]
 *                              HOST PORT USER FROM RCPTS... < message
 *     sends the message once per RCPTS argument (comma-separated recipients),
 *     all over one session
 *
 *   AUTH is plain (default), xoauth2, oauthbearer or none (SMTP only); USER
 *   may be "-" with -a none.  -v prints the protocol commands (debug log).
 *   NETCHECK_IDLE_DELAY=SECONDS makes idle wait that long between SELECT and
 *   IDLE, to try mail arriving in between.
 *   The exit status is 0 on success, 1 on failure, 2 on bad usage.
 *
 * A private Dovecot (as root; nothing outside /tmp/nc is touched):
 *
 *   mkdir -p /tmp/nc/run /tmp/nc/state /tmp/nc/mail && chmod 755 /tmp/nc
 *   chown 65534:65534 /tmp/nc/mail && cd /tmp/nc
 *   openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 30 \
 *       -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
 *   echo 'alice:{PLAIN}secret:65534:65534::/tmp/nc/mail/alice' > passwd
 *   cat > base.conf <<EOF
 *   base_dir = /tmp/nc/run
 *   state_dir = /tmp/nc/state
 *   log_path = /tmp/nc/dovecot.log
 *   listen = 127.0.0.1
 *   protocols = imap
 *   ssl = yes
 *   ssl_cert = </tmp/nc/cert.pem
 *   ssl_key = </tmp/nc/key.pem
 *   disable_plaintext_auth = no
 *   mail_location = maildir:~/Maildir
 *   passdb {
 *     driver = passwd-file
 *     args = scheme=PLAIN /tmp/nc/passwd
 *   }
 *   userdb {
 *     driver = passwd-file
 *     args = /tmp/nc/passwd
 *   }
 *   service imap-login {
 *     inet_listener imap {
 *       port = 14300
 *     }
 *     inet_listener imaps {
 *       port = 14993
 *       ssl = yes
 *     }
 *   }
 *   EOF
 *   echo '!include base.conf' > full.conf
 *   # Without MOVE (COPY + STORE + UID EXPUNGE), and without UIDPLUS too:
 *   printf '!include base.conf\nimap_capability = IMAP4rev1 LITERAL+ SASL-IR IDLE UIDPLUS\n' > nomove.conf
 *   printf '!include base.conf\nimap_capability = IMAP4rev1 LITERAL+ SASL-IR IDLE\n' > nouidplus.conf
 *   setsid dovecot -F -c /tmp/nc/full.conf & echo $! > dovecot.pid
 *   rm -f run/anvil-auth-penalty   # else each failed login slows the next
 *
 *   Messages go in with Debian's Python:
 *   /usr/bin/python3 -c 'import imaplib; m = imaplib.IMAP4("127.0.0.1", 14300);
 *       m.login("alice", "secret"); [m.append("INBOX", None, None,
 *       b"Subject: t%d\r\n\r\nbody\r\n" % i) for i in range(1000)]'
 *
 *   Then, e.g.:
 *   NETCHECK_SECRET=secret netcheck imap -t none 127.0.0.1 14300 alice fetch INBOX 1 100000
 *   NETCHECK_SECRET=secret netcheck imap 127.0.0.1 14993 alice caps          # refused: self-signed
 *   NETCHECK_SECRET=secret netcheck imap -c /tmp/nc/cert.pem localhost 14993 alice caps   # accepted
 *
 *   For XOAUTH2/OAUTHBEARER add a passdb { driver = oauth2; mechanisms = xoauth2
 *   oauthbearer; args = FILE } whose FILE points introspection_url at a small
 *   HTTP server answering {"active": true, "username": "alice"} for known
 *   tokens (see /work/shared/TESTING-NOTES.md), and
 *   auth_mechanisms = plain login xoauth2 oauthbearer.
 *
 * SMTP: a private Postfix (TESTING-NOTES.md) with a virtual mailbox map so
 * unknown recipients get 550, or Debian 12's Python 3.11 smtpd module:
 *   /usr/bin/python3 -m smtpd -n -c DebuggingServer 127.0.0.1:14025
 *   netcheck smtp -t none -a none 127.0.0.1 14025 - from@example.org to@example.org < msg
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail/imap.h"
#include "base/log.h"
#include "mail/smtp.h"
#include "base/util.h"

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void usage(void)
{
        fputs("usage: netcheck imap [-t imaps|starttls|none] [-c CA] [-a AUTH] [-v] HOST PORT USER\n"
              "                     caps | ensure F | select F | search F MIN | fetch F MIN [MAX]\n"
              "                     | move F MIN DEST | idle F SECONDS | bench[loop] F [MIN [MAX]]\n"
              "       netcheck smtp [-t ...] [-c CA] [-a AUTH] [-v] HOST PORT USER FROM RCPT... < msg\n"
              "       (the secret comes from $NETCHECK_SECRET; see the comment in netcheck.c)\n",
              stderr);
        exit(2);
}

typedef struct {
        TlsMode tls;
        AuthMode auth;
        char *ca_file;
} Opts;

static int parse_opts(int argc, char **argv, Opts *o)
{
        *o = (Opts){ .tls = TLS_IMAPS, .auth = AUTH_PLAIN };
        int c;
        while ((c = getopt(argc, argv, "+t:c:a:v")) != -1) {
                switch (c) {
                case 't':
                        o->tls = !strcmp(optarg, "none") ? TLS_NONE
                               : !strcmp(optarg, "starttls") ? TLS_STARTTLS : TLS_IMAPS;
                        break;
                case 'c':
                        o->ca_file = optarg;
                        break;
                case 'a':
                        o->auth = !strcmp(optarg, "xoauth2") ? AUTH_XOAUTH2
                                : !strcmp(optarg, "oauthbearer") ? AUTH_OAUTHBEARER
                                : !strcmp(optarg, "none") ? AUTH_NONE : AUTH_PLAIN;
                        break;
                case 'v':
                        log_set_level(LOG_DEBUG);
                        break;
                default:
                        usage();
                }
        }
        return optind;
}

static int report(Imap *s, int r, const char *what)
{
        if (r < 0)
                fprintf(stderr, "%s: %s (%s)\n", what, imap_last_error(s), strerror(-r));
        return r;
}

/* Prints each message: UID, date, size, and its Subject line. */
static int print_message(const ImapMessage *m, void *userdata)
{
        size_t *count = userdata;
        char date[32];
        fmt_iso_utc(m->internaldate, date);
        (*count)++;
        if (!m->data) {
                printf("%u %s %llu (too large, not downloaded)\n", m->uid, date,
                       (unsigned long long)m->rfc822_size);
                return 0;
        }
        const char *subj = memmem(m->data, m->len, "Subject:", 8);
        int n = 0;
        if (subj)
                while (subj + n < m->data + m->len && subj[n] != '\r' && subj[n] != '\n')
                        n++;
        printf("%u %s %llu len=%zu %.*s\n", m->uid, date, (unsigned long long)m->rfc822_size,
               m->len, n, subj ? subj : "");
        return 0;
}

typedef struct {
        size_t messages, bytes;
} Tally;

static int count_message(const ImapMessage *m, void *userdata)
{
        Tally *t = userdata;
        t->messages++;
        t->bytes += m->len;
        return 0;
}

/* The slow way, for comparison: one UID FETCH round trip per message. */
static int fetch_one_by_one(Imap *s, const uint32_t *uids, size_t k, uint64_t max, Tally *t)
{
        for (size_t i = 0; i < k; i++) {
                int r = report(s, imap_fetch(s, uids + i, 1, max, count_message, t), "fetch");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* fetch prints each message; bench (1) times one imap_fetch() of them all
 * or (2) one imap_fetch() per message. */
static int cmd_fetch(Imap *s, char **a, int n, int bench)
{
        uint32_t *uids = NULL;
        size_t k = 0;
        uint32_t min = n > 1 ? (uint32_t)strtoul(a[1], NULL, 10) : 1;
        int r = report(s, imap_search_uids(s, min, &uids, &k), "search");
        if (r < 0)
                return r;
        uint64_t max = n > 2 ? strtoull(a[2], NULL, 10) : bench ? 25u << 20 : 0;
        size_t count = 0;
        Tally t = { 0 };
        double t0 = now_s();
        if (bench == 2)
                r = fetch_one_by_one(s, uids, k, max, &t);
        else if (bench)
                r = report(s, imap_fetch(s, uids, k, max, count_message, &t), "fetch");
        else
                r = report(s, imap_fetch(s, uids, k, max, print_message, &count), "fetch");
        double dt = now_s() - t0;
        if (r >= 0 && bench)
                printf("%zu UIDs, %zu messages delivered, %zu bytes, max_size %llu, %s: "
                       "%.3f s (%.3f ms per message)\n", k, t.messages, t.bytes,
                       (unsigned long long)max,
                       bench == 2 ? "one imap_fetch() per message" : "one imap_fetch()",
                       dt, k ? dt * 1000 / (double)k : 0.0);
        free(uids);
        return r;
}

static int cmd_move(Imap *s, char **a, int n)
{
        if (n < 3)
                usage();
        uint32_t *uids = NULL;
        size_t k = 0;
        int r = report(s, imap_ensure_folder(s, a[2]), "ensure");
        if (r >= 0)
                r = report(s, imap_search_uids(s, (uint32_t)strtoul(a[1], NULL, 10), &uids, &k),
                           "search");
        printf("moving %zu messages to %s with %s\n", k, a[2],
               imap_has_capability(s, "MOVE") ? "MOVE"
               : imap_has_capability(s, "UIDPLUS") ? "COPY + UID EXPUNGE" : "COPY + EXPUNGE");
        if (r >= 0)
                r = report(s, imap_move(s, uids, k, a[2]), "move");
        free(uids);
        return r;
}

static int cmd_idle(Imap *s, char **a, int n)
{
        int secs = n > 1 ? atoi(a[1]) : 30;
        /* Mail that arrives between SELECT and IDLE is announced at once,
         * often in the same packet as the go-ahead; this lets one try it. */
        const char *delay = getenv("NETCHECK_IDLE_DELAY");
        if (delay)
                usleep((useconds_t)(atof(delay) * 1e6));
        int r = report(s, imap_idle_start(s), "idle");
        if (r < 0)
                return r;
        printf("idling (fd %d) for up to %d s\n", imap_idle_fd(s), secs);
        fflush(stdout);
        double t0 = now_s();
        bool new_mail = false;
        r = report(s, imap_idle_wait(s, 0, &new_mail), "idle wait");
        if (r >= 0 && !new_mail)
                r = report(s, imap_idle_wait(s, secs * 1000, &new_mail), "idle wait");
        if (r >= 0)
                printf(new_mail ? "new mail after %.3f s\n" : "no new mail in %.3f s\n",
                       now_s() - t0);
        if (r >= 0)
                r = report(s, imap_idle_done(s), "done");
        return r;
}

static int imap_command(Imap *s, char **a, int n)
{
        const char *cmd = a[0];
        if (!strcmp(cmd, "caps")) {
                const char *caps[] = { "IDLE", "MOVE", "UIDPLUS", "AUTH=XOAUTH2" };
                for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
                        printf("%s: %s\n", caps[i], imap_has_capability(s, caps[i]) ? "yes" : "no");
                return 0;
        }
        if (n < 2)
                usage();
        if (!strcmp(cmd, "ensure"))
                return report(s, imap_ensure_folder(s, a[1]), "ensure");
        uint32_t uidvalidity, uidnext, exists;
        int r = report(s, imap_select(s, a[1], &uidvalidity, &uidnext, &exists), "select");
        if (r < 0)
                return r;
        if (!strcmp(cmd, "select"))
                printf("UIDVALIDITY %u UIDNEXT %u EXISTS %u\n", uidvalidity, uidnext, exists);
        else if (!strcmp(cmd, "search")) {
                uint32_t *uids = NULL;
                size_t k = 0;
                r = report(s, imap_search_uids(s, n > 2 ? (uint32_t)strtoul(a[2], NULL, 10) : 1,
                                               &uids, &k), "search");
                for (size_t i = 0; i < k; i++)
                        printf("%u%c", uids[i], i + 1 < k ? ' ' : '\n');
                free(uids);
        } else if (!strcmp(cmd, "fetch"))
                r = cmd_fetch(s, a + 1, n - 1, 0);
        else if (!strcmp(cmd, "bench"))
                r = cmd_fetch(s, a + 1, n - 1, 1);
        else if (!strcmp(cmd, "benchloop"))
                r = cmd_fetch(s, a + 1, n - 1, 2);
        else if (!strcmp(cmd, "move"))
                r = cmd_move(s, a + 1, n - 1);
        else if (!strcmp(cmd, "idle"))
                r = cmd_idle(s, a + 1, n - 1);
        else
                usage();
        return r;
}

static int run_imap(const Opts *o, char **a, int n, const char *secret)
{
        if (n < 4)
                usage();
        MailboxConfig cfg = { .host = a[0], .port = (uint16_t)atoi(a[1]), .tls = o->tls,
                              .ca_file = o->ca_file, .auth = o->auth, .user = a[2] };
        Imap *s = NULL;
        double t0 = now_s();
        int r = imap_connect(&cfg, secret, &s);
        if (r < 0) {
                fprintf(stderr, "connect: %s (%s)\n", imap_last_error(s), strerror(-r));
                return r;
        }
        printf("connected and logged in to %s in %.3f s\n", a[0], now_s() - t0);
        r = imap_command(s, a + 3, n - 3);
        imap_free(s);
        return r;
}

/* One transaction per argument; an argument is a comma-separated list of
 * recipients.  All go over one session, which also shows RSET at work. */
static int send_each(Smtp *s, const char *from, char **lists, int n, const char *msg, size_t len)
{
        int worst = 0;
        for (int i = 0; i < n; i++) {
                g_auto(GStrv) rcpts = g_strsplit(lists[i], ",", -1);
                SmtpResult res;
                double t0 = now_s();
                int r = smtp_send(s, from, (const char *const *)rcpts, g_strv_length(rcpts), msg,
                                  len, &res);
                printf("send to %s: %s in %.3f s, code %d, %s: %s\n", lists[i],
                       r < 0 ? strerror(-r) : "accepted", now_s() - t0, res.code,
                       res.permanent ? "permanent" : "not permanent",
                       res.message ? res.message : "");
                if (r < 0)
                        fprintf(stderr, "error: %s\n", smtp_last_error(s));
                smtp_result_free(&res);
                if (r < 0)
                        worst = r;
        }
        return worst;
}

static int run_smtp(const Opts *o, char **a, int n, const char *secret)
{
        if (n < 5)
                usage();
        SmtpConfig cfg = { .host = a[0], .port = (uint16_t)atoi(a[1]), .tls = o->tls,
                           .ca_file = o->ca_file, .auth = o->auth,
                           .user = strcmp(a[2], "-") ? a[2] : NULL };
        char *msg = NULL;
        size_t len = 0;
        int r = read_file("/dev/stdin", 64u << 20, &msg, &len);
        if (r < 0) {
                fprintf(stderr, "reading the message from stdin: %s\n", strerror(-r));
                return r;
        }
        Smtp *s = NULL;
        double t0 = now_s();
        r = smtp_connect(&cfg, secret, &s);
        if (r < 0)
                fprintf(stderr, "connect: %s (%s)\n", smtp_last_error(s), strerror(-r));
        else {
                printf("connected to %s in %.3f s\n", a[0], now_s() - t0);
                r = send_each(s, a[3], a + 4, n - 4, msg, len);
        }
        smtp_free(s);
        free(msg);
        return r;
}

int main(int argc, char **argv)
{
        /* The clients write with plain send(); a server that hangs up
         * must not kill us (the daemon does the same). */
        signal(SIGPIPE, SIG_IGN);
        log_open("netcheck");
        if (argc < 2)
                usage();
        Opts o;
        int i = 1 + parse_opts(argc - 1, argv + 1, &o);
        const char *secret = getenv("NETCHECK_SECRET");
        int r;
        if (!strcmp(argv[1], "imap"))
                r = run_imap(&o, argv + i, argc - i, secret);
        else if (!strcmp(argv[1], "smtp"))
                r = run_smtp(&o, argv + i, argc - i, secret);
        else
                usage();
        return r < 0 ? 1 : 0;
}
