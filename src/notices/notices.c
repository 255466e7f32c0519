/* notices.c — see notices.h. */
#include "notices/notices.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mail/compose.h"
#include "notices/ratelimit.h"
#include "read/message.h"
#include "read/values.h"

static bool token_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char *notices_hide_tokens(const char *s)
{
        Buf b = {0};
        buf_printf(&b, "%s", "");
        for (const char *p = s ? s : ""; *p; p++) {
                size_t n = 0;
                if (*p == '.' && p > s && token_char(p[-1]))
                        while (token_char(p[1 + n]))
                                n++;
                if (n == 24) {
                        buf_printf(&b, ".(token hidden)");
                        p += n;
                } else
                        buf_printf(&b, "%c", *p);
        }
        return buf_steal(&b);
}

const char *notices_ctl(const Config *cfg, char **owned)
{
        *owned = NULL;
        if (cfg->org && *cfg->org)
                return *owned = xasprintf("breachctl --org %s", cfg->org);
        return cfg->n_orgs > 0 ? "breachctl --org ''" : "breachctl";
}

/* "breachctl [--org KEY ]WHAT". */
static char *ctl_command(const Config *cfg, const char *what)
{
        _cleanup_free_ char *owned = NULL;
        return xasprintf("%s %s", notices_ctl(cfg, &owned), what);
}

char *notices_reprocess_command(const Config *cfg)
{
        return ctl_command(cfg, "reprocess --quarantined");
}

char *notices_format_time(const Tz *tz, int64_t t)
{
        return tz_format(tz, t, "%A %-d %B %Y, %H:%M %Z");
}

char *notices_time_left(int64_t deadline, int64_t now)
{
        int64_t d = deadline - now;
        bool over = d < 0;
        if (over)
                d = -d;
        int64_t days = d / 86400, hours = (d % 86400) / 3600, mins = (d % 3600) / 60;
        Buf b = {0};
        buf_puts(&b, over ? "overdue by " : "");
        if (days)
                buf_printf(&b, "%lld day%s ", (long long)days, days == 1 ? "" : "s");
        if (hours || days)
                buf_printf(&b, "%lld hour%s", (long long)hours, hours == 1 ? "" : "s");
        else
                buf_printf(&b, "%lld minute%s", (long long)mins, mins == 1 ? "" : "s");
        if (!over)
                buf_puts(&b, " left");
        return buf_steal(&b);
}

char *notices_deadline_basis(const Tz *tz, const Incident *inc)
{
        _cleanup_free_ char *t = notices_format_time(tz, inc->aware_at);
        switch (incident_deadline_basis(inc)) {
        case BASIS_AWARE:
                return xasprintf("the 72 hours are counted from when the report says the breach was discovered (%s)",
                                 t);
        case BASIS_AWARE_DAY:
                return xasprintf("the 72 hours are counted from the start of the day the report says the breach "
                                 "was discovered (%s), as it gives no time",
                                 t);
        case BASIS_AWARE_WORDS: {
                const FieldValue *a = &inc->form.f[F_AWARE_AT];
                _cleanup_free_ char *d = a->date_prec == DATE_DAY ? tz_format(tz, inc->aware_at, "%A %-d %B %Y") : NULL;
                return xasprintf("the 72 hours are counted from %s%s, the time read from the report's own words "
                                 "(\"%s\"), as it does not answer when the breach was discovered",
                                 d ? "the start of " : a->approx ? "about " : "", d ? d : t, a->text ? a->text : "");
        }
        case BASIS_OCCURRED:
                return xasprintf("the 72 hours are counted from when the breach happened (%s), because the report "
                                 "does not say when it was discovered",
                                 t);
        case BASIS_OCCURRED_DAY:
                return xasprintf("the 72 hours are counted from the start of the day the breach happened (%s), "
                                 "because the report gives no time and does not say when it was discovered",
                                 t);
        case BASIS_RECEIVED:
                break;
        }
        /* A date of the breach that was not understood, or falls after the
         * report arrived, is no time to count from. */
        if (inc->form.f[F_OCCURRED_AT].text)
                return xasprintf("the 72 hours are counted from when the report arrived (%s), because the date "
                                 "it gives for the breach cannot be used and it does not say when it was discovered",
                                 t);
        return xasprintf("the 72 hours are counted from when the report arrived (%s), because it does not say "
                         "when the breach happened or was discovered",
                         t);
}

char *notices_reading(const Tz *tz, const FieldDef *f, const FieldValue *v)
{
        if (v->state == FV_UNCLEAR)
                return xstrdup("not understood, please check");
        switch (f->type) {
        case FT_DATE:
                if (v->date_prec == DATE_MINUTE) {
                        _cleanup_free_ char *t = notices_format_time(tz, v->when);
                        return xasprintf("read as %s%s", v->approx ? "about " : "", t);
                }
                if (v->date_prec == DATE_DAY) {
                        _cleanup_free_ char *t = tz_format(tz, v->when, "%A %-d %B %Y");
                        return xasprintf("read as %s%s", v->approx ? "about " : "", t);
                }
                return NULL;
        case FT_COUNT: {
                /* "about 30" or "at least 10,000" (value_count_words()),
                 * the words show and the CSV export use too. */
                if (v->count < 0)
                        return NULL;
                _cleanup_free_ char *n = value_count_words(v);
                if (!v->approx && (!v->text || !v->canon || !strcmp(v->canon, v->text) || !strcmp(n, v->text)))
                        return NULL;
                return xasprintf("read as %s", n);
        }
        case FT_TEXT:
                return NULL;
        default:
                if (v->canon && v->text && strcasecmp(v->canon, v->text) != 0)
                        return xasprintf("read as %s", v->canon);
                return NULL;
        }
}

static void indent_value(Buf *b, const char *value)
{
        for (const char *p = value; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                buf_puts(b, "      ");
                buf_append(b, p, n);
                buf_putc(b, '\n');
                p = nl ? nl + 1 : p + n;
        }
}

static char *captured_block(const Tz *tz, const Incident *inc)
{
        Buf b = {0};
        for (size_t i = 0; i < FIELD__MAX; i++) {
                const FieldValue *v = &inc->form.f[i];
                if (!v->text)
                        continue;
                const FieldDef *f = &form_fields[i];
                _cleanup_free_ char *reading = notices_reading(tz, f, v);
                bool fallback = strlist_contains(&inc->fallbacks, f->key);
                /* buf_puts, not buf_printf: this runs for every field of
                 * every report, and formatting twice the cost of copying. */
                buf_puts(&b, "  ");
                buf_puts(&b, f->label);
                if (strchr(v->text, '\n')) {
                        buf_puts(&b, ":\n");
                        indent_value(&b, v->text);
                        if (reading) {
                                buf_puts(&b, "      (");
                                buf_puts(&b, reading);
                                buf_puts(&b, ")\n");
                        }
                } else {
                        buf_puts(&b, ": ");
                        buf_puts(&b, v->text);
                        if (reading) {
                                buf_puts(&b, "  (");
                                buf_puts(&b, reading);
                                buf_putc(&b, ')');
                        }
                        /* Where breachd took it from: the count from who
                         * is affected, who from the count ("30 pupils and
                         * their parents"), the time of discovery from the
                         * report's own words, the name and contact from
                         * the message's From:. */
                        if (fallback)
                                buf_puts(&b, i == F_INDIVIDUALS_COUNT      ? "  (counted from the answer above)"
                                             : i == F_INDIVIDUALS_AFFECTED ? "  (taken from the number affected, below)"
                                             : i == F_AWARE_AT ? "  (read from the report's own words: please check)"
                                                               : "  (taken from the sender's email address)");
                        buf_putc(&b, '\n');
                }
        }
        if (!b.len)
                buf_puts(&b, "  (nothing could be read from the form)\n");
        return buf_steal(&b);
}

static char *label_list(const StrList *keys, bool fill_in)
{
        Buf b = {0};
        for (size_t i = 0; i < keys->n; i++) {
                const FieldDef *f = form_field_by_key(keys->v[i]);
                if (!f)
                        continue;
                buf_puts(&b, fill_in ? "" : "  - ");
                buf_puts(&b, f->label);
                buf_puts(&b, fill_in ? ": \n" : "\n");
        }
        return buf_steal(&b);
}

char *notices_summary(const Incident *inc)
{
        const char *n = inc->form.f[F_NATURE].text;
        if (!n)
                return message_one_line(inc->subject && *inc->subject ? inc->subject : "(no summary given)");
        size_t len = strcspn(n, "\n");
        if (len > 100)
                len = 100;
        _cleanup_free_ char *s = xstrndup(n, len);
        return message_one_line(s);
}

/* The value of a variable that came from a header (a name, an address, a
 * subject) or stands on one line of a mail: one line whatever the register
 * holds (message_one_line()), so that no value can add a line to a body,
 * such as a forged "Bcc:" under "Reported by:".  Reports filed before
 * names were read as one line hold them as they came.  *buf keeps the
 * string until the next call; the caller frees it. */
static const char *one_line(char **buf, const char *value)
{
        free(*buf);
        *buf = message_one_line(value);
        return *buf;
}

/* Each item as an indented "- item" line, one line each. */
static char *item_lines(const StrList *l)
{
        Buf b = {0};
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *t = message_one_line(l->v[i]);
                buf_puts(&b, "  - ");
                buf_puts(&b, t);
                buf_putc(&b, '\n');
        }
        return b.s ? buf_steal(&b) : xstrdup("");
}

char *notices_blank_form(void)
{
        /* The labels are fixed: built once. */
        static char *form;
        if (!form) {
                Buf b = {0};
                for (size_t i = 0; i < FIELD__MAX; i++) {
                        buf_puts(&b, form_fields[i].label);
                        buf_puts(&b, ": \n");
                }
                form = buf_steal(&b);
        }
        return xstrdup(form);
}

void notices_reporter_asked_vars(const Config *cfg, ReporterAsked asked, TemplateVars *v)
{
        if (asked == REPORTER_ASKED) {
                tvars_set(v, "reporter_asked", "the reporter has been asked for it");
        } else if (asked == REPORTER_ACK_WITHHELD) {
                _cleanup_free_ char *t = xasprintf(
                        "the reporter has not been asked for it: the acknowledgement was withheld at the daily cap "
                        "on automatic replies, max_auto_replies_per_day = %u; ask them yourself",
                        cfg->max_auto_replies_per_day);
                tvars_set(v, "reporter_asked", t);
        } else {
                tvars_set(v, "reporter_asked", "the reporter has not been asked for it: no mail went to them");
        }
}

void notices_followup_vars(TemplateVars *v, const char *changes, const char *filled, const char *changed_by)
{
        tvars_set(v, "changes", changes);
        tvars_set(v, "filled", filled);
        /* followup.c sets it when nothing of the follow-up could be decoded */
        tvars_set(v, "followup_unreadable", "");
        _cleanup_free_ char *line = NULL;
        tvars_set(v, "changed_by", one_line(&line, changed_by));
}

void notices_incident_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v)
{
        tvars_set(v, "ref", inc->ref);
        _cleanup_free_ char *what = xasprintf("show %s", inc->ref ? inc->ref : "");
        _cleanup_free_ char *show = ctl_command(cfg, what);
        tvars_set(v, "show_command", show);
        tvars_set(v, "organisation", cfg->organisation);
        const char *name = inc->form.f[F_REPORTER_NAME].text;
        _cleanup_free_ char *line = NULL;
        tvars_set(v, "reporter_name", one_line(&line, name ? name : "colleague"));
        tvars_set(v, "their_subject", one_line(&line, inc->subject && *inc->subject ? inc->subject : "(no subject)"));
        _cleanup_free_ char *from = inc->from_name ? xasprintf("%s <%s>", inc->from_name, inc->from_addr)
                                                   : xstrdup(inc->from_addr ? inc->from_addr : "");
        tvars_set(v, "from", one_line(&line, from));
        tvars_set(v, "forwarded_by", one_line(&line, inc->forwarded_by));
        /* A forward is acknowledged to whoever passed it on (the form's
         * name is someone else's): greet them by their own name, and name
         * the person whose report it is, when that is someone else. */
        tvars_set(v, "forwarded_from", "");
        if (inc->forwarded_by && *inc->forwarded_by) {
                const char *fb = inc->forwarded_by, *lt = strstr(fb, " <");
                _cleanup_free_ char *fname = lt && lt > fb ? xstrndup(fb, (size_t)(lt - fb)) : xstrdup("colleague");
                tvars_set(v, "reporter_name", one_line(&line, fname));
                if (strcasecmp(from, fb) != 0)
                        tvars_set(v, "forwarded_from", one_line(&line, from));
        }
        char *t = notices_format_time(tz, inc->received_at);
        tvars_set(v, "received", t);
        free(t);
        t = notices_format_time(tz, inc->deadline_at);
        tvars_set(v, "deadline", t);
        free(t);
        t = notices_time_left(inc->deadline_at, now);
        tvars_set(v, "time_left", t);
        free(t);
        t = notices_deadline_basis(tz, inc);
        tvars_set(v, "deadline_basis", t);
        free(t);
        tvars_set(v, "deadline_assumed", incident_deadline_assumed(incident_deadline_basis(inc)) ? "yes" : "");
        tvars_set(v, "aware_from_words", incident_deadline_basis(inc) == BASIS_AWARE_WORDS ? "yes" : "");
        tvars_set(v, "late", inc->late ? "yes" : "");
        /* A late report that says why is not asked why again. */
        tvars_set(v, "delay_reason_given", str_empty(inc->form.f[F_DELAY_REASON].text) ? "" : "yes");
        tvars_set(v, "overdue", inc->deadline_at <= now ? "yes" : "");
        t = captured_block(tz, inc);
        tvars_set(v, "captured", t);
        free(t);
        t = label_list(&inc->missing, false);
        tvars_set(v, "missing", t);
        free(t);
        t = label_list(&inc->unclear, false);
        tvars_set(v, "unclear", t);
        free(t);
        StrList both = {0};
        for (size_t i = 0; i < inc->missing.n; i++)
                strlist_add(&both, inc->missing.v[i]);
        for (size_t i = 0; i < inc->unclear.n; i++)
                strlist_add(&both, inc->unclear.v[i]);
        /* An assumed deadline asks for the answer that fixes it. */
        if (incident_deadline_assumed(incident_deadline_basis(inc)) &&
            !strlist_contains(&both, form_fields[F_AWARE_AT].key))
                strlist_add(&both, form_fields[F_AWARE_AT].key);
        t = label_list(&both, true);
        tvars_set(v, "fill_in", t);
        free(t);
        strlist_free(&both);
        Buf notes = {0};
        for (size_t i = 0; i < inc->form.notes.n; i++) {
                buf_puts(&notes, "  - ");
                buf_puts(&notes, inc->form.notes.v[i]);
                buf_putc(&notes, '\n');
        }
        tvars_set(v, "notes", notes.s ? notes.s : "");
        buf_free(&notes);
        t = item_lines(&inc->form.unreadable);
        tvars_set(v, "unreadable", t);
        free(t);
        /* Nothing of the message could be decoded (message.h): the first
         * line of what could not be read says so, in the register too. */
        bool undecodable = inc->form.unreadable.n && !strcmp(inc->form.unreadable.v[0], MESSAGE_UNDECODABLE);
        tvars_set(v, "unreadable_message", undecodable ? "yes" : "");
        t = notices_summary(inc);
        tvars_set(v, "summary", t);
        /* A subject is shown on lock screens and in notifications, to
         * whoever is near the phone: by default it carries no free text
         * (the nature may name a child), only the chosen directorate and
         * type of breach; subject_summary restores the summary. */
        if (!cfg->subject_summary) {
                free(t);
                const FieldValue *d = &inc->form.f[F_DIRECTORATE], *bt = &inc->form.f[F_BREACH_TYPE];
                t = xasprintf("%s, %s", d->canon ? d->canon : d->text ? "directorate unclear" : "directorate not given",
                              bt->canon ? bt->canon : bt->text ? "type of breach unclear" : "type of breach not given");
        }
        tvars_set(v, "subject_summary", t);
        free(t);
        /* Whether the reporter was asked for what is missing: newcase.c
         * says otherwise when the daily cap held the acknowledgement back,
         * and a reminder says what the register shows
         * (notices_reporter_asked_vars()). */
        notices_reporter_asked_vars(cfg, REPORTER_ASKED, v);
        tvars_set(v, "ack_withheld", "");
        t = notices_blank_form();
        tvars_set(v, "blank_form", t);
        free(t);
}

/* A reply to one sender counts against that address's daily cap
 * (ratelimit.h): 1 when it may go, 0 when it is held back (the incident's
 * history says so). */
static int reply_admitted(Store *s, const Config *cfg, const NoticeMail *n)
{
        if (!n->auto_submitted || strcmp(n->auto_submitted, "auto-replied") != 0 || n->to->n != 1)
                return 1;
        _cleanup_free_ char *addr = compose_address_of(n->to->v[0]);
        if (!addr)
                return 1;
        return ratelimit_admit(s, cfg, addr, n->kind, n->answering ? n->answering->key : NULL, n->incident_id,
                               now_utc());
}

int notices_render(const Config *cfg, const NoticeMail *n, const TemplateVars *v, RenderedMail *ret, char **ret_why)
{
        Rendered out = {0};
        int r = template_render_file(cfg->templates_dir, n->template_name, v, &out, ret_why);
        if (r < 0)
                return r;
        StrList refs = {0};
        const Message *m = n->answering;
        for (size_t i = 0; m && i < m->references.n; i++)
                strlist_add(&refs, m->references.v[i]);
        if (m && m->message_id)
                strlist_add(&refs, m->message_id);
        OutMessage o = {
                .from = cfg->smtp.from,
                .to = n->to,
                .reply_to = n->reply_to,
                .subject = out.subject,
                .body = out.body,
                .in_reply_to = m ? m->message_id : NULL,
                .references = &refs,
                .loop_ref = n->loop_ref,
                .auto_submitted = n->auto_submitted,
        };
        RenderedMail rm = {0};
        r = compose_message(&o, &rm.data, &rm.len, &rm.message_id);
        for (size_t i = 0; r >= 0 && i < n->to->n; i++) {
                char *a = compose_address_of(n->to->v[i]);
                if (a)
                        strlist_take(&rm.rcpts, a);
        }
        if (r >= 0 && !rm.rcpts.n)
                r = -EINVAL;
        if (r < 0) {
                *ret_why = xasprintf("cannot write the %s: %s", n->kind, strerror(-r));
                rendered_mail_free(&rm);
        } else {
                rm.subject = out.subject;
                out.subject = NULL;
                *ret = rm;
        }
        strlist_free(&refs);
        rendered_free(&out);
        return r;
}

void rendered_mail_free(RenderedMail *m)
{
        free(m->data);
        free(m->message_id);
        free(m->subject);
        strlist_free(&m->rcpts);
        memset(m, 0, sizeof *m);
}

int notices_queue_template(Store *s, const Config *cfg, const NoticeMail *n, const TemplateVars *v, char **ret_why)
{
        if (n->ret_queued)
                *n->ret_queued = false;
        int r = reply_admitted(s, cfg, n);
        if (r <= 0) {
                if (r < 0)
                        *ret_why = xasprintf("cannot count the replies to %s: %s", n->to->v[0], strerror(-r));
                return r;
        }
        RenderedMail rm = {0};
        r = notices_render(cfg, n, v, &rm, ret_why);
        if (r < 0)
                return r;
        r = store_queue_mail(s, n->incident_id, n->kind, cfg->smtp.envelope_from, &rm.rcpts, rm.message_id,
                             rm.subject, rm.data, rm.len, NULL);
        if (r < 0)
                *ret_why = xasprintf("cannot queue the %s: %s", n->kind, strerror(-r));
        else if (n->ret_queued)
                *n->ret_queued = true;
        rendered_mail_free(&rm);
        return r;
}
