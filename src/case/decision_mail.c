/* decision_mail.c — the mail side of decision.h: the template variables
 * of mail to the DPO about a decision, the address a reply goes to, and a
 * DPO's reply handled (authenticated by its token, its commands applied,
 * the confirmation or the errors sent back). */
#include "case/decision-internal.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "case/sender_trust.h"
#include "mail/compose.h"
#include "notices/notices.h"

/* ---- tokens and the reply address ---------------------------------------- */

/* Compares without stopping at the first difference, so that the time
 * taken says nothing about how much of a guess was right. */
static bool token_equal(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b);
        unsigned diff = na != nb;
        for (size_t i = 0; i < na; i++)
                diff |= (unsigned)(tolower((unsigned char)a[i]) ^ tolower((unsigned char)b[i % (nb ? nb : 1)]));
        return diff == 0 && nb;
}

static char *own_address(const Config *cfg)
{
        return compose_address_of(cfg->smtp.reply_to ? cfg->smtp.reply_to : cfg->smtp.from);
}

char *decision_reply_address(const Config *cfg, const char *ref, const char *token)
{
        _cleanup_free_ char *addr = own_address(cfg);
        char *at = addr ? strrchr(addr, '@') : NULL;
        if (!at)
                return NULL;
        *at = 0;
        return xasprintf("%s+%s.%s@%s", addr, ref, token, at + 1);
}

/* ---- template variables -------------------------------------------------- */

static char *how_to_record(const Config *cfg, const Incident *inc, const Assessment *a, int64_t now)
{
        const char *decision = a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending";
        bool late = inc->late || now > inc->deadline_at;
        _cleanup_free_ char *reply = decision_reply_address(cfg, inc->ref, inc->token);
        _cleanup_free_ char *own = own_address(cfg), *owned = NULL;
        const char *ctl = notices_ctl(cfg, &owned);
        Buf b = {0};
        buf_printf(&b, "To record it, reply to this email; the reply goes to\n  %s\nWrite these lines in it, each on a line of its own:\n\n",
                   reply ? reply : "");
        if (!strcmp(decision, "notify") && a && str_empty(a->f[AS_ICO_REFERENCE])) {
                buf_puts(&b, "  ico-reference: <the ICO's case reference, e.g. IC-123456-AB1C>\n\n");
                buf_printf(&b, "or on the server:\n  %s set %s ico-reference IC-123456-AB1C\n", ctl, inc->ref);
        } else {
                buf_puts(&b, "  decision: notify\n  reason: <why the breach must be reported>\n");
                if (late)
                        buf_puts(&b, "  delay-reason: <why the ICO is told after the 72 hours>\n");
                buf_puts(&b, "  ico-reference: <the ICO's case reference, e.g. IC-123456-AB1C, once you have it>\n");
                buf_puts(&b, "\nor\n\n  decision: not notifiable\n"
                             "  reason: <why the breach is unlikely to result in a risk to people>\n");
                buf_printf(&b, "\nor on the server:\n  %s decide %s notify --reason \"...\"%s [--ico-ref IC-...]\n"
                               "  %s decide %s not-notifiable --reason \"...\"\n",
                           ctl, inc->ref, late ? " --delay-reason \"...\"" : "", ctl, inc->ref);
        }
        buf_printf(&b, "\nYou may also send: outcome, assign, subjects-notified, severity,\n"
                       "sensitivity, root-cause, action-taken, note, action, done, close\n"
                       "(breachctl(1) lists their values).  Only a reply from a DPO address\n"
                       "to the address above is accepted.  If your mail program does not\n"
                       "reply to it, write to %s with\n  %s.%s\nin the subject.\n",
                   own ? own : "", inc->ref, inc->token ? inc->token : "");
        return buf_steal(&b);
}

static char *to_decide(const Tz *tz, const Incident *inc, const Assessment *a, int64_t now)
{
        const char *decision = a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending";
        if (!strcmp(decision, "pending")) {
                const char *late = inc->late || now > inc->deadline_at
                                           ? "\nThe 72 hours have passed: if it is reported now, the ICO must be told\n"
                                             "why it is late (delay-reason).\n"
                                           : "";
                return xasprintf("Decide whether this breach must be reported to the ICO. It must be,\n"
                                 "unless it is unlikely to result in a risk to people's rights and\n"
                                 "freedoms (UK GDPR Article 33). Either way, record the decision and\n"
                                 "its reason.\n%s",
                                 late);
        }
        if (!strcmp(decision, "notify") && str_empty(a->f[AS_ICO_REFERENCE]))
                return xstrdup("The decision to report this breach to the ICO is recorded, but not\n"
                               "the ICO's case reference. Reminders go on until it is recorded.\n");
        (void)tz;
        return xasprintf("The ICO decision is recorded: %s.%s\n", decision,
                         a && a->closed_at ? "" : " The case can be closed once every action is done.");
}

void decision_vars(const Config *cfg, const Tz *tz, const Incident *inc, const Assessment *a, int64_t now,
                   TemplateVars *v)
{
        char *t = decision_reply_address(cfg, inc->ref, inc->token ? inc->token : "");
        tvars_set(v, "reply_address", t);
        free(t);
        t = xasprintf("%s.%s", inc->ref, inc->token ? inc->token : "");
        tvars_set(v, "token_tag", t);
        free(t);
        tvars_set(v, "decision", a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending");
        tvars_set(v, "ico_reference", a ? a->f[AS_ICO_REFERENCE] : NULL);
        t = to_decide(tz, inc, a, now);
        tvars_set(v, "to_decide", t);
        free(t);
        t = how_to_record(cfg, inc, a, now);
        tvars_set(v, "how_to_record", t);
        free(t);
        t = notices_format_time(tz, inc->aware_at);
        tvars_set(v, "awareness", t);
        free(t);
        /* "just now", "2 days 3 hours ago": how long the deadline has
         * passed; empty before it. */
        t = NULL;
        if (now >= inc->deadline_at && now - inc->deadline_at < 60)
                t = xstrdup("just now");
        else if (now >= inc->deadline_at) {
                _cleanup_free_ char *over = notices_time_left(inc->deadline_at, now);
                t = xasprintf("%s ago", str_startswith(over, "overdue by ") ? over + 11 : over);
        }
        tvars_set(v, "passed", t);
        free(t);
        t = strlist_join(&cfg->escalation, ", ");
        tvars_set(v, "escalated_to", t);
        free(t);
        t = decision_assessment_text(a, false);
        tvars_set(v, "assessment", t);
        free(t);
}

void decision_sample_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v)
{
        decision_vars(cfg, tz, inc, NULL, now, v);
        tvars_set(v, "point", "24 hours after the breach became known");
        tvars_set(v, "changes", "  - ICO decision: notify (was pending)\n");
        tvars_set(v, "errors", "  - line 1 (decision): the decision is one of \"notify\" or \"not notifiable\"\n");
        tvars_set(v, "actor", "dpo@example.org");
        char *t = notices_format_time(tz, now + 24 * 3600);
        tvars_set(v, "next_reminder", t);
        free(t);
}

/* ---- reply mail ---------------------------------------------------------- */

/* The incident a reply is about without a token: "[REF]" in the subject, or
 * a Message-ID it answers. */
static int about_incident(Store *s, const Message *m, int64_t *ret_id)
{
        if (m->in_reply_to) {
                int r = store_find_incident_by_message_id(s, m->in_reply_to, ret_id);
                if (r != 0)
                        return r;
        }
        for (const char *open = strchr(m->subject, '['); open; open = strchr(open + 1, '[')) {
                const char *close = strchr(open, ']');
                if (!close)
                        break;
                _cleanup_free_ char *ref = xstrndup(open + 1, (size_t)(close - open - 1));
                if (store_find_ref(s, str_trim(ref), ret_id, NULL) == 0)
                        return 1;
        }
        return 0;
}

/* Finds the incident the tokens of m authenticate: 1 and *ret_id, 0 when m
 * carries no token, or -EPERM with *ret_why when a token is wrong. */
static int token_incident(Store *s, const Config *cfg, const Message *m, int64_t *ret_id, char **ret_why)
{
        StrList refs = {0}, tokens = {0};
        _cleanup_free_ char *own = own_address(cfg);
        for (size_t i = 0; i < m->to_addrs.n; i++) {
                char *ref = NULL, *token = NULL;
                if (decision_token_in_address(m->to_addrs.v[i], own, &ref, &token) == 0) {
                        strlist_take(&refs, ref);
                        strlist_take(&tokens, token);
                }
        }
        StrList srefs = {0}, stokens = {0};
        decision_tokens_in_subject(m->subject, &srefs, &stokens);
        /* In a subject, "www.someorganisation" is no token: only a word
         * that starts with a reference counts. */
        for (size_t i = 0; i < srefs.n; i++)
                if (store_find_ref(s, srefs.v[i], NULL, NULL) == 0) {
                        strlist_add(&refs, srefs.v[i]);
                        strlist_add(&tokens, stokens.v[i]);
                }
        strlist_free(&srefs);
        strlist_free(&stokens);
        int64_t id = 0;
        int r = refs.n ? 1 : 0;
        for (size_t i = 0; i < refs.n && r > 0; i++) {
                int64_t cid = 0;
                Assessment a = {0};
                if (store_find_ref(s, refs.v[i], &cid, NULL) < 0 || store_load_assessment(s, cid, &a) < 0) {
                        *ret_why = xasprintf("a token for %s, which is no incident", refs.v[i]);
                        r = -EPERM;
                } else if (!a.token || !token_equal(tokens.v[i], a.token)) {
                        *ret_why = xasprintf("the token given for %s is not that incident's (another incident's "
                                             "token, or a guess)", a.ref);
                        r = -EPERM;
                } else if (id && id != cid) {
                        *ret_why = xstrdup("tokens of two different incidents");
                        r = -EPERM;
                }
                id = cid;
                assessment_free(&a);
        }
        /* A subject naming another incident than the token's is a mix-up
         * at best: nothing is decided on a guess. */
        int64_t named = 0;
        if (r > 0) {
                for (const char *open = strchr(m->subject, '['); open; open = strchr(open + 1, '[')) {
                        const char *close = strchr(open, ']');
                        if (!close)
                                break;
                        _cleanup_free_ char *ref = xstrndup(open + 1, (size_t)(close - open - 1));
                        if (store_find_ref(s, str_trim(ref), &named, NULL) == 0 && named != id) {
                                *ret_why = xasprintf("the subject names %s but the token is for another incident",
                                                     str_trim(ref));
                                r = -EPERM;
                                break;
                        }
                }
        }
        if (r > 0)
                *ret_id = id;
        strlist_free(&refs);
        strlist_free(&tokens);
        return r;
}

static char *indented(const StrList *l)
{
        Buf b = {0};
        for (size_t i = 0; i < l->n; i++)
                buf_printf(&b, "  - %s\n", l->v[i]);
        return b.s ? buf_steal(&b) : xstrdup("");
}

/* Mails the DPO(s) what was done with m: template "decision-confirm" or
 * "decision-error". */
static int answer_dpo(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t id, bool ok,
                      const StrList *changes, const StrList *errors, int64_t now, char **ret_why)
{
        Assessment a;
        int r = store_load_assessment(s, id, &a);
        if (r < 0)
                return r;
        Incident inc;
        r = store_load_incident(s, a.ref, &inc);
        if (r < 0) {
                assessment_free(&a);
                return r;
        }
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, &inc, now, &v);
        decision_vars(cfg, tz, &inc, &a, now, &v);
        char *t = indented(changes);
        tvars_set(&v, "changes", t);
        free(t);
        t = indented(errors);
        tvars_set(&v, "errors", t);
        free(t);
        tvars_set(&v, "actor", m->from_addr);
        t = a.next_reminder_at > 0 ? notices_format_time(tz, a.next_reminder_at) : NULL;
        tvars_set(&v, "next_reminder", t);
        free(t);
        _cleanup_free_ char *reply = decision_reply_address(cfg, a.ref, a.token);
        NoticeMail n = {
                .incident_id = id,
                .loop_ref = a.ref,
                .kind = ok ? "decision_confirm" : "decision_error",
                .template_name = ok ? "decision-confirm" : "decision-error",
                .to = &cfg->dpo,
                .answering = m,
                .reply_to = reply,
                .auto_submitted = "auto-replied",
        };
        r = notices_queue_template(s, cfg, &n, &v, ret_why);
        tvars_free(&v);
        incident_free(&inc);
        assessment_free(&a);
        return r;
}

/* Whether m may decide: DECISION_NONE (not a decision mail),
 * DECISION_REFUSED with *ret_why, or DECISION_ACCEPTED with *ret_id when m
 * is a DPO's reply with a valid token; -errno on a database error.  any:
 * m holds command lines, good or bad. */
static int authenticate(Store *s, const Config *cfg, const Message *m, const DecisionCmds *cmds, bool any,
                        int64_t *ret_id, char **ret_why)
{
        bool dpo = config_is_dpo_address(cfg, m->from_addr);
        char *why = NULL;
        int64_t id = 0;
        int r = token_incident(s, cfg, m, &id, &why);
        if (r == -EPERM) {
                *ret_why = xasprintf("reply from %s refused: %s; nothing changed", m->from_addr, why);
                free(why);
                return DECISION_REFUSED;
        }
        if (r < 0)
                return r;
        if (r == 0) {
                /* No token.  Only an attempt to decide about an incident is
                 * refused; anything else is ordinary mail. */
                if (!decision_cmds_decide(cmds))
                        return DECISION_NONE;
                int64_t about = 0;
                r = about_incident(s, m, &about);
                if (r < 0)
                        return r;
                if (!dpo && r == 0)
                        return DECISION_NONE;
                *ret_why = xasprintf("decision by mail from %s refused: %s; nothing changed", m->from_addr,
                                     dpo ? "it does not carry the incident's token (reply to the notice or a "
                                           "reminder, whose Reply-To has it)"
                                         : "not from a configured DPO, and without the incident's token");
                return DECISION_REFUSED;
        }
        if (!dpo) {
                if (!any)
                        return DECISION_NONE;   /* someone writing to the thread, not deciding */
                *ret_why = xasprintf("decision by mail from %s refused: not a configured DPO address; nothing "
                                     "changed", m->from_addr);
                return DECISION_REFUSED;
        }
        /* A DPO's From: and the token are not enough: the rest of what the
         * servers on the way say must agree (sender_trust.h). */
        _cleanup_free_ char *forged = sender_trust_decision(cfg, m);
        if (forged) {
                *ret_why = xasprintf("decision by mail from %s refused: %s; nothing changed", m->from_addr, forged);
                return DECISION_REFUSED;
        }
        *ret_id = id;
        return DECISION_ACCEPTED;
}

/* A DPO's authenticated reply: applies its commands (all or none) and
 * answers it.  Returns 0 or -errno; *ret_why says what happened. */
static int accept_reply(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t id,
                        const DecisionCmds *cmds, StrList *errors, char **ret_why)
{
        _cleanup_free_ char *ref = NULL;
        int r = store_incident_ref(s, id, &ref);
        if (r < 0)
                return r;
        if (!cmds->n && !errors->n) {
                *ret_why = xasprintf("reply from %s about %s with no instruction in it: kept", m->from_addr, ref);
                return store_audit(s, id, m->from_addr, "followup", NULL, NULL, m->subject);
        }
        StrList changes = {0};
        DecisionEnv env = {.store = s, .cfg = cfg, .tz = tz, .actor = m->from_addr, .now = now_utc()};
        if (!errors->n) {
                r = decision_apply(&env, id, cmds, &changes, errors);
                if (r < 0 && r != -EINVAL)
                        goto out;
        }
        bool ok = errors->n == 0;
        char *why = NULL;
        if (!ok) {
                _cleanup_free_ char *e = strlist_join(errors, "; ");
                r = store_audit(s, id, m->from_addr, "reply refused", NULL, NULL, e);
                why = xasprintf("reply from %s about %s not applied: %s", m->from_addr, ref, e);
        } else {
                /* The log names what changed, not the values: a reason
                 * may hold personal data, and the register has it. */
                Buf what = {0};
                for (size_t i = 0; i < changes.n; i++)
                        buf_printf(&what, "%s%.*s", i ? ", " : "", (int)strcspn(changes.v[i], ":"), changes.v[i]);
                r = 0;
                why = xasprintf("reply from %s applied to %s: %s", m->from_addr, ref, what.s ? what.s : "no change");
                buf_free(&what);
        }
        char *qwhy = NULL;
        if (r >= 0)
                r = answer_dpo(s, cfg, tz, m, id, ok, &changes, errors, env.now, &qwhy);
        if (r < 0) {
                free(why);
                why = qwhy ? qwhy : xasprintf("cannot answer the reply about %s: %s", ref, strerror(-r));
                qwhy = NULL;
        }
        free(qwhy);
        *ret_why = why;
out:
        strlist_free(&changes);
        return r;
}

int decision_handle_reply(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t *ret_incident_id,
                          char **ret_why)
{
        /* Out-of-office answers and the like are no one's decision. */
        if (!m->from_addr || m->auto_reason)
                return DECISION_NONE;
        /* Most mail is a new report: from staff, not a DPO, with no token
         * and about no incident.  Whatever its text says, authenticate()
         * finds it nobody's decision, so it is not read as commands (which
         * costs more than the rest of filing it). */
        if (!config_is_dpo_address(cfg, m->from_addr)) {
                int64_t id = 0;
                char *why = NULL;
                int r = token_incident(s, cfg, m, &id, &why);
                free(why);
                if (r == 0)
                        r = about_incident(s, m, &id);
                if (r == 0)
                        return DECISION_NONE;
        }
        DecisionCmds cmds = {0};
        StrList errors = {0};
        _cleanup_free_ char *text = message_own_words(m);
        decision_parse(text, &cmds, &errors);
        char *why = NULL;
        int64_t id = 0;
        int r = authenticate(s, cfg, m, &cmds, cmds.n || errors.n, &id, &why);
        if (r == DECISION_ACCEPTED) {
                r = accept_reply(s, cfg, tz, m, id, &cmds, &errors, &why);
                if (r >= 0) {
                        r = DECISION_ACCEPTED;
                        *ret_incident_id = id;
                }
        }
        if (r > 0 || (r < 0 && why))
                *ret_why = why;
        else
                free(why);
        decision_cmds_free(&cmds);
        strlist_free(&errors);
        return r;
}
