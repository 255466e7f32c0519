/* ratelimit.c — see ratelimit.h. */
#include "notices/ratelimit.h"

int ratelimit_count(Store *s, const char *addr, int64_t now, unsigned *ret)
{
        return store_auto_mail_count(s, addr, now - RATELIMIT_WINDOW, ret);
}

int ratelimit_admit(Store *s, const Config *cfg, const char *addr, const char *kind, const char *about_key,
                    int64_t incident_id, int64_t now)
{
        /* The configured DPOs are not capped: each command they send
         * deserves its confirmation, and their automatic mail (out-of-office
         * replies) never reaches this point. */
        if (config_is_dpo_address(cfg, addr))
                return 1;
        unsigned n = 0;
        int r = ratelimit_count(s, addr, now, &n);
        if (r < 0)
                return r;
        if (n >= cfg->max_auto_replies_per_day) {
                _cleanup_free_ char *what = xasprintf("%s to %s withheld: %u automatic replies in 24 hours "
                                                      "(max_auto_replies_per_day = %u)",
                                                      kind, addr, n, cfg->max_auto_replies_per_day);
                r = store_audit(s, incident_id, "breachd", "auto_reply_capped", kind, NULL, what);
                return r < 0 ? r : 0;
        }
        r = store_auto_mail_add(s, addr, now, kind, about_key, incident_id);
        return r < 0 ? r : 1;
}
