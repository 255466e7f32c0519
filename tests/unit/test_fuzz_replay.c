/* test_fuzz_replay.c — every file of tests/fuzz/regressions (inputs the
 * fuzzer once crashed the reader with) and every message of tests/corpora
 * through the fuzz harness (tests/fuzz/fuzz_message.c) with this build's
 * compiler and sanitizers, so that a fixed crash stays fixed even where
 * clang is not installed.
 *
 * For each message it also checks what the poison-message guard relies on
 * (guard.h): reading is deterministic (two parses encode to the same
 * bytes), and a parsed Message with the worker's reading of its form
 * (reading.h) survives the trip from the worker (msgwire.h) unchanged, the
 * reading giving the daemon exactly what reading the form again would. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "../fuzz/fuzz_message.c"
#include "msgwire.h"
#include "blankform.h"
#include "reading.h"
#include "tap.h"

static void collect(const char *dir, StrList *out)
{
        DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, e->d_name);
                struct stat st;
                if (stat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        collect(p, out);
                else if (!str_endswith_ci(p, ".expect") && !str_endswith_ci(p, "README") &&
                         !str_endswith_ci(p, ".conf"))
                        strlist_add(out, p);
        }
        closedir(d);
}

static char *encoded(const char *raw, size_t len, size_t *ret_len)
{
        Message *m = NULL;
        char *why = NULL;
        if (message_parse(raw, len, NULL, &m, &why) < 0) {
                *ret_len = 0;
                return why;    /* the refusal is compared instead */
        }
        ValueContext vc = {.tz = fuzz_tz, .directorates = fuzz_dirs, .n_directorates = ARRAY_SIZE(fuzz_dirs)};
        reading_attach(m, fuzz_labels, &vc);
        Buf b = {0};
        message_encode(m, &b);
        message_free(m);
        *ret_len = b.len;
        return buf_steal(&b);
}

static void replay(const char *path, const char *name)
{
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        if (read_file(path, 64u << 20, &raw, &len) < 0) {
                tap_ok(false, "%s can be read", name);
                return;
        }
        TAP_INT_EQ(LLVMFuzzerTestOneInput((const uint8_t *)raw, len), 0, "%s: read without a crash", name);
        size_t n1 = 0, n2 = 0;
        _cleanup_free_ char *a = encoded(raw, len, &n1), *b = encoded(raw, len, &n2);
        tap_ok(n1 == n2 && (n1 ? memcmp(a, b, n1) == 0 : strcmp(a ? a : "", b ? b : "") == 0),
               "%s: read the same way twice", name);
        if (!n1)
                return;
        Message *m = NULL;
        int r = message_decode(a, n1, &m);
        TAP_INT_EQ(r, 0, "%s: the parsed message decodes", name);
        if (r < 0)
                return;
        /* What the daemon takes from the reading is what it would read. */
        FormRecord fresh, carried;
        ReportInfo fi, ci;
        form_record_init(&fresh);
        form_record_init(&carried);
        report_read(m, fuzz_labels, &fresh, &fi);
        reading_report(m, fuzz_labels, &carried, &ci);
        bool same = fi.n_fields == ci.n_fields && fi.free_text == ci.free_text &&
                    strcmp(fi.forwarded_by ? fi.forwarded_by : "-", ci.forwarded_by ? ci.forwarded_by : "-") == 0 &&
                    fresh.notes.n == carried.notes.n && fresh.unknown_labels.n == carried.unknown_labels.n;
        for (size_t i = 0; same && i < FIELD__MAX; i++)
                same = strcmp(fresh.f[i].text ? fresh.f[i].text : "-", carried.f[i].text ? carried.f[i].text : "-") == 0;
        tap_ok(same, "%s: the carried reading of the form is the form read again", name);
        FormReading *carried_reading = m->reading;
        m->reading = NULL;
        bool blank = blankform_requested(m, fuzz_labels);
        m->reading = carried_reading;
        tap_ok(reading_blank_form(m, fuzz_labels) == blank, "%s: and so is whether it asks for the blank form", name);
        if (m->date) {
                ValueContext vc = {.tz = fuzz_tz, .message_time = m->date, .directorates = fuzz_dirs,
                                   .n_directorates = ARRAY_SIZE(fuzz_dirs)};
                values_interpret(&fresh, &vc);
                form_record_free(&carried);
                report_info_free(&ci);
                same = reading_interpreted(m, m->date, &carried, &ci);
                for (size_t i = 0; same && i < FIELD__MAX; i++)
                        same = fresh.f[i].state == carried.f[i].state && fresh.f[i].when == carried.f[i].when &&
                               fresh.f[i].count == carried.f[i].count &&
                               strcmp(fresh.f[i].canon ? fresh.f[i].canon : "-",
                                      carried.f[i].canon ? carried.f[i].canon : "-") == 0;
                tap_ok(same, "%s: and so are its values", name);
                tap_ok(!reading_interpreted(m, m->date + 1, &carried, &ci),
                         "%s: a reading at another time is not taken", name);
        }
        form_record_free(&fresh);
        form_record_free(&carried);
        report_info_free(&fi);
        report_info_free(&ci);
        Buf again = {0};
        message_encode(m, &again);
        message_free(m);
        tap_ok(again.len == n1 && memcmp(again.s, a, n1) == 0, "%s: and encodes to the same bytes", name);
        buf_free(&again);
        /* A frame cut short is refused, never half-read. */
        m = NULL;
        TAP_INT_EQ(message_decode(a, n1 - 1, &m), -EBADMSG, "%s: a truncated encoding is refused", name);
}

int main(void)
{
        LLVMFuzzerInitialize(NULL, NULL);
        StrList regressions = {0}, corpora = {0};
        _cleanup_free_ char *rdir = xstrdup(tap_srcpath("tests/fuzz/regressions"));
        _cleanup_free_ char *cdir = xstrdup(tap_srcpath("tests/corpora"));
        collect(rdir, &regressions);
        collect(cdir, &corpora);
        tap_ok(regressions.n > 0, "tests/fuzz/regressions has inputs to replay (%zu)", regressions.n);
        tap_ok(corpora.n > 20, "tests/corpora has messages (%zu)", corpora.n);
        for (size_t i = 0; i < regressions.n; i++)
                replay(regressions.v[i], regressions.v[i] + strlen(rdir) + 1);
        for (size_t i = 0; i < corpora.n; i++)
                replay(corpora.v[i], corpora.v[i] + strlen(cdir) + 1);
        strlist_free(&regressions);
        strlist_free(&corpora);
        for (size_t i = 0; i < ARRAY_SIZE(fuzz_dirs); i++) {
                free(fuzz_dirs[i].name);
                strlist_free(&fuzz_dirs[i].abbreviations);
        }
        form_labels_free(fuzz_labels);
        tz_free(fuzz_tz);
        return tap_done();
}
