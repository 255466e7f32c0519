/* breachlog.h — the register as a breach log: the columns of the spreadsheet an
 * information-governance team keeps (tests/corpora/logs/seed000-log.tsv), written as CSV or
 * JSON and read back from CSV or TAB-separated text, and the detail table of
 * a committee report (tests/corpora/logs/seed001-report.txt) read the same way.
 *
 * Reading copes with what real logs hold: a UTF-8 byte order mark, CR LF or
 * LF, quoted cells with line breaks, a header split over several lines, a
 * table inside a longer document, a Greek or Cyrillic letter standing in for
 * Y or N, a reference that a spreadsheet turned into a date.  Every change
 * made to a value is reported as a note, never made silently. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/config.h"
#include "base/tz.h"
#include "register/incident.h"
#include "register/store_register.h"

typedef enum {
        /* The columns of the log, in its order. */
        LC_REF,
        LC_DATE_REPORTED,
        LC_TIME_REPORTED,
        LC_DATE_INCIDENT,
        LC_TIME_INCIDENT,
        LC_DIRECTORATE,
        LC_INCIDENT,
        LC_PERSONAL_DATA,
        LC_SOURCE,
        LC_ACTION_TEXT,
        LC_TEAM,
        LC_BREACH_OF_LEGISLATION,
        LC_VOLUME,
        LC_SENSITIVITY,
        LC_ESCALATED,
        LC_ICO_REFERENCE,
        LC_RATIONALE,
        LC_NEAR_MISS,
        LC_DAYS,
        LC_DELAY_REASON,
        LC_DATE_CLOSED,
        LC_CLOSED_WITHOUT_REPORT,
        LC_ALLOCATED_TO,
        LC_CATEGORY,
        LC_SECONDARY_CATEGORY,
        /* Ours, after the log's own: what the committee report needs. */
        LC_WITHIN_72H,
        LC_MEDIUM,
        LC_INDIVIDUALS,
        LC_ROOT_CAUSE,
        LC_ACTION_CATEGORY,
        LC_STATUS,
        LC_ICO_OUTCOME,
        LC__MAX,
} LogColumn;

typedef struct {
        const char *title;   /* the CSV header we write */
        const char *key;     /* the JSON key */
} LogColumnDef;
extern const LogColumnDef log_columns[LC__MAX];

/* One row of the log: cells by column, NULL when empty.  Owned. */
typedef struct {
        char *cell[LC__MAX];
} BreachLogEntry;
void breachlog_entry_free(BreachLogEntry *e);

/* ---- writing --------------------------------------------------------------- */

/* The log row of an incident: dates and times in tz, UK style (09/02/2024,
 * 15:39); canonical values where the register has them, else the text as
 * given.  *ret is overwritten. */
void breachlog_entry_from_incident(const Incident *inc, const RegisterExtra *x, const Tz *tz, BreachLogEntry *ret);

/* CSV: RFC 4180, CR LF line ends, UTF-8; bom puts a byte order mark first
 * so that Excel reads the file as UTF-8.  Formula-looking cells are guarded
 * as output_csv_field() does. */
void breachlog_write_csv_header(FILE *f, bool bom);
void breachlog_write_csv_row(FILE *f, const BreachLogEntry *e);
/* JSON: one object per row with the column keys, every value a string or
 * null.  first: no comma before it. */
void breachlog_write_json_row(FILE *f, const BreachLogEntry *e, bool first);

/* ---- reading --------------------------------------------------------------- */

typedef enum {
        LOG_FORMAT_AUTO,     /* detail when the header has no date reported */
        LOG_FORMAT_LOG,      /* seed 000's columns: "Action taken" is free text */
        LOG_FORMAT_DETAIL,   /* seed 001's: "Action Taken" is the category */
} LogFormat;

typedef struct {
        size_t line;         /* the row's first line in the file, from 1 */
        BreachLogEntry e;          /* trimmed cells */
        StrList notes;       /* what reading the row changed or left out */
} LogRow;

typedef struct {
        LogFormat format;    /* as given or detected */
        char delimiter;      /* '\t', ',' or ';' */
        size_t header_line;
        char *header[LC__MAX];   /* the file's own heading of each column read; NULL: absent */
        LogRow *rows;
        size_t n_rows;
        StrList notes;       /* about the file: lines not read, columns ignored */
} BreachLogTable;
void breachlog_table_free(BreachLogTable *t);

/* Finds the table in text (len bytes) and reads its rows.  -EINVAL with
 * *ret_why when there is no header row naming at least three known
 * columns, one of them the reference. */
int breachlog_read(const char *text, size_t len, LogFormat format, BreachLogTable *ret, char **ret_why);

typedef struct {
        const Config *cfg;       /* directorates */
        const Tz *tz;
        int64_t default_day;     /* the day filed under when a row has no date reported; 0: none */
        const char *origin;      /* shown as where the incident came from: the file's name */
        int64_t now;
} LogImportContext;

/* The incident a row describes, with source "import".  inc->ref is the
 * row's reference (NULL when it has none: the caller gives one) and
 * inc->token is set.  What was read differently from how it was written
 * goes to notes.  -EINVAL with *ret_why when the row cannot be filed (no
 * readable date reported and no default day); inc and x are then freed. */
int breachlog_row_to_incident(const BreachLogTable *t, const LogRow *row, const LogImportContext *ctx, Incident *inc,
                          RegisterExtra *x, StrList *notes, char **ret_why);

/* Adds a note to each row whose reference, read with pattern, breaks the
 * order of its neighbours (DB2023001 between DB2023128 and DB2024002). */
void breachlog_check_sequence(BreachLogTable *t, const char *pattern);

/* Reads ref with a reference pattern (incident_format_ref()): 1 with the
 * year and number when it matches, 0 when not.  A pattern without a year
 * gives *ret_year 0. */
int breachlog_ref_match(const char *pattern, const char *ref, int *ret_year, int64_t *ret_n);

/* A reference that is really a date: 17.10.2023, 17/10/2023, 2023-10-17. */
bool breachlog_looks_like_date(const char *s);

/* Reads a Y/N answer, mending look-alike letters: 1 yes, 0 no, -1 not an
 * answer.  *ret_mended (may be NULL) gets a description of what was read
 * differently ("'у' (Cyrillic small letter u) read as Y"), or NULL. */
int breachlog_read_yn(const char *s, char **ret_mended);
