/* followup.c — see followup.h. */
#include "case/followup.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "case/clock.h"
#include "case/decision.h"
#include "case/ingest_read.h"
#include "case/replyaddr.h"
#include "mail/compose.h"
#include "notices/calendar.h"
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
            strcmp(old->canon, new->canon) == 0 && old->approx == new->approx &&
            old->at_least == new->at_least)
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

void followup_note_vars(TemplateVars *v, const char *from, const char *text)
{
        tvars_set(v, "note_from", from);
        tvars_set(v, "note_text", text);
}

void followup_sample_vars(TemplateVars *v)
{
        followup_note_vars(v, "A Colleague <colleague@example.org>",
                           "  I think the letter went to the wrong flat as well.\n");
}

/* "  Label: new  (read as ...)  (was: old)" lines, or without the "was"
 * when with_old is false: the reading as the acknowledgement gives it, so
 * that "5/12/2026" is seen to be read as 5 December. */
static char *change_lines(const Tz *tz, const Incident *inc, const StrList *keys, bool with_old,
                          const StrList *old)
{
        Buf b = {0};
        for (size_t i = 0; i < keys->n; i++) {
                const FieldDef *f = form_field_by_key(keys->v[i]);
                const char *t = inc->form.f[f->id].text;
                _cleanup_free_ char *reading = t ? notices_reading(tz, f, &inc->form.f[f->id]) : NULL;
                _cleanup_free_ char *was = with_old ? message_one_line(old->v[i] ? old->v[i] : "") : NULL;
                if (t && strchr(t, '\n')) {
                        /* A description of several lines stands under its
                         * label, indented, as in the acknowledgement. */
                        buf_printf(&b, "  %s:\n", f->label);
                        for (const char *p = t; *p;) {
                                size_t n = strcspn(p, "\n");
                                buf_printf(&b, "      %.*s\n", (int)n, p);
                                p += n + (p[n] == '\n');
                        }
                        if (reading)
                                buf_printf(&b, "      (%s)\n", reading);
                        if (was)
                                buf_printf(&b, "      (was: %s)\n", was);
                        continue;
                }
                buf_printf(&b, "  %s: %s", f->label, t ? t : "");
                if (reading)
                        buf_printf(&b, "  (%s)", reading);
                if (was)
                        buf_printf(&b, "  (was: %s)", was);
                buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

/* The confirmation to the sender and, when tell_dpo, the update to the
 * DPO(s).  Only the DPO's mail gives the earlier answers (old). */
static int queue_mail(const IngestContext *ctx, const Incident *inc, const Message *m, const FollowupResult *res,
                      const StrList *old, bool tell_dpo, bool confirm_sender, char **ret_why)
{
        TemplateVars v = {0};
        notices_incident_vars(ctx->cfg, ctx->tz, inc, now_utc(), &v);
        _cleanup_free_ char *changes = change_lines(ctx->tz, inc, &res->changed, false, NULL);
        _cleanup_free_ char *changes_was = change_lines(ctx->tz, inc, &res->changed, true, old);
        _cleanup_free_ char *filled = change_lines(ctx->tz, inc, &res->filled, false, NULL);
        _cleanup_free_ char *who = m->from_name ? xasprintf("%s <%s>", m->from_name, m->from_addr)
                                                : xstrdup(m->from_addr);
        notices_followup_vars(&v, changes, filled, who);
        followup_note_vars(&v, "", "");
        tvars_set(&v, "followup_unreadable", m->undecodable ? "yes" : "");
        /* The confirmation greets its sender: by their display name, else
         * by the form's name when they are the reporter (for a forward,
         * notices_incident_vars() greets the forwarder), else "colleague". */
        if (m->from_name)
                tvars_set(&v, "reporter_name", m->from_name);
        else if (inc->forwarded_by && inc->from_addr && m->from_addr && !strcasecmp(inc->from_addr, m->from_addr))
                tvars_set(&v, "reporter_name",
                          inc->form.f[F_REPORTER_NAME].text ? inc->form.f[F_REPORTER_NAME].text : "colleague");
        StrList to = {0};
        strlist_add(&to, replyaddr_for(ctx->cfg, m));
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
        if (confirm_sender && (res->filled.n || res->changed.n || m->undecodable))
                r = notices_queue_template(ctx->store, ctx->cfg, &confirm, &v, ret_why);
        if (r >= 0 && tell_dpo) {
                notices_followup_vars(&v, changes_was, filled, who);
                tvars_set(&v, "followup_unreadable", m->undecodable ? "yes" : "");
                r = notices_queue_template(ctx->store, ctx->cfg, &dpo, &v, ret_why);
        }
        strlist_free(&to);
        tvars_free(&v);
        return r;
}

/* The nature a report without the form's labels takes from its words: in
 * a follow-up those words are a note, not the nature.  What was labelled
 * ("Team: Payroll") stays an answer. */
static void drop_free_text(FormRecord *rec)
{
        FieldValue *v = &rec->f[F_NATURE];
        free(v->text);
        free(v->canon);
        *v = (FieldValue){.count = -1};
}

/* The follow-up's answers, read as a report's are; a reply without the
 * form's labels is a note, not an answer: its text is kept with the
 * message, not read as the nature. */
static void read_answers(const IngestContext *ctx, const Message *m, int64_t received_at, FormRecord *rec)
{
        FormreadInfo info;
        reading_form(m, ctx->labels, rec, &info);
        if (info.free_text)
                drop_free_text(rec);
        /* A reply's answer is one line: a paragraph after it is the
         * writer's comment, and a name under that the signature. */
        form_reply_answers(rec);
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

bool followup_may_change(const Config *cfg, const Incident *inc, const char *from_addr)
{
        if (!from_addr || !*from_addr)
                return false;
        if (config_is_dpo_address(cfg, from_addr))
                return true;
        if (inc->from_addr && strcasecmp(inc->from_addr, from_addr) == 0)
                return true;
        _cleanup_free_ char *fwd = inc->forwarded_by ? compose_address_of(inc->forwarded_by) : NULL;
        return fwd && strcasecmp(fwd, from_addr) == 0;
}

/* At most this much of what a colleague wrote goes into the note and the
 * DPO's mail; the whole message stays in the register. */
#define NOTE_TEXT_MAX 8000

/* What the sender wrote, each line indented by two spaces, cut at
 * NOTE_TEXT_MAX bytes (at a character's start). */
static char *note_text(const Message *m, bool indent)
{
        _cleanup_free_ char *t = message_own_words(m);
        char *s = str_trim(t);
        size_t n = strlen(s);
        if (n > NOTE_TEXT_MAX) {
                n = NOTE_TEXT_MAX;
                while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                        n--;
                s[n] = 0;
        }
        if (!*s)
                return xstrdup(indent ? "  (no text)\n" : "(no text)");
        if (!indent)
                return xstrdup(s);
        Buf b = {0};
        for (char *line = s; line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                buf_printf(&b, "  %s\n", line);
                line = nl ? nl + 1 : NULL;
        }
        return buf_steal(&b);
}

/* The short reply to someone who may not be on the case (kind, from
 * templates_dir/template_name.txt): rendered from variables that describe
 * no incident but its reference, as templates_check() checks them, so that
 * an edited template cannot put the case in the sender's hands. */
static int reply_without_case(const IngestContext *ctx, const Incident *inc, const Message *m, const char *kind,
                              const char *template_name, char **ret_why)
{
        int64_t now = now_utc();
        Incident none;
        incident_init(&none);
        none.ref = xstrdup(inc->ref);
        none.received_at = now;
        none.deadline_at = now + 72 * 3600;
        TemplateVars v = {0};
        notices_incident_vars(ctx->cfg, ctx->tz, &none, now, &v);
        incident_free(&none);
        notices_followup_vars(&v, "", "", "");
        followup_note_vars(&v, "", "");
        tvars_set(&v, "reporter_name", m->from_name ? m->from_name : "colleague");
        tvars_set(&v, "their_subject", m->subject && *m->subject ? m->subject : "(no subject)");
        StrList to = {0};
        strlist_add(&to, replyaddr_for(ctx->cfg, m));
        NoticeMail mail = {
                .incident_id = inc->id, .loop_ref = inc->ref, .kind = kind,
                .template_name = template_name, .to = &to, .answering = m,
                .reply_to = ctx->cfg->smtp.reply_to, .auto_submitted = "auto-replied",
        };
        int r = notices_queue_template(ctx->store, ctx->cfg, &mail, &v, ret_why);
        strlist_free(&to);
        tvars_free(&v);
        return r;
}

/* Who wrote a note, as the case's history and the DPO's mail name it. */
typedef struct {
        const char *author_tag;     /* "not on the case", after the address */
        const char *audit;          /* the audit row's action */
        const char *kind;           /* the DPO's mail: outbox kind and template */
        const char *template_name;
} NoteKind;
static const NoteKind NOTE_OUTSIDE = {"not on the case", "note from outside the case", "dpo_outside_note",
                                      "dpo-outside-note"};
static const NoteKind NOTE_CASE = {"on the case", "note from the case", "dpo_reporter_note", "dpo-reporter-note"};

/* What m's sender wrote, kept as a case note (with an audit row) and
 * queued to the DPO(s).  Nothing of the case changes. */
static int note_to_dpo(const IngestContext *ctx, const Incident *inc, const Message *m, const NoteKind *k,
                       char **ret_why)
{
        int64_t now = now_utc();
        _cleanup_free_ char *who = m->from_name ? xasprintf("%s <%s>", m->from_name, m->from_addr)
                                                : xstrdup(m->from_addr);
        _cleanup_free_ char *author = xasprintf("%s (%s, by mail)", m->from_addr, k->author_tag);
        _cleanup_free_ char *plain = note_text(m, false), *indented = note_text(m, true);
        int r = store_note_add(ctx->store, inc->id, author, plain, now);
        if (r >= 0)
                r = store_audit(ctx->store, inc->id, m->from_addr, k->audit, NULL, NULL, m->subject);
        if (r < 0)
                return r;
        TemplateVars v = {0};
        notices_incident_vars(ctx->cfg, ctx->tz, inc, now, &v);
        notices_followup_vars(&v, "", "", who);
        followup_note_vars(&v, who, indented);
        NoticeMail dpo = {
                .incident_id = inc->id, .loop_ref = inc->ref, .kind = k->kind,
                .template_name = k->template_name, .to = &ctx->cfg->dpo, .auto_submitted = "auto-generated",
        };
        r = notices_queue_template(ctx->store, ctx->cfg, &dpo, &v, ret_why);
        tvars_free(&v);
        return r;
}

/* A message about inc from someone not on the case: nothing of the case
 * changes.  Its text becomes a case note, the DPO(s) get it, and (reply)
 * the sender gets only "passed to the DPO". */
static int pass_to_dpo(const IngestContext *ctx, const Incident *inc, const Message *m, bool reply,
                       char **ret_why)
{
        int r = note_to_dpo(ctx, inc, m, &NOTE_OUTSIDE, ret_why);
        if (r < 0 || !reply)
                return r;
        return reply_without_case(ctx, inc, m, "followup_passed", "followup-passed", ret_why);
}

/* Whether a reply from someone on the case that answered nothing still
 * says something a person should read: a question ("should I write to the
 * parents?"), or more than a short thanks.  "Thanks, I'll send the rest
 * later today" is not. */
#define NOTE_MIN_WORDS 12
static bool worth_a_person(const char *own)
{
        if (strchr(own, '?'))
                return true;
        size_t words = 0;
        for (const char *p = own; *p;) {
                while (*p && isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                words++;
                while (*p && !isspace((unsigned char)*p))
                        p++;
        }
        return words >= NOTE_MIN_WORDS;
}

/* A reply from the reporter or the colleague who passed the report on,
 * with no answer in it but words for a person (worth_a_person()): kept as
 * a case note, sent to the DPO(s), and the sender told it was passed on.
 * Returns 1 when it was, 0 when the reply needs nobody. */
static int note_for_dpo(const IngestContext *ctx, const Incident *inc, const Message *m, char **ret_why)
{
        if (config_is_dpo_address(ctx->cfg, m->from_addr))
                return 0;
        _cleanup_free_ char *own = message_own_words(m);
        if (!worth_a_person(own))
                return 0;
        int r = note_to_dpo(ctx, inc, m, &NOTE_CASE, ret_why);
        if (r >= 0)
                r = reply_without_case(ctx, inc, m, "followup_noted", "followup-noted", ret_why);
        return r < 0 ? r : 1;
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
        if (!followup_may_change(ctx->cfg, &inc, m->from_addr)) {
                r = pass_to_dpo(ctx, &inc, m, true, ret_why);
                if (r >= 0) {
                        res.ref = xstrdup(inc.ref);
                        res.noted = res.dpo_told = true;
                        *ret = res;
                        memset(&res, 0, sizeof res);
                }
                goto out;
        }
        read_answers(ctx, m, received_at, &rec);
        r = merge(ctx->store, &inc, &rec, m->from_addr, &res, &was);
        if (r >= 0)
                r = store_incident(ctx, &inc, m->from_addr, &moved);
        if (r >= 0)
                r = store_audit(ctx->store, inc.id, m->from_addr, "followup", NULL, NULL, m->subject);
        /* A changed answer, an awareness date that moves the ICO deadline,
         * or a message nothing of which could be decoded (who knows what
         * it says) is the DPO's business. */
        bool tell_dpo = res.changed.n > 0 || moved || m->undecodable;
        if (r >= 0)
                r = queue_mail(ctx, &inc, m, &res, &was, tell_dpo, true, ret_why);
        /* Nothing answered, but a question or a message for a person. */
        bool noted = false;
        if (r >= 0 && !res.filled.n && !res.changed.n && !moved && !m->undecodable) {
                r = note_for_dpo(ctx, &inc, m, ret_why);
                noted = r > 0;
        }
        /* A moved deadline moves the DPO's calendar entry too, while the
         * case still waits for its decision. */
        if (r >= 0 && moved && clock_running(inc.status, inc.ico_decision, inc.ico_reference)) {
                _cleanup_free_ char *reply = decision_reply_address(ctx->cfg, inc.ref, inc.token);
                r = calendar_queue(ctx->store, ctx->cfg, ctx->tz, &inc, CALENDAR_REQUEST, reply, now_utc(), ret_why);
        }
        if (r >= 0) {
                res.ref = xstrdup(inc.ref);
                res.confirmed = res.filled.n || res.changed.n || m->undecodable;
                res.dpo_told = tell_dpo || noted;
                res.asked = noted;
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

/* The reply to whoever sent a second copy of a filed report: only that it
 * is filed already, under which reference.  Rendered, like the "passed to
 * the DPO" reply, from variables that describe no incident but its
 * reference: the sender may not be on the case. */
static int reply_already_filed(const IngestContext *ctx, const Incident *inc, const Message *m, char **ret_why)
{
        return reply_without_case(ctx, inc, m, "followup_copy", "followup-copy", ret_why);
}

int followup_apply_copy(const IngestContext *ctx, int64_t incident_id, const Message *m, int64_t received_at,
                        FollowupResult *ret, char **ret_why)
{
        FollowupResult res = {0};
        Incident inc;
        FormRecord rec;
        StrList was = {0};
        bool moved = false;
        char *orig = NULL;
        incident_init(&inc);
        form_record_init(&rec);
        int r = store_load_incident_by_id(ctx->store, incident_id, &inc);
        if (r < 0)
                goto out;
        /* Whose the forwarded message is: its From:, attached or pasted. */
        FormreadInfo info;
        reading_form(m, ctx->labels, &rec, &info);
        orig = m->orig_from_addr ? xstrdup(m->orig_from_addr)
               : m->fwd_from     ? ingest_pasted_address(m->fwd_from)
               : info.orig_from  ? compose_address_of(info.orig_from) : NULL;
        if (info.free_text)
                drop_free_text(&rec);
        formread_info_free(&info);
        bool reporters = orig && inc.from_addr && !strcasecmp(orig, inc.from_addr);
        if (!reporters) {
                /* Someone else's words about the case: a note to the DPO,
                 * whoever passed them on. */
                r = pass_to_dpo(ctx, &inc, m, false, ret_why);
                res.noted = res.dpo_told = r >= 0;
        } else {
                /* The reporter's own report again: its answers fill what the
                 * first copy left open, as from the reporter; an answer
                 * already given is left as it is (the first copy's, or a
                 * later follow-up's). */
                ValueContext vc = {.tz = ctx->tz, .message_time = m->date ? m->date : received_at,
                                   .directorates = ctx->cfg->directorates,
                                   .n_directorates = ctx->cfg->n_directorates};
                values_interpret(&rec, &vc);
                for (size_t i = 0; i < FIELD__MAX; i++) {
                        const FieldValue *ov = &inc.form.f[i];
                        bool open = ov->state == FV_ABSENT || strlist_contains(&inc.fallbacks, form_fields[i].key) ||
                                    (ov->state == FV_UNCLEAR && rec.f[i].state == FV_OK);
                        if (!open) {
                                free(rec.f[i].text);
                                free(rec.f[i].canon);
                                rec.f[i].text = rec.f[i].canon = NULL;
                        }
                }
                strlist_free(&rec.notes);
                r = merge(ctx->store, &inc, &rec, inc.from_addr, &res, &was);
                if (r >= 0 && res.filled.n)
                        r = store_incident(ctx, &inc, inc.from_addr, &moved);
                if (r >= 0 && moved) {
                        /* A deadline that moved is the DPO's business. */
                        r = queue_mail(ctx, &inc, m, &res, &was, true, false, ret_why);
                        res.dpo_told = r >= 0;
                        if (r >= 0 && clock_running(inc.status, inc.ico_decision, inc.ico_reference)) {
                                _cleanup_free_ char *reply = decision_reply_address(ctx->cfg, inc.ref, inc.token);
                                r = calendar_queue(ctx->store, ctx->cfg, ctx->tz, &inc, CALENDAR_REQUEST, reply,
                                                   now_utc(), ret_why);
                        }
                }
        }
        if (r >= 0)
                r = store_audit(ctx->store, inc.id, m->from_addr, "second copy of the report", NULL, NULL,
                                m->subject);
        if (r >= 0)
                r = reply_already_filed(ctx, &inc, m, ret_why);
        if (r >= 0) {
                res.ref = xstrdup(inc.ref);
                res.copy = true;
                *ret = res;
                memset(&res, 0, sizeof res);
        }
out:
        free(orig);
        incident_free(&inc);
        followup_result_free(&res);
        form_record_free(&rec);
        strlist_free(&was);
        return r;
}
