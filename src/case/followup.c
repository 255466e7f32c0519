/* followup.c — see followup.h. */
#include "case/followup.h"

#include <errno.h>
#include <string.h>

#include "notices/notices.h"
#include "read/formread.h"
#include "read/reading.h"
#include "read/values.h"

void followup_result_free(FollowupResult *r)
{
        if (!r)
                return;
        free(r->ref);
        strlist_free(&r->filled);
        strlist_free(&r->changed);
        memset(r, 0, sizeof *r);
}

static char *collapsed_lower(const char *s)
{
        Buf b = {0};
        bool sp = false;
        buf_puts(&b, "");
        for (; s && *s; s++) {
                if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
                        sp = b.len > 0;
                        continue;
                }
                if (sp)
                        buf_putc(&b, ' ');
                sp = false;
                buf_putc(&b, *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s);
        }
        return buf_steal(&b);
}

/* Whether a new answer says the same as the old one: the same reading
 * (canon) when both were understood, else the same words. */
static bool same_answer(const FieldValue *old, const FieldValue *new)
{
        if (old->state == FV_OK && new->state == FV_OK && old->canon && new->canon &&
            strcmp(old->canon, new->canon) == 0 && old->approx == new->approx)
                return true;
        _cleanup_free_ char *a = collapsed_lower(old->text), *b = collapsed_lower(new->text);
        return strcmp(a, b) == 0;
}

static void value_move(FieldValue *to, FieldValue *from)
{
        free(to->text);
        free(to->canon);
        *to = *from;
        memset(from, 0, sizeof *from);
        from->count = -1;
}

static void strlist_remove(StrList *l, const char *s)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i], s) == 0) {
                        free(l->v[i]);
                        memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
                        l->n--;
                        return;
                }
}

/* Merges the follow-up's answers (rec) into the incident; audit rows say
 * who changed what.  Fields the daemon filled itself (fallbacks) count as
 * unanswered.  ret_was gets the earlier answer of each changed field, in
 * the order of res->changed. */
static int merge(Store *s, Incident *inc, FormRecord *rec, const char *who, FollowupResult *res,
                 StrList *ret_was)
{
        for (size_t i = 0; i < FIELD__MAX; i++) {
                FieldValue *nv = &rec->f[i], *ov = &inc->form.f[i];
                const char *key = form_fields[i].key;
                if (!nv->text)
                        continue;
                res->n_fields++;
                bool fallback = strlist_contains(&inc->fallbacks, key);
                bool fill = ov->state == FV_ABSENT || ov->state == FV_UNCLEAR || fallback;
                if (!fill && same_answer(ov, nv))
                        continue;
                int r = store_audit(s, inc->id, who, fill ? "field_filled" : "field_changed", key,
                                    fallback ? NULL : ov->text, nv->text);
                if (r < 0)
                        return r;
                strlist_add(fill ? &res->filled : &res->changed, key);
                if (!fill)
                        strlist_add(ret_was, ov->text);
                strlist_remove(&inc->fallbacks, key);
                value_move(ov, nv);
        }
        for (size_t i = 0; i < rec->notes.n; i++)
                strlist_add(&inc->form.notes, rec->notes.v[i]);
        return 0;
}

/* Fields the daemon filled itself are worked out again, from the answers
 * as they now stand. */
static void drop_fallbacks(Incident *inc)
{
        for (size_t i = 0; i < inc->fallbacks.n; i++) {
                const FieldDef *f = form_field_by_key(inc->fallbacks.v[i]);
                if (!f)
                        continue;
                FieldValue *v = &inc->form.f[f->id];
                free(v->text);
                free(v->canon);
                memset(v, 0, sizeof *v);
                v->count = -1;
        }
        strlist_free(&inc->fallbacks);
}

/* "  Label: new (was: old)" lines, or "  Label: new" when with_old is
 * false. */
static char *change_lines(const Incident *inc, const StrList *keys, bool with_old, const StrList *old)
{
        Buf b = {0};
        for (size_t i = 0; i < keys->n; i++) {
                const FieldDef *f = form_field_by_key(keys->v[i]);
                const char *t = inc->form.f[f->id].text;
                buf_printf(&b, "  %s: %s", f->label, t ? t : "");
                if (with_old)
                        buf_printf(&b, "  (was: %s)", old->v[i] ? old->v[i] : "");
                buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

static int queue_mail(const IngestContext *ctx, const Incident *inc, const Message *m, const FollowupResult *res,
                      const StrList *old, bool tell_dpo, char **ret_why)
{
        TemplateVars v = {0};
        notices_incident_vars(ctx->cfg, ctx->tz, inc, now_utc(), &v);
        _cleanup_free_ char *changes = change_lines(inc, &res->changed, true, old);
        _cleanup_free_ char *filled = change_lines(inc, &res->filled, false, NULL);
        _cleanup_free_ char *who = m->from_name ? xasprintf("%s <%s>", m->from_name, m->from_addr)
                                                : xstrdup(m->from_addr);
        notices_followup_vars(&v, changes, filled, who);
        if (m->from_name)
                tvars_set(&v, "reporter_name", m->from_name);
        StrList to = {0};
        strlist_add(&to, m->reply_to ? m->reply_to : m->from_addr);
        NoticeMail confirm = {
                .incident_id = inc->id, .loop_ref = inc->ref, .kind = "followup_confirm",
                .template_name = "followup-confirm", .to = &to, .answering = m,
                .reply_to = ctx->cfg->smtp.reply_to, .auto_submitted = "auto-replied",
        };
        NoticeMail dpo = {
                .incident_id = inc->id, .loop_ref = inc->ref, .kind = "dpo_update",
                .template_name = "dpo-update", .to = &ctx->cfg->dpo, .auto_submitted = "auto-generated",
        };
        int r = 0;
        if (res->filled.n || res->changed.n)
                r = notices_queue_template(ctx->store, ctx->cfg, &confirm, &v, ret_why);
        if (r >= 0 && tell_dpo)
                r = notices_queue_template(ctx->store, ctx->cfg, &dpo, &v, ret_why);
        strlist_free(&to);
        tvars_free(&v);
        return r;
}

/* The follow-up's answers, read as a report's are; a reply without the
 * form's labels is a note, not an answer: its text is kept with the
 * message, not read as the nature. */
static void read_answers(const IngestContext *ctx, const Message *m, int64_t received_at, FormRecord *rec)
{
        FormreadInfo info;
        reading_form(m, ctx->labels, rec, &info);
        if (info.free_text)
                form_record_free(rec);
        formread_info_free(&info);
        ValueContext vc = {.tz = ctx->tz, .message_time = m->date ? m->date : received_at,
                           .directorates = ctx->cfg->directorates, .n_directorates = ctx->cfg->n_directorates};
        values_interpret(rec, &vc);
}

/* Works the incident out again and stores it; *ret_moved says whether the
 * ICO deadline moved (an audit row records it). */
static int store_incident(const IngestContext *ctx, Incident *inc, const char *who, bool *ret_moved)
{
        int64_t deadline = inc->deadline_at;
        drop_fallbacks(inc);
        incident_evaluate(inc, ctx->tz);
        int r = store_update_incident_fields(ctx->store, inc);
        *ret_moved = inc->deadline_at != deadline;
        if (r >= 0 && *ret_moved) {
                char was[32], now[32];
                fmt_iso_utc(deadline, was);
                fmt_iso_utc(inc->deadline_at, now);
                r = store_audit(ctx->store, inc->id, who, "deadline_changed", "deadline_at", was, now);
        }
        return r;
}

int followup_apply(const IngestContext *ctx, int64_t incident_id, const Message *m, int64_t received_at,
                   FollowupResult *ret, char **ret_why)
{
        FollowupResult res = {0};
        Incident inc;
        FormRecord rec;
        StrList was = {0};
        bool moved = false;
        incident_init(&inc);
        form_record_init(&rec);
        int r = store_load_incident_by_id(ctx->store, incident_id, &inc);
        if (r < 0)
                goto out;
        read_answers(ctx, m, received_at, &rec);
        r = merge(ctx->store, &inc, &rec, m->from_addr, &res, &was);
        if (r >= 0)
                r = store_incident(ctx, &inc, m->from_addr, &moved);
        if (r >= 0)
                r = store_audit(ctx->store, inc.id, m->from_addr, "followup", NULL, NULL, m->subject);
        /* A changed answer, or an awareness date that moves the ICO
         * deadline, is the DPO's business. */
        if (r >= 0)
                r = queue_mail(ctx, &inc, m, &res, &was, res.changed.n > 0 || moved, ret_why);
        if (r >= 0) {
                res.ref = xstrdup(inc.ref);
                res.confirmed = res.filled.n || res.changed.n;
                res.dpo_told = res.changed.n > 0 || moved;
                *ret = res;
                memset(&res, 0, sizeof res);
        }
out:
        incident_free(&inc);
        followup_result_free(&res);
        form_record_free(&rec);
        strlist_free(&was);
        return r;
}
