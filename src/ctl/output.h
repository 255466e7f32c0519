/* output.h — how breachctl writes a value as JSON or as CSV, shared by the
 * commands (ctl_export.c), the breach log (breachlog.c) and the committee
 * report (committee.c).  They write to f and own nothing. */
#pragma once

#include <stdio.h>

/* s as a JSON string, quoted and escaped; NULL → null. */
void output_json_string(FILE *f, const char *s);
/* s as one CSV field (RFC 4180 quoting); NULL → nothing.  A value that a
 * spreadsheet would run as a formula (a leading = + - @) is quoted with a
 * leading apostrophe. */
void output_csv_field(FILE *f, const char *s);
