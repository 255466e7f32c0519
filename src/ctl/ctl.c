/* ctl.c — see ctl.h. */
#include "ctl/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <string.h>

#include "ctl/ctl_case.h"
#include "ctl/ctl_register.h"
#include "notices/notices.h"
#include "register/store_register.h"

void json_string(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                switch (*p) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        }
        fputc('"', f);
}

void csv_field(FILE *f, const char *s)
{
        if (!s)
                return;
        /* A leading = + - @ would make a spreadsheet run a formula. */
        bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
        if (!formula && !strpbrk(s, ",\"\r\n")) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        if (formula)
                fputc('\'', f);
        for (const char *p = s; *p; p++) {
                if (*p == '"')
                        fputc('"', f);
                fputc(*p, f);
        }
        fputc('"', f);
}

/* ---- list ---------------------------------------------------------------- */

/* At most max_chars characters of s on one line, "…" marking a cut. */
static char *one_line(const char *s, size_t max_chars)
{
        Buf b = {0};
        size_t chars = 0;
        for (const char *p = s ? s : ""; *p; p++) {
                if (((unsigned char)*p & 0xc0) != 0x80 && ++chars > max_chars) {
                        buf_puts(&b, "\u2026");
                        break;
                }
                buf_putc(&b, *p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p);
        }
        return buf_steal(&b);
}

int ctl_list(Ctl *c, int argc, char **argv)
{
        RegisterFilter f;
        int r = ctl_list_options(c, argc, argv, &f);
        if (r < 0)
                return r;
        sqlite3_stmt *st = NULL;
        if (store_register_select(c->store, &f,
                                  "ref, received_at, COALESCE(directorate_canon, directorate, ''), "
                                  "COALESCE(nature, subject, ''), deadline_at, status, ico_decision",
                                  &st) < 0) {
                fprintf(stderr, "breachctl: %s\n", store_errmsg(c->store));
                return -EIO;
        }
        fprintf(c->out, "%-12s  %-16s  %-24s  %-40s  %-16s  %s\n", "REF", "RECEIVED", "DIRECTORATE", "SUMMARY",
                "DEADLINE", "STATUS");
        int n = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
                _cleanup_free_ char *recv = tz_format(c->tz, sqlite3_column_int64(st, 1), "%Y-%m-%d %H:%M");
                _cleanup_free_ char *dl = tz_format(c->tz, sqlite3_column_int64(st, 4), "%Y-%m-%d %H:%M");
                _cleanup_free_ char *dir = one_line((const char *)sqlite3_column_text(st, 2), 23);
                _cleanup_free_ char *sum = one_line((const char *)sqlite3_column_text(st, 3), 39);
                const char *status = (const char *)sqlite3_column_text(st, 5);
                const char *decision = (const char *)sqlite3_column_text(st, 6);
                fprintf(c->out, "%-12s  %-16s  %-24s  %-40s  %-16s  %s (%s)\n", sqlite3_column_text(st, 0), recv,
                        dir, sum, dl, status, decision);
                n++;
        }
        sqlite3_finalize(st);
        fprintf(c->out, "%d incident%s\n", n, n == 1 ? "" : "s");
        return 0;
}

/* ---- show ---------------------------------------------------------------- */

static void show_mail(Ctl *c, int64_t id)
{
        static const char sql[] = "SELECT kind, rcpts, state, attempts, last_error, created_at, sent_at, subject "
                                  "FROM outbox WHERE incident_id = ? ORDER BY id";
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(c->store), sql, -1, &st, NULL) != SQLITE_OK)
                return;
        sqlite3_bind_int64(st, 1, id);
        fprintf(c->out, "\nMail:\n");
        while (sqlite3_step(st) == SQLITE_ROW) {
                _cleanup_free_ char *rcpts = xstrdup((const char *)sqlite3_column_text(st, 1));
                for (char *p = rcpts; *p; p++)
                        if (*p == '\n')
                                *p = ',';
                const char *state = (const char *)sqlite3_column_text(st, 2);
                int64_t when = sqlite3_column_type(st, 6) == SQLITE_NULL ? sqlite3_column_int64(st, 5)
                                                                        : sqlite3_column_int64(st, 6);
                _cleanup_free_ char *t = tz_format(c->tz, when, "%Y-%m-%d %H:%M");
                fprintf(c->out, "  %-11s to %s: %s %s", sqlite3_column_text(st, 0), rcpts, state, t);
                if (sqlite3_column_type(st, 4) != SQLITE_NULL)
                        fprintf(c->out, " (%d attempt%s, last error: %s)", sqlite3_column_int(st, 3),
                                sqlite3_column_int(st, 3) == 1 ? "" : "s", sqlite3_column_text(st, 4));
                fputc('\n', c->out);
        }
        sqlite3_finalize(st);
}

static void show_audit(Ctl *c, int64_t id)
{
        static const char sql[] = "SELECT at, actor, action, field, old_value, new_value FROM audit "
                                  "WHERE incident_id = ? ORDER BY id";
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(c->store), sql, -1, &st, NULL) != SQLITE_OK)
                return;
        sqlite3_bind_int64(st, 1, id);
        bool any = false;
        while (sqlite3_step(st) == SQLITE_ROW) {
                if (!any)
                        fprintf(c->out, "\nHistory:\n");
                any = true;
                _cleanup_free_ char *t = tz_format(c->tz, sqlite3_column_int64(st, 0), "%Y-%m-%d %H:%M");
                fprintf(c->out, "  %s  %s  %s", t, sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
                if (sqlite3_column_type(st, 3) != SQLITE_NULL)
                        fprintf(c->out, " %s", sqlite3_column_text(st, 3));
                if (sqlite3_column_type(st, 4) != SQLITE_NULL)
                        fprintf(c->out, " from \"%s\"", sqlite3_column_text(st, 4));
                if (sqlite3_column_type(st, 5) != SQLITE_NULL)
                        fprintf(c->out, ": %s", sqlite3_column_text(st, 5));
                fputc('\n', c->out);
        }
        sqlite3_finalize(st);
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
                fprintf(c->out, "  %s  %s  %s\n", t, f[i].from_addr ? f[i].from_addr : "?",
                        f[i].subject ? f[i].subject : "");
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
        int r = store_load_incident(c->store, argv[1], &inc);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", argv[1], r == -ENOENT ? "no such incident" : strerror(-r));
                return r;
        }
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
        fprintf(o, "Subject:        %s\n", inc.subject ? inc.subject : "");
        fprintf(o, "Message-ID:     %s\n", inc.message_id ? inc.message_id : "(none)");
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
        ctl_show_case(c, inc.id);
        show_followups(c, inc.id);
        show_mail(c, inc.id);
        show_audit(c, inc.id);
        tvars_free(&v);
        incident_free(&inc);
        return 0;
}

/* ---- export -------------------------------------------------------------- */

/* Register keys exported besides the form fields (breach-form.md §2, §3). */
static const char *const meta_keys[] = {"ref", "received_at", "filed_at", "deadline_at", "reported_within_72h",
                                        "days_to_report", "message_id", "from", "subject", "forwarded_by",
                                        "missing", "unclear", "status", "ico_decision", "ico_reference",
                                        "outcome", "allocated_to", "closed_at", "source"};

/* One incident as (key, value) pairs in export order; values owned. */
static void export_values(Ctl *c, const char *ref, StrList *keys, StrList *vals)
{
        Incident inc;
        if (store_load_incident(c->store, ref, &inc) < 0)
                return;
        char t[32];
        const char *meta[ARRAY_SIZE(meta_keys)] = {0};
        char *owned[ARRAY_SIZE(meta_keys)] = {0};
        size_t i = 0;
        meta[i++] = inc.ref;
        fmt_iso_utc(inc.received_at, t);
        meta[i++] = owned[1] = xstrdup(t);
        fmt_iso_utc(inc.filed_at, t);
        meta[i++] = owned[2] = xstrdup(t);
        fmt_iso_utc(inc.deadline_at, t);
        meta[i++] = owned[3] = xstrdup(t);
        meta[i++] = inc.within_72h < 0 ? NULL : inc.within_72h ? "yes" : "no";
        meta[i++] = owned[5] = inc.days_to_report < 0 ? NULL : xasprintf("%d", inc.days_to_report);
        meta[i++] = inc.message_id;
        meta[i++] = inc.from_addr;
        meta[i++] = inc.subject;
        meta[i++] = inc.forwarded_by;
        meta[i++] = owned[10] = strlist_join(&inc.missing, ",");
        meta[i++] = owned[11] = strlist_join(&inc.unclear, ",");
        meta[i++] = inc.status;
        meta[i++] = inc.ico_decision;
        meta[i++] = inc.ico_reference;
        meta[i++] = inc.outcome;
        meta[i++] = inc.allocated_to;
        if (inc.closed_at) {
                fmt_iso_utc(inc.closed_at, t);
                meta[i] = owned[17] = xstrdup(t);
        }
        /* "mail" (filed by breachd) or "import" (from an older log). */
        RegisterExtra x;
        if (store_register_load(c->store, inc.id, &x) >= 0) {
                meta[18] = owned[18] = x.source;
                x.source = NULL;
                register_extra_free(&x);
        }
        for (size_t k = 0; k < ARRAY_SIZE(meta_keys); k++) {
                strlist_add(keys, meta_keys[k]);
                strlist_take(vals, meta[k] ? xstrdup(meta[k]) : NULL);
        }
        for (size_t k = 0; k < FIELD__MAX; k++) {
                const FieldValue *fv = &inc.form.f[k];
                strlist_add(keys, form_fields[k].key);
                const char *val = fv->state == FV_OK && fv->canon ? fv->canon : fv->text;
                strlist_take(vals, val ? xstrdup(val) : NULL);
        }
        for (size_t k = 0; k < ARRAY_SIZE(owned); k++)
                free(owned[k]);
        incident_free(&inc);
}

/* The options of export: *ret_bom is 1 for --bom, 0 for --no-bom, -1 for
 * neither.  "--format log-csv" and "log-json" are short for --columns log. */
static int export_options(Ctl *c, int argc, char **argv, bool *ret_csv, bool *ret_log, int *ret_bom,
                          RegisterFilter *ret_filter)
{
        static const struct option opts[] = {
                {"format", required_argument, NULL, 'f'}, {"columns", required_argument, NULL, 'C'},
                {"from", required_argument, NULL, 'F'},   {"to", required_argument, NULL, 'T'},
                {"bom", no_argument, NULL, 'B'},          {"no-bom", no_argument, NULL, 'N'},
                {NULL, 0, NULL, 0},
        };
        const char *format = "json", *columns = "register", *from = NULL, *to = NULL;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
                switch (ch) {
                case 'f': format = optarg; break;
                case 'C': columns = optarg; break;
                case 'F': from = optarg; break;
                case 'T': to = optarg; break;
                case 'B': *ret_bom = 1; break;
                case 'N': *ret_bom = 0; break;
                default:
                        fprintf(stderr, "usage: breachctl export [--format json|csv|log-csv|log-json] "
                                        "[--columns register|log] [--from DATE] [--to DATE] [--bom|--no-bom]\n");
                        return -EINVAL;
                }
        }
        if (str_startswith(format, "log-")) {
                columns = "log";
                format += 4;
        }
        *ret_csv = strcmp(format, "csv") == 0;
        if (!*ret_csv && strcmp(format, "json") != 0) {
                fprintf(stderr, "breachctl: unknown export format '%s' (json, csv, log-csv or log-json)\n", format);
                return -EINVAL;
        }
        *ret_log = strcmp(columns, "log") == 0;
        if (!*ret_log && strcmp(columns, "register") != 0) {
                fprintf(stderr, "breachctl: unknown export columns '%s' (register or log)\n", columns);
                return -EINVAL;
        }
        return ctl_period(c, from, to, ret_filter);
}

int ctl_export(Ctl *c, int argc, char **argv)
{
        bool csv, as_log;
        int bom = -1;
        RegisterFilter f = {0};
        int r = export_options(c, argc, argv, &csv, &as_log, &bom, &f);
        if (r < 0)
                return r;
        /* The breach log is for a spreadsheet: a byte order mark unless
         * --no-bom.  The register's own columns are for programs: none
         * unless --bom. */
        if (as_log)
                return ctl_export_log(c, &f, !csv, bom != 0);
        sqlite3_stmt *st = NULL;
        if (store_register_select(c->store, &f, "ref", &st) < 0)
                return -EIO;
        bool first = true;
        if (!csv)
                fputs("[", c->out);
        while (sqlite3_step(st) == SQLITE_ROW) {
                StrList keys = {0}, vals = {0};
                export_values(c, (const char *)sqlite3_column_text(st, 0), &keys, &vals);
                if (csv && first) {
                        if (bom > 0)
                                fputs("\xEF\xBB\xBF", c->out);
                        for (size_t k = 0; k < keys.n; k++) {
                                if (k)
                                        fputc(',', c->out);
                                csv_field(c->out, keys.v[k]);
                        }
                        fputs("\r\n", c->out);
                }
                if (!csv)
                        fputs(first ? "\n  {" : ",\n  {", c->out);
                for (size_t k = 0; k < keys.n; k++) {
                        if (csv) {
                                if (k)
                                        fputc(',', c->out);
                                csv_field(c->out, vals.v[k]);
                                continue;
                        }
                        fputs(k ? ", " : "", c->out);
                        json_string(c->out, keys.v[k]);
                        fputs(": ", c->out);
                        if (!strcmp(keys.v[k], "missing") || !strcmp(keys.v[k], "unclear")) {
                                fputc('[', c->out);
                                StrList parts = {0};
                                _cleanup_free_ char *copy = xstrdup(vals.v[k] ? vals.v[k] : "");
                                char *save = NULL;
                                for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
                                        strlist_add(&parts, p);
                                for (size_t q = 0; q < parts.n; q++) {
                                        fputs(q ? ", " : "", c->out);
                                        json_string(c->out, parts.v[q]);
                                }
                                strlist_free(&parts);
                                fputc(']', c->out);
                        } else {
                                json_string(c->out, vals.v[k]);
                        }
                }
                fputs(csv ? "\r\n" : "}", c->out);
                first = false;
                strlist_free(&keys);
                strlist_free(&vals);
        }
        sqlite3_finalize(st);
        if (!csv)
                fputs(first ? "]\n" : "\n]\n", c->out);
        return 0;
}
