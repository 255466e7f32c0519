/* dsn.c — see dsn.h. */
#include "read/dsn.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>

#include "base/mimelib.h"
#include "read/message.h"

/* Our own Message-IDs (compose.c), recognisable in any quoted text. */
#define OUR_ID_PREFIX "breachd."
#define DIAG_MAX 300

void dsn_free(Bounce *b)
{
        if (!b)
                return;
        strlist_free(&b->message_ids);
        free(b->recipient);
        free(b->status);
        free(b->diagnostic);
        memset(b, 0, sizeof *b);
}

/* ---- small readers -------------------------------------------------------- */

static char *one_line(const char *s)
{
        char *t = str_header_safe(s);
        /* Folded lines leave runs of spaces behind. */
        char *w = t;
        for (const char *p = t; *p; p++)
                if (!(*p == ' ' && w > t && w[-1] == ' '))
                        *w++ = *p;
        *w = 0;
        char *r = xstrdup(str_trim(t));
        free(t);
        if (strlen(r) > DIAG_MAX)
                strcpy(r + DIAG_MAX - 3, "...");
        return r;
}

/* The first address in s ("<a@b>", "a@b (Name)", "rfc822; a@b"), lower-cased. */
static char *address_in(const char *s)
{
        const char *at = strchr(s, '@');
        if (!at)
                return NULL;
        static const char stop[] = " \t<>()[]\"',;:";
        const char *b = at, *e = at + 1;
        while (b > s && !strchr(stop, b[-1]))
                b--;
        while (*e && !strchr(stop, *e) && *e != '\r' && *e != '\n')
                e++;
        while (e > at + 1 && e[-1] == '.')
                e--;
        if (b == at || e == at + 1)
                return NULL;
        char *r = xstrndup(b, (size_t)(e - b));
        str_ascii_lower(r);
        return r;
}

static void add_id(StrList *ids, const char *start, size_t n)
{
        while (n && (*start == ' ' || *start == '<')) {
                start++;
                n--;
        }
        while (n && (start[n - 1] == ' ' || start[n - 1] == '>' || start[n - 1] == '\r'))
                n--;
        if (!n || n > 250 || !memchr(start, '@', n))
                return;
        _cleanup_free_ char *id = xstrndup(start, n);
        if (!strlist_contains(ids, id))
                strlist_add(ids, id);
}

static bool is_header_line(const char *l, const char *name)
{
        size_t n = strlen(name);
        return strncasecmp(l, name, n) == 0 && l[n] == ':';
}

/* "Message-ID:" lines of quoted headers (also "> Message-ID:"), with the
 * value possibly folded onto the next line. */
static void scan_message_id_lines(const char *text, StrList *ids)
{
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                const char *l = p;
                while (*l == ' ' || *l == '\t' || *l == '>')
                        l++;
                if (is_header_line(l, "Message-ID")) {
                        const char *v = l + strlen("Message-ID:");
                        const char *end = nl ? nl : v + strlen(v);
                        if (!memchr(v, '<', (size_t)(end - v)) && nl && (nl[1] == ' ' || nl[1] == '\t')) {
                                v = nl + 1;
                                const char *nl2 = strchr(v, '\n');
                                end = nl2 ? nl2 : v + strlen(v);
                        }
                        const char *lt = memchr(v, '<', (size_t)(end - v));
                        const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
                        if (lt && gt)
                                add_id(ids, lt + 1, (size_t)(gt - lt - 1));
                        else
                                add_id(ids, v, (size_t)(end - v));
                }
                p = nl ? nl + 1 : NULL;
        }
}

/* "<breachd.…@…>" anywhere: our mail quoted in a way no rule above knows. */
static void scan_our_ids(const char *text, StrList *ids)
{
        for (const char *p = strstr(text, "<" OUR_ID_PREFIX); p; p = strstr(p + 1, "<" OUR_ID_PREFIX)) {
                const char *gt = strchr(p, '>');
                if (gt && gt - p < 250 && !memchr(p, '\n', (size_t)(gt - p)))
                        add_id(ids, p + 1, (size_t)(gt - p - 1));
        }
}

/* ---- the MIME tree -------------------------------------------------------- */

typedef struct {
        Bounce *b;
        bool dsn_fields;   /* a delivery-status part was read */
        int rank;          /* of the recipient block taken: failed 3, delayed 2, other 1 */
        Buf text;          /* every text part, decoded, for the free-text readers */
        StrList ids_attached, ids_text;
} Reading;

static GByteArray *leaf_bytes(GMimePart *part)
{
        GMimeDataWrapper *dw = g_mime_part_get_content(part);
        if (!dw)
                return NULL;
        GMimeStream *mem = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(dw, mem);
        GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
        g_object_unref(mem);
        return ba;
}

static BounceAction action_of(const char *v)
{
        if (!strncasecmp(v, "failed", 6))
                return BOUNCE_FAILED;
        if (!strncasecmp(v, "delayed", 7))
                return BOUNCE_DELAYED;
        return BOUNCE_OTHER;
}

/* One per-recipient block of a delivery-status part: fields already
 * unfolded, name and value pairs. */
static void take_recipient_block(Reading *rd, const StrList *names, const StrList *values)
{
        const char *rcpt = NULL, *orig = NULL, *action = NULL, *status = NULL, *diag = NULL;
        for (size_t i = 0; i < names->n; i++) {
                const char *n = names->v[i], *v = values->v[i];
                if (!strcasecmp(n, "Final-Recipient"))
                        rcpt = v;
                else if (!strcasecmp(n, "Original-Recipient"))
                        orig = v;
                else if (!strcasecmp(n, "Action"))
                        action = v;
                else if (!strcasecmp(n, "Status"))
                        status = v;
                else if (!strcasecmp(n, "Diagnostic-Code"))
                        diag = v;
        }
        if (!action || (!rcpt && !orig))
                return;
        BounceAction a = action_of(action);
        int rank = a == BOUNCE_FAILED ? 3 : a == BOUNCE_DELAYED ? 2 : 1;
        if (rank <= rd->rank)
                return;
        rd->rank = rank;
        Bounce *b = rd->b;
        b->action = a;
        free(b->recipient);
        b->recipient = address_in(rcpt ? rcpt : orig);
        free(b->status);
        b->status = status ? one_line(status) : NULL;
        free(b->diagnostic);
        const char *semi = diag ? strchr(diag, ';') : NULL;
        b->diagnostic = diag ? one_line(semi ? semi + 1 : diag) : NULL;
}

/* The fields of a delivery-status body: blocks separated by blank lines,
 * "Name: value" with folded continuation lines. */
static void read_delivery_status(Reading *rd, const char *text)
{
        StrList names = {0}, values = {0};
        for (const char *p = text;; ) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                _cleanup_free_ char *line = xstrndup(p, n);
                size_t ll = strlen(line);
                if (ll && line[ll - 1] == '\r')
                        line[--ll] = 0;
                bool blank = str_empty(line);
                if ((line[0] == ' ' || line[0] == '\t') && !blank && values.n) {
                        _cleanup_free_ char *joined = xasprintf("%s %s", values.v[values.n - 1], str_trim(line));
                        free(values.v[values.n - 1]);
                        values.v[values.n - 1] = xstrdup(joined);
                } else if (!blank) {
                        char *colon = strchr(line, ':');
                        if (colon) {
                                *colon = 0;
                                strlist_add(&names, str_trim(line));
                                strlist_add(&values, str_trim(colon + 1));
                        }
                }
                if (blank || !nl) {
                        take_recipient_block(rd, &names, &values);
                        strlist_free(&names);
                        strlist_free(&values);
                }
                if (!nl)
                        break;
                p = nl + 1;
        }
        rd->dsn_fields = true;
}

static void walk(Reading *rd, GMimeObject *o, unsigned depth);

static void walk_leaf(Reading *rd, GMimePart *part)
{
        GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
        bool status = g_mime_content_type_is_type(ct, "message", "delivery-status") ||
                      g_mime_content_type_is_type(ct, "message", "global-delivery-status");
        bool headers = g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
                       g_mime_content_type_is_type(ct, "message", "global-headers");
        bool text = g_mime_content_type_is_type(ct, "text", "*");
        if (!status && !headers && !text)
                return;
        GByteArray *ba = leaf_bytes(part);
        if (!ba)
                return;
        /* An empty part has no data at all (fuzz regression bounce-empty-part.eml). */
        _cleanup_free_ char *s = ba->len ? str_to_utf8((const char *)ba->data, ba->len) : xstrdup("");
        g_byte_array_free(ba, TRUE);
        if (status)
                read_delivery_status(rd, s);
        else if (headers)
                scan_message_id_lines(s, &rd->ids_attached);
        else {
                buf_puts(&rd->text, s);
                buf_putc(&rd->text, '\n');
        }
}

static void walk(Reading *rd, GMimeObject *o, unsigned depth)
{
        /* Real reports are two levels deep; hostile ones are cut short. */
        if (!o || depth > 8)
                return;
        if (GMIME_IS_MULTIPART(o)) {
                GMimeMultipart *mp = GMIME_MULTIPART(o);
                int n = g_mime_multipart_get_count(mp);
                for (int i = 0; i < n && i < 50; i++)
                        walk(rd, g_mime_multipart_get_part(mp, i), depth + 1);
        } else if (GMIME_IS_MESSAGE_PART(o)) {
                GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
                const char *id = inner ? g_mime_message_get_message_id(inner) : NULL;
                if (id)
                        add_id(&rd->ids_attached, id, strlen(id));
        } else if (GMIME_IS_PART(o)) {
                walk_leaf(rd, GMIME_PART(o));
        }
}

/* ---- free-text reports ---------------------------------------------------- */

static bool is_report_type(GMimeObject *o, const char *type)
{
        GMimeContentType *ct = o ? g_mime_object_get_content_type(o) : NULL;
        if (!ct || !g_mime_content_type_is_type(ct, "multipart", "report"))
                return false;
        const char *rt = g_mime_content_type_get_parameter(ct, "report-type");
        return rt && !g_ascii_strcasecmp(rt, type);
}

static bool contains_ci(const char *hay, const char *needle)
{
        return hay && strcasestr(hay, needle) != NULL;
}

/* A report in words rather than a DSN: from the mail system, with a bounce
 * subject, or carrying Exim's header. */
static bool looks_like_text_bounce(GMimeMessage *msg)
{
        if (g_mime_object_get_header(GMIME_OBJECT(msg), "X-Failed-Recipients"))
                return true;
        static const char *const senders[] = {"mailer-daemon@", "mailer_daemon@", "mail-daemon@", "postmaster@",
                                              "mdaemon@", "mail.delivery.subsystem@"};
        InternetAddressList *from = g_mime_message_get_from(msg);
        for (int i = 0; from && i < internet_address_list_length(from); i++) {
                InternetAddress *a = internet_address_list_get_address(from, i);
                const char *addr = INTERNET_ADDRESS_IS_MAILBOX(a)
                                           ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))
                                           : NULL;
                for (size_t k = 0; addr && k < ARRAY_SIZE(senders); k++)
                        if (str_startswith_ci(addr, senders[k]) ||
                            (!strchr(addr, '@') && !strncasecmp(addr, senders[k], strlen(senders[k]) - 1)))
                                return true;
        }
        static const char *const subjects[] = {
                "undeliverable", "undelivered mail", "mail delivery failed", "delivery status notification",
                "returned mail", "failure notice", "delivery failure", "nondeliverable", "non-delivery",
                "could not be delivered", "delivery has failed", "delivery notification", "delivery delayed",
                "mail delivery problem", "not delivered"};
        const char *subj = g_mime_message_get_subject(msg);
        for (size_t k = 0; subj && k < ARRAY_SIZE(subjects); k++)
                if (contains_ci(subj, subjects[k]))
                        return true;
        return false;
}

/* The first address on the first non-blank line after the line holding
 * marker; *ret_next gets the text after that line. */
static char *address_after(const char *text, const char *marker, const char **ret_next)
{
        const char *m = strcasestr(text, marker);
        if (!m)
                return NULL;
        const char *p = strchr(m, '\n');
        for (int lines = 0; p && lines < 6; lines++) {
                p++;
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
                char *a = address_in(line);
                if (a) {
                        if (ret_next)
                                *ret_next = nl ? nl + 1 : p + strlen(p);
                        return a;
                }
                p = nl;
        }
        return NULL;
}

/* The indented or next non-blank line after the recipient: the reason. */
static char *reason_at(const char *p)
{
        while (p && *p) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
                if (!str_empty(line) && !strstr(line, "----"))
                        return one_line(line);
                p = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static void read_text_bounce(Bounce *b, GMimeMessage *msg, const char *text)
{
        static const struct {
                const char *signature, *format, *rcpt_marker;
        } formats[] = {
                {"qmail-send program", "qmail", "following addresses"},
                {"created automatically by mail delivery software", "exim", "address(es) failed"},
                {"had permanent fatal errors", "sendmail", "had permanent fatal errors"},
                {"Delivery has failed to these recipients", "exchange", "Delivery has failed to these recipients"},
                {"did not reach some or all of the intended recipients", "exchange", "cannot be reached"},
        };
        b->format = "text";
        const char *next = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
                if (!contains_ci(text, formats[i].signature))
                        continue;
                b->format = formats[i].format;
                b->recipient = address_after(text, formats[i].rcpt_marker, &next);
                break;
        }
        if (b->recipient)
                b->diagnostic = reason_at(next);
        const char *xf = g_mime_object_get_header(GMIME_OBJECT(msg), "X-Failed-Recipients");
        if (!b->recipient && xf)
                b->recipient = address_in(xf);
        const char *subj = g_mime_message_get_subject(msg);
        static const char *const delays[] = {"delayed", "delay)", "warning: message", "has not yet been delivered",
                                             "will continue trying", "still trying"};
        b->action = BOUNCE_FAILED;
        for (size_t i = 0; i < ARRAY_SIZE(delays); i++)
                if (contains_ci(subj, delays[i]) || contains_ci(text, delays[i]))
                        b->action = BOUNCE_DELAYED;
}

/* ---- entry ---------------------------------------------------------------- */

static void collect_ids(Bounce *b, Reading *rd, const char *raw, size_t len, const char *own_id)
{
        for (size_t i = 0; i < rd->ids_attached.n; i++)
                strlist_add(&b->message_ids, rd->ids_attached.v[i]);
        scan_message_id_lines(rd->text.s ? rd->text.s : "", &rd->ids_text);
        /* Past the report's own headers, whatever the MIME structure said. */
        const char *body = NULL;
        for (size_t i = 0; i + 1 < len && !body; i++)
                if (raw[i] == '\n' && (raw[i + 1] == '\n' || (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
                        body = raw + i + 1;
        _cleanup_free_ char *rest = body ? str_to_utf8(body, len - (size_t)(body - raw)) : NULL;
        if (rest)
                scan_message_id_lines(rest, &rd->ids_text);
        scan_our_ids(rd->text.s ? rd->text.s : "", &rd->ids_text);
        if (rest)
                scan_our_ids(rest, &rd->ids_text);
        for (size_t i = 0; i < rd->ids_text.n; i++)
                if (!strlist_contains(&b->message_ids, rd->ids_text.v[i]))
                        strlist_add(&b->message_ids, rd->ids_text.v[i]);
        /* A report quotes the message it is about, never itself. */
        for (size_t i = 0; own_id && i < b->message_ids.n; i++)
                if (!strcmp(b->message_ids.v[i], own_id)) {
                        free(b->message_ids.v[i]);
                        memmove(b->message_ids.v + i, b->message_ids.v + i + 1,
                                (b->message_ids.n - i - 1) * sizeof(char *));
                        b->message_ids.n--;
                        i--;
                }
}

int dsn_parse(const char *raw, size_t len, Bounce *ret)
{
        GMimeMessage *msg = mimelib_parse(raw, len);
        if (!msg)
                return -EBADMSG;
        Bounce b = {0};
        Reading rd = {.b = &b};
        bool dsn = is_report_type(msg->mime_part, "delivery-status") ||
                   is_report_type(msg->mime_part, "global-delivery-status");
        int r = 0;
        if (!dsn && !looks_like_text_bounce(msg))
                goto out;
        walk(&rd, msg->mime_part, 0);
        if (dsn && rd.dsn_fields && rd.rank) {
                b.format = "dsn";
        } else {
                /* Status fields outside a delivery-status report do not
                 * count (fuzz regression bounce-status-outside-dsn.eml). */
                free(b.recipient);
                free(b.status);
                free(b.diagnostic);
                b.recipient = b.status = b.diagnostic = NULL;
                b.action = 0;
                read_text_bounce(&b, msg, rd.text.s ? rd.text.s : "");
        }
        collect_ids(&b, &rd, raw, len, g_mime_message_get_message_id(msg));
        *ret = b;
        memset(&b, 0, sizeof b);
        r = 1;
out:
        dsn_free(&b);
        buf_free(&rd.text);
        strlist_free(&rd.ids_attached);
        strlist_free(&rd.ids_text);
        g_object_unref(msg);
        return r;
}
