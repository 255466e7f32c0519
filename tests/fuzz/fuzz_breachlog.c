/* fuzz_breachlog.c — the libFuzzer harness over the import of breach logs
 * (src/ctl/breachlog.c): a spreadsheet saved as CSV or TAB-separated text, or a
 * committee report with its detail table, as `breachctl import` reads it,
 *
 *   breachlog_read (byte order mark, Windows-1252, the delimiter, quoted cells
 *   over lines, the header row found and a header split over lines merged,
 *   the format detected) → breachlog_check_sequence (breachlog_ref_match) → for
 *   the first four rows breachlog_row_to_incident (dates and times, Y/N with
 *   look-alike letters, categories, status, days, breachlog_looks_like_date,
 *   the form's values, incident_evaluate),
 *
 * and each incident written back as the export writes it
 * (breachlog_entry_from_incident, breachlog_write_csv_row, breachlog_write_json_row) to
 * /dev/null.  The clock and the day filed under for rows without a date
 * are fixed; the configuration is fuzz_common.h's. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "ctl/breachlog.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Config *fzl_cfg;
static Tz *fzl_tz;
static FILE *fzl_null;

/* 2024-02-09 12:00 UTC: "now", and the day rows without a date are filed
 * under (breachctl import --date). */
#define FZL_NOW ((int64_t)1707480000)
/* Rows past the first few are read by the same code: converting them all
 * made the harness slower, not the coverage larger. */
#define FZL_MAX_ROWS 4

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fz_setup(&fzl_cfg, &fzl_tz);
        fzl_null = fopen("/dev/null", "we");
        if (!fzl_null)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > (256u << 10))
                return 0;
        BreachLogTable t;
        char *why = NULL;
        if (breachlog_read((const char *)data, size, LOG_FORMAT_AUTO, &t, &why) < 0) {
                if (!why)
                        abort();
                free(why);
                return 0;
        }
        breachlog_check_sequence(&t, fzl_cfg->reference_pattern);
        LogImportContext ctx = {.cfg = fzl_cfg, .tz = fzl_tz, .default_day = FZL_NOW - 86400, .origin = "fuzz.csv",
                                .now = FZL_NOW};
        for (size_t i = 0; i < t.n_rows && i < FZL_MAX_ROWS; i++) {
                Incident inc;
                RegisterExtra x;
                StrList notes = {0};
                why = NULL;
                if (breachlog_row_to_incident(&t, &t.rows[i], &ctx, &inc, &x, &notes, &why) < 0) {
                        free(why);
                        strlist_free(&notes);
                        continue;
                }
                if (!inc.ref)
                        inc.ref = xstrdup("DB2024001");
                BreachLogEntry e;
                breachlog_entry_from_incident(&inc, &x, fzl_tz, &e);
                breachlog_write_csv_row(fzl_null, &e);
                breachlog_write_json_row(fzl_null, &e, i == 0);
                breachlog_entry_free(&e);
                incident_free(&inc);
                register_extra_free(&x);
                strlist_free(&notes);
        }
        breachlog_table_free(&t);
        return 0;
}
