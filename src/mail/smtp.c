/* smtp.c — see smtp.h.  RFC 5321 (SMTP), 3207 (STARTTLS), 4954 (AUTH),
 * 7628 (OAUTHBEARER), 1870 (SIZE), 6152 (8BITMIME), 6531 (SMTPUTF8). */
#include "mail/smtp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <libetpan/libetpan.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "mail/conn.h"
#include "mail/sasl.h"

/* More lines than this in one reply is a broken or hostile server. */
#define MAX_REPLY_LINES 1000
#define MAX_REPLY_TEXT 8192

struct Smtp {
        mailstream *st;
        char *host;
        char *name;             /* what we say in EHLO */
        char *error;
        bool dead;
        MMAPString *line;
        int code;               /* of the last reply */
        Buf reply;              /* its text, lines joined by '\n' */
        /* From the last EHLO. */
        bool starttls, size_ext, eightbit, smtputf8;
        uint64_t max_size;      /* 0: not announced */
        StrList auth;           /* mechanisms, upper case */
};

static int lost(Smtp *s)
{
        s->dead = true;
        return conn_fail(&s->error, -ECONNRESET, "connection to SMTP server %s lost (closed, reset, or no "
                         "answer within %d s)", s->host, NET_TIMEOUT_S);
}

/* The last reply's text on one line, safe for logs and mail. */
static char *reply_text(const Smtp *s)
{
        char *t = str_header_safe(s->reply.s ? s->reply.s : "");
        if (strlen(t) > 500)
                strcpy(t + 497, "...");
        return t;
}

/* Reads one reply, however many lines (RFC 5321 4.2.1); returns its code. */
static int read_reply(Smtp *s)
{
        buf_free(&s->reply);
        buf_puts(&s->reply, "");
        s->code = 0;
        for (unsigned n = 0; n < MAX_REPLY_LINES; n++) {
                /* At end of stream libetpan returns what it has, possibly "". */
                const char *l = conn_read_line(s->st, s->line);
                if (!l || s->line->len == 0)
                        return lost(s);
                if (s->line->len < 3 || !isdigit((unsigned char)l[0]) ||
                    !isdigit((unsigned char)l[1]) || !isdigit((unsigned char)l[2]) ||
                    (l[3] && l[3] != ' ' && l[3] != '-')) {
                        s->dead = true;
                        _cleanup_free_ char *bad = str_header_safe(l);
                        return conn_fail(&s->error, -EPROTO, "malformed SMTP reply from %s: %.100s",
                                         s->host, bad);
                }
                if (s->reply.len < MAX_REPLY_TEXT) {
                        if (n > 0)
                                buf_putc(&s->reply, '\n');
                        buf_puts(&s->reply, l[3] ? l + 4 : "");
                }
                if (l[3] != '-') {
                        s->code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
                        return s->code;
                }
        }
        s->dead = true;
        return conn_fail(&s->error, -EPROTO, "SMTP reply from %s has more than %d lines", s->host,
                         MAX_REPLY_LINES);
}

/* shown is what the debug log says instead, for lines carrying secrets. */
static int send_line(Smtp *s, const char *line, const char *shown)
{
        log_debug("SMTP %s> %s", s->host, shown ? shown : line);
        if (mailstream_write(s->st, line, strlen(line)) < 0 ||
            mailstream_write(s->st, "\r\n", 2) < 0 || mailstream_flush(s->st) < 0)
                return lost(s);
        return 0;
}

static int command(Smtp *s, const char *line, const char *shown)
{
        int r = send_line(s, line, shown);
        return r < 0 ? r : read_reply(s);
}

static void parse_ehlo(Smtp *s)
{
        s->starttls = s->size_ext = s->eightbit = s->smtputf8 = false;
        s->max_size = 0;
        strlist_free(&s->auth);
        /* The first line is the greeting; each further line one extension. */
        g_auto(GStrv) lines = g_strsplit(s->reply.s, "\n", -1);
        for (size_t i = 1; lines[i]; i++) {
                g_auto(GStrv) w = g_strsplit_set(lines[i], " =", -1);
                if (!w[0])
                        continue;
                if (g_ascii_strcasecmp(w[0], "STARTTLS") == 0)
                        s->starttls = true;
                else if (g_ascii_strcasecmp(w[0], "8BITMIME") == 0)
                        s->eightbit = true;
                else if (g_ascii_strcasecmp(w[0], "SMTPUTF8") == 0)
                        s->smtputf8 = true;
                else if (g_ascii_strcasecmp(w[0], "SIZE") == 0) {
                        s->size_ext = true;
                        if (w[1])
                                s->max_size = g_ascii_strtoull(w[1], NULL, 10);
                } else if (g_ascii_strcasecmp(w[0], "AUTH") == 0)
                        for (size_t k = 1; w[k]; k++)
                                if (*w[k] && !strlist_contains_ci(&s->auth, w[k]))
                                        strlist_take(&s->auth, g_ascii_strup(w[k], -1));
        }
}

static int ehlo(Smtp *s)
{
        _cleanup_free_ char *cmd = xasprintf("EHLO %s", s->name);
        int code = command(s, cmd, NULL);
        if (code == 250)
                parse_ehlo(s);
        return code;
}

static bool valid_hostname(const char *h)
{
        if (!*h || !strchr(h, '.') || h[0] == '.' || h[0] == '-')
                return false;
        for (; *h; h++)
                if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.')
                        return false;
        return true;
}

/* RFC 5321 4.1.1.1: our FQDN, or failing that our address as a literal. */
static char *local_name(int fd)
{
        char h[256] = "";
        if (gethostname(h, sizeof h - 1) == 0 && valid_hostname(h))
                return xstrdup(h);
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char addr[INET6_ADDRSTRLEN];
        if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
            getnameinfo((struct sockaddr *)&ss, len, addr, sizeof addr, NULL, 0, NI_NUMERICHOST))
                return xstrdup("[127.0.0.1]");
        if (ss.ss_family == AF_INET6 && !strchr(addr, '%'))
                return xasprintf("[IPv6:%s]", addr);
        return ss.ss_family == AF_INET ? xasprintf("[%s]", addr) : xstrdup("[127.0.0.1]");
}

static int starttls(Smtp *s, const SmtpConfig *cfg)
{
        if (!s->starttls)
                return conn_fail(&s->error, -EPROTO, "%s does not offer STARTTLS (smtp.tls = starttls "
                                 "requires it)", s->host);
        int code = command(s, "STARTTLS", NULL);
        if (code < 0)
                return code;
        if (code != 220) {
                _cleanup_free_ char *text = reply_text(s);
                return conn_fail(&s->error, -EPROTO, "%s refused STARTTLS: %d %s", s->host, code, text);
        }
        _cleanup_free_ char *why = NULL;
        int r = conn_starttls(s->st, cfg->host, cfg->ca_file, "smtp.ca_file", &why);
        if (r < 0) {
                s->dead = true;
                return conn_fail(&s->error, r, "SMTP: %s", why);
        }
        /* RFC 3207 4.2: forget what was learnt in the clear and ask again. */
        code = ehlo(s);
        if (code < 0)
                return code;
        if (code != 250) {
                _cleanup_free_ char *text = reply_text(s);
                return conn_fail(&s->error, -EPROTO, "%s refused EHLO after STARTTLS: %d %s", s->host, code,
                                 text);
        }
        return 0;
}

/* TCP, TLS, greeting, EHLO (and STARTTLS): everything before AUTH. */
static int session_open(Smtp *s, const SmtpConfig *cfg)
{
        _cleanup_free_ char *why = NULL;
        int fd = -1;
        int r = conn_tcp_connect(cfg->host, cfg->port, NET_TIMEOUT_S, &fd, &why);
        if (r < 0)
                return conn_fail(&s->error, r, "SMTP: %s", why);
        if (cfg->tls == TLS_NONE && cfg->auth != AUTH_NONE && !conn_peer_is_loopback(fd)) {
                close(fd);
                return conn_fail(&s->error, -EPERM, "refusing to send the SMTP secret to %s unencrypted: it "
                                 "is not a loopback address (set smtp.tls to imaps or starttls)",
                                 cfg->host);
        }
        s->name = local_name(fd);
        r = conn_open_stream(fd, cfg->tls == TLS_IMAPS, cfg->host, cfg->ca_file,
                                  "smtp.ca_file", &s->st, &why);
        if (r < 0)
                return conn_fail(&s->error, r, "SMTP: %s", why);
        int code = read_reply(s);
        if (code < 0)
                return code;
        _cleanup_free_ char *text = reply_text(s);
        if (code != 220)
                return conn_fail(&s->error, -ECONNREFUSED, "%s refuses SMTP service: %d %s", s->host, code,
                                 text);
        code = ehlo(s);
        if (code < 0)
                return code;
        if (code != 250) {
                free(text);
                text = reply_text(s);
                /* Only a plain, anonymous session may fall back to RFC 821. */
                if (cfg->tls == TLS_STARTTLS || cfg->auth != AUTH_NONE)
                        return conn_fail(&s->error, -EPROTO, "%s refused EHLO: %d %s", s->host, code, text);
                _cleanup_free_ char *helo = xasprintf("HELO %s", s->name);
                code = command(s, helo, NULL);
                if (code < 0)
                        return code;
                if (code != 250)
                        return conn_fail(&s->error, -EPROTO, "%s refused EHLO and HELO: %d %s", s->host,
                                         code, text);
        }
        return cfg->tls == TLS_STARTTLS ? starttls(s, cfg) : 0;
}

static int auth_result(Smtp *s, const char *mech, int code, const char *detail)
{
        if (code < 0)
                return code;
        if (code == 235)
                return 0;
        _cleanup_free_ char *text = reply_text(s);
        const char *sep = detail ? " (" : "", *end = detail ? ")" : "";
        if (code / 100 == 4)
                return conn_fail(&s->error, -EAGAIN, "SMTP AUTH %s: temporary failure at %s: %d %s%s%s%s",
                                 mech, s->host, code, text, sep, detail ? detail : "", end);
        return conn_fail(&s->error, -EACCES, "SMTP AUTH %s: %s refused the credentials: %d %s%s%s%s", mech,
                         s->host, code, text, sep, detail ? detail : "", end);
}

/* AUTH with an initial response.  A 334 after it can only carry an error
 * (XOAUTH2 and RFC 7628 send JSON); on_challenge answers it so the server
 * finishes with the final reply. */
static int auth_ir(Smtp *s, const char *mech, const char *resp, size_t len,
                   const char *on_challenge)
{
        gchar *b64 = g_base64_encode((const guchar *)resp, len);
        char *cmd = xasprintf("AUTH %s %s", mech, b64);
        _cleanup_free_ char *shown = xasprintf("AUTH %s (credentials)", mech);
        int code = command(s, cmd, shown);
        explicit_bzero(b64, strlen(b64));
        explicit_bzero(cmd, strlen(cmd));
        g_free(b64);
        free(cmd);
        _cleanup_free_ char *detail = NULL;
        if (code == 334) {
                gsize n = 0;
                g_autofree guchar *raw = g_base64_decode(s->reply.s, &n);
                _cleanup_free_ char *json = xstrndup(raw ? (const char *)raw : "", raw ? n : 0);
                detail = str_header_safe(json);
                code = command(s, on_challenge, NULL);
        }
        return auth_result(s, mech, code, str_empty(detail) ? NULL : detail);
}

static int auth_login(Smtp *s, const char *user, const char *pass)
{
        int code = command(s, "AUTH LOGIN", NULL);
        gchar *u = g_base64_encode((const guchar *)user, strlen(user));
        gchar *p = g_base64_encode((const guchar *)pass, strlen(pass));
        if (code == 334)
                code = command(s, u, "(user name)");
        if (code == 334)
                code = command(s, p, "(password)");
        explicit_bzero(p, strlen(p));
        g_free(u);
        g_free(p);
        return auth_result(s, "LOGIN", code, NULL);
}

static int authenticate(Smtp *s, const SmtpConfig *cfg, const char *secret)
{
        if (cfg->auth == AUTH_NONE)
                return 0;
        if (!secret || !cfg->user)
                return conn_fail(&s->error, -EINVAL, "SMTP authentication needs smtp.user and a secret");
        const char *mech = cfg->auth == AUTH_XOAUTH2 ? "XOAUTH2"
                         : cfg->auth == AUTH_OAUTHBEARER ? "OAUTHBEARER" : "PLAIN";
        bool plain = cfg->auth == AUTH_PLAIN;
        if (plain && !strlist_contains(&s->auth, "PLAIN") && strlist_contains(&s->auth, "LOGIN"))
                return auth_login(s, cfg->user, secret);
        if (!strlist_contains(&s->auth, mech)) {
                _cleanup_free_ char *offered = strlist_join(&s->auth, " ");
                return conn_fail(&s->error, -EPROTO, "%s does not offer AUTH %s%s (it offers: %s)%s", s->host,
                                 mech, plain ? " or LOGIN" : "", *offered ? offered : "nothing",
                                 cfg->tls == TLS_NONE && s->auth.n == 0
                                 ? "; many servers offer AUTH only over TLS" : "");
        }
        char *resp;
        size_t len;
        if (plain) {
                /* RFC 4616: authzid NUL authcid NUL password; empty authzid. */
                resp = xasprintf("%c%s%c%s", 0, cfg->user, 0, secret);
                len = 2 + strlen(cfg->user) + strlen(secret);
        } else if (cfg->auth == AUTH_XOAUTH2)
                resp = sasl_xoauth2(cfg->user, secret);
        else
                resp = sasl_oauthbearer(cfg->user, secret);
        if (!plain)
                len = strlen(resp);
        /* After an initial response a challenge is an error report: cancel
         * PLAIN with "*", answer XOAUTH2 empty and OAUTHBEARER with %x01. */
        int r = auth_ir(s, mech, resp, len,
                        plain ? "*" : cfg->auth == AUTH_XOAUTH2 ? "" : "AQ==");
        explicit_bzero(resp, len);
        free(resp);
        return r;
}

const char *smtp_last_error(const Smtp *s)
{
        if (!s)
                return conn_connect_error(CONN_SMTP);
        return s->error ? s->error : "";
}

int smtp_connect(const SmtpConfig *cfg, const char *secret, Smtp **ret)
{
        Smtp *s = xcalloc(1, sizeof *s);
        s->host = xstrdup(cfg->host);
        s->line = mmap_string_new("");
        if (!s->line)
                oom();
        int r = session_open(s, cfg);
        if (r >= 0)
                r = authenticate(s, cfg, secret);
        if (r < 0) {
                conn_set_connect_error(CONN_SMTP, s->error ? s->error : xstrdup(strerror(-r)));
                s->error = NULL;
                smtp_free(s);
                return r;
        }
        conn_set_connect_error(CONN_SMTP, NULL);
        *ret = s;
        return 0;
}

/* Refuses what would break the command line or no server could route. */
static bool valid_address(const char *a, bool allow_empty)
{
        size_t n = strlen(a);
        if (n == 0)
                return allow_empty;
        if (n > 254)
                return false;
        for (const char *p = a; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
                        return false;
        return strchr(a, '@') || strcasecmp(a, "postmaster") == 0;
}

/* Sends data dot-stuffed with CRLF line ends, then the final dot. */
static int send_body(Smtp *s, const char *data, size_t len)
{
        const char *p = data, *end = data + len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t l = (size_t)((nl ? nl : end) - p);
                if (l > 0 && p[l - 1] == '\r')
                        l--;
                if ((*p == '.' && mailstream_write(s->st, ".", 1) < 0) ||
                    mailstream_write(s->st, p, l) < 0 || mailstream_write(s->st, "\r\n", 2) < 0)
                        return lost(s);
                p = nl ? nl + 1 : end;
        }
        if (mailstream_write(s->st, ".\r\n", 3) < 0 || mailstream_flush(s->st) < 0)
                return lost(s);
        return 0;
}

/* Records why the transaction failed, resets it, and returns our code. */
static int txn_fail(Smtp *s, SmtpResult *res, int code, const char *what)
{
        if (code < 0) {         /* connection lost: retry on a new one */
                res->message = xstrdup(s->error);
                return -EIO;
        }
        res->code = code;
        res->permanent = code >= 500 && code < 600;
        res->message = reply_text(s);
        conn_fail(&s->error, 0, "SMTP %s refused by %s: %d %s", what, s->host, code, res->message);
        /* Reuse the session for the next message; a failing RSET kills it. */
        if (command(s, "RSET", NULL) != 250)
                s->dead = true;
        return res->permanent ? -EPERM : -EIO;
}

/* A message refused before anything was sent; takes msg. */
static int reject(Smtp *s, SmtpResult *res, int r, char *msg)
{
        res->permanent = true;
        res->message = msg;
        return conn_fail(&s->error, r, "SMTP: %s", msg);
}

static bool has_8bit(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)p[i] >= 0x80)
                        return true;
        return false;
}

static char *mail_from(Smtp *s, const char *from, const char *data, size_t len, bool utf8)
{
        Buf b = { 0 };
        buf_printf(&b, "MAIL FROM:<%s>", from);
        if (s->size_ext)
                buf_printf(&b, " SIZE=%zu", len);
        if (utf8)
                buf_puts(&b, " SMTPUTF8");
        else if (s->eightbit && has_8bit(data, len))
                buf_puts(&b, " BODY=8BITMIME");
        return buf_steal(&b);
}

static int check_envelope(Smtp *s, const char *from, const char *const *rcpts, size_t n,
                          size_t len, bool *ret_utf8, SmtpResult *res)
{
        bool utf8 = !str_is_ascii(from);
        if (!valid_address(from, true))
                return reject(s, res, -EINVAL, xasprintf("invalid envelope sender \"%s\"", from));
        if (n == 0)
                return reject(s, res, -EINVAL, xstrdup("no recipients"));
        for (size_t i = 0; i < n; i++) {
                if (!valid_address(rcpts[i], false))
                        return reject(s, res, -EINVAL,
                                      xasprintf("invalid recipient \"%s\"", rcpts[i]));
                utf8 = utf8 || !str_is_ascii(rcpts[i]);
        }
        if (utf8 && !s->smtputf8)
                return reject(s, res, -EINVAL, xasprintf("%s does not offer SMTPUTF8, needed for "
                                                         "non-ASCII addresses", s->host));
        if (s->max_size > 0 && len > s->max_size)
                return reject(s, res, -EPERM,
                              xasprintf("the message (%zu bytes) exceeds the limit of %s "
                                        "(%" PRIu64 " bytes)", len, s->host, s->max_size));
        *ret_utf8 = utf8;
        return 0;
}

static int transaction(Smtp *s, const char *from, const char *const *rcpts, size_t n,
                       const char *data, size_t len, SmtpResult *res)
{
        if (s->dead) {
                res->message = xstrdup(s->error ? s->error : "SMTP session is closed");
                return -EIO;
        }
        bool utf8 = false;
        int r = check_envelope(s, from, rcpts, n, len, &utf8, res);
        if (r < 0)
                return r;
        _cleanup_free_ char *mail = mail_from(s, from, data, len, utf8);
        int code = command(s, mail, NULL);
        if (code != 250)
                return txn_fail(s, res, code, "MAIL FROM");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *rcpt = xasprintf("RCPT TO:<%s>", rcpts[i]);
                code = command(s, rcpt, NULL);
                if (code != 250 && code != 251)
                        return txn_fail(s, res, code, rcpt);
        }
        code = command(s, "DATA", NULL);
        if (code != 354)
                return txn_fail(s, res, code, "DATA");
        r = send_body(s, data, len);
        code = r < 0 ? r : read_reply(s);
        if (code != 250)
                return txn_fail(s, res, code, "message");
        res->code = code;
        res->message = reply_text(s);
        return 0;
}

int smtp_send(Smtp *s, const char *envelope_from, const char *const *rcpts, size_t n_rcpts,
              const char *data, size_t len, SmtpResult *ret)
{
        SmtpResult res = { 0 };
        int r = transaction(s, envelope_from ? envelope_from : "", rcpts, n_rcpts, data, len,
                            &res);
        if (ret)
                *ret = res;
        else
                free(res.message);
        return r;
}

void smtp_result_free(SmtpResult *r)
{
        if (!r)
                return;
        free(r->message);
        r->message = NULL;
}

void smtp_free(Smtp *s)
{
        if (!s)
                return;
        if (s->st) {
                if (!s->dead) {
                        /* QUIT is a courtesy: do not wait long for its answer. */
                        mailstream_low_set_timeout(mailstream_get_low(s->st), 5);
                        if (send_line(s, "QUIT", NULL) >= 0)
                                (void)read_reply(s);
                }
                mailstream_close(s->st);
        }
        if (s->line)
                mmap_string_free(s->line);
        buf_free(&s->reply);
        strlist_free(&s->auth);
        free(s->host);
        free(s->name);
        free(s->error);
        free(s);
}
