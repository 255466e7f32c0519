/* sasl.c — see sasl.h. */
#include "mail/sasl.h"

#include "base/util.h"

char *sasl_xoauth2(const char *user, const char *token)
{
        return xasprintf("user=%s\1auth=Bearer %s\1\1", user, token);
}

/* RFC 5801 (GS2, which RFC 7628 borrows) escapes ',' and '=' in the
 * authorization identity: they delimit its header. */
static char *gs2_escape(const char *user)
{
        Buf b = {0};
        for (const char *p = user; *p; p++)
                buf_puts(&b, *p == ',' ? "=2C" : *p == '=' ? "=3D" : (char[]){*p, 0});
        return buf_steal(&b);
}

char *sasl_oauthbearer(const char *user, const char *token)
{
        _cleanup_free_ char *esc = gs2_escape(user);
        return xasprintf("n,a=%s,\1auth=Bearer %s\1\1", esc, token);
}
