/* test_committee.c — the committee report's tables (committee.c) and the
 * breach log's reading and writing (breachlog.c, store_register.c): table-driven
 * cases with messy rows, and a register round trip in a temporary database. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/breachlog.h"
#include "ctl/committee.h"
#include "register/store_register.h"
#include "fixture.h"
#include "tap.h"

static Tz *tz;

static CommitteeRow row(const char *ref, const char *dir, int within, const char *medium, int64_t individuals,
                        const char *root, const char *action, const char *decision)
{
        return (CommitteeRow){
                .ref = xstrdup(ref), .directorate = xstrdup(dir), .within_72h = within, .medium = xstrdup(medium),
                .individuals = individuals, .root_cause = xstrdup(root), .action_taken = xstrdup(action),
                .ico_decision = xstrdup(decision), .summary = xasprintf("summary of %s", ref),
        };
}

static char *cols_of(const CommitteeReport *r, CommitteeTableId t)
{
        return strlist_join(&r->t[t].cols, "|");
}

static void test_build(void)
{
        Directorate d[] = {{.name = "Adult Social Care"}, {.name = "Corporate Services"}};
        Config cfg = {.directorates = d, .n_directorates = 2, .organisation = "Test Council"};
        CommitteeRow *rows = xcalloc(5, sizeof *rows);
        rows[0] = row("A1", "Adult Social Care", 1, "Email", 1, "Human Error", "Corrective Action", "notify");
        rows[1] = row("A2", "adult social care ", 0, NULL, 3, "human error", "Training", "pending");
        rows[2] = row("A3", "Regeneration", -1, "Paper", 12, "Carelessness", NULL, "not notifiable");
        rows[3] = row("A4", NULL, 1, "Email", 0, NULL, "Corrective Action", "pending");
        rows[4] = row("A5", "External", 1, "Email", 6, "Cyber", "Police Notified", "pending");
        CommitteeReport r;
        committee_build(&cfg, 0, 86400, rows, 5, &r);

        _cleanup_free_ char *dirs = strlist_join(&r.directorates, "|");
        TAP_STR_EQ(dirs, "Adult Social Care|Corporate Services|Regeneration|External/Not Known",
                   "rows: the configured directorates, then one found in the data, then External/Not Known");
        TAP_INT_EQ(r.total, 5, "five incidents");
        TAP_INT_EQ(r.within, 3, "three within 72 hours");
        TAP_INT_EQ(r.late, 1, "one after");
        TAP_INT_EQ(r.not_known_72h, 1, "one not known");
        TAP_INT_EQ(r.ico_notified, 1, "one notified to the ICO");

        _cleanup_free_ char *resp = cols_of(&r, CT_RESPONSE);
        TAP_STR_EQ(resp, "< 72 hours|> 72 hours|Not known", "response columns, Not known only because one is");
        TAP_INT_EQ(committee_cell(&r, CT_RESPONSE, 0, 0), 1, "ASC within: 1");
        TAP_INT_EQ(committee_cell(&r, CT_RESPONSE, 0, 1), 1, "ASC after: 1 (case and space ignored)");
        TAP_INT_EQ(committee_cell(&r, CT_RESPONSE, 2, 2), 1, "Regeneration not known: 1");
        TAP_INT_EQ(committee_cell(&r, CT_RESPONSE, 3, 0), 2, "no directorate and 'External' both count as External");
        TAP_INT_EQ(committee_row_total(&r, CT_RESPONSE, 1), 0, "Corporate Services: none, but a row");
        TAP_INT_EQ(committee_col_total(&r, CT_RESPONSE, 0), 3, "column total");

        _cleanup_free_ char *imp = cols_of(&r, CT_IMPACTED);
        TAP_STR_EQ(imp, "1|2 to 5|> 5|None", "impacted: 0 is None; no Not known column when all are known");
        TAP_INT_EQ(committee_cell(&r, CT_IMPACTED, 0, 1), 1, "3 people: 2 to 5");
        TAP_INT_EQ(committee_cell(&r, CT_IMPACTED, 2, 2), 1, "12 people: > 5");
        TAP_INT_EQ(committee_cell(&r, CT_IMPACTED, 3, 2), 1, "6 people: > 5");
        TAP_INT_EQ(committee_cell(&r, CT_IMPACTED, 3, 3), 1, "0 people: None");

        _cleanup_free_ char *root = cols_of(&r, CT_ROOT_CAUSE);
        TAP_STR_EQ(root, "Cyber|Human Error|Inappropriate Action by Staff|Criminal Action|System Error|Carelessness|"
                         "Not recorded",
                   "root causes: the standard five, one found in the data, Not recorded");
        TAP_INT_EQ(committee_cell(&r, CT_ROOT_CAUSE, 0, 1), 2, "human error in any case is Human Error");

        _cleanup_free_ char *med = cols_of(&r, CT_MEDIUM);
        TAP_STR_EQ(med, "Electronic|Email|Laptop|Letter|Multiple|Mobile|Paper|Verbal|Not known", "medium columns");
        TAP_INT_EQ(committee_col_total(&r, CT_MEDIUM, 1), 3, "three by email");

        TAP_INT_EQ(committee_cell(&r, CT_ICO, 0, 0), 1, "ASC: one notified");
        TAP_INT_EQ(committee_cell(&r, CT_ICO, 2, 1), 1, "Regeneration: one not notifiable");
        TAP_INT_EQ(committee_col_total(&r, CT_ICO, 2), 3, "three pending");

        TAP_STR_EQ(committee_standard_name(CT_ACTION, " police notified"), "Police Notified", "standard spelling");
        TAP_STR_EQ(committee_standard_name(CT_ACTION, "Apology"), NULL, "not a standard action");
        committee_free(&r);
}

static char *write_with(int (*w)(FILE *, const CommitteeReport *, const Tz *), const CommitteeReport *r)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        w(f, r, tz);
        fclose(f);
        return buf;
}

static void test_writers(void)
{
        Directorate d[] = {{.name = "R&D <Lab>"}};
        Config cfg = {.directorates = d, .n_directorates = 1};
        CommitteeRow *rows = xcalloc(2, sizeof *rows);
        rows[0] = row("X1", "R&D <Lab>", 1, "Email", 1, "Human Error", "Corrective Action", "notify");
        rows[1] = row("X2", "R&D <Lab>", 0, "Email", 2, "Human Error", "Training", "pending");
        free(rows[1].summary);
        rows[1].summary = xstrdup("=cmd|' /C calc'!A0");
        int64_t from, to;
        committee_parse_day("2024-01-01", tz, &from);
        committee_parse_day("2024-02-01", tz, &to);
        CommitteeReport r;
        committee_build(&cfg, from, to, rows, 2, &r);

        _cleanup_free_ char *csv = write_with(committee_write_csv, &r);
        tap_ok(strstr(csv, "Data Security Incident Report,1 January 2024 to 31 January 2024\r\n") != NULL,
               "CSV: title row with the period (--to exclusive shown inclusive)");
        tap_ok(strstr(csv, "\r\nResponse time\r\nDirectorate,< 72 hours,> 72 hours,TOTAL\r\nR&D <Lab>,1,1,2\r\n"
                           "External/Not Known,0,0,0\r\nTOTAL,1,1,2\r\n") != NULL,
               "CSV: a table is a title, a header, one row per directorate and TOTAL");
        tap_ok(strstr(csv, "X2,N,R&D <Lab>,\"'=cmd|' /C calc'!A0\",Human Error,Training\r\n") != NULL,
               "CSV: the detail row, its formula-looking summary guarded");

        _cleanup_free_ char *html = write_with(committee_write_html, &r);
        tap_ok(strstr(html, "<svg") != NULL, "HTML: has SVG charts");
        tap_ok(!strstr(html, "<script") && !strstr(html, " src=") && !strstr(html, "href=") && !strstr(html, "url("),
               "HTML: no scripts and nothing loaded from elsewhere");
        tap_ok(strstr(html, "R&amp;D &lt;Lab&gt;") != NULL && !strstr(html, "R&D <Lab>"), "HTML: text escaped");
        tap_ok(strstr(html, "@media print") && strstr(html, "size:A4"), "HTML: print CSS for A4");

        _cleanup_free_ char *text = write_with(committee_write_text, &r);
        tap_ok(strstr(text, "Overall there have been 2 data breaches, 1 being notified to the central team in under "
                            "72 hours and 1 requiring notification to the ICO.") != NULL,
               "text: the summary sentence");
        tap_ok(strstr(text, "X1            ICO reference not recorded") != NULL, "text: the ICO notification listed");
        committee_free(&r);
}

static void test_parse_day(void)
{
        static const struct {
                const char *in;
                int ok;
        } cases[] = {
                {"2024-02-09", 1}, {"09/02/2024", 1}, {"9/2/2024", 1}, {"2024-02-30", 0},
                {"31/02/2024", 0}, {"2024-2-9", 0},   {"09/02/24", 0}, {"yesterday", 0}, {"", 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int64_t t = 0;
                TAP_INT_EQ(committee_parse_day(cases[i].in, tz, &t) == 0, cases[i].ok, "parse day \"%s\"", cases[i].in);
        }
        int64_t a, b;
        committee_parse_day("2024-02-09", tz, &a);
        committee_parse_day("09/02/2024", tz, &b);
        TAP_INT_EQ(a, b, "both spellings give the same day");
        TAP_INT_EQ(a, 1707436800, "local midnight (GMT in February)");
}

static void test_yes_no(void)
{
        static const struct {
                const char *in;
                int want;
                const char *mended;
        } cases[] = {
                {"Y", 1, NULL},
                {"n", 0, NULL},
                {"Yes", 1, NULL},
                {"\u03A5", 1, "\"\u03A5\" (Greek capital letter upsilon) read as Y"},
                {"\u0443", 1, "\"\u0443\" (Cyrillic small letter u) read as Y"},
                {"\u039D", 0, "\"\u039D\" (Greek capital letter nu) read as N"},
                {"Y\u0435s", 1, "\"Y\u0435s\" (Cyrillic small letter ie) read as Yes"},
                {"N\u043E", 0, "\"N\u043E\" (Cyrillic small letter o) read as No"},
                {"maybe", -1, NULL},
                {"\u0416", -1, NULL},
                {"", -1, NULL},
                {NULL, -1, NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *mended = (char *)"untouched";
                TAP_INT_EQ(breachlog_read_yn(cases[i].in, &mended), cases[i].want, "Y/N \"%s\"",
                           cases[i].in ? cases[i].in : "(null)");
                TAP_STR_EQ(mended, cases[i].mended, "... what was mended");
                free(mended);
        }
}

static void test_refs(void)
{
        static const struct {
                const char *pattern, *ref;
                int match, year;
                int64_t n;
        } cases[] = {
                {"DB%Y%03n", "DB2023089", 1, 2023, 89},   {"DB%Y%03n", "DB2024020", 1, 2024, 20},
                {"IS/%y/%03n", "IS/22/513", 1, 2022, 513}, {"DB%Y%03n", "17.10.2023", 0, 0, 0},
                {"DB%Y%03n", "DB2023089x", 0, 0, 0},       {"DB%Y%03n", "DB202", 0, 0, 0},
                {"INC%05n", "INC00042", 1, 0, 42},         {"IS/%y/%03n", "IS/22/", 0, 0, 0},
                {"%Y-%%-%n", "2025-%-7", 1, 2025, 7},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int year = -1;
                int64_t n = -1;
                int m = breachlog_ref_match(cases[i].pattern, cases[i].ref, &year, &n);
                TAP_INT_EQ(m, cases[i].match, "%s read with %s", cases[i].ref, cases[i].pattern);
                if (m && cases[i].match)
                        tap_ok(year == cases[i].year && n == cases[i].n, "... year %d number %lld", year, (long long)n);
        }
        /* Whatever the allocator writes, the matcher reads back. */
        static const char *const patterns[] = {"DB%Y%03n", "IS/%y/%03n", "%Y-%n", "X%09n"};
        for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
                _cleanup_free_ char *ref = incident_format_ref(patterns[i], 2031, 1234);
                int year;
                int64_t n;
                tap_ok(breachlog_ref_match(patterns[i], ref, &year, &n) && n == 1234 &&
                               (year == 2031 || (year == 0 && !strchr(patterns[i], 'Y'))),
                       "%s from %s reads back", ref, patterns[i]);
        }
        static const struct {
                const char *s;
                bool date;
        } dates[] = {{"17.10.2023", true}, {"01/01/2024", true}, {"2023-10-17", true}, {"1-2-2023", true},
                     {"DB2023089", false}, {"17.10/2023", false}, {"45.10.2023", false}, {"17.10.2023x", false}};
        for (size_t i = 0; i < ARRAY_SIZE(dates); i++)
                TAP_INT_EQ(breachlog_looks_like_date(dates[i].s), dates[i].date, "\"%s\" looks like a date: %d", dates[i].s,
                           dates[i].date);
}

static int read_text(const char *text, LogFormat format, BreachLogTable *t)
{
        _cleanup_free_ char *why = NULL;
        return breachlog_read(text, strlen(text), format, t, &why);
}

static bool notes_have(const StrList *notes, const char *needle)
{
        for (size_t i = 0; i < notes->n; i++)
                if (strstr(notes->v[i], needle))
                        return true;
        return false;
}

static void test_read_csv(void)
{
        /* A byte order mark, CR LF, quoted cells with a line break, a
         * doubled quote and the delimiter, a formula guard, a no-break
         * space, a cell beyond the header and a line that ends the table. */
        static const char csv[] =
                "\xEF\xBB\xBFReference,Date incident reported,Directorate,Incident,Action taken\r\n"
                "DB1,01/02/2024,\" ASC\xC2\xA0\",\"two\r\nlines, \"\"quoted\"\"\",'=SUM(A1)\r\n"
                "\r\n"
                "DB2,02/02/2024,,plain,none,beyond\r\n"
                "Signed off by the committee\r\n"
                "DB3,03/02/2024,,after the end,\r\n";
        BreachLogTable t;
        TAP_INT_EQ(read_text(csv, LOG_FORMAT_AUTO, &t), 0, "CSV read");
        TAP_INT_EQ(t.delimiter, ',', "comma-separated");
        TAP_INT_EQ(t.format, LOG_FORMAT_LOG, "a log: it has the date reported");
        TAP_INT_EQ(t.n_rows, 2, "two rows: the table ends at the line with one cell");
        if (t.n_rows == 2) {
                TAP_STR_EQ(t.rows[0].e.cell[LC_INCIDENT], "two\nlines, \"quoted\"", "quoted cell: CR LF kept as LF");
                TAP_STR_EQ(t.rows[0].e.cell[LC_DIRECTORATE], "ASC", "spaces and no-break space trimmed");
                TAP_STR_EQ(t.rows[0].e.cell[LC_ACTION_TEXT], "=SUM(A1)", "the formula guard is not part of it");
                TAP_INT_EQ(t.rows[1].line, 5, "the second row's line counts the quoted line break");
                TAP_STR_EQ(t.rows[1].e.cell[LC_DIRECTORATE], NULL, "an empty cell is NULL");
                tap_ok(notes_have(&t.rows[1].notes, "\"beyond\""), "a cell beyond the header is a note");
        }
        tap_ok(notes_have(&t.notes, "line 6 (\"Signed off by the committee\")"), "where the table ends is a note");
        breachlog_table_free(&t);

        static const char semi[] = "Ref;Date reported;Summary;Root cause;Action Taken\nA;1/1/2024;x;y;Training\n";
        TAP_INT_EQ(read_text(semi, LOG_FORMAT_DETAIL, &t), 0, "semicolon-separated read");
        TAP_INT_EQ(t.delimiter, ';', "semicolons found");
        TAP_STR_EQ(t.n_rows ? t.rows[0].e.cell[LC_ACTION_CATEGORY] : "", "Training",
                   "--format detail: Action Taken is the category");
        breachlog_table_free(&t);

        static const char unknown[] = "Reference\tDirectorate\tSummary\tColour\tDirectorate\nA\tB\tC\tD\tE\n";
        TAP_INT_EQ(read_text(unknown, LOG_FORMAT_AUTO, &t), 0, "TAB-separated read");
        TAP_INT_EQ(t.format, LOG_FORMAT_DETAIL, "no date reported: a committee report's detail table");
        tap_ok(notes_have(&t.notes, "column \"Colour\" is not a column of the log"), "unknown column named");
        tap_ok(notes_have(&t.notes, "column \"Directorate\" is read as \"Directorate\" already"),
               "a second column of the same meaning named");
        TAP_STR_EQ(t.n_rows ? t.rows[0].e.cell[LC_DIRECTORATE] : "", "B", "the first of the two is read");
        breachlog_table_free(&t);

        static const char none[] = "Name,Address\nJo,Leeds\n";
        TAP_INT_EQ(read_text(none, LOG_FORMAT_AUTO, &t), -EINVAL, "no header: refused");
        static const char unclosed[] = "Reference\tDirectorate\tSummary\n\"A\tB\tC\nD\tE\tF\n";
        TAP_INT_EQ(read_text(unclosed, LOG_FORMAT_AUTO, &t), 0, "a quote that never closes");
        TAP_INT_EQ(t.n_rows, 2, "... is an ordinary character");
        TAP_STR_EQ(t.n_rows ? t.rows[0].e.cell[LC_REF] : "", "\"A", "... kept in the cell");
        breachlog_table_free(&t);
}

static void test_seed001(void)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = read_file(tap_srcpath("tests/corpora/logs/seed001-report.txt"), 1 << 20, &data, &len);
        TAP_INT_EQ(r, 0, "seed 001 fixture read");
        if (r < 0)
                return;
        BreachLogTable t;
        TAP_INT_EQ(breachlog_read(data, len, LOG_FORMAT_AUTO, &t, NULL), 0, "the detail table found in the report");
        TAP_INT_EQ(t.format, LOG_FORMAT_DETAIL, "as a detail table");
        TAP_INT_EQ(t.header_line, 135, "its header is line 135");
        TAP_STR_EQ(t.header[LC_WITHIN_72H], "Report within 72 Hrs", "the header split over three lines is joined");
        TAP_STR_EQ(t.header[LC_ACTION_CATEGORY], "Action Taken", "... Action / Taken too");
        TAP_INT_EQ(t.n_rows, 70, "70 rows (its summary says 73)");
        size_t y = 0, n = 0, mended = 0;
        for (size_t i = 0; i < t.n_rows; i++) {
                char *m = NULL;
                int v = breachlog_read_yn(t.rows[i].e.cell[LC_WITHIN_72H], &m);
                y += v == 1;
                n += v == 0;
                mended += m != NULL;
                free(m);
        }
        TAP_INT_EQ(y, 63, "63 within 72 hours");
        TAP_INT_EQ(n, 7, "7 after");
        TAP_INT_EQ(mended, 2, "two look-alike letters mended");
        breachlog_check_sequence(&t, "DB%Y%03n");
        size_t flagged = 0;
        for (size_t i = 0; i < t.n_rows; i++)
                if (notes_have(&t.rows[i].notes, "out of sequence")) {
                        flagged++;
                        TAP_STR_EQ(t.rows[i].e.cell[LC_REF], "DB2023001", "DB2023001 is out of sequence");
                }
        TAP_INT_EQ(flagged, 1, "and nothing else is");
        breachlog_table_free(&t);
}

/* Rows of a log through the register and back: the same cells. */
static void test_round_trip(void)
{
        Fixture *fx = fixture_new("directorates = ( { name = \"Adult Social Care\"; "
                                  "abbreviations = [ \"ASC\" ]; } );");
        tap_ok(fx != NULL, "register opened");
        if (!fx)
                return;
        Store *s = fx->store;
        static const char log[] =
                "Reference\tDate incident reported\tTime incident reported\tDate of incident\tTime of incident\t"
                "Directorate\tIncident\tEscalated to ICO?\tDays between\tDate investigation closed\t"
                "Closed without report\tReport within 72 Hrs\tRoot cause\tNumber impacted\tCategory of incident\n"
                "DB2022007\t06/01/2022\t15:39\t05/01/2022\t\tASC\tminutes sent to the wrong mother\tYes\t1\t13/01/2022\tNo"
                "\t\u03A5\thuman error\tabout 3\tDisclosure to 3rd party\n"
                "DB2022003\t07/07/2022\t\tapprox 1 July 2022\t10:00\t\tnotebook lost\t\u039do\t\t\t\tN\tCyber\t\t\n";
        Config cfg = *fx->cfg;  /* its one directorate; a copy whose strings stay the fixture's */
        BreachLogTable t;
        TAP_INT_EQ(breachlog_read(log, strlen(log), LOG_FORMAT_AUTO, &t, NULL), 0, "log read");
        LogImportContext ctx = {.cfg = &cfg, .tz = tz, .origin = "test", .now = now_utc()};
        StrList notes = {0};
        for (size_t i = 0; i < t.n_rows; i++) {
                Incident inc;
                RegisterExtra x;
                char *why = NULL;
                TAP_INT_EQ(breachlog_row_to_incident(&t, &t.rows[i], &ctx, &inc, &x, &notes, &why), 0, "row %zu", i);
                free(why);
                TAP_INT_EQ(store_insert_incident(s, &inc), 0, "... filed");
                TAP_INT_EQ(store_register_save(s, &inc, &x), 0, "... its log columns saved");
                incident_free(&inc);
                register_extra_free(&x);
        }
        tap_ok(notes_have(&notes, "\"\u03A5\" (Greek capital letter upsilon) read as Y"), "the upsilon is a note");
        tap_ok(notes_have(&notes, "\"\u039Do\" (Greek capital letter nu) read as No"), "so is the nu");
        Incident inc;
        RegisterExtra x;
        TAP_INT_EQ(store_load_incident(s, "DB2022007", &inc), 0, "loaded back");
        TAP_INT_EQ(store_register_load(s, inc.id, &x), 0, "... with its log columns");
        TAP_STR_EQ(x.source, "import", "source is import");
        TAP_STR_EQ(x.import_origin, "test line 2", "and where it came from");
        TAP_STR_EQ(inc.ico_decision, "notify", "escalated: notify");
        TAP_STR_EQ(inc.status, "closed", "a close date: closed");
        TAP_INT_EQ(inc.days_to_report, 1, "the log's days kept");
        TAP_STR_EQ(x.root_cause, "Human Error", "root cause in its standard spelling");
        BreachLogEntry e;
        breachlog_entry_from_incident(&inc, &x, tz, &e);
        /* Every column the log has comes back as written, except those
         * the register reads into a standard form. */
        for (size_t c = 0; c < LC__MAX; c++)
                if (t.header[c] && c != LC_WITHIN_72H && c != LC_DIRECTORATE && c != LC_ROOT_CAUSE)
                        TAP_STR_EQ(e.cell[c], t.rows[0].e.cell[c], "cell %s back as written", log_columns[c].key);
        TAP_STR_EQ(e.cell[LC_DIRECTORATE], "Adult Social Care", "the abbreviation comes back as the directorate");
        TAP_STR_EQ(e.cell[LC_WITHIN_72H], "Y", "the upsilon comes back as Y");
        TAP_STR_EQ(e.cell[LC_ROOT_CAUSE], "Human Error", "the root cause in its standard spelling");
        breachlog_entry_free(&e);
        register_extra_free(&x);
        incident_free(&inc);

        TAP_INT_EQ(store_load_incident(s, "DB2022003", &inc), 0, "second loaded");
        store_register_load(s, inc.id, &x);
        breachlog_entry_from_incident(&inc, &x, tz, &e);
        TAP_STR_EQ(e.cell[LC_TIME_REPORTED], NULL, "no time reported stays none");
        TAP_STR_EQ(e.cell[LC_DATE_INCIDENT], "approx. 01/07/2022", "an approximate date says so");
        TAP_STR_EQ(e.cell[LC_TIME_INCIDENT], "10:00", "with its time");
        TAP_STR_EQ(e.cell[LC_ESCALATED], "No", "not escalated");
        TAP_STR_EQ(e.cell[LC_STATUS], "open", "no close date: open");
        breachlog_entry_free(&e);
        register_extra_free(&x);
        incident_free(&inc);

        /* A pattern reads the history's numbers; the allocator goes on from
         * the highest of them. */
        TAP_INT_EQ(store_ref_counter_raise(s, 2022, 7, NULL), 0, "counter raised to 7");
        TAP_INT_EQ(store_ref_counter_raise(s, 2022, 3, NULL), 0, "raising to 3 leaves it");
        char *next = NULL;
        TAP_INT_EQ(store_next_ref(s, "DB%Y%03n", 2022, &next), 0, "next reference");
        TAP_STR_EQ(next, "DB2022008", "numbered after the imported DB2022007");
        free(next);
        int64_t id = 0;
        TAP_INT_EQ(store_ref_exists(s, "DB2022003", &id), 1, "an imported reference exists");
        TAP_INT_EQ(store_ref_exists(s, "DB2022099", &id), 0, "another does not");

        RegisterFilter f = {.decision = "notify"};
        CommitteeRow *rows = NULL;
        size_t n = 0;
        TAP_INT_EQ(store_committee_rows(s, &f, &rows, &n), 0, "rows for the report");
        TAP_INT_EQ(n, 1, "--decision notify: one");
        TAP_INT_EQ(n ? rows[0].individuals : -2, 3, "about 3 people: 3");
        committee_rows_free(rows, n);
        f = (RegisterFilter){.search = "NOTEBOOK"};
        TAP_INT_EQ(store_committee_rows(s, &f, &rows, &n), 0, "search");
        TAP_STR_EQ(n == 1 ? rows[0].ref : NULL, "DB2022003", "--search finds text in any case");
        committee_rows_free(rows, n);

        strlist_free(&notes);
        breachlog_table_free(&t);
        if (fixture_free(fx) < 0)
                tap_ok(0, "temporary directory removed");
}

int main(void)
{
        if (tz_open("Europe/London", &tz) < 0) {
                tap_ok(0, "time zone");
                return tap_done();
        }
        test_build();
        test_writers();
        test_parse_day();
        test_yes_no();
        test_refs();
        test_read_csv();
        test_seed001();
        test_round_trip();
        tz_free(tz);
        return tap_done();
}
