/* test_pdf.c — pdf_extract(): the text and the filled-in AcroForm fields
 * (text, drop-down, check box) of the PDFs tests/corpora/tools/make-pdf.py
 * made with ReportLab, and an error in words, never a crash, for a scan,
 * an encrypted, damaged, truncated or empty PDF; and the PDFs real tools
 * made (tools/make-real-pdf.py): a pdftk-filled form's radio groups and
 * multi-line field, and the tables LibreOffice Writer and Chromium print. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "read/extract.h"
#include "read/pdf.h"
#include "tap.h"
#include "base/util.h"

typedef struct {
        const char *what;
        const char *file;     /* under tests/corpora/tools; NULL: data */
        const char *data;     /* when file is NULL */
        size_t cut;           /* >0: only the first cut bytes */
        int rc;
        const char *text_has; /* the text contains it (rc 0) */
        size_t n_rows;
        const char *row_label, *row_value;   /* the first row */
        const char *why_has;  /* the reason contains it (rc < 0) */
} Case;

static const Case cases[] = {
        {"a form saved as PDF: its text", "form.pdf", NULL, 0, 0,
         "Name of person reporting: Hannah Price\nDirectorate: Children's Services", 0, NULL, NULL, NULL},
        {"a fillable form, filled in: a row per field, labelled by its tooltip", "fillable.pdf", NULL, 0, 0,
         "Personal data breach report form", 6, "Name of person reporting", "Hannah Price", NULL},
        {"a scan: no text", "scan.pdf", NULL, 0, -ENODATA, NULL, 0, NULL, NULL,
         "a scanned PDF with no text: needs reading by a person"},
        {"encrypted with a password", "encrypted.pdf", NULL, 0, -EACCES, NULL, 0, NULL, NULL,
         "encrypted (password-protected)"},
        {"an img2pdf scan: no text", "scanned.pdf", NULL, 0, -ENODATA, NULL, 0, NULL, NULL,
         "a scanned PDF with no text: needs reading by a person"},
        {"Writer paragraphs: the text, no rows", "lo-paragraphs.pdf", NULL, 0, 0,
         "Contact details: priya.shah@example.test, 01632 960123\nDirectorate: Adult Social Care", 0, NULL, NULL,
         NULL},
        {"two columns of running text: no table, the text", "columns.pdf", NULL, 0, 0,
         "Staff are reminded that personal data must be\nsent only to those who need it", 0, NULL, NULL, NULL},
        {"not a PDF", NULL, "Hello, this is not a PDF.\n", 0, -EBADMSG, NULL, 0, NULL, NULL,
         "damaged, or not a PDF"},
        {"only the header", NULL, "%PDF-1.4\n", 0, -EBADMSG, NULL, 0, NULL, NULL, "damaged, or not a PDF"},
        {"empty", NULL, "", 0, -EBADMSG, NULL, 0, NULL, NULL, "damaged, or not a PDF"},
};

static char *load(const char *name, size_t *len)
{
        _cleanup_free_ char *rel = xasprintf("tests/corpora/tools/%s", name);
        char *data = NULL;
        if (read_file(tap_srcpath(rel), 1 << 20, &data, len) < 0)
                return NULL;
        return data;
}

static void run_case(const Case *c)
{
        size_t len = 0;
        _cleanup_free_ char *data = c->file ? load(c->file, &len) : xstrdup(c->data);
        if (!data) {
                tap_ok(0, "%s: %s is there", c->what, c->file);
                return;
        }
        if (!c->file)
                len = strlen(data);
        if (c->cut && c->cut < len)
                len = c->cut;
        FormSource s = {0};
        _cleanup_free_ char *why = NULL;
        int r = pdf_extract_why(data, len, &s, &why);
        TAP_INT_EQ(r, c->rc, "%s: returns %d", c->what, c->rc);
        if (r == 0) {
                tap_ok(why == NULL, "%s: no reason on success", c->what);
                tap_ok(c->text_has && s.text && strstr(s.text, c->text_has), "%s: the text holds \"%s\"", c->what,
                       c->text_has ? c->text_has : "");
                TAP_INT_EQ(s.n_rows, c->n_rows, "%s: %zu rows", c->what, c->n_rows);
                if (c->n_rows && s.n_rows) {
                        TAP_STR_EQ(s.rows[0].label, c->row_label, "%s: the first row's label", c->what);
                        TAP_STR_EQ(s.rows[0].value, c->row_value, "%s: the first row's value", c->what);
                }
                form_source_free(&s);
        } else {
                tap_ok(why && strstr(why, c->why_has), "%s: says \"%s\" (%s)", c->what, c->why_has,
                       why ? why : "nothing");
                tap_ok(why && !strchr(why, '\n'), "%s: in one line", c->what);
                tap_ok(s.text == NULL && s.n_rows == 0, "%s: nothing returned", c->what);
        }
}

/* Every cut of a real PDF gives a result or a reason, never a crash. */
static void truncations(const char *name)
{
        size_t len = 0;
        _cleanup_free_ char *data = load(name, &len);
        if (!data) {
                tap_ok(0, "%s is there", name);
                return;
        }
        size_t bad = 0, n = 0;
        for (size_t cut = 0; cut < len; cut += len / 40 + 1, n++) {
                FormSource s = {0};
                _cleanup_free_ char *why = NULL;
                int r = pdf_extract_why(data, cut, &s, &why);
                if (r < 0 && (!why || !*why))
                        bad++;
                if (r == 0)
                        form_source_free(&s);
        }
        TAP_INT_EQ(bad, 0, "%s cut at %zu places: each read or refused with a reason", name, n);
}

/* A drop-down gives its choice, a ticked box "Yes"; an unticked box and an
 * empty text field give nothing; a name's "_" reads as a space. */
static void choices(void)
{
        size_t len = 0;
        _cleanup_free_ char *data = load("choices.pdf", &len);
        FormSource s = {0};
        TAP_INT_EQ(data ? pdf_extract(data, len, &s) : -ENOENT, 0, "choices.pdf is read");
        TAP_INT_EQ(s.n_rows, 2, "two fields are filled in");
        if (s.n_rows == 2) {
                TAP_STR_EQ(s.rows[0].label, "Directorate", "a drop-down: its name");
                TAP_STR_EQ(s.rows[0].value, "Adult Social Care", "and the item chosen");
                TAP_STR_EQ(s.rows[1].label, "Has the data been recovered", "a check box: its tooltip");
                TAP_STR_EQ(s.rows[1].value, "Yes", "ticked");
        }
        form_source_free(&s);
}

/* The row labelled label in s, or NULL. */
static const char *row(const FormSource *s, const char *label)
{
        for (size_t i = 0; i < s->n_rows; i++)
                if (strcmp(s->rows[i].label, label) == 0)
                        return s->rows[i].value;
        return NULL;
}

/* The form filled with pdftk: text fields named Text1.. tooltipped with the
 * labels, one multi-line (its line break a CR); radio groups named Group1..
 * with no tooltip, each button's answer printed beside it and the question
 * left of the first; a ticked check box. */
static void pdftk_form(void)
{
        size_t len = 0;
        _cleanup_free_ char *data = load("acroform.pdf", &len);
        FormSource s = {0};
        TAP_INT_EQ(data ? pdf_extract(data, len, &s) : -ENOENT, 0, "acroform.pdf is read");
        TAP_INT_EQ(s.n_rows, 14, "a row for each of the 9 text fields, 4 radio groups and the check box");
        TAP_STR_EQ(row(&s, "Name of person making the report"), "Priya Shah", "Text1: its tooltip the label");
        TAP_STR_EQ(row(&s, "How did the personal data breach occur"),
                   "Two letters were put in each other's envelopes.\nThe envelopes were not checked before posting.",
                   "a multi-line field: its CR a line break");
        TAP_STR_EQ(row(&s, "Does it include special category data?"), "Yes",
                   "a radio group: the first button ticked gives the word beside it, the question left of it");
        TAP_STR_EQ(row(&s, "Is the incident on-going?"), "No", "the second button ticked");
        TAP_STR_EQ(row(&s, "Was the breach caused by a cyber incident?"), "No", "another group");
        TAP_STR_EQ(row(&s, "Format"), "Paper", "a choice that is not yes or no");
        TAP_STR_EQ(row(&s, "Are the data subjects children or vulnerable adults"), "Yes", "the check box");
        tap_ok(s.text && !strstr(s.text, "Not sure") && !strstr(s.text, "Electronic") && !strstr(s.text, "Yes"),
               "the choices offered are not in the text");
        form_source_free(&s);
}

/* A two-column table saved as PDF: poppler runs a question into its answer;
 * the rows are rebuilt from where the words stand. */
static void table(const char *file, const char *how_occurred)
{
        size_t len = 0;
        _cleanup_free_ char *data = load(file, &len);
        FormSource s = {0};
        TAP_INT_EQ(data ? pdf_extract(data, len, &s) : -ENOENT, 0, "%s is read", file);
        TAP_INT_EQ(s.n_rows, 14, "%s: a row for each row of the table", file);
        if (s.n_rows) {
                TAP_STR_EQ(s.rows[0].label, "Name of person making the report", "%s: the first row's question", file);
                TAP_STR_EQ(s.rows[0].value, "Priya Shah", "%s: and its answer, in the next cell", file);
        }
        TAP_STR_EQ(row(&s, "Contact details"), "priya.shah@example.test, 01632 960123",
                   "%s: an answer wrapped in its cell is one line", file);
        TAP_STR_EQ(row(&s, "The nature of the personal data breach"), "A care plan was posted to the wrong address.",
                   "%s: a question on two lines is one label", file);
        TAP_STR_EQ(row(&s, "How did the personal data breach occur"), how_occurred,
                   "%s: an answer of two lines", file);
        TAP_STR_EQ(row(&s, "Are the data subjects children or vulnerable adults"), "Yes",
                   "%s: the last row, its question running on below its answer", file);
        tap_ok(s.text && strstr(s.text, "Personal data breach report form") && !strstr(s.text, "Priya"),
               "%s: the title is text, the table is not", file);
        form_source_free(&s);
}

/* Fields named "Text1" and "Text2" with no tooltip: the question printed
 * left of the one and above the other is the label. */
static void untitled(void)
{
        size_t len = 0;
        _cleanup_free_ char *data = load("untitled.pdf", &len);
        FormSource s = {0};
        TAP_INT_EQ(data ? pdf_extract(data, len, &s) : -ENOENT, 0, "untitled.pdf is read");
        TAP_INT_EQ(s.n_rows, 2, "two fields are filled in");
        TAP_STR_EQ(row(&s, "Team"), "Fostering", "Text1: the question left of it");
        TAP_STR_EQ(row(&s, "Directorate"), "Children's Services", "Text2: the question above it");
        form_source_free(&s);
}

/* A numbered table, its rows with no gap between them: each number starts
 * a row; a question that runs into its cell's padding is cut from its
 * answer at the column. */
static void numbered(void)
{
        size_t len = 0;
        _cleanup_free_ char *data = load("lo-table-numbered.pdf", &len);
        FormSource s = {0};
        TAP_INT_EQ(data ? pdf_extract(data, len, &s) : -ENOENT, 0, "lo-table-numbered.pdf is read");
        TAP_INT_EQ(s.n_rows, 14, "a row for each number");
        TAP_STR_EQ(row(&s, "1. Name of person making the report"), "Priya Shah",
                   "the first row, its question on two lines");
        TAP_STR_EQ(row(&s, "2. Contact details"), "priya.shah@example.test, 01632 960123", "the next row");
        TAP_STR_EQ(row(&s, "12. Was the breach caused by a cyber incident"), "No",
                   "a question running up to its answer is cut from it at the column");
        TAP_STR_EQ(row(&s, "14. Are the data subjects children or vulnerable adults"), "Yes",
                   "the last question, on three lines");
        form_source_free(&s);
}

int main(void)
{
        numbered();
        choices();
        untitled();
        pdftk_form();
        table("lo-table.pdf",
              "Two letters were put in each other's envelopes.\nThe envelopes were not checked before posting.");
        table("lo-table-tagged.pdf",
              "Two letters were put in each other's envelopes.\nThe envelopes were not checked before posting.");
        table("chromium-print.pdf",
              "Two letters were put in each other's envelopes. The envelopes were not checked before posting.");
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
                run_case(&cases[i]);

        FormSource s = {0};
        _cleanup_free_ char *why = NULL;
        TAP_INT_EQ(pdf_extract_why(NULL, 10, &s, &why), -EINVAL, "no data: -EINVAL");
        TAP_STR_EQ(why, "no data", "and says so");
        _cleanup_free_ char *big = xcalloc(1, PDF_MAX_SIZE + 1);
        _cleanup_free_ char *why2 = NULL;
        TAP_INT_EQ(pdf_extract_why(big, PDF_MAX_SIZE + 1, &s, &why2), -EFBIG, "over PDF_MAX_SIZE: -EFBIG");
        tap_ok(why2 && strstr(why2, "larger than 25 MiB"), "and says how large");

        truncations("form.pdf");
        truncations("fillable.pdf");
        truncations("acroform.pdf");
        truncations("lo-table.pdf");
        return tap_done();
}
