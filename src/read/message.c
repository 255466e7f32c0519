/* message.c — see message.h. */
#include "read/message.h"
#include "base/mimelib.h"

#include <ctype.h>
#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>

#include "read/charset.h"
#include "read/docx.h"
#include "read/pdf.h"
#include "read/html.h"
#include "read/rfc2047.h"

static void body_free(MessageBody *b)
{
        free(b->filename);
        form_source_free(&b->src);
}

void message_free(Message *m)
{
        if (!m)
                return;
        free(m->message_id);
        free(m->key);
        free(m->from_addr);
        free(m->from_name);
        free(m->reply_to);
        strlist_free(&m->to_addrs);
        free(m->subject);
        free(m->in_reply_to);
        strlist_free(&m->references);
        free(m->auto_reason);
        free(m->sender_addr);
        free(m->return_path);
        strlist_free(&m->header_fields);
        free(m->orig_from_addr);
        free(m->orig_from_name);
        free(m->orig_subject);
        free(m->orig_message_id);
        free(m->fwd_from);
        free(m->fwd_date);
        for (size_t i = 0; i < m->n_bodies; i++)
                body_free(&m->bodies[i]);
        free(m->bodies);
        strlist_free(&m->unreadable);
        if (m->attached_free)
                m->attached_free(m->attached);
        free(m);
}

/* ---- header facts ------------------------------------------------------ */

char *message_one_line(const char *s)
{
        if (!s)
                return NULL;
        Buf b = {0};
        buf_puts(&b, "");
        bool folded = false;   /* the last byte written is a folded run's space */
        for (const unsigned char *p = (const unsigned char *)s; *p;) {
                size_t n = 0;
                if (*p < 0x20 || *p == 0x7f)
                        n = 1;
                else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
                        n = 2;      /* C1: NEL (U+0085) ends a line too */
                else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
                        n = 3;      /* U+2028 LINE, U+2029 PARAGRAPH SEPARATOR */
                if (n) {
                        /* "\r\n" and the like become one space. */
                        if (!folded)
                                buf_putc(&b, ' ');
                        folded = true;
                        p += n;
                } else {
                        buf_putc(&b, (char)*p++);
                        folded = false;
                }
        }
        return buf_steal(&b);
}

/* Header text decoded to UTF-8 and made one line. */
static char *header_text(const char *s)
{
        _cleanup_free_ char *u = str_to_utf8(s, strlen(s));
        return message_one_line(u);
}

static char *lower_dup(const char *s)
{
        char *r = xstrdup(s);
        str_ascii_lower(r);
        return r;
}

/* The first mailbox of an address list header, decoded. */
static void first_mailbox(InternetAddressList *l, char **ret_addr, char **ret_name)
{
        if (!l)
                return;
        for (int i = 0; i < internet_address_list_length(l); i++) {
                InternetAddress *a = internet_address_list_get_address(l, i);
                if (INTERNET_ADDRESS_IS_GROUP(a)) {
                        first_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), ret_addr,
                                      ret_name);
                        if (*ret_addr)
                                return;
                        continue;
                }
                const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
                if (!addr || !strchr(addr, '@'))
                        continue;
                *ret_addr = lower_dup(addr);
                const char *name = internet_address_get_name(a);
                *ret_name = str_empty(name) ? NULL : header_text(name);
                if (*ret_name && !*(*ret_name + strspn(*ret_name, " "))) {
                        free(*ret_name);
                        *ret_name = NULL;
                }
                return;
        }
}

static char *strip_angles(const char *s)
{
        if (!s)
                return NULL;
        while (*s == ' ' || *s == '<')
                s++;
        char *r = xstrdup(s);
        char *e = strchr(r, '>');
        if (e)
                *e = 0;
        return *str_trim(r) ? r : (free(r), NULL);
}

static const char *header(GMimeObject *o, const char *name)
{
        return g_mime_object_get_header(o, name);
}

/* Whether header name of o says value (compared without case, spaces
 * around it ignored). */
static bool header_is(GMimeObject *o, const char *name, const char *value)
{
        const char *v = header(o, name);
        if (!v)
                return false;
        _cleanup_free_ char *t = xstrdup(v);
        return strcasecmp(str_trim(t), value) == 0;
}

/* The subject prefixes autoresponders write and people do not: Outlook's
 * and Exchange's out-of-office replies ("Automatic reply: ", and "Out of
 * Office AutoReply: " in older versions), and "Auto Response: ".  A
 * forward of one starts "FW:" and is not caught; "Out of office" alone
 * could begin a person's subject and is not a rule. */
static const char *autoreply_subject(const char *subject)
{
        static const char *const prefixes[] = {"Automatic reply:", "Auto Response:", "Out of Office AutoReply:"};
        while (subject && *subject == ' ')
                subject++;
        for (size_t i = 0; subject && i < ARRAY_SIZE(prefixes); i++)
                if (str_startswith_ci(subject, prefixes[i]))
                        return prefixes[i];
        return NULL;
}

/* Whether msg is a mailing list's digest: multipart/digest at the top, or
 * as a part of the top multipart (Mailman's table of contents, digest,
 * footer).  Its messages are the list's, not a staff member's forward. */
static bool automatic_is_digest(GMimeMessage *msg)
{
        GMimeObject *top = msg->mime_part;
        if (!top)
                return false;
        GMimeContentType *ct = g_mime_object_get_content_type(top);
        if (ct && g_mime_content_type_is_type(ct, "multipart", "digest"))
                return true;
        if (!GMIME_IS_MULTIPART(top))
                return false;
        GMimeMultipart *mp = GMIME_MULTIPART(top);
        for (int i = 0; i < g_mime_multipart_get_count(mp) && i < 16; i++) {
                GMimeObject *c = g_mime_multipart_get_part(mp, i);
                GMimeContentType *cct = c ? g_mime_object_get_content_type(c) : NULL;
                if (cct && g_mime_content_type_is_type(cct, "multipart", "digest"))
                        return true;
        }
        return false;
}

/* The method of an attendee's answer to a calendar invitation (RFC 5546
 * REPLY, COUNTER, REFRESH) in a text/calendar part of o, looked for a few
 * levels and parts deep: what a calendar program sends back to the
 * ORGANIZER, the breach mailbox, when a DPO accepts the deadline's
 * invitation (notices/calendar.h).  NULL when there is none. */
static const char *calendar_answer(GMimeObject *o, int depth)
{
        if (!o || depth > 3)
                return NULL;
        if (GMIME_IS_MULTIPART(o)) {
                GMimeMultipart *mp = GMIME_MULTIPART(o);
                for (int i = 0; i < g_mime_multipart_get_count(mp) && i < 16; i++) {
                        const char *m = calendar_answer(g_mime_multipart_get_part(mp, i), depth + 1);
                        if (m)
                                return m;
                }
                return NULL;
        }
        GMimeContentType *ct = g_mime_object_get_content_type(o);
        if (!ct || !g_mime_content_type_is_type(ct, "text", "calendar"))
                return NULL;
        const char *method = g_mime_content_type_get_parameter(ct, "method");
        static const char *const answers[] = {"REPLY", "COUNTER", "REFRESH"};
        for (size_t i = 0; method && i < ARRAY_SIZE(answers); i++)
                if (!strcasecmp(method, answers[i]))
                        return answers[i];
        return NULL;
}

/* Mail that must never get an automatic reply (RFC 3834 and the rules the
 * best helpdesks add).  Each rule is a mark only software writes: a
 * person's mail, even one about an autoresponder, is never caught. */
static char *automatic_reason(GMimeMessage *msg, const char *from_addr, const char *from_name)
{
        GMimeObject *o = GMIME_OBJECT(msg);
        const char *v;
        if ((v = header(o, "Auto-Submitted"))) {
                _cleanup_free_ char *t = xstrdup(v);
                if (strcasecmp(str_trim(t), "no") != 0)
                        return xasprintf("Auto-Submitted: %s", str_trim(t));
        }
        if ((v = header(o, "Precedence"))) {
                /* bulk, junk and list mark mass mail and lists; auto_reply
                 * is what vacation programs write (Sisimai, the bounce
                 * classifier, reads it as an out-of-office reply). */
                _cleanup_free_ char *t = lower_dup(v);
                char *p = str_trim(t);
                if (!strcmp(p, "bulk") || !strcmp(p, "junk") || !strcmp(p, "list") || !strcmp(p, "auto_reply"))
                        return xasprintf("Precedence: %s", p);
        }
        /* Outlook.com's and Hotmail's vacation reply; its other values
         * (Forward, Redirect) mark a person's mail passed on by a rule. */
        if (header_is(o, "X-Autogenerated", "Reply"))
                return xstrdup("X-Autogenerated: Reply");
        /* iCloud's vacation reply, which has no Auto-Submitted. */
        if (header_is(o, "X-Apple-Action", "vacation"))
                return xstrdup("X-Apple-Action: vacation");
        static const char *const hdrs[] = {"List-Id", "List-Unsubscribe", "X-Auto-Response-Suppress",
                                           "X-Breachd-Loop", "X-Autoreply", "X-Autorespond"};
        for (size_t i = 0; i < ARRAY_SIZE(hdrs); i++)
                if (header(o, hdrs[i]))
                        return xasprintf("%s header present", hdrs[i]);
        if ((v = header(o, "Return-Path"))) {
                _cleanup_free_ char *t = xstrdup(v);
                if (strcmp(str_trim(t), "<>") == 0)
                        return xstrdup("empty Return-Path");
        }
        if (from_addr) {
                static const char *const locals[] = {"mailer-daemon@", "postmaster@", "no-reply@", "noreply@",
                                                     "do-not-reply@", "donotreply@", "bounce"};
                for (size_t i = 0; i < ARRAY_SIZE(locals); i++)
                        if (str_startswith(from_addr, locals[i]))
                                return xasprintf("sender %s", from_addr);
        }
        /* The names MTAs sign their bounces with (Sendmail's and Gmail's,
         * Postfix's), whatever address a relay rewrote the sender to. */
        if (from_name && (!strcasecmp(from_name, "Mail Delivery Subsystem") ||
                          !strcasecmp(from_name, "Mail Delivery System")))
                return xasprintf("sender \"%s\"", from_name);
        GMimeContentType *ct = g_mime_object_get_content_type(msg->mime_part ? msg->mime_part : o);
        if (ct && g_mime_content_type_is_type(ct, "multipart", "report"))
                return xstrdup("a delivery or read report (multipart/report)");
        if (automatic_is_digest(msg))
                return xstrdup("a mailing-list digest (multipart/digest)");
        if ((v = calendar_answer(msg->mime_part, 0)))
                return xasprintf("an answer to a calendar invitation (text/calendar; method=%s)", v);
        if ((v = header(o, "Disposition-Notification-To")) && header(o, "Original-Message-ID"))
                return xstrdup("a read receipt");
        const char *prefix = autoreply_subject(g_mime_message_get_subject(msg));
        if (prefix)
                return xasprintf("subject begins \"%s\"", prefix);
        return NULL;
}

static void add_all_mailboxes(InternetAddressList *l, StrList *out, unsigned depth)
{
        for (int i = 0; l && depth < 4 && i < internet_address_list_length(l) && out->n < 200; i++) {
                InternetAddress *a = internet_address_list_get_address(l, i);
                if (INTERNET_ADDRESS_IS_GROUP(a)) {
                        add_all_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out,
                                          depth + 1);
                        continue;
                }
                const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
                if (addr && strchr(addr, '@')) {
                        char *l2 = lower_dup(addr);
                        if (strlist_contains(out, l2))
                                free(l2);
                        else
                                strlist_take(out, l2);
                }
        }
}

static void read_recipients(Message *m, GMimeMessage *msg)
{
        add_all_mailboxes(g_mime_message_get_to(msg), &m->to_addrs, 0);
        add_all_mailboxes(g_mime_message_get_cc(msg), &m->to_addrs, 0);
        static const char *const hdrs[] = {"Delivered-To", "X-Original-To", "Envelope-To"};
        GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
        int n = g_mime_header_list_get_count(hl);
        for (int i = 0; i < n; i++) {
                GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
                for (size_t k = 0; k < ARRAY_SIZE(hdrs); k++)
                        if (g_ascii_strcasecmp(g_mime_header_get_name(h), hdrs[k]) == 0) {
                                InternetAddressList *l = internet_address_list_parse(NULL, g_mime_header_get_value(h));
                                add_all_mailboxes(l, &m->to_addrs, 0);
                                if (l)
                                        g_object_unref(l);
                        }
        }
}

/* Every mailbox of l, inside groups too, whatever it holds: a From: of
 * two addresses is two authors, even when one has no '@'. */
static unsigned count_mailboxes(InternetAddressList *l, unsigned depth)
{
        unsigned n = 0;
        for (int i = 0; l && depth < 4 && i < internet_address_list_length(l); i++) {
                InternetAddress *a = internet_address_list_get_address(l, i);
                if (INTERNET_ADDRESS_IS_GROUP(a))
                        n += count_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
                                             depth + 1);
                else
                        n++;
        }
        return n;
}

/* What the servers on the way say about who sent it: the number of From:
 * addresses, Sender:, the envelope sender the delivering server wrote
 * (Return-Path:, the topmost one), and every header field in order, for
 * the Authentication-Results: and Received: fields and their places. */
static void read_origin(Message *m, GMimeMessage *msg)
{
        GMimeObject *o = GMIME_OBJECT(msg);
        m->n_from = count_mailboxes(g_mime_message_get_from(msg), 0);
        char *dummy = NULL;
        first_mailbox(g_mime_message_get_sender(msg), &m->sender_addr, &dummy);
        free(dummy);
        const char *rp = header(o, "Return-Path");
        if (rp) {
                _cleanup_free_ char *t = xstrdup(rp);
                char *v = str_trim(t);
                size_t n = strlen(v);
                if (n >= 2 && v[0] == '<' && v[n - 1] == '>') {
                        v[n - 1] = 0;
                        v++;
                }
                m->return_path = lower_dup(str_trim(v));
        }
        GMimeHeaderList *hl = g_mime_object_get_header_list(o);
        int n = g_mime_header_list_get_count(hl);
        for (int i = 0; i < n; i++) {
                GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
                const char *raw = g_mime_header_get_raw_value(h);
                _cleanup_free_ char *v = xstrdup(raw ? raw : "");
                for (char *p = v; *p; p++)
                        if (*p == '\r' || *p == '\n')
                                *p = ' ';
                strlist_take(&m->header_fields, xasprintf("%s: %s", g_mime_header_get_name(h), str_trim(v)));
        }
}

/* Header text decoded by breachd, not by GMime: GMime 3.2.13 loses the
 * words after an adjacent padded B-encoded word (jstedfast/gmime#133; see
 * read/rfc2047.h).  The raw value of the first header called name, or NULL. */
static const char *decoded_raw_header(GMimeObject *o, const char *name)
{
        GMimeHeaderList *hl = g_mime_object_get_header_list(o);
        GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;
        return h ? g_mime_header_get_raw_value(h) : NULL;
}

/* The Subject of o decoded and on one line, trimmed; NULL without one.
 * Unfolded first: a line break before the white space that starts a
 * continuation line goes (RFC 5322 2.2.3), so that Mutt's "...with the\n
 * Year 5 newsletter" reads "with the Year 5", not "with the  Year 5". */
static char *decoded_subject(GMimeObject *o)
{
        const char *folded = decoded_raw_header(o, "Subject");
        if (!folded)
                return NULL;
        _cleanup_free_ char *raw = xstrdup(folded);
        char *w = raw;
        for (const char *p = raw; *p; p++) {
                size_t n = p[0] == '\r' && p[1] == '\n' ? 2 : p[0] == '\n' ? 1 : 0;
                if (n && (p[n] == ' ' || p[n] == '\t')) {
                        p += n - 1;
                        continue;
                }
                *w++ = *p;
        }
        *w = 0;
        _cleanup_free_ char *d = rfc2047_decode(raw);
        _cleanup_free_ char *one = message_one_line(d);
        return xstrdup(str_trim(one));
}

/* The display name of the first mailbox of header name, read from the raw
 * header when that mailbox (the phrase before the first "<" outside quotes
 * and comments) is addr; *name is replaced then, else left as GMime read
 * it.  Quoted strings lose their quotes and escapes; encoded words are
 * decoded inside them too, as GMime and mail readers do. */
static void decoded_display_name(GMimeObject *o, const char *name, const char *addr, char **ret_name)
{
        const char *raw = decoded_raw_header(o, name);
        if (!raw || !addr)
                return;
        const char *start = raw, *lt = NULL;
        bool quoted = false;
        int comment = 0;
        for (const char *p = raw; *p && !lt; p++) {
                if (*p == '\\' && p[1] && (quoted || comment))
                        p++;
                else if (quoted)
                        quoted = *p != '"';
                else if (comment)
                        comment += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                else if (*p == '"')
                        quoted = true;
                else if (*p == '(')
                        comment = 1;
                else if (*p == ',' || *p == ':')
                        start = p + 1;   /* an earlier bare address, or a group's name */
                else if (*p == '<')
                        lt = p;
        }
        if (!lt)
                return;
        const char *gt = strchr(lt, '>');
        if (!gt)
                return;
        _cleanup_free_ char *a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
        if (strcasecmp(str_trim(a), addr) != 0)
                return;
        /* The phrase without its quotes and comments. */
        Buf b = {0};
        buf_puts(&b, "");
        quoted = false;
        comment = 0;
        for (const char *p = start; p < lt; p++) {
                if (*p == '\\' && p + 1 < lt && (quoted || comment)) {
                        if (!comment)
                                buf_putc(&b, *++p);
                        else
                                p++;
                } else if (comment)
                        comment += *p == '(' ? 1 : *p == ')' ? -1 : 0;
                else if (*p == '"')
                        quoted = !quoted;
                else if (*p == '(' && !quoted)
                        comment = 1;
                else
                        buf_putc(&b, *p);
        }
        _cleanup_free_ char *phrase = buf_steal(&b);
        _cleanup_free_ char *d = rfc2047_decode(phrase);
        _cleanup_free_ char *one = message_one_line(d);
        if (!*str_trim(one))
                return;
        free(*ret_name);
        *ret_name = xstrdup(str_trim(one));
}

static void read_headers(Message *m, GMimeMessage *msg)
{
        read_recipients(m, msg);
        first_mailbox(g_mime_message_get_from(msg), &m->from_addr, &m->from_name);
        if (!m->from_addr)
                first_mailbox(g_mime_message_get_sender(msg), &m->from_addr, &m->from_name);
        decoded_display_name(GMIME_OBJECT(msg), "From", m->from_addr, &m->from_name);
        char *dummy = NULL;
        first_mailbox(g_mime_message_get_reply_to(msg), &m->reply_to, &dummy);
        free(dummy);
        m->subject = decoded_subject(GMIME_OBJECT(msg));
        if (!m->subject)
                m->subject = xstrdup("");
        m->message_id = strip_angles(g_mime_message_get_message_id(msg));
        GDateTime *d = g_mime_message_get_date(msg);
        m->date = d ? g_date_time_to_unix(d) : 0;
        const char *irt = header(GMIME_OBJECT(msg), "In-Reply-To");
        if (irt) {
                GMimeReferences *r = g_mime_references_parse(NULL, irt);
                if (r && g_mime_references_length(r) > 0)
                        m->in_reply_to = xstrdup(g_mime_references_get_message_id(r, 0));
                if (r)
                        g_mime_references_free(r);
        }
        const char *refs = header(GMIME_OBJECT(msg), "References");
        if (refs) {
                GMimeReferences *r = g_mime_references_parse(NULL, refs);
                for (int i = 0; r && i < g_mime_references_length(r); i++)
                        strlist_add(&m->references, g_mime_references_get_message_id(r, i));
                if (r)
                        g_mime_references_free(r);
        }
        m->auto_reason = automatic_reason(msg, m->from_addr, m->from_name);
        m->has_auto_submitted = m->auto_reason != NULL;
        read_origin(m, msg);
}

/* ---- bodies ------------------------------------------------------------ */

typedef struct {
        Message *m;
        const MessageLimits *lim;
        unsigned parts;
        unsigned next_group;
        bool maybe_forward;   /* not a reply: the text may say it is a forward */
        unsigned n_read;      /* parts that gave text (a body, a .docx, a PDF's text) */
        unsigned n_undecodable;  /* parts whose bytes could not be decoded */
        int err;
        char *why;
} Walk;

static void walk_fail(Walk *w, int err, char *why)
{
        if (!w->err) {
                w->err = err;
                w->why = why;
        } else {
                free(why);
        }
}

/* Decoded bytes of a leaf part (transfer encoding undone), or NULL. */
static GByteArray *part_bytes(Walk *w, GMimePart *part)
{
        GMimeDataWrapper *dw = g_mime_part_get_content(part);
        if (!dw)
                return NULL;
        GMimeStream *mem = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(dw, mem);
        GByteArray *ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
        g_object_unref(mem);
        if (ba && ba->len > w->lim->max_part_size) {
                walk_fail(w, -E2BIG, xasprintf("a part decodes to %u bytes (limit %llu)", ba->len,
                                              (unsigned long long)w->lim->max_part_size));
                g_byte_array_free(ba, TRUE);
                return NULL;
        }
        return ba;
}

/* Text in the part's declared charset, as UTF-8.  For the labels of
 * charset_forgiving() (and none or an unknown one) valid UTF-8 is kept and
 * any other byte is read as windows-1252, the superset of ISO-8859-1 that
 * senders mean; other charsets are converted.  *ret_converted (optional)
 * says whether the declared charset converted it. */
static char *bytes_to_utf8(const GByteArray *ba, const char *charset, bool *ret_converted)
{
        if (ret_converted)
                *ret_converted = false;
        /* An empty part has no data pointer at all (fuzz regression
         * empty-text-part.eml): nothing to convert. */
        if (!ba->len || !ba->data)
                return xstrdup("");
        const char *cs = charset;
        if (cs && !charset_forgiving(cs)) {
                gsize out_len = 0;
                gchar *out = g_convert((const gchar *)ba->data, ba->len, "UTF-8", cs, NULL, &out_len, NULL);
                if (out) {
                        char *r = str_to_utf8(out, out_len);
                        g_free(out);
                        if (ret_converted)
                                *ret_converted = true;
                        return r;
                }
        }
        return str_to_utf8((const char *)ba->data, ba->len);
}

/* ---- parts that cannot be decoded ---------------------------------------- */

/* The transfer encodings there are (RFC 2045, and the uuencode GMime
 * decodes), and the ways mailers misspell the identity ones, whose bytes
 * are the text: any other leaves the bytes in a form nobody can read. */
static bool known_transfer_encoding(const char *cte)
{
        static const char *const known[] = {"7bit", "8bit", "binary", "base64", "quoted-printable",
                                            "x-uuencode", "uuencode", "x-uue", "uue", "7-bit", "8-bit",
                                            "7 bit", "8 bit"};
        _cleanup_free_ char *t = xstrndup(cte, strcspn(cte, ";("));
        char *v = str_trim(t);
        /* An empty one is none (7bit), as GMime reads it.  A quoted one
         * GMime reads as none too: right only for the identity ones. */
        size_t len = strlen(v);
        bool quoted = len >= 2 && v[0] == '"' && v[len - 1] == '"';
        if (quoted) {
                v[len - 1] = 0;
                v = str_trim(v + 1);
        }
        if (!*v)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (g_ascii_strcasecmp(v, known[i]) == 0)
                        return !quoted || i < 3 || i > 8;
        return false;
}

/* Whether a base64 part's encoded text is not base64: more than one
 * character in twenty (and at least eight) outside its alphabet.  GMime
 * skips such characters, and what is left decodes to noise. */
static bool base64_damaged(GMimePart *part)
{
        GMimeDataWrapper *dw = g_mime_part_get_content(part);
        if (!dw || g_mime_data_wrapper_get_encoding(dw) != GMIME_CONTENT_ENCODING_BASE64)
                return false;
        GMimeStream *s = g_mime_data_wrapper_get_stream(dw);
        if (!s || g_mime_stream_reset(s) < 0)
                return false;
        size_t total = 0, bad = 0;
        char buf[4096];
        ssize_t n;
        while ((n = g_mime_stream_read(s, buf, sizeof buf)) > 0)
                for (ssize_t i = 0; i < n; i++) {
                        unsigned char c = (unsigned char)buf[i];
                        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                                continue;
                        total++;
                        bad += !(isalnum(c) || c == '+' || c == '/' || c == '=');
                }
        g_mime_stream_reset(s);
        return bad >= 8 && bad * 20 > total;
}

/* Whether text is binary, not words: more than one character in twenty
 * (and at least eight) a control character (other than TAB, line breaks,
 * the vertical tab and form feed Outlook writes), or the replacement
 * character.  raw, when not NULL, is the part's bytes before any
 * conversion, whose NULs str_to_utf8() turned into spaces. */
static bool text_is_binary(const GByteArray *raw, const char *u)
{
        size_t total = 0, bad = 0;
        if (raw) {
                for (guint i = 0; i < raw->len; i++) {
                        unsigned char c = raw->data[i];
                        total++;
                        /* a NUL counts: strchr() would find it in any string */
                        bad += (c < 0x20 && (c == 0 || !strchr("\t\n\r\v\f\x1b", c))) || c == 0x7f;
                }
                if (bad >= 8 && bad * 20 > total)
                        return true;
        }
        total = bad = 0;
        for (const char *p = u; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);
                total++;
                bad += (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') || c == 0x7f ||
                       (c >= 0x80 && c < 0xa0) || c == 0xfffd;
        }
        return bad >= 8 && bad * 20 > total;
}

/* A part that could not be decoded: named for the DPO, and not read. */
static void note_undecodable(Walk *w, const char *filename, bool attachment, bool html, unsigned fwd,
                             const char *why);

/* RFC 3676 format=flowed: a line ending in a space continues on the next
 * (the space dropped with delsp=yes); a leading space is stuffing; quote
 * depth ('>') must match for lines to join; "-- " stays a line. */
static char *unflow(const char *text, bool delsp)
{
        Buf b = {0};
        buf_puts(&b, "");
        bool joining = false;
        unsigned depth_prev = 0;
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                const char *line = p;
                p = nl ? nl + 1 : NULL;
                if (n && line[n - 1] == '\r')
                        n--;
                unsigned depth = 0;
                while (depth < n && line[depth] == '>')
                        depth++;
                const char *body = line + depth;
                size_t bn = n - depth;
                if (bn && *body == ' ') {
                        body++;
                        bn--;
                }
                if (!joining || depth != depth_prev) {
                        if (joining)
                                buf_putc(&b, '\n');
                        for (unsigned k = 0; k < depth; k++)
                                buf_putc(&b, '>');
                        if (depth)
                                buf_putc(&b, ' ');
                }
                bool sig = bn == 3 && strncmp(body, "-- ", 3) == 0;
                bool soft = !sig && bn > 0 && body[bn - 1] == ' ';
                buf_append(&b, body, soft && delsp ? bn - 1 : bn);
                if (!soft)
                        buf_putc(&b, '\n');
                joining = soft;
                depth_prev = depth;
        }
        return buf_steal(&b);
}

static MessageBody *add_body(Message *m, BodyKind kind, unsigned group, unsigned fwd, const char *filename)
{
        m->bodies = xrealloc(m->bodies, (m->n_bodies + 1) * sizeof *m->bodies);
        MessageBody *b = &m->bodies[m->n_bodies++];
        memset(b, 0, sizeof *b);
        b->kind = kind;
        b->group = group;
        b->forward = fwd;
        b->filename = filename ? header_text(filename) : NULL;
        return b;
}

static bool is_docx(GMimeContentType *ct, const char *filename)
{
        if (g_mime_content_type_is_type(ct, "application", "vnd.openxmlformats-officedocument.wordprocessingml.document"))
                return true;
        return filename && (str_endswith_ci(filename, ".docx") || str_endswith_ci(filename, ".docm"));
}

static bool is_pdf(GMimeContentType *ct, const char *filename)
{
        return g_mime_content_type_is_type(ct, "application", "pdf") ||
               (filename && str_endswith_ci(filename, ".pdf"));
}

static bool text_says_forward(const char *text, size_t max);

/* At most this many unreadable parts are listed, and a line saying there
 * were more. */
#define UNREADABLE_MAX 20

/* Notes a part that could not be read, by its file name or else as what,
 * with why: the message is still read from its other parts. */
static void note_unreadable(Walk *w, const char *filename, const char *what, const char *why)
{
        StrList *l = &w->m->unreadable;
        if (l->n > UNREADABLE_MAX)
                return;
        if (l->n == UNREADABLE_MAX) {
                strlist_add(l, "more parts could not be read than are listed here");
                return;
        }
        _cleanup_free_ char *name = filename ? header_text(filename) : NULL;
        _cleanup_free_ char *line = xasprintf("%s: %s", name && *name ? name : what, why ? why : "unreadable");
        strlist_take(l, message_one_line(line));
}

static void note_undecodable(Walk *w, const char *filename, bool attachment, bool html, unsigned fwd,
                             const char *why)
{
        w->n_undecodable++;
        note_unreadable(w, filename,
                        attachment ? "an attachment"
                        : fwd      ? "the text of a forwarded message"
                        : html     ? "the HTML of the message"
                                   : "the text of the message",
                        why);
}

/* Whether a part is a file someone attached (message.h, n_attachments):
 * any part with a file name or marked as an attachment, except an image
 * with a Content-ID that is not marked as an attachment -- the logo or
 * signature picture an HTML body shows in its text. */
static bool is_real_attachment(GMimePart *part, GMimeContentType *ct, bool attachment)
{
        /* An S/MIME or OpenPGP signature is added by the mail client, not
         * attached by its author: a signed "form please" asks for the form. */
        static const char *const signatures[] = {"pkcs7-signature", "x-pkcs7-signature", "pgp-signature", NULL};
        for (const char *const *t = signatures; *t; t++)
                if (g_mime_content_type_is_type(ct, "application", *t))
                        return false;
        if (!attachment)
                return false;
        if (!g_mime_content_type_is_type(ct, "image", "*"))
                return true;
        GMimeContentDisposition *d = g_mime_object_get_content_disposition(GMIME_OBJECT(part));
        bool marked = d && g_mime_content_disposition_is_attachment(d);
        return marked || str_empty(g_mime_object_get_content_id(GMIME_OBJECT(part)));
}

/* Whether a leaf is plain text: text/plain, or a bare "Content-Type: text"
 * with no subtype, which RFC 2045 does not allow but mailers write (GMime
 * reads it as application/octet-stream). */
static bool leaf_is_plain_text(GMimeObject *o, GMimeContentType *ct)
{
        if (ct && g_mime_content_type_is_type(ct, "text", "plain"))
                return true;
        const char *v = header(o, "Content-Type");
        if (!v)
                return false;
        _cleanup_free_ char *t = xstrndup(v, strcspn(v, ";"));
        return g_ascii_strcasecmp(str_trim(t), "text") == 0;
}

/* Whether a leaf is an attachment rather than the body.  A file name makes
 * one, except on a plain text part not marked "attachment": some mailers
 * name the body itself ("message.txt"), and it is the report. */
static bool leaf_is_attachment(GMimePart *part, bool plain, const char *filename)
{
        return g_mime_part_is_attachment(part) || (filename && !plain);
}

/* A mail that is no reply (no In-Reply-To, no "Re:") quotes nothing: its
 * HTML is read whole when dropping the quoted markup would leave nothing. */
static unsigned walk_html_quoted_flag(const Walk *w)
{
        return w->maybe_forward && !w->m->in_reply_to ? HTML_QUOTED_IF_ALONE : 0;
}

static void walk_leaf(Walk *w, GMimePart *part, unsigned group, unsigned fwd)
{
        GMimeObject *o = GMIME_OBJECT(part);
        GMimeContentType *ct = g_mime_object_get_content_type(o);
        const char *filename = g_mime_part_get_filename(part);
        bool text = leaf_is_plain_text(o, ct);
        bool attachment = leaf_is_attachment(part, text, filename);
        bool html = g_mime_content_type_is_type(ct, "text", "html");
        bool docx = is_docx(ct, filename);
        bool pdf = is_pdf(ct, filename);
        bool readable = text || html || docx || pdf || (attachment && filename && str_endswith_ci(filename, ".txt"));
        if (is_real_attachment(part, ct, attachment)) {
                w->m->n_attachments++;
                /* A photo or a scan, an .odt, .doc or .xlsx: the report is
                 * filed, and the file named for a person to read. */
                if (g_mime_content_type_is_type(ct, "image", "*"))
                        note_unreadable(w, filename, "a picture", "a picture: needs reading by a person");
                else if (!readable)
                        note_unreadable(w, filename, "an attachment",
                                        "a kind of file breachd does not read: needs opening by a person");
        }
        if (!readable)
                return;
        /* Bytes in a transfer encoding nobody knows, or base64 that is not
         * base64, would be read as noise: named instead, for a person. */
        const char *cte = header(o, "Content-Transfer-Encoding");
        if (cte && !known_transfer_encoding(cte)) {
                _cleanup_free_ char *c = header_text(cte);
                _cleanup_free_ char *why = xasprintf("could not be decoded: an unknown Content-Transfer-Encoding "
                                                     "\"%s\"", str_trim(c));
                note_undecodable(w, filename, attachment, html, fwd, why);
                return;
        }
        if (base64_damaged(part)) {
                note_undecodable(w, filename, attachment, html, fwd,
                                 "could not be decoded: its base64 is damaged (characters base64 does not have)");
                return;
        }
        GByteArray *ba = part_bytes(w, part);
        if (!ba)
                return;
        const char *charset = g_mime_object_get_content_type_parameter(o, "charset");
        /* The text of a text or HTML part, converted once: binary data
         * would be read as noise. */
        _cleanup_free_ char *u = NULL;
        if (!pdf && !docx) {
                bool converted = false;
                u = bytes_to_utf8(ba, charset, &converted);
                if (text_is_binary(converted ? NULL : ba, u)) {
                        _cleanup_free_ char *cs = charset ? header_text(charset) : NULL;
                        _cleanup_free_ char *why =
                                cs && !converted && !charset_forgiving(cs)
                                        ? xasprintf("could not be decoded: binary data in an unknown charset \"%s\"", cs)
                                        : xstrdup("could not be decoded: binary data, not text");
                        note_undecodable(w, filename, attachment, html, fwd, why);
                        g_byte_array_free(ba, TRUE);
                        return;
                }
        }
        BodyKind kind = attachment ? BODY_ATTACHMENT : html ? BODY_HTML : BODY_TEXT;
        if (pdf) {
                MessageBody *b = add_body(w->m, BODY_ATTACHMENT, group, fwd, filename);
                _cleanup_free_ char *why = NULL;
                if (pdf_extract_why(ba->data, ba->len, &b->src, &why) < 0) {
                        /* A scan, or a PDF poppler cannot open: the report is
                         * filed from the rest, and a person is told to read it. */
                        form_source_free(&b->src);
                        note_unreadable(w, filename, "a PDF attachment", why);
                } else {
                        w->n_read++;
                }
        } else if (docx) {
                MessageBody *b = add_body(w->m, BODY_ATTACHMENT, group, fwd, filename);
                _cleanup_free_ char *why = NULL;
                if (docx_extract_why(ba->data, ba->len, &b->src, &why) < 0) {
                        /* An unreadable attachment is not a broken report,
                         * but the DPO must hear of it: it may be the form. */
                        form_source_free(&b->src);
                        note_unreadable(w, filename, "a Word attachment", why);
                } else {
                        w->n_read++;
                }
        } else if (html) {
                if (!attachment && fwd == 0 && w->maybe_forward && !w->m->forwarded &&
                    (strstr(u, "Forwarded message") || strstr(u, "Begin forwarded message") ||
                     strstr(u, "Forwarded Message")))
                        w->m->forwarded = true;
                MessageBody *b = add_body(w->m, kind, group, fwd, filename);
                unsigned flags = w->m->forwarded ? 0 : HTML_DROP_QUOTED | walk_html_quoted_flag(w);
                _cleanup_free_ char *why = NULL;
                if (html_extract_why(u, strlen(u), "UTF-8", flags, &b->src, &why) < 0)
                        form_source_free(&b->src);
                else
                        w->n_read++;
                /* Refused, or read only up to where it nests too deep. */
                if (why)
                        note_unreadable(w, filename,
                                        attachment ? "an HTML attachment"
                                        : fwd      ? "the HTML of a forwarded message"
                                                   : "the HTML body",
                                        why);
        } else {
                MessageBody *b = add_body(w->m, kind, group, fwd, filename);
                b->src.text = u;
                u = NULL;
                w->n_read++;
                if (kind == BODY_TEXT && fwd == 0 && w->maybe_forward && !w->m->forwarded &&
                    text_says_forward(b->src.text, 1u << 20))
                        w->m->forwarded = true;
                const char *format = g_mime_object_get_content_type_parameter(o, "format");
                if (format && !g_ascii_strcasecmp(format, "flowed")) {
                        const char *delsp = g_mime_object_get_content_type_parameter(o, "delsp");
                        char *joined = unflow(b->src.text, delsp && !g_ascii_strcasecmp(delsp, "yes"));
                        free(b->src.text);
                        b->src.text = joined;
                }
        }
        g_byte_array_free(ba, TRUE);
}

static void walk(Walk *w, GMimeObject *o, unsigned depth, unsigned group, unsigned fwd);

static void walk_forward(Walk *w, GMimeMessagePart *mp, unsigned depth, unsigned fwd)
{
        GMimeMessage *inner = g_mime_message_part_get_message(mp);
        if (!inner || !inner->mime_part)
                return;
        if (fwd == 0 && !w->m->orig_from_addr) {
                w->m->forwarded = true;
                first_mailbox(g_mime_message_get_from(inner), &w->m->orig_from_addr, &w->m->orig_from_name);
                decoded_display_name(GMIME_OBJECT(inner), "From", w->m->orig_from_addr, &w->m->orig_from_name);
                /* A second forward is read when the first had no sender
                 * (fuzz regression forward-twice-no-sender.eml). */
                free(w->m->orig_subject);
                w->m->orig_subject = decoded_subject(GMIME_OBJECT(inner));
                free(w->m->orig_message_id);
                w->m->orig_message_id = strip_angles(g_mime_message_get_message_id(inner));
                GDateTime *d = g_mime_message_get_date(inner);
                w->m->orig_date = d ? g_date_time_to_unix(d) : 0;
        }
        walk(w, inner->mime_part, depth + 1, ++w->next_group, fwd + 1);
}

/* Whether line (up to its end) starts a MIME header of a part: a
 * "Content-...:" or "MIME-Version:" field. */
static bool walk_prologue_header(const char *line)
{
        size_t n = strcspn(line, ":\n");
        if (line[n] != ':' || n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!g_ascii_isalnum(line[i]) && line[i] != '-')
                        return false;
        return str_startswith_ci(line, "content-") || (n == 12 && str_startswith_ci(line, "mime-version"));
}

/* The text of a multipart whose boundary was never found.  Its parts'
 * delimiter lines and MIME headers are the mail's structure, not the
 * author's words: "Content-Description: Mail message body" was read as the
 * breach's description.  They are dropped, and so is the mailer's
 * "This is a multi-part message in MIME format."; every other line is
 * kept. */
static char *walk_prologue_text(const char *prologue)
{
        _cleanup_free_ char *u = str_to_utf8(prologue, strlen(prologue));
        Buf b = {0};
        buf_puts(&b, "");
        bool in_headers = false;
        for (const char *line = u; *line;) {
                size_t len = strcspn(line, "\n");
                const char *next = line[len] ? line + len + 1 : line + len;
                bool blank = strspn(line, " \t\r") >= len;
                /* "--boundary" before a part's headers, or the closing
                 * "--boundary--"; a sign-off like "--Alan" is kept. */
                size_t vis = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                bool delimiter = vis > 2 && line[0] == '-' && line[1] == '-' && !memchr(line, ' ', vis) &&
                                 (walk_prologue_header(next) ||
                                  (vis > 4 && line[vis - 1] == '-' && line[vis - 2] == '-'));
                bool skip = false;
                /* The preamble mailers write for readers without MIME. */
                bool preamble = str_startswith_ci(line, "This is a multi-part message in MIME format") ||
                                str_startswith_ci(line, "This is a multipart message in MIME format");
                if (preamble) {
                        skip = true;
                } else if (delimiter || walk_prologue_header(line)) {
                        skip = in_headers = true;
                } else if (in_headers && !blank && (line[0] == ' ' || line[0] == '\t')) {
                        skip = true;   /* a folded header line */
                } else if (in_headers && blank) {
                        skip = true;   /* the blank line that ends a part's headers */
                        in_headers = false;
                } else {
                        in_headers = false;
                }
                if (!skip)
                        buf_append(&b, line, (size_t)(next - line));
                line = next;
        }
        return buf_steal(&b);
}

static void walk(Walk *w, GMimeObject *o, unsigned depth, unsigned group, unsigned fwd)
{
        if (w->err)
                return;
        if (depth > w->lim->max_depth) {
                walk_fail(w, -E2BIG, xasprintf("MIME nesting deeper than %u", w->lim->max_depth));
                return;
        }
        if (++w->parts > w->lim->max_parts) {
                walk_fail(w, -E2BIG, xasprintf("more than %u MIME parts", w->lim->max_parts));
                return;
        }
        if (GMIME_IS_MULTIPART(o)) {
                GMimeMultipart *mp = GMIME_MULTIPART(o);
                GMimeContentType *ct = g_mime_object_get_content_type(o);
                bool alt = ct && g_mime_content_type_is_type(ct, "multipart", "alternative");
                unsigned g = alt ? ++w->next_group : 0;
                const char *prologue = g_mime_multipart_get_prologue(mp);
                if (g_mime_multipart_get_count(mp) == 0 && !str_empty(prologue)) {
                        /* No boundary found (none declared, or a wrong one):
                         * the body is all prologue, and is read as text. */
                        MessageBody *b = add_body(w->m, BODY_TEXT, group ? group : ++w->next_group, fwd, NULL);
                        b->src.text = walk_prologue_text(prologue);
                        return;
                }
                for (int i = 0; i < g_mime_multipart_get_count(mp); i++) {
                        GMimeObject *child = g_mime_multipart_get_part(mp, i);
                        if (child)
                                walk(w, child, depth + 1, alt ? g : (group ? group : ++w->next_group), fwd);
                }
        } else if (GMIME_IS_MESSAGE_PART(o)) {
                walk_forward(w, GMIME_MESSAGE_PART(o), depth, fwd);
        } else if (GMIME_IS_PART(o)) {
                walk_leaf(w, GMIME_PART(o), group ? group : ++w->next_group, fwd);
        }
}

/* ---- text cleaning ------------------------------------------------------ */

static bool is_forward_line(const char *l);

static bool is_forward_marker(const char *l)
{
        return is_forward_line(l) || strstr(l, "Original Message") || strstr(l, "Original message");
}

static bool is_header_line(const char *l, const char *name)
{
        size_t n = strlen(name);
        return strncasecmp(l, name, n) == 0 && (l[n] == ':');
}

static bool is_mail_header_line(const char *l)
{
        static const char *const h[] = {"From", "Sent", "Date", "To", "Cc", "Bcc", "Subject", "Reply-To",
                                        "Importance", "Attachments", "Received", "Envoyé", "De", "À", "Objet",
                                        "Message-ID"};
        const char *p = l;
        while (*p == '*' || *p == ' ')
                p++;
        for (size_t i = 0; i < ARRAY_SIZE(h); i++)
                if (is_header_line(p, h[i]))
                        return true;
        return false;
}

/* Outlook's reply/forward block: "From: …" followed within a few lines by
 * "Sent: …" or "Date: …", then "Subject:". */
static bool is_outlook_block(char **lines, size_t i, size_t n)
{
        const char *l = lines[i];
        while (*l == '*' || *l == ' ')
                l++;
        if (!is_header_line(l, "From"))
                return false;
        bool sent = false, subject = false;
        for (size_t k = i + 1; k < n && k < i + 7; k++) {
                const char *t = lines[k];
                while (*t == '*' || *t == ' ')
                        t++;
                if (is_header_line(t, "Sent") || is_header_line(t, "Date"))
                        sent = true;
                if (is_header_line(t, "Subject"))
                        subject = true;
        }
        return sent && subject;
}

static bool ends_wrote(const char *l)
{
        _cleanup_free_ char *t = xstrdup(l);
        char *s = str_trim(t);
        return str_endswith_ci(s, "wrote:") || str_endswith_ci(s, "writes:") || str_endswith_ci(s, "a \xc3\xa9" "crit :") ||
               str_endswith_ci(s, "schrieb:");
}

/* "On Mon, 6 Jan 2025 at 16:02, Jane <jane@x> wrote:", which Gmail wraps
 * over two or three lines when it is long. */
static bool is_wrote_line(char **lines, size_t i, size_t n)
{
        const char *l = lines[i];
        if (!str_startswith(l, "On ") && !str_startswith(l, "Le ") && !str_startswith(l, "Am "))
                return false;
        size_t len = 0;
        for (size_t k = i; k < n && k < i + 3; k++) {
                len += strlen(lines[k]);
                if (len > 400 || (k > i && !*lines[k]))
                        return false;
                if (ends_wrote(lines[k]))
                        return true;
        }
        return false;
}

/* A forward that says so in its text, whatever the subject says.
 * "-----Original Message-----" is not one: Outlook writes it in replies
 * too. */
static bool is_forward_line(const char *l)
{
        while (*l == ' ' || *l == '-' || *l == '*' || *l == '_')
                l++;
        return str_startswith_ci(l, "Forwarded message") || str_startswith_ci(l, "Begin forwarded message") ||
               str_startswith_ci(l, "Forwarded Message") || str_startswith_ci(l, "Original Message Follows") ||
               str_startswith_ci(l, "Forwarded e-mail") || str_startswith_ci(l, "Forwarded email");
}

static bool text_says_forward(const char *text, size_t max)
{
        for (const char *p = text; p && *p && (size_t)(p - text) < max;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (*p != '>' && n < 200) {
                        _cleanup_free_ char *line = xstrndup(p, n);
                        if (is_forward_line(line))
                                return true;
                }
                p = nl ? nl + 1 : NULL;
        }
        return false;
}

static void split_lines(char *text, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0;
        for (char *p = text, *nl; p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                size_t len = strlen(p);
                if (len && p[len - 1] == '\r')
                        p[len - 1] = 0;
                v = xrealloc(v, (n + 1) * sizeof *v);
                v[n++] = p;
        }
        *ret = v;
        *ret_n = n;
}

static const char *unquote(const char *l)
{
        while (*l == '>') {
                l++;
                if (*l == ' ')
                        l++;
        }
        return l;
}

static char *forwarded_part(char **lines, size_t n, size_t start, char **ret_fwd_from)
{
        size_t i = start;
        /* the header block of the forwarded message */
        while (i < n) {
                const char *l = unquote(lines[i]);
                _cleanup_free_ char *t = xstrdup(l);
                char *s = str_trim(t);
                if (*s && !is_mail_header_line(s))
                        break;
                if (ret_fwd_from && !*ret_fwd_from && is_header_line(s + strspn(s, "* "), "From"))
                        *ret_fwd_from = xstrdup(str_trim(strchr(s, ':') + 1));
                i++;
        }
        Buf b = {0};
        for (; i < n; i++) {
                buf_puts(&b, unquote(lines[i]));
                buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

char *message_clean_text(const char *text, bool forwarded, char **ret_fwd_from)
{
        if (ret_fwd_from)
                *ret_fwd_from = NULL;
        _cleanup_free_ char *copy = xstrdup(text ? text : "");
        _cleanup_free_ char **lines = NULL;
        size_t n = 0;
        split_lines(copy, &lines, &n);
        if (forwarded)
                for (size_t i = 0; i < n; i++) {
                        const char *l = unquote(lines[i]);
                        if (is_forward_marker(l))
                                return forwarded_part(lines, n, i + 1, ret_fwd_from);
                        if (is_outlook_block(lines, i, n))
                                return forwarded_part(lines, n, i, ret_fwd_from);
                }
        Buf b = {0};
        for (size_t i = 0; i < n; i++) {
                const char *l = lines[i];
                if (strstr(l, "-----Original Message-----") || strstr(l, "----- Original Message -----") ||
                    is_outlook_block(lines, i, n) || is_wrote_line(lines, i, n) ||
                    (str_startswith(l, "________________") && i + 1 < n && is_outlook_block(lines, i + 1, n)))
                        break;
                if (*l == '>')
                        continue;
                buf_puts(&b, l);
                buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

/* The header block of a forward pasted into text m's body text: its
 * Message-ID (mutt and some others give it), From:, Date: or Sent:, and
 * Subject:, into m where m has none yet.  Returns whether there was one. */
static bool inline_forward_header(Message *m, const char *text)
{
        _cleanup_free_ char *copy = xstrdup(text ? text : "");
        _cleanup_free_ char **lines = NULL;
        size_t n = 0;
        split_lines(copy, &lines, &n);
        for (size_t i = 0; i < n; i++) {
                size_t start;
                if (is_forward_marker(unquote(lines[i])))
                        start = i + 1;
                else if (is_outlook_block(lines, i, n))
                        start = i;
                else
                        continue;
                for (size_t k = start; k < n; k++) {
                        _cleanup_free_ char *t = xstrdup(unquote(lines[k]));
                        char *l = str_trim(t);
                        if (*l && !is_mail_header_line(l))
                                break;
                        l += strspn(l, "* ");
                        char *v = strchr(l, ':');
                        if (!v)
                                continue;
                        v = str_trim(v + 1);
                        if (is_header_line(l, "Message-ID") && !m->orig_message_id)
                                m->orig_message_id = strip_angles(v);
                        else if (is_header_line(l, "From") && !m->fwd_from && *v)
                                m->fwd_from = xstrdup(v);
                        else if ((is_header_line(l, "Date") || is_header_line(l, "Sent")) && !m->fwd_date && *v)
                                m->fwd_date = xstrdup(v);
                        else if (is_header_line(l, "Subject") && !m->orig_subject)
                                m->orig_subject = xstrdup(v);
                }
                return true;
        }
        return false;
}

/* ---- entry ------------------------------------------------------------- */

static bool subject_is_forward(const char *s)
{
        while (*s == ' ')
                s++;
        return str_startswith_ci(s, "fw:") || str_startswith_ci(s, "fwd:") || str_startswith_ci(s, "fw :") ||
               str_startswith_ci(s, "[fwd:") || str_startswith_ci(s, "tr:") || str_startswith_ci(s, "wg:");
}

static bool subject_is_reply(const char *s)
{
        while (*s == ' ')
                s++;
        return str_startswith_ci(s, "re:") || str_startswith_ci(s, "re :") || str_startswith_ci(s, "aw:") ||
               str_startswith_ci(s, "sv:") || str_startswith_ci(s, "antw:");
}

static bool header_too_long(GMimeObject *o, unsigned max)
{
        GMimeHeaderList *hl = g_mime_object_get_header_list(o);
        int n = g_mime_header_list_get_count(hl);
        for (int i = 0; i < n; i++) {
                GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
                const char *v = g_mime_header_get_raw_value(h);
                if (v && strlen(v) > max)
                        return true;
        }
        return n > 1000;
}

int message_parse(const char *raw, size_t len, const MessageLimits *lim, Message **ret, char **ret_why)
{
        static const MessageLimits defaults = MESSAGE_LIMITS_DEFAULT;
        if (!lim)
                lim = &defaults;
        GMimeMessage *msg = mimelib_parse(raw, len);
        if (!msg) {
                *ret_why = xstrdup("not a MIME message: no headers or body could be read");
                return -EBADMSG;
        }
        if (header_too_long(GMIME_OBJECT(msg), lim->max_header_len)) {
                *ret_why = xasprintf("a header is longer than %u bytes, or there are over 1000 headers",
                                     lim->max_header_len);
                g_object_unref(msg);
                return -E2BIG;
        }
        Message *m = xcalloc(1, sizeof *m);
        read_headers(m, msg);
        if (m->message_id && *m->message_id) {
                m->key = xasprintf("<%s>", m->message_id);
        } else {
                char h[65];
                sha256_hex(raw, len, h);
                m->key = xasprintf("sha256:%s", h);
        }
        m->forwarded = subject_is_forward(m->subject);
        Walk w = {.m = m, .lim = lim, .maybe_forward = !subject_is_reply(m->subject)};
        walk(&w, msg->mime_part, 0, 0, 0);
        g_object_unref(msg);
        /* A forward pasted into the text: what its header block says of
         * the forwarded message (not when one came attached). */
        for (size_t i = 0; i < m->n_bodies && m->forwarded && !m->orig_from_addr; i++)
                if (m->bodies[i].kind == BODY_TEXT && !m->bodies[i].forward && m->bodies[i].src.text &&
                    inline_forward_header(m, m->bodies[i].src.text))
                        break;
        if (w.err) {
                *ret_why = w.why;
                message_free(m);
                return w.err;
        }
        /* Nothing could be decoded: the message says nothing breachd can
         * read, and the first line of what could not be read says so. */
        if (w.n_undecodable && !w.n_read) {
                m->undecodable = true;
                StrList l = {0};
                strlist_add(&l, MESSAGE_UNDECODABLE);
                for (size_t i = 0; i < m->unreadable.n; i++)
                        strlist_add(&l, m->unreadable.v[i]);
                strlist_free(&m->unreadable);
                m->unreadable = l;
        }
        *ret = m;
        return 0;
}

char *message_own_words(const Message *m)
{
        const MessageBody *best = NULL;
        for (size_t i = 0; i < m->n_bodies; i++) {
                const MessageBody *b = &m->bodies[i];
                if (b->kind == BODY_ATTACHMENT || b->forward || !b->src.text)
                        continue;
                if (!best || (b->kind == BODY_TEXT && best->kind != BODY_TEXT))
                        best = b;
        }
        return best ? message_clean_text(best->src.text, false, NULL) : xstrdup("");
}
