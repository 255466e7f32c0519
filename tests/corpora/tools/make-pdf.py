#!/usr/bin/python3
"""make-pdf.py -- writes the corpus messages that carry a PDF.

    /usr/bin/python3 tests/corpora/tools/make-pdf.py [CORPUS_DIR]

The PDFs are made by a real tool, ReportLab (Debian python3-reportlab,
installed by scripts/deps.sh), in its invariant mode so that running the
script again gives the same bytes:
  - form.pdf: the breach form saved as PDF, its labels and answers as text;
  - fillable.pdf: the fillable form (AcroForm text fields, named and
    tooltipped like the form's labels), filled in;
  - scan.pdf: a scan: one page that is a picture, no text at all;
  - encrypted.pdf: the form with a password to open it (for the unit test);
  - choices.pdf: a fillable form's other fields (for the unit test): a
    drop-down with a choice made, a ticked and an unticked check box, an
    empty text field;
  - untitled.pdf: text fields with the names a form program makes up
    ("Text1", "Text2") and no tooltip, their questions printed left of one
    and above the other (for the unit test);
  - columns.pdf: two columns of running text, a newsletter's page, which is
    no table (for the unit test).
Each message is a mail as a mail client sends an attachment: the body (often
empty) and the PDF as a base64 part.  The .expect files beside the messages
are written by hand, not by this script.
"""

import base64
import io
import os
import sys

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

FORM = [
    ("Name of person reporting", "Hannah Price"),
    ("Directorate", "Children's Services"),
    ("Date and time of breach", "03/02/2025 14:00"),
    ("Date and time you became aware", "03/02/2025 16:30"),
    ("Nature of the breach", "A case file was emailed to the wrong foster carer."),
    ("Number of individuals affected", "3"),
]


def new_canvas(buf, encrypt=None):
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, encrypt=encrypt)
    c.setTitle("Personal data breach report")
    c.setAuthor("Information Governance")
    return c


def text_form(encrypt=None):
    buf = io.BytesIO()
    c = new_canvas(buf, encrypt)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 780, "Personal data breach report form")
    c.setFont("Helvetica", 11)
    y = 740
    for label, value in FORM:
        c.drawString(72, y, "%s: %s" % (label, value))
        y -= 24
    c.showPage()
    c.save()
    return buf.getvalue()


def fillable_form():
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 780, "Personal data breach report form")
    c.setFont("Helvetica", 10)
    y = 740
    for i, (label, value) in enumerate(FORM):
        c.drawString(72, y + 20, label)
        c.acroForm.textfield(name="field%d" % (i + 1), tooltip=label, value=value,
                             x=72, y=y - 4, width=440, height=20, borderWidth=1,
                             fontName="Helvetica", fontSize=10)
        y -= 50
    c.showPage()
    c.save()
    return buf.getvalue()


def choices_form():
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.setFont("Helvetica", 10)
    c.drawString(72, 780, "Directorate")
    c.acroForm.choice(name="Directorate", tooltip="Directorate", value="Adult Social Care",
                      options=["Adult Social Care", "Children's Services", "Highways"],
                      x=200, y=770, width=200, height=20, fontName="Helvetica", fontSize=10)
    c.drawString(72, 740, "Has the data been recovered")
    c.acroForm.checkbox(name="Recovered", tooltip="Has the data been recovered", checked=True,
                        x=300, y=735, size=14)
    c.drawString(72, 710, "Was the ICO told")
    c.acroForm.checkbox(name="ICO_told", checked=False, x=300, y=705, size=14)
    c.drawString(72, 680, "Team")
    c.acroForm.textfield(name="Team", value="", x=200, y=675, width=200, height=20,
                         fontName="Helvetica", fontSize=10)
    c.showPage()
    c.save()
    return buf.getvalue()


def untitled_form():
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.setFont("Helvetica", 10)
    c.drawString(72, 780, "Team")
    c.acroForm.textfield(name="Text1", value="Fostering", x=200, y=775, width=200, height=18,
                         fontName="Helvetica", fontSize=10)
    c.drawString(72, 740, "Directorate")
    c.acroForm.textfield(name="Text2", value="Children's Services", x=72, y=712, width=300, height=18,
                         fontName="Helvetica", fontSize=10)
    c.showPage()
    c.save()
    return buf.getvalue()


def columns():
    from reportlab.pdfbase.pdfmetrics import stringWidth
    text = ("Staff are reminded that personal data must be sent only to those who need it, and that "
            "the address of every email should be checked before it is sent. The information governance "
            "team runs a short course each month on handling personal data safely, and every new member "
            "of staff is asked to complete it within six weeks of starting. ") * 2
    lines, line = [], ""
    for w in text.split():
        if stringWidth(line + " " + w, "Helvetica", 10) > 220:
            lines.append(line)
            line = w
        else:
            line = (line + " " + w).strip()
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.setFont("Helvetica", 10)
    for col, x in enumerate((72, 310)):
        y = 780
        for k in range(12):
            c.drawString(x, y, lines[(k + col * 5) % len(lines)])
            y -= 13
    c.showPage()
    c.save()
    return buf.getvalue()


def scan():
    """A page that is only a picture, as a scanner makes it."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (620, 877), 255)
    d = ImageDraw.Draw(img)
    y = 60
    for label, value in FORM:
        d.text((40, y), "%s: %s" % (label, value), fill=0)
        y += 30
    png = io.BytesIO()
    img.save(png, "PNG", optimize=True)
    png.seek(0)
    from reportlab.lib.utils import ImageReader
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.drawImage(ImageReader(png), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def mail(headers, body, data, filename, boundary):
    out = headers.strip("\n") + "\n"
    out += "MIME-Version: 1.0\n"
    out += 'Content-Type: multipart/mixed; boundary="%s"\n\n' % boundary
    out += "--%s\n" % boundary
    out += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n"
    out += body + "\n"
    out += "--%s\n" % boundary
    out += 'Content-Type: application/pdf; name="%s"\n' % filename
    out += 'Content-Disposition: attachment; filename="%s"\n' % filename
    out += "Content-Transfer-Encoding: base64\n\n"
    out += b64lines(data) + "\n"
    out += "--%s--\n" % boundary
    return out


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    good = os.path.join(corpus, "good")
    form, fillable, scanned = text_form(), fillable_form(), scan()
    # The PDFs alone, for the unit test and the fuzzer's seeds.
    write(os.path.join(corpus, "tools", "form.pdf"), form)
    write(os.path.join(corpus, "tools", "fillable.pdf"), fillable)
    write(os.path.join(corpus, "tools", "scan.pdf"), scanned)
    write(os.path.join(corpus, "tools", "encrypted.pdf"), text_form(encrypt="secret"))
    write(os.path.join(corpus, "tools", "choices.pdf"), choices_form())
    write(os.path.join(corpus, "tools", "untitled.pdf"), untitled_form())
    write(os.path.join(corpus, "tools", "columns.pdf"), columns())
    msgs = {
        # Subject "Data breach report", an empty body, the form as a PDF.
        "pdf-empty-body-report": ("""From: Hannah Price <hannah.price@example.test>
To: breach@example.test
Subject: Data breach report
Date: Mon, 3 Feb 2025 17:00:00 +0000
Message-ID: <pdf-empty-body-report-0001@example.test>
""", "", form, "form.pdf"),
        # Subject "Breach form" (as a request would say) and "see attached":
        # the fillable PDF, filled in.
        "pdf-see-attached": ("""From: Hannah Price <hannah.price@example.test>
To: breach@example.test
Subject: Breach form
Date: Mon, 3 Feb 2025 17:05:00 +0000
Message-ID: <pdf-see-attached-0001@example.test>
""", "see attached\n", fillable, "breach-form.pdf"),
        # No subject, no text, a scanned form.
        "pdf-no-subject-scan": ("""From: Hannah Price <hannah.price@example.test>
To: breach@example.test
Date: Mon, 3 Feb 2025 17:10:00 +0000
Message-ID: <pdf-no-subject-scan-0001@example.test>
""", "", scanned, "scan0001.pdf"),
    }
    for i, (name, (headers, body, data, filename)) in enumerate(sorted(msgs.items())):
        text = mail(headers, body, data, filename, "=_pdf_%d_boundary" % i)
        write(os.path.join(good, name + ".eml"), text.encode())


if __name__ == "__main__":
    main()
