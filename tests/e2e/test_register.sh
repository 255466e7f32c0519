#!/usr/bin/env bash
# The register and the reports people read (issue 7): an older breach log and
# a committee report's detail table imported (messy as real ones are); the
# committee report computed from the register, checked against counts this
# script makes itself from the fixture, and its HTML rendered in headless
# Chromium; the breach-log export, its round trip through an empty register;
# the ICO draft; the filters of list.  A report filed through the real MTA and
# IMAP server is part of the register, so mail-filed and imported incidents
# are tested together.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/e2e.sh

# The test build: its clock can be moved (BREACHD_TEST_CLOCK).
BREACHCTL_TESTING=${BREACHCTL_TESTING:-build/testing/breachctl}
LOGS=tests/corpora/logs
SEED000=$LOGS/seed000-log.tsv
SEED001=$LOGS/seed001-report.txt

e2e_open plain
T=$TEST_ROOT

# conf FILE DATABASE PATTERN -- a configuration for the servers, with its
# own register and reference pattern and no directorates: the caller adds
# them.
conf() {
        local file=$1 db=$2 pattern=$3
        write_breachd_conf "$file.tmp" || return 1
        sed -e "s|^database = .*|database = \"$(e2e_database "$db")\";|" -e '/^directorates = /,/);$/d' "$file.tmp" >"$file"
        printf 'reference_pattern = "%s";\norganisation = "Example Borough Council";\n' "$pattern" >>"$file"
        rm -f "$file.tmp"
}
C1=$T/seed001.conf
conf "$C1" "$T/r1.db" 'DB%Y%03n'
cat >>"$C1" <<'EOF'
directorates = ( "Adult Social Care", "Children, Families and Education", "Corporate Services", "Executive",
  "Culture, Leisure and Regulatory Services", "Finance and Resources",
  "Housing Neighbourhood and Building Services", "Port", "Public Health", "Economy, Planning & Transport" );
EOF
C0=$T/seed000.conf
conf "$C0" "$T/r0.db" 'IS/%y/%03n'
cat >>"$C0" <<'EOF'
directorates = ( "Adult Social Care & Health",
  { name = "Children, Young People and Education"; abbreviations = [ "CYPE" ]; },
  "Growth, Environment & Transport", "Strategic & Corporate Services" );
EOF
ctl1() { "$BREACHCTL" -c "$C1" "$@"; }
ctl0() { "$BREACHCTL" -c "$C0" "$@"; }
count() { "$BREACHCTL" -c "$1" list "${@:2}" | tail -n 1; }
sql() { e2e_sql "$1" "$2"; }

# --- seed 001: a committee report's detail table -------------------------------
out=$(ctl1 import "$SEED001" 2>&1)
is "$?" 1 "a detail table without --date is refused"
like "$out" "the table has no dates: give --date DATE" "... saying what to give"
is "$(count "$C1")" "0 incidents" "... and nothing is filed"

out=$(ctl1 import --dry-run --date 2024-02-09 "$SEED001" 2>&1)
is "$?" 0 "dry run of the seed 001 import"
like "$out" "the detail table of a committee report, TAB-separated, header at line 135, 70 rows" \
        "the table is found inside the report, with its 70 rows (the report says 73)"
like "$out" "Report within 72 Hrs +from \"Report within 72 Hrs\"" "the heading split over three lines is joined"
like "$out" "line 141 \(DB2023091\): Report within 72 Hrs \"у\" \(Cyrillic small letter u\) read as Y" \
        "the Cyrillic у is reported as read as Y"
like "$out" "line 177 \(DB2023124\): Report within 72 Hrs \"Υ\" \(Greek capital letter upsilon\) read as Y" \
        "the Greek Υ is reported as read as Y"
like "$out" "lines 203 \(17\.10\.2023\), 204 \(18\.10\.2023\)[^:]*: the reference looks like a date[^:]*: kept as given" \
        "references that are dates are named, and kept"
like "$out" "line 182 \(DB2023001\): the reference is out of sequence \(after DB2023128, before DB2024002\)" \
        "the out-of-sequence reference is named"
like "$out" "Directorate \"Regeneration\" is not one of the configured directorates: kept as given" \
        "an unconfigured directorate is named"
like "$out" "line 216 \(\"Glossary\"\) is not a row of the table: the table ends there" "where the table ends is said"
is "$(grep -c '^  line [0-9]* *[0-9DB.]* *09/02/2024  [YN]  ' <<<"$out")" 70 "the dry run lists the 70 incidents"
like "$out" "Dry run: nothing was written\. 70 incidents would be imported, 0 rows refused\." "dry run summary"
is "$(count "$C1")" "0 incidents" "a dry run files nothing"

out=$(ctl1 import --date 2024-02-09 "$SEED001" 2>&1)
is "$?" 0 "seed 001 imported"
like "$out" "Imported 70 incidents; 0 rows refused\." "... 70 incidents"
like "$out" "2023: from 0 to 128, so the next incident of 2023 is DB2023129 or later" "the 2023 counter is raised"
is "$(count "$C1")" "70 incidents" "70 in the register"
is "$(sql "$T/r1.db" "SELECT count(*) FROM incidents WHERE source = 'import' AND import_origin LIKE 'seed001-report.txt line %'")" \
        70 "each is marked as imported, with its line"
is "$(sql "$T/r1.db" "SELECT group_concat(year || ':' || last, ' ') FROM (SELECT * FROM ref_counter ORDER BY year) AS r")" \
        "2023:128 2024:20" "the reference counters are past the imported references"
is "$(sql "$T/r1.db" "SELECT count(*) FROM incidents WHERE next_reminder_at IS NOT NULL")" 0 \
        "no reminder is planned for imported history"
out=$(ctl1 import --date 2024-02-09 "$SEED001" 2>&1)
is "$?" 1 "importing it again fails"
like "$out" "line 139 \(DB2023089\): already in the register \(reported 09/02/2024: \"3 Police Person" \
        "... each duplicate refused by reference, saying which incident has it"
like "$out" "Nothing imported: 70 rows are refused" "... and nothing is imported"
is "$(count "$C1")" "70 incidents" "still 70"

# The counts of the detail table, made here from the fixture without breachd:
# directorate, Y/N (the two look-alikes being Y), root cause, action.
cat >"$T/detail.py" <<'EOF'
import collections, csv, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
start = next(i for i, l in enumerate(lines) if l.startswith('Reference\tReport'))
rows = []
for l in lines[start + 1:]:
    if l.strip() == '':
        continue
    if '\t' not in l:
        break
    c = l.split('\t')
    if c[0] == '':
        continue          # the header's continuation lines
    rows.append(c)
want = {'Response time': collections.Counter(), 'Root cause': collections.Counter(),
        'Action taken': collections.Counter()}
for c in rows:
    yn = '< 72 hours' if c[1] in ('Y', '\u03a5', '\u0443') else '> 72 hours'
    want['Response time'][(c[2], yn)] += 1
    want['Root cause'][(c[2], c[4])] += 1
    want['Action taken'][(c[2], c[5])] += 1
# The report's CSV: a title row, a header row, rows up to TOTAL.
rep = list(csv.reader(open(sys.argv[2], encoding='utf-8')))
def table(title):
    i = next(k for k, r in enumerate(rep) if r == [title])
    head, got = rep[i + 1], {}
    for r in rep[i + 2:]:
        got[r[0]] = dict(zip(head[1:], map(int, r[1:])))
        if r[0] == 'TOTAL':
            return got
bad = 0
what = sys.argv[3]
if what == 'detail':
    i = next(k for k, r in enumerate(rep) if r == ['Data breaches summary'])
    got = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rep[i + 2:] if r]
    mine = [(c[0], 'Y' if c[1] in ('Y', '\u03a5', '\u0443') else 'N', c[2], c[3], c[4], c[5]) for c in rows]
    if got != mine:
        bad = 1
        print('# detail differs: %d rows, want %d' % (len(got), len(mine)))
elif what == 'count':
    print(len(rows), sum(1 for c in rows if c[1] in ('Y', '\u03a5', '\u0443')))
else:
    got = table(what)
    for (d, col), n in want[what].items():
        if got.get(d, {}).get(col) != n:
            bad = 1
            print('# %s / %s: report %s, fixture %d' % (d, col, got.get(d, {}).get(col), n))
    for d, cols in got.items():
        if d == 'TOTAL':
            continue
        for col, n in cols.items():
            if col != 'TOTAL' and n != want[what][(d, col)]:
                bad = 1
                print('# %s / %s: report %d, fixture %d' % (d, col, n, want[what][(d, col)]))
        if cols['TOTAL'] != sum(v for (dd, _), v in want[what].items() if dd == d):
            bad = 1
            print('# %s: total %d' % (d, cols['TOTAL']))
    if got['TOTAL']['TOTAL'] != len(rows):
        bad = 1
        print('# grand total %d, want %d' % (got['TOTAL']['TOTAL'], len(rows)))
sys.exit(bad)
EOF
ctl1 report --from 2023-09-01 --to 2024-02-09 --format csv >"$T/report.csv"
is "$?" 0 "committee report as CSV"
read -r n_rows n_y < <(python3 "$T/detail.py" "$SEED001" "$T/report.csv" count)
is "$n_rows" 70 "the fixture, read here, has 70 rows"
for t in "Response time" "Root cause" "Action taken"; do
        ok "report table \"$t\" has the fixture's counts by directorate" python3 "$T/detail.py" "$SEED001" "$T/report.csv" "$t"
done
ok "the report's detail table is the fixture's, row by row" python3 "$T/detail.py" "$SEED001" "$T/report.csv" detail
like "$(cat "$T/report.csv")" $'\r\nData breaches,70\r\nReported within 72 hours,'"$n_y"$'\r\nReported after 72 hours,'"$((70 - n_y))"$'\r\n' \
        "CSV summary: 70, $n_y within 72 hours"
like "$(grep -A14 '^Response time' "$T/report.csv")" $'Executive,0,0,0\r\n' "a configured directorate with no incident is a row of zeros"
like "$(grep -A14 '^Response time' "$T/report.csv")" $'Regeneration,8,1,9\r\nExternal/Not Known,0,0,0\r\nTOTAL' \
        "one found only in the data comes after them, then External/Not Known"
text=$(ctl1 report --from 2023-09-01 --to 2024-02-09)
like "$text" "1 September 2023 to 9 February 2024" "text report: the period"
like "$text" "Overall there have been 70 data breaches, $n_y being notified to the central team in under 72 hours and 0 requiring notification to the ICO\." \
        "text report: the summary sentence"
is "$(ctl1 report --from 2023-09-01 --to 2024-02-08 --format csv | grep -c '^Data breaches,0')" 1 \
        "the period filters on the day filed: none the day before"

# --- the HTML report in a browser ------------------------------------------------
ctl1 report --from 2023-09-01 --to 2024-02-09 --format html -o "$T/report.html"
is "$?" 0 "committee report as HTML"
is "$(stat -c %a "$T/report.html")" 600 "-o writes a file only its owner can read"
html=$(cat "$T/report.html")
is "$(grep -o '<svg' <<<"$html" | wc -l)" 6 "six SVG charts"
unlike "$html" "<script|[[:space:]]src=|href=|url\(|@import" "no script, nothing loaded from elsewhere"
like "$html" "@media print" "print CSS"
chrome() {
        timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
                --disable-background-networking --disable-component-update --disable-sync \
                --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" "$@" >>"$T/chromium.log" 2>&1
}
if command -v chromium >/dev/null; then
        chrome --screenshot="$T/report.png" --window-size=1240,1754 "file://$T/report.html"
        ok "Chromium renders the report" test -s "$T/report.png"
        cat >"$T/png.py" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, []
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b'IHDR':
        w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        assert depth == 8 and ctype in (2, 6) and not interlace, 'unsupported PNG'
    elif kind == b'IDAT':
        idat.append(body)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(b''.join(idat)), w * bpp
prev, i, nonwhite, blue, orange = bytes(stride), 0, 0, 0, 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + ((a + b) >> 1)) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        if r < 240 or g < 240 or b < 240:
            nonwhite += 1
            blue += abs(r - 0x00) < 16 and abs(g - 0x72) < 16 and abs(b - 0xB2) < 16
            orange += abs(r - 0xE6) < 16 and abs(g - 0x9F) < 16 and abs(b - 0x00) < 16
    prev = line
print(w, h, round(100.0 * nonwhite / (w * h), 2), blue, orange)
EOF
        read -r pw ph pink pblue porange < <(python3 "$T/png.py" "$T/report.png")
        is "${pw}x${ph}" "1240x1754" "the screenshot is 1240x1754"
        ok "... and not blank: ${pink}% of it is not white" python3 -c "import sys; sys.exit(not 2 < float('$pink') < 60)"
        ok "... with the bars drawn: $pblue blue (within 72 h) and $porange orange (after) pixels" \
                test "${pblue:-0}" -gt 2000 -a "${porange:-0}" -gt 200
        chrome --no-pdf-header-footer --print-to-pdf="$T/report.pdf" "file://$T/report.html"
        like "$(grep -ao '/MediaBox *\[[^]]*\]' "$T/report.pdf" | sort -u)" '^/MediaBox \[0 0 59[45][.0-9]* 84[12][.0-9]*\]$' \
                "printed, every page is A4"
else
        not_ok "Chromium renders the report" "chromium not installed (make deps)"
fi

# --- seed 000: an information-governance team's breach log ---------------------------
out=$(ctl0 import "$SEED000" 2>&1)
is "$?" 0 "seed 000 imported"
like "$out" "a breach log, TAB-separated, header at line 3, 12 rows" "... as a breach log"
like "$out" "Imported 12 incidents; 0 rows refused\." "... 12 incidents"
like "$out" "line 5 \(IS/22/033\): Directorates \"Regional Adoption Agency\" is not one of the configured directorates" \
        "the unconfigured directorate is named, in the log's own heading"
is "$(sql "$T/r0.db" "SELECT last FROM ref_counter WHERE year = 2022")" 513 \
        "IS/%y/%03n reads IS/22/513: the 2022 counter is at 513"
ctl0 export --format log-csv >"$T/log0.csv"
is "$(head -c 3 "$T/log0.csv" | od -An -tx1 | tr -d ' ')" "efbbbf" "the log CSV starts with a UTF-8 byte order mark"
cat >"$T/log.py" <<'EOF'
import csv, sys
seed = [l.split('\t') for l in open(sys.argv[1], encoding='utf-8').read().split('\n')[3:] if l.strip()]
out = list(csv.reader(open(sys.argv[2], encoding='utf-8-sig', newline='')))
head, rows = out[0], {r[0]: r for r in out[1:]}
bad = 0
if len(out) - 1 != len(seed) or len(head) != 32:
    print('# %d rows of %d columns, want %d of 32' % (len(out) - 1, len(head), len(seed)))
    bad = 1
for s in seed:
    r = rows.get(s[0])
    if r is None:
        print('# %s not exported' % s[0])
        bad = 1
        continue
    for k in range(25):
        if r[k] != s[k]:
            print('# %s %s: %r, the log has %r' % (s[0], head[k], r[k], s[k]))
            bad = 1
sys.exit(bad)
EOF
ok "the export gives back the log's 25 columns as the log had them, row by row" python3 "$T/log.py" "$SEED000" "$T/log0.csv"
is "$(ctl0 export --format log-json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[5]["reference"], d[5]["ico_reference"], d[5]["reported_within_72h"])')" \
        "12 IS/22/143 IC-174472-42V6 Y" "the log as JSON"
is "$(ctl0 export --format log-csv --from 2022-05-01 --to 2022-06-30 | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" \
        "IS/22/125 IS/22/143 IS/22/171 " "--from/--to: the incidents reported in those days"
is "$(ctl0 export --columns log --format csv --from 16/06/2022 --to 16/06/2022 | tail -n +2 | cut -d, -f1)" \
        "IS/22/171" "--to is inclusive"
is "$(ctl0 export --from 2022-05-01 --to 2022-06-30 | python3 -c 'import json,sys; print(" ".join(i["ref"] for i in json.load(sys.stdin)))')" \
        "IS/22/125 IS/22/143 IS/22/171" "the register's own export takes the period too"
out=$(ctl0 export --from 2022-02-30 2>&1)
is "$?" 1 "a date that does not exist is refused"

# list filters, counts made from the fixture where they can be
is "$(count "$C0" --decision notify)" "12 incidents" "--decision notify: all 12 were escalated"
is "$(count "$C0" --decision not-notifiable)" "0 incidents" "--decision not-notifiable: none"
is "$(count "$C0" --open)" "0 incidents" "--open: all are closed"
is "$(count "$C0" --overdue)" "0 incidents" "--overdue: none"
want=$(awk -F'\t' 'NR > 3 && $6 == "Children, Young People and Education"' "$SEED000" | wc -l)
is "$(count "$C0" --directorate CYPE)" "$want incidents" "--directorate by abbreviation: $want, as the log has"
is "$(count "$C0" --directorate 'regional adoption agency')" "1 incident" "--directorate not configured, any case"
for word in police psychologist; do
        want=$(grep -ic "$word" "$SEED000")
        is "$(count "$C0" --search "${word^^}")" "$want incident$( ((want == 1)) || echo s)" "--search $word: $want, as grep finds"
done
out=$(ctl0 list --decision maybe 2>&1)
is "$?" 1 "an unknown --decision is refused"

# the ICO draft of an imported incident
draft=$(ctl0 ico-draft IS/22/143)
is "$?" 0 "ico-draft of an imported incident"
like "$draft" $'\nWhat happened: Email sent to psychologist at KMPT and CPN copied to client with similar name in error\n' "what happened"
like "$draft" $'\nHow did it happen: \\[GAP\\] the report does not say how it happened\n' "a gap is named"
like "$draft" $'\nApproximate number of personal data records: 1\n' "the number of records"
like "$draft" $'\nEmail: dpo@example.test\n' "the DPO's contact"
like "$draft" "after the 72 hours: the ICO needs the reason for the delay" "late: the reason for delay is asked"
like "$draft" $'\n[0-9]+ gaps to fill before sending:\n  - ' "the gaps are listed at the end"
out=$(ctl0 ico-draft IS/22/999 2>&1)
is "$?" 1 "ico-draft of an unknown reference fails"
like "$out" "no such incident" "... saying so"

# --- a register with a mail-filed report, a messy CSV and the log ---------------------
C2=$T/mixed.conf
conf "$C2" "$T/r2.db" 'DB%Y%03n'
dirs='directorates = ( "Adult Social Care", "Children, Families and Education", "Corporate Services", "Finance and Resources" );'
echo "$dirs" >>"$C2"
echo 'dpo_contact = { name = "Jane Smith"; phone = "01632 960000"; };' >>"$C2"
ctl2() { "$BREACHCTL" -c "$C2" "$@"; }
# plain-basic.eml sent now, its breach an hour ago: the 72 hours count from when it
# happened (the report does not say when it was discovered), and have not
# run out.
OCC=$(($(date +%s) - 3600))
occ_form=$(TZ=Europe/London date -d "@$OCC" '+%d/%m/%Y %H:%M')
sed -e "s|^When did this occur (Date)? .*|When did this occur (Date)? $occ_form|" -e "s|^Date: .*|Date: $(date -R)|" \
        tests/corpora/good/plain-basic.eml \
        >"$T/plain-recent.eml"
ok "report accepted by Postfix" send_mail reporter@example.test breach@example.test "$T/plain-recent.eml"
ok "... delivered" wait_for_mail breach@example.test INBOX 1
ok "breachd --once files it" "$BREACHD" -c "$C2" --once >>"$T/breachd.log" 2>&1
ref=$(ctl2 list | grep -o '^DB20[0-9]*' | head -n 1)
isnt "$ref" "" "a reference was given"

out=$(ctl2 import "$LOGS/messy.csv" 2>&1)
is "$?" 1 "the messy CSV has a row that cannot be filed: nothing imported"
like "$out" "line 6 \(DB2024104\): Date reported \"31/02/2024\" is not a date" "... it is named, with its line"
like "$out" "import the other rows with --skip-refused" "... and what to do"
is "$(count "$C2")" "1 incident" "the register still has only the mail-filed incident"
out=$(ctl2 import --skip-refused "$LOGS/messy.csv" 2>&1)
is "$?" 0 "--skip-refused imports the others"
like "$out" "a breach log, semicolon-separated" "semicolons found"
like "$out" "Imported 4 incidents; 1 row refused\." "4 imported"
like "$out" "\"Ν\" \(Greek capital letter nu\) read as N" "a Greek N mended"
like "$out" "\"Yеs\" \(Cyrillic small letter ie\) read as Yes" "a Cyrillic e in Yes mended"
like "$out" "line 5: no reference: given DB2024106" "a row without a reference numbered after the file's"
like "$out" "Root Cause \"Carelessness\" is not one of the report's categories: kept as given" "an unknown root cause named"
like "$out" "cells beyond the last column are not read: \"extra cell\"" "an extra cell named"
out=$(ctl2 import "$SEED000" 2>&1)
is "$?" 0 "seed 000 imported beside them"
is "$(count "$C2")" "17 incidents" "17 in all"

draft=$(ctl2 ico-draft "$ref")
is "$?" 0 "ico-draft of the mail-filed incident"
like "$draft" $'\nWhat happened: An email containing a care plan was sent to the wrong external recipient\\.\n' "its nature"
like "$draft" $'\nHow did it happen: Autocomplete picked the wrong address\\.\n' "how it happened"
like "$draft" $'\nWhen did the breach happen: '"$(TZ=Europe/London date -d "@$OCC" '+%A %-d %B %Y, %H:%M %Z')"$'\n' "when"
like "$draft" $'\nCategories of data subjects: One service user and their daughter\\.\n' "who is affected"
like "$draft" $'\nHow the individuals are likely to be affected: Distress; the plan includes health details\\.\n' "consequences"
like "$draft" $'\nTo deal with the breach: Recipient phoned and asked to delete; confirmed in writing\\.\n' "measures taken"
like "$draft" $'\nTo mitigate possible adverse effects: \\[GAP\\] none recorded\n' "no mitigation: a gap"
like "$draft" $'\nName: Jane Smith\nEmail: dpo@example.test\nTelephone: 01632 960000\n' "the DPO's contact from dpo_contact"
like "$draft" "Within the 72 hours \\([^)]* left\\): no reason for delay is needed" \
        "the report gives no awareness date: the 72 hours run from when it happened, and have not run out"
unlike "$(ctl2 list --overdue)" "$ref" "--overdue: not before its deadline"
echo "+$((4 * 86400))" >"$T/clock"
later() { BREACHD_TEST_CLOCK=$T/clock "$BREACHCTL_TESTING" -c "$C2" "$@"; }
like "$(later list --overdue)" $'\n'"$ref " "four days on, --overdue lists the undecided mail-filed report"
draft=$(later ico-draft "$ref")
like "$draft" "This notification is after the 72 hours: the ICO needs the reason for the delay" \
        "four days on, the draft asks for the reason for the delay"
like "$draft" $'\nReason for the delay: \\[GAP\\] not recorded' "... and names it as a gap"
like "$(ctl2 list --search 'CARE PLAN')" $'\n'"$ref " "--search finds it by its text"
is "$(ctl2 list --directorate 'adult social' | grep -c '^DB')" 2 "--directorate by a prefix: it and the imported ASC row"
is "$(count "$C2" --open --decision pending)" "2 incidents" "--open --decision pending together: it and the assessing one"

is "$(ctl2 export | python3 -c 'import collections,json,sys; c=collections.Counter(i["source"] for i in json.load(sys.stdin)); print(c["mail"], c["import"])')" \
        "1 16" "the register's export tells the mail-filed incident from the imported ones"
ctl2 export --columns log --format csv >"$T/a.csv"
like "$(cat "$T/a.csv")" $'\r\n'"$ref,"'[0-9/]+,[0-9:]+,'"${occ_form/ /,}"',Adult Social Care,An email containing a care plan' \
        "the mail-filed incident as a log row"
like "$(cat "$T/a.csv")" "\"'=HYPERLINK\(\"\"http://evil\.example\"\",\"\"click\"\"\)\"" "a formula is quoted and guarded"
is "$(grep -c $'^[=+@-]' "$T/a.csv")" 0 "no line starts with a formula character"
like "$(cat "$T/a.csv")" $'"Letter with a care plan posted to the wrong address;\nthe neighbour returned it unopened"' \
        "a line break stays inside its quoted cell"

# --- the round trip: export, import into an empty register, export -------------------
C3=$T/again.conf
conf "$C3" "$T/r3.db" 'DB%Y%03n'
echo "$dirs" >>"$C3"
out=$("$BREACHCTL" -c "$C3" import "$T/a.csv" 2>&1)
is "$?" 0 "the export imports into an empty register"
like "$out" "Imported 17 incidents; 0 rows refused\." "... all 17"
"$BREACHCTL" -c "$C3" export --columns log --format csv >"$T/b.csv"
ok "exported again it is the same file" cmp "$T/a.csv" "$T/b.csv"
ok "... and so is the JSON" cmp <(ctl2 export --format log-json) <("$BREACHCTL" -c "$C3" export --format log-json)
ok "the committee report of the copy is the original's" \
        cmp <(ctl2 report --format csv) <("$BREACHCTL" -c "$C3" report --format csv)
like "$(ctl2 report --format csv | grep -A6 '^Number impacted')" $'\r\nCorporate Services,0,0,1,0,1\r\n' \
        "number impacted: the messy log's \"c. 40\" counts as more than 5"

done_testing
