#!/usr/bin/env python3
"""make-docx.py -- writes the corpus messages that carry a Word .docx.

    python3 tests/corpora/tools/make-docx.py [CORPUS_DIR]

Each message is a mail as Outlook or Gmail sends an attachment: a short
note in the body and the .docx as a base64 part.  The .docx files are built
here with zipfile, the way Word lays them out ([Content_Types].xml, _rels,
word/document.xml, word/styles.xml, docProps), with fixed timestamps so that
running the script again gives the same bytes.  The .expect files beside
the messages are written by hand, not by this script.
"""

import base64
import io
import os
import sys
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FIXED = (2025, 1, 22, 9, 0, 0)

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"""
DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="%s"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/><w:sz w:val="22"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>""" % W
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>GDPR 1 - Reporting personal data breaches</dc:title><dc:creator>Information Governance</dc:creator><dcterms:modified xsi:type="dcterms:W3CDTF">2025-01-22T09:00:00Z</dcterms:modified></cp:coreProperties>"""
APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion></Properties>"""


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(text, bold=False):
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return '<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % (rpr, esc(text))


def para(text="", bold=False):
    if not text:
        return "<w:p/>"
    return "<w:p><w:pPr><w:spacing w:after=\"0\"/></w:pPr>%s</w:p>" % run(text, bold)


def cell(content, width=4500):
    """content: a list of paragraphs (strings), or raw XML (a str starting with '<')."""
    if isinstance(content, str) and content.startswith("<"):
        body = content
    elif isinstance(content, str):
        body = para(content)
    else:
        body = "".join(para(p) for p in content) or "<w:p/>"
    return ('<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>%s</w:tc>' % (width, body))


def table(rows):
    xml = ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="9000" w:type="dxa"/>'
           '<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid><w:gridCol w:w="4500"/><w:gridCol w:w="4500"/></w:tblGrid>')
    for r in rows:
        xml += "<w:tr>" + "".join(cell(c) for c in r) + "</w:tr>"
    return xml + "</w:tbl>"


def document(body_xml):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="%s" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<w:body>%s<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>' % (W, body_xml))


def docx(document_xml, extra=None, deflate_level=6):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name, data):
            zi = zipfile.ZipInfo(name, FIXED)
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data, compresslevel=deflate_level)
        add("[Content_Types].xml", CONTENT_TYPES)
        add("_rels/.rels", RELS)
        add("word/_rels/document.xml.rels", DOC_RELS)
        add("word/document.xml", document_xml)
        add("word/styles.xml", STYLES)
        add("docProps/core.xml", CORE)
        add("docProps/app.xml", APP)
        for name, data in (extra or []):
            add(name, data)
    return buf.getvalue()


def b64lines(data):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def mail(headers, note, data, filename_params, boundary):
    return (headers +
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed;\n\tboundary="%s"\n\n' % boundary +
            "--%s\n" % boundary +
            'Content-Type: text/plain; charset="us-ascii"\n'
            "Content-Transfer-Encoding: 7bit\n\n" + note + "\n" +
            "--%s\n" % boundary +
            "Content-Type: %s;\n\t%s\n" % (DOCX_TYPE, filename_params[0]) +
            "Content-Description: %s\n" % filename_params[2] +
            "Content-Disposition: attachment;\n\t%s; size=%d;\n" % (filename_params[1], len(data)) +
            '\tcreation-date="Wed, 22 Jan 2025 09:00:00 GMT";\n'
            '\tmodification-date="Wed, 22 Jan 2025 09:00:00 GMT"\n'
            "Content-Transfer-Encoding: base64\n\n" + b64lines(data) + "\n\n" +
            "--%s--\n" % boundary)


SEED_ROWS = [
    ["Name of person making the report", ["Olivia Turner"]],
    ["Contact details", ["olivia.turner@example.test", "01632 960 318"]],
    ["Directorate", ["Corporate Services"]],
    ["The nature of the personal data breach e.g. alteration or deletion of personal data, transfer to third "
     "party not entitled to it etc.",
     ["A list of staff with their home addresses was left on the shared printer overnight.",
      "It was found by a cleaner and handed in."]],
    ["When did this occur (Date)?", ["21/01/2025 17:45"]],
    ["When did you become aware", ["22/01/2025 08:30"]],
    ["How did the personal data breach occur?", ["Printed to the wrong printer and not collected."]],
    ["Which individuals are affected by the personal data breach (include categories and approximate number "
     "of individuals concerned)?", ["Employees of the HR team - 12 people"]],
    ["How many personal data records are concerned?", ["12"]],
    ["How are the individuals likely to be affected by the personal data breach?",
     ["Low risk; the list was face down and seen only by the cleaner."]],
    ["Have any measures been taken or proposed to be taken to deal with the personal data breach? "
     "List in next column", ["List shredded; staff reminded to use secure print."]],
    ["Signed by the person reporting the personal data breach, date and time", ["O Turner, 22/01/2025 09:00"]],
]


def write(path, text):
    with open(path, "w", newline="\n") as f:
        f.write(text)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    good = os.path.join(corpus, "good")
    hostile = os.path.join(corpus, "hostile")

    # 1. The seed form as a Word table, filled in, with a title paragraph.
    body = (para("Form GDPR 1 \u2013 Reporting personal data breaches", bold=True) + para() +
            table(SEED_ROWS) + para() + para("To be completed by the Data Protection Officer", bold=True) +
            table([["Received by Data Protection Officer date and time", [""]],
                   ["Is the information complete?", ["Yes / No If No, what further information is required?"]]]))
    data = docx(document(body))
    write(os.path.join(good, "attach-docx-table.eml"), mail(
        "From: Olivia Turner <olivia.turner@example.test>\n"
        "To: Data Breach Reporting <breach@example.test>\n"
        "Subject: Breach form attached\n"
        "Date: Wed, 22 Jan 2025 09:12:40 +0000\n"
        "Message-ID: <attach-docx-table-0001@example.test>\n",
        "Hi,\n\nPlease see the attached breach report form.\n\nThanks\nOlivia\n",
        data, ('name="GDPR1 breach form - printer.docx"', 'filename="GDPR1 breach form - printer.docx"',
               "GDPR1 breach form - printer.docx"), "_004_attach_docx_table_"))

    # 2. "Label: value" paragraphs, a Word content control (filled) and one
    #    left showing its placeholder; an RFC 2231 encoded UTF-8 file name.
    sdt_filled = ('<w:sdt><w:sdtPr><w:alias w:val="Directorate"/><w:tag w:val="directorate"/></w:sdtPr>'
                  '<w:sdtContent><w:r><w:t>Adult Social Care</w:t></w:r></w:sdtContent></w:sdt>')
    sdt_placeholder = ('<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r>'
                       '<w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt>')
    body = (para("Personal data breach report", bold=True) + para() +
            para("Your name: Nkechi Adeyemi") +
            para("Email: nkechi.adeyemi@example.test") +
            '<w:p><w:r><w:t xml:space="preserve">Service area: </w:t></w:r>%s</w:p>' % sdt_filled +
            '<w:p><w:r><w:t xml:space="preserve">Team: </w:t></w:r>%s</w:p>' % sdt_placeholder +
            para("What happened: A social worker\u2019s notebook with visit notes for six clients was left on a "
                 "train.") +
            para("Date of incident: Tuesday 21 January 2025, about 6pm") +
            para("How did it happen: Put down on the seat while answering a call.") +
            para("Who is affected: Six adult social care clients") +
            para("Are the data subjects children or vulnerable adults? Yes") +
            para("Does it include special category data? Yes - health and care needs") +
            para("Type of breach: Lost or stolen paperwork") +
            para("Format: Paper") +
            para("Has the information been recovered or deleted? Reported to the train company, not found yet"))
    data = docx(document(body))
    write(os.path.join(good, "attach-docx-paragraphs.eml"), mail(
        "From: Nkechi Adeyemi <nkechi.adeyemi@example.test>\n"
        "To: breach@example.test\n"
        "Subject: Lost notebook - report attached\n"
        "Date: Wed, 22 Jan 2025 10:03:11 +0000\n"
        "Message-ID: <attach-docx-paras-0001@example.test>\n",
        "Report attached as requested.\n\nSent from my iPhone\n",
        data, ("name*=UTF-8''Breach%20report%20%E2%80%93%20notebook.docx",
               "filename*=UTF-8''Breach%20report%20%E2%80%93%20notebook.docx",
               "Breach report - notebook.docx"), "Apple-Mail-4A1B2C3D-0001"))

    # 3. A one-column form: each question in a shaded row, its answer in the
    #    row below; tick boxes (Word's ☒ and ☐ glyphs) for the choices.
    def row1(text, shaded=False):
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>' if shaded else ""
        return ('<w:tr><w:tc><w:tcPr><w:tcW w:w="9000" w:type="dxa"/>%s</w:tcPr>%s</w:tc></w:tr>'
                % (shade, "".join(para(t) for t in text)))
    qa = [("Section 1 \u2013 About you", None),
          ("Name of person making the report", ["Priya Shah"]),
          ("Contact details", ["priya.shah@example.test / ext 3302"]),
          ("Directorate", ["Public Health"]),
          ("Section 2 \u2013 The breach", None),
          ("The nature of the personal data breach", ["Blood test results for one patient were posted "
                                                      "to another patient with the same surname."]),
          ("When did this occur (Date)?", ["24/01/2025"]),
          ("How did the personal data breach occur?", ["Envelopes filled by hand from two piles."]),
          ("Which individuals are affected?", ["One patient"]),
          ("Type of breach", ["\u2610 Lost in transit   \u2612 Disclosed in error   \u2610 Other"]),
          ("Format", ["\u2612 Letter  \u2610 Email  \u2610 Verbal"]),
          ("Does it include special category data?", ["\u2612 Yes  \u2610 No  \u2610 Don\u2019t know"]),
          ("Is the incident on-going?", ["\u2610 Yes  \u2612 No"]),
          ("Was the breach caused by a cyber incident?", ["\u2610 Yes  \u2610 No"])]
    rows_xml = ""
    for q, a in qa:
        rows_xml += row1([q], shaded=True)
        if a is not None:
            rows_xml += row1(a)
    body = (para("Personal Data Breach Report", bold=True) +
            '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="9000" w:type="dxa"/></w:tblPr>'
            '<w:tblGrid><w:gridCol w:w="9000"/></w:tblGrid>' + rows_xml + "</w:tbl>")
    data = docx(document(body))
    write(os.path.join(good, "attach-docx-one-column.eml"), mail(
        "From: Priya Shah <priya.shah@example.test>\n"
        "To: breach@example.test\n"
        "Subject: Breach report form\n"
        "Date: Mon, 27 Jan 2025 09:00:00 +0000\n"
        "Message-ID: <attach-docx-one-column-0001@example.test>\n",
        "Form attached.\n",
        data, ('name="Breach report.docx"', 'filename="Breach report.docx"', "Breach report.docx"),
        "_one_column_"))

    # 4. A zip bomb: word/document.xml inflates to 80 MB of spaces inside a
    #    paragraph; the body of the mail carries the report as text.
    bomb_doc = (document(para("Name of person making the report: Bomb") + "<w:p><w:r><w:t>" +
                         " " * (80 << 20) + "</w:t></w:r></w:p>"))
    data = docx(bomb_doc, deflate_level=9)
    write(os.path.join(hostile, "docx-zip-bomb.eml"), mail(
        "From: Ian Walsh <ian.walsh@example.test>\n"
        "To: breach@example.test\n"
        "Subject: Breach report\n"
        "Date: Thu, 23 Jan 2025 11:00:00 +0000\n"
        "Message-ID: <docx-zip-bomb-0001@example.test>\n",
        "Name of person making the report: Ian Walsh\n"
        "Directorate: Corporate Services\n"
        "The nature of the personal data breach: see the attached form\n",
        data, ('name="form.docx"', 'filename="form.docx"', "form.docx"), "_bomb_"))

    # 5. Billion laughs: a DOCTYPE declaring nested entities.
    laughs = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [\n<!ENTITY lol "lol">\n' +
              "".join('<!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                      for i in range(1, 10)) +
              ']>\n<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>Directorate: &lol9;</w:t></w:r></w:p>'
              '</w:body></w:document>' % W)
    data = docx(laughs)
    write(os.path.join(hostile, "docx-billion-laughs.eml"), mail(
        "From: Ian Walsh <ian.walsh@example.test>\n"
        "To: breach@example.test\n"
        "Subject: Breach report (laughs)\n"
        "Date: Thu, 23 Jan 2025 11:05:00 +0000\n"
        "Message-ID: <docx-laughs-0001@example.test>\n",
        "Name of person making the report: Ian Walsh\n"
        "The nature of the personal data breach: details in the attachment\n",
        data, ('name="form.docx"', 'filename="form.docx"', "form.docx"), "_laughs_"))

    # 6. An external entity (XXE) naming a local file.
    xxe = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>Contact details: &x;</w:t></w:r></w:p>'
           '</w:body></w:document>' % W)
    data = docx(xxe)
    write(os.path.join(hostile, "docx-xxe.eml"), mail(
        "From: Ian Walsh <ian.walsh@example.test>\n"
        "To: breach@example.test\n"
        "Subject: Breach report (entity)\n"
        "Date: Thu, 23 Jan 2025 11:10:00 +0000\n"
        "Message-ID: <docx-xxe-0001@example.test>\n",
        "Name of person making the report: Ian Walsh\n"
        "The nature of the personal data breach: details in the attachment\n",
        data, ('name="form.docx"', 'filename="form.docx"', "form.docx"), "_xxe_"))


if __name__ == "__main__":
    main()
