#!/usr/bin/env python3
"""genmail.py -- deterministic, realistic breach-report messages for make bench.

Every message is a function of (seed, index) only, so any range of a large
mailbox can be generated on its own (the memory benchmark generates 100,000
in chunks) and two runs with the same seed give byte-identical mail.

The mix, per message (fractions of a large sample):
  ~45 %  plain text "Label: value" forms, as typed into a mail client
  ~38 %  Outlook-style multipart/alternative: quoted-printable text part
         plus an HTML part holding the form as a Word table
  ~9 %   a short note with the form attached as a text file
  ~8 %   a short note with the form attached as a .docx (a real, minimal
         WordprocessingML document with a two-column table)
Around 10 % are written as a reply within a thread (In-Reply-To and
References naming mail breachd never saw), as staff replying to a phishing
mail or a colleague do; about 2 % come from an address outside the staff
domain (breachd quarantines those).  Every message is 3-6 KB on the wire:
Received chains, Exchange headers, signatures and disclaimers, as real
mail carries.

Usage:
  genmail.py maildir DIR --count N [--start I] [--seed S] [--uid U --gid G]
      write messages I..I+N-1 into the Maildir DIR (cur/, new/, tmp/ are
      created) as Dovecot would have stored them: LF line endings, file
      names with S= (size) and W= (size with CRLF), mtime = Date:
  genmail.py one --index I [--seed S] [--from ADDR] [--date EPOCH]
      print one message to stdout with CRLF line endings (for SMTP)
  genmail.py stats --count N [--seed S]
      print the kind mix and the size range of the first N messages
"""

import argparse
import base64
import io
import os
import quopri
import random
import sys
import zipfile
from email.utils import formatdate

DEFAULT_SEED = 20250107
BASE_TIME = 1736236800          # Tue 07 Jan 2025 08:00:00 UTC
MIN_SIZE, MAX_SIZE = 3 * 1024, 6 * 1024
STAFF_DOMAIN = "example.test"

FIRST = ["Jane", "Siobhan", "Mohammed", "Priya", "Tom", "Aisha", "Gareth", "Helen",
         "Wei", "Olu", "Fiona", "Rhys", "Agnieszka", "Daniel", "Grace", "Imran",
         "Lucy", "Kwame", "Sarah", "Callum", "Niamh", "Ravi", "Emma", "Tomasz",
         "Chloe", "Hamza", "Bethan", "Joseph", "Zara", "Liam", "Megan", "Arjun"]
LAST = ["Smith", "O'Neill", "Khan", "Patel", "Jones", "Williams", "Chen", "Adeyemi",
        "Campbell", "Evans", "Nowak", "Brown", "Hughes", "Ahmed", "Taylor", "Davies",
        "Okafor", "Wilson", "MacDonald", "Singh", "Roberts", "Kowalski", "Green",
        "Thomas", "Hussain", "Walker", "Wright", "Lewis", "Murphy", "Price"]
DIRECTORATES = [
        ("Adult Social Care", ["Hospital Discharge Team", "Reablement", "Safeguarding Adults Hub",
                               "Learning Disability Service"]),
        ("Children, Families and Education", ["Early Help", "Fostering Team", "School Admissions",
                                              "SEND Casework"]),
        ("Corporate Services", ["HR Advisory", "Customer Services", "ICT Service Desk",
                                "Democratic Services"]),
        ("Finance and Resources", ["Council Tax", "Housing Benefit", "Payroll", "Procurement"]),
]
DIRECTORATE_SPELLING = {"Finance and Resources": ["Finance and Resources", "Finance & Resources",
                                                  "finance and resources"],
                        "Children, Families and Education": ["Children, Families and Education",
                                                             "Children Families & Education"]}
# (nature, how it occurred, who is affected, count text, data involved,
#  special category, consequences, measures)
SCENARIOS = [
        ("An email containing a care plan was sent to the wrong external recipient.",
         "Autocomplete picked the wrong address in Outlook.",
         "One service user and their daughter.", "2", "Name, address, care needs, GP details",
         "Yes", "Distress; the plan includes health details.",
         "Recipient phoned and asked to delete; confirmed in writing."),
        ("Council tax letter sent to the wrong address.",
         "Two letters were folded into one envelope by the print room.",
         "One resident (council tax payer).", "1", "Name, address, account number, balance owed",
         "No", "Low; financial information seen by a neighbour.",
         "Letter retrieved by hand the same day; print process reviewed."),
        ("Staff member clicked a link in a phishing email and entered their password.",
         "A convincing fake Microsoft 365 sign-in page; MFA prompt approved by mistake.",
         "Unknown; the mailbox holds casework for about 300 families.", "about 300",
         "Email contents: names, addresses, case notes", "Unknown",
         "Possible onward phishing; exposure of case notes.",
         "Password reset, sessions revoked, ICT Service Desk informed, mailbox audit log requested."),
        ("Unencrypted laptop left on a train.",
         "The laptop was in a bag left on the luggage rack at Reading.",
         "Pupils of two classes and their parents.", "c. 60", "Names, dates of birth, SEN notes",
         "Yes", "Risk of identity fraud and distress to families.",
         "Reported to British Transport Police; device wipe command issued."),
        ("Spreadsheet of payroll deductions attached to an email to all managers.",
         "The wrong file was attached; the right one had a similar name.",
         "Employees in three teams.", "47", "Names, salary, pension and union deductions",
         "Yes", "Trade union membership disclosed to line managers.",
         "Recall attempted; managers asked to delete; confirmed by 31 of 40 so far."),
        ("Paper file found in a recycling bin outside the office.",
         "Confidential waste was put in general recycling during an office move.",
         "Tenants of one housing block.", "about 25", "Names, tenancy details, arrears",
         "No", "Embarrassment; possible financial harm.",
         "File recovered; staff reminded of the confidential waste procedure."),
        ("Foster carer's address disclosed to a birth parent in a meeting bundle.",
         "Redaction was missed on page 14 of the bundle.",
         "One foster family and two children.", "3", "Address, school, placement details",
         "Yes", "Serious: safeguarding risk to the children.",
         "Placement risk assessed with police; emergency move considered; bundle recalled."),
        ("Website upload of a committee report with an unredacted appendix.",
         "The draft appendix was uploaded instead of the redacted version.",
         "Residents who complained about a planning application.", "12",
         "Names, addresses, email addresses, complaint text", "No",
         "Low to moderate; complainants identifiable to the applicant.",
         "Document removed from the website within 2 hours; search engine cache removal requested."),
        ("Mobile phone stolen from a car.",
         "Phone was left in a parked vehicle, which was broken into overnight.",
         "Contacts in the phone: colleagues and some service users.", "unknown",
         "Names and phone numbers; text messages", "Unknown",
         "Possible nuisance contact.", "Phone remotely wiped via Intune; police crime number obtained."),
        ("Access to social care records by an employee with no work reason.",
         "Audit report showed a staff member viewed a relative's record.",
         "One service user.", "1", "Full social care record", "Yes",
         "Loss of trust; possible disclosure within the family.",
         "Access suspended pending investigation; HR informed."),
]
DISCLAIMER = (
        "This email and any files transmitted with it are confidential and intended solely "
        "for the use of the individual or entity to whom they are addressed. If you have "
        "received this email in error please notify the sender immediately and delete it. "
        "Any views or opinions presented are solely those of the author and do not "
        "necessarily represent those of the Council. The Council reserves the right to "
        "monitor all email communications through its networks. Please consider the "
        "environment before printing this email.")
HOSTS = ["EX01.corp.example.test", "EX02.corp.example.test", "mail-gw1.example.test",
         "AM6PR01MB5555.eurprd01.prod.outlook.com", "DB9PR01MB1234.eurprd01.prod.outlook.com"]


def kind_of(rng):
    r = rng.random()
    if r < 0.45:
        return "plain"
    if r < 0.83:
        return "outlook"
    if r < 0.92:
        return "txt-attachment"
    return "docx-attachment"


def fmt_date(t):
    return formatdate(t, localtime=False, usegmt=False).replace("-0000", "+0000")


def uk_date(t, with_time):
    import time as _t
    tm = _t.gmtime(t)
    s = "%02d/%02d/%04d" % (tm.tm_mday, tm.tm_mon, tm.tm_year)
    return s + (" %02d:%02d" % (tm.tm_hour, tm.tm_min) if with_time else "")


class Report:
    """The content of one report, drawn from the message's own generator."""

    def __init__(self, seed, index, sender=None, date=None):
        self.rng = rng = random.Random(seed * 1000003 + index)
        self.index = index
        self.kind = kind_of(rng)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        self.name = "%s %s" % (first, last)
        local = ("%s.%s" % (first, last)).lower().replace("'", "")
        outsider = rng.random() < 0.02
        domain = "gmail.example.com" if outsider else STAFF_DOMAIN
        self.addr = sender or "%s%d@%s" % (local, rng.randrange(1, 40), domain)
        self.date = date if date is not None else BASE_TIME + index * 29 + rng.randrange(0, 29)
        directorate, teams = rng.choice(DIRECTORATES)
        self.directorate = rng.choice(DIRECTORATE_SPELLING.get(directorate, [directorate]))
        self.team = rng.choice(teams)
        (self.nature, self.how, self.who, self.count, self.data, self.special,
         self.consequences, self.measures) = rng.choice(SCENARIOS)
        hours_before = rng.choice([1, 2, 3, 5, 20, 26, 49, 90])
        self.occurred = uk_date(self.date - hours_before * 3600, rng.random() < 0.7)
        self.aware = uk_date(self.date - rng.choice([0, 1, 2]) * 3600, True) if rng.random() < 0.5 else None
        self.phone = "01632 %06d" % rng.randrange(0, 999999)
        self.reply = rng.random() < 0.10
        self.subject = rng.choice(["Data breach report", "Breach report form",
                                   "Possible data breach - %s" % self.nature[:40].rstrip(" ,."),
                                   "GDPR breach: %s" % self.team, "Reporting a data breach"])
        if self.reply:
            self.subject = "RE: " + self.subject
        self.msgid = "<%s%08X%07d@%s>" % (rng.choice(["DB9PR01MB", "AM6PR01MB", "LO2P265MB"]),
                                          rng.getrandbits(32), index,
                                          rng.choice(["eurprd01.prod.outlook.com", "corp.example.test"]))

    def fields(self):
        f = [("Name of person making the report", self.name),
             ("Contact details", "%s, %s" % (self.addr, self.phone)),
             ("Directorate", self.directorate),
             ("Team", self.team),
             ("The nature of the personal data breach", self.nature),
             ("When did this occur (Date)?", self.occurred)]
        if self.aware:
            f.append(("When did you become aware?", self.aware))
        f += [("How did the personal data breach occur?", self.how),
              ("Which individuals are affected?", self.who),
              ("Number of individuals affected", self.count),
              ("What type of information is involved?", self.data),
              ("Does it include special category data?", self.special),
              ("How are the individuals likely to be affected?", self.consequences),
              ("Measures taken or proposed to deal with the breach", self.measures)]
        return f


def headers(r, content_type_lines, pad_hops):
    rng = r.rng
    h = []
    t = r.date
    for hop in range(pad_hops):
        a, b = rng.choice(HOSTS), rng.choice(HOSTS)
        h.append("Received: from %s (10.%d.%d.%d) by %s\n (version=TLS1_2, cipher="
                 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.%d.%d;\n %s"
                 % (a, rng.randrange(256), rng.randrange(256), rng.randrange(256), b,
                    rng.randrange(9999), rng.randrange(99), fmt_date(t - hop)))
    h.append('From: "%s" <%s>' % (r.name, r.addr) if "'" in r.name else "From: %s <%s>" % (r.name, r.addr))
    h.append("To: Data Breach Reporting <breach@example.test>")
    h.append("Subject: " + r.subject)
    h.append("Thread-Topic: " + r.subject.replace("RE: ", ""))
    h.append("Thread-Index: " + base64.b64encode(rng.getrandbits(176).to_bytes(22, "big")).decode())
    h.append("Date: " + fmt_date(t))
    h.append("Message-ID: " + r.msgid)
    if r.reply:
        parent = "<%08X.%d@phish.example.net>" % (rng.getrandbits(32), r.index)
        h.append("References: " + parent)
        h.append("In-Reply-To: " + parent)
    h.append("Accept-Language: en-GB, en-US")
    h.append("Content-Language: en-GB")
    h.append("X-MS-Has-Attach: " + ("yes" if r.kind.endswith("attachment") else ""))
    h.append("X-MS-TNEF-Correlator:")
    h.append("X-MS-Exchange-Organization-SCL: -1")
    h.append("X-MS-Exchange-Organization-AuthAs: Internal")
    h.append("MIME-Version: 1.0")
    h += content_type_lines
    return "\n".join(h) + "\n"


def plain_form(r):
    lines = ["Hi,", "", "Please find my breach report below.", ""]
    for label, value in r.fields():
        lines.append("%s%s %s" % (label, "" if label.endswith("?") else ":", value))
    return "\n".join(lines) + "\n"


def signature(r, paragraphs):
    s = "\nKind regards,\n%s\n%s, %s\nTel: %s\n\n" % (r.name.split()[0], r.team, r.directorate, r.phone)
    return s + "\n\n".join([DISCLAIMER] * paragraphs) + "\n"


def qp(text):
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def html_table(r):
    rows = ['<tr><td colspan="2"><p class="MsoNormal"><b>Form GDPR 1 &#8211; Reporting personal '
            'data breaches</b><o:p></o:p></p></td></tr>']
    for label, value in r.fields():
        esc = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        lab = label.replace("&", "&amp;")
        rows.append('<tr><td width="40%%" valign="top"><p class="MsoNormal">%s<o:p></o:p></p></td>'
                    '<td valign="top"><p class="MsoNormal">%s<o:p></o:p></p></td></tr>' % (lab, esc))
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<style><!-- p.MsoNormal {margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;} '
            '--></style></head>\n<body lang="EN-GB"><div class="WordSection1">\n'
            '<p class="MsoNormal">Please see my report below.<o:p></o:p></p>\n'
            '<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0">\n'
            + "\n".join(rows) + "\n</table></div></body></html>\n")


def docx_bytes(r):
    def cell(t):
        t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return '<w:tc><w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p></w:tc>' % t
    rows = "".join("<w:tr>%s%s</w:tr>" % (cell(l), cell(v)) for l, v in r.fields())
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>Form GDPR 1 - Reporting personal data breaches</w:t></w:r></w:p>'
           '<w:tbl>%s</w:tbl></w:body></w:document>' % rows)
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", doc)):
            zi = zipfile.ZipInfo(name, date_time=(2025, 1, 7, 9, 0, 0))   # fixed: deterministic
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return out.getvalue()


def b64_lines(data):
    s = base64.b64encode(data).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def build(r, hops, paragraphs):
    boundary = "_000_%s_" % r.msgid[1:18]
    sig = signature(r, paragraphs)
    if r.kind == "plain":
        body = plain_form(r) + sig
        ct = ['Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit"]
        return headers(r, ct, hops) + "\n" + body
    if r.kind == "outlook":
        # Outlook's text part of a Word table: label and value as paragraphs
        text = "Please see my report below.\n\n" + "".join(
            "%s\n\n%s\n\n" % (label, value) for label, value in r.fields()) + sig
        ct = ['Content-Type: multipart/alternative;\n\tboundary="%s"' % boundary]
        parts = ["--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: "
                 "quoted-printable\n\n%s" % (boundary, qp(text)),
                 "--%s\nContent-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: "
                 "quoted-printable\n\n%s" % (boundary, qp(html_table(r)))]
        return headers(r, ct, hops) + "\n" + "\n".join(parts) + "\n--%s--\n" % boundary
    note = "Hello,\n\nPlease find attached the breach report form for an incident in %s.\n" % r.team + sig
    if r.kind == "txt-attachment":
        att = plain_form(r).encode("utf-8")
        fname, mime = "breach-report.txt", "text/plain; charset=\"utf-8\""
    else:
        att = docx_bytes(r)
        fname = "GDPR1 breach report form.docx"
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    mixed = "_004_%s_" % r.msgid[1:18]
    ct = ['Content-Type: multipart/mixed;\n\tboundary="%s"' % mixed]
    parts = ["--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: "
             "quoted-printable\n\n%s" % (mixed, qp(note)),
             "--%s\nContent-Type: %s;\n\tname=\"%s\"\nContent-Description: %s\nContent-Disposition: "
             "attachment;\n\tfilename=\"%s\"; size=%d\nContent-Transfer-Encoding: base64\n\n%s"
             % (mixed, mime, fname, fname, fname, len(att), b64_lines(att))]
    return headers(r, ct, hops) + "\n" + "\n".join(parts) + "--%s--\n" % mixed


def message(seed, index, sender=None, date=None):
    """One message as bytes with LF line endings, between MIN_SIZE and MAX_SIZE."""
    r = Report(seed, index, sender, date)
    state = r.rng.getstate()
    hops, paragraphs = 2 + index % 3, 1
    for _ in range(12):
        r.rng.setstate(state)
        m = build(r, hops, paragraphs)
        size = len(m.encode("utf-8")) + m.count("\n")
        if size < MIN_SIZE:
            if paragraphs < 4:
                paragraphs += 1
            else:
                hops += 1
        elif size > MAX_SIZE and (hops > 0 or paragraphs > 0):
            if hops > 0:
                hops -= 1
            else:
                paragraphs -= 1
        else:
            break
    return m.encode("utf-8"), r


def write_maildir(directory, seed, start, count, uid=None, gid=None):
    """Messages start..start+count-1 into the Maildir directory's cur/."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    cur = os.path.join(directory, "cur")
    for i in range(start, start + count):
        data, r = message(seed, i)
        vsize = len(data) + data.count(b"\n")
        name = "%d.M%dP%d.bench,S=%d,W=%d:2," % (r.date, i, seed % 100000, len(data), vsize)
        path = os.path.join(cur, name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (r.date, r.date))
        if uid is not None:
            os.chown(path, uid, gid)
    if uid is not None:
        for d in [directory] + [os.path.join(directory, s) for s in ("cur", "new", "tmp")]:
            os.chown(d, uid, gid)


def cmd_maildir(a):
    write_maildir(a.dir, a.seed, a.start, a.count, a.uid, a.gid)


def cmd_one(a):
    data, _ = message(a.seed, a.index, a.sender, a.date)
    sys.stdout.buffer.write(data.replace(b"\n", b"\r\n"))


def cmd_stats(a):
    kinds, sizes, replies, outsiders = {}, [], 0, 0
    for i in range(a.count):
        data, r = message(a.seed, i)
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
        sizes.append(len(data) + data.count(b"\n"))
        replies += r.reply
        outsiders += not r.addr.endswith("@" + STAFF_DOMAIN)
    for k in sorted(kinds):
        print("%-16s %6d  %4.1f %%" % (k, kinds[k], 100.0 * kinds[k] / a.count))
    print("replies          %6d  %4.1f %%" % (replies, 100.0 * replies / a.count))
    print("outside senders  %6d  %4.1f %%" % (outsiders, 100.0 * outsiders / a.count))
    print("size min %d  median %d  max %d  mean %.0f bytes"
          % (min(sizes), sorted(sizes)[len(sizes) // 2], max(sizes), sum(sizes) / len(sizes)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("maildir")
    m.add_argument("dir")
    m.add_argument("--count", type=int, required=True)
    m.add_argument("--start", type=int, default=0)
    m.add_argument("--seed", type=int, default=DEFAULT_SEED)
    m.add_argument("--uid", type=int)
    m.add_argument("--gid", type=int)
    o = sub.add_parser("one")
    o.add_argument("--index", type=int, required=True)
    o.add_argument("--seed", type=int, default=DEFAULT_SEED)
    o.add_argument("--from", dest="sender")
    o.add_argument("--date", type=int)
    s = sub.add_parser("stats")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = p.parse_args()
    {"maildir": cmd_maildir, "one": cmd_one, "stats": cmd_stats}[a.cmd](a)


if __name__ == "__main__":
    main()
