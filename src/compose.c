/* compose.c — see compose.h. */
#include "compose.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>

#include "message.h"

char *compose_address_of(const char *s)
{
        message_lib_init();
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

static char *new_message_id(const char *from)
{
        _cleanup_free_ char *addr = compose_address_of(from);
        const char *domain = addr ? strchr(addr, '@') + 1 : "breachd.invalid";
        char tok[25];
        random_token(tok, 24);
        return xasprintf("breachd.%lld.%s@%s", (long long)now_utc(), tok, domain);
}

static void set_header(GMimeMessage *msg, const char *name, const char *value)
{
        _cleanup_free_ char *safe = str_header_safe(value);
        g_mime_object_set_header(GMIME_OBJECT(msg), name, safe, "utf-8");
}

int compose_message(const OutMessage *o, char **ret_data, size_t *ret_len, char **ret_message_id)
{
        message_lib_init();
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
        GDateTime *d = g_date_time_new_from_unix_utc(o->date ? o->date : now_utc());
        g_mime_message_set_date(msg, d);
        g_date_time_unref(d);
        char *mid = new_message_id(o->from);
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
        g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
        g_object_unref(part);

        GMimeFormatOptions *fo = g_mime_format_options_new();
        g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_UNIX);
        char *s = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
        g_mime_format_options_free(fo);
        *ret_data = xstrdup(s);
        *ret_len = strlen(s);
        g_free(s);
        *ret_message_id = mid;
out:
        g_object_unref(msg);
        return r;
}
