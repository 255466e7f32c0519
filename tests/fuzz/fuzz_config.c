/* fuzz_config.c — the libFuzzer harness over configuration parsing
 * (src/base/config.c): the text of a breachd.conf,
 *
 *   config_parse (libconfig's reader, then every check of config_load:
 *   unknown keys, types and ranges, servers, TLS and authentication,
 *   addresses and domains, directorates and their abbreviations,
 *   reminders, sizes, extra labels, the time zone, the reference pattern;
 *   every error collected and sorted), or for an accepted file
 *   config_is_staff_address and config_is_dpo_address on a few addresses
 *   and the form labels it makes (ingest_labels_for).
 *
 * The text is parsed from memory: config_load() differs only in reading a
 * file first.  An input with "@include" is passed over: it would make
 * libconfig read whatever file it names, which is the admin's to choose
 * and not the parser under test. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/form.h"
#include "fuzz_common.h"
#include "case/ingest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 (Debian 12) leaks the text of a string where the grammar
 * expects none ('"x"' at the top level): bison discards the token without
 * freeing it.  Fixed upstream in libconfig 1.7.3 (hyperrealm/libconfig
 * #142, #155); a few bytes per refused file, and not ours to fix.  LeakSanitizer
 * reads this when the harness is built with it; elsewhere it is unused. */
const char *__lsan_default_suppressions(void)
{
        return "leak:libconfig.so\n";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        log_set_level(LOG_ERR);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > (64u << 10))
                return 0;
        _cleanup_free_ char *text = xstrndup((const char *)data, size);
        if (strcasestr(text, "@include"))
                return 0;
        Config *c = NULL;
        char *errors = NULL;
        int r = config_parse(text, "fuzz.conf", &c, &errors);
        if (r < 0) {
                if (!errors || r != -EINVAL)
                        abort();   /* a refusal always says why */
                free(errors);
                return 0;
        }
        if (errors)
                abort();
        static const char *const addrs[] = {"dpo@example.test", "jo@school.example.test", "x@", "", "@", "a@b.",
                                            "jo@EXAMPLE.TEST."};
        for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
                (void)config_is_staff_address(c, addrs[i]);
                (void)config_is_dpo_address(c, addrs[i]);
        }
        for (size_t i = 0; i < c->dpo.n; i++)
                if (!config_is_dpo_address(c, c->dpo.v[i]))
                        abort();
        form_labels_free(ingest_labels_for(c));
        config_free(c);
        return 0;
}
