/* orgs.c — see orgs.h. */
#include "case/orgs.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "case/decision.h"
#include "case/weekly.h"
#include "notices/alert.h"
#include "read/dsn.h"

const Config *orgs_find(const Config *cfg, const char *key)
{
        if (!key)
                return NULL;
        if (!strcmp(cfg->org ? cfg->org : "", key))
                return cfg;
        for (size_t i = 0; i < cfg->n_orgs; i++)
                if (!strcmp(cfg->orgs[i]->org, key))
                        return cfg->orgs[i];
        return NULL;
}

char *orgs_keys(const Config *cfg)
{
        Buf b = {0};
        for (size_t i = 0; i < cfg->n_orgs; i++)
                buf_printf(&b, "%s%s", i ? ", " : "", cfg->orgs[i]->org);
        return b.s ? buf_steal(&b) : xstrdup("");
}

const Tz *orgs_tz(const Config *org, const Tz *fallback, Tz **ret_owned)
{
        *ret_owned = NULL;
        if (fallback && org->timezone && !strcmp(tz_name(fallback), org->timezone))
                return fallback;
        if (tz_open(org->timezone, ret_owned) < 0)
                return NULL;
        return *ret_owned;
}

/* ---- routing ------------------------------------------------------------- */

/* The organisation of incident id, among cfg's. */
static int org_of_incident(Store *s, const Config *cfg, int64_t id, const Config **ret)
{
        _cleanup_free_ char *key = NULL;
        int r = store_incident_org(s, id, &key);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        for (size_t i = 0; i < cfg->n_orgs; i++)
                if (!strcmp(cfg->orgs[i]->org, key)) {
                        *ret = cfg->orgs[i];
                        return 1;
                }
        return 0;   /* an incident of an organisation no longer configured */
}

/* The token of a DPO's plus-address "local+REF.TOKEN@domain": what follows
 * the last '.' of the part after the last '+'; NULL when none. */
static char *token_in_address(const char *addr)
{
        const char *at = strrchr(addr, '@'), *plus = NULL, *dot = NULL;
        for (const char *p = addr; at && p < at; p++) {
                if (*p == '+')
                        plus = p, dot = NULL;
                else if (*p == '.' && plus)
                        dot = p;
        }
        if (!plus || !dot || dot + 1 >= at)
                return NULL;
        return xstrndup(dot + 1, (size_t)(at - dot - 1));
}

/* The organisation of the first of tokens that is a case's. */
static int route_by_tokens(Store *s, const Config *cfg, const StrList *tokens, const Config **ret)
{
        int r = 0;
        for (size_t i = 0; r == 0 && i < tokens->n; i++) {
                int64_t id = 0;
                r = store_find_token(s, tokens->v[i], &id);
                if (r > 0)
                        r = org_of_incident(s, cfg, id, ret);
        }
        return r;
}

/* Step 1 of orgs_route(): a case's token in a recipient's address (the
 * Reply-To of the mail about it): that case's organisation, whatever other
 * organisation's address is among the recipients too. */
static int route_by_token_address(Store *s, const Config *cfg, const Message *m, const Config **ret)
{
        StrList tokens = {0};
        for (size_t i = 0; i < m->to_addrs.n; i++) {
                char *t = token_in_address(m->to_addrs.v[i]);
                if (t)
                        strlist_take(&tokens, t);
        }
        int r = route_by_tokens(s, cfg, &tokens, ret);
        strlist_free(&tokens);
        return r;
}

static int route_by_replies(Store *s, const Config *cfg, const Message *m, const Config **ret);

/* Step 3 of orgs_route(): the organisation of the case m is about. */
static int route_by_case(Store *s, const Config *cfg, const Message *m, const Config **ret)
{
        int r;
        StrList tokens = {0}, refs = {0};
        decision_tokens_in_subject(m->subject, &refs, &tokens);
        strlist_free(&refs);
        r = 0;
        for (size_t i = 0; r == 0 && i < tokens.n; i++) {
                int64_t id = 0;
                r = store_find_token(s, tokens.v[i], &id);
                if (r > 0)
                        r = org_of_incident(s, cfg, id, ret);
        }
        strlist_free(&tokens);
        return r != 0 ? r : route_by_replies(s, cfg, m, ret);
}

/* The organisation of the case a reply names (In-Reply-To, References) a
 * message of: filed, or mail we sent. */
static int route_by_replies(Store *s, const Config *cfg, const Message *m, const Config **ret)
{
        int r = 0;
        StrList ids = {0};
        if (m->in_reply_to)
                strlist_add(&ids, m->in_reply_to);
        for (size_t i = 0; i < m->references.n; i++)
                strlist_add(&ids, m->references.v[i]);
        for (size_t i = 0; r == 0 && i < ids.n; i++) {
                int64_t id = 0;
                r = store_find_incident_by_message_id(s, ids.v[i], &id);
                if (r > 0)
                        r = org_of_incident(s, cfg, id, ret);
        }
        strlist_free(&ids);
        return r;
}

/* Step 0 of orgs_route(): a delivery report about mail of ours is the
 * organisation's that sent it, whatever address it came to. */
static int route_by_bounce(Store *s, const Config *cfg, const Message *m, const char *raw, size_t len,
                           const Config **ret)
{
        int r = 0;
        if (!m->auto_reason || !raw)
                return 0;
        Bounce bn;
        if (dsn_parse(raw, len, &bn) != 1)
                return 0;
        for (size_t i = 0; r == 0 && i < bn.message_ids.n; i++) {
                OutboxRef o = {0};
                int q = store_outbox_by_message_id(s, bn.message_ids.v[i], &o);
                if (q >= 0 && o.incident_id)
                        r = org_of_incident(s, cfg, o.incident_id, ret);
                else if (q >= 0 && *o.org && orgs_find(cfg, o.org) && orgs_find(cfg, o.org) != cfg) {
                        *ret = orgs_find(cfg, o.org);   /* a digest, a reminder of no case */
                        r = 1;
                } else if (q < 0 && q != -ENOENT)
                        r = q;
                outbox_ref_free(&o);
        }
        dsn_free(&bn);
        return r;
}

/* Whether org's staff_domains are the service's (cfg's), which it took
 * because its file gives none of its own. */
static bool service_domains(const Config *cfg, const Config *org)
{
        if (org->staff_domains.n != cfg->staff_domains.n)
                return false;
        for (size_t i = 0; i < org->staff_domains.n; i++)
                if (strcasecmp(org->staff_domains.v[i], cfg->staff_domains.v[i]) != 0)
                        return false;
        return true;
}

/* Whether org names domain (the part after '@' of addr) in its
 * staff_domains: an organisation that names none claims no sender, nor
 * does one whose staff domains are the service's own (the main file's,
 * which every organisation without its own shares: the service's staff
 * are no one organisation's). */
static bool staff_of(const Config *cfg, const Config *org, const char *addr)
{
        return org->staff_domains.n > 0 && !service_domains(cfg, org) && config_is_staff_address(org, addr);
}

/* Step 2 of orgs_route(): the organisation one of whose addresses m was
 * sent to. */
static const Config *route_by_address(const Config *cfg, const Message *m)
{
        for (size_t i = 0; i < m->to_addrs.n; i++)
                for (size_t k = 0; k < cfg->n_orgs; k++) {
                        const StrList *a = &cfg->orgs[k]->org_addresses;
                        for (size_t j = 0; j < a->n; j++)
                                if (!strcasecmp(a->v[j], m->to_addrs.v[i]))
                                        return cfg->orgs[k];
                }
        return NULL;
}

/* Step 4: the organisation whose staff domain the sender is in, when one
 * alone is; *n how many are, their keys in *several (may be NULL). */
static const Config *route_by_domain(const Config *cfg, const Message *m, size_t *n, Buf *several)
{
        const Config *found = NULL;
        *n = 0;
        for (size_t k = 0; m->from_addr && k < cfg->n_orgs; k++)
                if (staff_of(cfg, cfg->orgs[k], m->from_addr)) {
                        found = cfg->orgs[k];
                        if (several)
                                buf_printf(several, "%s%s", *n ? ", " : "", found->org);
                        (*n)++;
                }
        return *n == 1 ? found : NULL;
}

const Config *orgs_route_static(const Config *cfg, const Message *m)
{
        const Config *org = route_by_address(cfg, m);
        size_t n = 0;
        return org ? org : route_by_domain(cfg, m, &n, NULL);
}

int orgs_route(Store *s, const Config *cfg, const Message *m, const char *raw, size_t len, const Config **ret,
               char **ret_why)
{
        /* 0. A delivery report about mail one of them sent. */
        int r = route_by_bounce(s, cfg, m, raw, len, ret);
        if (r != 0)
                return r;
        /* 1. A case's token in the address it was sent to. */
        r = route_by_token_address(s, cfg, m, ret);
        if (r != 0)
                return r;
        /* 2. The address it was sent to, unless it is a reply to mail of
         * another organisation's case: neither's, for the service's admin
         * (filed under the one, the other's case would reach it). */
        const Config *found = route_by_address(cfg, m), *about = NULL;
        if (found && (r = route_by_replies(s, cfg, m, &about)) < 0)
                return r;
        if (found && about && about != found) {
                *ret_why = xasprintf("sent to an address of %s, but a reply to mail about a case of %s: "
                                     "neither organisation's", found->org, about->org);
                return 0;
        }
        if (found) {
                *ret = found;
                return 1;
        }
        /* 3. The case it is about. */
        r = route_by_case(s, cfg, m, ret);
        if (r != 0)
                return r;
        /* 4. The sender's staff domain, when one organisation alone has it. */
        Buf several = {0};
        size_t n = 0;
        found = route_by_domain(cfg, m, &n, &several);
        if (found) {
                buf_free(&several);
                *ret = found;
                return 1;
        }
        _cleanup_free_ char *rcpts = m->to_addrs.n ? strlist_join(&m->to_addrs, ", ") : xstrdup("no recipient");
        const char *at = m->from_addr ? strrchr(m->from_addr, '@') : NULL;
        _cleanup_free_ char *domain = at ? xstrdup(at + 1) : NULL;
        if (n > 1)
                *ret_why = xasprintf("no organisation for %s: no organisation's address, no case of one, and the "
                                     "sender's domain %s is staff of several (%s)", rcpts, domain, several.s);
        else
                *ret_why = xasprintf("no organisation for %s: no organisation's address, no case of one, and the "
                                     "sender's domain %s is staff of none", rcpts, domain ? domain : "(none)");
        buf_free(&several);
        return 0;
}

/* ---- the passes, per organisation ---------------------------------------- */

/* One organisation of cfg (or cfg itself when it has none): i in [0, n). */
static size_t n_of(const Config *cfg)
{
        return cfg->n_orgs ? cfg->n_orgs : 1;
}

static const Config *nth(const Config *cfg, size_t i)
{
        return cfg->n_orgs ? cfg->orgs[i] : cfg;
}

/* Scopes s to org for a pass and back to what it was. */
typedef struct {
        Store *s;
        char *was;
        bool null;
} Scope;

static Scope scope_to(Store *s, const char *org)
{
        const char *was = store_org(s);
        Scope sc = {.s = s, .was = was ? xstrdup(was) : NULL, .null = !was};
        store_set_org(s, org);
        return sc;
}

static void scope_back(Scope *sc)
{
        store_set_org(sc->s, sc->null ? NULL : sc->was);
        free(sc->was);
}

/* "key: why" when there are organisations; why alone when not. */
static void say_org(const Config *cfg, const Config *org, char **why)
{
        if (!cfg->n_orgs || !why || !*why)
                return;
        char *w = xasprintf("%s: %s", org->org, *why);
        free(*why);
        *why = w;
}

int reminders_run_all(Store *s, const Config *cfg, const Tz *tz, int64_t now, ReminderStats *ret_stats,
                      char **ret_why)
{
        if (!cfg->n_orgs)
                return reminders_run(s, cfg, tz, now, ret_stats, ret_why);
        ReminderStats sum = {0};
        int r = 0;
        /* The service's own cases too (filed before there were
         * organisations, key ""): with the main file's settings. */
        for (size_t i = 0; r >= 0 && i <= cfg->n_orgs; i++) {
                const Config *org = i < cfg->n_orgs ? cfg->orgs[i] : cfg;
                Tz *own = NULL;
                const Tz *otz = orgs_tz(org, tz, &own);
                ReminderStats st = {0};
                char *why = NULL;
                Scope sc = scope_to(s, org->org);
                r = otz ? reminders_run(s, org, otz, now, &st, &why) : -EINVAL;
                scope_back(&sc);
                tz_free(own);
                if (r < 0 && !why)
                        why = xasprintf("cannot open the time zone %s", org->timezone);
                if (org != cfg)
                        say_org(cfg, org, &why);
                if (r < 0 && ret_why)
                        *ret_why = why;
                else
                        free(why);
                sum.queued += st.queued;
                sum.overdue += st.overdue;
                sum.scheduled += st.scheduled;
        }
        if (ret_stats)
                *ret_stats = sum;
        return r;
}

int weekly_digest_run_all(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why)
{
        if (!cfg->n_orgs)
                return weekly_digest_run(s, cfg, tz, now, ret_why);
        int r = 0, queued = 0;
        for (size_t i = 0; r >= 0 && i < cfg->n_orgs; i++) {
                const Config *org = cfg->orgs[i];
                Tz *own = NULL;
                const Tz *otz = orgs_tz(org, tz, &own);
                char *why = NULL;
                Scope sc = scope_to(s, org->org);
                r = otz ? weekly_digest_run(s, org, otz, now, &why) : -EINVAL;
                scope_back(&sc);
                tz_free(own);
                if (r > 0)
                        queued = 1;
                say_org(cfg, org, &why);
                if (r < 0 && ret_why)
                        *ret_why = why;
                else
                        free(why);
        }
        /* The service's own cases (key "", filed before there were
         * organisations), while any is open: to the main file's DPO, as
         * their reminders go. */
        if (r >= 0) {
                Scope sc = scope_to(s, "");
                RegisterCounts c = {0};
                r = store_counts(s, now, &c);
                if (r >= 0 && c.open_incidents > 0)
                        r = weekly_digest_run(s, cfg, tz, now, ret_why);
                else if (r < 0 && ret_why)
                        *ret_why = xasprintf("cannot count the service's own cases: %s", strerror(-r));
                store_counts_free(&c);
                scope_back(&sc);
                if (r > 0)
                        queued = 1;
        }
        return r < 0 ? r : queued;
}

int64_t weekly_next_slot_all(const Config *cfg, const Tz *tz, int64_t now)
{
        int64_t next = INT64_MAX;
        /* With organisations, the service's own slot too (its own cases). */
        for (size_t i = 0; i < n_of(cfg) + (cfg->n_orgs > 0); i++) {
                const Config *org = i < n_of(cfg) ? nth(cfg, i) : cfg;
                Tz *own = NULL;
                const Tz *otz = orgs_tz(org, tz, &own);
                int64_t t = otz ? weekly_next_slot(otz, org->weekly_digest_wday, org->weekly_digest_minute, now)
                                : INT64_MAX;
                tz_free(own);
                if (t < next)
                        next = t;
        }
        return next;
}

int orgs_quarantine_digest(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why)
{
        if (!cfg->n_orgs)
                return alert_quarantine_digest(s, cfg, tz, now, ret_why);
        /* The service's own: what no organisation took, under "". */
        Scope sc = scope_to(s, "");
        int r = alert_quarantine_digest(s, cfg, tz, now, ret_why);
        scope_back(&sc);
        int queued = r > 0;
        for (size_t i = 0; r >= 0 && i < cfg->n_orgs; i++) {
                const Config *org = cfg->orgs[i];
                Tz *own = NULL;
                const Tz *otz = orgs_tz(org, tz, &own);
                char *why = NULL;
                sc = scope_to(s, org->org);
                r = otz ? alert_quarantine_digest(s, org, otz, now, &why) : -EINVAL;
                scope_back(&sc);
                tz_free(own);
                if (r > 0)
                        queued = 1;
                say_org(cfg, org, &why);
                if (r < 0 && ret_why)
                        *ret_why = why;
                else
                        free(why);
        }
        return r < 0 ? r : queued;
}

int orgs_counts(Store *s, const Config *cfg, int64_t now, RegisterCounts *ret)
{
        if (!cfg->n_orgs)
                return store_counts(s, now, ret);
        Scope sc = scope_to(s, NULL);
        int r = store_counts(s, now, ret);
        scope_back(&sc);
        return r;
}

char *orgs_metrics_text(Store *s, const Config *cfg, const MetricsInput *in)
{
        if (!cfg->n_orgs)
                return metrics_text(in);
        size_t n = cfg->n_orgs + 1;
        RegisterCounts *counts = xcalloc(n, sizeof *counts);
        MetricsOrg *orgs = xcalloc(n, sizeof *orgs);
        for (size_t i = 0; i < n; i++) {
                const char *key = i ? cfg->orgs[i - 1]->org : "";
                Scope sc = scope_to(s, key);
                orgs[i].org = key;
                orgs[i].counts = store_counts(s, in->now, &counts[i]) >= 0 ? &counts[i] : NULL;
                scope_back(&sc);
        }
        MetricsInput all = *in;
        all.orgs = orgs;
        all.n_orgs = n;
        char *text = metrics_text(&all);
        for (size_t i = 0; i < n; i++)
                store_counts_free(&counts[i]);
        free(counts);
        free(orgs);
        return text;
}
