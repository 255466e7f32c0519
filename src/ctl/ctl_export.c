/* ctl_export.c — breachctl export: the incidents of a period as the
 * register's own columns (JSON or CSV, for programs) or as a breach log
 * (ctl_export_log(), for a spreadsheet). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/ctl_register.h"
#include "ctl/output.h"
#include "read/values.h"
#include "register/store_register.h"

/* Register keys exported besides the form fields (breach-form.md §2, §3). */
static const char *const meta_keys[] = {"ref", "received_at", "filed_at", "deadline_at", "reported_within_72h",
                                        "days_to_report", "message_id", "from", "subject", "forwarded_by",
                                        "missing", "unclear", "status", "ico_decision", "ico_reference",
                                        "outcome", "allocated_to", "closed_at", "source"};

/* A date or count field's value for the CSV export: the reading, with
 * "about " before an approximate one ("about 2026-03-01", "about 30") and
 * a lower bound as "at least 10,000" (value_count_words(), as the mail
 * says it). */
static char *csv_value(const FieldDef *f, const FieldValue *fv)
{
        if (fv->state != FV_OK || !fv->canon || !fv->approx)
                return NULL;
        if (f->type == FT_COUNT && fv->count >= 0)
                return value_count_words(fv);
        if (f->type == FT_DATE && (fv->date_prec == DATE_DAY || fv->date_prec == DATE_MINUTE))
                return xasprintf("about %s", fv->canon);
        return NULL;
}

/* Whether key is one of the JSON export's true/false flags. */
static bool flag_key(const char *key)
{
        return str_endswith_ci(key, "_approx") || str_endswith_ci(key, "_at_least");
}

/* One incident as (key, value) pairs in export order; values owned.  The
 * CSV export says an approximate reading in its value ("about 30"); JSON
 * keeps the reading and adds <key>_approx for dates and counts and
 * <key>_at_least for counts ("true"/"false", written as JSON booleans). */
static void export_values(Ctl *c, const char *ref, bool csv, StrList *keys, StrList *vals)
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
                const FieldDef *f = &form_fields[k];
                const FieldValue *fv = &inc.form.f[k];
                strlist_add(keys, f->key);
                char *said = csv ? csv_value(f, fv) : NULL;
                const char *val = fv->state == FV_OK && fv->canon ? fv->canon : fv->text;
                strlist_take(vals, said ? said : val ? xstrdup(val) : NULL);
                if (csv || (f->type != FT_DATE && f->type != FT_COUNT))
                        continue;
                /* Only a reading can be approximate: an unclear answer or
                 * "unknown" is no number or date, about or not. */
                bool read = fv->state == FV_OK && (f->type == FT_COUNT ? fv->count >= 0
                                                                      : fv->date_prec == DATE_DAY ||
                                                                                fv->date_prec == DATE_MINUTE);
                strlist_take(keys, xasprintf("%s_approx", f->key));
                strlist_add(vals, read && fv->approx ? "true" : "false");
                if (f->type == FT_COUNT) {
                        strlist_take(keys, xasprintf("%s_at_least", f->key));
                        strlist_add(vals, read && fv->at_least ? "true" : "false");
                }
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

typedef struct {
        Ctl *c;
        bool csv;
        int bom;       /* 1: --bom, 0: --no-bom, -1: neither */
        bool first;    /* no incident written yet */
} ExportState;

/* One incident as a CSV line (after the header, with the first) or a JSON
 * object. */
static int export_row(const RegisterRow *row, void *userdata)
{
        ExportState *es = userdata;
        FILE *o = es->c->out;
        StrList keys = {0}, vals = {0};
        export_values(es->c, row->ref, es->csv, &keys, &vals);
        if (es->csv && es->first) {
                if (es->bom > 0)
                        fputs("\xEF\xBB\xBF", o);
                for (size_t k = 0; k < keys.n; k++) {
                        if (k)
                                fputc(',', o);
                        output_csv_field(o, keys.v[k]);
                }
                fputs("\r\n", o);
        }
        if (!es->csv)
                fputs(es->first ? "\n  {" : ",\n  {", o);
        for (size_t k = 0; k < keys.n; k++) {
                if (es->csv) {
                        if (k)
                                fputc(',', o);
                        output_csv_field(o, vals.v[k]);
                        continue;
                }
                fputs(k ? ", " : "", o);
                output_json_string(o, keys.v[k]);
                fputs(": ", o);
                if (!strcmp(keys.v[k], "missing") || !strcmp(keys.v[k], "unclear")) {
                        fputc('[', o);
                        StrList parts = {0};
                        _cleanup_free_ char *copy = xstrdup(vals.v[k] ? vals.v[k] : "");
                        char *save = NULL;
                        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
                                strlist_add(&parts, p);
                        for (size_t q = 0; q < parts.n; q++) {
                                fputs(q ? ", " : "", o);
                                output_json_string(o, parts.v[q]);
                        }
                        strlist_free(&parts);
                        fputc(']', o);
                } else if (flag_key(keys.v[k])) {
                        fputs(vals.v[k], o);
                } else {
                        output_json_string(o, vals.v[k]);
                }
        }
        fputs(es->csv ? "\r\n" : "}", o);
        es->first = false;
        strlist_free(&keys);
        strlist_free(&vals);
        return 0;
}

int ctl_export(Ctl *c, int argc, char **argv)
{
        bool csv, as_log;
        int bom = -1;
        RegisterFilter f = {0};
        int r = export_options(c, argc, argv, &csv, &as_log, &bom, &f);
        if (r < 0)
                return r;
        /* JSON and CSV escape what they hold their own way. */
        Ctl raw = *c;
        raw.out = c->raw;
        c = &raw;
        /* The breach log is for a spreadsheet: a byte order mark unless
         * --no-bom.  The register's own columns are for programs: none
         * unless --bom. */
        if (as_log)
                return ctl_export_log(c, &f, !csv, bom != 0);
        ExportState es = {.c = c, .csv = csv, .bom = bom, .first = true};
        if (!csv)
                fputs("[", c->out);
        r = store_register_select(c->store, &f, REGISTER_VIEW_REFS, export_row, &es);
        if (r < 0 && es.first)
                return -EIO;
        if (!csv)
                fputs(es.first ? "]\n" : "\n]\n", c->out);
        return 0;
}
