/* conn.c — see conn.h. */
#include "mail/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

/* A chain longer than this is not a server chain anyone deploys. */
#define MAX_CHAIN 16

static bool is_ip_literal(const char *host)
{
        unsigned char buf[sizeof(struct in6_addr)];
        return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* ---- cutting every session short at once (conn_abort_all()) ---- */

/* The sockets this process opened, by number: a set, not a list, since a
 * closed one's number is reused; conn_abort_all() checks each is still
 * a TCP socket before it shuts it down. */
#define MAX_TRACKED_FD 4096
static _Atomic bool tracked[MAX_TRACKED_FD];
static _Atomic bool aborted;

static void track(int fd)
{
        if (fd >= 0 && fd < MAX_TRACKED_FD)
                tracked[fd] = true;
}

static bool is_tcp_socket(int fd)
{
        int type = 0;
        socklen_t len = sizeof type;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
                return false;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
                return false;
        return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

void conn_abort_all(void)
{
        aborted = true;
        for (int fd = 0; fd < MAX_TRACKED_FD; fd++)
                if (tracked[fd] && is_tcp_socket(fd))
                        shutdown(fd, SHUT_RDWR);
}

static int connect_one(const struct addrinfo *ai, unsigned timeout_s, int *ret_fd)
{
        if (aborted)
                return -ECANCELED;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);
        if (fd < 0)
                return -errno;
        track(fd);
        int r = 0;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                if (errno != EINPROGRESS) {
                        r = -errno;
                        goto done;
                }
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                int k;
                do
                        k = poll(&p, 1, (int)timeout_s * 1000);
                while (k < 0 && errno == EINTR);
                if (k < 0) {
                        r = -errno;
                        goto done;
                }
                if (k == 0) {
                        r = -ETIMEDOUT;
                        goto done;
                }
                if (aborted) {
                        r = -ECANCELED;
                        goto done;
                }
                int err = 0;
                socklen_t len = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        err = errno;
                if (err) {
                        r = -err;
                        goto done;
                }
        }
        /* libetpan wants a blocking socket and applies its own timeouts. */
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
                r = -errno;
                goto done;
        }
        /* Lets the kernel notice a peer that vanished while we sit in IDLE. */
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
done:
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

/* With several addresses, report the most telling failure: a refusal proves
 * the host is up, a timeout at least that it was reachable. */
static int error_rank(int r)
{
        switch (r) {
        case -ECONNREFUSED: return 3;
        case -ETIMEDOUT: return 2;
        case -EHOSTUNREACH: return 1;
        default: return 0;
        }
}

int conn_tcp_connect(const char *host, uint16_t port, unsigned timeout_s,
                     int *ret_fd, char **ret_why)
{
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                  .ai_flags = AI_ADDRCONFIG };
        struct addrinfo *res = NULL;
        char portstr[8];
        snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
        if (aborted) {
                *ret_why = xasprintf("not connecting to %s: stopping", host);
                return -ECANCELED;
        }
        int g = getaddrinfo(host, portstr, &hints, &res);
        if (g != 0) {
                *ret_why = xasprintf("cannot resolve host name %s: %s", host,
                                     g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
                return -EHOSTUNREACH;
        }
        int best = 0;
        char addr[INET6_ADDRSTRLEN + 2] = "";
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd = -1;
                int r = connect_one(ai, timeout_s, &fd);
                if (r == 0) {
                        freeaddrinfo(res);
                        *ret_fd = fd;
                        return 0;
                }
                if (r == -ENETUNREACH)
                        r = -EHOSTUNREACH;
                if (best == 0 || error_rank(r) > error_rank(best)) {
                        best = r;
                        getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr,
                                    NULL, 0, NI_NUMERICHOST);
                }
        }
        freeaddrinfo(res);
        if (best == 0)
                best = -EHOSTUNREACH;
        if (best == -ETIMEDOUT)
                *ret_why = xasprintf("cannot connect to %s port %u (%s): no answer within %u s",
                                     host, (unsigned)port, addr, timeout_s);
        else
                *ret_why = xasprintf("cannot connect to %s port %u (%s): %s",
                                     host, (unsigned)port, addr, strerror(-best));
        return best;
}

bool conn_peer_is_loopback(int fd)
{
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
                return false;
        if (ss.ss_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
                return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        }
        if (ss.ss_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *)&ss)->sin6_addr;
                if (IN6_IS_ADDR_LOOPBACK(a))
                        return true;
                return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
        }
        return false;
}

/* Called by libetpan between gnutls_init() and the handshake. */
static void ssl_setup(struct mailstream_ssl_context *ctx, void *data)
{
        char *host = data;
        /* RFC 6066: SNI carries host names only, never address literals. */
        if (!is_ip_literal(host))
                mailstream_ssl_set_server_name(ctx, host);
}

int conn_open_stream(int fd, bool tls, const char *host, const char *ca_file,
                     const char *ca_key, mailstream **ret, char **ret_why)
{
        /* libetpan waits with select() on the socket and on a cancel pipe
         * of its own, made next: a descriptor at or past FD_SETSIZE would
         * abort the process (glibc's __fdelt_chk).  Such a session is
         * refused instead, and fails alone (manager.c, raise_nofile()). */
        if (fd + 2 >= FD_SETSIZE) {
                close(fd);
                *ret_why = xasprintf("descriptor %d, with libetpan's pipe after it, reaches past the %d that "
                                     "select() can wait on: too many sessions in one process", fd, FD_SETSIZE);
                return -EMFILE;
        }
        if (!tls) {
                mailstream *s = mailstream_socket_open_timeout(fd, NET_TIMEOUT_S);
                if (!s)
                        oom(); /* libetpan: NULL here can only mean out of memory */
                *ret = s;
                return 0;
        }
        mailstream *s = mailstream_ssl_open_with_callback_timeout(fd, NET_TIMEOUT_S, ssl_setup,
                                                                  (void *)host);
        if (!s) {
                close(fd);
                *ret_why = xasprintf("TLS handshake with %s failed or got no answer within "
                                     "%d s (does the port speak implicit TLS?)", host,
                                     NET_TIMEOUT_S);
                return -EPROTO;
        }
        int r = conn_check_certificate(s, host, ca_file, ca_key, ret_why);
        if (r < 0) {
                mailstream_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

int conn_starttls(mailstream *s, const char *host, const char *ca_file,
                  const char *ca_key, char **ret_why)
{
        /* Anything the server sent after its go-ahead arrived in plain text
         * and would be taken as protected: the STARTTLS injection attack
         * (CVE-2011-0411 and kin).  Refuse rather than guess. */
        if (s->read_buffer_len > 0) {
                *ret_why = xasprintf("%s sent data after accepting STARTTLS; refusing the "
                                     "connection (possible command injection)", host);
                return -EPROTO;
        }
        mailstream_low *plain = mailstream_get_low(s);
        int fd = mailstream_low_get_fd(plain);
        mailstream_low *tls = mailstream_low_tls_open_with_callback_timeout(
                fd, NET_TIMEOUT_S, ssl_setup, (void *)host);
        if (!tls) {
                *ret_why = xasprintf("TLS handshake with %s after STARTTLS failed or got no "
                                     "answer within %d s", host, NET_TIMEOUT_S);
                return -EPROTO;
        }
        /* Frees the plain layer without closing the socket the TLS layer now owns. */
        mailstream_low_free(plain);
        mailstream_set_low(s, tls);
        return conn_check_certificate(s, host, ca_file, ca_key, ret_why);
}

static int load_trust(const char *ca_file, const char *ca_key,
                      gnutls_x509_trust_list_t *ret, char **ret_why)
{
        gnutls_x509_trust_list_t tl;
        if (gnutls_x509_trust_list_init(&tl, 0) < 0)
                oom(); /* libetpan: NULL here can only mean out of memory */
        int r;
        if (ca_file)
                r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
                                                          GNUTLS_X509_FMT_PEM, 0, 0);
        else
                r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
        if (r <= 0) {
                gnutls_x509_trust_list_deinit(tl, 1);
                if (ca_file)
                        *ret_why = xasprintf("%s %s: no usable PEM certificate (%s)", ca_key,
                                             ca_file, r < 0 ? gnutls_strerror(r) : "none found");
                else
                        *ret_why = xasprintf("cannot load the system trust store (%s)",
                                             r < 0 ? gnutls_strerror(r) : "it is empty");
                return -EINVAL;
        }
        *ret = tl;
        return 0;
}

/* Imports the DER chain libetpan hands out; returns the count imported. */
static unsigned import_chain(carray *chain, gnutls_x509_crt_t crts[static MAX_CHAIN])
{
        unsigned n = 0;
        for (unsigned i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
                MMAPString *der = carray_get(chain, i);
                gnutls_datum_t d = { .data = (unsigned char *)der->str,
                                     .size = (unsigned)der->len };
                if (gnutls_x509_crt_init(&crts[n]) < 0)
                        oom(); /* libetpan: NULL here can only mean out of memory */
                if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
                        gnutls_x509_crt_deinit(crts[n]);
                        break;
                }
                n++;
        }
        return n;
}

static char *status_reason(unsigned status)
{
        gnutls_datum_t out = { 0 };
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) < 0)
                return xasprintf("verification status 0x%x", status);
        char *s = xstrndup((const char *)out.data, out.size);
        gnutls_free(out.data);
        /* Every reason starts with this; it adds nothing to our own words. */
        const char *prefix = "The certificate is NOT trusted. ";
        if (str_startswith(s, prefix))
                memmove(s, s + strlen(prefix), strlen(s + strlen(prefix)) + 1);
        char *t = xstrdup(str_trim(s));
        free(s);
        return t;
}

static int verify_chain(gnutls_x509_trust_list_t tl, gnutls_x509_crt_t *crts, unsigned n,
                        const char *host, unsigned *ret_status)
{
        gnutls_typed_vdata_st vdata[] = {
                { .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)host },
                { .type = GNUTLS_DT_KEY_PURPOSE_OID,
                  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER },
        };
        return gnutls_x509_trust_list_verify_crt2(tl, crts, n, vdata, ARRAY_SIZE(vdata), 0,
                                                  ret_status, NULL);
}

int conn_check_certificate(mailstream *s, const char *host, const char *ca_file,
                           const char *ca_key, char **ret_why)
{
        carray *chain = mailstream_get_certificate_chain(s);
        if (!chain || carray_count(chain) == 0) {
                if (chain)
                        mailstream_certificate_chain_free(chain);
                *ret_why = xasprintf("TLS server %s presented no certificate", host);
                return -EPERM;
        }
        gnutls_x509_crt_t crts[MAX_CHAIN];
        unsigned n = import_chain(chain, crts);
        mailstream_certificate_chain_free(chain);
        if (n == 0) {
                *ret_why = xasprintf("TLS certificate of %s cannot be parsed", host);
                return -EPERM;
        }
        gnutls_x509_trust_list_t tl;
        int r = load_trust(ca_file, ca_key, &tl, ret_why);
        if (r < 0)
                goto done;
        unsigned status = 0;
        int g = verify_chain(tl, crts, n, host, &status);
        gnutls_x509_trust_list_deinit(tl, 1);
        if (g < 0 || status != 0) {
                _cleanup_free_ char *why = g < 0 ? xstrdup(gnutls_strerror(g))
                                                 : status_reason(status);
                if (ca_file)
                        *ret_why = xasprintf("TLS certificate of %s is not trusted by %s %s: %s",
                                             host, ca_key, ca_file, why);
                else
                        *ret_why = xasprintf("TLS certificate of %s is not trusted: %s "
                                             "(set %s to trust a private CA)", host, why, ca_key);
                r = -EPERM;
        }
done:
        for (unsigned i = 0; i < n; i++)
                gnutls_x509_crt_deinit(crts[i]);
        return r;
}

/* ---- what went wrong, in words ----------------------------------------- */

int conn_fail(char **error, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        free(*error);
        *error = msg;
        return r;
}

/* Per thread: the daemon's manager, mover and sender each connect on their
 * own, and a reason must reach the thread whose connect failed. */
static _Thread_local char *connect_errors[CONN__MAX];

void conn_set_connect_error(ConnClient client, char *why)
{
        free(connect_errors[client]);
        connect_errors[client] = why;
}

const char *conn_connect_error(ConnClient client)
{
        return connect_errors[client] ? connect_errors[client] : "";
}

const char *conn_read_line(mailstream *st, MMAPString *line)
{
        if (!mailstream_read_line(st, line))
                return NULL;
        if (line->len > 0 && line->str[line->len - 1] == '\n')
                line->str[--line->len] = 0;
        if (line->len > 0 && line->str[line->len - 1] == '\r')
                line->str[--line->len] = 0;
        return line->str;
}
