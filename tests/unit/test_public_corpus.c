/* test_public_corpus.c — real-world MIME that nobody here wrote, read the way
 * the daemon reads a message it fetched: first in the bounded worker
 * (guard.h, with ingest_read_trial, the worker's own reading), then by
 * ingest's path in this process: message_parse, the quarantine and
 * automatic-mail rules (ingest_refusal), the blank-form check, and the
 * reading and filing of a report (ingest_read_report, store_insert_incident,
 * newcase_queue_notices: the acknowledgement and the DPO's notice rendered).
 * Every message must get through the worker (no crash, no hang) and end as
 * one of: a report filed, a blank-form request, quarantined with a reason,
 * or automatic mail with its reason.  Each message with a sender that is
 * not automatic is also filed as a report from staff, whatever its sender,
 * so that every reader sees every message.
 *
 * The corpora are read where their Debian packages install them
 * (scripts/deps.sh installs both):
 *   libpython3.11-testsuite             Python's email package's test
 *                                       messages, test_email/data/msg_*.txt
 *   golang-github-jhillyerd-enmime-dev  enmime's test mail: testdata/mail,
 *                                       low-quality and parts, *.raw
 * $BREACHD_PUBLIC_CORPUS (directories separated by ':') takes their place;
 * a directory there contributes every regular file in it. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/guard.h"
#include "case/ingest.h"
#include "case/newcase.h"
#include "read/formrequest.h"
#include "read/message.h"
#include "fixture.h"
#include "tap.h"

#define PY_DATA "/usr/lib/python3.11/test/test_email/data"
#define ENMIME "/usr/share/gocode/src/github.com/jhillyerd/enmime/testdata"

typedef struct {
        const char *dir;
        const char *prefix, *suffix;  /* which files of dir; NULL: any */
        const char *package;
} Source;

static const Source sources[] = {
        {PY_DATA, "msg_", ".txt", "libpython3.11-testsuite"},
        {ENMIME "/mail", NULL, ".raw", "golang-github-jhillyerd-enmime-dev"},
        {ENMIME "/low-quality", NULL, ".raw", "golang-github-jhillyerd-enmime-dev"},
        {ENMIME "/parts", NULL, ".raw", "golang-github-jhillyerd-enmime-dev"},
};

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of dir that src selects, sorted; -errno when dir cannot be read. */
static int collect(const char *dir, const char *prefix, const char *suffix, StrList *out)
{
        DIR *d = opendir(dir);
        if (!d)
                return -errno;
        size_t first = out->n;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0)
                        continue;
                if (suffix && !str_endswith_ci(e->d_name, suffix))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, e->d_name);
                struct stat st;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
                        strlist_add(out, p);
        }
        closedir(d);
        qsort(out->v + first, out->n - first, sizeof *out->v, cmp_str);
        return 0;
}

typedef struct {
        unsigned report, blank_form, quarantine, automatic;
} Tally;

/* Files m as a new report, the way ingest.c's file_incident() does. */
static int file_report(Fixture *f, const IngestContext *ctx, const Message *m, int64_t received, char **ret_why)
{
        Incident inc;
        incident_init(&inc);
        FormreadInfo info;
        ingest_read_report(ctx, m, received, &inc, &info);
        char tok[25];
        random_token(tok, 24);
        inc.token = xstrdup(tok);
        struct tm lt;
        tz_utc_to_local(f->tz, received, &lt);
        int r = store_next_ref(f->store, f->cfg->reference_pattern, lt.tm_year + 1900, &inc.ref);
        if (r >= 0)
                r = store_insert_incident(f->store, &inc);
        if (r >= 0)
                r = newcase_queue_notices(f->store, f->cfg, f->tz, &inc, m, ret_why);
        if (r >= 0 && !inc.ref)
                r = -EINVAL;
        formread_info_free(&info);
        incident_free(&inc);
        return r;
}

/* One message: the worker's verdict, then ingest's path. */
static void run_one(Fixture *f, const IngestContext *ctx, Guard *g, const char *path, Tally *t)
{
        /* "parts/header-only.raw": enmime has files of one name in two folders. */
        const char *name = path;
        for (const char *p = path, *prev = NULL; (p = strchr(p, '/')); prev = p++)
                name = prev ? prev + 1 : path;
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        if (read_file(path, 64u << 20, &raw, &len) < 0) {
                tap_ok(false, "%s can be read", path);
                return;
        }
        const GuardItem *it = NULL;
        int r = guard_submit(g, raw, len, NULL);
        if (r >= 0)
                r = guard_next(g, &it);
        tap_ok(r >= 0 && it && it->verdict == 0 && !it->unguarded, "%s: read in the bounded worker, no crash or hang%s%s",
               name, it && it->why ? ": " : "", it && it->why ? it->why : "");
        if (r < 0 || !it || it->verdict != 0)
                return;

        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        if (message_parse(raw, len, NULL, &m, &why) < 0) {
                tap_ok(why && *why, "%s: quarantined with a reason (%s)", name, why ? why : "none");
                t->quarantine++;
                return;
        }
        int64_t received = m->date ? m->date : 1736179200;
        _cleanup_free_ char *refused = ingest_refusal(f->cfg, m);
        const char *outcome;
        if (refused && ingest_reason_automatic(refused)) {
                outcome = "automatic";
                t->automatic++;
        } else if (refused) {
                outcome = "quarantine";
                t->quarantine++;
        } else if (formrequest_detect(m, ctx->labels)) {
                outcome = "blank-form";
                t->blank_form++;
        } else {
                outcome = "report";
                t->report++;
        }
        tap_ok(!refused || *refused, "%s: %s%s%s", name, outcome, refused ? ": " : "", refused ? refused : "");
        if ((refused && ingest_reason_automatic(refused)) || !m->from_addr)
                return;
        /* As a report from staff, whatever the sender: every reader, the
         * register and the templates see the message (one without a
         * sender address is never filed, so it has nobody to answer). */
        _cleanup_free_ char *fail = NULL;
        r = store_begin(f->store);
        if (r >= 0)
                r = file_report(f, ctx, m, received, &fail);
        store_rollback(f->store);
        tap_ok(r >= 0, "%s: filed as a report, acknowledgement and notice rendered%s%s", name, fail ? ": " : "",
               fail ? fail : "");
}

int main(void)
{
        Fixture *f = fixture_new(NULL);
        tap_ok(f != NULL, "a fresh register");
        if (!f)
                return tap_done();
        StrList files = {0};
        const char *env = getenv("BREACHD_PUBLIC_CORPUS");
        if (env && *env) {
                _cleanup_free_ char *dirs = xstrdup(env);
                char *save = NULL;
                for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
                        tap_ok(collect(d, NULL, NULL, &files) == 0, "%s can be listed", d);
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
                        size_t before = files.n;
                        int r = collect(sources[i].dir, sources[i].prefix, sources[i].suffix, &files);
                        tap_ok(r == 0 && files.n > before, "%s: %zu messages (Debian package %s; make deps)",
                               sources[i].dir, files.n - before, sources[i].package);
                }
        }
        IngestContext ctx = {.cfg = f->cfg, .store = f->store, .tz = f->tz, .labels = ingest_labels_for(f->cfg)};
        Guard *g = NULL;
        TAP_INT_EQ(guard_new(NULL, ingest_read_trial, &ctx, &g), 0, "the bounded worker");
        Tally t = {0};
        for (size_t i = 0; g && i < files.n; i++)
                run_one(f, &ctx, g, files.v[i], &t);
        guard_free(g);
        form_labels_free((FormLabels *)ctx.labels);
        printf("# %zu messages: %u reports, %u blank-form requests, %u quarantined, %u automatic\n", files.n,
               t.report, t.blank_form, t.quarantine, t.automatic);
        TAP_INT_EQ((int)(t.report + t.blank_form + t.quarantine + t.automatic), (int)files.n,
                   "every message ended somewhere");
        strlist_free(&files);
        tap_ok(fixture_free(f) == 0, "temporary directory removed");
        return tap_done();
}
