/* compose.c — see compose.h.
 *
 * Building each mail as a GMime object tree cost more than everything else
 * about queuing it (creating and tearing down a dozen GObjects, charset
 * detection, a stream per part).  So the mail is written directly, byte
 * for byte as GMime writes it, with GMime's own functions for what needs
 * them: RFC 2047 encoding and folding of text headers that are not plain
 * ASCII, and the quoted-printable and base64 encoders for bodies.  What is
 * not plain in the simple sense of the checks below (a name that needs
 * quoting or encoding, an address list or message-id that GMime would
 * parse, reformat or fold, control characters in the body) still goes
 * through GMime's object model, so the hard cases keep one implementation.
 * A differential test against the object model (tens of thousands of
 * random mails) found no byte of difference. */
#include "mail/compose.h"
#include "base/mimelib.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <time.h>


/* GMime folds header lines longer than this (RFC 5322's 78). */
#define FOLD_LEN 78
/* RFC 5322's hard limit for a line; longer body lines need encoding. */
#define MAX_LINE 998

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A dot-atom of s[0..n): letters, digits and the characters of `extra`,
 * in words joined by single dots. */
static bool dot_atom(const char *s, size_t n, const char *extra)
{
        if (!n || s[0] == '.' || s[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '.') {
                        if (i + 1 < n && s[i + 1] == '.')
                                return false;
                } else if (!is_alnum(c) && !strchr(extra, c)) {
                        return false;
                }
        }
        return true;
}

/* A dot-atom of characters that every parser takes as they are. */
static bool plain_dot_atom(const char *s, size_t n, bool domain)
{
        return dot_atom(s, n, domain ? "-" : "-_+");
}

/* Not an internationalised domain either: GMime decodes "xn--" labels. */
static bool plain_addr_spec(const char *s, size_t n)
{
        const char *at = memchr(s, '@', n);
        if (!at || !plain_dot_atom(s, (size_t)(at - s), false) ||
            !plain_dot_atom(at + 1, n - (size_t)(at + 1 - s), true))
                return false;
        for (const char *p = at + 1; p + 4 <= s + n; p++)
                if ((p == at + 1 || p[-1] == '.') && strncasecmp(p, "xn--", 4) == 0)
                        return false;
        return true;
}

/* Letters, digits and single inner spaces: a display name that needs
 * neither quoting nor encoding. */
static bool plain_name(const char *s, size_t n)
{
        if (!n || s[0] == ' ' || s[n - 1] == ' ')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == ' ') {
                        if (s[i + 1] == ' ')
                                return false;
                } else if (!is_alnum(s[i])) {
                        return false;
                }
        }
        return true;
}

/* "addr" or "Name <addr>" in the plain forms above, which GMime's parser
 * and formatter give back unchanged.  Sets the span of the address. */
static bool plain_mailbox(const char *s, const char **ret_addr, size_t *ret_len)
{
        size_t n = strlen(s);
        const char *a = s;
        size_t an = n;
        if (n && s[n - 1] == '>') {
                const char *lt = strrchr(s, '<');
                if (!lt || lt - s < 2 || lt[-1] != ' ' || !plain_name(s, (size_t)(lt - 1 - s)))
                        return false;
                a = lt + 1;
                an = (size_t)(s + n - 1 - a);
        }
        if (!plain_addr_spec(a, an))
                return false;
        *ret_addr = a;
        *ret_len = an;
        return true;
}

static char *address_of_parsed(const char *s)
{
        mimelib_init();
        InternetAddressList *l = internet_address_list_parse(NULL, s);
        char *r = NULL;
        if (l && internet_address_list_length(l) > 0) {
                InternetAddress *a = internet_address_list_get_address(l, 0);
                if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
                        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
                        if (addr && strchr(addr, '@')) {
                                r = xstrdup(addr);
                                str_ascii_lower(r);
                        }
                }
        }
        if (l)
                g_object_unref(l);
        return r;
}

char *compose_address_of(const char *s)
{
        const char *a;
        size_t n;
        if (plain_mailbox(s, &a, &n)) {
                char *r = xstrndup(a, n);
                str_ascii_lower(r);
                return r;
        }
        /* The configured From and Reply-To are asked for again and again;
         * a few remembered answers spare GMime's parser. */
        static struct {
                char *in, *out;
        } cache[8];
        static unsigned next;
        for (size_t i = 0; i < ARRAY_SIZE(cache); i++)
                if (cache[i].in && strcmp(cache[i].in, s) == 0)
                        return cache[i].out ? xstrdup(cache[i].out) : NULL;
        char *r = address_of_parsed(s);
        unsigned i = next++ % ARRAY_SIZE(cache);
        free(cache[i].in);
        free(cache[i].out);
        cache[i].in = xstrdup(s);
        cache[i].out = r ? xstrdup(r) : NULL;
        return r;
}

static char *new_message_id(const char *from)
{
        _cleanup_free_ char *addr = compose_address_of(from);
        const char *domain = addr ? strchr(addr, '@') + 1 : "breachd.invalid";
        char tok[25];
        random_token(tok, 24);
        return xasprintf("breachd.%lld.%s@%s", (long long)now_utc(), tok, domain);
}

/* ---- GMime's object model: every case ---- */

static int add_addresses(GMimeMessage *msg, GMimeAddressType type, const char *list)
{
        InternetAddressList *l = internet_address_list_parse(NULL, list);
        if (!l)
                return -EINVAL;
        int n = internet_address_list_length(l);
        if (n > 0)
                internet_address_list_append(g_mime_message_get_addresses(msg, type), l);
        g_object_unref(l);
        return n > 0 ? 0 : -EINVAL;
}

static void set_header(GMimeMessage *msg, const char *name, const char *value)
{
        _cleanup_free_ char *safe = str_header_safe(value);
        g_mime_object_set_header(GMIME_OBJECT(msg), name, safe, "utf-8");
}

/* A part holding the bytes of text, of type type/subtype. */
static GMimePart *bytes_part(const char *type, const char *subtype, const char *text)
{
        GMimePart *p = g_mime_part_new_with_type(type, subtype);
        GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, strlen(text));
        GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(st, GMIME_CONTENT_ENCODING_DEFAULT);
        g_mime_part_set_content(p, w);
        g_object_unref(w);
        g_object_unref(st);
        return p;
}

/* multipart/mixed (multipart/alternative (body, text/calendar), the same
 * calendar as an application/ics attachment): what Outlook sends, and
 * what Outlook and Thunderbird show as an invitation with the text as
 * its body.  The calendar part is quoted-printable only if it must be,
 * the attachment is base64, the CRLF lines of RFC 5545 byte for byte. */
static GMimeObject *calendar_parts(const OutMessage *o, GMimeTextPart *body)
{
        GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
        GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
        g_mime_multipart_add(alt, GMIME_OBJECT(body));

        /* A text part's lines end as the mail's do (LF here, CRLF on the
         * wire). */
        _cleanup_free_ char *lf = xstrdup(o->calendar);
        char *w = lf;
        for (const char *p = lf; *p; p++)
                if (*p != '\r')
                        *w++ = *p;
        *w = 0;
        GMimePart *cal = bytes_part("text", "calendar", lf);
        GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(cal));
        g_mime_content_type_set_parameter(ct, "method", o->calendar_method ? o->calendar_method : "REQUEST");
        g_mime_content_type_set_parameter(ct, "charset", "UTF-8");
        g_mime_part_set_content_encoding(cal, g_mime_part_get_best_content_encoding(cal,
                                                                                    GMIME_ENCODING_CONSTRAINT_7BIT));
        g_mime_multipart_add(alt, GMIME_OBJECT(cal));
        g_object_unref(cal);
        g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
        g_object_unref(alt);

        const char *file = o->calendar_file ? o->calendar_file : "invite.ics";
        GMimePart *att = bytes_part("application", "ics", o->calendar);
        g_mime_content_type_set_parameter(g_mime_object_get_content_type(GMIME_OBJECT(att)), "name", file);
        g_mime_part_set_filename(att, file);
        g_mime_part_set_content_encoding(att, GMIME_CONTENT_ENCODING_BASE64);
        g_mime_multipart_add(mixed, GMIME_OBJECT(att));
        g_object_unref(att);
        return GMIME_OBJECT(mixed);
}

static int compose_gmime(const OutMessage *o, int64_t date, const char *mid, Buf *out)
{
        int r = 0;
        _cleanup_free_ char *subject = str_header_safe(o->subject);
        GMimeMessage *msg = g_mime_message_new(TRUE);
        if (add_addresses(msg, GMIME_ADDRESS_TYPE_FROM, o->from) < 0) {
                r = -EINVAL;
                goto out;
        }
        for (size_t i = 0; o->to && i < o->to->n; i++)
                if (add_addresses(msg, GMIME_ADDRESS_TYPE_TO, o->to->v[i]) < 0) {
                        r = -EINVAL;
                        goto out;
                }
        if (o->reply_to)
                add_addresses(msg, GMIME_ADDRESS_TYPE_REPLY_TO, o->reply_to);
        g_mime_message_set_subject(msg, subject, "utf-8");
        GDateTime *d = g_date_time_new_from_unix_utc(date);
        g_mime_message_set_date(msg, d);
        g_date_time_unref(d);
        g_mime_message_set_message_id(msg, mid);
        if (o->in_reply_to) {
                _cleanup_free_ char *v = xasprintf("<%s>", o->in_reply_to);
                set_header(msg, "In-Reply-To", v);
        }
        if (o->references && o->references->n) {
                Buf b = {0};
                for (size_t i = 0; i < o->references->n; i++)
                        buf_printf(&b, "%s<%s>", i ? " " : "", o->references->v[i]);
                set_header(msg, "References", b.s);
                buf_free(&b);
        }
        set_header(msg, "Auto-Submitted", o->auto_submitted ? o->auto_submitted : "auto-generated");
        set_header(msg, "X-Auto-Response-Suppress", "All");
        set_header(msg, "X-Breachd-Loop", o->loop_ref ? o->loop_ref : "breachd");

        GMimeTextPart *part = g_mime_text_part_new_with_subtype("plain");
        g_mime_text_part_set_text(part, o->body ? o->body : "");
        g_mime_part_set_content_encoding(GMIME_PART(part),
                                         g_mime_part_get_best_content_encoding(GMIME_PART(part),
                                                                               GMIME_ENCODING_CONSTRAINT_7BIT));
        if (o->calendar) {
                GMimeObject *mixed = calendar_parts(o, part);
                g_mime_message_set_mime_part(msg, mixed);
                g_object_unref(mixed);
        } else {
                g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
        }
        g_object_unref(part);

        GMimeFormatOptions *fo = g_mime_format_options_new();
        g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
        char *s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
        g_mime_format_options_free(fo);
        buf_puts(out, s);
        g_free(s);
out:
        g_object_unref(msg);
        return r;
}

/* ---- the direct writer ---- */

/* Printable ASCII words with single spaces between them and no "=?" that
 * could be taken for an encoded word: GMime's encoder leaves such text as
 * it is. */
static bool plain_text(const char *s)
{
        if (!*s || *s == ' ')
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if (c < 0x20 || c > 0x7e || (c == ' ' && (p[1] == ' ' || !p[1])) || (c == '=' && p[1] == '?'))
                        return false;
        }
        return true;
}

/* Plain text folded as GMime folds it: a word that would take the line
 * past 78 characters starts a new line, indented by a space.  False (with
 * nothing written) for a word too long for a line, which GMime encodes. */
static bool fold_plain(Buf *b, const char *name, const char *text)
{
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, " ");
                if (n > FOLD_LEN - 2)
                        return false;
                p += n + (p[n] == ' ');
        }
        size_t line = strlen(name) + 1;
        bool words = false;   /* on this line */
        buf_puts(b, name);
        buf_putc(b, ':');
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, " ");
                if (words && line + 1 + n > FOLD_LEN) {
                        buf_puts(b, "\n ");
                        line = 1 + n;
                } else {
                        buf_putc(b, ' ');
                        line += 1 + n;
                }
                words = true;
                buf_append(b, p, n);
                p += n + (p[n] == ' ');
        }
        buf_putc(b, '\n');
        return true;
}

/* An unstructured header (Subject, Auto-Submitted, …): plain text folded
 * directly; anything else encoded (RFC 2047) and folded by GMime's
 * utilities, which give what its header list would. */
static bool put_unstructured(Buf *b, const char *name, const char *value)
{
        _cleanup_free_ char *safe = str_header_safe(value);
        if (plain_text(safe) && fold_plain(b, name, safe))
                return true;
        /* GMime writes a blank value its own way. */
        if (!safe[strspn(safe, " ")])
                return false;
        char *enc = g_mime_utils_header_encode_text(NULL, safe, "utf-8");
        char *line = g_strdup_printf("%s: %s", name, enc);
        char *folded = g_mime_utils_unstructured_header_fold(NULL, NULL, line);
        buf_puts(b, folded);
        g_free(folded);
        g_free(line);
        g_free(enc);
        return true;
}

/* An address header of plain mailboxes that fits on one line; false when
 * it needs GMime (quoting, encoding, folding or a parse).  GMime folds a
 * line of exactly 78 characters when it ends in a named mailbox, so such
 * a line must be one shorter. */
static bool put_addresses(Buf *b, const char *name, const char *const *list, size_t n)
{
        size_t len = strlen(name) + 1;
        bool named = false;
        for (size_t i = 0; i < n; i++) {
                const char *a;
                size_t an;
                if (!plain_mailbox(list[i], &a, &an))
                        return false;
                named |= a != list[i];
                len += (i ? 2 : 1) + strlen(list[i]);
        }
        if (!n || len > FOLD_LEN - (size_t)named)
                return false;
        buf_puts(b, name);
        for (size_t i = 0; i < n; i++) {
                buf_puts(b, i ? ", " : ": ");
                buf_puts(b, list[i]);
        }
        buf_putc(b, '\n');
        return true;
}

/* A dot-atom message-id (RFC 5322 id-left "@" id-right), which GMime's
 * references formatter writes as it is. */
static bool atext_dot_atom(const char *s, size_t n)
{
        return dot_atom(s, n, "!#$%&'*+/=?^_`{|}~-");
}

static bool plain_msgid(const char *s)
{
        const char *at = strchr(s, '@');
        return at && atext_dot_atom(s, (size_t)(at - s)) && atext_dot_atom(at + 1, strlen(at + 1));
}

/* In-Reply-To and References of dot-atom ids, folded as GMime's
 * references formatter folds them: a tab before an id that would take the
 * line past 78 characters. */
static bool put_ids(Buf *b, const char *name, const char *const *ids, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!plain_msgid(ids[i]))
                        return false;
        size_t line = strlen(name) + 1;
        buf_puts(b, name);
        buf_putc(b, ':');
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(ids[i]) + 2;
                if (i && line + 1 + len > FOLD_LEN) {
                        buf_puts(b, "\n\t");
                        line = 1 + len;
                } else {
                        buf_putc(b, ' ');
                        line += 1 + len;
                }
                buf_putc(b, '<');
                buf_puts(b, ids[i]);
                buf_putc(b, '>');
        }
        buf_putc(b, '\n');
        return true;
}

/* How GMime sends a body (g_mime_text_part_set_text() and the best
 * encoding under the 7bit constraint), worked out without its objects. */
typedef struct {
        const char *charset;    /* us-ascii, iso-8859-1 or utf-8 */
        const char *encoding;   /* NULL (7bit), quoted-printable or base64 */
        char *converted;        /* the ISO-8859-1 text for iso-8859-1 */
} BodyForm;

/* Text without control characters other than tab: false for anything
 * else (NUL aside, GMime's handling of which is left to GMime). */
static bool body_form(const char *s, BodyForm *ret)
{
        bool from = false, eight = false;
        size_t maxline = 0;
        for (const char *p = s; *p;) {
                if (p[0] == 'F' && strncmp(p, "From ", 5) == 0)
                        from = true;
                const char *q = p;
                for (;;) {
                        /* printable ASCII and tab */
                        while ((unsigned char)(*q - 0x20) < 0x5f || *q == '\t')
                                q++;
                        if ((unsigned char)*q < 0x80)
                                break;
                        eight = true;
                        q++;
                }
                if (*q && *q != '\n')
                        return false;
                if ((size_t)(q - p) > maxline)
                        maxline = (size_t)(q - p);
                p = *q ? q + 1 : q;
        }
        *ret = (BodyForm){.charset = "us-ascii"};
        if (!eight) {
                /* RFC 5322's line limit, and GMime's guard for "From "
                 * (mbox) lines. */
                if (maxline > MAX_LINE || from)
                        ret->encoding = "quoted-printable";
                return true;
        }
        if (!g_utf8_validate(s, -1, NULL))
                return false;
        /* GMime declares text that ISO-8859-1 can hold as ISO-8859-1 and
         * converts it; anything beyond that stays UTF-8. */
        bool latin1 = true;
        for (const char *p = s; *p && latin1; p = g_utf8_next_char(p))
                latin1 = g_utf8_get_char(p) <= 0xff;
        size_t total = 0, count8 = 0;
        if (latin1) {
                char *t = xmalloc(strlen(s) + 1);
                for (const char *p = s; *p; p = g_utf8_next_char(p)) {
                        gunichar c = g_utf8_get_char(p);
                        t[total++] = (char)c;
                        count8 += c >= 0x80;
                }
                t[total] = 0;
                ret->converted = t;
                ret->charset = "iso-8859-1";
        } else {
                for (const char *p = s; *p; p++, total++)
                        count8 += (unsigned char)*p >= 0x80;
                ret->charset = "utf-8";
        }
        ret->encoding = count8 >= (size_t)(total * (17.0 / 100.0)) ? "base64" : "quoted-printable";
        return true;
}

static void put_encoded(Buf *b, const char *text, size_t len, bool base64)
{
        GMimeEncoding enc;
        g_mime_encoding_init_encode(&enc, base64 ? GMIME_CONTENT_ENCODING_BASE64
                                                 : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
        char *out = xmalloc(g_mime_encoding_outlen(&enc, len) + 16);
        size_t n = g_mime_encoding_flush(&enc, text, len, out);
        buf_append(b, out, n);
        free(out);
}

static void put_date(Buf *b, int64_t t)
{
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        char line[64];
        snprintf(line, sizeof line, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n", days[tm.tm_wday], tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        buf_puts(b, line);
}

/* Writes the mail as GMime would, in GMime's header order; false (with
 * nothing kept in out) when some part of it is not plain. */
static bool compose_direct(const OutMessage *o, int64_t date, const char *mid, Buf *out)
{
        const char *body = o->body ? o->body : "";
        BodyForm form;
        if (o->calendar || !o->to || !o->to->n || !body_form(body, &form))
                return false;
        size_t start = out->len;
        put_date(out, date);
        if (!put_addresses(out, "From", &o->from, 1))
                goto slow;
        if (o->reply_to && !put_addresses(out, "Reply-To", &o->reply_to, 1))
                goto slow;
        if (!put_unstructured(out, "Subject", o->subject))
                goto slow;
        if (!put_addresses(out, "To", (const char *const *)o->to->v, o->to->n))
                goto slow;
        if (strlen(mid) + 14 > FOLD_LEN || !plain_msgid(mid))
                goto slow;
        buf_puts(out, "Message-Id: <");
        buf_puts(out, mid);
        buf_puts(out, ">\n");
        if (o->in_reply_to && !put_ids(out, "In-Reply-To", &o->in_reply_to, 1))
                goto slow;
        if (o->references && o->references->n &&
            !put_ids(out, "References", (const char *const *)o->references->v, o->references->n))
                goto slow;
        if (!put_unstructured(out, "Auto-Submitted", o->auto_submitted ? o->auto_submitted : "auto-generated") ||
            !put_unstructured(out, "X-Auto-Response-Suppress", "All") ||
            !put_unstructured(out, "X-Breachd-Loop", o->loop_ref ? o->loop_ref : "breachd"))
                goto slow;
        buf_puts(out, "MIME-Version: 1.0\nContent-Type: text/plain; charset=");
        buf_puts(out, form.charset);
        if (form.encoding) {
                buf_puts(out, "\nContent-Transfer-Encoding: ");
                buf_puts(out, form.encoding);
        }
        buf_puts(out, "\n\n");
        const char *text = form.converted ? form.converted : body;
        if (form.encoding)
                put_encoded(out, text, strlen(text), strcmp(form.encoding, "base64") == 0);
        else
                buf_puts(out, text);
        /* GMime ends the last line. */
        if (out->s[out->len - 1] != '\n')
                buf_putc(out, '\n');
        free(form.converted);
        return true;
slow:
        free(form.converted);
        out->len = start;
        if (out->s)
                out->s[start] = 0;
        return false;
}

int compose_message_as(const OutMessage *o, ComposeWay way, int64_t date, const char *message_id, Buf *out)
{
        mimelib_init();
        if (way == COMPOSE_DIRECT)
                return compose_direct(o, date, message_id, out) ? 0 : -EOPNOTSUPP;
        return compose_gmime(o, date, message_id, out);
}

int compose_message(const OutMessage *o, char **ret_data, size_t *ret_len, char **ret_message_id)
{
        mimelib_init();
        int64_t date = o->date ? o->date : now_utc();
        char *mid = new_message_id(o->from);
        Buf out = {0};
        int r = 0;
        if (!compose_direct(o, date, mid, &out))
                r = compose_gmime(o, date, mid, &out);
        if (r < 0) {
                free(mid);
                buf_free(&out);
                return r;
        }
        *ret_len = out.len;
        *ret_data = buf_steal(&out);
        *ret_message_id = mid;
        return 0;
}
