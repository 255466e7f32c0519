/* conn.h — a mail server connection as imap.c and smtp.c both need it:
 * opened, verified, stopped, and its failures said in words.
 *
 * libetpan connects, speaks TLS and buffers the stream, but it neither says
 * why a connection failed (refused, unreachable, timed out all become one
 * error) nor checks the server's certificate at all.  This module does both:
 * a TCP connect that keeps errno and never waits longer than a timeout, and a
 * verification of the peer's chain and host name with GnuTLS that runs after
 * the handshake and before any credential is sent.  It also keeps the two
 * clients' error reporting in one place: the message of a failed step
 * (conn_fail) and why this thread's last connect failed
 * (conn_connect_error).
 *
 * Every function that can fail returns 0 or a negative errno-style code and
 * then puts a human-readable explanation in *ret_why (caller frees); nothing
 * here logs. */
#pragma once

#include <libetpan/libetpan.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

/* Seconds any single network step (connect, handshake, one read or write) may
 * take before the session is given up. */
#define NET_TIMEOUT_S 60

/* Connects to host:port, trying every address the name resolves to, each
 * within timeout_s seconds.  On success *ret_fd is a connected, blocking,
 * close-on-exec socket the caller owns.  Errors: -EHOSTUNREACH (the name does
 * not resolve, or no route), -ECONNREFUSED, -ETIMEDOUT, or another -errno. */
int conn_tcp_connect(const char *host, uint16_t port, unsigned timeout_s,
                     int *ret_fd, char **ret_why);

/* Stopping: shuts down every IMAP and SMTP socket this process has open,
 * from any thread, so that a read or write waiting on a stalled server
 * fails at once instead of after NET_TIMEOUT_S; every later connect fails
 * with -ECANCELED.  Async-signal-safe and one-way. */
void conn_abort_all(void);

/* True when the socket's peer is a loopback address (127.0.0.0/8, ::1 or
 * IPv4-mapped 127.0.0.0/8).  Checked on the connected socket rather than on a
 * second name lookup, so what is checked is what is used. */
bool conn_peer_is_loopback(int fd);

/* Wraps fd in a libetpan stream: plain when tls is false, otherwise after a
 * TLS handshake (with SNI) whose certificate is verified as by
 * conn_check_certificate().  Takes ownership of fd in every case: on failure
 * it is closed.  ca_key is the configuration key named in error messages
 * ("mailbox.ca_file").  Errors: -EPROTO (handshake failed), -EPERM (the
 * certificate is not trusted), -EINVAL (ca_file unusable), -ENOMEM,
 * -EMFILE (fd is too high for libetpan's select(): FD_SETSIZE). */
int conn_open_stream(int fd, bool tls, const char *host, const char *ca_file,
                     const char *ca_key, mailstream **ret, char **ret_why);

/* Replaces the plain transport under s by TLS on the same socket, for
 * STARTTLS once the server has said go ahead, then verifies the certificate.
 * On failure s is unusable and must be closed by the caller. */
int conn_starttls(mailstream *s, const char *host, const char *ca_file,
                  const char *ca_key, char **ret_why);

/* Verifies the certificate chain the server presented on s against ca_file
 * (PEM, one or more certificates; NULL means the system trust store) and
 * against host (a DNS name or an IP address), for use as a TLS server.
 * Returns -EPERM when it is not trusted, with *ret_why like
 * "TLS certificate of imap.example.org is not trusted: <reason> (set
 * mailbox.ca_file to trust a private CA)". */
int conn_check_certificate(mailstream *s, const char *host, const char *ca_file,
                           const char *ca_key, char **ret_why);

/* ---- what went wrong, in words ----------------------------------------- */

/* Replaces *error (freed; it may be NULL) by the formatted message and
 * returns r, so that a failing step of a client reads
 * "return conn_fail(&s->error, -EPROTO, ...)".  The message is what
 * imap_last_error() and smtp_last_error() give back. */
int conn_fail(char **error, int r, const char *fmt, ...) _printf_(3, 4);

/* The clients whose last connect failure each thread keeps apart: an SMTP
 * connect that succeeds must not clear why the IMAP one failed. */
typedef enum {
        CONN_IMAP,
        CONN_SMTP,
        CONN__MAX,
} ConnClient;

/* Records how this thread's connect of client ended: why is the reason it
 * failed (taken over, freed by the next call), NULL when it succeeded. */
void conn_set_connect_error(ConnClient client, char *why);

/* Why this thread's last connect of client failed; "" when it did not (or
 * none was made).  Valid until the next conn_set_connect_error() for it. */
const char *conn_connect_error(ConnClient client);

/* One line from st into line, its CR LF taken off: mailstream_read_line_
 * remove_eol() without its flaw (on an empty read it looks at the byte
 * before the buffer: valgrind saw it when a stop cut an IDLE short).
 * NULL at end of stream or on error; "" when the stream ended on nothing. */
const char *conn_read_line(mailstream *st, MMAPString *line);
