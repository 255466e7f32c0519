/* committee.c — see committee.h. */
#include "ctl/committee.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "ctl/output.h"

/* ---- the tables ----------------------------------------------------------- */

typedef struct {
        const char *title, *note;
        const char *const *standard;   /* NULL-terminated, in the order the report shows them */
        const char *unknown;           /* the column of incidents with no value */
} TableDef;

#define L(...) (const char *const[]){__VA_ARGS__, NULL}

static const TableDef table_defs[CT__MAX] = {
        [CT_RESPONSE] = {"Response time",
                         "Response time is the time taken for the central team to be told of a breach by the "
                         "service in which it took place. ICO guidance is that this should be within 72 hours.",
                         L("< 72 hours", "> 72 hours"), "Not known"},
        [CT_MEDIUM] = {"Medium",
                       "The format in which the data breach occurred. Breaches across several media are counted "
                       "as Multiple.",
                       L("Electronic", "Email", "Laptop", "Letter", "Multiple", "Mobile", "Paper", "Verbal"),
                       "Not known"},
        [CT_IMPACTED] = {"Number impacted",
                         "The number of individuals either confirmed or likely to have been impacted.",
                         L("1", "2 to 5", "> 5"), "Not known"},
        [CT_ROOT_CAUSE] = {"Root cause", "The root cause of each breach, in the categories of the NHS Data "
                                         "Security and Protection Toolkit.",
                           L("Cyber", "Human Error", "Inappropriate Action by Staff", "Criminal Action",
                             "System Error"),
                           "Not recorded"},
        [CT_ACTION] = {"Action taken",
                       "The primary action taken to respond to or rectify each breach; all breaches result in an "
                       "apology to those impacted.",
                       L("Corrective Action", "Disciplinary", "Police Notified", "Revised Process", "Training"),
                       "Not recorded"},
        [CT_ICO] = {"ICO notifications",
                    "Breaches notified to the Information Commissioner's Office, and the decisions recorded on the "
                    "others.",
                    L("Notified", "Not notifiable", "Decision pending"), "Not recorded"},
};

static const char *trimmed_or_null(const char *s)
{
        return str_empty(s) ? NULL : s;
}

/* The column of row c in table t: a standard name, the row's own value
 * (which becomes an extra column), or NULL for the table's unknown column. */
static const char *category_of(const CommitteeRow *c, CommitteeTableId t)
{
        switch (t) {
        case CT_RESPONSE:
                return c->within_72h < 0 ? NULL : c->within_72h ? "< 72 hours" : "> 72 hours";
        case CT_MEDIUM:
                return trimmed_or_null(c->medium);
        case CT_IMPACTED:
                if (c->individuals < 0)
                        return NULL;
                return c->individuals == 0 ? "None" : c->individuals == 1 ? "1" : c->individuals <= 5 ? "2 to 5" : "> 5";
        case CT_ROOT_CAUSE:
                return trimmed_or_null(c->root_cause);
        case CT_ACTION:
                return trimmed_or_null(c->action_taken);
        case CT_ICO:
                if (!c->ico_decision)
                        return NULL;
                if (!strcmp(c->ico_decision, "notify"))
                        return "Notified";
                if (!strcmp(c->ico_decision, "not notifiable"))
                        return "Not notifiable";
                if (!strcmp(c->ico_decision, "pending"))
                        return "Decision pending";
                return c->ico_decision;
        case CT__MAX:
                break;
        }
        return NULL;
}

const char *committee_standard_name(CommitteeTableId t, const char *s)
{
        if (str_empty(s) || t < 0 || t >= CT__MAX)
                return NULL;
        _cleanup_free_ char *copy = xstrdup(s);
        const char *want = str_trim(copy);
        for (const char *const *n = table_defs[t].standard; *n; n++)
                if (!strcasecmp(*n, want))
                        return *n;
        return NULL;
}

/* Index of name in l ignoring case and surrounding space, or -1. */
static ssize_t find_ci(const StrList *l, const char *name)
{
        _cleanup_free_ char *want = xstrdup(name);
        const char *w = str_trim(want);
        for (size_t i = 0; i < l->n; i++)
                if (!strcasecmp(l->v[i], w))
                        return (ssize_t)i;
        return -1;
}

static void add_unique(StrList *l, const char *name)
{
        if (find_ci(l, name) < 0) {
                _cleanup_free_ char *copy = xstrdup(name);
                strlist_add(l, str_trim(copy));
        }
}

static int cmp_ci(const void *a, const void *b)
{
        return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* A directorate answer that says there is none, or that it is not ours. */
static bool no_directorate(const char *d)
{
        static const char *const none[] = {COMMITTEE_NO_DIRECTORATE, "External", "Not known", "Unknown", "N/K",
                                           "None", "External / Not Known"};
        if (str_empty(d))
                return true;
        _cleanup_free_ char *copy = xstrdup(d);
        const char *t = str_trim(copy);
        for (size_t i = 0; i < ARRAY_SIZE(none); i++)
                if (!strcasecmp(t, none[i]))
                        return true;
        return false;
}

static void build_directorates(const Config *cfg, const CommitteeRow *rows, size_t n, StrList *ret)
{
        StrList found = {0};
        for (size_t i = 0; cfg && i < cfg->n_directorates; i++)
                add_unique(ret, cfg->directorates[i].name);
        for (size_t i = 0; i < n; i++)
                if (!no_directorate(rows[i].directorate) && find_ci(ret, rows[i].directorate) < 0)
                        add_unique(&found, rows[i].directorate);
        if (found.n)
                qsort(found.v, found.n, sizeof *found.v, cmp_ci);
        for (size_t i = 0; i < found.n; i++)
                strlist_add(ret, found.v[i]);
        strlist_free(&found);
        strlist_add(ret, COMMITTEE_NO_DIRECTORATE);
}

static size_t directorate_row(const CommitteeReport *r, const CommitteeRow *c)
{
        ssize_t i = no_directorate(c->directorate) ? -1 : find_ci(&r->directorates, c->directorate);
        return i < 0 ? r->directorates.n - 1 : (size_t)i;
}

static void build_table(CommitteeReport *r, CommitteeTableId t)
{
        const TableDef *d = &table_defs[t];
        CommitteeTable *tab = &r->t[t];
        tab->title = d->title;
        tab->note = d->note;
        StrList extra = {0};
        bool unknown = false;
        for (const char *const *s = d->standard; *s; s++)
                strlist_add(&tab->cols, *s);
        for (size_t i = 0; i < r->n_rows; i++) {
                const char *cat = category_of(&r->rows[i], t);
                if (!cat)
                        unknown = true;
                else if (find_ci(&tab->cols, cat) < 0)
                        add_unique(&extra, cat);
        }
        if (extra.n)
                qsort(extra.v, extra.n, sizeof *extra.v, cmp_ci);
        for (size_t i = 0; i < extra.n; i++)
                strlist_add(&tab->cols, extra.v[i]);
        strlist_free(&extra);
        if (unknown)
                strlist_add(&tab->cols, d->unknown);
        tab->cells = xcalloc(r->directorates.n * tab->cols.n, sizeof *tab->cells);
        for (size_t i = 0; i < r->n_rows; i++) {
                const char *cat = category_of(&r->rows[i], t);
                size_t col = cat ? (size_t)find_ci(&tab->cols, cat) : tab->cols.n - 1;
                tab->cells[directorate_row(r, &r->rows[i]) * tab->cols.n + col]++;
        }
}

void committee_build(const Config *cfg, int64_t from, int64_t to, CommitteeRow *rows, size_t n,
                     CommitteeReport *ret)
{
        CommitteeReport r = {.from = from, .to = to, .rows = rows, .n_rows = n};
        if (cfg && !str_empty(cfg->organisation))
                r.organisation = xstrdup(cfg->organisation);
        build_directorates(cfg, rows, n, &r.directorates);
        for (int t = 0; t < CT__MAX; t++)
                build_table(&r, (CommitteeTableId)t);
        r.total = n;
        for (size_t i = 0; i < n; i++) {
                if (rows[i].within_72h > 0)
                        r.within++;
                else if (rows[i].within_72h == 0)
                        r.late++;
                else
                        r.not_known_72h++;
                if (rows[i].ico_decision && !strcmp(rows[i].ico_decision, "notify"))
                        r.ico_notified++;
        }
        *ret = r;
}

void committee_free(CommitteeReport *r)
{
        if (!r)
                return;
        free(r->organisation);
        strlist_free(&r->directorates);
        for (int t = 0; t < CT__MAX; t++) {
                strlist_free(&r->t[t].cols);
                free(r->t[t].cells);
        }
        committee_rows_free(r->rows, r->n_rows);
        memset(r, 0, sizeof *r);
}

int64_t committee_cell(const CommitteeReport *r, CommitteeTableId t, size_t row, size_t col)
{
        return r->t[t].cells[row * r->t[t].cols.n + col];
}

int64_t committee_row_total(const CommitteeReport *r, CommitteeTableId t, size_t row)
{
        int64_t sum = 0;
        for (size_t c = 0; c < r->t[t].cols.n; c++)
                sum += committee_cell(r, t, row, c);
        return sum;
}

int64_t committee_col_total(const CommitteeReport *r, CommitteeTableId t, size_t col)
{
        int64_t sum = 0;
        for (size_t row = 0; row < r->directorates.n; row++)
                sum += committee_cell(r, t, row, col);
        return sum;
}

int committee_parse_day(const char *s, const Tz *tz, int64_t *ret)
{
        int y, m, d, used = 0;
        if (!s)
                return -EINVAL;
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == (int)strlen(s) && used == 10)
                return tz_local_to_utc(tz, y, m, d, 0, 0, ret);
        if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &used) == 3 && used == (int)strlen(s) && y >= 1000)
                return tz_local_to_utc(tz, y, m, d, 0, 0, ret);
        return -EINVAL;
}

/* ---- shared by the writers ------------------------------------------------- */

/* "1 September 2023 to 9 February 2024"; to is exclusive. */
static char *period_text(const CommitteeReport *r, const Tz *tz)
{
        _cleanup_free_ char *a = tz_format(tz, r->from, "%-d %B %Y");
        _cleanup_free_ char *b = tz_format(tz, r->to - 1, "%-d %B %Y");
        return xasprintf("%s to %s", a, b);
}

static char *summary_text(const CommitteeReport *r)
{
        Buf b = {0};
        buf_printf(&b, "Overall there %s been %zu data breach%s, %zu being notified to the central team in under "
                       "72 hours and %zu requiring notification to the ICO.",
                   r->total == 1 ? "has" : "have", r->total, r->total == 1 ? "" : "es", r->within, r->ico_notified);
        if (r->late)
                buf_printf(&b, " %zu %s notified after 72 hours.", r->late, r->late == 1 ? "was" : "were");
        if (r->not_known_72h)
                buf_printf(&b, " For %zu the register does not say whether %s reported within 72 hours.",
                           r->not_known_72h, r->not_known_72h == 1 ? "it was" : "they were");
        return buf_steal(&b);
}

static const char *yn(int within)
{
        return within < 0 ? "?" : within ? "Y" : "N";
}

static const char *or_empty(const char *s)
{
        return s ? s : "";
}

/* ---- text ------------------------------------------------------------------- */

static size_t utf8_len(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

/* s cut to at most max characters ("…" marking a cut), padded to width. */
static void put_cell(FILE *f, const char *s, size_t width, bool right)
{
        Buf b = {0};
        size_t chars = 0;
        for (const char *p = s; *p; p++) {
                if (((unsigned char)*p & 0xc0) != 0x80 && ++chars > width)
                        break;
                buf_putc(&b, *p == '\n' || *p == '\t' ? ' ' : *p);
        }
        if (chars > width) {
                /* Drop the last character to make room for the ellipsis. */
                while (b.len && ((unsigned char)b.s[b.len - 1] & 0xc0) == 0x80)
                        b.len--;
                if (b.len)
                        b.len--;
                b.s[b.len] = 0;
                buf_puts(&b, "\u2026");
        }
        size_t len = utf8_len(b.s);
        if (right)
                fprintf(f, "%*s%s", (int)(width > len ? width - len : 0), "", b.s);
        else
                fprintf(f, "%s%*s", b.s, (int)(width > len ? width - len : 0), "");
        buf_free(&b);
}

static size_t name_width(const CommitteeReport *r)
{
        size_t w = strlen("Directorate");
        for (size_t i = 0; i < r->directorates.n; i++)
                if (utf8_len(r->directorates.v[i]) > w)
                        w = utf8_len(r->directorates.v[i]);
        return w > 44 ? 44 : w;
}

static void text_table(FILE *f, const CommitteeReport *r, CommitteeTableId t, size_t nw)
{
        const CommitteeTable *tab = &r->t[t];
        size_t w[64];
        size_t ncols = tab->cols.n < ARRAY_SIZE(w) ? tab->cols.n : ARRAY_SIZE(w);
        fprintf(f, "\n%s\n", tab->title);
        put_cell(f, "Directorate", nw, false);
        for (size_t c = 0; c < ncols; c++) {
                w[c] = utf8_len(tab->cols.v[c]) > 5 ? utf8_len(tab->cols.v[c]) : 5;
                fputs("  ", f);
                put_cell(f, tab->cols.v[c], w[c], true);
        }
        fputs("  TOTAL\n", f);
        for (size_t row = 0; row <= r->directorates.n; row++) {
                bool total = row == r->directorates.n;
                put_cell(f, total ? "TOTAL" : r->directorates.v[row], nw, false);
                for (size_t c = 0; c < ncols; c++) {
                        char num[24];
                        snprintf(num, sizeof num, "%lld",
                                 (long long)(total ? committee_col_total(r, t, c) : committee_cell(r, t, row, c)));
                        fputs("  ", f);
                        put_cell(f, num, w[c], true);
                }
                int64_t sum = 0;
                for (size_t c = 0; c < ncols; c++)
                        sum += total ? committee_col_total(r, t, c) : committee_cell(r, t, row, c);
                fprintf(f, "  %5lld\n", (long long)sum);
        }
        fprintf(f, "%s\n", tab->note);
}

static void text_ico(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        if (!r->ico_notified) {
                fputs("No breach in this period was notified to the ICO.\n", f);
                return;
        }
        fputs("Notified to the ICO:\n", f);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                if (!c->ico_decision || strcmp(c->ico_decision, "notify"))
                        continue;
                _cleanup_free_ char *when = c->ico_notified_at ? tz_format(tz, c->ico_notified_at, "%d/%m/%Y") : NULL;
                fprintf(f, "  %-12s  ICO reference %s, notified %s, outcome: %s\n", c->ref,
                        c->ico_reference ? c->ico_reference : "not recorded", when ? when : "(date not recorded)",
                        c->ico_outcome ? c->ico_outcome : "awaited or not recorded");
        }
}

static void text_detail(FILE *f, const CommitteeReport *r)
{
        fputs("\nData breaches summary\n", f);
        fputs("Reference     72h  Directorate                               Root cause / Action taken\n", f);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                put_cell(f, c->ref, 12, false);
                fprintf(f, "  %-3s  ", yn(c->within_72h));
                put_cell(f, no_directorate(c->directorate) ? COMMITTEE_NO_DIRECTORATE : c->directorate, 40, false);
                fprintf(f, "  %s / %s\n", c->root_cause ? c->root_cause : "-", c->action_taken ? c->action_taken : "-");
                fputs("              ", f);
                for (const char *p = or_empty(c->summary); *p; p++)
                        fputc(*p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p, f);
                fputc('\n', f);
        }
}

int committee_write_text(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        _cleanup_free_ char *period = period_text(r, tz);
        _cleanup_free_ char *summary = summary_text(r);
        fputs("Data Security Incident Report\n", f);
        if (r->organisation)
                fprintf(f, "%s\n", r->organisation);
        fprintf(f, "%s\n\n%s\n", period, summary);
        size_t nw = name_width(r);
        for (int t = 0; t < CT__MAX; t++)
                text_table(f, r, (CommitteeTableId)t, nw);
        text_ico(f, r, tz);
        text_detail(f, r);
        return ferror(f) ? -EIO : 0;
}

/* ---- CSV -------------------------------------------------------------------- */

static void csv_row(FILE *f, const char *const *cells, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (i)
                        fputc(',', f);
                output_csv_field(f, cells[i]);
        }
        fputs("\r\n", f);
}

static void csv_count_row(FILE *f, const char *label, int64_t n)
{
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)n);
        csv_row(f, (const char *[]){label, num}, 2);
}

static void csv_table(FILE *f, const CommitteeReport *r, CommitteeTableId t)
{
        const CommitteeTable *tab = &r->t[t];
        size_t n = tab->cols.n + 2;
        const char **cells = xcalloc(n, sizeof *cells);
        char(*nums)[24] = xcalloc(n, sizeof *nums);
        csv_row(f, (const char *[]){tab->title}, 1);
        cells[0] = "Directorate";
        for (size_t c = 0; c < tab->cols.n; c++)
                cells[c + 1] = tab->cols.v[c];
        cells[n - 1] = "TOTAL";
        csv_row(f, cells, n);
        for (size_t row = 0; row <= r->directorates.n; row++) {
                bool total = row == r->directorates.n;
                int64_t sum = 0;
                cells[0] = total ? "TOTAL" : r->directorates.v[row];
                for (size_t c = 0; c < tab->cols.n; c++) {
                        int64_t v = total ? committee_col_total(r, t, c) : committee_cell(r, t, row, c);
                        sum += v;
                        snprintf(nums[c + 1], sizeof nums[c + 1], "%lld", (long long)v);
                        cells[c + 1] = nums[c + 1];
                }
                snprintf(nums[n - 1], sizeof nums[n - 1], "%lld", (long long)sum);
                cells[n - 1] = nums[n - 1];
                csv_row(f, cells, n);
        }
        fputs("\r\n", f);
        free(cells);
        free(nums);
}

static void csv_ico_and_detail(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        csv_row(f, (const char *[]){"ICO outcomes"}, 1);
        csv_row(f, (const char *[]){"Reference", "Directorate", "ICO reference", "Notified", "Outcome"}, 5);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                if (!c->ico_decision || strcmp(c->ico_decision, "notify"))
                        continue;
                _cleanup_free_ char *when = c->ico_notified_at ? tz_format(tz, c->ico_notified_at, "%d/%m/%Y") : NULL;
                csv_row(f, (const char *[]){c->ref, or_empty(c->directorate), or_empty(c->ico_reference),
                                            or_empty(when), or_empty(c->ico_outcome)},
                        5);
        }
        fputs("\r\n", f);
        csv_row(f, (const char *[]){"Data breaches summary"}, 1);
        csv_row(f,
                (const char *[]){"Reference", "Report within 72 Hrs", "Directorate", "Summary", "Root Cause",
                                 "Action Taken"},
                6);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                const char *dir = no_directorate(c->directorate) ? COMMITTEE_NO_DIRECTORATE : c->directorate;
                csv_row(f,
                        (const char *[]){c->ref, c->within_72h < 0 ? "" : yn(c->within_72h), dir,
                                         or_empty(c->summary), or_empty(c->root_cause), or_empty(c->action_taken)},
                        6);
        }
}

int committee_write_csv(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        _cleanup_free_ char *period = period_text(r, tz);
        csv_row(f, (const char *[]){"Data Security Incident Report", period, or_empty(r->organisation)},
                r->organisation ? 3 : 2);
        fputs("\r\n", f);
        csv_row(f, (const char *[]){"Summary"}, 1);
        csv_count_row(f, "Data breaches", (int64_t)r->total);
        csv_count_row(f, "Reported within 72 hours", (int64_t)r->within);
        csv_count_row(f, "Reported after 72 hours", (int64_t)r->late);
        csv_count_row(f, "Not known whether within 72 hours", (int64_t)r->not_known_72h);
        csv_count_row(f, "Notified to the ICO", (int64_t)r->ico_notified);
        fputs("\r\n", f);
        for (int t = 0; t < CT__MAX; t++)
                csv_table(f, r, (CommitteeTableId)t);
        csv_ico_and_detail(f, r, tz);
        return ferror(f) ? -EIO : 0;
}

/* ---- HTML ------------------------------------------------------------------- */

static void html_text(FILE *f, const char *s)
{
        for (const char *p = s ? s : ""; *p; p++) {
                switch (*p) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                case '\'': fputs("&#39;", f); break;
                default: fputc(*p, f); break;
                }
        }
}

/* Colour-blind-safe (Okabe and Ito), then more; grey is kept for the
 * "not known" column so that the eye reads it as missing, not as data. */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                      "#F0E442", "#332288", "#117733", "#882255", "#44AA99", "#999933"};
#define UNKNOWN_COLOUR "#BBBBBB"

static const char *col_colour(const CommitteeReport *r, CommitteeTableId t, size_t c)
{
        const char *name = r->t[t].cols.v[c];
        if (!strcmp(name, table_defs[t].unknown))
                return UNKNOWN_COLOUR;
        return palette[c % ARRAY_SIZE(palette)];
}

/* The chart's label: at most 44 characters, "…" marking a cut. */
static char *chart_label(const char *s)
{
        Buf b = {0};
        size_t chars = 0;
        for (const char *p = s; *p; p++) {
                if (((unsigned char)*p & 0xc0) != 0x80 && ++chars > 43) {
                        buf_puts(&b, "\u2026");
                        break;
                }
                buf_putc(&b, *p);
        }
        return buf_steal(&b);
}

enum { SVG_W = 700, SVG_LABEL = 290, SVG_ROW = 20, SVG_BAR = 14, SVG_LEGEND_ROW = 18 };

/* The legend, wrapped to the chart's width; returns its height. */
static int svg_legend(FILE *f, const CommitteeReport *r, CommitteeTableId t)
{
        int x = 0, y = 0;
        for (size_t c = 0; c < r->t[t].cols.n; c++) {
                const char *name = r->t[t].cols.v[c];
                int w = 22 + (int)utf8_len(name) * 7 + 14;
                if (x && x + w > SVG_W) {
                        x = 0;
                        y += SVG_LEGEND_ROW;
                }
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y + 2,
                        col_colour(r, t, c));
                fprintf(f, "<text x=\"%d\" y=\"%d\">", x + 17, y + 12);
                html_text(f, name);
                fputs("</text>\n", f);
                x += w;
        }
        return y + SVG_LEGEND_ROW + 6;
}

static void svg_bar(FILE *f, const CommitteeReport *r, CommitteeTableId t, size_t row, int y, int64_t max)
{
        double scale = (double)(SVG_W - SVG_LABEL - 40) / (double)max;
        _cleanup_free_ char *label = chart_label(r->directorates.v[row]);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", SVG_LABEL - 8, y + 11);
        html_text(f, label);
        fputs("</text>", f);
        double x = SVG_LABEL;
        for (size_t c = 0; c < r->t[t].cols.n; c++) {
                int64_t v = committee_cell(r, t, row, c);
                if (!v)
                        continue;
                fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x, y,
                        (double)v * scale, SVG_BAR, col_colour(r, t, c));
                html_text(f, r->directorates.v[row]);
                fputs(": ", f);
                html_text(f, r->t[t].cols.v[c]);
                fprintf(f, " %lld</title></rect>", (long long)v);
                x += (double)v * scale;
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\">%lld</text>\n", x + 5, y + 11,
                (long long)committee_row_total(r, t, row));
}

/* A horizontal stacked bar per directorate with incidents. */
static void svg_chart(FILE *f, const CommitteeReport *r, CommitteeTableId t)
{
        int64_t max = 0;
        size_t bars = 0;
        for (size_t row = 0; row < r->directorates.n; row++) {
                int64_t sum = committee_row_total(r, t, row);
                if (sum > max)
                        max = sum;
                bars += sum > 0;
        }
        if (!bars)
                return;
        /* The legend is drawn first to know its height; the <svg> element
         * needs the total height, so the legend goes into a buffer. */
        char *legend = NULL;
        size_t legend_len = 0;
        FILE *lf = open_memstream(&legend, &legend_len);
        if (!lf)
                return;
        int top = svg_legend(lf, r, t);
        fclose(lf);
        int height = top + (int)bars * SVG_ROW + 4;
        fprintf(f, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                   "height=\"%d\" role=\"img\" aria-label=\"",
                SVG_W, height, SVG_W, height);
        html_text(f, r->t[t].title);
        fputs(" by directorate\">\n", f);
        fputs(legend, f);
        free(legend);
        int y = top;
        for (size_t row = 0; row < r->directorates.n; row++) {
                if (!committee_row_total(r, t, row))
                        continue;
                svg_bar(f, r, t, row, y, max);
                y += SVG_ROW;
        }
        fputs("</svg>\n", f);
}

static void html_table(FILE *f, const CommitteeReport *r, CommitteeTableId t)
{
        const CommitteeTable *tab = &r->t[t];
        fputs("<table class=\"counts\">\n<thead><tr><th>Directorate</th>", f);
        for (size_t c = 0; c < tab->cols.n; c++) {
                fputs("<th class=\"n\">", f);
                html_text(f, tab->cols.v[c]);
                fputs("</th>", f);
        }
        fputs("<th class=\"n\">TOTAL</th></tr></thead>\n<tbody>\n", f);
        for (size_t row = 0; row <= r->directorates.n; row++) {
                bool total = row == r->directorates.n;
                fputs(total ? "<tr class=\"total\"><td>TOTAL" : "<tr><td>", f);
                if (!total)
                        html_text(f, r->directorates.v[row]);
                fputs("</td>", f);
                int64_t sum = 0;
                for (size_t c = 0; c < tab->cols.n; c++) {
                        int64_t v = total ? committee_col_total(r, t, c) : committee_cell(r, t, row, c);
                        sum += v;
                        fprintf(f, "<td class=\"n\">%lld</td>", (long long)v);
                }
                fprintf(f, "<td class=\"n\">%lld</td></tr>\n", (long long)sum);
        }
        fputs("</tbody></table>\n", f);
}

static const char html_style[] =
        "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;font-size:10.5pt;color:#111;"
        "background:#fff;max-width:190mm;margin:1.5em auto;padding:0 1em;line-height:1.35}\n"
        "h1{font-size:18pt;margin:0 0 .2em}h2{font-size:13pt;border-bottom:1px solid #666;margin:1.2em 0 .4em}\n"
        "p.meta{margin:0;color:#333}p.note{font-size:9pt;color:#333;margin:.3em 0 0}\n"
        "table{border-collapse:collapse;width:100%;margin:.4em 0}\n"
        "th,td{border:1px solid #999;padding:2px 5px;vertical-align:top;text-align:left}\n"
        "th{background:#eee}.n{text-align:right;font-variant-numeric:tabular-nums}\n"
        "table.counts{font-size:9.5pt}table.counts th{font-size:8pt;hyphens:auto}\n"
        "tr.total td{font-weight:bold;border-top:2px solid #333}\n"
        "svg.chart{display:block;max-width:100%;height:auto;margin:.4em 0}\n"
        "svg.chart text{font-size:11px;font-family:inherit;fill:#111}\n"
        "table.detail{font-size:9pt}table.detail td.yn{text-align:center}\n"
        "@page{size:A4 portrait;margin:14mm 12mm}\n"
        "@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt}"
        "section{break-inside:avoid;page-break-inside:avoid}"
        "section.detail{break-before:page;page-break-before:always;break-inside:auto;page-break-inside:auto}"
        "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
        "h2{break-after:avoid;page-break-after:avoid}}\n";

static void html_head(FILE *f, const CommitteeReport *r, const char *period)
{
        fputs("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n", f);
        /* Nothing may be fetched: no scripts, no external style or image. */
        fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'; img-src data:\">\n",
              f);
        fputs("<title>Data Security Incident Report ", f);
        html_text(f, period);
        fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>Data Security Incident Report</h1>\n",
                html_style);
        if (r->organisation) {
                fputs("<p class=\"meta\">", f);
                html_text(f, r->organisation);
                fputs("</p>\n", f);
        }
        fputs("<p class=\"meta\">", f);
        html_text(f, period);
        fputs("</p>\n</header>\n", f);
}

static void html_ico(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        if (!r->ico_notified) {
                fputs("<p>No breach in this period was notified to the ICO.</p>\n", f);
                return;
        }
        fputs("<table><thead><tr><th>Reference</th><th>Directorate</th><th>ICO reference</th><th>Notified</th>"
              "<th>Outcome</th></tr></thead><tbody>\n",
              f);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                if (!c->ico_decision || strcmp(c->ico_decision, "notify"))
                        continue;
                _cleanup_free_ char *when = c->ico_notified_at ? tz_format(tz, c->ico_notified_at, "%d/%m/%Y") : NULL;
                const char *cells[] = {c->ref, c->directorate, c->ico_reference ? c->ico_reference : "not recorded",
                                       when ? when : "not recorded",
                                       c->ico_outcome ? c->ico_outcome : "awaited or not recorded"};
                fputs("<tr>", f);
                for (size_t k = 0; k < ARRAY_SIZE(cells); k++) {
                        fputs("<td>", f);
                        html_text(f, cells[k]);
                        fputs("</td>", f);
                }
                fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
}

static void html_detail(FILE *f, const CommitteeReport *r)
{
        fputs("<section class=\"detail\">\n<h2>Data breaches summary</h2>\n<table class=\"detail\"><thead><tr>"
              "<th>Reference</th><th>Report within 72&nbsp;Hrs</th><th>Directorate</th><th>Summary</th>"
              "<th>Root Cause</th><th>Action Taken</th></tr></thead>\n<tbody>\n",
              f);
        for (size_t i = 0; i < r->n_rows; i++) {
                const CommitteeRow *c = &r->rows[i];
                fputs("<tr><td>", f);
                html_text(f, c->ref);
                fprintf(f, "</td><td class=\"yn\">%s</td><td>", c->within_72h < 0 ? "" : yn(c->within_72h));
                html_text(f, no_directorate(c->directorate) ? COMMITTEE_NO_DIRECTORATE : c->directorate);
                fputs("</td><td>", f);
                html_text(f, c->summary);
                fputs("</td><td>", f);
                html_text(f, c->root_cause);
                fputs("</td><td>", f);
                html_text(f, c->action_taken);
                fputs("</td></tr>\n", f);
        }
        fputs("</tbody></table>\n</section>\n", f);
}

int committee_write_html(FILE *f, const CommitteeReport *r, const Tz *tz)
{
        _cleanup_free_ char *period = period_text(r, tz);
        _cleanup_free_ char *summary = summary_text(r);
        html_head(f, r, period);
        fputs("<section>\n<h2>Executive summary</h2>\n<p>", f);
        html_text(f, summary);
        fputs("</p>\n</section>\n", f);
        for (int t = 0; t < CT__MAX; t++) {
                fputs("<section>\n<h2>", f);
                html_text(f, r->t[t].title);
                fputs("</h2>\n", f);
                svg_chart(f, r, (CommitteeTableId)t);
                html_table(f, r, (CommitteeTableId)t);
                fputs("<p class=\"note\">", f);
                html_text(f, r->t[t].note);
                fputs("</p>\n", f);
                if (t == CT_ICO)
                        html_ico(f, r, tz);
                fputs("</section>\n", f);
        }
        html_detail(f, r);
        fputs("</body>\n</html>\n", f);
        return ferror(f) ? -EIO : 0;
}
