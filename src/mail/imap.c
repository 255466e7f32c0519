/* imap.c — see imap.h.
 *
 * libetpan's mailimap does the protocol work: command syntax, response
 * parsing, literals, selection state.  What it lacks is done here: certificate
 * verification (conn.c), AUTHENTICATE OAUTHBEARER (and XOAUTH2 through
 * the same code, to keep the server's reason), modified UTF-7 folder names,
 * streaming FETCH responses one message at a time through
 * mailimap_set_msg_att_handler(), and reading untagged responses during IDLE
 * without leaving it. */
#include "mail/imap.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "mail/conn.h"
#include "mail/sasl.h"

struct Imap {
        mailimap *m;
        char *host;
        char *error;
        StrList caps;           /* as announced, e.g. "IDLE", "AUTH=PLAIN" */
        bool dead;              /* the stream failed: only imap_free() is useful */
        bool preauth;
        bool idling;
        bool selected;
        char *folder;           /* selected, UTF-8, for messages */
        uint32_t uidvalidity;   /* of the selected folder */
        MMAPString *line;       /* untagged responses read during IDLE */
};

/* The server's text for the last tagged response, fit for a log line. */
static char *server_text(const Imap *s)
{
        const char *t = s->m ? s->m->imap_response : NULL;
        if (str_empty(t))
                return xstrdup("(no reason given)");
        char *c = str_header_safe(t);
        if (strlen(c) > 300)
                strcpy(c + 297, "...");
        return c;
}

/* Turns a libetpan result for the command `what` into our code and message. */
static int etpan_error(Imap *s, int e, const char *what)
{
        _cleanup_free_ char *text = NULL;
        switch (e) {
        case MAILIMAP_NO_ERROR:
        case MAILIMAP_NO_ERROR_AUTHENTICATED:
        case MAILIMAP_NO_ERROR_NON_AUTHENTICATED:
                return 0;
        case MAILIMAP_ERROR_MEMORY:
                oom();
        case MAILIMAP_ERROR_STREAM:
                s->dead = true;
                return conn_fail(&s->error, -ECONNRESET, "%s: connection to %s lost (closed, reset, or no "
                                 "answer within %d s)", what, s->host, NET_TIMEOUT_S);
        case MAILIMAP_ERROR_FATAL:
                s->dead = true;
                text = server_text(s);
                return conn_fail(&s->error, -ECONNRESET, "%s: %s ended the session: %s", what, s->host, text);
        case MAILIMAP_ERROR_PARSE:
                /* Where in the response the parser stopped is unknown, so the
                 * next command could read stale data: give the session up. */
                s->dead = true;
                return conn_fail(&s->error, -EPROTO, "%s: cannot parse the answer of %s", what, s->host);
        case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
                s->dead = true;
                text = server_text(s);
                return conn_fail(&s->error, -ECONNREFUSED, "%s refuses IMAP service: %s", s->host, text);
        case MAILIMAP_ERROR_BAD_STATE:
                return conn_fail(&s->error, -EINVAL, "%s: not possible in the current session state", what);
        case MAILIMAP_ERROR_LOGIN:
                text = server_text(s);
                return conn_fail(&s->error, -EACCES, "%s: %s refused the credentials: %s", what, s->host, text);
        case MAILIMAP_ERROR_PROTOCOL:
                text = server_text(s);
                return conn_fail(&s->error, -EPROTO, "%s: %s rejected the command: %s", what, s->host, text);
        default:
                text = server_text(s);
                return conn_fail(&s->error, -EPROTO, "%s failed: %s", what, text);
        }
}

static int check_usable(Imap *s, bool need_selected)
{
        if (s->dead)
                return -ENOTCONN;       /* s->error still says why */
        if (s->idling)
                return conn_fail(&s->error, -EBUSY, "a command was issued during IDLE; "
                                 "call imap_idle_done() first");
        if (need_selected && !s->selected)
                return conn_fail(&s->error, -EINVAL, "no folder is selected");
        return 0;
}

/* A new UIDVALIDITY can arrive in any untagged OK; libetpan stores it. */
static int check_uidvalidity(Imap *s)
{
        const struct mailimap_selection_info *si = s->m->imap_selection_info;
        if (!s->selected || !si || si->sel_uidvalidity == 0 ||
            si->sel_uidvalidity == s->uidvalidity)
                return 0;
        return conn_fail(&s->error, -ESTALE, "UIDVALIDITY of %s changed from %u to %u: known UIDs are void",
                         s->folder, s->uidvalidity, si->sel_uidvalidity);
}

/* Commands we send, at debug level; libetpan marks passwords private. */
static void trace(mailimap *m, int type, const char *str, size_t size, void *userdata)
{
        if (type != MAILSTREAM_LOG_TYPE_DATA_SENT)
                return;
        while (size > 0 && (str[size - 1] == '\n' || str[size - 1] == '\r'))
                size--;
        log_debug("IMAP %s> %.*s", (const char *)userdata, (int)(size > 200 ? 200 : size), str);
}

/* RFC 3501 5.1.3: mailbox names are modified UTF-7. */
static int mutf7_encode(const char *utf8, char **ret)
{
        static const char b64[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
        if (!g_utf8_validate(utf8, -1, NULL))
                return -EINVAL;
        Buf b = { 0 };
        const char *p = utf8;
        while (*p) {
                if (*p >= 0x20 && *p <= 0x7e) {
                        buf_puts(&b, *p == '&' ? "&-" : (char[]){ *p, 0 });
                        p++;
                        continue;
                }
                const char *q = p;
                while (*q && !(*q >= 0x20 && *q <= 0x7e))
                        q = g_utf8_next_char(q);
                glong n16 = 0;
                gunichar2 *u = g_utf8_to_utf16(p, q - p, NULL, &n16, NULL);
                uint32_t acc = 0;
                int bits = 0;
                buf_putc(&b, '&');
                for (glong i = 0; u && i < n16; i++) {
                        acc = (acc << 16) | u[i];
                        bits += 16;
                        for (; bits >= 6; bits -= 6)
                                buf_putc(&b, b64[(acc >> (bits - 6)) & 0x3f]);
                }
                if (bits > 0)
                        buf_putc(&b, b64[(acc << (6 - bits)) & 0x3f]);
                buf_putc(&b, '-');
                g_free(u);
                p = q;
        }
        *ret = buf_steal(&b);
        return 0;
}

static int encode_folder(Imap *s, const char *folder, char **ret)
{
        if (str_empty(folder) || mutf7_encode(folder, ret) < 0)
                return conn_fail(&s->error, -EINVAL, "folder name \"%s\" is empty or not UTF-8", folder);
        return 0;
}

static int read_capabilities(Imap *s)
{
        struct mailimap_capability_data *caps = NULL;
        int r = etpan_error(s, mailimap_capability(s->m, &caps), "IMAP CAPABILITY");
        if (r < 0)
                return r;
        strlist_free(&s->caps);
        for (clistiter *it = caps ? clist_begin(caps->cap_list) : NULL; it; it = clist_next(it)) {
                const struct mailimap_capability *c = clist_content(it);
                if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE && c->cap_data.cap_auth_type)
                        strlist_take(&s->caps, xasprintf("AUTH=%s", c->cap_data.cap_auth_type));
                else if (c->cap_type == MAILIMAP_CAPABILITY_NAME && c->cap_data.cap_name)
                        strlist_add(&s->caps, c->cap_data.cap_name);
        }
        if (caps)
                mailimap_capability_data_free(caps);
        return 0;
}

bool imap_has_capability(const Imap *s, const char *cap)
{
        return s && strlist_contains_ci(&s->caps, cap);
}

const char *imap_last_error(const Imap *s)
{
        if (!s)
                return conn_connect_error(CONN_IMAP);
        return s->error ? s->error : "";
}

static int starttls(Imap *s, const MailboxConfig *cfg)
{
        int r = read_capabilities(s);
        if (r < 0)
                return r;
        if (!imap_has_capability(s, "STARTTLS"))
                return conn_fail(&s->error, -EPROTO, "%s does not offer STARTTLS (mailbox.tls = starttls "
                                 "requires it)", s->host);
        r = etpan_error(s, mailimap_starttls(s->m), "IMAP STARTTLS");
        if (r < 0)
                return r;
        _cleanup_free_ char *why = NULL;
        r = conn_starttls(s->m->imap_stream, cfg->host, cfg->ca_file, "mailbox.ca_file",
                               &why);
        if (r < 0) {
                s->dead = true;
                return conn_fail(&s->error, r, "IMAP: %s", why);
        }
        /* Capabilities learnt in the clear may have been tampered with. */
        strlist_free(&s->caps);
        return 0;
}

static void no_progress(size_t done, size_t total, void *userdata)
{
}

/* TCP, TLS and greeting: everything before authentication. */
static int session_open(Imap *s, const MailboxConfig *cfg)
{
        _cleanup_free_ char *why = NULL;
        int fd = -1;
        int r = conn_tcp_connect(cfg->host, cfg->port, NET_TIMEOUT_S, &fd, &why);
        if (r < 0)
                return conn_fail(&s->error, r, "IMAP: %s", why);
        /* Defence in depth: the configuration check may have been bypassed
         * or the name may now resolve elsewhere. */
        if (cfg->tls == TLS_NONE && !conn_peer_is_loopback(fd)) {
                close(fd);
                return conn_fail(&s->error, -EPERM, "refusing to send the IMAP secret to %s unencrypted: it "
                                 "is not a loopback address (set mailbox.tls to imaps or starttls)",
                                 cfg->host);
        }
        mailstream *st;
        r = conn_open_stream(fd, cfg->tls == TLS_IMAPS, cfg->host, cfg->ca_file,
                                  "mailbox.ca_file", &st, &why);
        if (r < 0)
                return conn_fail(&s->error, r, "IMAP: %s", why);
        s->m = mailimap_new(0, NULL);
        if (!s->m)
                oom();
        mailimap_set_timeout(s->m, NET_TIMEOUT_S);
        mailimap_set_logger(s->m, trace, s->host);
        /* libetpan 1.9 only calls the FETCH handler (on_msg_att) from the
         * parser variant it picks when a progress callback is set. */
        mailimap_set_progress_callback(s->m, no_progress, NULL, NULL);
        int e = mailimap_connect(s->m, st);     /* owns st from here, even on failure */
        if (e == MAILIMAP_NO_ERROR_AUTHENTICATED)
                s->preauth = true;
        else if (e != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
                return etpan_error(s, e, "IMAP greeting");
        if (cfg->tls == TLS_STARTTLS) {
                if (s->preauth)
                        return conn_fail(&s->error, -EPROTO, "%s authenticated the session before STARTTLS "
                                         "(PREAUTH); refusing an unprotected session", s->host);
                return starttls(s, cfg);
        }
        return 0;
}

/* The JSON error report in a bearer-token challenge, fit for a log line;
 * NULL when there is none. */
static char *decode_challenge(const char *b64)
{
        _cleanup_free_ char *copy = xstrdup(b64);
        const char *t = str_trim(copy);
        gsize n = 0;
        g_autofree guchar *raw = *t ? g_base64_decode(t, &n) : NULL;
        if (!raw || n == 0)
                return NULL;
        _cleanup_free_ char *txt = xstrndup((const char *)raw, n);
        char *safe = str_header_safe(txt);
        if (strlen(safe) > 300)
                strcpy(safe + 297, "...");
        return safe;
}

static int write_line(mailstream *st, const char *a, const char *b)
{
        if (mailstream_write(st, a, strlen(a)) < 0 || mailstream_write(st, b, strlen(b)) < 0 ||
            mailstream_write(st, "\r\n", 2) < 0 || mailstream_flush(st) < 0)
                return MAILIMAP_ERROR_STREAM;
        return MAILIMAP_NO_ERROR;
}

/* Sends AUTHENTICATE with the client response: inline when the server has
 * SASL-IR (RFC 4959), otherwise after the server's empty challenge.  On
 * return the first line of the server's answer to it is in the buffer. */
static int send_authenticate(Imap *s, const char *mech, const char *b64)
{
        mailimap *m = s->m;
        bool ir = imap_has_capability(s, "SASL-IR");
        _cleanup_free_ char *cmd = xasprintf("AUTHENTICATE %s%s", mech, ir ? " " : "");
        mailstream_set_privacy(m->imap_stream, 0);      /* keeps the token out of traces */
        int e = mailimap_send_current_tag(m);
        if (e == MAILIMAP_NO_ERROR)
                e = write_line(m->imap_stream, cmd, ir ? b64 : "");
        if (e == MAILIMAP_NO_ERROR && !ir) {
                if (!mailimap_read_line(m))
                        e = MAILIMAP_ERROR_STREAM;
                else if (m->imap_stream_buffer->str[0] == '+')
                        e = write_line(m->imap_stream, b64, "");
                else            /* refused outright: the tagged answer is in the buffer */
                        goto done;
        }
        if (e == MAILIMAP_NO_ERROR && !mailimap_read_line(m))
                e = MAILIMAP_ERROR_STREAM;
done:
        mailstream_set_privacy(m->imap_stream, 1);
        return e;
}

/* AUTHENTICATE for the bearer-token mechanisms: libetpan has XOAUTH2 only,
 * always uses SASL-IR and keeps the server's reason to itself. */
static int authenticate(Imap *s, const char *mech, const char *resp, const char *on_challenge)
{
        mailimap *m = s->m;
        _cleanup_free_ char *what = xasprintf("IMAP AUTHENTICATE %s", mech);
        gchar *b64 = g_base64_encode((const guchar *)resp, strlen(resp));
        int e = send_authenticate(s, mech, b64);
        explicit_bzero(b64, strlen(b64));
        g_free(b64);
        _cleanup_free_ char *detail = NULL;
        if (e == MAILIMAP_NO_ERROR && m->imap_stream_buffer->str[0] == '+') {
                /* A challenge after the client response carries the error
                 * (RFC 7628 3.2.3); the tagged NO follows our answer. */
                detail = decode_challenge(m->imap_stream_buffer->str + 1);
                e = write_line(m->imap_stream, on_challenge, "");
                if (e == MAILIMAP_NO_ERROR && !mailimap_read_line(m))
                        e = MAILIMAP_ERROR_STREAM;
        }
        struct mailimap_response *rsp = NULL;
        if (e == MAILIMAP_NO_ERROR)
                e = mailimap_parse_response(m, &rsp);
        if (e == MAILIMAP_NO_ERROR) {
                int cond = rsp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type;
                mailimap_response_free(rsp);
                e = cond == MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR : MAILIMAP_ERROR_LOGIN;
        } else if (e == MAILIMAP_ERROR_PROTOCOL)
                e = MAILIMAP_ERROR_LOGIN;       /* BAD to AUTHENTICATE is a refusal too */
        if (e == MAILIMAP_NO_ERROR)
                m->imap_state = MAILIMAP_STATE_AUTHENTICATED;
        if (e == MAILIMAP_ERROR_LOGIN && detail) {
                _cleanup_free_ char *text = server_text(s);
                return conn_fail(&s->error, -EACCES, "%s: %s refused the credentials: %s (%s)", what,
                                 s->host, text, detail);
        }
        return etpan_error(s, e, what);
}

static int login(Imap *s, const MailboxConfig *cfg, const char *secret)
{
        if (s->preauth)
                return 0;
        if (!secret || !cfg->user)
                return conn_fail(&s->error, -EINVAL, "IMAP login needs mailbox.user and a secret");
        char *resp = NULL;
        int r = 0;
        /* Whether the server takes an initial response (SASL-IR) is in the
         * capabilities before login, which the greeting may not have listed. */
        if (cfg->auth == AUTH_XOAUTH2 || cfg->auth == AUTH_OAUTHBEARER)
                r = read_capabilities(s);
        if (r < 0)
                return r;
        switch (cfg->auth) {
        case AUTH_PLAIN: {
                int e = mailimap_login(s->m, cfg->user, secret);
                return etpan_error(s, e == MAILIMAP_ERROR_PROTOCOL ? MAILIMAP_ERROR_LOGIN : e,
                                   "IMAP LOGIN");
        }
        case AUTH_XOAUTH2:
                resp = sasl_xoauth2(cfg->user, secret);
                r = authenticate(s, "XOAUTH2", resp, "");
                break;
        case AUTH_OAUTHBEARER:
                resp = sasl_oauthbearer(cfg->user, secret);
                r = authenticate(s, "OAUTHBEARER", resp, "AQ==");       /* base64 of %x01 */
                break;
        default:
                return conn_fail(&s->error, -EINVAL, "IMAP needs mailbox.auth plain, xoauth2 or oauthbearer");
        }
        explicit_bzero(resp, strlen(resp));
        free(resp);
        return r;
}

int imap_connect(const MailboxConfig *cfg, const char *secret, Imap **ret)
{
        Imap *s = xcalloc(1, sizeof *s);
        s->host = xstrdup(cfg->host);
        s->line = mmap_string_new("");
        if (!s->line)
                oom();
        int r = session_open(s, cfg);
        if (r >= 0)
                r = login(s, cfg, secret);
        if (r >= 0)
                r = read_capabilities(s);
        if (r < 0) {
                conn_set_connect_error(CONN_IMAP, s->error ? s->error : xstrdup(strerror(-r)));
                s->error = NULL;
                imap_free(s);
                return r;
        }
        conn_set_connect_error(CONN_IMAP, NULL);
        *ret = s;
        return 0;
}

void imap_forget_connect_error(void)
{
        conn_set_connect_error(CONN_IMAP, NULL);
}

static int folder_exists(Imap *s, const char *enc, bool *ret)
{
        clist *list = NULL;
        int r = etpan_error(s, mailimap_list(s->m, "", enc, &list), "IMAP LIST");
        if (r < 0)
                return r;
        bool found = false;
        for (clistiter *it = list ? clist_begin(list) : NULL; it; it = clist_next(it)) {
                const struct mailimap_mailbox_list *mb = clist_content(it);
                /* INBOX is case-insensitive (RFC 3501 5.1), every other name is not. */
                if (strcmp(mb->mb_name, enc) == 0 ||
                    (strcasecmp(enc, "INBOX") == 0 && strcasecmp(mb->mb_name, "INBOX") == 0))
                        found = true;
        }
        if (list)
                mailimap_list_result_free(list);
        *ret = found;
        return 0;
}

/* A NO to SELECT, COPY or MOVE may mean the folder is missing; servers word
 * that differently, so LIST settles it. */
static int refused_or_missing(Imap *s, const char *enc, const char *folder, const char *what)
{
        _cleanup_free_ char *text = server_text(s);
        bool exists;
        int r = folder_exists(s, enc, &exists);
        if (r < 0)
                return r;
        if (!exists)
                return conn_fail(&s->error, -ENOENT, "%s: folder \"%s\" does not exist", what, folder);
        return conn_fail(&s->error, -EPROTO, "%s failed: %s", what, text);
}

int imap_ensure_folder(Imap *s, const char *folder)
{
        _cleanup_free_ char *enc = NULL;
        int r = check_usable(s, false);
        if (r >= 0)
                r = encode_folder(s, folder, &enc);
        bool exists;
        if (r >= 0)
                r = folder_exists(s, enc, &exists);
        if (r < 0 || exists)
                return r;
        _cleanup_free_ char *what = xasprintf("IMAP CREATE %s", folder);
        int e = mailimap_create(s->m, enc);
        if (e != MAILIMAP_ERROR_CREATE)
                return etpan_error(s, e, what);
        /* Another client may have created it in the meantime. */
        _cleanup_free_ char *text = server_text(s);
        r = folder_exists(s, enc, &exists);
        if (r < 0 || exists)
                return r;
        return conn_fail(&s->error, -EPROTO, "%s failed: %s", what, text);
}

int imap_select(Imap *s, const char *folder, uint32_t *ret_uidvalidity,
                uint32_t *ret_uidnext, uint32_t *ret_exists)
{
        _cleanup_free_ char *enc = NULL;
        int r = check_usable(s, false);
        if (r >= 0)
                r = encode_folder(s, folder, &enc);
        if (r < 0)
                return r;
        _cleanup_free_ char *what = xasprintf("IMAP SELECT %s", folder);
        s->selected = false;
        int e = mailimap_select(s->m, enc);
        if (e == MAILIMAP_ERROR_SELECT)
                return refused_or_missing(s, enc, folder, what);
        r = etpan_error(s, e, what);
        if (r < 0)
                return r;
        const struct mailimap_selection_info *si = s->m->imap_selection_info;
        if (!si || si->sel_uidvalidity == 0)
                return conn_fail(&s->error, -EPROTO, "%s: the server announced no UIDVALIDITY", what);
        s->selected = true;
        s->uidvalidity = si->sel_uidvalidity;
        free(s->folder);
        s->folder = xstrdup(folder);
        if (ret_uidvalidity)
                *ret_uidvalidity = si->sel_uidvalidity;
        if (ret_uidnext)
                *ret_uidnext = si->sel_uidnext;
        if (ret_exists)
                *ret_exists = si->sel_exists;
        return 0;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* Sorts v and drops duplicates; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
        if (n == 0)
                return 0;
        qsort(v, n, sizeof *v, cmp_u32);
        size_t k = 1;
        for (size_t i = 1; i < n; i++)
                if (v[i] != v[k - 1])
                        v[k++] = v[i];
        return k;
}

static uint32_t *sorted_copy(const uint32_t *uids, size_t *n)
{
        uint32_t *v = xmalloc(*n * sizeof *v);
        memcpy(v, uids, *n * sizeof *v);
        *n = sort_unique(v, *n);
        return v;
}

static bool contains(const uint32_t *sorted, size_t n, uint32_t uid)
{
        return bsearch(&uid, sorted, n, sizeof uid, cmp_u32) != NULL;
}

/* "1:5,7,9:12" from sorted, distinct UIDs: one short command for a batch. */
static struct mailimap_set *uid_set(const uint32_t *v, size_t n)
{
        struct mailimap_set *set = mailimap_set_new_empty();
        if (!set)
                oom();
        for (size_t i = 0; i < n;) {
                size_t j = i;
                while (j + 1 < n && v[j + 1] == v[j] + 1)
                        j++;
                int e = i == j ? mailimap_set_add_single(set, v[i])
                               : mailimap_set_add_interval(set, v[i], v[j]);
                if (e != MAILIMAP_NO_ERROR)
                        oom();
                i = j + 1;
        }
        return set;
}

/* The UIDs a search returned that are >= min, sorted and distinct. */
static void search_result(clist *res, uint32_t min, uint32_t **ret, size_t *ret_n)
{
        size_t n = 0;
        uint32_t *v = xmalloc((res ? (size_t)clist_count(res) : 0) * sizeof *v);
        for (clistiter *it = res ? clist_begin(res) : NULL; it; it = clist_next(it)) {
                uint32_t u = *(const uint32_t *)clist_content(it);
                if (u >= min)
                        v[n++] = u;
        }
        n = sort_unique(v, n);
        if (n == 0) {
                free(v);
                v = NULL;
        }
        *ret = v;
        *ret_n = n;
}

int imap_search_uids(Imap *s, uint32_t min_uid, uint32_t **ret_uids, size_t *ret_n)
{
        int r = check_usable(s, true);
        if (r < 0)
                return r;
        if (min_uid == 0)
                min_uid = 1;
        struct mailimap_search_key *key =
                mailimap_search_key_new_uid(mailimap_set_new_interval(min_uid, 0));
        if (!key)
                oom();
        clist *res = NULL;
        r = etpan_error(s, mailimap_uid_search(s->m, NULL, key, &res), "IMAP UID SEARCH");
        mailimap_search_key_free(key);
        if (r >= 0)
                r = check_uidvalidity(s);
        if (r >= 0)
                search_result(res, min_uid, ret_uids, ret_n);
        if (res)
                mailimap_search_result_free(res);
        return r;
}

/* ---- FETCH ---- */

typedef struct {
        uint32_t uid;
        int64_t date;
        uint64_t size;
        bool has_size;
        const char *body;
        size_t body_len;
        bool has_body;
} Att;

typedef struct {
        const uint32_t *want;   /* requested UIDs, sorted */
        size_t n_want;
        bool *delivered;        /* parallel to want */
        Att *meta;              /* first pass, sorted by UID once complete */
        size_t n_meta;
        size_t next_meta;       /* meta[next_meta..] not yet passed in UID order */
        uint64_t max_size;
        bool bodies;            /* this pass delivers bodies */
        imap_message_cb cb;
        void *userdata;
        int cb_r;
        uint32_t cb_uid;
} Fetch;

static int64_t date_to_utc(const struct mailimap_date_time *d)
{
        struct tm tm = { .tm_year = d->dt_year - 1900, .tm_mon = d->dt_month - 1,
                         .tm_mday = d->dt_day, .tm_hour = d->dt_hour, .tm_min = d->dt_min,
                         .tm_sec = d->dt_sec };
        /* libetpan keeps the zone as the decimal number written: -0130 is -130. */
        int z = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
        int64_t off = (int64_t)(z / 100) * 3600 + (z % 100) * 60;
        return (int64_t)timegm(&tm) - (d->dt_zone < 0 ? -off : off);
}

static void parse_att(const struct mailimap_msg_att *att, Att *a)
{
        *a = (Att){ 0 };
        for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
                const struct mailimap_msg_att_item *item = clist_content(it);
                if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC || !item->att_data.att_static)
                        continue;
                const struct mailimap_msg_att_static *st = item->att_data.att_static;
                switch (st->att_type) {
                case MAILIMAP_MSG_ATT_UID:
                        a->uid = st->att_data.att_uid;
                        break;
                case MAILIMAP_MSG_ATT_INTERNALDATE:
                        if (st->att_data.att_internal_date)
                                a->date = date_to_utc(st->att_data.att_internal_date);
                        break;
                case MAILIMAP_MSG_ATT_RFC822_SIZE:
                        a->size = st->att_data.att_rfc822_size;
                        a->has_size = true;
                        break;
                case MAILIMAP_MSG_ATT_BODY_SECTION:
                        if (st->att_data.att_body_section) {
                                a->body = st->att_data.att_body_section->sec_body_part;
                                a->body_len = st->att_data.att_body_section->sec_length;
                                a->has_body = true;
                        }
                        break;
                }
        }
}

static void deliver(Fetch *f, const Att *a, const char *data, size_t len)
{
        if (f->cb_r < 0)
                return;
        ImapMessage m = { .uid = a->uid, .internaldate = a->date, .data = data,
                          .len = data ? len : 0, .rfc822_size = a->size };
        int r = f->cb(&m, f->userdata);
        if (r < 0) {
                f->cb_r = r;
                f->cb_uid = a->uid;
        }
}

/* Reports, in UID order, the oversized messages below `below`. */
static void pass_oversized(Fetch *f, uint64_t below)
{
        for (; f->next_meta < f->n_meta && f->meta[f->next_meta].uid < below; f->next_meta++) {
                const Att *a = &f->meta[f->next_meta];
                if (a->size > f->max_size)
                        deliver(f, a, NULL, 0);
        }
}

static const Att *find_meta(const Fetch *f, uint32_t uid)
{
        size_t lo = 0, hi = f->n_meta;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (f->meta[mid].uid == uid)
                        return &f->meta[mid];
                if (f->meta[mid].uid < uid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* Called by libetpan for each FETCH response as soon as it is parsed. */
static void on_msg_att(struct mailimap_msg_att *att, void *userdata)
{
        Fetch *f = userdata;
        Att a;
        parse_att(att, &a);
        const uint32_t *w = a.uid ? bsearch(&a.uid, f->want, f->n_want, sizeof a.uid, cmp_u32)
                                  : NULL;
        /* Unsolicited FETCH responses (flag changes by others) are not ours. */
        if (!w)
                return;
        if (!f->bodies) {
                if (a.has_size && f->n_meta < f->n_want)
                        f->meta[f->n_meta++] = a;
                return;
        }
        if (!a.has_body || f->delivered[w - f->want])
                return;
        f->delivered[w - f->want] = true;
        /* NIL: the message went away under our feet, like one expunged. */
        if (!a.body)
                return;
        const Att *mt = f->meta ? find_meta(f, a.uid) : NULL;
        if (mt) {
                a.date = mt->date;
                a.size = mt->size;
        }
        pass_oversized(f, a.uid);
        deliver(f, &a, a.body, a.body_len);
}

static int cmp_att(const void *a, const void *b)
{
        return cmp_u32(&((const Att *)a)->uid, &((const Att *)b)->uid);
}

static int uid_fetch(Imap *s, const uint32_t *uids, size_t n, bool meta, bool body, Fetch *f)
{
        struct mailimap_set *set = uid_set(uids, n);
        struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
        if (!ft)
                oom();
        struct mailimap_fetch_att *atts[4];
        size_t k = 0;
        atts[k++] = mailimap_fetch_att_new_uid();
        if (meta) {
                atts[k++] = mailimap_fetch_att_new_internaldate();
                atts[k++] = mailimap_fetch_att_new_rfc822_size();
        }
        if (body)
                atts[k++] = mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL));
        for (size_t i = 0; i < k; i++)
                if (!atts[i] || mailimap_fetch_type_new_fetch_att_list_add(ft, atts[i]) != 0)
                        oom();
        clist *res = NULL;
        mailimap_set_msg_att_handler(s->m, on_msg_att, f);
        int e = mailimap_uid_fetch(s->m, set, ft, &res);
        mailimap_set_msg_att_handler(s->m, NULL, NULL);
        mailimap_fetch_type_free(ft);
        mailimap_set_free(set);
        if (res)
                mailimap_fetch_list_free(res);
        return etpan_error(s, e, "IMAP UID FETCH");
}

/* First pass: sizes and dates; returns the UIDs whose bodies to fetch. */
static int fetch_meta(Imap *s, Fetch *f, uint32_t **ret_fit, size_t *ret_n_fit)
{
        f->meta = xcalloc(f->n_want, sizeof *f->meta);
        int r = uid_fetch(s, f->want, f->n_want, true, false, f);
        if (r < 0)
                return r;
        qsort(f->meta, f->n_meta, sizeof *f->meta, cmp_att);
        uint32_t *fit = xmalloc(f->n_meta * sizeof *fit);
        size_t n = 0;
        for (size_t i = 0; i < f->n_meta; i++)
                if (f->meta[i].size <= f->max_size && (n == 0 || fit[n - 1] != f->meta[i].uid))
                        fit[n++] = f->meta[i].uid;
        *ret_fit = fit;
        *ret_n_fit = n;
        return 0;
}

int imap_fetch(Imap *s, const uint32_t *uids, size_t n, uint64_t max_size,
               imap_message_cb cb, void *userdata)
{
        int r = check_usable(s, true);
        if (r < 0 || n == 0)
                return r;
        _cleanup_free_ uint32_t *want = sorted_copy(uids, &n);
        _cleanup_free_ bool *delivered = xcalloc(n, sizeof *delivered);
        Fetch f = { .want = want, .n_want = n, .delivered = delivered,
                    .max_size = max_size, .cb = cb, .userdata = userdata };
        if (max_size > 0) {
                _cleanup_free_ uint32_t *fit = NULL;
                size_t n_fit = 0;
                r = fetch_meta(s, &f, &fit, &n_fit);
                if (r >= 0)
                        r = check_uidvalidity(s);
                f.bodies = true;
                if (r >= 0 && n_fit > 0)
                        r = uid_fetch(s, fit, n_fit, false, true, &f);
        } else {
                f.bodies = true;
                r = uid_fetch(s, want, n, true, true, &f);
        }
        if (r >= 0)
                r = check_uidvalidity(s);
        if (r >= 0)
                pass_oversized(&f, UINT64_MAX);
        free(f.meta);
        if (r >= 0 && f.cb_r < 0)
                r = conn_fail(&s->error, f.cb_r, "processing message UID %u failed: %s", f.cb_uid,
                              strerror(-f.cb_r));
        return r;
}

int imap_fetch_header(Imap *s, uint32_t uid, size_t max, char **ret, size_t *ret_len)
{
        int r = check_usable(s, true);
        if (r < 0)
                return r;
        struct mailimap_set *set = mailimap_set_new_single(uid);
        struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
        struct mailimap_section *sec = mailimap_section_new_header();
        struct mailimap_fetch_att *atts[2] = {
                mailimap_fetch_att_new_uid(),
                sec ? mailimap_fetch_att_new_body_peek_section_partial(sec, 0, (uint32_t)max) : NULL,
        };
        if (!set || !ft || !atts[0] || !atts[1])
                oom();
        for (size_t i = 0; i < ARRAY_SIZE(atts); i++)
                if (mailimap_fetch_type_new_fetch_att_list_add(ft, atts[i]) != 0)
                        oom();
        clist *res = NULL;
        int e = mailimap_uid_fetch(s->m, set, ft, &res);
        mailimap_fetch_type_free(ft);
        mailimap_set_free(set);
        r = etpan_error(s, e, "IMAP UID FETCH (header)");
        char *hdr = NULL;
        size_t len = 0;
        for (clistiter *it = res ? clist_begin(res) : NULL; r >= 0 && it && !hdr; it = clist_next(it)) {
                Att a;
                parse_att(clist_content(it), &a);
                if (a.uid == uid && a.has_body && a.body) {
                        len = a.body_len < max ? a.body_len : max;
                        hdr = xstrndup(a.body, len);
                }
        }
        if (res)
                mailimap_fetch_list_free(res);
        if (r >= 0)
                r = check_uidvalidity(s);
        if (r >= 0 && !hdr)
                r = conn_fail(&s->error, -ENOENT, "message UID %u is gone from %s", uid, s->folder);
        if (r < 0) {
                free(hdr);
                return r;
        }
        *ret = hdr;
        *ret_len = len;
        return 0;
}

/* ---- MOVE ---- */

/* Without UIDPLUS, EXPUNGE purges every \Deleted message in the folder; do
 * it only when all of them are ours. */
static int expunge_if_only_ours(Imap *s, const uint32_t *v, size_t n)
{
        struct mailimap_search_key *key = mailimap_search_key_new(
                MAILIMAP_SEARCH_KEY_DELETED, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
                NULL, NULL, NULL);
        if (!key)
                oom();
        clist *res = NULL;
        int r = etpan_error(s, mailimap_uid_search(s->m, NULL, key, &res),
                            "IMAP UID SEARCH DELETED");
        mailimap_search_key_free(key);
        bool foreign = false;
        for (clistiter *it = res ? clist_begin(res) : NULL; it; it = clist_next(it))
                if (!contains(v, n, *(const uint32_t *)clist_content(it)))
                        foreign = true;
        if (res)
                mailimap_search_result_free(res);
        if (r < 0 || foreign)
                return r;
        return etpan_error(s, mailimap_expunge(s->m), "IMAP EXPUNGE");
}

static int copy_and_delete(Imap *s, struct mailimap_set *set, const uint32_t *v, size_t n,
                           const char *enc, const char *dest)
{
        _cleanup_free_ char *what = xasprintf("IMAP UID COPY to %s", dest);
        int e = mailimap_uid_copy(s->m, set, enc);
        if (e == MAILIMAP_ERROR_UID_COPY)
                return refused_or_missing(s, enc, dest, what);
        int r = etpan_error(s, e, what);
        if (r < 0)
                return r;
        struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
        if (!fl || mailimap_flag_list_add(fl, mailimap_flag_new_deleted()) != MAILIMAP_NO_ERROR)
                oom();
        struct mailimap_store_att_flags *sf = mailimap_store_att_flags_new_add_flags_silent(fl);
        r = etpan_error(s, mailimap_uid_store(s->m, set, sf),
                        "IMAP UID STORE +FLAGS.SILENT (\\Deleted)");
        mailimap_store_att_flags_free(sf);
        if (r < 0)
                return r;
        if (imap_has_capability(s, "UIDPLUS"))
                return etpan_error(s, mailimap_uid_expunge(s->m, set), "IMAP UID EXPUNGE");
        return expunge_if_only_ours(s, v, n);
}

int imap_move(Imap *s, const uint32_t *uids, size_t n, const char *dest)
{
        _cleanup_free_ char *enc = NULL;
        int r = check_usable(s, true);
        if (r >= 0)
                r = encode_folder(s, dest, &enc);
        if (r < 0 || n == 0)
                return r;
        _cleanup_free_ uint32_t *v = sorted_copy(uids, &n);
        struct mailimap_set *set = uid_set(v, n);
        if (imap_has_capability(s, "MOVE")) {
                _cleanup_free_ char *what = xasprintf("IMAP UID MOVE to %s", dest);
                int e = mailimap_uid_move(s->m, set, enc);
                r = e == MAILIMAP_ERROR_UID_MOVE ? refused_or_missing(s, enc, dest, what)
                                                 : etpan_error(s, e, what);
        } else
                r = copy_and_delete(s, set, v, n, enc, dest);
        mailimap_set_free(set);
        if (r >= 0)
                r = check_uidvalidity(s);
        return r;
}

/* ---- IDLE ---- */

int imap_idle_start(Imap *s)
{
        int r = check_usable(s, true);
        if (r < 0)
                return r;
        if (!imap_has_capability(s, "IDLE"))
                return conn_fail(&s->error, -EOPNOTSUPP, "%s does not support IDLE", s->host);
        int e = mailimap_idle(s->m);
        /* libetpan says PARSE when the answer was a tagged NO/BAD instead
         * of a continuation; it has read that answer, so the session is fine. */
        if (e == MAILIMAP_ERROR_PARSE) {
                _cleanup_free_ char *text = server_text(s);
                return conn_fail(&s->error, -EPROTO, "IMAP IDLE refused: %s", text);
        }
        r = etpan_error(s, e, "IMAP IDLE");
        if (r >= 0)
                s->idling = true;
        return r;
}

int imap_idle_fd(Imap *s)
{
        if (s->dead)
                return -ENOTCONN;
        if (!s->idling)
                return conn_fail(&s->error, -EINVAL, "not in IDLE");
        return mailimap_idle_get_fd(s->m);
}

static int idle_lost(Imap *s)
{
        s->dead = true;
        return conn_fail(&s->error, -ECONNRESET, "IMAP IDLE: connection to %s lost (closed, reset, or no "
                         "answer within %d s)", s->host, NET_TIMEOUT_S);
}

/* Skips literals ("{n}" at the end of a line) so their content is never
 * taken for a response; a literal-bearing response is never EXISTS anyway. */
static int skip_literals(Imap *s)
{
        mailstream *st = s->m->imap_stream;
        for (;;) {
                const char *l = s->line->str;
                size_t len = s->line->len;
                const char *open = len > 2 && l[len - 1] == '}' ? memrchr(l, '{', len) : NULL;
                char *end;
                unsigned long long n = open ? strtoull(open + 1, &end, 10) : 0;
                if (!open || end == open + 1)
                        return 0;
                char buf[4096];
                while (n > 0) {
                        ssize_t k = mailstream_read(st, buf, n < sizeof buf ? n : sizeof buf);
                        if (k <= 0)
                                return idle_lost(s);
                        n -= (unsigned long long)k;
                }
                if (!conn_read_line(st, s->line))
                        return idle_lost(s);
        }
}

/* Reads one untagged response; notes whether it says new mail arrived. */
static int idle_read(Imap *s, bool *new_mail)
{
        /* libetpan returns what it has at end of stream; an empty line
         * is never a valid response, so both mean the connection is gone. */
        if (!conn_read_line(s->m->imap_stream, s->line) || s->line->len == 0)
                return idle_lost(s);
        int r = skip_literals(s);
        if (r < 0)
                return r;
        const char *l = s->line->str;
        if (str_startswith_ci(l, "* BYE")) {
                s->dead = true;
                _cleanup_free_ char *text = str_header_safe(l + 5);
                return conn_fail(&s->error, -ECONNRESET, "IMAP IDLE: %s ended the session:%.200s", s->host,
                                 text);
        }
        if (l[0] != '*') {
                s->dead = true;
                _cleanup_free_ char *text = str_header_safe(l);
                return conn_fail(&s->error, -EPROTO, "IMAP IDLE: unexpected response from %s: %.200s",
                                 s->host, text);
        }
        unsigned long n;
        char word[16];
        /* Any EXISTS counts: a spurious wake-up costs one UID SEARCH, a
         * missed one costs a poll interval. */
        if (sscanf(l, "* %lu %15s", &n, word) == 2 &&
            (strcasecmp(word, "EXISTS") == 0 || (strcasecmp(word, "RECENT") == 0 && n > 0)))
                *new_mail = true;
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int imap_idle_wait(Imap *s, int timeout_ms, bool *ret_new_mail)
{
        if (s->dead)
                return -ENOTCONN;
        if (!s->idling)
                return conn_fail(&s->error, -EINVAL, "not in IDLE");
        int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        bool new_mail = false;
        for (;;) {
                /* Data libetpan already buffered is invisible to poll(). */
                if (s->m->imap_stream->read_buffer_len == 0) {
                        if (new_mail)
                                break;
                        int64_t left = deadline < 0 ? -1 : deadline - now_ms();
                        int wait = deadline < 0 ? -1 : left <= 0 ? 0
                                 : left > INT_MAX ? INT_MAX : (int)left;
                        struct pollfd p = { .fd = mailimap_idle_get_fd(s->m), .events = POLLIN };
                        int k = poll(&p, 1, wait);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return conn_fail(&s->error, -errno, "IMAP IDLE: poll: %s", strerror(errno));
                        if (k == 0)
                                break;
                }
                int r = idle_read(s, &new_mail);
                if (r < 0)
                        return r;
        }
        *ret_new_mail = new_mail;
        return 0;
}

int imap_idle_done(Imap *s)
{
        if (s->dead)
                return -ENOTCONN;
        if (!s->idling)
                return 0;
        s->idling = false;
        int e = mailimap_idle_done(s->m);
        if (e == MAILIMAP_ERROR_EXTENSION) {
                _cleanup_free_ char *text = server_text(s);
                return conn_fail(&s->error, -EPROTO, "IMAP DONE refused: %s", text);
        }
        int r = etpan_error(s, e, "IMAP DONE");
        return r < 0 ? r : check_uidvalidity(s);
}

void imap_free(Imap *s)
{
        if (!s)
                return;
        if (s->m) {
                mailstream *st = s->m->imap_stream;
                /* DONE and LOGOUT are courtesies: do not wait long for them. */
                if (st && !s->dead)
                        mailstream_low_set_timeout(mailstream_get_low(st), 5);
                if (st && s->idling && !s->dead && mailimap_idle_done(s->m) != MAILIMAP_NO_ERROR)
                        s->dead = true;
                if (s->m->imap_stream && s->dead) {
                        mailstream_close(s->m->imap_stream);
                        s->m->imap_stream = NULL;
                }
                mailimap_free(s->m);    /* sends LOGOUT while the stream is open */
        }
        if (s->line)
                mmap_string_free(s->line);
        strlist_free(&s->caps);
        free(s->host);
        free(s->folder);
        free(s->error);
        free(s);
}
