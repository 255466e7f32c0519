/* test_docx.c — docx_extract(): rows and text from .docx files built here
 * with libarchive's zip writer. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "read/docx.h"
#include "read/extract.h"
#include "read/form.h"
#include "tap.h"
#include "base/util.h"

typedef struct {
        const char *name;
        const char *data;
        size_t len;          /* 0: strlen(data) */
} Entry;

static const char content_types[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
        "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";

/* Returns a zip holding the entries, deflated; caller frees. */
static char *make_zip(const Entry *entries, size_t n, size_t *ret_len)
{
        size_t cap = 8 << 20, used = 0;
        char *buf = xmalloc(cap);
        struct archive *a = archive_write_new();
        if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
            archive_write_set_format_option(a, "zip", "compression", "deflate") != ARCHIVE_OK ||
            archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
                abort();
        for (size_t i = 0; i < n; i++) {
                size_t len = entries[i].len ? entries[i].len : strlen(entries[i].data);
                struct archive_entry *e = archive_entry_new();
                archive_entry_set_pathname(e, entries[i].name);
                archive_entry_set_size(e, (la_int64_t)len);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, 0644);
                if (archive_write_header(a, e) != ARCHIVE_OK ||
                    archive_write_data(a, entries[i].data, len) != (la_ssize_t)len)
                        abort();
                archive_entry_free(e);
        }
        if (archive_write_close(a) != ARCHIVE_OK)
                abort();
        archive_write_free(a);
        *ret_len = used;
        return buf;
}

/* A .docx whose document.xml is xml. */
static int extract_xml(const char *xml, FormSource *s)
{
        Entry e[] = {{"[Content_Types].xml", content_types, 0}, {"word/document.xml", xml, 0}};
        size_t len;
        _cleanup_free_ char *zip = make_zip(e, ARRAY_SIZE(e), &len);
        return docx_extract(zip, len, s);
}

static const char *row_value(const FormSource *s, const char *label)
{
        for (size_t i = 0; i < s->n_rows; i++)
                if (strcmp(s->rows[i].label, label) == 0)
                        return s->rows[i].value;
        return NULL;
}

static bool anywhere(const FormSource *s, const char *needle)
{
        if (s->text && strstr(s->text, needle))
                return true;
        for (size_t i = 0; i < s->n_rows; i++)
                if (strstr(s->rows[i].label, needle) || strstr(s->rows[i].value, needle))
                        return true;
        return false;
}

#define DOC_OPEN                                                                                   \
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"                          \
        "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "    \
        "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" "         \
        "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "                \
        "xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\" "         \
        "xmlns:v=\"urn:schemas-microsoft-com:vml\"><w:body>"
#define DOC_CLOSE "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"
#define P(text) "<w:p><w:r><w:t>" text "</w:t></w:r></w:p>"
#define TC(content) "<w:tc><w:tcPr><w:tcW w:w=\"4508\" w:type=\"dxa\"/></w:tcPr>" content "</w:tc>"

static const char form_xml[] =
        DOC_OPEN
        "<w:p><w:pPr><w:pStyle w:val=\"Title\"/><w:tabs><w:tab w:val=\"left\" w:pos=\"720\"/></w:tabs>"
        "<w:rPr><w:t>not text</w:t></w:rPr></w:pPr><w:r><w:t>GDPR 1 \xe2\x80\x93 Reporting personal data "
        "breaches</w:t></w:r></w:p>"
        "<w:p><w:r><w:t xml:space=\"preserve\">Directorate: </w:t></w:r><w:r><w:rPr><w:b/></w:rPr>"
        "<w:t>Adult Social Care</w:t></w:r></w:p>"
        "<w:p/><w:p><w:r><w:t xml:space=\"preserve\"> </w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Team:</w:t></w:r><w:r><w:tab/><w:t>Safeguarding</w:t></w:r></w:p>"
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"4508\"/>"
        "<w:gridCol w:w=\"4508\"/></w:tblGrid>"
        "<w:tr>" TC("<w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>" P("Part 1 \xe2\x80\x93 the reporter")) "</w:tr>"
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>" TC(P("Name of person making the report"))
        TC("<w:sdt><w:sdtPr><w:alias w:val=\"Reporter\"/><w:tag w:val=\"name\"/><w:id w:val=\"1\"/></w:sdtPr>"
           "<w:sdtContent><w:p><w:r><w:t>Jane</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Smith</w:t></w:r>"
           "</w:p></w:sdtContent></w:sdt>") "</w:tr>"
        "<w:tr>" TC(P("The nature of the personal data breach"))
        TC("<w:p><w:r><w:t>A laptop was stolen</w:t></w:r><w:r><w:br/><w:t>from a car.</w:t></w:r></w:p><w:p/>"
           "<w:p><w:ins w:id=\"3\" w:author=\"A\"><w:r><w:t>It was encrypted.</w:t></w:r></w:ins>"
           "<w:del w:id=\"4\" w:author=\"A\"><w:r><w:delText>SECRETDELETED</w:delText></w:r>"
           "<w:r><w:t>SECRETDELETED</w:t></w:r></w:del></w:p>")
        "</w:tr>"
        "<w:tr>" TC(P("When did this occur"))
        TC("<w:p><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:textInput><w:default w:val=\"dflt\"/>"
           "</w:textInput></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space=\"preserve\"> FORMTEXT "
           "</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>06/01/2022</w:t>"
           "</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>") "</w:tr>"
        "<w:tr>" TC(P("Contact details"))
        TC("<w:p><w:hyperlink r:id=\"rId5\"><w:r><w:t>jane@example.org</w:t></w:r></w:hyperlink>"
           "<w:smartTag w:uri=\"urn:x\" w:element=\"phone\"><w:r><w:t xml:space=\"preserve\"> 01234 567890</w:t>"
           "</w:r></w:smartTag></w:p>") "</w:tr>"
        "<w:tr>" TC(P("Team"))
        TC("<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Click or tap here to "
           "enter text.</w:t></w:r></w:p></w:sdtContent></w:sdt>") "</w:tr>"
        "<w:tr>" TC("<w:p/>") TC("<w:p><w:r><w:t xml:space=\"preserve\">   </w:t></w:r></w:p>") "</w:tr>"
        "<w:sdt><w:sdtPr><w:id w:val=\"9\"/></w:sdtPr><w:sdtContent>"
        "<w:tr>" TC(P("Format")) TC(P("Paper")) TC(P("Letter")) "</w:tr></w:sdtContent></w:sdt>"
        "<w:tr>" TC(P("Recipients: Head teacher of another school")) "</w:tr>"
        "</w:tbl>"
        "<w:p><w:r><w:t>Signed: J Smith</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\">"
        "<w:drawing><wps:wsp><wps:txbx><w:txbxContent>" P("Box text") "</w:txbxContent></wps:txbx></wps:wsp>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>" P("Box text")
        "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
        "<w:p><w:r><w:t>caf\xc3\xa9\xc2\xa0&amp; more</w:t></w:r><w:moveFrom w:id=\"7\" w:author=\"A\"><w:r>"
        "<w:t>MOVEDAWAY</w:t></w:r></w:moveFrom></w:p>"
        DOC_CLOSE;

static void test_form(void)
{
        FormSource s = {0};
        TAP_INT_EQ(extract_xml(form_xml, &s), 0, "form: parsed");
        TAP_INT_EQ(s.n_rows, 6, "form: rows (title row, placeholder and empty rows are none)");
        TAP_STR_EQ(s.n_rows ? s.rows[0].label : NULL, "Name of person making the report", "form: first row");
        TAP_STR_EQ(row_value(&s, "Name of person making the report"), "Jane Smith", "form: content control");
        TAP_STR_EQ(row_value(&s, "The nature of the personal data breach"),
                   "A laptop was stolen\nfrom a car.\n\nIt was encrypted.",
                   "form: paragraphs joined by \\n, w:br, w:ins kept, w:del dropped");
        TAP_STR_EQ(row_value(&s, "When did this occur"), "06/01/2022", "form: legacy field result, no field code");
        TAP_STR_EQ(row_value(&s, "Contact details"), "jane@example.org 01234 567890", "form: hyperlink and smart tag");
        TAP_STR_EQ(row_value(&s, "Format"), "Paper Letter", "form: row in a content control, value cells joined");
        TAP_STR_EQ(row_value(&s, "Recipients: Head teacher of another school"), NULL, "form: a one-cell row is text");
        TAP_STR_EQ(row_value(&s, "Team"), "", "form: placeholder text is no answer");
        TAP_STR_EQ(s.text,
                   "GDPR 1 \xe2\x80\x93 Reporting personal data breaches\nDirectorate: Adult Social Care\n\n"
                   "Team:\tSafeguarding\nPart 1 \xe2\x80\x93 the reporter\nRecipients: Head teacher of another school\n"
                   "Signed: J Smith\nBox text\ncaf\xc3\xa9 & more",
                   "form: text is the body paragraphs and the one-cell rows");
        tap_ok(!anywhere(&s, "SECRETDELETED") && !anywhere(&s, "MOVEDAWAY"), "form: deleted text absent");
        tap_ok(!anywhere(&s, "FORMTEXT") && !anywhere(&s, "dflt") && !anywhere(&s, "not text"),
               "form: field codes and properties absent");
        tap_ok(!anywhere(&s, "Click or tap"), "form: placeholder absent");
        form_source_free(&s);
}

static void test_nested(void)
{
        FormSource s = {0};
        const char *xml = DOC_OPEN
                "<w:tbl><w:tr>" TC(P("Section A"))
                TC(P("Complete the table:") "<w:tbl><w:tr>" TC(P("Name")) TC(P("Sam Jones")) "</w:tr>"
                   "<w:tr>" TC(P("Team")) TC(P("Payroll") P("Pensions")) "</w:tr></w:tbl><w:p/>")
                "</w:tr><w:tr>" TC(P("Directorate")) TC(P("Finance")) "</w:tr></w:tbl>"
                P("After") DOC_CLOSE;
        TAP_INT_EQ(extract_xml(xml, &s), 0, "nested: parsed");
        TAP_INT_EQ(s.n_rows, 3, "nested: inner rows and the plain outer row");
        TAP_STR_EQ(row_value(&s, "Name"), "Sam Jones", "nested: inner row");
        TAP_STR_EQ(row_value(&s, "Team"), "Payroll\nPensions", "nested: inner cell paragraphs");
        TAP_STR_EQ(row_value(&s, "Directorate"), "Finance", "nested: outer row without a table");
        TAP_STR_EQ(row_value(&s, "Section A"), NULL, "nested: no row from the layout cell");
        TAP_STR_EQ(s.text, "Section A\nComplete the table:\nAfter", "nested: the layout cells are text");
        form_source_free(&s);

        const char *strict = "<w:document xmlns:w=\"http://purl.oclc.org/ooxml/wordprocessingml/main\"><w:body>"
                             "<w:tbl><w:tr>" TC(P("Team")) TC(P("Payroll")) "</w:tr></w:tbl></w:body></w:document>";
        TAP_INT_EQ(extract_xml(strict, &s), 0, "strict: parsed");
        TAP_STR_EQ(row_value(&s, "Team"), "Payroll", "strict: ISO 29500 strict namespace");
        TAP_STR_EQ(s.text, NULL, "strict: no body paragraphs, no text");
        form_source_free(&s);

        const char *foreign = "<w:document xmlns:w=\"urn:not-word\"><w:body>" P("Team: x") "</w:body></w:document>";
        TAP_INT_EQ(extract_xml(foreign, &s), 0, "foreign: parsed");
        tap_ok(s.text == NULL && s.n_rows == 0, "foreign: elements of another namespace are not Word text");
        form_source_free(&s);
}

static void test_errors(void)
{
        FormSource sentinel = {.n_rows = 42}, s = sentinel;

        TAP_INT_EQ(docx_extract("hello, world", 12, &s), -EBADMSG, "errors: not a zip");
        static const unsigned char junk[] = {0x50, 0x4b, 0x03, 0x04, 0xff, 0xff, 0x00, 0x01, 0x02};
        TAP_INT_EQ(docx_extract(junk, sizeof junk, &s), -EBADMSG, "errors: truncated zip");
        TAP_INT_EQ(docx_extract("", 0, &s), -EBADMSG, "errors: empty");
        TAP_INT_EQ(docx_extract(NULL, 10, &s), -EINVAL, "errors: NULL");

        Entry no_doc[] = {{"[Content_Types].xml", content_types, 0}, {"word/styles.xml", "<w:styles/>", 0},
                          {"document.xml", P("x"), 0}};
        size_t len;
        char *zip = make_zip(no_doc, ARRAY_SIZE(no_doc), &len);
        TAP_INT_EQ(docx_extract(zip, len, &s), -EBADMSG, "errors: zip without word/document.xml");
        free(zip);

        TAP_INT_EQ(extract_xml(DOC_OPEN P("unclosed") "<w:p>", &s), -EBADMSG, "errors: malformed XML");
        TAP_INT_EQ(extract_xml("", &s), -EBADMSG, "errors: empty document.xml");

        const char *laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE w:document [\n"
                             "<!ENTITY a \"lollollollollollollollollollol\">\n"
                             "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                             "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
                             "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
                             "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
                             "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
                             "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
                             "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">\n"
                             "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">\n]>\n"
                             "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
                             "<w:body>" P("&i;") "<w:tbl><w:tr>" TC(P("Team")) TC(P("&i;")) "</w:tr></w:tbl>"
                             "</w:body></w:document>";
        TAP_INT_EQ(extract_xml(laughs, &s), -EBADMSG, "errors: billion laughs refused, not expanded");

        const char *xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE w:document [\n"
                          "<!ENTITY xxe SYSTEM \"file:///etc/hostname\">\n"
                          "<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n%remote;\n]>\n"
                          "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
                          "<w:body>" P("&xxe;") "</w:body></w:document>";
        TAP_INT_EQ(extract_xml(xxe, &s), -EBADMSG, "errors: external entity refused, not loaded");

        const char *undeclared = DOC_OPEN P("a &undeclared; b") DOC_CLOSE;
        TAP_INT_EQ(extract_xml(undeclared, &s), -EBADMSG, "errors: undeclared entity");
        TAP_INT_EQ(s.n_rows, 42, "errors: result untouched on failure");

        /* A zip bomb: 50 MiB of spaces deflates to about 50 KiB. */
        size_t big_len = DOCX_MAX_DOCUMENT + 1;
        char *big = xmalloc(big_len);
        memset(big, ' ', big_len);
        memcpy(big, "<w:document/>", 13);
        Entry bomb[] = {{"[Content_Types].xml", content_types, 0}, {"word/document.xml", big, big_len}};
        zip = make_zip(bomb, ARRAY_SIZE(bomb), &len);
        free(big);
        TAP_INT_EQ(docx_extract(zip, len, &s), -EFBIG, "errors: document.xml over 50 MiB refused");
        free(zip);
        TAP_INT_EQ(s.n_rows, 42, "errors: result still untouched");
}

static void test_form_reader(void)
{
        FormLabels *labels = form_labels_new();
        FormRecord rec;
        FormSource s = {0};

        form_record_init(&rec);
        TAP_INT_EQ(extract_xml(form_xml, &s), 0, "reader: parsed");
        tap_ok(form_read_source(labels, &s, &rec) >= 5, "reader: fields found");
        TAP_STR_EQ(rec.f[form_field_by_key("reporter_name")->id].text, "Jane Smith", "reader: reporter_name");
        TAP_STR_EQ(rec.f[form_field_by_key("nature")->id].text,
                   "A laptop was stolen\nfrom a car.\n\nIt was encrypted.", "reader: nature");
        TAP_STR_EQ(rec.f[F_DIRECTORATE].text, "Adult Social Care", "reader: directorate from a body paragraph");
        TAP_STR_EQ(rec.f[F_TEAM].text, "Safeguarding", "reader: team from a body paragraph, not the placeholder");
        TAP_STR_EQ(rec.f[F_OCCURRED_AT].text, "06/01/2022", "reader: occurred_at from a legacy form field");
        TAP_STR_EQ(rec.f[F_RECIPIENTS].text, "Head teacher of another school", "reader: one-cell row");
        form_record_free(&rec);
        form_source_free(&s);
        form_labels_free(labels);
}

int main(void)
{
        test_form();
        test_nested();
        test_errors();
        test_form_reader();
        return tap_done();
}
