/* fuzz_followup.c — the libFuzzer harness over follow-up merging
 * (src/case/followup.c): a reply about a filed incident, applied to it,
 *
 *   followup_apply: reading_form + values_interpret of the reply, the
 *   merge (same_answer, a fill or a change per field, fallbacks dropped
 *   and worked out again), incident_evaluate, the incident rewritten with
 *   its audit rows (store_update_incident_fields), change_lines, and the
 *   confirmation and DPO notice rendered, composed and queued.
 *
 * The input is the text of the reply: the plain-text body of a message
 * made here, not parsed (the message harness fuzzes the parsing), from the
 * reporter, a day after the report.  The incident it follows up is filed
 * once, from a report that answers some questions, answers two unclearly
 * (the directorate, the number of records) and leaves the reporter's name
 * and the number of people to fallbacks, so that every kind of merge is
 * one reply away.  The register is a scratch one (fuzz_common.h); each
 * input is applied in a transaction that is rolled back. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "case/followup.h"
#include "fuzz_common.h"
#include "case/ingest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Config *fzf_cfg;
static Tz *fzf_tz;
static Store *fzf_store;
static FormLabels *fzf_labels;

/* 2025-02-06 09:58 UTC */
#define FZF_RECEIVED ((int64_t)1738835880)

static int64_t fzf_incident;

/* tests/corpora/good/followups/incomplete-report.eml, with two answers
 * made unclear. */
static char fzf_report[] =
        "Contact details: alan.reed@example.test\n"
        "Directorate: the one upstairs\n"
        "The nature of the personal data breach: A business rates refund letter was sent to the previous "
        "occupier of the premises.\n"
        "When did this occur (Date)? 20/01/2025\n"
        "How did the personal data breach occur? The account had not been updated after the change of occupier.\n"
        "How many personal data records are concerned? loads\n"
        "Which individuals are affected? One ratepayer (sole trader)\n";

/* A message as message_parse() would leave a plain-text mail. */
static void fzf_message(Message *m, MessageBody *body, char *text, const char *subject, int64_t date,
                        const char *message_id, const char *in_reply_to)
{
        memset(m, 0, sizeof *m);
        memset(body, 0, sizeof *body);
        body->kind = BODY_TEXT;
        body->src.text = text;
        m->bodies = body;
        m->n_bodies = 1;
        m->message_id = (char *)message_id;
        m->key = (char *)message_id;
        m->from_addr = (char *)"alan.reed@example.test";
        m->from_name = (char *)"Alan Reed";
        m->subject = (char *)subject;
        m->date = date;
        m->in_reply_to = (char *)in_reply_to;
}

static int fzf_file(Store *s, void *userdata)
{
        IngestContext ctx = {.cfg = fzf_cfg, .store = s, .tz = fzf_tz, .labels = fzf_labels};
        Message m;
        MessageBody body;
        fzf_message(&m, &body, fzf_report, "Breach - refund letter sent to wrong address", FZF_RECEIVED,
                    "incomplete-0001@example.test", NULL);
        Incident inc;
        incident_init(&inc);
        FormreadInfo info;
        ingest_read_report(&ctx, &m, FZF_RECEIVED, &inc, &info);
        inc.filed_at = FZF_RECEIVED;
        inc.ref = xstrdup("DB2025001");
        inc.token = xstrdup("abcdefghijkmnpqrstuvwxyz");
        int r = store_begin(s);
        if (r >= 0)
                r = store_insert_incident(s, &inc);
        if (r >= 0)
                r = store_commit(s);
        fzf_incident = inc.id;
        formread_info_free(&info);
        incident_free(&inc);
        (void)userdata;
        return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fz_setup(&fzf_cfg, &fzf_tz);
        fzf_labels = ingest_labels_for(fzf_cfg);
        fzf_store = fz_store_open(fzf_file, NULL);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > (64u << 10))
                return 0;
        _cleanup_free_ char *reply = xstrndup((const char *)data, size);
        IngestContext ctx = {.cfg = fzf_cfg, .store = fzf_store, .tz = fzf_tz, .labels = fzf_labels};
        Message m;
        MessageBody body;
        fzf_message(&m, &body, reply, "Re: [DB2025001] Breach - refund letter sent to wrong address",
                    FZF_RECEIVED + 86400, "reply@example.test", "incomplete-0001@example.test");
        if (store_begin(fzf_store) < 0)
                abort();
        FollowupResult res = {0};
        char *why = NULL;
        int r = followup_apply(&ctx, fzf_incident, &m, FZF_RECEIVED + 86400, &res, &why);
        if (r < 0) {
                fprintf(stderr, "followup_apply: %s\n", why ? why : strerror(-r));
                abort();   /* neither a template nor the register may fail on a reply's text */
        }
        free(why);
        followup_result_free(&res);
        store_rollback(fzf_store);
        return 0;
}
