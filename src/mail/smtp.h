/* smtp.h — the SMTP submission client: one blocking session.
 *
 * The transport is libetpan's mailstream (buffering, TLS, timeouts) with the
 * certificate checks of conn.c; the protocol is spoken here rather than
 * through libetpan's mailsmtp, which hides reply codes behind its own enum,
 * builds EHLO from gethostname() alone, needs Cyrus SASL plugins for
 * PLAIN/LOGIN and has no OAUTHBEARER.
 *
 * Functions return 0 or a negative errno-style code and leave an explanation
 * for smtp_last_error().  Network writes may raise SIGPIPE when the server
 * has gone away; the program must ignore SIGPIPE.  Every network step gives
 * up after NET_TIMEOUT_S (60 s).  Not thread-safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"

typedef struct Smtp Smtp;

/* Connects per cfg: tls imaps is implicit TLS, starttls requires the server
 * to offer STARTTLS (refused otherwise), none is plain and then a secret is
 * only sent to a loopback peer.  The certificate is verified against
 * cfg->ca_file or the system store before anything else is sent.  EHLO names
 * this host by its FQDN, or by its address literal when the host name is not
 * qualified.  Authenticates per cfg->auth: AUTH PLAIN (or LOGIN when PLAIN
 * is not offered), XOAUTH2 or OAUTHBEARER with secret as the access token, or
 * not at all; secret may be NULL for AUTH_NONE and is only read during the
 * call.  Errors: -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT (connecting, or the
 * greeting refused service), -EPERM (certificate not trusted, or a secret
 * would cross an unencrypted non-loopback connection), -EACCES (credentials
 * refused), -EAGAIN (temporary authentication failure), -EPROTO.  On failure
 * *ret is untouched and smtp_last_error(NULL) explains. */
int smtp_connect(const SmtpConfig *cfg, const char *secret, Smtp **ret);

typedef struct {
        int code;               /* the deciding reply code; 0 when there was none */
        bool permanent;         /* retrying the same message is pointless */
        char *message;          /* the server's reply text (single line), or our reason */
} SmtpResult;

/* Sends one message: MAIL FROM (with SIZE, and BODY=8BITMIME or SMTPUTF8
 * when needed and offered), RCPT TO for each recipient, DATA.  data is the
 * message; bare LF line ends are sent as CRLF and lines starting with a dot
 * are dot-stuffed.  envelope_from may be "" (null reverse-path).  A 5xx for
 * any recipient fails the whole message permanently, a 4xx temporarily.
 * Returns 0 when the server accepted the data (250); -EIO for a temporary
 * failure (4xx, or the connection dropped: reconnect and retry) with
 * ret->permanent false; -EPERM for a permanent one (5xx) with ret->permanent
 * true; -EINVAL (permanent) for an address no server could accept.  Unlike
 * most functions, *ret is filled in every case (NULL allowed); free it with
 * smtp_result_free().  After a failed transaction RSET is sent so the
 * session can be reused. */
int smtp_send(Smtp *s, const char *envelope_from, const char *const *rcpts, size_t n_rcpts,
              const char *data, size_t len, SmtpResult *ret);
void smtp_result_free(SmtpResult *r);

/* The last error of s or "" (owned by s, valid until the next call); with
 * s NULL, why this thread's last smtp_connect() failed. */
const char *smtp_last_error(const Smtp *s);

/* QUIT (best effort) and close.  Accepts NULL. */
void smtp_free(Smtp *s);
