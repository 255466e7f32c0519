/* retention.c — see retention.h. */
#include "case/retention.h"

#include "notices/ratelimit.h"

/* Reply counts outlive the 24-hour window a while, for `breachctl show`
 * and an admin looking at a loop after the fact. */
#define AUTO_MAIL_KEEP (7 * 24 * 3600)

static int purge_in_transaction(Store *s, const Config *cfg, int64_t now, PurgeStats *st)
{
        int r = store_prune_auto_mail(s, now - AUTO_MAIL_KEEP);
        if (r < 0 || cfg->retention_days == 0)
                return r;
        st->before = now - (int64_t)cfg->retention_days * 86400;
        return store_purge_raw(s, st->before, now, &st->messages, &st->mails);
}

int retention_purge(Store *s, const Config *cfg, int64_t now, PurgeStats *ret)
{
        PurgeStats st = {0};
        /* Zero the freed pages rather than leave the bytes in the file. */
        int r = store_secure_delete(s, true);
        if (r < 0)
                return r;
        r = store_begin(s);
        if (r >= 0)
                r = purge_in_transaction(s, cfg, now, &st);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        store_secure_delete(s, false);
        if (r < 0)
                return r;
        /* The old pages may still sit in the WAL; a reader holding it open
         * (breachctl) makes this a no-op, and the next purge does it. */
        if (st.messages || st.mails)
                store_checkpoint(s);
        *ret = st;
        return 0;
}
