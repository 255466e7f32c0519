/* sender_trust.c — see sender_trust.h. */
#include "case/sender_trust.h"

#include <string.h>
#include <strings.h>

#include "read/authres.h"

/* The value of field ("Name: value") when its name is name, else NULL. */
static const char *field_value(const char *field, const char *name)
{
        size_t n = strlen(name);
        if (strncasecmp(field, name, n) != 0 || field[n] != ':')
                return NULL;
        const char *v = field + n + 1;
        while (*v == ' ' || *v == '\t')
                v++;
        return v;
}

static const char *domain_of(const char *addr)
{
        const char *at = addr ? strrchr(addr, '@') : NULL;
        return at ? at + 1 : "";
}

/* The internal mark: its topmost field, and that field's value. */
static bool internal_marked(const Config *cfg, const Message *m)
{
        const char *mark = cfg->mailbox.internal_mark;
        if (!mark)
                return false;
        const char *colon = strchr(mark, ':');
        _cleanup_free_ char *name = xstrndup(mark, (size_t)(colon - mark));
        _cleanup_free_ char *want = xstrdup(colon + 1);
        for (size_t i = 0; i < m->header_fields.n; i++) {
                const char *v = field_value(m->header_fields.v[i], name);
                if (!v)
                        continue;
                _cleanup_free_ char *got = xstrdup(v);
                return strcasecmp(str_trim(got), str_trim(want)) == 0;
        }
        return false;
}

/* The DMARC result of the trusted hop (sender_trust.h): 1 with *ret_result
 * and *ret_from (header.from, or NULL), 0 when the hop has none; *ret_id is
 * the hop's authserv-id, NULL when no trusted field was found. */
static int trusted_dmarc(const Config *cfg, const Message *m, char **ret_result, char **ret_from, char **ret_id)
{
        bool in_hop = false;
        for (size_t i = 0; i < m->header_fields.n; i++) {
                const char *f = m->header_fields.v[i];
                if (field_value(f, "Received")) {
                        if (in_hop)
                                break;
                        continue;
                }
                const char *v = field_value(f, "Authentication-Results");
                if (!v)
                        continue;
                Authres a;
                if (authres_parse(v, &a) < 0)
                        continue;
                if (!strlist_contains_ci(&cfg->mailbox.trusted_authserv_ids, a.authserv_id)) {
                        authres_free(&a);
                        continue;
                }
                if (!in_hop)
                        *ret_id = xstrdup(a.authserv_id);
                in_hop = true;
                const AuthresResult *r = authres_find(&a, "dmarc");
                if (r) {
                        *ret_result = xstrdup(r->result);
                        *ret_from = xstrdup(authres_prop(r, "header", "from"));
                        authres_free(&a);
                        return 1;
                }
                authres_free(&a);
        }
        return 0;
}

bool sender_trust_vouched(const Config *cfg, const Message *m, char **ret_said)
{
        if (internal_marked(cfg, m))
                return true;
        _cleanup_free_ char *result = NULL, *from = NULL, *id = NULL;
        bool pass = false;
        char *said = NULL;
        if (!cfg->mailbox.trusted_authserv_ids.n) {
                said = xasprintf("it lacks the mail server's mark of internal mail (%s)", cfg->mailbox.internal_mark);
        } else if (trusted_dmarc(cfg, m, &result, &from, &id) == 0) {
                _cleanup_free_ char *ids = strlist_join(&cfg->mailbox.trusted_authserv_ids, ", ");
                said = id ? xasprintf("the Authentication-Results of %s give no DMARC result", id)
                          : xasprintf("no Authentication-Results from %s", ids);
        } else if (strcmp(result, "pass") != 0) {
                said = xasprintf("dmarc=%s at %s", result, id);
        } else if (from && strcasecmp(from, domain_of(m->from_addr)) != 0) {
                said = xasprintf("dmarc=pass at %s is for %s, not %s", id, from, domain_of(m->from_addr));
        } else {
                pass = true;
        }
        if (!pass && said && cfg->mailbox.internal_mark && cfg->mailbox.trusted_authserv_ids.n) {
                char *t = xasprintf("%s, and no %s", said, cfg->mailbox.internal_mark);
                free(said);
                said = t;
        }
        if (ret_said)
                *ret_said = said;
        else
                free(said);
        return pass;
}

char *sender_trust_refusal(const Config *cfg, const Message *m)
{
        if (!config_checks_senders(cfg) || !m->from_addr || !config_is_staff_address(cfg, m->from_addr))
                return NULL;
        _cleanup_free_ char *said = NULL;
        if (sender_trust_vouched(cfg, m, &said))
                return NULL;
        return xasprintf("possibly forged: %s is in the staff domains but the mail server does not vouch for "
                         "it (%s); no reply sent", m->from_addr, said ? said : "no verdict");
}

/* The organisation's domains: the staff domains, and the DPOs' own (a DPO
 * may be outside them).  With no staff domains every sender is staff. */
static bool in_organisation(const Config *cfg, const char *addr)
{
        if (config_is_staff_address(cfg, addr))
                return true;
        for (size_t i = 0; i < cfg->dpo.n; i++)
                if (strcasecmp(domain_of(cfg->dpo.v[i]), domain_of(addr)) == 0)
                        return true;
        return false;
}

char *sender_trust_decision(const Config *cfg, const Message *m)
{
        if (m->n_from >= 2)
                return xasprintf("possibly forged: From: holds %u addresses, and a decision needs one author",
                                 m->n_from);
        if (m->sender_addr && m->from_addr && strcasecmp(m->sender_addr, m->from_addr) != 0)
                return xasprintf("possibly forged: Sender: %s is not From: %s", m->sender_addr, m->from_addr);
        if (m->return_path && *m->return_path && !in_organisation(cfg, m->return_path))
                return xasprintf("possibly forged: the envelope sender (Return-Path) %s is outside the "
                                 "organisation", m->return_path);
        if (!config_checks_senders(cfg))
                return NULL;
        _cleanup_free_ char *said = NULL;
        if (sender_trust_vouched(cfg, m, &said))
                return NULL;
        return xasprintf("possibly forged: the mail server does not vouch for %s (%s)", m->from_addr,
                         said ? said : "no verdict");
}
