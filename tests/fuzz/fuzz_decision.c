/* fuzz_decision.c — the libFuzzer harness over the DPO's reply grammar
 * (src/case/decision.c): the text of a reply, as decision_handle_reply() hands
 * it on once the quotes are gone,
 *
 *   decision_parse → decision_key, decision_value (every command's values:
 *   choices, severities, ICO references, actions with owner and due date,
 *   decision_parse_due) → decision_cmds_decide,
 *
 * and what the commands then do to a case: decision_apply against a filed
 * incident (the rules of check_case, the assessment, notes, actions, audit
 * rows and reminder schedule written by write_case), and the assessment as
 * the DPO's mail shows it (decision_assessment_text).  The input's first
 * line is also read as a subject and as an address for tokens
 * (decision_tokens_in_subject, decision_token_in_address).
 *
 * The register is a scratch one (fuzz_common.h) holding one open incident
 * with one open action; each input's changes are rolled back, and the
 * clock is fixed, after the 72 hours, so runs are repeatable. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "case/decision.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Config *fzd_cfg;
static Tz *fzd_tz;
static Store *fzd_store;
static int64_t fzd_incident;

/* 2026-01-05 09:00 UTC aware; the DPO answers on the 9th, after the
 * deadline. */
#define FZD_AWARE ((int64_t)1767603600)
#define FZD_NOW (FZD_AWARE + 4 * 86400)

static int fzd_file(Store *s, void *userdata)
{
        (void)userdata;
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2026001");
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        inc.received_at = FZD_AWARE + 3600;
        inc.filed_at = inc.received_at;
        inc.aware_at = FZD_AWARE;
        inc.deadline_at = FZD_AWARE + 72 * 3600;
        inc.from_addr = xstrdup("reporter@example.test");
        inc.subject = xstrdup("Laptop lost");
        int r = store_begin(s);
        if (r >= 0)
                r = store_insert_incident(s, &inc);
        fzd_incident = inc.id;
        int64_t n = 0;
        if (r >= 0)
                r = store_action_add(s, inc.id, "Retrain the team", "J Bloggs", "2026-03-31", "dpo@example.test",
                                     FZD_AWARE + 7200, &n);
        if (r >= 0)
                r = store_commit(s);
        incident_free(&inc);
        return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fz_setup(&fzd_cfg, &fzd_tz);
        fzd_store = fz_store_open(fzd_file, NULL);
        return 0;
}

static void fzd_tokens(const char *data, size_t size)
{
        size_t n = 0;
        while (n < size && n < 998 && data[n] != '\n' && data[n])
                n++;
        _cleanup_free_ char *first = xstrndup(data, n);
        StrList refs = {0}, tokens = {0};
        decision_tokens_in_subject(first, &refs, &tokens);
        if (refs.n != tokens.n)
                abort();
        strlist_free(&refs);
        strlist_free(&tokens);
        char *ref = NULL, *token = NULL;
        if (decision_token_in_address(first, "breach@example.test", &ref, &token) == 0) {
                free(ref);
                free(token);
        }
}

static void fzd_apply(const DecisionCmds *cmds)
{
        DecisionEnv env = {.store = fzd_store, .cfg = fzd_cfg, .tz = fzd_tz, .actor = "dpo@example.test",
                           .now = FZD_NOW};
        StrList changes = {0}, errors = {0};
        if (store_begin(fzd_store) < 0)
                abort();
        int r = decision_apply(&env, fzd_incident, cmds, &changes, &errors);
        if (r == 0) {
                Assessment a;
                if (store_load_assessment(fzd_store, fzd_incident, &a) == 0) {
                        free(decision_assessment_text(&a, true));
                        free(decision_assessment_text(&a, false));
                        assessment_free(&a);
                }
        } else if (r != -EINVAL) {
                abort();   /* a database error from a reply's text */
        }
        store_rollback(fzd_store);
        strlist_free(&changes);
        strlist_free(&errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A reply's own words past 64 KiB make the fuzzer slower, not the
         * reading different. */
        if (size > (64u << 10))
                return 0;
        const char *raw = (const char *)data;
        fzd_tokens(raw, size);
        _cleanup_free_ char *text = xstrndup(raw, size);
        DecisionCmds cmds = {0};
        StrList errors = {0};
        size_t n = decision_parse(text, &cmds, &errors);
        if (n != cmds.n)
                abort();
        (void)decision_cmds_decide(&cmds);
        if (cmds.n && !errors.n)
                fzd_apply(&cmds);
        decision_cmds_free(&cmds);
        strlist_free(&errors);
        return 0;
}
