/* test_fuzz_replay.c — every input of tests/fuzz/regressions (inputs a
 * fuzzer once crashed breachd with) and tests/fuzz/seeds through the fuzz
 * harnesses (tests/fuzz/fuzz_*.c, docs/FUZZING.md) with this build's
 * compiler and sanitizers, so that a fixed crash stays fixed even where
 * clang is not installed: every message of regressions/message,
 * tests/corpora and the public corpus (test_public_corpus.c) through the
 * message harness, and each other harness's
 * regressions/NAME and seeds/NAME (with conf/ and tests/corpora/corpus.conf
 * for config, tests/corpora/logs for breachlog) through it.
 *
 * For each message it also checks what the poison-message guard relies on
 * (guard.h): reading is deterministic (two parses encode to the same
 * bytes), and a parsed Message with the worker's reading of its form
 * (reading.h) survives the trip from the worker (msgwire.h) unchanged, the
 * reading giving the daemon exactly what reading the form again would.
 * And it checks that the harnesses' ways in read as the daemon's do: a
 * configuration parsed from its text (config_parse) as loaded from its
 * file (config_load), a document.xml read alone (docx_read_xml) as inside
 * its .docx (docx_extract). */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "../fuzz/fuzz_message.c"

/* The other harnesses, their libFuzzer entry points renamed so that they
 * can live in one program. */
#define LLVMFuzzerInitialize fuzz_decision_init
#define LLVMFuzzerTestOneInput fuzz_decision_one
#include "../fuzz/fuzz_decision.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_followup_init
#define LLVMFuzzerTestOneInput fuzz_followup_one
#include "../fuzz/fuzz_followup.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_config_init
#define LLVMFuzzerTestOneInput fuzz_config_one
#include "../fuzz/fuzz_config.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_breachlog_init
#define LLVMFuzzerTestOneInput fuzz_breachlog_one
#include "../fuzz/fuzz_breachlog.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerInitialize fuzz_docx_init
#define LLVMFuzzerTestOneInput fuzz_docx_one
#include "../fuzz/fuzz_docx.c"
#undef LLVMFuzzerInitialize
#undef LLVMFuzzerTestOneInput

#include "read/formrequest.h"
#include "read/msgwire.h"
#include "read/reading.h"
#include "tap.h"

/* The files under dir, but for the .expect files and READMEs of the
 * corpora; and the corpora's configurations unless conf. */
static void collect_files(const char *dir, bool conf, StrList *out)
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
                        collect_files(p, conf, out);
                else if (!str_endswith_ci(p, ".expect") && !str_endswith_ci(p, "README") &&
                         !str_endswith_ci(p, "README.md") && (conf || !str_endswith_ci(p, ".conf")))
                        strlist_add(out, p);
        }
        closedir(d);
}

static void collect(const char *dir, StrList *out)
{
        collect_files(dir, false, out);
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
        FormreadInfo fi, ci;
        form_record_init(&fresh);
        form_record_init(&carried);
        formread_message(m, fuzz_labels, &fresh, &fi);
        reading_form(m, fuzz_labels, &carried, &ci);
        bool same = fi.n_fields == ci.n_fields && fi.free_text == ci.free_text &&
                    strcmp(fi.forwarded_by ? fi.forwarded_by : "-", ci.forwarded_by ? ci.forwarded_by : "-") == 0 &&
                    fresh.notes.n == carried.notes.n && fresh.unknown_labels.n == carried.unknown_labels.n;
        for (size_t i = 0; same && i < FIELD__MAX; i++)
                same = strcmp(fresh.f[i].text ? fresh.f[i].text : "-", carried.f[i].text ? carried.f[i].text : "-") == 0;
        tap_ok(same, "%s: the carried reading of the form is the form read again", name);
        void *carried_reading = m->attached;
        m->attached = NULL;
        bool blank = formrequest_detect(m, fuzz_labels);
        m->attached = carried_reading;
        tap_ok(reading_blank_form(m, fuzz_labels) == blank, "%s: and so is whether it asks for the blank form", name);
        if (m->date) {
                ValueContext vc = {.tz = fuzz_tz, .message_time = m->date, .directorates = fuzz_dirs,
                                   .n_directorates = ARRAY_SIZE(fuzz_dirs)};
                values_interpret(&fresh, &vc);
                form_record_free(&carried);
                formread_info_free(&ci);
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
        formread_info_free(&fi);
        formread_info_free(&ci);
        Buf again = {0};
        message_encode(m, &again);
        message_free(m);
        tap_ok(again.len == n1 && memcmp(again.s, a, n1) == 0, "%s: and encodes to the same bytes", name);
        buf_free(&again);
        /* A frame cut short is refused, never half-read. */
        m = NULL;
        TAP_INT_EQ(message_decode(a, n1 - 1, &m), -EBADMSG, "%s: a truncated encoding is refused", name);
}

typedef struct {
        const char *name;
        int (*init)(int *argc, char ***argv);
        int (*one)(const uint8_t *data, size_t size);
        const char *more[3];    /* other seeds: files or directories under the source tree */
} Harness;

static const Harness harnesses[] = {
        {"decision", fuzz_decision_init, fuzz_decision_one, {NULL}},
        {"followup", fuzz_followup_init, fuzz_followup_one, {NULL}},
        {"config", fuzz_config_init, fuzz_config_one, {"conf/breachd.conf", "tests/corpora/corpus.conf", NULL}},
        {"breachlog", fuzz_breachlog_init, fuzz_breachlog_one, {"tests/corpora/logs", NULL}},
        {"docx", fuzz_docx_init, fuzz_docx_one, {NULL}},
};

/* Every input of a harness other than the message one: its regressions,
 * its seeds and the files it is seeded from besides. */
static void replay_harness(const Harness *h)
{
        StrList inputs = {0};
        _cleanup_free_ char *rdir = xasprintf("tests/fuzz/regressions/%s", h->name);
        _cleanup_free_ char *sdir = xasprintf("tests/fuzz/seeds/%s", h->name);
        collect_files(tap_srcpath(rdir), true, &inputs);
        size_t n_regressions = inputs.n;
        collect_files(tap_srcpath(sdir), true, &inputs);
        for (size_t i = 0; h->more[i]; i++) {
                _cleanup_free_ char *p = xstrdup(tap_srcpath(h->more[i]));
                struct stat st;
                if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                        collect_files(p, true, &inputs);
                else
                        strlist_add(&inputs, p);
        }
        tap_ok(inputs.n > n_regressions, "%s: seeds to replay (%zu, and %zu regressions)", h->name,
               inputs.n - n_regressions, n_regressions);
        h->init(NULL, NULL);
        size_t ok = 0;
        for (size_t i = 0; i < inputs.n; i++) {
                _cleanup_free_ char *raw = NULL;
                size_t len = 0;
                if (read_file(inputs.v[i], 64u << 20, &raw, &len) < 0) {
                        tap_ok(false, "%s can be read", inputs.v[i]);
                        continue;
                }
                /* A crash ends the program here, and the suite fails. */
                if (h->one((const uint8_t *)raw, len) == 0)
                        ok++;
                else
                        tap_ok(false, "%s: %s read without a crash", h->name, inputs.v[i]);
        }
        TAP_INT_EQ(ok, inputs.n, "%s: every regression and seed read without a crash", h->name);
        strlist_free(&inputs);
}

/* config_parse() of a file's text is config_load() of the file. */
static void config_ways_agree(const char *rel)
{
        _cleanup_free_ char *path = xstrdup(tap_srcpath(rel)), *text = NULL;
        size_t len = 0;
        if (read_file(path, 1u << 20, &text, &len) < 0) {
                tap_ok(false, "%s can be read", rel);
                return;
        }
        Config *a = NULL, *b = NULL;
        _cleanup_free_ char *ea = NULL, *eb = NULL;
        int ra = config_load(path, &a, &ea), rb = config_parse(text, path, &b, &eb);
        bool same = ra == rb && strcmp(ea ? ea : "", eb ? eb : "") == 0;
        if (same && a && b)
                same = strcmp(a->smtp.from ? a->smtp.from : "", b->smtp.from ? b->smtp.from : "") == 0 &&
                       a->n_directorates == b->n_directorates && a->dpo.n == b->dpo.n &&
                       a->max_message_size == b->max_message_size;
        tap_ok(same, "config_parse reads %s as config_load does (%d)", rel, ra);
        config_free(a);
        config_free(b);
}

/* docx_read_xml() of word/document.xml is docx_extract() of its .docx. */
static void docx_ways_agree(const char *name)
{
        _cleanup_free_ char *zp = xasprintf("tests/fuzz/seeds/docx/%s.docx", name);
        _cleanup_free_ char *xp = xasprintf("tests/fuzz/seeds/docx/%s.xml", name);
        _cleanup_free_ char *zip = NULL, *xml = NULL;
        size_t zlen = 0, xlen = 0;
        _cleanup_free_ char *zpath = xstrdup(tap_srcpath(zp));
        if (read_file(zpath, 1u << 20, &zip, &zlen) < 0 || read_file(tap_srcpath(xp), 1u << 20, &xml, &xlen) < 0) {
                tap_ok(false, "%s.docx and %s.xml can be read", name, name);
                return;
        }
        FormSource a = {0}, b = {0};
        int ra = docx_extract(zip, zlen, &a), rb = docx_read_xml(xml, xlen, &b);
        bool same = ra == 0 && rb == 0 && a.n_rows == b.n_rows &&
                    strcmp(a.text ? a.text : "", b.text ? b.text : "") == 0;
        for (size_t i = 0; same && i < a.n_rows; i++)
                same = !strcmp(a.rows[i].label, b.rows[i].label) && !strcmp(a.rows[i].value, b.rows[i].value);
        tap_ok(same, "docx_read_xml reads %s's document.xml as docx_extract reads the .docx (%zu rows)", name,
               a.n_rows);
        form_source_free(&a);
        form_source_free(&b);
}

int main(void)
{
        LLVMFuzzerInitialize(NULL, NULL);
        StrList regressions = {0}, corpora = {0};
        _cleanup_free_ char *rdir = xstrdup(tap_srcpath("tests/fuzz/regressions/message"));
        _cleanup_free_ char *cdir = xstrdup(tap_srcpath("tests/corpora"));
        collect(rdir, &regressions);
        collect(cdir, &corpora);
        tap_ok(regressions.n > 0, "tests/fuzz/regressions/message has inputs to replay (%zu)", regressions.n);
        tap_ok(corpora.n > 20, "tests/corpora has messages (%zu)", corpora.n);
        for (size_t i = 0; i < regressions.n; i++)
                replay(regressions.v[i], regressions.v[i] + strlen(rdir) + 1);
        for (size_t i = 0; i < corpora.n; i++)
                replay(corpora.v[i], corpora.v[i] + strlen(cdir) + 1);
        /* The public corpus (test_public_corpus.c says which packages). */
        static const char *const public_dirs[] = {
                "/usr/lib/python3.11/test/test_email/data",
                "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata/mail",
                "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata/low-quality",
                "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata/parts",
        };
        StrList public = {0};
        for (size_t i = 0; i < ARRAY_SIZE(public_dirs); i++)
                collect(public_dirs[i], &public);
        size_t n_public = 0;
        for (size_t i = 0; i < public.n; i++)
                if (str_endswith_ci(public.v[i], ".raw") || strstr(public.v[i], "/msg_")) {
                        replay(public.v[i], public.v[i] + strlen("/usr/"));
                        n_public++;
                }
        tap_ok(n_public >= 100, "the public corpus has messages (%zu; make deps)", n_public);
        strlist_free(&public);
        strlist_free(&regressions);
        strlist_free(&corpora);
        for (size_t i = 0; i < ARRAY_SIZE(fuzz_dirs); i++) {
                free(fuzz_dirs[i].name);
                strlist_free(&fuzz_dirs[i].abbreviations);
        }
        form_labels_free(fuzz_labels);
        tz_free(fuzz_tz);

        for (size_t i = 0; i < ARRAY_SIZE(harnesses); i++)
                replay_harness(&harnesses[i]);
        config_ways_agree("conf/breachd.conf");
        config_ways_agree("tests/corpora/corpus.conf");
        config_ways_agree("tests/fuzz/seeds/config/errors.conf");
        config_ways_agree("tests/fuzz/regressions/config/libconfig-toplevel-string-leak.conf");
        docx_ways_agree("attach-docx-table");
        docx_ways_agree("attach-docx-one-column");
        docx_ways_agree("attach-docx-paragraphs");
        return tap_done();
}
