/* Unit tests of the form reader: label matching and "Label: value" text. */
#include <string.h>

#include "read/docx.h"
#include "read/form.h"
#include "read/html.h"
#include "tap.h"

static void label_cases(const FormLabels *l)
{
        static const struct {
                const char *text;
                const char *key;   /* NULL: must not match */
        } cases[] = {
                {"Name of person making the report", "reporter_name"},
                {"NAME OF PERSON MAKING THE REPORT", "reporter_name"},
                {"1. Name of person making the report", "reporter_name"},
                {"a) Your name", "reporter_name"},
                {"\xe2\x80\xa2 Reported by", "reporter_name"},
                {"  Reported   by  ", "reporter_name"},
                {"Contact details", "reporter_contact"},
                {"Telephone", "reporter_contact"},
                {"Service area", "directorate"},
                {"Team responsible", "team"},
                {"The nature of the personal data breach e.g. alteration or deletion of personal data, "
                 "transfer to third party not entitled to it etc.",
                 "nature"},
                {"What happened", "nature"},
                {"When did this occur (Date)", "occurred_at"},
                {"Date of incident", "occurred_at"},
                {"When did you become aware", "aware_at"},
                {"Date discovered", "aware_at"},
                {"How did the personal data breach occur", "how_occurred"},
                {"Which individuals are affected by the personal data breach (include categories and "
                 "approximate number of individuals concerned)",
                 "individuals_affected"},
                {"Number impacted", "individuals_count"},
                {"How many personal data records are concerned", "records_count"},
                {"Have any measures been taken or proposed to be taken to deal with the personal data breach? "
                 "List in next column",
                 "measures_taken"},
                {"Signed by the person reporting the personal data breach, date and time", "signed"},
                {"Reason for delay (if reported more than 72 hours after the breach)", "delay_reason"},
                {"Is the incident on-going", "ongoing"},
                {"Is the incident ongoing", "ongoing"},
                {"Q3. Format", "medium"},
                {"(b) Type of breach", "breach_type"},
                {"2b) Type of breach", "breach_type"},
                {"iii) Format", "medium"},
                {"Q4) Team", "team"},
                {"Names of people in the office", NULL},
                {"Hello", NULL},
                {"", NULL},
                {"I sent an email to the wrong person on Monday", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int id = form_labels_match(l, cases[i].text);
                const char *got = id >= 0 ? form_fields[id].key : NULL;
                TAP_STR_EQ(got, cases[i].key, "label \"%.50s\"", cases[i].text);
        }
}

static void text_cases(const FormLabels *l)
{
        FormRecord r;
        form_record_init(&r);
        size_t n = form_read_text(l,
                                  "Hi DPO,\n"
                                  "\n"
                                  "Please see my report below.\n"
                                  "\n"
                                  "Name of person making the report: Jane Smith\n"
                                  "Contact details: jane.smith@example.test, 01234 567890\n"
                                  "Directorate: Adult Social Care\n"
                                  "The nature of the personal data breach:\n"
                                  "An email with a care plan was sent to the wrong person.\n"
                                  "\n"
                                  "The recipient has deleted it.\n"
                                  "When did this occur (Date)? 06/01/2022\n"
                                  "Time of incident: 15:39\n"
                                  "How many personal data records are concerned?\t1\n"
                                  "Directorate: Corporate Services\n"
                                  "\n"
                                  "Kind regards,\n"
                                  "Jane\n"
                                  "Team: should not be read after the sign-off\n",
                                  &r);
        TAP_INT_EQ(n, 8, "eight labels found (time and the repeated directorate count)");
        TAP_STR_EQ(r.f[F_REPORTER_NAME].text, "Jane Smith", "name");
        TAP_STR_EQ(r.f[F_REPORTER_CONTACT].text, "jane.smith@example.test, 01234 567890", "contact");
        TAP_STR_EQ(r.f[F_DIRECTORATE].text, "Adult Social Care", "first directorate wins");
        TAP_STR_EQ(r.f[F_NATURE].text,
                   "An email with a care plan was sent to the wrong person.\n\nThe recipient has deleted it.",
                   "multi-line value keeps its line breaks");
        TAP_STR_EQ(r.f[F_OCCURRED_AT].text, "06/01/2022 15:39", "date and time of incident joined");
        TAP_STR_EQ(r.f[F_RECORDS_COUNT].text, "1", "tab-separated label and value");
        TAP_STR_EQ(r.f[F_TEAM].text, NULL, "nothing read after the sign-off");
        TAP_INT_EQ(r.notes.n, 1, "the second directorate is kept in the notes");
        tap_ok(r.notes.n == 1 && strstr(r.notes.v[0], "Corporate Services"), "note names the second value");
        form_record_free(&r);

        form_record_init(&r);
        n = form_read_text(l,
                           "Your name\n\nPriya Patel\n\nService area\n\nFinance and Resources\n\n"
                           "What happened\n\nLetter sent to the wrong address.\nIt was returned.\n",
                           &r);
        TAP_INT_EQ(n, 3, "Outlook text part: labels on their own lines");
        TAP_STR_EQ(r.f[F_REPORTER_NAME].text, "Priya Patel", "value on the line below the label");
        TAP_STR_EQ(r.f[F_NATURE].text, "Letter sent to the wrong address.\nIt was returned.", "value runs to the end");
        form_record_free(&r);

        form_record_init(&r);
        n = form_read_text(l, "I think I sent a spreadsheet to the wrong school this morning.\nSorry!\n", &r);
        TAP_INT_EQ(n, 0, "free text has no labels");
        form_record_free(&r);
}

static void row_cases(const FormLabels *l)
{
        FormSource src = {0};
        form_source_add_row(&src, "Form GDPR 1 \xe2\x80\x93 Reporting personal data breaches", "");
        form_source_add_row(&src, "Name of person making the report", "Tom Brown");
        form_source_add_row(&src, "When did this occur (Date)?", "3rd March 2024");
        form_source_add_row(&src, "Is the information complete?", "Yes / No");
        form_source_add_row(&src, "Directorate: Corporate Services", "");
        form_source_add_row(&src, "Is the incident on-going? No", "");
        FormRecord r;
        form_record_init(&r);
        size_t n = form_read_source(l, &src, &r);
        TAP_INT_EQ(n, 4, "table rows: four fields");
        TAP_STR_EQ(r.f[F_ONGOING].text, "No", "one-cell row with a question keeps its answer");
        TAP_STR_EQ(r.f[F_REPORTER_NAME].text, "Tom Brown", "row value");
        TAP_STR_EQ(r.f[F_OCCURRED_AT].text, "3rd March 2024", "row with ? label");
        TAP_STR_EQ(r.f[F_DIRECTORATE].text, "Corporate Services", "one-cell row read as text");
        form_record_free(&r);
        form_source_free(&src);
}

/* Wordings no label list has: the words of the question decide. */
static void question_cases(const FormLabels *l)
{
        static const struct {
                const char *text;
                const char *key;   /* NULL: must not match */
        } cases[] = {
                {"When did you first notice the problem", "aware_at"},
                {"How did you find out about it", "how_discovered"},
                {"Why was this not reported straight away", "delay_reason"},
                {"How many records were involved", "records_count"},
                {"Number of pupils involved", "individuals_count"},
                {"Date of the breach", "occurred_at"},
                {"Breach date", "occurred_at"},
                {"What is the likely impact on those affected", "likely_consequences"},
                {"Who has received the information in error", "recipients"},
                {"Whose data is it", "individuals_affected"},
                {"Is the data still accessible to others (ongoing)", "ongoing"},
                {"Has any of it been retrieved", "recovered"},
                {"What categories of data subjects", "subject_categories"},
                {"Please describe what went wrong", "nature"},
                {"I emailed the wrong parent about the exclusion", NULL},
                {"We sent the letter to the old address", NULL},
                {"Received by Data Protection Officer date and time", NULL},
                {"Is the information complete", NULL},
                {"Has the recipient been contacted", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int id = form_labels_match(l, cases[i].text);
                TAP_STR_EQ(id >= 0 ? form_fields[id].key : NULL, cases[i].key, "question \"%.50s\"", cases[i].text);
        }
}

static const char *read1(const FormLabels *l, const char *text, FieldId id, FormRecord *r)
{
        form_record_free(r);
        form_read_text(l, text, r);
        return r->f[id].text;
}

/* The ways staff lay a form out in text. */
static void layout_cases(const FormLabels *l)
{
        FormRecord r;
        form_record_init(&r);
        TAP_STR_EQ(read1(l, "Team - Payroll\n", F_TEAM, &r), "Payroll", "layout: \" - \" separates");
        TAP_STR_EQ(read1(l, "Team ........ Payroll\n", F_TEAM, &r), "Payroll", "layout: dot leaders separate");
        TAP_STR_EQ(read1(l, "Team          Payroll\n", F_TEAM, &r), "Payroll", "layout: lined-up columns");
        TAP_STR_EQ(read1(l, "*Team:* Payroll\n", F_TEAM, &r), "Payroll", "layout: *bold* label");
        TAP_STR_EQ(read1(l, "Directorate:- Public Health\n", F_DIRECTORATE, &r), "Public Health",
                   "layout: \":-\" separates");
        TAP_STR_EQ(read1(l, "Format\n\nEmail\n\nTeam\n\nPayroll\n", F_MEDIUM, &r), "Email",
                   "layout: a one-word answer that is also a label is the answer");
        TAP_STR_EQ(r.f[F_REPORTER_CONTACT].text, NULL, "layout: ...and not the contact label");
        TAP_STR_EQ(read1(l, "Team: Payroll\nPART B - THE BREACH\nWhat happened: x\n", F_TEAM, &r), "Payroll",
                   "layout: a heading ends the answer above it");
        TAP_STR_EQ(read1(l, "Section 1: About you\nTeam: Payroll\n", F_TEAM, &r), "Payroll",
                   "layout: \"Section 1: ...\" is a heading, not an answer");
        TAP_STR_EQ(read1(l, "NAME OF PERSON MAKING THE REPORT: Tom Lee\n", F_REPORTER_NAME, &r), "Tom Lee",
                   "layout: a label in capitals is still a label");
        TAP_STR_EQ(read1(l, "Section: Payroll\n", F_TEAM, &r), "Payroll", "layout: \"Section\" as a label");
        TAP_STR_EQ(read1(l, "Team: Payroll\n\nJane Smith\nPayroll Officer\nTel: 0123\n", F_TEAM, &r), "Payroll",
                   "layout: a signature after the last answer is left out");
        TAP_STR_EQ(r.f[F_REPORTER_CONTACT].text, NULL, "layout: ...with its phone number");
        TAP_STR_EQ(read1(l, "Directorate\n\nPublic Health\n\nLocation\n\nTown Hall\n\nTeam\n\nScreening\n", F_TEAM, &r),
                   "Screening", "layout: a question on no form is no signature when the form goes on");
        TAP_STR_EQ(r.f[F_DIRECTORATE].text, "Public Health", "layout: ...and its answer is not the one above");
        TAP_STR_EQ(read1(l, "Name: Jane Smith\nJob title: Officer\n", F_REPORTER_NAME, &r), "Jane Smith",
                   "layout: an unknown label ends the answer above");
        tap_ok(r.notes.n == 1 && strstr(r.notes.v[0], "Job title: Officer"), "layout: ...and is noted");
        TAP_STR_EQ(read1(l, "Is the incident on-going? Yes / No\n", F_ONGOING, &r), NULL,
                   "layout: an untouched \"Yes / No\" is no answer");
        TAP_STR_EQ(read1(l, "Team: Click or tap here to enter text.\n", F_TEAM, &r), NULL,
                   "layout: Word's prompt is no answer");
        TAP_STR_EQ(read1(l, "Contact details: a@example.test\nTel: 0123\n", F_REPORTER_CONTACT, &r),
                   "a@example.test\nTel: 0123", "layout: another label of the same field continues it");
        TAP_STR_EQ(read1(l, "Team: A\nTo be completed by the Data Protection Officer\nDirectorate: X\n",
                         F_DIRECTORATE, &r),
                   NULL, "layout: the DPO's part of the form is not read");
        TAP_STR_EQ(read1(l, "Have any measures been taken? List in next column\tCalled them.\n", F_MEASURES_TAKEN, &r),
                   "Called them.", "layout: the form's own guidance is not the answer");
        form_record_free(&r);
}

/* A reply's answers end at a blank line; a report's keep their
 * paragraphs (issue 15, item 8). */
static void reply_cases(const FormLabels *l)
{
        FormRecord r;
        form_record_init(&r);
        const char *team = "Team: Payroll and Pensions\n\n(we merged last month, sorry)\nMark\n";
        const char *nature = "The nature of the personal data breach: A letter went to the wrong flat.\n\n"
                             "It held the tenant's bank details.\n\nTeam: Housing\n";
        const char *below = "The nature of the personal data breach:\nA letter went\nto the wrong flat.\n\n"
                            "It held bank details.\n";
        read1(l, team, F_TEAM, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll and Pensions", "reply: a blank line ends a one-line answer");
        read1(l, "Team: Payroll and Pensions   \n \t\nMark\n", F_TEAM, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll and Pensions", "reply: ...a line of spaces is blank too");
        read1(l, "Team: Payroll and Pensions\nThanks, Mark\n", F_TEAM, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll and Pensions", "reply: a sign-off with a name never joins an answer");
        read1(l, "Team: Payroll\nKind regards Sam Patel\n", F_TEAM, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll", "reply: ...\"Kind regards Sam Patel\" neither");
        read1(l, "The nature of the personal data breach: A letter went astray.\nThanks to the caretaker it came "
                 "back unopened.\n", F_NATURE, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went astray.\nThanks to the caretaker it came back unopened.",
                   "reply: a sentence that starts with \"Thanks\" is no sign-off");
        read1(l, "The nature of the personal data breach: A letter went astray.\nBest practice not followed.\n"
                 "The tenant was told.\n", F_NATURE, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went astray.\nBest practice not followed.\nThe tenant was told.",
                   "reply: a short line that starts with \"Best\" is no sign-off with a name");
        read1(l, "The nature of the personal data breach: A letter went astray.\nThank you IT team\n"
                 "for wiping the laptop.\n", F_NATURE, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went astray.\nThank you IT team\nfor wiping the laptop.",
                   "reply: ...nor \"Thank you IT team\"");
        read1(l, "Team: Payroll\nCheers Jo\n", F_TEAM, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll", "reply: \"Cheers Jo\" is one");
        read1(l, below, F_NATURE, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went\nto the wrong flat.\n\nIt held bank details.",
                   "reply: an answer below its label, of two lines, keeps its paragraphs");
        read1(l, nature, F_NATURE, &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went to the wrong flat.\n\nIt held the tenant's bank details.",
                   "reply: a description that starts on its label's line keeps its paragraphs");
        read1(l, nature, F_NATURE, &r);
        TAP_STR_EQ(r.f[F_NATURE].text, "A letter went to the wrong flat.\n\nIt held the tenant's bank details.",
                   "report: a description keeps its paragraphs");
        TAP_STR_EQ(r.f[F_TEAM].text, "Housing", "report: ...and the answer after it is read");
        form_record_free(&r);
}

/* "Has the breach been contained?" asks whether the incident is on-going
 * the other way round: its answer is turned round, every reader alike, and
 * the reporter's words are kept. */
static void negated_cases(const FormLabels *l)
{
        bool neg = true;
        TAP_INT_EQ(form_labels_match_negated(l, "Has the breach been contained?", &neg), F_ONGOING,
                   "negated: contained asks for ongoing");
        tap_ok(neg, "negated: ...the other way round");
        TAP_INT_EQ(form_labels_match_negated(l, "Breach contained", &neg), F_ONGOING, "negated: reordered words");
        tap_ok(neg, "negated: reordered words keep the polarity");
        TAP_INT_EQ(form_labels_match_negated(l, "Has the breach been fully contained?", &neg), F_ONGOING,
                   "negated: fully contained");
        tap_ok(neg, "negated: fully contained is turned round");
        TAP_INT_EQ(form_labels_match(l, "Steps taken to contain the breach"), F_MEASURES_TAKEN,
                   "negated: the steps to contain it are still the measures");
        TAP_INT_EQ(form_labels_match(l, "Containment"), F_MEASURES_TAKEN, "negated: containment is the measures");
        TAP_INT_EQ(form_labels_match_negated(l, "Is the incident on-going?", &neg), F_ONGOING,
                   "negated: the question itself");
        tap_ok(!neg, "negated: the question itself is not turned round");

        /* plain text, "Label: value" and a label on its own line */
        FormRecord r;
        form_record_init(&r);
        form_read_text(l, "Name of person making the report: Jo Bloggs\n"
                          "Has the breach been contained? Yes, the email was recalled\n"
                          "Team: Payroll\n", &r);
        TAP_STR_EQ(r.f[F_ONGOING].text,
                   "No (asked \"Has the breach been contained?\"): Yes, the email was recalled",
                   "negated text: yes to contained is not on-going, words kept");
        TAP_STR_EQ(r.f[F_TEAM].text, "Payroll", "negated text: the next field is read as before");
        form_record_free(&r);

        form_record_init(&r);
        form_read_text(l, "Is the incident contained?\n\nNo\n\nTeam\n\nPayroll\n", &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "Yes (asked \"Is the incident contained?\"): No",
                   "negated text: label alone, no to contained is on-going");
        form_record_free(&r);

        form_record_init(&r);
        form_read_text(l, "Has the breach been contained: Not sure\n", &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "Not sure", "negated text: unknown stays as written");
        form_record_free(&r);

        form_record_init(&r);
        form_read_text(l, "Has the breach been contained? Partly\n", &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "Yes, in part (asked \"Has the breach been contained?\"): Partly",
                   "negated text: contained in part is on-going in part");
        form_record_free(&r);

        /* table rows (Outlook and Word tables, PDF forms) */
        FormSource src = {0};
        form_source_add_row(&src, "Name of person making the report", "Tom Brown");
        form_source_add_row(&src, "Has the breach been contained?", "\xe2\x98\x92 Yes \xe2\x98\x90 No");
        form_record_init(&r);
        form_read_source(l, &src, &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "No (asked \"Has the breach been contained?\"): Yes",
                   "negated row: the ticked box, turned round");
        form_record_free(&r);
        form_source_free(&src);

        /* an HTML table: rows and the text rendering give the same answer,
         * so no "answered twice" note */
        const char *html = "<html><body><table>"
                           "<tr><td>Name of person making the report</td><td>Tom Brown</td></tr>"
                           "<tr><td>Has the breach been contained?</td><td>Yes</td></tr>"
                           "<tr><td>Team</td><td>Payroll</td></tr>"
                           "</table></body></html>";
        src = (FormSource){0};
        TAP_INT_EQ(html_extract(html, strlen(html), NULL, 0, &src), 0, "negated html: extracted");
        form_record_init(&r);
        form_read_source(l, &src, &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "No (asked \"Has the breach been contained?\"): Yes",
                   "negated html: yes to contained is not on-going");
        TAP_INT_EQ(r.notes.n, 0, "negated html: no second answer");
        form_record_free(&r);
        form_source_free(&src);

        /* a Word table */
        const char *xml =
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
                "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Is the incident contained</w:t></w:r></w:p></w:tc>"
                "<w:tc><w:p><w:r><w:t>No, still investigating</w:t></w:r></w:p></w:tc></w:tr>"
                "<w:tr><w:tc><w:p><w:r><w:t>Team</w:t></w:r></w:p></w:tc>"
                "<w:tc><w:p><w:r><w:t>Payroll</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
                "</w:body></w:document>";
        src = (FormSource){0};
        TAP_INT_EQ(docx_read_xml(xml, strlen(xml), &src), 0, "negated docx: read");
        form_record_init(&r);
        form_read_source(l, &src, &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "Yes (asked \"Is the incident contained?\"): No, still investigating",
                   "negated docx: no to contained is on-going");
        form_record_free(&r);
        form_source_free(&src);

        /* a reply: its answer cut to the first line still says both */
        form_record_init(&r);
        form_read_text(l, "Hi,\n\nHas the breach been contained? Yes\n\n(the email was recalled)\n\nThanks, Mark\n",
                       &r);
        form_reply_answers(&r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "No (asked \"Has the breach been contained?\"): Yes",
                   "negated reply: the first line reads whole");
        form_record_free(&r);

        /* a configured wording the other way round */
        FormLabels *extra = form_labels_new();
        form_labels_add_negated(extra, F_ONGOING, "Is it all sorted now");
        form_record_init(&r);
        form_read_text(extra, "Is it all sorted now? Yes\n", &r);
        TAP_STR_EQ(r.f[F_ONGOING].text, "No (asked \"Is it all sorted now?\"): Yes",
                   "negated: a configured wording");
        form_record_free(&r);
        form_labels_free(extra);
}

int main(void)
{
        FormLabels *l = form_labels_new();
        label_cases(l);
        text_cases(l);
        row_cases(l);
        question_cases(l);
        layout_cases(l);
        reply_cases(l);
        negated_cases(l);
        form_labels_add(l, F_NATURE, "What went wrong");
        TAP_INT_EQ(form_labels_match(l, "What went wrong?"), F_NATURE, "configured extra label");
        form_labels_free(l);
        return tap_done();
}
