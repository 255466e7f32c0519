/* fuzz_message.c — the libFuzzer harness over raw message → parsed record:
 * the reading ingest.c does with every message that arrives,
 *
 *   message_parse → formread_message → values_interpret → incident_evaluate,
 *
 * and, for automatic mail, the delivery-report reader (dsn_parse).
 * Built with clang -fsanitize=fuzzer,address,undefined by `make fuzz`
 * (tests/fuzz/run.sh); the same file, with tests/unit/test_fuzz_replay.c
 * as its main, replays tests/fuzz/regressions/message and tests/corpora in
 * every `make check`, sanitizers or not.
 *
 * The configuration a reader depends on is fixed here: the Europe/London
 * zone, a few directorates with abbreviations, the default labels; the
 * message time defaults to a fixed instant so runs are repeatable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/log.h"
#include "base/mimelib.h"
#include "read/dsn.h"
#include "read/form.h"
#include "read/formread.h"
#include "read/message.h"
#include "read/values.h"
#include "register/incident.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FormLabels *fuzz_labels;
static Tz *fuzz_tz;
static Directorate fuzz_dirs[3];

static void add_directorate(Directorate *d, const char *name, const char *abbrev)
{
        d->name = xstrdup(name);
        strlist_add(&d->abbreviations, abbrev);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        log_set_level(LOG_ERR);
        mimelib_init();
        fuzz_labels = form_labels_new();
        form_labels_add(fuzz_labels, F_NATURE, "What went wrong");
        if (tz_open("Europe/London", &fuzz_tz) < 0)
                abort();
        add_directorate(&fuzz_dirs[0], "Adult Social Care", "ASC");
        add_directorate(&fuzz_dirs[1], "Children, Families and Education", "CFE");
        add_directorate(&fuzz_dirs[2], "Finance and Resources", "F&R");
        return 0;
}

static void read_record(const Message *m)
{
        Incident inc;
        incident_init(&inc);
        FormreadInfo info;
        formread_message(m, fuzz_labels, &inc.form, &info);
        ValueContext vc = {
                .tz = fuzz_tz,
                .message_time = m->date > 0 ? m->date : 1736179200,
                .directorates = fuzz_dirs,
                .n_directorates = ARRAY_SIZE(fuzz_dirs),
        };
        values_interpret(&inc.form, &vc);
        inc.received_at = vc.message_time;
        inc.from_addr = xstrdup(m->orig_from_addr ? m->orig_from_addr : m->from_addr);
        inc.from_name = xstrdup(m->orig_from_addr ? m->orig_from_name : m->from_name);
        inc.subject = xstrdup(m->subject);
        incident_evaluate(&inc, fuzz_tz);
        formread_info_free(&info);
        incident_free(&inc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The daemon reads up to max_message_size (25 MiB); past 1 MiB an
         * input only makes the fuzzer slower, not the reading different. */
        if (size > (1u << 20))
                return 0;
        const char *raw = (const char *)data;
        Message *m = NULL;
        char *why = NULL;
        if (message_parse(raw, size, NULL, &m, &why) < 0) {
                free(why);
                return 0;
        }
        read_record(m);
        if (m->auto_reason) {
                Bounce b;
                if (dsn_parse(raw, size, &b) == 1)
                        dsn_free(&b);
        }
        message_free(m);
        return 0;
}
