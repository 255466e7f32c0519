/* ctl_reprocess.c — `breachctl reprocess` and `breachctl purge`: the
 * register's maintenance after a fix and after the retention period.
 *
 * reprocess re-reads kept raw messages with the reader as it now is:
 *   --quarantined  every quarantined message whose raw bytes are kept is
 *                  handled again as a new arrival; one that now reads as a
 *                  report is filed (acknowledgement and DPO notice queued),
 *                  the others stay quarantined with their current reason.
 *                  Automatic mail (out-of-office replies, lists, receipts:
 *                  mailbox.automatic_folder) is left out.
 *   --automatic    the same for the automatic mail whose raw bytes are kept
 *                  (and what versions before the automatic folder
 *                  quarantined as automatic): one that no longer reads as
 *                  automatic is handled like any new arrival.
 *   REF            the report of incident REF is read again and each answer
 *                  that now reads differently is updated, with the old and
 *                  new value in the incident's history; an answer changed
 *                  since filing (a follow-up, the DPO) is kept and said so.
 * Every message is first read in a bounded worker (guard.h), as the daemon
 * does.  --dry-run does all the work in a transaction that is rolled back.
 * The IMAP folders are not touched: a message filed from quarantine stays
 * in the quarantine folder, automatic mail in its folder. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "ctl/ctl_reprocess.h"
#include "base/guard.h"
#include "case/ingest.h"
#include "case/retention.h"
#include "read/message.h"

typedef struct {
        Ctl *c;
        IngestContext ctx;
        Guard *guard;
        bool dry;
} Reprocess;

/* NULL when the bounded trial read got through raw, else why not. */
static char *trial(Reprocess *rp, const char *raw, size_t len)
{
        const GuardItem *it = NULL;
        if (guard_submit(rp->guard, raw, len, NULL) < 0 || guard_next(rp->guard, &it) < 0)
                return xstrdup("it could not be handed to the reader");
        return it->verdict < 0 ? xstrdup(it->why) : NULL;
}

/* ---- --quarantined ------------------------------------------------------- */

static const char *outcome_of(const IngestStats *st)
{
        if (st->filed)
                return "filed";
        if (st->followups)
                return "attached as a follow-up";
        if (st->duplicates)
                return "a copy of a message already filed";
        if (st->ignored)
                return "handled without filing";
        if (st->automatic)
                return "automatic mail, filed quietly";
        return "still quarantined";
}

static int reprocess_one_quarantined(Reprocess *rp, int64_t id, unsigned *ret_filed)
{
        Store *s = rp->c->store;
        StoredRaw row = {0};
        int r = store_messages_raw(s, id, &row);
        if (r < 0)
                return r == -ENODATA || r == -ENOENT ? 0 : r;
        FILE *o = rp->c->out;
        fprintf(o, "message %lld from %s, \"%s\":\n", (long long)id, row.from ? row.from : "(no sender)",
                row.subject ? row.subject : "");
        _cleanup_free_ char *poison = trial(rp, row.raw, row.len);
        if (poison) {
                fprintf(o, "  still quarantined: reading it fails: %s\n", poison);
                stored_raw_free(&row);
                return 0;
        }
        IngestStats st = {0};
        r = store_begin(s);
        if (r >= 0)
                r = ingest_reprocess(&rp->ctx, id, row.raw, row.len, row.received_at, &st);
        _cleanup_free_ char *ref = NULL;
        int64_t incident = 0;
        if (r >= 0 && (st.filed || st.followups))
                r = store_message_incident(s, id, &incident);
        if (r >= 0 && incident) {
                r = store_incident_ref(s, incident, &ref);
                if (r >= 0 && st.filed)
                        r = store_audit(s, incident, "breachctl reprocess", "reprocessed", NULL, row.reason,
                                        "filed from a quarantined message");
        }
        if (r < 0 || rp->dry)
                store_rollback(s);
        else
                r = store_commit(s);
        if (r >= 0) {
                StoredRaw now = {0};
                fprintf(o, "  %s%s%s%s\n", rp->dry ? "would be " : "", outcome_of(&st), ref ? ": " : "",
                        ref ? ref : "");
                if (!st.filed && !st.followups && !st.duplicates && !st.ignored && !st.automatic &&
                    store_messages_raw(s, id, &now) >= 0) {
                        fprintf(o, "  (%s)\n", now.reason ? now.reason : "no reason recorded");
                        stored_raw_free(&now);
                }
                if (st.filed)
                        (*ret_filed)++;
        }
        stored_raw_free(&row);
        return r;
}

static int reprocess_quarantined(Reprocess *rp, bool automatic)
{
        int64_t *ids = NULL;
        size_t n = 0;
        int r = automatic ? store_messages_automatic(rp->c->store, &ids, &n)
                          : store_messages_quarantined(rp->c->store, &ids, &n);
        unsigned filed = 0;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = reprocess_one_quarantined(rp, ids[i], &filed);
        free(ids);
        if (r < 0) {
                fprintf(stderr, "breachctl: reprocess: %s\n", store_errmsg(rp->c->store));
                return r;
        }
        fprintf(rp->c->out, "%zu %s message%s read again, %u %sfiled%s\n", n, automatic ? "automatic" : "quarantined",
                n == 1 ? "" : "s", filed, rp->dry ? "would be " : "",
                filed && !rp->dry ? automatic ? " (they stay in the automatic folder; their mail is queued)"
                                              : " (they stay in the quarantine folder; their mail is queued)"
                                  : "");
        return 0;
}

/* ---- REF --------------------------------------------------------------------- */

static bool same_text(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool differs(const FieldValue *a, const FieldValue *b)
{
        return !same_text(a->text, b->text) || !same_text(a->canon, b->canon) || a->state != b->state ||
               a->when != b->when || a->date_prec != b->date_prec || a->count != b->count || a->approx != b->approx ||
               a->at_least != b->at_least;
}

static void value_copy(FieldValue *dst, const FieldValue *src)
{
        free(dst->text);
        free(dst->canon);
        *dst = *src;
        dst->text = xstrdup(src->text);
        dst->canon = xstrdup(src->canon);
}

/* How a value reads, for the history and the terminal. */
static char *shown(const FieldValue *v)
{
        if (!v->text)
                return xstrdup("(not given)");
        if (v->state == FV_UNCLEAR)
                return xasprintf("%s (not understood)", v->text);
        if (v->canon && strcmp(v->canon, v->text) != 0)
                return xasprintf("%s (read as %s)", v->text, v->canon);
        return xstrdup(v->text);
}

/* Who changed field key since filing (a follow-up, the DPO), or NULL. */
static char *changed_by(Store *s, int64_t incident, const char *key)
{
        char *who = NULL;
        if (store_audit_changed_by(s, incident, key, &who) < 0)
                return NULL;
        return who;
}

static void sync_fallback(Incident *inc, const Incident *fresh, const char *key)
{
        bool want = strlist_contains(&fresh->fallbacks, key);
        for (size_t i = 0; i < inc->fallbacks.n; i++)
                if (!strcmp(inc->fallbacks.v[i], key)) {
                        if (want)
                                return;
                        free(inc->fallbacks.v[i]);
                        memmove(&inc->fallbacks.v[i], &inc->fallbacks.v[i + 1],
                                (inc->fallbacks.n - i - 1) * sizeof(char *));
                        inc->fallbacks.n--;
                        return;
                }
        if (want)
                strlist_add(&inc->fallbacks, key);
}

/* Compares and applies, field by field; *ret_changed: how many were updated. */
static int merge_fields(Reprocess *rp, Incident *inc, const Incident *fresh, unsigned *ret_changed)
{
        FILE *o = rp->c->out;
        unsigned changed = 0;
        for (size_t k = 0; k < FIELD__MAX; k++) {
                const FieldValue *nv = &fresh->form.f[k];
                FieldValue *ov = &inc->form.f[k];
                if (!differs(ov, nv))
                        continue;
                const char *key = form_fields[k].key;
                _cleanup_free_ char *was = shown(ov), *now = shown(nv), *who = changed_by(rp->c->store, inc->id, key);
                if (who) {
                        fprintf(o, "  %s: kept \"%s\", as %s set it; the report now reads \"%s\"\n",
                                form_fields[k].label, was, who, now);
                        continue;
                }
                fprintf(o, "  %s: \"%s\" -> \"%s\"\n", form_fields[k].label, was, now);
                int r = store_audit(rp->c->store, inc->id, "breachctl reprocess", "reprocess", key, was, now);
                if (r < 0)
                        return r;
                value_copy(ov, nv);
                sync_fallback(inc, fresh, key);
                changed++;
        }
        *ret_changed = changed;
        return 0;
}

static int read_fresh(Reprocess *rp, const Incident *inc, const StoredRaw *row, Incident *fresh)
{
        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        int r = message_parse(row->raw, row->len, NULL, &m, &why);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: the report cannot be read any more: %s\n", inc->ref, why);
                return r;
        }
        FormreadInfo info;
        incident_init(fresh);
        ingest_read_report(&rp->ctx, m, inc->received_at, fresh, &info);
        formread_info_free(&info);
        return 0;
}

static int reprocess_incident(Reprocess *rp, Incident *inc, const StoredRaw *row)
{
        Incident fresh;
        int r = read_fresh(rp, inc, row, &fresh);
        if (r < 0)
                return r;
        Store *s = rp->c->store;
        unsigned changed = 0;
        int64_t deadline = inc->deadline_at;
        r = store_begin(s);
        if (r >= 0)
                r = merge_fields(rp, inc, &fresh, &changed);
        if (r >= 0 && changed) {
                incident_evaluate(inc, rp->ctx.tz);
                r = store_update_incident_fields(s, inc);
                if (r >= 0 && inc->deadline_at != deadline) {
                        _cleanup_free_ char *a = tz_format(rp->ctx.tz, deadline, "%Y-%m-%d %H:%M %Z"),
                                            *b = tz_format(rp->ctx.tz, inc->deadline_at, "%Y-%m-%d %H:%M %Z");
                        fprintf(rp->c->out, "  ICO deadline: %s -> %s\n", a, b);
                        r = store_audit(s, inc->id, "breachctl reprocess", "reprocess", "deadline_at", a, b);
                }
        }
        if (r < 0 || rp->dry || !changed)
                store_rollback(s);
        else
                r = store_commit(s);
        incident_free(&fresh);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", inc->ref, store_errmsg(s));
                return r;
        }
        fprintf(rp->c->out, "%s: %u answer%s %s\n", inc->ref, changed, changed == 1 ? "" : "s",
                !changed ? "read differently: nothing to do" : rp->dry ? "would be updated (dry run)" : "updated");
        return 0;
}

static int reprocess_ref(Reprocess *rp, const char *ref)
{
        Incident inc;
        int r = ctl_load_incident(rp->c, ref, &inc);
        if (r < 0)
                return r;
        int64_t id = 0;
        r = store_messages_report(rp->c->store, inc.id, &id);
        StoredRaw row = {0};
        if (r >= 0)
                r = store_messages_raw(rp->c->store, id, &row);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", ref,
                        r == -ENODATA ? "its raw message was purged (retention_days): nothing to read again"
                                      : "no report message of it is recorded (imported, or entered by hand)");
                incident_free(&inc);
                return r;
        }
        _cleanup_free_ char *poison = trial(rp, row.raw, row.len);
        if (poison) {
                fprintf(stderr, "breachctl: %s: reading its report fails: %s\n", ref, poison);
                r = -EBADMSG;
        } else {
                fprintf(rp->c->out, "%s, report message %lld:\n", inc.ref, (long long)row.id);
                r = reprocess_incident(rp, &inc, &row);
        }
        stored_raw_free(&row);
        incident_free(&inc);
        return r;
}

int ctl_reprocess(Ctl *c, int argc, char **argv)
{
        static const struct option opts[] = {
                {"quarantined", no_argument, NULL, 'q'}, {"automatic", no_argument, NULL, 'a'},
                {"dry-run", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
        bool quarantined = false, automatic = false, dry = false;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "qan", opts, NULL)) != -1) {
                if (ch == 'q')
                        quarantined = true;
                else if (ch == 'a')
                        automatic = true;
                else if (ch == 'n')
                        dry = true;
                else
                        goto usage;
        }
        if ((quarantined && automatic) || (quarantined || automatic) == (optind < argc) || argc - optind > 1)
                goto usage;
        Reprocess rp = {.c = c, .dry = dry,
                        .ctx = {.cfg = c->cfg, .store = c->store, .tz = c->tz, .labels = ingest_labels_for(c->cfg)}};
        guard_new(NULL, ingest_read_trial, &rp.ctx, &rp.guard);
        int r = quarantined || automatic ? reprocess_quarantined(&rp, automatic) : reprocess_ref(&rp, argv[optind]);
        guard_free(rp.guard);
        form_labels_free((FormLabels *)rp.ctx.labels);
        return r;
usage:
        fprintf(stderr, "usage: breachctl reprocess REF|--quarantined|--automatic [--dry-run]\n");
        return -EINVAL;
}

/* ---- purge ------------------------------------------------------------------- */

int ctl_purge(Ctl *c, int argc, char **argv)
{
        if (argc != 1) {
                fprintf(stderr, "usage: breachctl purge\n");
                return -EINVAL;
        }
        PurgeStats st;
        int r = retention_purge(c->store, c->cfg, now_utc(), &st);
        if (r < 0) {
                fprintf(stderr, "breachctl: purge: %s\n", store_errmsg(c->store));
                return r;
        }
        if (!c->cfg->retention_days) {
                fprintf(c->out, "retention_days is 0: raw messages are kept for ever; nothing purged\n");
                return 0;
        }
        fprintf(c->out, "purged %u raw message%s and the text of %u sent mail%s older than %u day%s\n", st.messages,
                st.messages == 1 ? "" : "s", st.mails, st.mails == 1 ? "" : "s", c->cfg->retention_days,
                c->cfg->retention_days == 1 ? "" : "s");
        return 0;
}
