/* replyaddr.c — see replyaddr.h. */
#include "case/replyaddr.h"

#include <string.h>
#include <strings.h>

#include "mail/compose.h"

/* addr is own, or own with "+detail" after its local part. */
static bool same_mailbox(const char *addr, const char *own)
{
        if (!own || !*own)
                return false;
        if (strcasecmp(addr, own) == 0)
                return true;
        const char *at = strrchr(addr, '@'), *own_at = strrchr(own, '@');
        if (!at || !own_at || strcasecmp(at, own_at) != 0)
                return false;
        size_t n = (size_t)(own_at - own);
        return (size_t)(at - addr) > n && strncasecmp(addr, own, n) == 0 && addr[n] == '+' &&
               !memchr(own, '+', n);
}

bool replyaddr_is_own(const Config *cfg, const char *addr)
{
        if (!addr || !*addr)
                return false;
        _cleanup_free_ char *from = compose_address_of(cfg->smtp.from);
        _cleanup_free_ char *reply = cfg->smtp.reply_to ? compose_address_of(cfg->smtp.reply_to) : NULL;
        const char *user = cfg->mailbox.user && strchr(cfg->mailbox.user, '@') ? cfg->mailbox.user : NULL;
        return same_mailbox(addr, from) || same_mailbox(addr, cfg->smtp.envelope_from) ||
               same_mailbox(addr, reply) || same_mailbox(addr, user);
}

const char *replyaddr_for(const Config *cfg, const Message *m)
{
        const char *r = m->reply_to;
        if (r && (config_is_staff_address(cfg, r) || config_is_dpo_address(cfg, r)) && !replyaddr_is_own(cfg, r))
                return r;
        return m->from_addr;
}
