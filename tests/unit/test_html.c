/* test_html.c — html_extract(): rows and text from HTML mail bodies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/extract.h"
#include "read/form.h"
#include "read/html.h"
#include "tap.h"
#include "base/util.h"

static int extract(const char *html, const char *charset, unsigned flags, FormSource *s)
{
        *s = (FormSource){0};
        return html_extract(html, strlen(html), charset, flags, s);
}

static const char *row_value(const FormSource *s, const char *label)
{
        for (size_t i = 0; i < s->n_rows; i++)
                if (strcmp(s->rows[i].label, label) == 0)
                        return s->rows[i].value;
        return NULL;
}

static bool text_has(const FormSource *s, const char *needle)
{
        return s->text && strstr(s->text, needle);
}

/* What Outlook sends when a Word form is pasted into a message. */
static const char outlook_html[] =
        "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
        "<meta http-equiv=Content-Type content=\"text/html; charset=utf-8\">"
        "<style><!-- p.MsoNormal {margin:0cm; font-family:\"Calibri\"} --></style>"
        "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" /></xml><![endif]-->"
        "</head>\n<body lang=EN-GB><div class=WordSection1>"
        "<p class=MsoNormal>Hi DPO,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
        "<p class=MsoNormal>Please see below.<o:p></o:p></p>\n"
        "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;border:none'>\n"
        "<tr><td width=301 valign=top style='width:225.4pt'><p class=MsoNormal><b><span style='font-size:11.0pt'>"
        "Name of person making the report<o:p></o:p></span></b></p></td>"
        "<td width=20><p class=MsoNormal><o:p>&nbsp;</o:p></p></td>\n"
        "<td width=301 valign=top><p class=MsoNormal><span>Jane&nbsp;&nbsp;Smith<o:p></o:p></span></p></td></tr>\n"
        "<tr><td><p class=MsoNormal><b><span>The nature of the personal data breach</span></b></p></td>"
        "<td><p class=MsoNormal>&nbsp;</p></td><td><p class=MsoNormal><span>A laptop was   stolen<br>"
        "from a car.</span></p><p class=MsoNormal><![if !supportLists]><span>1.<span style='font:7.0pt "
        "\"Times New Roman\"'>&nbsp;&nbsp; </span></span><![endif]>It was encrypted.</p></td></tr>\n"
        "<tr><td><p class=MsoNormal><b>Directorate</b></p></td><td></td><td><p class=MsoNormal>"
        "Adult Social Care &amp; Health</p></td></tr>\n"
        "<tr><td><p class=MsoNormal>&nbsp;</p></td><td></td><td><p class=MsoNormal><o:p>&nbsp;</o:p></p></td></tr>\n"
        "</table><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Thanks<o:p></o:p></p>"
        "<script>alert('x')</script><div style=\"DISPLAY: none\">secret</div>"
        "<!--[if !mso]><span>hidden comment</span><![endif]--></div></body></html>";

static void test_outlook_table(void)
{
        FormSource s;
        TAP_INT_EQ(extract(outlook_html, NULL, 0, &s), 0, "outlook: parsed");
        TAP_INT_EQ(s.n_rows, 3, "outlook: three rows (spacer cells and the empty row ignored)");
        TAP_STR_EQ(row_value(&s, "Name of person making the report"), "Jane Smith",
                   "outlook: label in <b><span>, &nbsp; collapsed");
        TAP_STR_EQ(row_value(&s, "The nature of the personal data breach"),
                   "A laptop was stolen\nfrom a car.\n1. It was encrypted.",
                   "outlook: <br> and paragraphs are line breaks, downlevel conditionals cut out");
        TAP_STR_EQ(row_value(&s, "Directorate"), "Adult Social Care & Health", "outlook: entity decoded");
        TAP_STR_EQ(s.text, "Hi DPO,\n\nPlease see below.\n\nThanks",
                   "outlook: text without the form's rows, one blank line per empty paragraph");
        tap_ok(!text_has(&s, "alert") && !text_has(&s, "secret") && !text_has(&s, "hidden comment") &&
                       !text_has(&s, "MsoNormal") && !text_has(&s, "<!["),
               "outlook: script, style, display:none and comments left out");
        form_source_free(&s);
}

static void test_header_row(void)
{
        FormSource s;
        const char *h = "<table border=1><thead><tr><th colspan=2>Personal data breach report</th></tr></thead>"
                        "<tbody><tr><td>Directorate</td><td>Adult Social Care</td></tr>"
                        "<tr><th>Team:</th><td> Safeguarding </td></tr>"
                        "<tr><td>When did this occur</td><td>06/01/2022</td><td>15:39</td></tr>"
                        "<tr><td colspan=2>Is the incident on-going? No</td></tr>"
                        "<tr><td></td><td>&nbsp;</td></tr>"
                        "<tr><td hidden>Ignored</td><td>Format</td><td style='display:none'>x</td><td>Email</td></tr>"
                        "</tbody></table>";
        TAP_INT_EQ(extract(h, NULL, 0, &s), 0, "header row: parsed");
        TAP_INT_EQ(s.n_rows, 4, "header row: the spanning title and the one-cell row are no rows");
        TAP_STR_EQ(s.n_rows ? s.rows[0].label : NULL, "Directorate", "header row: first row is the first field");
        TAP_STR_EQ(row_value(&s, "Directorate"), "Adult Social Care", "header row: two cells");
        TAP_STR_EQ(row_value(&s, "Team:"), "Safeguarding", "header row: <th> label, value trimmed");
        TAP_STR_EQ(row_value(&s, "When did this occur"), "06/01/2022 15:39", "header row: two value cells joined");
        TAP_STR_EQ(row_value(&s, "Is the incident on-going? No"), NULL, "header row: a one-cell row is text");
        TAP_STR_EQ(row_value(&s, "Format"), "Email", "header row: hidden cells do not count");
        TAP_STR_EQ(s.text, "Personal data breach report\nIs the incident on-going? No",
                   "header row: text is the rows of one cell");
        form_source_free(&s);
}

static void test_layout_table(void)
{
        FormSource s;
        const char *h = "<table width='100%'><tr><td><img alt=logo src=cid:x> Section A</td><td>"
                        "<table><tr><td>Name</td><td>Sam Jones</td></tr>"
                        "<tr><td>Team</td><td><div>Payroll</div><div>Pensions</div></td></tr></table>"
                        "</td></tr><tr><td>Directorate</td><td>Finance</td></tr>"
                        "<tr><td>Signed off by the council</td></tr></table>";
        TAP_INT_EQ(extract(h, NULL, 0, &s), 0, "layout: parsed");
        TAP_INT_EQ(s.n_rows, 3, "layout: inner rows and the outer plain row only");
        TAP_STR_EQ(row_value(&s, "Name"), "Sam Jones", "layout: inner row");
        TAP_STR_EQ(row_value(&s, "Team"), "Payroll\nPensions", "layout: <div>s in a cell are lines");
        TAP_STR_EQ(row_value(&s, "Directorate"), "Finance", "layout: an outer row without a table counts");
        bool leak = false;
        for (size_t i = 0; i < s.n_rows; i++)
                leak |= strstr(s.rows[i].label, "Sam") || strstr(s.rows[i].value, "Sam Jones\n");
        tap_ok(!leak, "layout: no row made from the cell that holds the inner table");
        TAP_STR_EQ(s.text, "Section A\nSigned off by the council", "layout: text without the form's rows");
        form_source_free(&s);
}

static void test_text_lines(void)
{
        FormSource s;
        TAP_INT_EQ(extract("<div>Name: Jane Smith<br>Directorate:   Adult Social Care<br><br><br>"
                           "Team:\n  Payroll</div><div><br></div><p>First para</p><p>Second\npara</p>"
                           "<ul><li>one</li><li>two <b>bold</b></li></ul><pre>A:  1\nB: 2</pre>",
                           NULL, 0, &s),
                   0, "lines: parsed");
        TAP_INT_EQ(s.n_rows, 0, "lines: no rows");
        TAP_STR_EQ(s.text,
                   "Name: Jane Smith\nDirectorate: Adult Social Care\n\nTeam: Payroll\n\nFirst para\nSecond para\n"
                   "\xe2\x80\xa2 one\n\xe2\x80\xa2 two bold\nA: 1\nB: 2",
                   "lines: <br>, paragraphs, list bullets, <pre> newlines, blank runs collapse");
        form_source_free(&s);

        TAP_INT_EQ(extract("<html><head><title>T</title><style>body{color:red}</style>"
                           "<script>var x = 'Name: bad';</script></head><body>"
                           "<script type='text/javascript'>document.write('Nature: evil')</script>"
                           "<noscript>Team: visible</noscript><p>Only this</p></body></html>",
                           NULL, 0, &s),
                   0, "script: parsed");
        TAP_STR_EQ(s.text, "Team: visible\nOnly this", "script: script, style and title are not text");
        form_source_free(&s);
}

static void test_quotes(void)
{
        FormSource s;
        const char *cite = "<div>Nature of breach: email sent to the wrong person</div>"
                           "<blockquote type=\"cite\"><div>Old: quoted text</div>"
                           "<table><tr><td>Team</td><td>Quoted</td></tr></table></blockquote>"
                           "<div>after the quote</div>";
        TAP_INT_EQ(extract(cite, NULL, HTML_DROP_QUOTED, &s), 0, "quotes: cite parsed");
        TAP_STR_EQ(s.text, "Nature of breach: email sent to the wrong person\nafter the quote",
                   "quotes: blockquote type=cite dropped");
        TAP_INT_EQ(s.n_rows, 0, "quotes: rows inside the quote dropped");
        form_source_free(&s);
        TAP_INT_EQ(extract(cite, NULL, 0, &s), 0, "quotes: cite parsed without the flag");
        tap_ok(text_has(&s, "quoted text") && s.n_rows == 1, "quotes: kept without HTML_DROP_QUOTED");
        form_source_free(&s);

        static const struct {
                const char *name, *html, *want;
        } cases[] = {
                {"gmail",
                 "<div dir=\"ltr\">Report below</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" "
                 "class=\"gmail_attr\">On Mon, 6 Jan 2025, A wrote:<br></div><blockquote class=\"gmail_quote\" "
                 "style=\"margin:0px\">old text</blockquote></div>",
                 "Report below"},
                {"thunderbird",
                 "<p>Reply</p><div class=\"moz-cite-prefix\">On 06/01/2025 A wrote:<br></div>"
                 "<blockquote type=cite cite=\"mid:x@y\">old</blockquote>",
                 "Reply"},
                {"owa",
                 "<div>Top</div><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">"
                 "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> X<br><b>Sent:</b> Monday</div>"
                 "<div>quoted body</div><table><tr><td>Team</td><td>Old</td></tr></table>",
                 "Top"},
                {"outlook desktop",
                 "<div class=WordSection1><p class=MsoNormal>Top reply</p><div><div style='border:none;"
                 "border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal><b>"
                 "<span lang=EN-US>From:</span></b><span lang=EN-US> Jane<br><b>Sent:</b> Monday</span></p>"
                 "</div></div><p class=MsoNormal>Quoted body</p></div>",
                 "Top reply"},
                {"original message",
                 "<p>Top</p><p>-----Original Message-----<br>From: X</p><p>old</p>", "Top"},
                {"border without header",
                 "<div style='border-top:solid red 1pt'>Nature: kept</div><p>tail</p>", "Nature: kept\ntail"},
                {"indent blockquote", "<blockquote style='margin:0 0 0 40px'>indented</blockquote>", "indented"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                TAP_INT_EQ(extract(cases[i].html, NULL, HTML_DROP_QUOTED, &s), 0, "quotes: %s parsed",
                           cases[i].name);
                TAP_STR_EQ(s.text, cases[i].want, "quotes: %s", cases[i].name);
                TAP_INT_EQ(s.n_rows, 0, "quotes: %s has no rows", cases[i].name);
                form_source_free(&s);
        }
}

static void test_charsets(void)
{
        FormSource s;
        TAP_INT_EQ(extract("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                           "charset=windows-1252\"></head><body><p>Cost \xa3" "500, caf\xe9 \x93quoted\x94</p>"
                           "</body></html>",
                           NULL, 0, &s),
                   0, "charset: meta parsed");
        TAP_STR_EQ(s.text, "Cost \xc2\xa3" "500, caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d",
                   "charset: windows-1252 from <meta>");
        form_source_free(&s);

        TAP_INT_EQ(extract("<p>caf\xe9</p>", "windows-1252", 0, &s), 0, "charset: given parsed");
        TAP_STR_EQ(s.text, "caf\xc3\xa9", "charset: windows-1252 given by MIME");
        form_source_free(&s);

        TAP_INT_EQ(extract("<p>caf\xe9 \x81</p><p>after</p>", "us-ascii", 0, &s), 0, "charset: mislabelled parsed");
        TAP_STR_EQ(s.text, "caf\xc3\xa9 \xef\xbf\xbd\nafter", "charset: mislabelled us-ascii is not truncated");
        form_source_free(&s);

        TAP_INT_EQ(extract("<meta charset=windows-1252><p>caf\xc3\xa9</p>", "UTF-8", 0, &s), 0,
                   "charset: utf-8 parsed");
        TAP_STR_EQ(s.text, "caf\xc3\xa9", "charset: the MIME charset wins over <meta>");
        form_source_free(&s);

        TAP_INT_EQ(extract("<p>\xa4 10</p>", "iso-8859-15", 0, &s), 0, "charset: latin-9 parsed");
        TAP_STR_EQ(s.text, "\xe2\x82\xac 10", "charset: other charsets converted by libxml2");
        form_source_free(&s);

        TAP_INT_EQ(extract("<p>plain</p>", "x-no-such-charset", 0, &s), 0, "charset: unknown label ignored");
        TAP_STR_EQ(s.text, "plain", "charset: unknown label text");
        form_source_free(&s);
}

static void test_malformed(void)
{
        FormSource s;
        TAP_INT_EQ(extract("<table><tr><td>Name<td>Jane Smith<tr><td>Team<td>Payroll</table>"
                           "<table><td>Email</td><td>a@b.org</td></table>"
                           "<p>unclosed <b>bold <i>italic<div>next</p></i></b></td></tr>",
                           NULL, 0, &s),
                   0, "malformed: parsed");
        TAP_INT_EQ(s.n_rows, 3, "malformed: rows of unclosed cells");
        TAP_STR_EQ(row_value(&s, "Team"), "Payroll", "malformed: unclosed <td> and <tr>");
        TAP_STR_EQ(row_value(&s, "Email"), "a@b.org", "malformed: cells without <tr>");
        TAP_STR_EQ(s.text, "unclosed bold italic\nnext", "malformed: text");
        form_source_free(&s);

        TAP_INT_EQ(extract("<td>loose</td><tr><td>cell</td></tr><p>x</p>", NULL, 0, &s), 0,
                   "malformed: cells outside tables parsed");
        TAP_INT_EQ(s.n_rows, 0, "malformed: cells outside tables make no rows");
        form_source_free(&s);
}

static void test_limits(void)
{
        FormSource s;
        Buf b = {0};
        buf_puts(&b, "<html><body><p>before</p>");
        for (int i = 0; i < 10000; i++)
                buf_puts(&b, "<div>");
        buf_puts(&b, "deep");
        for (int i = 0; i < 10000; i++)
                buf_puts(&b, "</div>");
        buf_puts(&b, "</body></html>");
        s = (FormSource){0};
        TAP_INT_EQ(html_extract(b.s, b.len, NULL, 0, &s), 0, "deep divs: no crash");
        tap_ok(s.text && str_startswith(s.text, "before"), "deep divs: text before the nesting kept");
        form_source_free(&s);
        buf_free(&b);

        /* Nested tables deeper than the walker's frame cap. */
        buf_puts(&b, "<table><tr><td>Name</td><td>Outer</td></tr></table>");
        for (int i = 0; i < 3000; i++)
                buf_puts(&b, "<table><tr><td>x</td><td>");
        buf_puts(&b, "bottom");
        s = (FormSource){0};
        TAP_INT_EQ(html_extract(b.s, b.len, NULL, 0, &s), 0, "deep tables: no crash");
        TAP_STR_EQ(row_value(&s, "Name"), "Outer", "deep tables: the table before them is read");
        form_source_free(&s);
        buf_free(&b);

        FormSource sentinel = {.n_rows = 7};
        s = sentinel;
        char *big = xcalloc(1, HTML_MAX_INPUT + 1);
        memset(big, 'a', HTML_MAX_INPUT + 1);
        TAP_INT_EQ(html_extract(big, HTML_MAX_INPUT + 1, NULL, 0, &s), -EFBIG, "limit: over 25 MiB refused");
        TAP_INT_EQ(s.n_rows, 7, "limit: result untouched on failure");
        free(big);
        TAP_INT_EQ(html_extract(NULL, 3, NULL, 0, &s), -EINVAL, "limit: NULL input");

        TAP_INT_EQ(html_extract("", 0, NULL, 0, &s), 0, "empty: parsed");
        tap_ok(s.text == NULL && s.n_rows == 0, "empty: nothing");
        form_source_free(&s);

        /* NUL bytes inside the body must not cut it short. */
        static const char nul[] = "<p>Team: A\0B</p><p>after</p>";
        TAP_INT_EQ(html_extract(nul, sizeof nul - 1, "utf-8", 0, &s), 0, "nul: parsed");
        TAP_STR_EQ(s.text, "Team: A B\nafter", "nul: NUL read as a space");
        form_source_free(&s);
}

static void test_form_reader(void)
{
        FormLabels *labels = form_labels_new();
        FormRecord rec;
        FormSource s;

        form_record_init(&rec);
        TAP_INT_EQ(extract(outlook_html, NULL, HTML_DROP_QUOTED, &s), 0, "form: outlook parsed");
        tap_ok(form_read_source(labels, &s, &rec) >= 3, "form: fields found");
        TAP_STR_EQ(rec.f[form_field_by_key("reporter_name")->id].text, "Jane Smith", "form: reporter_name");
        TAP_STR_EQ(rec.f[form_field_by_key("nature")->id].text,
                   "A laptop was stolen\nfrom a car.\n1. It was encrypted.", "form: nature");
        TAP_STR_EQ(rec.f[F_DIRECTORATE].text, "Adult Social Care & Health", "form: directorate");
        TAP_INT_EQ(rec.notes.n, 0, "form: rows and text agree (no second values)");
        form_record_free(&rec);
        form_source_free(&s);

        form_record_init(&rec);
        TAP_INT_EQ(extract("<div>Your name: Sam Jones<br>What happened: letter posted to the wrong "
                           "address<br>Team: Payroll</div><blockquote type=cite>Team: Quoted</blockquote>",
                           NULL, HTML_DROP_QUOTED, &s),
                   0, "form: lines parsed");
        form_read_source(labels, &s, &rec);
        TAP_STR_EQ(rec.f[F_REPORTER_NAME].text, "Sam Jones", "form: lines reporter_name");
        TAP_STR_EQ(rec.f[F_NATURE].text, "letter posted to the wrong address", "form: lines nature");
        TAP_STR_EQ(rec.f[F_TEAM].text, "Payroll", "form: quoted value not read");
        form_record_free(&rec);
        form_source_free(&s);
        form_labels_free(labels);
}

/* Word's layouts that are not tables: TAB stops, one-column forms. */
static void test_word_layouts(void)
{
        FormSource s;
        TAP_INT_EQ(extract("<p class=MsoNormal>Team:<span style='mso-tab-count:2'>&nbsp;&nbsp;&nbsp; </span>"
                           "Payroll<o:p></o:p></p>",
                           NULL, 0, &s),
                   0, "word tabs: parsed");
        TAP_STR_EQ(s.text, "Team:\tPayroll", "word tabs: a mso-tab-count span is a TAB");
        form_source_free(&s);
        TAP_INT_EQ(extract("<table><tr><td>Directorate</td></tr><tr><td>Public Health</td></tr>"
                           "<tr><td>Team</td><td></td></tr></table>",
                           NULL, 0, &s),
                   0, "one column: parsed");
        TAP_STR_EQ(s.text, "Directorate\nPublic Health", "one column: rows of one cell are lines of text");
        TAP_INT_EQ(s.n_rows, 1, "one column: a question with an empty answer cell is a row");
        TAP_STR_EQ(row_value(&s, "Team"), "", "one column: its answer is empty");
        form_source_free(&s);
}

static bool same_source(const FormSource *a, const FormSource *b)
{
        if (a->n_rows != b->n_rows || !a->text != !b->text || (a->text && strcmp(a->text, b->text) != 0))
                return false;
        for (size_t i = 0; i < a->n_rows; i++)
                if (strcmp(a->rows[i].label, b->rows[i].label) != 0 ||
                    strcmp(a->rows[i].value, b->rows[i].value) != 0)
                        return false;
        return true;
}

/* html.c reads a UTF-8 body with Word's <o:p></o:p> written as a comment
 * (cheaper for libxml2), which must read as the element does: the same
 * ASCII document labelled UTF-8 and unlabelled (no rewriting) must give
 * the same, wherever the element stands. */
static void test_word_empty_elements(void)
{
        static const char *const docs[] = {
                "<p class=MsoNormal>Name<o:p></o:p></p><p>x<o:p></o:p>y</p>",
                "<table><tr><td>Name<o:p></o:p></td><td>Jane<o:p></o:p><o:p></o:p></td></tr></table>",
                "<div>a<o:p></o:p>b</div><o:p></o:p><li><o:p></o:p>item</li>",
                "<o:p></o:p>text first",
                "<html><o:p></o:p><body>x</body></html>",
                "<html><head><title>t</title><o:p></o:p></head><body>after</body></html>",
                "<p>a<!-- <o:p></o:p> -->b</p>",
                "<p>a<script>x<o:p></o:p></script>b</p>",
                "<p title=\"<o:p></o:p>\">a</p><td class=<o:p></o:p>>b",
                "<p>a<?pi <o:p></o:p>?>b</p>",
                "<p>a<!--o:p-->b<o:p></o:p>c</p>",
                "<p>  <o:p></o:p>-----Original Message-----<o:p></o:p></p><p>quoted</p>",
                "<p><![if !supportLists]><o:p></o:p>1.<![endif]>Item</p>",
        };
        for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
                for (unsigned flags = 0; flags <= HTML_DROP_QUOTED; flags += HTML_DROP_QUOTED) {
                        FormSource a, b;
                        int ra = extract(docs[i], "UTF-8", flags, &a);
                        int rb = extract(docs[i], NULL, flags, &b);
                        tap_ok(ra == 0 && rb == 0 && same_source(&a, &b),
                               "o:p: document %zu, flags %u, reads the same", i, flags);
                        form_source_free(&a);
                        form_source_free(&b);
                }
        }
        FormSource s;
        TAP_INT_EQ(extract("<table><tr><td>Name<o:p></o:p></td><td>Jane</td></tr></table>", "UTF-8", 0, &s), 0,
                   "o:p: in a cell: parsed");
        TAP_STR_EQ(row_value(&s, "Name"), "Jane", "o:p: in a cell: the row is read");
        form_source_free(&s);
}

/* One libxml2 parser context serves every document: nothing of one may
 * carry over to the next. */
static void test_parser_reuse(void)
{
        FormSource a, b, s;
        TAP_INT_EQ(extract("<p>caf\xc3\xa9</p>", NULL, 0, &a), 0, "reuse: UTF-8 parsed");
        TAP_STR_EQ(a.text, "caf\xc3\xa9", "reuse: UTF-8 read as UTF-8");
        /* Not UTF-8: libxml2 switches this document to Latin-1. */
        TAP_INT_EQ(extract("<p>caf\xe9 cr\xe8me</p>", NULL, 0, &s), 0, "reuse: Latin-1 parsed");
        TAP_STR_EQ(s.text, "caf\xc3\xa9 cr\xc3\xa8me", "reuse: Latin-1 guessed");
        form_source_free(&s);
        TAP_INT_EQ(extract("<meta charset=iso-8859-7><p>\xe1</p>", NULL, 0, &s), 0, "reuse: <meta> charset parsed");
        TAP_STR_EQ(s.text, "\xce\xb1", "reuse: <meta> charset used");
        form_source_free(&s);
        TAP_INT_EQ(extract("<p>caf\xc3\xa9</p>", NULL, 0, &b), 0, "reuse: UTF-8 parsed again");
        tap_ok(same_source(&a, &b), "reuse: the guess and the <meta> did not stay");
        form_source_free(&a);
        form_source_free(&b);

        /* Nesting beyond what the SAX pass follows (but within libxml2's
         * limit, 256) is read from a tree. */
        Buf deep = {0};
        for (int i = 0; i < 230; i++)
                buf_puts(&deep, "<div>");
        buf_puts(&deep, "deep text");
        TAP_INT_EQ(extract(deep.s, "UTF-8", 0, &s), 0, "reuse: deep nesting parsed");
        tap_ok(text_has(&s, "deep text"), "reuse: deep nesting: the text is read");
        form_source_free(&s);
        buf_free(&deep);
        TAP_INT_EQ(extract("<table><tr><td>Team</td><td>Payroll</td></tr></table>", "UTF-8", 0, &s), 0,
                   "reuse: after deep nesting: parsed");
        TAP_STR_EQ(row_value(&s, "Team"), "Payroll", "reuse: after deep nesting: read as usual");
        form_source_free(&s);
}

int main(void)
{
        test_outlook_table();
        test_header_row();
        test_layout_table();
        test_text_lines();
        test_quotes();
        test_charsets();
        test_malformed();
        test_limits();
        test_form_reader();
        test_word_layouts();
        test_word_empty_elements();
        test_parser_reuse();
        return tap_done();
}
