#!/usr/bin/python3
"""make-real-pdf.py -- the corpus PDFs made by the tools staff really use.

    /usr/bin/python3 tests/corpora/tools/make-real-pdf.py [CORPUS_DIR]

Run once, by hand; its output is committed (the PDFs under tools/, the
messages under good/) and the .expect files are written by hand.  These
tools are not in `make deps`; to make the files again, install them first
(Debian 12):

    apt-get install --no-install-recommends libreoffice-writer-nogui \\
        pdftk-java python3-reportlab poppler-utils img2pdf chromium

Each PDF, and the command that made it (WORK is a temporary directory):

  lo-table.pdf       the breach form typed into a LibreOffice Writer document,
                     a two-column table "Label | Answer" (written here as
                     Writer's flat XML, WORK/lo-table.fodt), then
                       soffice --headless --convert-to odt WORK/lo-table.fodt
                       soffice --headless --convert-to pdf WORK/lo-table.odt
                     (package libreoffice-writer-nogui)
  lo-paragraphs.pdf  the same as paragraphs "Label: answer", the same two
                     commands on WORK/lo-paragraphs.fodt
  lo-table-numbered.pdf
                     a three-column table "No. | Question | Answer" with
                     Writer's default cells (no borders, no padding: rows
                     with no gap between them), the same two commands on
                     WORK/lo-table-numbered.fodt
  lo-table-tagged.pdf
                     lo-table's document saved as a tagged PDF, as Word's
                     "Save as PDF" makes by default:
                       soffice --headless --convert-to \
                           'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}' \
                           WORK/lo-table-tagged.odt
  acroform.pdf       the council's fillable form (blank, made with ReportLab's
                     acroform, package python3-reportlab): text fields named
                     Text1..Text9 with the labels as tooltips (TU), one of
                     them multi-line, a check box, and radio groups named
                     Group1..Group4 with no tooltip, their question printed
                     to the left and each button's answer printed beside it,
                     as Acrobat's and LibreOffice's forms are; filled with
                       pdftk WORK/acroform-blank.pdf fill_form WORK/answers.fdf \\
                           output acroform.pdf
                     (package pdftk-java; the FDF is ANSWERS below)
  chromium-print.pdf the form as a web page (WORK/form.html), printed by
                       chromium --headless --no-sandbox --disable-gpu \\
                           --no-pdf-header-footer --print-to-pdf=chromium-print.pdf \\
                           file://WORK/form.html
                     (package chromium)
  scanned.pdf        lo-table.pdf rendered to a picture and wrapped as an
                     image-only PDF, as a scanner makes it:
                       pdftoppm -r 100 -gray -png -singlefile lo-table.pdf WORK/page
                       img2pdf -o scanned.pdf WORK/page.png
                     (packages poppler-utils and img2pdf)

Each message is a mail as a mail client sends an attachment: an empty body
and the PDF as a base64 part (make-pdf.py's mail()).
"""

import html
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("make_pdf", os.path.join(HERE, "make-pdf.py"))
make_pdf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_pdf)

# The breach form's questions (docs/breach-form.md) and Priya's answers.
FORM = [
    ("Name of person making the report", "Priya Shah"),
    ("Contact details", "priya.shah@example.test, 01632 960123"),
    ("Directorate", "Adult Social Care"),
    ("Team", "Reablement"),
    ("When did this occur", "10/03/2025 09:15"),
    ("When did you become aware", "10/03/2025 11:40"),
    ("The nature of the personal data breach", "A care plan was posted to the wrong address."),
    ("How did the personal data breach occur",
     "Two letters were put in each other's envelopes.\nThe envelopes were not checked before posting."),
    ("Number of individuals affected", "2"),
]
# Questions answered by a choice: (question, choices, the one chosen).
CHOICES = [
    ("Does it include special category data?", ["Yes", "No", "Not sure"], "Yes"),
    ("Is the incident on-going?", ["Yes", "No"], "No"),
    ("Was the breach caused by a cyber incident?", ["Yes", "No"], "No"),
    ("Format", ["Paper", "Email", "Electronic"], "Paper"),
]
TICK = ("Are the data subjects children or vulnerable adults", True)


def run(*cmd, cwd=None):
    subprocess.run(cmd, check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def esc(s):
    return html.escape(s, quote=False)


FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:style style:name="Cell" style:family="table-cell">
  <style:table-cell-properties fo:border="0.5pt solid #000000" fo:padding="0.1cm"/>
 </style:style>
 <style:style style:name="Bold" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
</office:automatic-styles>
<office:body><office:text>
<text:h text:outline-level="1">Personal data breach report form</text:h>
<text:p>Please complete all sections and email the form to the Information Governance team.</text:p>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"


def answers():
    """The form's answers as label, answer pairs, choices as words."""
    out = list(FORM)
    for q, _, chosen in CHOICES:
        out.append((q.rstrip("?"), chosen))
    out.append((TICK[0], "Yes" if TICK[1] else "No"))
    return out


def paras(value):
    return "<text:line-break/>".join(esc(v) for v in value.split("\n"))


def fodt_table():
    rows = []
    for label, value in answers():
        rows.append('<table:table-row><table:table-cell table:style-name="Cell" office:value-type="string">'
                    '<text:p><text:span text:style-name="Bold">%s</text:span></text:p></table:table-cell>'
                    '<table:table-cell table:style-name="Cell" office:value-type="string"><text:p>%s</text:p>'
                    '</table:table-cell></table:table-row>' % (esc(label), paras(value)))
    return (FODT_HEAD + '<table:table table:name="Form"><table:table-column table:number-columns-repeated="2"/>\n'
            + "\n".join(rows) + "\n</table:table>\n" + FODT_TAIL)


def fodt_numbered():
    rows = []
    for k, (label, value) in enumerate(answers()):
        rows.append('<table:table-row><table:table-cell office:value-type="string"><text:p>%d.</text:p>'
                    '</table:table-cell><table:table-cell office:value-type="string"><text:p>%s</text:p>'
                    '</table:table-cell><table:table-cell office:value-type="string"><text:p>%s</text:p>'
                    '</table:table-cell></table:table-row>' % (k + 1, esc(label), paras(value)))
    return (FODT_HEAD + '<table:table table:name="Form"><table:table-column table:number-columns-repeated="3"/>\n'
            + "\n".join(rows) + "\n</table:table>\n" + FODT_TAIL)


def fodt_paragraphs():
    ps = ['<text:p><text:span text:style-name="Bold">%s:</text:span> %s</text:p>' % (esc(label), paras(value))
          for label, value in answers()]
    return FODT_HEAD + "\n".join(ps) + "\n" + FODT_TAIL


def libreoffice(work, name, content, export="pdf"):
    src = os.path.join(work, name + ".fodt")
    with open(src, "w") as f:
        f.write(content)
    profile = "file://" + os.path.join(work, "lo-profile")
    lo = ["soffice", "-env:UserInstallation=" + profile, "--headless", "--convert-to"]
    run(*lo, "odt", "--outdir", work, src)
    run(*lo, export, "--outdir", work, os.path.join(work, name + ".odt"))
    with open(os.path.join(work, name + ".pdf"), "rb") as f:
        return f.read()


def acroform_blank(path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(path, pagesize=A4, invariant=1)
    c.setTitle("Personal data breach report form")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(56, 800, "Personal data breach report form")
    c.setFont("Helvetica", 9)
    y = 770
    for i, (label, value) in enumerate(FORM):
        multi = "\n" in value
        h = 40 if multi else 18
        c.drawString(56, y, label)
        c.acroForm.textfield(name="Text%d" % (i + 1), tooltip=label, value="", x=260, y=y - h + 12,
                             width=280, height=h, borderWidth=1, fontName="Helvetica", fontSize=9,
                             fieldFlags="multiline" if multi else "")
        y -= h + 8
    for g, (q, options, _) in enumerate(CHOICES):
        c.drawString(56, y, q)
        for k, opt in enumerate(options):
            x = 260 + k * 80
            c.acroForm.radio(name="Group%d" % (g + 1), value="Choice%d" % (k + 1), selected=False,
                             x=x, y=y - 2, size=11, borderWidth=1)
            c.drawString(x + 15, y, opt)
        y -= 24
    c.drawString(56, y, TICK[0] + "?")
    c.acroForm.checkbox(name="Check Box1", tooltip=TICK[0], checked=False, x=260, y=y - 2, size=11)
    c.showPage()
    c.save()


def fdf():
    def s(v):
        return "(" + v.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\n", "\\r") + ")"
    fields = ["<< /T (Text%d) /V %s >>" % (i + 1, s(v)) for i, (_, v) in enumerate(FORM)]
    for g, (_, options, chosen) in enumerate(CHOICES):
        fields.append("<< /T (Group%d) /V /Choice%d >>" % (g + 1, options.index(chosen) + 1))
    fields.append("<< /T (Check Box1) /V /%s >>" % ("Yes" if TICK[1] else "Off"))
    return ("%FDF-1.2\n1 0 obj\n<< /FDF << /Fields [\n" + "\n".join(fields)
            + "\n] >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def acroform(work):
    blank = os.path.join(work, "acroform-blank.pdf")
    acroform_blank(blank)
    with open(os.path.join(work, "answers.fdf"), "w") as f:
        f.write(fdf())
    out = os.path.join(work, "acroform.pdf")
    run("pdftk", blank, "fill_form", os.path.join(work, "answers.fdf"), "output", out)
    with open(out, "rb") as f:
        return f.read()


def chromium(work):
    rows = "\n".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(label), esc(value).replace("\n", "<br>"))
                     for label, value in answers())
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Breach report</title>"
            "<style>body{font-family:sans-serif} th{text-align:left;vertical-align:top;width:45%%}"
            "td,th{border:1px solid #000;padding:4px}table{border-collapse:collapse;width:100%%}</style>"
            "</head><body><h1>Personal data breach report form</h1><table>%s</table></body></html>\n" % rows)
    src = os.path.join(work, "form.html")
    with open(src, "w") as f:
        f.write(page)
    out = os.path.join(work, "chromium-print.pdf")
    run("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
        "--user-data-dir=" + os.path.join(work, "chromium-profile"), "--print-to-pdf=" + out, "file://" + src)
    with open(out, "rb") as f:
        return f.read()


def scanned(work, pdf):
    src = os.path.join(work, "scan-src.pdf")
    with open(src, "wb") as f:
        f.write(pdf)
    run("pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", src, os.path.join(work, "page"))
    out = os.path.join(work, "scanned.pdf")
    run("img2pdf", "-o", out, os.path.join(work, "page.png"))
    with open(out, "rb") as f:
        return f.read()


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..")
    work = tempfile.mkdtemp(prefix="make-real-pdf.")
    try:
        pdfs = {
            "lo-table.pdf": libreoffice(work, "lo-table", fodt_table()),
            "lo-paragraphs.pdf": libreoffice(work, "lo-paragraphs", fodt_paragraphs()),
            "lo-table-numbered.pdf": libreoffice(work, "lo-table-numbered", fodt_numbered()),
            "lo-table-tagged.pdf": libreoffice(
                work, "lo-table-tagged", fodt_table(),
                'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'),
            "acroform.pdf": acroform(work),
            "chromium-print.pdf": chromium(work),
        }
        pdfs["scanned.pdf"] = scanned(work, pdfs["lo-table.pdf"])
    finally:
        shutil.rmtree(work)
    for name, data in pdfs.items():
        make_pdf.write(os.path.join(corpus, "tools", name), data)
    msgs = [
        ("pdf-libreoffice-table", "Data breach report", "lo-table.pdf", "Breach report form.pdf"),
        ("pdf-libreoffice-paragraphs", "Data breach", "lo-paragraphs.pdf", "breach report.pdf"),
        ("pdf-libreoffice-numbered", "Breach report", "lo-table-numbered.pdf", "Form DP3.pdf"),
        ("pdf-acroform-pdftk", "Breach report form", "acroform.pdf", "DPB1 breach form (filled).pdf"),
        ("pdf-chromium-print", "Breach report", "chromium-print.pdf", "Breach report.pdf"),
        ("pdf-scanned-img2pdf", "Scanned breach form", "scanned.pdf", "SCAN_20250310_1204.pdf"),
    ]
    for i, (name, subject, pdf, filename) in enumerate(msgs):
        headers = ("From: Priya Shah <priya.shah@example.test>\nTo: breach@example.test\n"
                   "Subject: %s\nDate: Mon, 10 Mar 2025 12:%02d:00 +0000\n"
                   "Message-ID: <%s-0001@example.test>\n" % (subject, 10 + i, name))
        text = make_pdf.mail(headers, "", pdfs[pdf], filename, "=_realpdf_%d_boundary" % i)
        make_pdf.write(os.path.join(corpus, "good", name + ".eml"), text.encode())


if __name__ == "__main__":
    main()
