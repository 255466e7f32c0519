/* committee.h — the periodic report to the committee (the tables of a
 * "Data Security Incident Report",
 * tests/corpora/logs/seed001-report.txt): totals; reported
 * within or after 72 hours, by medium, by number impacted, by root cause and
 * by action taken, each by directorate; ICO notifications and outcomes; and
 * the detail table.  Computed from register rows; written as text for a
 * terminal, as CSV, or as one self-contained HTML file with SVG bar charts.
 *
 * Nothing here reads the database: store_committee_rows() makes the rows
 * (CommitteeRow, register/store_register.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/config.h"
#include "base/tz.h"
#include "base/util.h"
#include "register/store_register.h"

typedef enum {
        CT_RESPONSE,      /* < 72 hours, > 72 hours */
        CT_MEDIUM,
        CT_IMPACTED,      /* 1, 2 to 5, > 5 */
        CT_ROOT_CAUSE,
        CT_ACTION,
        CT_ICO,           /* notified, not notifiable, decision pending */
        CT__MAX,
} CommitteeTableId;

/* Counts by directorate (rows, the report's `directorates`) and category
 * (cols).  A category that only exists for values outside the standard
 * lists ("Not known", a root cause a log spelt its own way) is a column
 * only when some incident has it. */
typedef struct {
        const char *title;      /* "Response time" (static) */
        const char *note;       /* what the table counts (static) */
        StrList cols;
        int64_t *cells;         /* [row * cols.n + col] */
} CommitteeTable;

typedef struct {
        int64_t from, to;       /* the period: [from, to), UTC */
        char *organisation;     /* may be NULL */
        StrList directorates;   /* the configured ones, then any other found in
                                 * the rows (alphabetical), then External/Not Known */
        CommitteeTable t[CT__MAX];
        size_t total, within, late, not_known_72h, ico_notified;
        CommitteeRow *rows;     /* the detail table, oldest first */
        size_t n_rows;
} CommitteeReport;

#define COMMITTEE_NO_DIRECTORATE "External/Not Known"

/* Builds the report of rows (taken: the report owns and frees them) for the
 * period [from, to).  cfg gives the directorates and the organisation.
 * The caller frees *ret with committee_free(). */
void committee_build(const Config *cfg, int64_t from, int64_t to, CommitteeRow *rows, size_t n,
                     CommitteeReport *ret);
void committee_free(CommitteeReport *r);

/* Cell helpers: the count of (directorate row, column), the row's total,
 * the column's total. */
int64_t committee_cell(const CommitteeReport *r, CommitteeTableId t, size_t row, size_t col);
int64_t committee_row_total(const CommitteeReport *r, CommitteeTableId t, size_t row);
int64_t committee_col_total(const CommitteeReport *r, CommitteeTableId t, size_t col);

/* The writers.  Dates are shown in tz.  Return 0, or -EIO when f fails. */
int committee_write_text(FILE *f, const CommitteeReport *r, const Tz *tz);
/* CSV (RFC 4180, CR LF): a title row, then each table as a title row, a
 * header row, one row per directorate, a TOTAL row and an empty row; the
 * detail table last.  Formula-looking values are guarded as output_csv_field()
 * does. */
int committee_write_csv(FILE *f, const CommitteeReport *r, const Tz *tz);
/* One HTML file: inline CSS (with @media print for A4), inline SVG bar
 * charts, no scripts, nothing loaded from anywhere. */
int committee_write_html(FILE *f, const CommitteeReport *r, const Tz *tz);

/* The standard spelling of s among table t's categories ("human error" →
 * "Human Error"), case and surrounding space ignored; NULL when s is not
 * one of them. */
const char *committee_standard_name(CommitteeTableId t, const char *s);

/* "2024-02-09", "9/2/2024" or "09/02/2024" → the local midnight starting that
 * day in tz.  -EINVAL for anything else or a day no calendar has. */
int committee_parse_day(const char *s, const Tz *tz, int64_t *ret);
