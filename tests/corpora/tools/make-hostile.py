#!/usr/bin/env python3
"""make-hostile.py -- writes the large messages of tests/corpora/hostile.

    python3 tests/corpora/tools/make-hostile.py [CORPUS_DIR]

They are too big to write by hand: deep MIME nesting, thousands of parts,
huge and countless headers, 100,000 nested <div>s, a label given ten
thousand times, an overlong line, NUL bytes.  The output is deterministic;
the .expect files beside the messages are written by hand.
"""

import os
import sys

HEAD = ("From: Ian Walsh <ian.walsh@example.test>\n"
        "To: breach@example.test\n"
        "Date: Thu, 23 Jan 2025 12:00:00 +0000\n")

FORM = ("Name of person making the report: Ian Walsh\n"
        "Directorate: Corporate Services\n"
        "The nature of the personal data breach: A test of the limits.\n")


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def deep_nesting(depth):
    out = HEAD + "Subject: deep\nMessage-ID: <hostile-deep@example.test>\nMIME-Version: 1.0\n"
    out += 'Content-Type: multipart/mixed; boundary="b0"\n\n'
    for i in range(1, depth):
        out += '--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i - 1, i)
    out += "--b%d\nContent-Type: text/plain\n\n%s\n" % (depth - 1, FORM)
    for i in range(depth - 1, -1, -1):
        out += "--b%d--\n" % i
    return out


def many_parts(n):
    out = HEAD + "Subject: parts\nMessage-ID: <hostile-parts@example.test>\nMIME-Version: 1.0\n"
    out += 'Content-Type: multipart/mixed; boundary="p"\n\n'
    out += "--p\nContent-Type: text/plain\n\n%s\n" % FORM
    for i in range(n):
        out += "--p\nContent-Type: text/plain\n\npart %d\n" % i
    return out + "--p--\n"


def huge_header(size):
    return (HEAD + "Subject: " + "x" * size + "\nMessage-ID: <hostile-huge-header@example.test>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain\n\n" + FORM)


def many_headers(n):
    return (HEAD + "Subject: headers\nMessage-ID: <hostile-many-headers@example.test>\n" +
            "".join("X-Filler-%d: %d\n" % (i, i) for i in range(n)) +
            "MIME-Version: 1.0\nContent-Type: text/plain\n\n" + FORM)


def nested_divs(n):
    html = ("<html><body><p>Name of person making the report: Ian Walsh</p>"
            "<p>Directorate: Corporate Services</p>"
            "<p>The nature of the personal data breach: A test of the limits.</p>" +
            "<div>" * n + "Team: deep inside" + "</div>" * n +
            "<p>Team: after the nesting</p></body></html>\n")
    return (HEAD + "Subject: divs\nMessage-ID: <hostile-divs@example.test>\nMIME-Version: 1.0\n"
            "Content-Type: text/html; charset=utf-8\n\n" + html)


def html_entities():
    html = ('<?xml version="1.0"?>\n<!DOCTYPE html [\n<!ENTITY a "aaaaaaaaaa">\n' +
            "".join('<!ENTITY a%d "%s">\n' % (i, ("&a%d;" % (i - 1) if i > 1 else "&a;") * 10) for i in range(1, 10)) +
            ']>\n<html><body><p>Name of person making the report: Ian Walsh</p>'
            '<p>Team: &a9;</p><p>Directorate: Corporate Services</p></body></html>\n')
    return (HEAD + "Subject: entities\nMessage-ID: <hostile-html-entities@example.test>\nMIME-Version: 1.0\n"
            "Content-Type: text/html; charset=utf-8\n\n" + html)


def label_flood(n):
    return (HEAD + "Subject: flood\nMessage-ID: <hostile-flood@example.test>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain\n\n" + FORM + "".join("Directorate: Copy %d\n" % i for i in range(n)))


def overlong_line(size):
    return (HEAD + "Subject: long line\nMessage-ID: <hostile-long-line@example.test>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain\n\n" + FORM + "How did the personal data breach occur? " +
            "overlong " * (size // 9) + "\nTeam: after the long line\n")


def nul_bytes():
    body = (b"Name of person making the report: Ian\x00 Walsh\n"
            b"Directorate: Corporate\x00Services\n"
            b"The nature of the personal data breach: NUL bytes \x00\x00\x00 inside.\n"
            b"Team: Payroll\x00\n")
    return (HEAD.encode() + b"Subject: nul\x00bytes\nMessage-ID: <hostile-nul@example.test>\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=utf-8\n\n" + body)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    h = os.path.join(corpus, "hostile")
    write(os.path.join(h, "deep-nesting.eml"), deep_nesting(40))
    write(os.path.join(h, "many-parts.eml"), many_parts(3000))
    write(os.path.join(h, "huge-header.eml"), huge_header(200000))
    write(os.path.join(h, "many-headers.eml"), many_headers(5000))
    write(os.path.join(h, "html-nested-divs.eml"), nested_divs(100000))
    write(os.path.join(h, "html-entities.eml"), html_entities())
    write(os.path.join(h, "label-flood.eml"), label_flood(10000))
    write(os.path.join(h, "overlong-line.eml"), overlong_line(600000))
    write(os.path.join(h, "nul-bytes.eml"), nul_bytes())


if __name__ == "__main__":
    main()
