/* ctl_show.c — breachctl show: one incident as the register holds it, with
 * its case work, follow-ups, mail and history. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/ctl_case.h"
#include "ctl/output.h"
#include "notices/notices.h"
#include "register/store_register.h"

/* One mail of the incident: to whom, its state and when, and why it last
 * failed if it did. */
static int mail_row(const OutboxListed *m, void *userdata)
{
        Ctl *c = userdata;
        _cleanup_free_ char *rcpts = xstrdup(m->rcpts);
        for (char *p = rcpts; *p; p++)
                if (*p == '\n')
                        *p = ',';
        _cleanup_free_ char *t = tz_format(c->tz, m->at, "%Y-%m-%d %H:%M");
        fprintf(c->out, "  %-11s to %s: %s %s", m->kind, rcpts, m->state, t);
        if (m->last_error)
                fprintf(c->out, " (%d attempt%s, last error: %s)", m->attempts, m->attempts == 1 ? "" : "s",
                        m->last_error);
        fputc('\n', c->out);
        return 0;
}

/* A register that cannot be read leaves the list short, as before: show
 * is for reading, and the rest of the incident is still worth printing. */
static void show_mail(Ctl *c, int64_t id)
{
        fprintf(c->out, "\nMail:\n");
        (void)store_outbox_list(c->store, id, mail_row, c);
}

typedef struct {
        Ctl *c;
        bool any;
} AuditState;

/* One entry of the history, under a title printed with the first. */
static int audit_row(const AuditEntry *e, void *userdata)
{
        AuditState *as = userdata;
        FILE *o = as->c->out;
        if (!as->any)
                fprintf(o, "\nHistory:\n");
        as->any = true;
        _cleanup_free_ char *t = tz_format(as->c->tz, e->at, "%Y-%m-%d %H:%M");
        fprintf(o, "  %s  %s  %s", t, e->actor, e->action);
        if (e->field)
                fprintf(o, " %s", e->field);
        if (e->old_value)
                fprintf(o, " from \"%s\"", e->old_value);
        if (e->new_value)
                fprintf(o, ": %s", e->new_value);
        fputc('\n', o);
        return 0;
}

static void show_audit(Ctl *c, int64_t id)
{
        AuditState as = {.c = c};
        (void)store_audit_list(c->store, id, audit_row, &as);
}

/* The later messages about the incident; what they changed is in the
 * history (show_audit). */
static void show_followups(Ctl *c, int64_t id)
{
        StoredFollowup *f = NULL;
        size_t n = 0;
        if (store_followups(c->store, id, &f, &n) < 0 || n == 0)
                return;
        fprintf(c->out, "\nFollow-ups:\n");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *t = tz_format(c->tz, f[i].received_at, "%Y-%m-%d %H:%M");
                _cleanup_free_ char *from = output_line(f[i].from_addr ? f[i].from_addr : "?"),
                                    *subject = output_line(f[i].subject);
                fprintf(c->out, "  %s  %s  %s\n", t, from, subject);
        }
        stored_followups_free(f, n);
}

static void show_list(Ctl *c, const char *title, const StrList *keys)
{
        if (!keys->n)
                return;
        fprintf(c->out, "\n%s:\n", title);
        for (size_t i = 0; i < keys->n; i++) {
                const FieldDef *f = form_field_by_key(keys->v[i]);
                fprintf(c->out, "  - %s (%s)\n", f ? f->label : keys->v[i], keys->v[i]);
        }
}

int ctl_show(Ctl *c, int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: breachctl show REF\n");
                return -EINVAL;
        }
        Incident inc;
        int r = ctl_load_incident(c, argv[1], &inc);
        if (r < 0)
                return r;
        TemplateVars v = {0};
        notices_incident_vars(c->cfg, c->tz, &inc, now_utc(), &v);
        /* The clock only runs for a mail-filed case awaiting its decision:
         * an imported, decided or closed one has no time left to show. */
        RegisterExtra x;
        register_extra_init(&x);
        store_register_load(c->store, inc.id, &x);
        if (strcmp(inc.status, "closed") == 0 || strcmp(inc.ico_decision, "pending") != 0 ||
            (x.source && strcmp(x.source, "import") == 0))
                tvars_set(&v, "time_left", "");
        register_extra_free(&x);
        FILE *o = c->out;
        fprintf(o, "Reference:      %s\n", inc.ref);
        fprintf(o, "Status:         %s, ICO decision %s\n", inc.status, inc.ico_decision);
        for (size_t i = 0; i < v.names.n; i++) {
                static const struct { const char *var, *title; } rows[] = {
                        {"from", "From:           "}, {"forwarded_by", "Passed on by:   "},
                        {"received", "Received:       "}, {"deadline", "ICO deadline:   "},
                        {"time_left", "Time left:      "},
                };
                for (size_t k = 0; k < ARRAY_SIZE(rows); k++)
                        if (!strcmp(v.names.v[i], rows[k].var) && *v.values.v[i])
                                fprintf(o, "%s%s\n", rows[k].title, v.values.v[i]);
        }
        /* What the deadline counts from, and whether that is assumed. */
        for (size_t i = 0; i < v.names.n; i++)
                if (!strcmp(v.names.v[i], "deadline_basis"))
                        fprintf(o, "Deadline basis: %s%s\n",
                                incident_deadline_assumed(incident_deadline_basis(&inc)) ? "assumed: " : "",
                                v.values.v[i]);
        /* One line each, whatever a register filed before names and
         * subjects were read as one line holds. */
        _cleanup_free_ char *subject = output_line(inc.subject),
                            *mid = output_line(inc.message_id ? inc.message_id : "(none)");
        fprintf(o, "Subject:        %s\n", subject);
        fprintf(o, "Message-ID:     %s\n", mid);
        if (inc.within_72h >= 0)
                fprintf(o, "Reported within 72 h: %s\n", inc.within_72h ? "yes" : "no (late)");
        for (size_t i = 0; i < v.names.n; i++)
                if (!strcmp(v.names.v[i], "captured"))
                        fprintf(o, "\nReport:\n%s", v.values.v[i]);
        show_list(c, "Missing", &inc.missing);
        show_list(c, "Unclear", &inc.unclear);
        if (inc.form.notes.n) {
                fprintf(o, "\nNotes:\n");
                for (size_t i = 0; i < inc.form.notes.n; i++)
                        fprintf(o, "  - %s\n", inc.form.notes.v[i]);
        }
        if (inc.form.unreadable.n) {
                fprintf(o, "\nCould not be read:\n");
                for (size_t i = 0; i < inc.form.unreadable.n; i++) {
                        _cleanup_free_ char *u = output_line(inc.form.unreadable.v[i]);
                        fprintf(o, "  - %s\n", u);
                }
        }
        ctl_show_case(c, inc.id);
        show_followups(c, inc.id);
        show_mail(c, inc.id);
        show_audit(c, inc.id);
        tvars_free(&v);
        incident_free(&inc);
        return 0;
}
