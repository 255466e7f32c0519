/* ctl_register.c — see ctl_register.h. */
#include "ctl/ctl_register.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "ctl/breachlog.h"
#include "ctl/committee.h"
#include "ctl/output.h"
#include "notices/notices.h"
#include "read/values.h"

/* ---- options ------------------------------------------------------------------ */

int ctl_period(Ctl *c, const char *from, const char *to, RegisterFilter *f)
{
        int64_t t;
        if (from) {
                if (committee_parse_day(from, c->tz, &t) < 0) {
                        fprintf(stderr, "breachctl: --from %s: not a date (2024-02-09 or 09/02/2024)\n", from);
                        return -EINVAL;
                }
                f->from = t;
        }
        if (to) {
                if (committee_parse_day(to, c->tz, &t) < 0) {
                        fprintf(stderr, "breachctl: --to %s: not a date (2024-02-09 or 09/02/2024)\n", to);
                        return -EINVAL;
                }
                /* The day after, at its local midnight: --to is inclusive. */
                f->to = tz_local_midnight(c->tz, t + 36 * 3600);
        }
        if (f->from && f->to && f->to <= f->from) {
                fprintf(stderr, "breachctl: --to %s is before --from %s\n", to, from);
                return -EINVAL;
        }
        return 0;
}

static int decision_option(const char *arg, const char **ret)
{
        _cleanup_free_ char *d = xstrdup(arg);
        str_ascii_lower(d);
        for (char *p = d; *p; p++)
                if (*p == '-' || *p == '_')
                        *p = ' ';
        const char *t = str_trim(d);
        if (!strcmp(t, "pending"))
                *ret = "pending";
        else if (!strcmp(t, "notify") || !strcmp(t, "notified"))
                *ret = "notify";
        else if (!strcmp(t, "not notifiable") || !strcmp(t, "notnotifiable") || !strcmp(t, "not notified"))
                *ret = "not notifiable";
        else
                return -EINVAL;
        return 0;
}

int ctl_list_options(Ctl *c, int argc, char **argv, RegisterFilter *ret)
{
        static const struct option opts[] = {
                {"open", no_argument, NULL, 'o'},           {"overdue", no_argument, NULL, 'O'},
                {"directorate", required_argument, NULL, 'd'}, {"decision", required_argument, NULL, 'D'},
                {"search", required_argument, NULL, 's'},   {"from", required_argument, NULL, 'f'},
                {"to", required_argument, NULL, 't'},       {NULL, 0, NULL, 0},
        };
        RegisterFilter f = {.now = now_utc()};
        const char *from = NULL, *to = NULL;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (ch) {
                case 'o': f.open = true; break;
                case 'O': f.overdue = true; break;
                case 'd':
                        /* An abbreviation or a prefix finds the configured name;
                         * anything else is compared as written. */
                        if (value_match_directorate(optarg, c->cfg->directorates, c->cfg->n_directorates,
                                                    &f.directorate) < 0)
                                f.directorate = optarg;
                        break;
                case 'D':
                        if (decision_option(optarg, &f.decision) < 0) {
                                fprintf(stderr, "breachctl: --decision %s: pending, notify or not-notifiable\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case 's': f.search = optarg; break;
                case 'f': from = optarg; break;
                case 't': to = optarg; break;
                default:
                        fprintf(stderr, "usage: breachctl list [--open] [--overdue] [--directorate NAME] "
                                        "[--decision pending|notify|not-notifiable] [--search TEXT] "
                                        "[--from DATE] [--to DATE]\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "breachctl: list: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        int r = ctl_period(c, from, to, &f);
        if (r >= 0)
                *ret = f;
        return r;
}

/* ---- export --columns log -------------------------------------------------------- */

typedef struct {
        Ctl *c;
        bool json;
        bool first;    /* no incident written yet */
} ExportLogState;

/* One incident as a line of the breach log. */
static int export_log_row(const RegisterRow *row, void *userdata)
{
        ExportLogState *es = userdata;
        Ctl *c = es->c;
        Incident inc;
        RegisterExtra x;
        int r = store_load_incident(c->store, row->ref, &inc);
        if (r < 0)
                return r;
        r = store_register_load(c->store, row->id, &x);
        if (r < 0) {
                incident_free(&inc);
                return r;
        }
        BreachLogEntry e;
        breachlog_entry_from_incident(&inc, &x, c->tz, &e);
        if (es->json)
                breachlog_write_json_row(c->out, &e, es->first);
        else
                breachlog_write_csv_row(c->out, &e);
        es->first = false;
        breachlog_entry_free(&e);
        register_extra_free(&x);
        incident_free(&inc);
        return 0;
}

int ctl_export_log(Ctl *c, const RegisterFilter *f, bool json, bool bom)
{
        ExportLogState es = {.c = c, .json = json, .first = true};
        if (json)
                fputc('[', c->out);
        else
                breachlog_write_csv_header(c->out, bom);
        int r = store_register_select(c->store, f, REGISTER_VIEW_REFS, export_log_row, &es);
        if (r < 0) {
                fprintf(stderr, "breachctl: export: %s\n", strerror(-r));
                return r;
        }
        if (json)
                fputs(es.first ? "]\n" : "\n]\n", c->out);
        return 0;
}

/* ---- import ------------------------------------------------------------------------ */

typedef struct {
        size_t line;
        char *ref;
        char *msg;
} ImportNote;

typedef struct {
        Ctl *c;
        const BreachLogTable *t;
        LogImportContext ictx;
        ImportNote *notes, *refused;
        size_t n_notes, n_refused;
        size_t imported, pending_decision;
        StrList seen_refs;        /* references filed from this file, and ... */
        size_t *seen_lines;       /* ... the line each came from */
        struct {
                int year;
                int64_t max;
        } years[64];
        size_t n_years;
        Incident *unnumbered;     /* rows without a reference, numbered last */
        RegisterExtra *unnumbered_x;
        size_t *unnumbered_lines;
        size_t n_unnumbered;
        Buf listing;              /* one line per incident, for --dry-run */
} Import;

static void add_note(ImportNote **v, size_t *n, size_t line, const char *ref, char *msg)
{
        *v = xrealloc(*v, (*n + 1) * sizeof **v);
        (*v)[(*n)++] = (ImportNote){.line = line, .ref = xstrdup(ref), .msg = msg};
}

static void notes_free(ImportNote *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].ref);
                free(v[i].msg);
        }
        free(v);
}

static void import_free(Import *im)
{
        notes_free(im->notes, im->n_notes);
        notes_free(im->refused, im->n_refused);
        strlist_free(&im->seen_refs);
        free(im->seen_lines);
        for (size_t i = 0; i < im->n_unnumbered; i++) {
                incident_free(&im->unnumbered[i]);
                register_extra_free(&im->unnumbered_x[i]);
        }
        free(im->unnumbered);
        free(im->unnumbered_x);
        free(im->unnumbered_lines);
        buf_free(&im->listing);
}

/* Remembers the highest number filed per year of the reference pattern, so
 * that new incidents are numbered after the history. */
static void track_year(Import *im, const Incident *inc)
{
        int year;
        int64_t n;
        if (!breachlog_ref_match(im->c->cfg->reference_pattern, inc->ref, &year, &n))
                return;
        if (!year) {
                struct tm lt;
                tz_utc_to_local(im->c->tz, inc->received_at, &lt);
                year = lt.tm_year + 1900;
        }
        size_t i = 0;
        while (i < im->n_years && im->years[i].year != year)
                i++;
        if (i == im->n_years) {
                if (im->n_years == ARRAY_SIZE(im->years))
                        return;
                im->years[im->n_years++].year = year;
                im->years[i].max = 0;
        }
        if (n > im->years[i].max)
                im->years[i].max = n;
}

static void list_line(Import *im, size_t line, const Incident *inc)
{
        const FieldValue *d = &inc->form.f[F_DIRECTORATE], *nature = &inc->form.f[F_NATURE];
        const char *dir = d->state == FV_OK && d->canon ? d->canon : d->text ? d->text : COMMITTEE_NO_DIRECTORATE;
        _cleanup_free_ char *day = tz_format(im->c->tz, inc->received_at, "%d/%m/%Y");
        buf_printf(&im->listing, "  line %-5zu %-12s %s  %s  %-34.34s  %.60s\n", line, inc->ref, day,
                   inc->within_72h < 0 ? "?" : inc->within_72h ? "Y" : "N", dir, nature->text ? nature->text : "");
}

static int file_one(Import *im, size_t line, Incident *inc, RegisterExtra *x)
{
        Store *s = im->c->store;
        int r = store_insert_incident(s, inc);
        if (r >= 0)
                r = store_register_save(s, inc, x);
        /* History is not on the 72-hour clock: nobody is reminded of a
         * breach from last year's log. */
        if (r >= 0)
                r = store_reminder_schedule(s, inc->id, -1, 0);
        if (r >= 0)
                r = store_audit(s, inc->id, "breachctl import", "imported", NULL, NULL, x->import_origin);
        if (r < 0) {
                fprintf(stderr, "breachctl: import: line %zu: %s: %s\n", line, strerror(-r), store_errmsg(s));
                return r;
        }
        im->imported++;
        if (!strcmp(inc->ico_decision, "pending"))
                im->pending_decision++;
        list_line(im, line, inc);
        return 0;
}

/* A reference already taken refuses the row: importing the same log twice,
 * or two logs that overlap, must not file an incident twice. */
static bool refuse_duplicate(Import *im, size_t line, const char *ref)
{
        for (size_t i = 0; i < im->seen_refs.n; i++)
                if (!strcmp(im->seen_refs.v[i], ref)) {
                        add_note(&im->refused, &im->n_refused, line, ref,
                                 xasprintf("the reference appears again in this file (first at line %zu)",
                                           im->seen_lines[i]));
                        return true;
                }
        Incident old;
        if (store_load_incident(im->c->store, ref, &old) < 0)
                return false;
        _cleanup_free_ char *day = tz_format(im->c->tz, old.received_at, "%d/%m/%Y");
        const char *what = old.form.f[F_NATURE].text ? old.form.f[F_NATURE].text : old.subject;
        add_note(&im->refused, &im->n_refused, line, ref,
                 xasprintf("already in the register (reported %s: \"%.60s\"): not imported again", day,
                           what ? what : ""));
        incident_free(&old);
        return true;
}

static int import_row(Import *im, const LogRow *row)
{
        Incident inc;
        RegisterExtra x;
        StrList notes = {0};
        char *why = NULL;
        const char *ref = row->e.cell[LC_REF];
        for (size_t i = 0; i < row->notes.n; i++)
                add_note(&im->notes, &im->n_notes, row->line, ref, xstrdup(row->notes.v[i]));
        int r = breachlog_row_to_incident(im->t, row, &im->ictx, &inc, &x, &notes, &why);
        for (size_t i = 0; i < notes.n; i++)
                add_note(&im->notes, &im->n_notes, row->line, ref, xstrdup(notes.v[i]));
        strlist_free(&notes);
        if (r < 0) {
                add_note(&im->refused, &im->n_refused, row->line, ref, why);
                return 0;
        }
        if (!inc.ref) {
                size_t n = im->n_unnumbered++;
                im->unnumbered = xrealloc(im->unnumbered, im->n_unnumbered * sizeof *im->unnumbered);
                im->unnumbered_x = xrealloc(im->unnumbered_x, im->n_unnumbered * sizeof *im->unnumbered_x);
                im->unnumbered_lines = xrealloc(im->unnumbered_lines, im->n_unnumbered * sizeof(size_t));
                im->unnumbered[n] = inc;
                im->unnumbered_x[n] = x;
                im->unnumbered_lines[n] = row->line;
                return 0;
        }
        if (!refuse_duplicate(im, row->line, inc.ref)) {
                strlist_add(&im->seen_refs, inc.ref);
                im->seen_lines = xrealloc(im->seen_lines, im->seen_refs.n * sizeof(size_t));
                im->seen_lines[im->seen_refs.n - 1] = row->line;
                r = file_one(im, row->line, &inc, &x);
                if (r >= 0)
                        track_year(im, &inc);
        }
        incident_free(&inc);
        register_extra_free(&x);
        return r;
}

static int raise_counters(Import *im, Buf *out)
{
        const char *pattern = im->c->cfg->reference_pattern;
        for (size_t i = 0; i < im->n_years; i++) {
                int64_t before = 0;
                int r = store_ref_counter_raise(im->c->store, im->years[i].year, im->years[i].max, &before);
                if (r < 0)
                        return r;
                if (before >= im->years[i].max)
                        continue;
                _cleanup_free_ char *next = incident_format_ref(pattern, im->years[i].year, im->years[i].max + 1);
                buf_printf(out, "  %d: from %lld to %lld, so the next incident of %d is %s or later\n",
                           im->years[i].year, (long long)before, (long long)im->years[i].max, im->years[i].year,
                           next);
        }
        return 0;
}

/* Rows without a reference get the next one of the year they were
 * reported in, after the history's own numbers. */
static int number_the_rest(Import *im)
{
        for (size_t i = 0; i < im->n_unnumbered; i++) {
                Incident *inc = &im->unnumbered[i];
                struct tm lt;
                tz_utc_to_local(im->c->tz, inc->received_at, &lt);
                int r = store_next_ref(im->c->store, im->c->cfg->reference_pattern, lt.tm_year + 1900, &inc->ref);
                if (r < 0) {
                        fprintf(stderr, "breachctl: import: cannot number line %zu: %s\n", im->unnumbered_lines[i],
                                strerror(-r));
                        return r;
                }
                add_note(&im->notes, &im->n_notes, im->unnumbered_lines[i], NULL,
                         xasprintf("no reference: given %s", inc->ref));
                r = file_one(im, im->unnumbered_lines[i], inc, &im->unnumbered_x[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Notes with the same words are printed once, with every line they are
 * about: nine rows of "Regeneration" make one note, not nine. */
static void print_notes(FILE *f, const ImportNote *v, size_t n)
{
        bool *done = xcalloc(n ? n : 1, sizeof *done);
        for (size_t i = 0; i < n; i++) {
                if (done[i])
                        continue;
                Buf where = {0};
                size_t count = 0;
                for (size_t k = i; k < n; k++) {
                        if (done[k] || strcmp(v[k].msg, v[i].msg) != 0)
                                continue;
                        done[k] = true;
                        buf_printf(&where, "%s%zu", count++ ? ", " : "", v[k].line);
                        if (v[k].ref)
                                buf_printf(&where, " (%s)", v[k].ref);
                }
                fprintf(f, "  line%s %s: %s\n", count > 1 ? "s" : "", where.s, v[i].msg);
                buf_free(&where);
        }
        free(done);
}

static void print_table_info(FILE *f, const char *path, const BreachLogTable *t)
{
        const char *kind = t->format == LOG_FORMAT_DETAIL ? "the detail table of a committee report" : "a breach log";
        const char *sep = t->delimiter == '\t' ? "TAB" : t->delimiter == ',' ? "comma" : "semicolon";
        fprintf(f, "Reading %s: %s, %s-separated, header at line %zu, %zu row%s.\n", path, kind, sep,
                t->header_line, t->n_rows, t->n_rows == 1 ? "" : "s");
        fputs("Columns read:\n", f);
        for (size_t i = 0; i < LC__MAX; i++)
                if (t->header[i])
                        fprintf(f, "  %-40s from \"%s\"\n", log_columns[i].title, t->header[i]);
        for (size_t i = 0; i < t->notes.n; i++)
                fprintf(f, "  Note: %s\n", t->notes.v[i]);
}

static void print_outcome(Import *im, bool dry_run, bool skip, const Buf *counters)
{
        FILE *f = im->c->out;
        if (im->n_notes) {
                fputs("\nRead differently from how it is written, or worth checking:\n", f);
                print_notes(f, im->notes, im->n_notes);
        }
        if (im->n_refused) {
                fprintf(f, "\nRefused:\n");
                print_notes(f, im->refused, im->n_refused);
        }
        if (dry_run && im->listing.len)
                fprintf(f, "\nWould be imported:\n%s", im->listing.s);
        bool writes = !dry_run && (skip || !im->n_refused);
        if (counters->len && (writes || dry_run))
                fprintf(f, "\nReference counter %s:\n%s", writes ? "raised" : "would be raised", counters->s);
        if (im->pending_decision)
                fprintf(f, "\n%zu incident%s with no ICO decision in the file %s recorded as pending "
                           "(breachctl list --decision pending).\n",
                        im->pending_decision, im->pending_decision == 1 ? "" : "s", writes ? "are" : "would be");
        fputc('\n', f);
        if (dry_run)
                fprintf(f, "Dry run: nothing was written. %zu incident%s would be imported, %zu row%s refused.\n",
                        im->imported, im->imported == 1 ? "" : "s", im->n_refused, im->n_refused == 1 ? "" : "s");
        else if (writes)
                fprintf(f, "Imported %zu incident%s; %zu row%s refused.\n", im->imported, im->imported == 1 ? "" : "s",
                        im->n_refused, im->n_refused == 1 ? "" : "s");
        else
                fprintf(f, "Nothing imported: %zu row%s refused (above). Correct the file, or import the other "
                           "rows with --skip-refused.\n",
                        im->n_refused, im->n_refused == 1 ? " is" : "s are");
}

static int run_import(Import *im, bool dry_run, bool skip)
{
        Store *s = im->c->store;
        int r = store_begin(s);
        if (r < 0) {
                fprintf(stderr, "breachctl: import: %s\n", store_errmsg(s));
                return r;
        }
        for (size_t i = 0; r >= 0 && i < im->t->n_rows; i++)
                r = import_row(im, &im->t->rows[i]);
        _cleanup_buf_ Buf counters = {0};
        if (r >= 0)
                r = raise_counters(im, &counters);
        if (r >= 0)
                r = number_the_rest(im);
        if (r < 0) {
                store_rollback(s);
                return r;
        }
        bool writes = !dry_run && (skip || !im->n_refused);
        if (writes && (r = store_commit(s)) < 0) {
                fprintf(stderr, "breachctl: import: %s\n", store_errmsg(s));
                store_rollback(s);
                return r;
        }
        if (!writes)
                store_rollback(s);
        print_outcome(im, dry_run, skip, &counters);
        return im->n_refused && !skip ? -EINVAL : 0;
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');
        return slash ? slash + 1 : path;
}

int ctl_import(Ctl *c, int argc, char **argv)
{
        static const struct option opts[] = {
                {"dry-run", no_argument, NULL, 'n'}, {"format", required_argument, NULL, 'f'},
                {"date", required_argument, NULL, 'd'}, {"skip-refused", no_argument, NULL, 's'},
                {NULL, 0, NULL, 0},
        };
        static const char usage[] = "usage: breachctl import FILE [--dry-run] [--format log|detail] [--date DATE] "
                                    "[--skip-refused]\n";
        bool dry_run = false, skip = false;
        LogFormat format = LOG_FORMAT_AUTO;
        const char *date = NULL;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "nf:d:s", opts, NULL)) != -1) {
                if (ch == 'n')
                        dry_run = true;
                else if (ch == 's')
                        skip = true;
                else if (ch == 'd')
                        date = optarg;
                else if (ch == 'f' && (!strcmp(optarg, "log") || !strcmp(optarg, "detail")))
                        format = !strcmp(optarg, "log") ? LOG_FORMAT_LOG : LOG_FORMAT_DETAIL;
                else {
                        fputs(usage, stderr);
                        return -EINVAL;
                }
        }
        if (optind != argc - 1) {
                fputs(usage, stderr);
                return -EINVAL;
        }
        const char *path = argv[optind];
        int64_t day = 0;
        if (date && committee_parse_day(date, c->tz, &day) < 0) {
                fprintf(stderr, "breachctl: --date %s: not a date (2024-02-09 or 09/02/2024)\n", date);
                return -EINVAL;
        }
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = read_file(path, (size_t)64 << 20, &data, &len);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", path, strerror(-r));
                return r;
        }
        BreachLogTable t;
        _cleanup_free_ char *why = NULL;
        if ((r = breachlog_read(data, len, format, &t, &why)) < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", path, why);
                return r;
        }
        breachlog_check_sequence(&t, c->cfg->reference_pattern);
        print_table_info(c->out, path, &t);
        if (!t.header[LC_DATE_REPORTED] && !day) {
                fprintf(stderr, "breachctl: %s: the table has no dates: give --date DATE, the day to file its "
                                "incidents under (the last day of the period it reports, say)\n",
                        path);
                breachlog_table_free(&t);
                return -EINVAL;
        }
        Import im = {
                .c = c,
                .t = &t,
                .ictx = {.cfg = c->cfg, .tz = c->tz, .default_day = day, .origin = base_name(path), .now = now_utc()},
        };
        r = run_import(&im, dry_run, skip);
        if (r == -EINVAL)
                fprintf(stderr, "breachctl: %s: %zu row%s refused\n", path, im.n_refused, im.n_refused == 1 ? "" : "s");
        import_free(&im);
        breachlog_table_free(&t);
        return r;
}

/* ---- report ------------------------------------------------------------------------- */

static int open_output(const char *path, FILE **ret)
{
        /* The report names incidents: readable by its owner only, as the
         * register is. */
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int e = errno;
                close(fd);
                return -e;
        }
        *ret = f;
        return 0;
}

static int write_report(Ctl *c, const RegisterFilter *f, const char *format, const char *out_path)
{
        CommitteeRow *rows = NULL;
        size_t n = 0;
        int r = store_committee_rows(c->store, f, &rows, &n);
        if (r < 0) {
                fprintf(stderr, "breachctl: report: %s\n", store_errmsg(c->store));
                return r;
        }
        int64_t from = f->from ? f->from : n ? tz_local_midnight(c->tz, rows[0].received_at)
                                              : tz_local_midnight(c->tz, now_utc());
        int64_t to = f->to ? f->to : tz_local_midnight(c->tz, now_utc() + 86400 + 3600);
        CommitteeReport rep;
        committee_build(c->cfg, from, to, rows, n, &rep);
        bool text = strcmp(format, "csv") != 0 && strcmp(format, "html") != 0;
        /* Text escaped for a terminal (output.h); CSV and HTML escape what
         * they hold their own way. */
        FILE *out = text ? c->out : c->raw, *file = NULL, *escaped = NULL;
        if (out_path && (r = open_output(out_path, &file)) < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", out_path, strerror(-r));
                committee_free(&rep);
                return r;
        }
        if (file)
                out = text && (escaped = output_text_open(file)) ? escaped : file;
        if (!text)
                r = !strcmp(format, "csv") ? committee_write_csv(out, &rep, c->tz)
                                           : committee_write_html(out, &rep, c->tz);
        else
                r = committee_write_text(out, &rep, c->tz);
        if (escaped && fclose(escaped) != 0 && r >= 0)
                r = -errno;
        if (file && fclose(file) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                fprintf(stderr, "breachctl: report: %s: %s\n", out_path ? out_path : "output", strerror(-r));
        committee_free(&rep);
        return r;
}

/* ---- report --all-orgs: the service's overview ------------------------------------ */

static void html_put(FILE *f, const char *s)
{
        for (; s && *s; s++)
                switch (*s) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                default: fputc(*s, f); break;
                }
}

/* Per organisation of the service (c->service): received, open, overdue,
 * reported to the ICO, of those within the 72 hours; then the totals. */
static int write_overview(Ctl *c, const RegisterFilter *f, const char *format, const char *out_path)
{
        const Config *svc = c->service ? c->service : c->cfg;
        size_t n = svc->n_orgs ? svc->n_orgs : 1;
        OrgSummary *sums = xcalloc(n + 1, sizeof *sums);
        OrgSummary *total = &sums[n];
        int64_t now = now_utc();
        const char *was = store_org(c->store);
        _cleanup_free_ char *scope = was ? xstrdup(was) : NULL;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const Config *o = svc->n_orgs ? svc->orgs[i] : svc;
                store_set_org(c->store, o->org);
                r = store_org_summary(c->store, f->from, f->to, now, &sums[i]);
                total->received += sums[i].received;
                total->open += sums[i].open;
                total->overdue += sums[i].overdue;
                total->ico_reported += sums[i].ico_reported;
                total->ico_within_72h += sums[i].ico_within_72h;
        }
        store_set_org(c->store, scope);
        if (r < 0) {
                fprintf(stderr, "breachctl: report: %s\n", store_errmsg(c->store));
                free(sums);
                return r;
        }
        bool text = strcmp(format, "csv") != 0 && strcmp(format, "html") != 0;
        FILE *out = text ? c->out : c->raw, *file = NULL, *escaped = NULL;
        if (out_path && (r = open_output(out_path, &file)) < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", out_path, strerror(-r));
                free(sums);
                return r;
        }
        if (file)
                out = text && (escaped = output_text_open(file)) ? escaped : file;
        char period[80] = "all time";
        if (f->from || f->to) {
                _cleanup_free_ char *a = f->from ? tz_format(c->tz, f->from, "%Y-%m-%d") : xstrdup("the start");
                _cleanup_free_ char *b = f->to ? tz_format(c->tz, f->to - 1, "%Y-%m-%d") : xstrdup("today");
                snprintf(period, sizeof period, "%s to %s", a, b);
        }
        static const char *const heads[] = {"received", "open", "overdue", "reported to the ICO", "within 72 h"};
        if (!strcmp(format, "csv"))
                fputs("organisation,name,received,open,overdue,reported_to_ico,ico_within_72h\r\n", out);
        else if (!strcmp(format, "html")) {
                fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
                html_put(out, svc->organisation);
                fputs(": breaches by organisation</title></head><body>\n<h1>Breaches by organisation</h1>\n<p>", out);
                html_put(out, period);
                fputs("</p>\n<table>\n<tr><th>organisation</th><th>name</th>", out);
                for (size_t k = 0; k < ARRAY_SIZE(heads); k++)
                        fprintf(out, "<th>%s</th>", heads[k]);
                fputs("</tr>\n", out);
        } else {
                fprintf(out, "Breaches by organisation%s%s, %s\n\n", str_empty(svc->organisation) ? "" : ": ",
                        str_empty(svc->organisation) ? "" : svc->organisation, period);
                fprintf(out, "%-20s %9s %6s %8s %20s %12s\n", "organisation", heads[0], heads[1], heads[2],
                        heads[3], heads[4]);
        }
        for (size_t i = 0; i <= n; i++) {
                const Config *o = i == n ? NULL : svc->n_orgs ? svc->orgs[i] : svc;
                const OrgSummary *x = &sums[i];
                const char *key = o ? (str_empty(o->org) ? "-" : o->org) : "total";
                const char *name = o ? o->organisation : "";
                if (!strcmp(format, "csv")) {
                        output_csv_field(out, key);
                        fputc(',', out);
                        output_csv_field(out, name);
                        fprintf(out, ",%lld,%lld,%lld,%lld,%lld\r\n", (long long)x->received, (long long)x->open,
                                (long long)x->overdue, (long long)x->ico_reported, (long long)x->ico_within_72h);
                } else if (!strcmp(format, "html")) {
                        fputs(o ? "<tr><td>" : "<tr class=\"total\"><td>", out);
                        html_put(out, key);
                        fputs("</td><td>", out);
                        html_put(out, name);
                        fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>\n",
                                (long long)x->received, (long long)x->open, (long long)x->overdue,
                                (long long)x->ico_reported, (long long)x->ico_within_72h);
                } else {
                        fprintf(out, "%-20s %9lld %6lld %8lld %20lld %12lld\n", key, (long long)x->received,
                                (long long)x->open, (long long)x->overdue, (long long)x->ico_reported,
                                (long long)x->ico_within_72h);
                }
        }
        if (!strcmp(format, "html"))
                fputs("</table>\n</body></html>\n", out);
        r = ferror(out) ? -EIO : 0;
        if (escaped && fclose(escaped) != 0 && r >= 0)
                r = -errno;
        if (file && fclose(file) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                fprintf(stderr, "breachctl: report: %s: %s\n", out_path ? out_path : "output", strerror(-r));
        free(sums);
        return r;
}

int ctl_report(Ctl *c, int argc, char **argv)
{
        static const struct option opts[] = {
                {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
                {"format", required_argument, NULL, 'F'}, {"output", required_argument, NULL, 'o'},
                {"all-orgs", no_argument, NULL, 'A'}, {NULL, 0, NULL, 0},
        };
        const char *from = NULL, *to = NULL, *format = "text", *out = NULL;
        bool all_orgs = false;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
                switch (ch) {
                case 'f': from = optarg; break;
                case 't': to = optarg; break;
                case 'F': format = optarg; break;
                case 'o': out = optarg; break;
                case 'A': all_orgs = true; break;
                default:
                        fprintf(stderr, "usage: breachctl report [--from DATE] [--to DATE] "
                                        "[--format text|csv|html] [-o FILE] [--all-orgs]\n");
                        return -EINVAL;
                }
        }
        if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "html")) {
                fprintf(stderr, "breachctl: unknown report format '%s' (text, csv or html)\n", format);
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "breachctl: report: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        RegisterFilter f = {0};
        int r = ctl_period(c, from, to, &f);
        if (r >= 0 && all_orgs)
                return write_overview(c, &f, format, out);
        return r < 0 ? r : write_report(c, &f, format, out);
}

/* ---- ico-draft ---------------------------------------------------------------------- */

typedef struct {
        FILE *f;
        StrList gaps;
} Draft;

/* "Label: value", or the label with [GAP] and why, remembered for the list
 * of gaps at the end. */
static void draft_item(Draft *d, const char *label, const char *value, const char *gap)
{
        if (!str_empty(value)) {
                if (strchr(value, '\n')) {
                        fprintf(d->f, "%s:\n", label);
                        _cleanup_free_ char *copy = xstrdup(value);
                        char *save = NULL;
                        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                                fprintf(d->f, "    %s\n", l);
                } else {
                        fprintf(d->f, "%s: %s\n", label, value);
                }
                return;
        }
        fprintf(d->f, "%s: [GAP] %s\n", label, gap);
        strlist_take(&d->gaps, xasprintf("%s: %s", label, gap));
}

static const char *answer(const Incident *inc, FieldId id)
{
        const FieldValue *v = &inc->form.f[id];
        return v->state == FV_OK && v->canon ? v->canon : v->text;
}

static char *when_text(const Tz *tz, const FieldValue *v)
{
        if (v->state == FV_OK && v->date_prec == DATE_UNKNOWN)
                return xstrdup("not known (the report says so)");
        if (v->state != FV_OK || (v->date_prec != DATE_DAY && v->date_prec != DATE_MINUTE))
                return v->text ? xasprintf("\"%s\" (as written; not a date the register could read)", v->text) : NULL;
        _cleanup_free_ char *t = v->date_prec == DATE_MINUTE ? notices_format_time(tz, v->when)
                                                              : tz_format(tz, v->when, "%A %-d %B %Y");
        return xasprintf("%s%s", v->approx ? "about " : "", t);
}

static void draft_breach(Draft *d, const Ctl *c, const Incident *inc)
{
        fputs("\n1. About the breach (Article 33(3)(a))\n", d->f);
        draft_item(d, "What happened", answer(inc, F_NATURE), "the report does not describe the breach");
        draft_item(d, "How did it happen", answer(inc, F_HOW_OCCURRED), "the report does not say how it happened");
        draft_item(d, "How did you find out", answer(inc, F_HOW_DISCOVERED), "not in the report");
        _cleanup_free_ char *occurred = when_text(c->tz, &inc->form.f[F_OCCURRED_AT]);
        draft_item(d, "When did the breach happen", occurred, "the report gives no date");
        _cleanup_free_ char *aware = inc->aware_from_report ? when_text(c->tz, &inc->form.f[F_AWARE_AT]) : NULL;
        /* Read from the report's words, not answered: the DPO checks it. */
        if (aware && incident_deadline_basis(inc) == BASIS_AWARE_WORDS) {
                char *t = xasprintf("%s, read from the report's own words (\"%s\"): check it", aware,
                                    inc->form.f[F_AWARE_AT].text ? inc->form.f[F_AWARE_AT].text : "");
                free(aware);
                aware = t;
        }
        /* What the register counts the 72 hours from instead, and why. */
        _cleanup_free_ char *basis = notices_deadline_basis(c->tz, inc);
        _cleanup_free_ char *aware_gap = xasprintf("the report does not say; %s", basis);
        draft_item(d, "When did you discover it", aware, aware_gap);
        draft_item(d, "Was it a cyber incident", answer(inc, F_CYBER_INCIDENT), "not in the report");
        draft_item(d, "Who has seen the information", answer(inc, F_RECIPIENTS), "not in the report");
        draft_item(d, "Has it been recovered", answer(inc, F_RECOVERED), "not in the report");
}

static void draft_data(Draft *d, const Incident *inc)
{
        fputs("\n2. Personal data and people concerned (Article 33(3)(a))\n", d->f);
        const char *cats = answer(inc, F_DATA_CATEGORIES), *info = answer(inc, F_DATA_INVOLVED);
        draft_item(d, "Categories of personal data", cats ? cats : info,
                   "the report does not say what information was involved");
        if (cats && info)
                draft_item(d, "Information involved, as reported", info, NULL);
        draft_item(d, "Special category or criminal offence data", answer(inc, F_SPECIAL_CATEGORY),
                   "not in the report");
        draft_item(d, "Approximate number of personal data records", inc->form.f[F_RECORDS_COUNT].text,
                   "not in the report");
        const char *subjects = answer(inc, F_SUBJECT_CATEGORIES), *who = answer(inc, F_INDIVIDUALS_AFFECTED);
        draft_item(d, "Categories of data subjects", subjects ? subjects : who, "the report does not say who is affected");
        if (subjects && who)
                draft_item(d, "Individuals affected, as reported", who, NULL);
        draft_item(d, "Approximate number of data subjects", inc->form.f[F_INDIVIDUALS_COUNT].text,
                   "not in the report as a number");
        draft_item(d, "Children or vulnerable adults", answer(inc, F_VULNERABLE_SUBJECTS), "not in the report");
}

static void draft_action(Draft *d, const Incident *inc, const RegisterExtra *x)
{
        fputs("\n3. Likely consequences (Article 33(3)(c))\n", d->f);
        draft_item(d, "How the individuals are likely to be affected", answer(inc, F_LIKELY_CONSEQUENCES),
                   "the report does not say: assess the likely consequences");
        fputs("\n4. Measures taken or proposed (Article 33(3)(d))\n", d->f);
        draft_item(d, "To deal with the breach", answer(inc, F_MEASURES_TAKEN), "none recorded");
        draft_item(d, "To mitigate possible adverse effects", answer(inc, F_MITIGATION), "none recorded");
        draft_item(d, "Have the data subjects been told (Article 34)", x->subjects_notified,
                   "not recorded: say whether they have been, or why not");
        if (x->sensitivity)
                draft_item(d, "Sensitivity (our assessment)", x->sensitivity, NULL);
}

static void draft_dpo(Draft *d, const Config *cfg)
{
        fputs("\n5. Contact details of the data protection officer (Article 33(3)(b))\n", d->f);
        draft_item(d, "Organisation", cfg->organisation, "not set (organisation in breachd.conf)");
        draft_item(d, "Name", cfg->dpo_contact.name, "not set (dpo_contact.name in breachd.conf)");
        _cleanup_free_ char *dpo = strlist_join(&cfg->dpo, ", ");
        draft_item(d, "Email", cfg->dpo_contact.email ? cfg->dpo_contact.email : dpo, "no DPO address in breachd.conf");
        draft_item(d, "Telephone", cfg->dpo_contact.phone, "not set (dpo_contact.phone in breachd.conf)");
        if (cfg->dpo_contact.address)
                draft_item(d, "Address", cfg->dpo_contact.address, NULL);
}

static void draft_timing(Draft *d, const Ctl *c, const Incident *inc, const RegisterExtra *x, int64_t now)
{
        fputs("\n6. Timing (Article 33(1))\n", d->f);
        _cleanup_free_ char *deadline = notices_format_time(c->tz, inc->deadline_at);
        fprintf(d->f, "Deadline for telling the ICO: %s\n", deadline);
        int64_t told = x->ico_notified_at ? x->ico_notified_at : now;
        if (told <= inc->deadline_at) {
                _cleanup_free_ char *left = notices_time_left(inc->deadline_at, now);
                fprintf(d->f, "Within the 72 hours (%s): no reason for delay is needed.\n", left);
                return;
        }
        fputs("This notification is after the 72 hours: the ICO needs the reason for the delay.\n", d->f);
        const char *reporter = answer(inc, F_DELAY_REASON);
        draft_item(d, "Reason for the delay", x->ico_delay_reason,
                   "not recorded (the reason the ICO is told late, not only why staff reported late)");
        if (reporter)
                draft_item(d, "Why it was reported to us late, as reported", reporter, NULL);
}

int ctl_ico_draft(Ctl *c, int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: breachctl ico-draft REF\n");
                return -EINVAL;
        }
        Incident inc;
        int r = ctl_load_incident(c, argv[1], &inc);
        if (r < 0)
                return r;
        RegisterExtra x;
        if ((r = store_register_load(c->store, inc.id, &x)) < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", argv[1], strerror(-r));
                incident_free(&inc);
                return r;
        }
        int64_t now = now_utc();
        _cleanup_free_ char *made = notices_format_time(c->tz, now);
        Draft d = {.f = c->out};
        fprintf(d.f, "Personal data breach report to the ICO: draft for %s\n", inc.ref);
        fprintf(d.f, "Made from the breach register on %s. Check every answer before you paste it into the ICO's "
                     "form; [GAP] marks what the register does not hold.\n",
                made);
        if (inc.ico_reference)
                fprintf(d.f, "Already notified: ICO reference %s.\n", inc.ico_reference);
        else if (inc.ico_decision && !strcmp(inc.ico_decision, "not notifiable"))
                fprintf(d.f, "Note: the register records the decision not to notify the ICO.\n");
        draft_breach(&d, c, &inc);
        draft_data(&d, &inc);
        draft_action(&d, &inc, &x);
        draft_dpo(&d, c->cfg);
        draft_timing(&d, c, &inc, &x, now);
        fprintf(d.f, "\n%zu gap%s to fill before sending:\n", d.gaps.n, d.gaps.n == 1 ? "" : "s");
        for (size_t i = 0; i < d.gaps.n; i++)
                fprintf(d.f, "  - %s\n", d.gaps.v[i]);
        strlist_free(&d.gaps);
        register_extra_free(&x);
        incident_free(&inc);
        return 0;
}
