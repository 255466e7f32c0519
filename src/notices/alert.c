/* alert.c — see alert.h. */
#include "notices/alert.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "notices/notices.h"

char *alert_format_size(uint64_t bytes)
{
        if (bytes >= 1024 * 1024)
                return xasprintf("%.1f MiB", (double)bytes / (1024.0 * 1024.0));
        if (bytes >= 1024)
                return xasprintf("%llu KiB", (unsigned long long)(bytes / 1024));
        return xasprintf("%llu bytes", (unsigned long long)bytes);
}

int alert_delivery_failed(Store *s, const Config *cfg, const Tz *tz, const Incident *inc, const char *rcpt,
                          const char *failure, char **ret_why)
{
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, inc, now_utc(), &v);
        tvars_set(&v, "failed_recipient", rcpt);
        tvars_set(&v, "failure", failure);
        NoticeMail n = {
                .incident_id = inc->id,
                .loop_ref = inc->ref,
                .kind = "delivery_failed",
                .template_name = "delivery-failed",
                .to = &cfg->dpo,
                .auto_submitted = "auto-generated",
        };
        int r = notices_queue_template(s, cfg, &n, &v, ret_why);
        tvars_free(&v);
        return r;
}

/* "3 hours 5 minutes", "40 seconds". */
static char *duration(int64_t secs)
{
        if (secs < 0)
                secs = 0;
        int64_t h = secs / 3600, m = (secs % 3600) / 60;
        if (h)
                return xasprintf("%lld hour%s %lld minute%s", (long long)h, h == 1 ? "" : "s", (long long)m,
                                 m == 1 ? "" : "s");
        if (m)
                return xasprintf("%lld minute%s", (long long)m, m == 1 ? "" : "s");
        return xasprintf("%lld second%s", (long long)secs, secs == 1 ? "" : "s");
}

static void outage_vars(const Config *cfg, const Tz *tz, const MailboxOutage *o, TemplateVars *v)
{
        tvars_set(v, "organisation", cfg->organisation);
        tvars_set(v, "mailbox_host", cfg->mailbox.host);
        tvars_set(v, "mailbox_user", cfg->mailbox.user);
        tvars_set(v, "mailbox_folder", cfg->mailbox.folder);
        char *t = xasprintf("%u", o->failures);
        tvars_set(v, "failures", t);
        free(t);
        t = notices_format_time(tz, o->since);
        tvars_set(v, "down_since", t);
        free(t);
        t = duration(o->now - o->since);
        tvars_set(v, "down_for", t);
        free(t);
        tvars_set(v, "last_error", o->last_error ? o->last_error : "(none recorded)");
}

static int queue_admin(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, const char *kind,
                       const char *template_name, char **ret_why)
{
        if (!cfg->admin)
                return 0;
        TemplateVars v = {0};
        outage_vars(cfg, tz, o, &v);
        StrList to = {0};
        strlist_add(&to, cfg->admin);
        NoticeMail n = {
                .loop_ref = "breachd",
                .kind = kind,
                .template_name = template_name,
                .to = &to,
                .auto_submitted = "auto-generated",
        };
        int r = notices_queue_template(s, cfg, &n, &v, ret_why);
        strlist_free(&to);
        tvars_free(&v);
        return r < 0 ? r : 1;
}

int alert_mailbox_down(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why)
{
        return queue_admin(s, cfg, tz, o, "admin_alert", "mailbox-down", ret_why);
}

int alert_mailbox_up(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why)
{
        return queue_admin(s, cfg, tz, o, "admin_recovered", "mailbox-up", ret_why);
}

static void register_vars(const Config *cfg, const Tz *tz, const MailboxOutage *o, TemplateVars *v)
{
        outage_vars(cfg, tz, o, v);
        tvars_set(v, "register_path", cfg->database);
        char host[256] = "this server";
        if (gethostname(host, sizeof host) < 0)
                snprintf(host, sizeof host, "this server");
        host[sizeof host - 1] = 0;
        tvars_set(v, "host", host);
}

/* The register-down mail is rendered for sending at once (s NULL, *ret
 * set); the register-up one queued in s like any other. */
static int register_mail(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, bool down,
                         RenderedMail *ret, char **ret_why)
{
        if (!cfg->admin)
                return 0;
        TemplateVars v = {0};
        register_vars(cfg, tz, o, &v);
        StrList to = {0};
        strlist_add(&to, cfg->admin);
        NoticeMail n = {
                .loop_ref = "breachd",
                .kind = down ? "admin_register_alert" : "admin_register_recovered",
                .template_name = down ? "register-down" : "register-up",
                .to = &to,
                .auto_submitted = "auto-generated",
        };
        int r = down ? notices_render(cfg, &n, &v, ret, ret_why) : notices_queue_template(s, cfg, &n, &v, ret_why);
        strlist_free(&to);
        tvars_free(&v);
        return r < 0 ? r : 1;
}

int alert_register_down(const Config *cfg, const Tz *tz, const MailboxOutage *o, RenderedMail *ret, char **ret_why)
{
        return register_mail(NULL, cfg, tz, o, true, ret, ret_why);
}

int alert_register_up(Store *s, const Config *cfg, const Tz *tz, const MailboxOutage *o, char **ret_why)
{
        return register_mail(s, cfg, tz, o, false, NULL, ret_why);
}

static void too_large_vars(const Config *cfg, const char *subject, uint64_t size, TemplateVars *v)
{
        tvars_set(v, "organisation", cfg->organisation);
        tvars_set(v, "their_subject", subject && *subject ? subject : "(no subject)");
        char *t = alert_format_size(size);
        tvars_set(v, "size", t);
        free(t);
        t = alert_format_size(cfg->max_message_size);
        tvars_set(v, "max_size", t);
        free(t);
}

int alert_too_large(Store *s, const Config *cfg, const Message *m, const char *rcpt, uint64_t size,
                    char **ret_why)
{
        TemplateVars v = {0};
        too_large_vars(cfg, m->subject, size, &v);
        StrList to = {0};
        strlist_add(&to, rcpt);
        NoticeMail n = {
                .loop_ref = "breachd",
                .kind = "too_large",
                .template_name = "too-large",
                .to = &to,
                .answering = m,
                .reply_to = cfg->smtp.reply_to,
                .auto_submitted = "auto-replied",
        };
        int r = notices_queue_template(s, cfg, &n, &v, ret_why);
        strlist_free(&to);
        tvars_free(&v);
        return r;
}

int alert_quarantine_digest(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why)
{
        if (!cfg->admin)
                return 0;
        /* Two hosts on one PostgreSQL: the second waits for the first's
         * commit and then finds nothing new (store_serialise()). */
        int r = store_serialise(s, "quarantine_digest");
        if (r < 0) {
                *ret_why = xasprintf("cannot wait for another host's quarantine digest: %s", strerror(-r));
                return r;
        }
        int64_t last = 0;
        r = store_quarantine_last_digest(s, &last);
        if (r < 0) {
                *ret_why = xasprintf("cannot read when the last quarantine digest went: %s", strerror(-r));
                return r;
        }
        if (last && now < last + ALERT_DIGEST_INTERVAL)
                return 0;
        QuarantinedMessage *q = NULL;
        size_t n = 0;
        r = store_quarantine_unreported(s, &q, &n);
        if (r < 0) {
                *ret_why = xasprintf("cannot read the quarantined messages: %s", strerror(-r));
                return r;
        }
        if (!n) {
                free(q);
                return 0;
        }
        /* Every value from a header is made one line: a subject cannot add
         * a line of its own to the admin's mail. */
        Buf b = {0};
        _cleanup_free_ char *again = notices_reprocess_command(cfg);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *from = message_one_line(q[i].from ? q[i].from : "(no sender)"),
                                    *line = message_one_line(q[i].subject && *q[i].subject ? q[i].subject
                                                                                          : "(no subject)"),
                                    *subject = notices_hide_tokens(line),
                                    *reason = message_one_line(q[i].reason ? q[i].reason : "(no reason recorded)"),
                                    *when = notices_format_time(tz, q[i].seen_at);
                buf_printf(&b, "  From:      %s\n  Subject:   %s\n  Reason:    %s\n  Received:  %s\n"
                               "  Reprocess: %s\n\n",
                           from, subject, reason, when, again);
        }
        TemplateVars v = {0};
        tvars_set(&v, "organisation", cfg->organisation);
        tvars_set(&v, "quarantine_folder", cfg->mailbox.quarantine_folder);
        tvars_set(&v, "mailbox_user", cfg->mailbox.user);
        char *t = xasprintf("%zu", n);
        tvars_set(&v, "quarantined_count", t);
        free(t);
        tvars_set(&v, "quarantined", b.s);
        buf_free(&b);
        StrList to = {0};
        strlist_add(&to, cfg->admin);
        NoticeMail nm = {
                .loop_ref = "breachd",
                .kind = "quarantine_digest",
                .template_name = "quarantine-digest",
                .to = &to,
                .auto_submitted = "auto-generated",
        };
        r = notices_queue_template(s, cfg, &nm, &v, ret_why);
        if (r >= 0) {
                r = store_quarantine_mark_reported(s, q[n - 1].id, now);
                if (r < 0)
                        *ret_why = xasprintf("cannot mark the quarantined messages as told: %s", strerror(-r));
        }
        strlist_free(&to);
        tvars_free(&v);
        quarantined_messages_free(q, n);
        return r < 0 ? r : 1;
}

void alert_sample_vars(TemplateVars *v)
{
        tvars_set(v, "quarantine_folder", "Quarantine");
        tvars_set(v, "quarantined_count", "1");
        tvars_set(v, "quarantined", "  From:      someone@example.org\n  Subject:   Out of office\n"
                                    "  Reason:    automatic mail (Auto-Submitted: auto-replied)\n"
                                    "  Received:  Monday 9 March 2026, 14:05 GMT\n"
                                    "  Reprocess: breachctl reprocess --quarantined\n\n");
        tvars_set(v, "failed_recipient", "someone@example.org");
        tvars_set(v, "failure", "5.1.1 <someone@example.org>: Recipient address rejected: User unknown");
        tvars_set(v, "mailbox_host", "imap.example.org");
        tvars_set(v, "mailbox_user", "breach@example.org");
        tvars_set(v, "mailbox_folder", "INBOX");
        tvars_set(v, "failures", "5");
        tvars_set(v, "down_since", "Monday 9 March 2026, 14:05 GMT");
        tvars_set(v, "down_for", "1 hour 5 minutes");
        tvars_set(v, "last_error", "cannot connect to IMAP server imap.example.org:993: Connection refused");
        tvars_set(v, "register_path", "/var/lib/breachd/register.db");
        tvars_set(v, "host", "breachd.example.org");
        tvars_set(v, "size", "31.2 MiB");
        tvars_set(v, "max_size", "25.0 MiB");
}
