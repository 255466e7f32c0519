/* breachlog.c — see breachlog.h. */
#include "ctl/breachlog.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "ctl/committee.h"
#include "ctl/output.h"
#include "read/values.h"

const LogColumnDef log_columns[LC__MAX] = {
        [LC_REF] = {"Reference", "reference"},
        [LC_DATE_REPORTED] = {"Date incident reported", "date_reported"},
        [LC_TIME_REPORTED] = {"Time incident reported", "time_reported"},
        [LC_DATE_INCIDENT] = {"Date of incident", "date_of_incident"},
        [LC_TIME_INCIDENT] = {"Time of incident", "time_of_incident"},
        [LC_DIRECTORATE] = {"Directorate", "directorate"},
        [LC_INCIDENT] = {"Incident", "incident"},
        [LC_PERSONAL_DATA] = {"Personal data involved?", "personal_data_involved"},
        [LC_SOURCE] = {"Source of report", "source_of_report"},
        [LC_ACTION_TEXT] = {"Action taken", "action_taken"},
        [LC_TEAM] = {"Team responsible for breach", "team"},
        [LC_BREACH_OF_LEGISLATION] = {"Breach of data protection legislation?", "breach_of_legislation"},
        [LC_VOLUME] = {"Volume of personal data lost, compromised or corrupted", "volume"},
        [LC_SENSITIVITY] = {"Sensitivity of the data", "sensitivity"},
        [LC_ESCALATED] = {"Escalated to ICO?", "escalated_to_ico"},
        [LC_ICO_REFERENCE] = {"ICO case reference", "ico_reference"},
        [LC_RATIONALE] = {"Rationale if not notified", "rationale"},
        [LC_NEAR_MISS] = {"Incident considered \"near miss\"?", "near_miss"},
        [LC_DAYS] = {"Days between date of incident and date of report", "days_to_report"},
        [LC_DELAY_REASON] = {"Reason for delay if more than 3 days (72 hours)", "reason_for_delay"},
        [LC_DATE_CLOSED] = {"Date investigation closed", "date_closed"},
        [LC_CLOSED_WITHOUT_REPORT] = {"Closed without report", "closed_without_report"},
        [LC_ALLOCATED_TO] = {"Allocated IG specialist", "allocated_to"},
        [LC_CATEGORY] = {"Category of incident", "category"},
        [LC_SECONDARY_CATEGORY] = {"Secondary category", "secondary_category"},
        [LC_WITHIN_72H] = {"Report within 72 Hrs", "reported_within_72h"},
        [LC_MEDIUM] = {"Medium", "medium"},
        [LC_INDIVIDUALS] = {"Number impacted", "number_impacted"},
        [LC_ROOT_CAUSE] = {"Root cause", "root_cause"},
        [LC_ACTION_CATEGORY] = {"Action category", "action_category"},
        [LC_STATUS] = {"Status", "status"},
        [LC_ICO_OUTCOME] = {"ICO outcome", "ico_outcome"},
};

/* Headings a column is read from, normalised (lower case, words separated
 * by one space): a heading matches an alias it equals or starts with, the
 * longest alias winning, so "Incident considered near miss?" is the near
 * miss column and not the incident.  Seed 000's own headings are here. */
static const struct {
        LogColumn col;
        const char *alias;
} header_aliases[] = {
        {LC_REF, "reference"}, {LC_REF, "ref"}, {LC_REF, "isi reference number"}, {LC_REF, "reference number"},
        {LC_REF, "incident reference"}, {LC_REF, "breach reference"}, {LC_REF, "ref no"},
        {LC_DATE_REPORTED, "date incident reported"}, {LC_DATE_REPORTED, "date reported"},
        {LC_DATE_REPORTED, "date received"}, {LC_DATE_REPORTED, "reported on"},
        {LC_TIME_REPORTED, "time incident reported"}, {LC_TIME_REPORTED, "time reported"},
        {LC_TIME_REPORTED, "time received"},
        {LC_DATE_INCIDENT, "date of incident"}, {LC_DATE_INCIDENT, "incident date"},
        {LC_DATE_INCIDENT, "date of breach"}, {LC_DATE_INCIDENT, "date occurred"},
        {LC_TIME_INCIDENT, "time of incident"}, {LC_TIME_INCIDENT, "time of breach"},
        {LC_DIRECTORATE, "directorate"}, {LC_DIRECTORATE, "directorates"}, {LC_DIRECTORATE, "service area"},
        {LC_DIRECTORATE, "department"},
        {LC_INCIDENT, "incident"}, {LC_INCIDENT, "summary"}, {LC_INCIDENT, "incident summary"},
        {LC_INCIDENT, "nature of breach"}, {LC_INCIDENT, "description"},
        {LC_PERSONAL_DATA, "personal data involved"},
        {LC_SOURCE, "source of report"}, {LC_SOURCE, "reported by"},
        {LC_ACTION_TEXT, "action taken"}, {LC_ACTION_TEXT, "actions taken"}, {LC_ACTION_TEXT, "measures taken"},
        {LC_TEAM, "team"}, {LC_TEAM, "team responsible"}, {LC_TEAM, "team responsible for breach"},
        {LC_BREACH_OF_LEGISLATION, "breach of data protection legislation"},
        {LC_BREACH_OF_LEGISLATION, "breach of legislation"},
        {LC_VOLUME, "the volume of personal data"}, {LC_VOLUME, "volume of personal data"}, {LC_VOLUME, "volume"},
        {LC_SENSITIVITY, "the sensitivity of the data"}, {LC_SENSITIVITY, "sensitivity"},
        {LC_ESCALATED, "escalated to ico"}, {LC_ESCALATED, "notified to ico"}, {LC_ESCALATED, "reported to ico"},
        {LC_ICO_REFERENCE, "ico case reference"}, {LC_ICO_REFERENCE, "ico reference"},
        {LC_RATIONALE, "rationale if not notified"}, {LC_RATIONALE, "rationale"},
        {LC_NEAR_MISS, "incident considered near miss"}, {LC_NEAR_MISS, "incident considered"},
        {LC_NEAR_MISS, "near miss"},
        {LC_DAYS, "days between date of incident and date of report"}, {LC_DAYS, "days between"},
        {LC_DAYS, "days to report"},
        {LC_DELAY_REASON, "reason for delay"},
        {LC_DATE_CLOSED, "date investigation closed"}, {LC_DATE_CLOSED, "date closed"},
        {LC_CLOSED_WITHOUT_REPORT, "closed without report"},
        {LC_ALLOCATED_TO, "allocated ig specialist"}, {LC_ALLOCATED_TO, "allocated to"},
        {LC_CATEGORY, "category of incident"}, {LC_CATEGORY, "category"},
        {LC_SECONDARY_CATEGORY, "secondary category"},
        {LC_WITHIN_72H, "report within 72 hrs"}, {LC_WITHIN_72H, "report within 72 hours"},
        {LC_WITHIN_72H, "reported within 72 hours"}, {LC_WITHIN_72H, "reported within 72 hrs"},
        {LC_WITHIN_72H, "within 72 hours"}, {LC_WITHIN_72H, "within 72 hrs"},
        {LC_MEDIUM, "medium"}, {LC_MEDIUM, "format"},
        {LC_INDIVIDUALS, "number impacted"}, {LC_INDIVIDUALS, "number of individuals affected"},
        {LC_ROOT_CAUSE, "root cause"},
        {LC_ACTION_CATEGORY, "action category"},
        {LC_STATUS, "status"},
        {LC_ICO_OUTCOME, "ico outcome"},
};

void breachlog_entry_free(BreachLogEntry *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < LC__MAX; i++)
                free(e->cell[i]);
        memset(e, 0, sizeof *e);
}

void breachlog_table_free(BreachLogTable *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < LC__MAX; i++)
                free(t->header[i]);
        for (size_t i = 0; i < t->n_rows; i++) {
                breachlog_entry_free(&t->rows[i].e);
                strlist_free(&t->rows[i].notes);
        }
        free(t->rows);
        strlist_free(&t->notes);
        memset(t, 0, sizeof *t);
}

/* ---- writing --------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
        return str_empty(s) ? NULL : xstrdup(s);
}

/* The canonical value where the register has one, else the text as given. */
static char *field_value(const Incident *inc, FieldId id)
{
        const FieldValue *v = &inc->form.f[id];
        return dup_or_null(v->state == FV_OK && v->canon ? v->canon : v->text);
}

static void occurred_cells(const Incident *inc, const Tz *tz, BreachLogEntry *e)
{
        const FieldValue *o = &inc->form.f[F_OCCURRED_AT];
        if (o->state == FV_OK && (o->date_prec == DATE_DAY || o->date_prec == DATE_MINUTE)) {
                _cleanup_free_ char *day = tz_format(tz, o->when, "%d/%m/%Y");
                /* "approx." keeps what the reporter said and reads back the same. */
                e->cell[LC_DATE_INCIDENT] = o->approx ? xasprintf("approx. %s", day) : xstrdup(day);
                if (o->date_prec == DATE_MINUTE)
                        e->cell[LC_TIME_INCIDENT] = tz_format(tz, o->when, "%H:%M");
        } else {
                e->cell[LC_DATE_INCIDENT] = dup_or_null(o->text);
        }
}

static const char *yes_no(int v, const char *yes, const char *no)
{
        return v < 0 ? NULL : v ? yes : no;
}

static const char *escalated_of(const char *decision)
{
        if (!decision)
                return NULL;
        return !strcmp(decision, "notify") ? "Yes" : !strcmp(decision, "not notifiable") ? "No" : NULL;
}

void breachlog_entry_from_incident(const Incident *inc, const RegisterExtra *x, const Tz *tz, BreachLogEntry *ret)
{
        BreachLogEntry e = {0};
        e.cell[LC_REF] = xstrdup(inc->ref);
        e.cell[LC_DATE_REPORTED] = tz_format(tz, inc->received_at, "%d/%m/%Y");
        if (x->received_time_known)
                e.cell[LC_TIME_REPORTED] = tz_format(tz, inc->received_at, "%H:%M");
        occurred_cells(inc, tz, &e);
        e.cell[LC_DIRECTORATE] = field_value(inc, F_DIRECTORATE);
        e.cell[LC_INCIDENT] = field_value(inc, F_NATURE);
        e.cell[LC_PERSONAL_DATA] = dup_or_null(x->personal_data);
        e.cell[LC_SOURCE] = field_value(inc, F_REPORTER_NAME);
        e.cell[LC_ACTION_TEXT] = field_value(inc, F_MEASURES_TAKEN);
        e.cell[LC_TEAM] = field_value(inc, F_TEAM);
        e.cell[LC_BREACH_OF_LEGISLATION] = dup_or_null(x->breach_of_legislation);
        e.cell[LC_VOLUME] = dup_or_null(inc->form.f[F_RECORDS_COUNT].text);
        e.cell[LC_SENSITIVITY] = dup_or_null(x->sensitivity);
        e.cell[LC_ESCALATED] = dup_or_null(escalated_of(inc->ico_decision));
        e.cell[LC_ICO_REFERENCE] = dup_or_null(inc->ico_reference);
        e.cell[LC_RATIONALE] = dup_or_null(x->ico_rationale);
        e.cell[LC_NEAR_MISS] = dup_or_null(x->near_miss ? x->near_miss
                                           : inc->outcome && !strcasecmp(inc->outcome, "near miss") ? "Yes"
                                                                                                   : NULL);
        if (inc->days_to_report >= 0)
                e.cell[LC_DAYS] = xasprintf("%d", inc->days_to_report);
        e.cell[LC_DELAY_REASON] = field_value(inc, F_DELAY_REASON);
        if (inc->closed_at)
                e.cell[LC_DATE_CLOSED] = tz_format(tz, inc->closed_at, "%d/%m/%Y");
        e.cell[LC_CLOSED_WITHOUT_REPORT] = dup_or_null(yes_no(x->closed_without_report, "Yes", "No"));
        e.cell[LC_ALLOCATED_TO] = dup_or_null(inc->allocated_to);
        e.cell[LC_CATEGORY] = field_value(inc, F_BREACH_TYPE);
        e.cell[LC_SECONDARY_CATEGORY] = dup_or_null(x->secondary_category);
        e.cell[LC_WITHIN_72H] = dup_or_null(yes_no(inc->within_72h, "Y", "N"));
        e.cell[LC_MEDIUM] = field_value(inc, F_MEDIUM);
        e.cell[LC_INDIVIDUALS] = dup_or_null(inc->form.f[F_INDIVIDUALS_COUNT].text);
        e.cell[LC_ROOT_CAUSE] = dup_or_null(x->root_cause);
        e.cell[LC_ACTION_CATEGORY] = dup_or_null(x->action_taken);
        e.cell[LC_STATUS] = dup_or_null(inc->status);
        e.cell[LC_ICO_OUTCOME] = dup_or_null(x->ico_outcome);
        *ret = e;
}

void breachlog_write_csv_header(FILE *f, bool bom)
{
        if (bom)
                fputs("\xEF\xBB\xBF", f);
        for (size_t i = 0; i < LC__MAX; i++) {
                if (i)
                        fputc(',', f);
                output_csv_field(f, log_columns[i].title);
        }
        fputs("\r\n", f);
}

void breachlog_write_csv_row(FILE *f, const BreachLogEntry *e)
{
        for (size_t i = 0; i < LC__MAX; i++) {
                if (i)
                        fputc(',', f);
                output_csv_field(f, e->cell[i]);
        }
        fputs("\r\n", f);
}

void breachlog_write_json_row(FILE *f, const BreachLogEntry *e, bool first)
{
        fputs(first ? "\n  {" : ",\n  {", f);
        for (size_t i = 0; i < LC__MAX; i++) {
                fputs(i ? ", " : "", f);
                output_json_string(f, log_columns[i].key);
                fputs(": ", f);
                output_json_string(f, e->cell[i]);
        }
        fputc('}', f);
}

/* ---- the records of a delimited file ---------------------------------------- */

typedef struct {
        size_t line;
        StrList cells;
        bool one_cell;     /* the line had no delimiter */
} Record;

static void records_free(Record *r, size_t n)
{
        for (size_t i = 0; i < n; i++)
                strlist_free(&r[i].cells);
        free(r);
}

/* Where the quoted field starting at p (just after its opening quote) ends:
 * the closing quote followed by a delimiter, a line end or the end; NULL
 * when there is none, and the quote is then an ordinary character. */
static const char *quoted_end(const char *p, char delim)
{
        for (; *p; p++) {
                if (*p != '"')
                        continue;
                if (p[1] == '"') {
                        p++;
                        continue;
                }
                if (!p[1] || p[1] == delim || p[1] == '\n' || p[1] == '\r')
                        return p;
        }
        return NULL;
}

/* Reads one field at *pp; leaves *pp at the delimiter, line end or NUL. */
static char *read_field(const char **pp, char delim, size_t *line)
{
        const char *p = *pp;
        Buf b = {0};
        const char *end = *p == '"' ? quoted_end(p + 1, delim) : NULL;
        if (end) {
                for (p++; p < end; p++) {
                        if (*p == '"')
                                p++;
                        else if (*p == '\n')
                                (*line)++;
                        if (*p == '\r' && p[1] == '\n')
                                continue;
                        buf_putc(&b, *p == '\r' ? '\n' : *p);
                }
                p = end + 1;
        } else {
                for (; *p && *p != delim && *p != '\n' && *p != '\r'; p++)
                        buf_putc(&b, *p);
        }
        *pp = p;
        return buf_steal(&b);
}

static void parse_records(const char *s, char delim, Record **ret, size_t *ret_n)
{
        Record *recs = NULL;
        size_t n = 0, line = 1;
        const char *p = s;
        while (*p) {
                recs = xrealloc(recs, (n + 1) * sizeof *recs);
                Record *r = &recs[n++];
                *r = (Record){.line = line, .one_cell = true};
                for (;;) {
                        strlist_take(&r->cells, read_field(&p, delim, &line));
                        if (*p != delim)
                                break;
                        r->one_cell = false;
                        p++;
                }
                if (*p == '\r')
                        p++;
                if (*p == '\n')
                        p++;
                line++;
        }
        *ret = recs;
        *ret_n = n;
}

/* ---- the header ------------------------------------------------------------- */

/* Lower case ASCII words separated by single spaces. */
static char *normalise_heading(const char *s)
{
        Buf b = {0};
        bool space = false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                bool word = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
                if (!word) {
                        space = b.len > 0;
                        continue;
                }
                if (space)
                        buf_putc(&b, ' ');
                space = false;
                buf_putc(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        }
        return buf_steal(&b);
}

static int heading_column(const char *heading, LogFormat format)
{
        _cleanup_free_ char *h = normalise_heading(heading);
        int best = -1;
        size_t best_len = 0;
        for (size_t i = 0; i < ARRAY_SIZE(header_aliases); i++) {
                const char *a = header_aliases[i].alias;
                size_t n = strlen(a);
                if (strncmp(h, a, n) != 0 || (h[n] && h[n] != ' ') || n <= best_len)
                        continue;
                best = (int)header_aliases[i].col;
                best_len = n;
        }
        /* The detail table of a committee report gives the category of the
         * action ("Corrective Action"), a log the action in words. */
        if (best == LC_ACTION_TEXT && format == LOG_FORMAT_DETAIL)
                best = LC_ACTION_CATEGORY;
        return best;
}

static size_t known_columns(const StrList *cells, bool *has_ref)
{
        bool seen[LC__MAX] = {0};
        size_t n = 0;
        for (size_t i = 0; i < cells->n; i++) {
                int c = heading_column(cells->v[i], LOG_FORMAT_LOG);
                if (c >= 0 && !seen[c]) {
                        seen[c] = true;
                        n++;
                }
        }
        *has_ref = seen[LC_REF];
        return n;
}

static size_t non_empty(const StrList *cells)
{
        size_t n = 0;
        for (size_t i = 0; i < cells->n; i++)
                n += !str_empty(cells->v[i]);
        return n;
}

/* A header split over lines, as a Word table pasted as text gives it
 * ("Report" / "within" / "72 Hrs"): lines right after the header with an
 * empty first cell and few others continue the headings above them. */
static size_t merge_header_lines(const Record *recs, size_t n, size_t h, StrList *heads)
{
        size_t i = h + 1;
        for (; i < n; i++) {
                const StrList *c = &recs[i].cells;
                size_t filled = non_empty(c);
                if (recs[i].one_cell || !filled || !str_empty(c->v[0]) || filled * 2 >= heads->n)
                        break;
                for (size_t k = 0; k < c->n && k < heads->n; k++) {
                        if (str_empty(c->v[k]))
                                continue;
                        char *joined = xasprintf("%s %s", heads->v[k], c->v[k]);
                        free(heads->v[k]);
                        heads->v[k] = joined;
                }
        }
        return i;
}

/* Trims white space and no-break spaces; NULL when nothing is left. */
static char *clean_cell(const char *s)
{
        const char *a = s, *e = s + strlen(s);
        for (;;) {
                if (a < e && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
                        a++;
                else if (e - a >= 2 && (unsigned char)a[0] == 0xc2 && (unsigned char)a[1] == 0xa0)
                        a += 2;
                else
                        break;
        }
        for (;;) {
                if (e > a && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                        e--;
                else if (e - a >= 2 && (unsigned char)e[-2] == 0xc2 && (unsigned char)e[-1] == 0xa0)
                        e -= 2;
                else
                        break;
        }
        if (e <= a)
                return NULL;
        /* The apostrophes our export (and a spreadsheet) puts before a value
         * that would otherwise be read as a formula are not part of it
         * (output_csv_field()). */
        char *v = xstrndup(a, (size_t)(e - a));
        output_csv_unguard(v);
        if (!*v) {
                free(v);
                return NULL;
        }
        return v;
}

static void map_header(BreachLogTable *t, const StrList *heads, int *map)
{
        for (size_t k = 0; k < heads->n; k++) {
                map[k] = -1;
                _cleanup_free_ char *h = clean_cell(heads->v[k]);
                if (!h)
                        continue;
                int c = heading_column(h, t->format);
                if (c < 0) {
                        strlist_take(&t->notes, xasprintf("column \"%s\" is not a column of the log: not read", h));
                } else if (t->header[c]) {
                        strlist_take(&t->notes, xasprintf("column \"%s\" is read as \"%s\" already: not read", h,
                                                          t->header[c]));
                } else {
                        t->header[c] = xstrdup(h);
                        map[k] = c;
                }
        }
}

static void read_row(BreachLogTable *t, const Record *rec, const int *map, size_t n_map)
{
        t->rows = xrealloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
        LogRow *row = &t->rows[t->n_rows++];
        memset(row, 0, sizeof *row);
        row->line = rec->line;
        Buf beyond = {0};
        for (size_t k = 0; k < rec->cells.n; k++) {
                char *v = clean_cell(rec->cells.v[k]);
                if (k < n_map && map[k] >= 0) {
                        row->e.cell[map[k]] = v;
                        continue;
                }
                if (v && k >= n_map)
                        buf_printf(&beyond, "%s\"%s\"", beyond.len ? ", " : "", v);
                free(v);
        }
        if (beyond.len)
                strlist_take(&row->notes, xasprintf("cells beyond the last column are not read: %s", beyond.s));
        buf_free(&beyond);
}

/* The header is the first record naming at least three known columns,
 * the reference among them. */
static ssize_t find_header(const Record *recs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                bool has_ref;
                if (!recs[i].one_cell && known_columns(&recs[i].cells, &has_ref) >= 3 && has_ref)
                        return (ssize_t)i;
        }
        return -1;
}

static LogFormat detect_format(const StrList *heads)
{
        for (size_t k = 0; k < heads->n; k++)
                if (heading_column(heads->v[k], LOG_FORMAT_LOG) == LC_DATE_REPORTED)
                        return LOG_FORMAT_LOG;
        return LOG_FORMAT_DETAIL;
}

static void read_body(BreachLogTable *t, const Record *recs, size_t n, size_t first, const int *map, size_t n_map)
{
        for (size_t i = first; i < n; i++) {
                if (!non_empty(&recs[i].cells))
                        continue;
                if (recs[i].one_cell) {
                        _cleanup_free_ char *what = clean_cell(recs[i].cells.v[0]);
                        size_t last = recs[n - 1].line;
                        strlist_take(&t->notes,
                                     xasprintf("line %zu (\"%.40s\") is not a row of the table: the table ends "
                                               "there, and lines %zu to %zu are not read",
                                               recs[i].line, what ? what : "", recs[i].line, last));
                        return;
                }
                read_row(t, &recs[i], map, n_map);
        }
}

static int read_with(const char *text, char delim, LogFormat format, BreachLogTable *t)
{
        Record *recs = NULL;
        size_t n = 0;
        parse_records(text, delim, &recs, &n);
        ssize_t h = find_header(recs, n);
        if (h < 0) {
                records_free(recs, n);
                return -ENOENT;
        }
        StrList heads = {0};
        for (size_t k = 0; k < recs[h].cells.n; k++)
                strlist_add(&heads, recs[h].cells.v[k]);
        size_t body = merge_header_lines(recs, n, (size_t)h, &heads);
        t->delimiter = delim;
        t->header_line = recs[h].line;
        t->format = format == LOG_FORMAT_AUTO ? detect_format(&heads) : format;
        for (ssize_t i = 0; i < h; i++)
                if (non_empty(&recs[i].cells)) {
                        strlist_take(&t->notes, xasprintf("lines 1 to %zu come before the table's header and are "
                                                          "not read",
                                                          recs[h].line - 1));
                        break;
                }
        int *map = xcalloc(heads.n, sizeof *map);
        map_header(t, &heads, map);
        read_body(t, recs, n, body, map, heads.n);
        free(map);
        strlist_free(&heads);
        records_free(recs, n);
        return 0;
}

int breachlog_read(const char *text, size_t len, LogFormat format, BreachLogTable *ret, char **ret_why)
{
        if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
                text += 3;
                len -= 3;
        }
        _cleanup_free_ char *utf8 = str_to_utf8(text, len);
        bool converted = strlen(utf8) != len || memcmp(utf8, text, len) != 0;
        static const char delims[] = {'\t', ',', ';'};
        for (size_t i = 0; i < ARRAY_SIZE(delims); i++) {
                BreachLogTable t = {0};
                if (read_with(utf8, delims[i], format, &t) < 0) {
                        breachlog_table_free(&t);
                        continue;
                }
                if (converted)
                        strlist_take(&t.notes, xstrdup("the file is not all UTF-8: its other bytes are read as "
                                                       "Windows-1252"));
                *ret = t;
                return 0;
        }
        if (ret_why)
                *ret_why = xstrdup("no header row found: the table needs a row naming its columns, such as "
                                   "Reference, Date incident reported, Directorate, Incident (a breach log) or "
                                   "Reference, Report within 72 Hrs, Directorate, Summary, Root Cause, Action "
                                   "Taken (a committee report's detail table)");
        return -EINVAL;
}

/* ---- values ----------------------------------------------------------------- */

/* Letters from other alphabets that look like the Latin ones of Y/N and
 * Yes/No, as they turn up when a log has been typed on a phone or pasted
 * from a PDF. */
static const struct {
        const char *utf8, *latin, *name;
} lookalikes[] = {
        {"\u03A5", "Y", "Greek capital letter upsilon"},
        {"\u03B3", "y", "Greek small letter gamma"},
        {"\u0423", "Y", "Cyrillic capital letter u"},
        {"\u0443", "y", "Cyrillic small letter u"},
        {"\u04AE", "Y", "Cyrillic capital letter straight u"},
        {"\u04AF", "y", "Cyrillic small letter straight u"},
        {"\u028F", "Y", "Latin letter small capital y"},
        {"\uFF39", "Y", "fullwidth Latin capital letter y"},
        {"\uFF59", "y", "fullwidth Latin small letter y"},
        {"\u039D", "N", "Greek capital letter nu"},
        {"\u0274", "N", "Latin letter small capital n"},
        {"\uFF2E", "N", "fullwidth Latin capital letter n"},
        {"\uFF4E", "n", "fullwidth Latin small letter n"},
        {"\u0415", "E", "Cyrillic capital letter ie"},
        {"\u0435", "e", "Cyrillic small letter ie"},
        {"\u0395", "E", "Greek capital letter epsilon"},
        {"\u0405", "S", "Cyrillic capital letter dze"},
        {"\u0455", "s", "Cyrillic small letter dze"},
        {"\u041E", "O", "Cyrillic capital letter o"},
        {"\u043E", "o", "Cyrillic small letter o"},
        {"\u039F", "O", "Greek capital letter omicron"},
        {"\u03BF", "o", "Greek small letter omicron"},
};

/* s with look-alike letters replaced; NULL when it has none.  *names gets
 * the letters replaced, for the note. */
static char *fold_lookalikes(const char *s, Buf *names)
{
        Buf b = {0};
        bool any = false;
        for (const char *p = s; *p;) {
                size_t k = 0;
                for (; k < ARRAY_SIZE(lookalikes); k++)
                        if (str_startswith(p, lookalikes[k].utf8))
                                break;
                if (k == ARRAY_SIZE(lookalikes)) {
                        buf_putc(&b, *p++);
                        continue;
                }
                any = true;
                buf_puts(&b, lookalikes[k].latin);
                buf_printf(names, "%s%s", names->len ? ", " : "", lookalikes[k].name);
                p += strlen(lookalikes[k].utf8);
        }
        if (!any) {
                buf_free(&b);
                return NULL;
        }
        return buf_steal(&b);
}

int breachlog_read_yn(const char *s, char **ret_mended)
{
        if (ret_mended)
                *ret_mended = NULL;
        if (str_empty(s))
                return -1;
        Buf names = {0};
        _cleanup_free_ char *folded = fold_lookalikes(s, &names);
        const char *canon = NULL;
        int r = value_parse_yesno(folded ? folded : s, &canon) < 0 ? -1
                : !strcmp(canon, "yes")                         ? 1
                : !strcmp(canon, "no")                          ? 0
                                                                : -1;
        /* A one-letter answer is shown as the Y or N it stands for. */
        if (folded && !folded[1])
                folded[0] = (char)(folded[0] >= 'a' && folded[0] <= 'z' ? folded[0] - 32 : folded[0]);
        if (r >= 0 && folded && ret_mended)
                *ret_mended = xasprintf("\"%s\" (%s) read as %s", s, names.s, folded);
        buf_free(&names);
        return r;
}

bool breachlog_looks_like_date(const char *s)
{
        int a, b, c, used = 0;
        char s1, s2;
        if (!s)
                return false;
        if (sscanf(s, "%4d-%2d-%2d%n", &a, &b, &c, &used) == 3 && used == (int)strlen(s))
                return a >= 1900 && b >= 1 && b <= 12 && c >= 1 && c <= 31;
        used = 0;
        if (sscanf(s, "%2d%c%2d%c%4d%n", &a, &s1, &b, &s2, &c, &used) == 5 && used == (int)strlen(s))
                return s1 == s2 && strchr("./-", s1) && a >= 1 && a <= 31 && b >= 1 && b <= 12;
        return false;
}

int breachlog_ref_match(const char *pattern, const char *ref, int *ret_year, int64_t *ret_n)
{
        int year = 0;
        int64_t n = -1;
        const char *r = ref;
        for (const char *p = pattern; *p; p++) {
                if (*p != '%') {
                        if (*r++ != *p)
                                return 0;
                        continue;
                }
                p++;
                while (*p >= '0' && *p <= '9')
                        p++;
                if (*p == 'Y' || *p == 'y') {
                        int digits = *p == 'Y' ? 4 : 2, v = 0;
                        for (int k = 0; k < digits; k++, r++) {
                                if (*r < '0' || *r > '9')
                                        return 0;
                                v = v * 10 + (*r - '0');
                        }
                        year = *p == 'Y' ? v : 2000 + v;
                } else if (*p == 'n') {
                        if (*r < '0' || *r > '9')
                                return 0;
                        for (n = 0; *r >= '0' && *r <= '9' && n < INT64_MAX / 10; r++)
                                n = n * 10 + (*r - '0');
                } else if (*p == '%') {
                        if (*r++ != '%')
                                return 0;
                } else {
                        return 0;
                }
                if (!*p)
                        break;
        }
        if (*r || n < 0)
                return 0;
        *ret_year = year;
        *ret_n = n;
        return 1;
}

void breachlog_check_sequence(BreachLogTable *t, const char *pattern)
{
        /* Only references the pattern reads take part; the others (a date,
         * another scheme) have no order to keep. */
        ssize_t prev = -1, cur = -1;
        int64_t key_prev = 0, key_cur = 0;
        for (size_t i = 0; i <= t->n_rows; i++) {
                int year;
                int64_t n;
                if (i < t->n_rows && (!t->rows[i].e.cell[LC_REF] ||
                                      !breachlog_ref_match(pattern, t->rows[i].e.cell[LC_REF], &year, &n)))
                        continue;
                if (i == t->n_rows)
                        break;
                int64_t key = (int64_t)year * 1000000000 + n;
                if (prev >= 0 && key_prev < key && (key_cur < key_prev || key_cur > key))
                        strlist_take(&t->rows[cur].notes,
                                     xasprintf("the reference is out of sequence (after %s, before %s): kept as "
                                               "given; check it is not a typing error",
                                               t->rows[prev].e.cell[LC_REF], t->rows[i].e.cell[LC_REF]));
                prev = cur;
                key_prev = key_cur;
                cur = (ssize_t)i;
                key_cur = key;
        }
}

/* ---- a row as an incident ------------------------------------------------------ */

/* The file's own heading of column c, for the notes. */
static const char *heading(const BreachLogTable *t, LogColumn c)
{
        return t->header[c] ? t->header[c] : log_columns[c].title;
}

static char *date_and_time(const char *date, const char *time)
{
        if (!date)
                return NULL;
        return time ? xasprintf("%s %s", date, time) : xstrdup(date);
}

static bool has_day(const FieldValue *v)
{
        return v->date_prec == DATE_DAY || v->date_prec == DATE_MINUTE;
}

static int parse_day_time(const char *text, const LogImportContext *ctx, FieldValue *ret)
{
        ValueContext vc = {.tz = ctx->tz, .message_time = ctx->now};
        FieldValue v = {.count = -1};
        int r = value_parse_date(text, &vc, &v);
        free(v.canon);
        v.canon = NULL;
        if (r < 0 || !has_day(&v))
                return -EINVAL;
        *ret = v;
        return 0;
}

static int import_received(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                           RegisterExtra *x, StrList *notes, char **ret_why)
{
        const char *date = row->e.cell[LC_DATE_REPORTED], *time = row->e.cell[LC_TIME_REPORTED];
        if (!date) {
                if (!ctx->default_day) {
                        *ret_why = xasprintf("no %s: give --date DATE to file the rows that have none",
                                             heading(t, LC_DATE_REPORTED));
                        return -EINVAL;
                }
                inc->received_at = ctx->default_day;
                x->received_time_known = false;
                if (t->header[LC_DATE_REPORTED]) {
                        _cleanup_free_ char *day = tz_format(ctx->tz, ctx->default_day, "%d/%m/%Y");
                        strlist_take(notes, xasprintf("no %s: filed as reported on %s (--date)",
                                                      heading(t, LC_DATE_REPORTED), day));
                }
                return 0;
        }
        FieldValue v;
        _cleanup_free_ char *both = date_and_time(date, time);
        int r = parse_day_time(both, ctx, &v);
        if (time && (r < 0 || v.date_prec != DATE_MINUTE)) {
                r = parse_day_time(date, ctx, &v);
                if (r >= 0)
                        strlist_take(notes, xasprintf("%s \"%s\" is not a time: left out",
                                                      heading(t, LC_TIME_REPORTED), time));
        }
        if (r < 0) {
                *ret_why = xasprintf("%s \"%s\" is not a date on or before today", heading(t, LC_DATE_REPORTED),
                                     date);
                return -EINVAL;
        }
        if (v.approx) {
                _cleanup_free_ char *day = tz_format(ctx->tz, v.when, "%d/%m/%Y");
                strlist_take(notes, xasprintf("%s \"%s\" is approximate: read as %s", heading(t, LC_DATE_REPORTED),
                                              date, day));
        }
        inc->received_at = v.when;
        x->received_time_known = v.date_prec == DATE_MINUTE;
        return 0;
}

static const struct {
        LogColumn col;
        FieldId field;
} form_cells[] = {
        {LC_DIRECTORATE, F_DIRECTORATE}, {LC_INCIDENT, F_NATURE},          {LC_SOURCE, F_REPORTER_NAME},
        {LC_ACTION_TEXT, F_MEASURES_TAKEN}, {LC_TEAM, F_TEAM},             {LC_VOLUME, F_RECORDS_COUNT},
        {LC_DELAY_REASON, F_DELAY_REASON}, {LC_CATEGORY, F_BREACH_TYPE},   {LC_MEDIUM, F_MEDIUM},
        {LC_INDIVIDUALS, F_INDIVIDUALS_COUNT},
};

static void form_notes(const BreachLogTable *t, const Incident *inc, StrList *notes)
{
        const FieldValue *f = inc->form.f;
        if (f[F_DIRECTORATE].state == FV_UNCLEAR)
                strlist_take(notes, xasprintf("%s \"%s\" is not one of the configured directorates: kept as given",
                                              heading(t, LC_DIRECTORATE), f[F_DIRECTORATE].text));
        if (f[F_OCCURRED_AT].state == FV_UNCLEAR)
                strlist_take(notes, xasprintf("%s \"%s\" is not a date on or before the date reported: kept as given",
                                              heading(t, LC_DATE_INCIDENT), f[F_OCCURRED_AT].text));
        if (f[F_MEDIUM].state == FV_UNCLEAR)
                strlist_take(notes, xasprintf("%s \"%s\" is not one of Electronic, Email, Laptop, Letter, Mobile, "
                                              "Paper, Verbal, Multiple: kept as given",
                                              heading(t, LC_MEDIUM), f[F_MEDIUM].text));
        if (f[F_RECORDS_COUNT].state == FV_UNCLEAR)
                strlist_take(notes, xasprintf("%s \"%s\" is not a number: kept as given", heading(t, LC_VOLUME),
                                              f[F_RECORDS_COUNT].text));
        if (f[F_INDIVIDUALS_COUNT].state == FV_UNCLEAR)
                strlist_take(notes, xasprintf("%s \"%s\" is not a number: kept as given", heading(t, LC_INDIVIDUALS),
                                              f[F_INDIVIDUALS_COUNT].text));
}

static void import_form(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                        StrList *notes)
{
        for (size_t i = 0; i < ARRAY_SIZE(form_cells); i++)
                if (row->e.cell[form_cells[i].col])
                        form_record_set(&inc->form, form_cells[i].field, row->e.cell[form_cells[i].col]);
        const char *date = row->e.cell[LC_DATE_INCIDENT], *time = row->e.cell[LC_TIME_INCIDENT];
        _cleanup_free_ char *occurred = date_and_time(date, time);
        if (occurred)
                form_record_set(&inc->form, F_OCCURRED_AT, occurred);
        else if (time)
                strlist_take(notes, xasprintf("%s \"%s\" has no date with it: left out", heading(t, LC_TIME_INCIDENT),
                                              time));
        ValueContext vc = {
                .tz = ctx->tz,
                .message_time = inc->received_at,
                .directorates = ctx->cfg ? ctx->cfg->directorates : NULL,
                .n_directorates = ctx->cfg ? ctx->cfg->n_directorates : 0,
        };
        values_interpret(&inc->form, &vc);
        /* A log's category is the team's own wording ("Disclosure to 3rd
         * party"): kept as it is, not turned into the nearest breach type. */
        FieldValue *bt = &inc->form.f[F_BREACH_TYPE];
        if (bt->text && (!bt->canon || strcasecmp(bt->canon, bt->text) != 0)) {
                free(bt->canon);
                bt->canon = NULL;
                bt->state = FV_OK;
        }
        form_notes(t, inc, notes);
}

/* A Yes/No cell kept as text: look-alike letters mended, with a note. */
static char *yes_no_text(const BreachLogTable *t, LogColumn c, const char *cell, StrList *notes)
{
        if (!cell)
                return NULL;
        _cleanup_free_ char *mended = NULL;
        if (breachlog_read_yn(cell, &mended) >= 0 && mended) {
                strlist_take(notes, xasprintf("%s %s", heading(t, c), mended));
                Buf ignored = {0};
                char *folded = fold_lookalikes(cell, &ignored);
                buf_free(&ignored);
                return folded;
        }
        return xstrdup(cell);
}

/* A category of the committee report: its standard spelling, or as given. */
static char *category_cell(const BreachLogTable *t, LogColumn c, CommitteeTableId table, const char *cell, StrList *notes)
{
        if (!cell)
                return NULL;
        const char *std = committee_standard_name(table, cell);
        if (!std)
                strlist_take(notes, xasprintf("%s \"%s\" is not one of the report's categories: kept as given",
                                              heading(t, c), cell));
        return xstrdup(std ? std : cell);
}

static void import_decision(const BreachLogTable *t, const LogRow *row, Incident *inc, StrList *notes)
{
        const char *esc = row->e.cell[LC_ESCALATED];
        _cleanup_free_ char *mended = NULL;
        int v = breachlog_read_yn(esc, &mended);
        if (mended)
                strlist_take(notes, xasprintf("%s %s", heading(t, LC_ESCALATED), mended));
        if (esc && v < 0)
                strlist_take(notes, xasprintf("%s \"%s\" is not Yes or No: the ICO decision is left pending",
                                              heading(t, LC_ESCALATED), esc));
        inc->ico_decision = xstrdup(v > 0 ? "notify" : v == 0 ? "not notifiable" : "pending");
}

static void import_status(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                          RegisterExtra *x, StrList *notes)
{
        static const char *const statuses[] = {"open", "assessing", "notified", "closed"};
        const char *closed = row->e.cell[LC_DATE_CLOSED], *status = row->e.cell[LC_STATUS];
        FieldValue v;
        if (closed && parse_day_time(closed, ctx, &v) >= 0)
                inc->closed_at = v.when;
        else if (closed)
                strlist_take(notes, xasprintf("%s \"%s\" is not a date: not recorded", heading(t, LC_DATE_CLOSED),
                                              closed));
        for (size_t i = 0; status && i < ARRAY_SIZE(statuses); i++)
                if (!strcasecmp(status, statuses[i]))
                        inc->status = xstrdup(statuses[i]);
        if (!inc->status) {
                inc->status = xstrdup(inc->closed_at ? "closed" : "open");
                if (status)
                        strlist_take(notes, xasprintf("%s \"%s\" is not open, assessing, notified or closed: "
                                                      "recorded as %s",
                                                      heading(t, LC_STATUS), status, inc->status));
        }
        const char *cwr = row->e.cell[LC_CLOSED_WITHOUT_REPORT];
        _cleanup_free_ char *mended = NULL;
        x->closed_without_report = breachlog_read_yn(cwr, &mended);
        if (mended)
                strlist_take(notes, xasprintf("%s %s", heading(t, LC_CLOSED_WITHOUT_REPORT), mended));
        if (cwr && x->closed_without_report < 0)
                strlist_take(notes, xasprintf("%s \"%s\" is not Yes or No: not recorded",
                                              heading(t, LC_CLOSED_WITHOUT_REPORT), cwr));
}

static void import_assessment(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                              RegisterExtra *x, StrList *notes)
{
        char *const *c = row->e.cell;
        x->personal_data = yes_no_text(t, LC_PERSONAL_DATA, c[LC_PERSONAL_DATA], notes);
        x->breach_of_legislation = yes_no_text(t, LC_BREACH_OF_LEGISLATION, c[LC_BREACH_OF_LEGISLATION], notes);
        x->near_miss = yes_no_text(t, LC_NEAR_MISS, c[LC_NEAR_MISS], notes);
        x->sensitivity = xstrdup(c[LC_SENSITIVITY]);
        x->ico_rationale = xstrdup(c[LC_RATIONALE]);
        x->secondary_category = xstrdup(c[LC_SECONDARY_CATEGORY]);
        x->ico_outcome = xstrdup(c[LC_ICO_OUTCOME]);
        x->root_cause = category_cell(t, LC_ROOT_CAUSE, CT_ROOT_CAUSE, c[LC_ROOT_CAUSE], notes);
        x->action_taken = category_cell(t, LC_ACTION_CATEGORY, CT_ACTION, c[LC_ACTION_CATEGORY], notes);
        inc->ico_reference = xstrdup(c[LC_ICO_REFERENCE]);
        inc->allocated_to = xstrdup(c[LC_ALLOCATED_TO]);
        import_decision(t, row, inc, notes);
        import_status(t, row, ctx, inc, x, notes);
}

/* What the log says about timing wins over what its dates give: the log
 * is the record of what was decided then. */
static void import_timing(const BreachLogTable *t, const LogRow *row, Incident *inc, StrList *notes)
{
        const char *w = row->e.cell[LC_WITHIN_72H];
        _cleanup_free_ char *mended = NULL;
        int v = breachlog_read_yn(w, &mended);
        if (mended)
                strlist_take(notes, xasprintf("%s %s", heading(t, LC_WITHIN_72H), mended));
        if (v >= 0) {
                inc->within_72h = v;
                inc->late = !v;
        } else if (w) {
                strlist_take(notes, xasprintf("%s \"%s\" is not Y or N: %s", heading(t, LC_WITHIN_72H), w,
                                              inc->within_72h < 0 ? "recorded as not known"
                                                                  : "worked out from the dates"));
        }
        const char *d = row->e.cell[LC_DAYS];
        if (!d)
                return;
        char *end = NULL;
        long n = strtol(d, &end, 10);
        if (end != d && !*end && n >= 0 && n < 100000)
                inc->days_to_report = (int)n;
        else
                strlist_take(notes, xasprintf("%s \"%s\" is not a number of days: %s", heading(t, LC_DAYS), d,
                                              inc->days_to_report < 0 ? "not recorded" : "worked out from the dates"));
}

int breachlog_row_to_incident(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                          RegisterExtra *x, StrList *notes, char **ret_why)
{
        Incident in;
        RegisterExtra ex;
        incident_init(&in);
        register_extra_init(&ex);
        int r = import_received(t, row, ctx, &in, &ex, notes, ret_why);
        if (r < 0) {
                incident_free(&in);
                register_extra_free(&ex);
                return r;
        }
        in.ref = xstrdup(row->e.cell[LC_REF]);
        if (in.ref && breachlog_looks_like_date(in.ref))
                strlist_take(notes, xstrdup("the reference looks like a date (a spreadsheet may have turned a "
                                            "reference into one): kept as given, so that it still matches the "
                                            "papers that use it"));
        import_form(t, row, ctx, &in, notes);
        import_assessment(t, row, ctx, &in, &ex, notes);
        incident_evaluate(&in, ctx->tz);
        /* A log never asked the form's questions: nothing is "missing from
         * the report", and nobody is to be asked again. */
        strlist_free(&in.missing);
        import_timing(t, row, &in, notes);
        char tok[25];
        random_token(tok, 24);
        in.token = xstrdup(tok);
        in.filed_at = ctx->now;
        ex.source = xstrdup("import");
        ex.import_origin = xasprintf("%s line %zu", ctx->origin ? ctx->origin : "import", row->line);
        *inc = in;
        *x = ex;
        return 0;
}
