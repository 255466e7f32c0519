/* test_corpus.c — runs every message of tests/corpora through the daemon's
 * own reading path and compares what it makes of it with the expected
 * result beside it (NAME.eml → NAME.expect; tests/corpora/README).
 *
 * The path is the one ingest.c takes: message_parse, ingest_refusal (the
 * quarantine rules), the follow-up check and followup_apply (or, for a
 * second copy of the parent report, followup_apply_copy) when the
 * .expect names a parent report, the blank-form check, and for a report
 * ingest_read_report (formread_message, values_interpret, incident_evaluate).
 * Each line of an .expect file is one TAP line.
 *
 * The corpus directory is argv[1], else $BREACHD_CORPUS, else tests/corpora
 * of the source tree ($BREACHD_SRCDIR, which tests/run.sh sets, else found
 * from the working directory, this file's name or the program's path).  Each message is read with the nearest
 * corpus.conf (in its directory or one above it). */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case/followup.h"
#include "case/ingest.h"
#include "case/newcase.h"
#include "notices/notices.h"
#include "read/formrequest.h"
#include "read/message.h"
#include "register/store-internal.h"
#include "register/store.h"
#include "tap.h"
#include "notices/template.h"

/* ---- finding the corpus ------------------------------------------------ */

static bool is_dir(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *corpus_root(int argc, char **argv)
{
        if (argc > 1)
                return xstrdup(argv[1]);
        const char *env = getenv("BREACHD_CORPUS");
        if (env && *env)
                return xstrdup(env);
        const char *srcdir = getenv("BREACHD_SRCDIR");
        if (srcdir && *srcdir)
                return xasprintf("%s/tests/corpora", srcdir);
        if (is_dir("tests/corpora"))
                return xstrdup("tests/corpora");
        const char *slash = strrchr(__FILE__, '/');
        if (slash) {
                char *p = xasprintf("%.*s/../corpora", (int)(slash - __FILE__), __FILE__);
                if (is_dir(p))
                        return p;
                free(p);
        }
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
                exe[n] = 0;
                slash = strrchr(exe, '/');
                return xasprintf("%.*s/../../tests/corpora", (int)(slash - exe), exe);
        }
        return xstrdup("tests/corpora");
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.eml under dir, recursively, sorted. */
static void collect(const char *dir, StrList *out, unsigned depth)
{
        DIR *d = opendir(dir);
        if (!d || depth > 8) {
                if (d)
                        closedir(d);
                return;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, e->d_name);
                if (is_dir(p))
                        collect(p, out, depth + 1);
                else if (str_endswith_ci(e->d_name, ".eml"))
                        strlist_add(out, p);
        }
        closedir(d);
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
}

/* ---- configurations ---------------------------------------------------- */

typedef struct {
        char *path;
        Config *cfg;
        Tz *tz;
        FormLabels *labels;
} Setup;

typedef struct {
        char *root;
        Setup *setups;
        size_t n_setups;
        char *tmpdir;
        unsigned n_stores;
} Corpus;

static const Setup *setup_load(Corpus *c, const char *path)
{
        for (size_t i = 0; i < c->n_setups; i++)
                if (!strcmp(c->setups[i].path, path))
                        return c->setups[i].cfg ? &c->setups[i] : NULL;
        c->setups = xrealloc(c->setups, (c->n_setups + 1) * sizeof *c->setups);
        Setup *s = &c->setups[c->n_setups++];
        memset(s, 0, sizeof *s);
        s->path = xstrdup(path);
        _cleanup_free_ char *errors = NULL;
        int r = config_load(path, &s->cfg, &errors);
        tap_ok(r == 0, "%s loads", path);
        if (r < 0) {
                printf("#   %s\n", errors ? errors : strerror(-r));
                return NULL;
        }
        if (tz_open(s->cfg->timezone, &s->tz) < 0) {
                tap_ok(0, "%s: time zone %s", path, s->cfg->timezone);
                config_free(s->cfg);
                s->cfg = NULL;
                return NULL;
        }
        s->labels = ingest_labels_for(s->cfg);
        return s;
}

/* The corpus.conf nearest to the message file. */
static const Setup *setup_for(Corpus *c, const char *file)
{
        _cleanup_free_ char *dir = xstrdup(file);
        for (;;) {
                char *slash = strrchr(dir, '/');
                if (!slash)
                        break;
                *slash = 0;
                _cleanup_free_ char *p = xasprintf("%s/corpus.conf", dir);
                if (access(p, F_OK) == 0)
                        return setup_load(c, p);
        }
        tap_ok(0, "%s: no corpus.conf in its directory or above", file);
        return NULL;
}

static void corpus_free(Corpus *c)
{
        for (size_t i = 0; i < c->n_setups; i++) {
                free(c->setups[i].path);
                config_free(c->setups[i].cfg);
                tz_free(c->setups[i].tz);
                form_labels_free(c->setups[i].labels);
        }
        free(c->setups);
        free(c->root);
        if (c->tmpdir)
                rmdir(c->tmpdir);
        free(c->tmpdir);
}

/* ---- expectations ------------------------------------------------------ */

typedef struct {
        char *key, *value;
        unsigned line;
} Expect;

typedef struct {
        Expect *v;
        size_t n;
} Expects;

/* "\n" in a value is a line break, "\\" a backslash, "\t" a TAB. */
static char *unescape(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (; *s; s++) {
                if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
                        s++;
                        buf_putc(&b, *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\');
                } else {
                        buf_putc(&b, *s);
                }
        }
        return buf_steal(&b);
}

static int expects_read(const char *path, Expects *ret)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file(path, 1 << 20, &text, &len);
        if (r < 0)
                return r;
        unsigned line = 0;
        for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                line++;
                char *t = str_trim(p);
                if (!*t || *t == '#')
                        continue;
                char *colon = strchr(t, ':');
                if (!colon) {
                        printf("# %s:%u: no \"key: value\"\n", path, line);
                        return -EINVAL;
                }
                *colon = 0;
                ret->v = xrealloc(ret->v, (ret->n + 1) * sizeof *ret->v);
                ret->v[ret->n++] = (Expect){xstrdup(str_trim(t)), unescape(str_trim(colon + 1)), line};
        }
        return 0;
}

static void expects_free(Expects *e)
{
        for (size_t i = 0; i < e->n; i++) {
                free(e->v[i].key);
                free(e->v[i].value);
        }
        free(e->v);
}

static const char *expect_get(const Expects *e, const char *key)
{
        for (size_t i = 0; i < e->n; i++)
                if (!strcmp(e->v[i].key, key))
                        return e->v[i].value;
        return NULL;
}

/* ---- running one message ------------------------------------------------ */

typedef struct {
        const char *disposition;   /* report, quarantine, automatic, followup, blank-form */
        char *reason;
        bool have_inc;
        Incident inc;
        FormreadInfo info;
        FollowupResult fu;
        char *mail;                /* the reply breachd writes: ack, confirmation or blank form */
        StrList outbox;            /* kinds of mail a follow-up queued */
} Outcome;

static void outcome_free(Outcome *o)
{
        free(o->reason);
        incident_free(&o->inc);
        formread_info_free(&o->info);
        followup_result_free(&o->fu);
        free(o->mail);
        strlist_free(&o->outbox);
}

static int64_t received_time(const Expects *e, const Message *m)
{
        const char *t = expect_get(e, "received");
        int64_t when = 0;
        if (t && parse_iso_utc(t, &when) == 0)
                return when;
        return m->date ? m->date : 1736179200; /* 2025-01-06T16:00:00Z */
}

static int read_message(const char *path, Message **ret, char **ret_why)
{
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        int r = read_file(path, 64u << 20, &raw, &len);
        if (r < 0) {
                *ret_why = xasprintf("cannot read %s: %s", path, strerror(-r));
                return r;
        }
        return message_parse(raw, len, NULL, ret, ret_why);
}

static void render_ack(const Setup *su, Outcome *o)
{
        if (!o->inc.ref)
                o->inc.ref = xstrdup("DB2025000");
        TemplateVars v = {0};
        notices_incident_vars(su->cfg, su->tz, &o->inc, o->inc.received_at, &v);
        Rendered out = {0};
        _cleanup_free_ char *why = NULL;
        if (template_render_file(su->cfg->templates_dir, "ack", &v, &out, &why) == 0)
                o->mail = xasprintf("Subject: %s\n\n%s", out.subject, out.body);
        rendered_free(&out);
        tvars_free(&v);
}

/* Files path as a new report in s, the way ingest does, acknowledgement
 * and DPO notice included. */
static int file_parent(const Setup *su, const IngestContext *ctx, const char *path, uint32_t uid)
{
        _cleanup_message_ Message *m = NULL;
        _cleanup_free_ char *why = NULL;
        int r = read_message(path, &m, &why);
        if (r < 0) {
                printf("#   parent %s: %s\n", path, why);
                return r;
        }
        Incident inc;
        incident_init(&inc);
        FormreadInfo info;
        int64_t received = m->date ? m->date : 1736179200;
        ingest_read_report(ctx, m, received, &inc, &info);
        struct tm lt;
        tz_utc_to_local(su->tz, received, &lt);
        char tok[25];
        random_token(tok, 24);
        inc.token = xstrdup(tok);
        r = store_next_ref(ctx->store, su->cfg->reference_pattern, lt.tm_year + 1900, &inc.ref);
        if (r >= 0)
                r = store_insert_incident(ctx->store, &inc);
        if (r >= 0) {
                IngestOriginal orig;
                ingest_original(ctx, m, received, &orig);
                StoredMessage sm = {.mailbox = "INBOX", .uidvalidity = 1, .uid = uid, .key = m->key,
                                    .message_id = m->orig_message_id ? m->orig_message_id : m->message_id,
                                    .from_addr = m->from_addr, .subject = m->subject, .received_at = received,
                                    .incident_id = inc.id, .disposition = DISP_REPORT, .orig_from = orig.from,
                                    .orig_at = orig.at, .orig_subject = orig.subject,
                                    .orig_message_id = orig.message_id};
                r = store_add_message(ctx->store, &sm);
                ingest_original_free(&orig);
        }
        if (r >= 0) {
                r = newcase_queue_notices(ctx->store, su->cfg, su->tz, &inc, m, &why);
                if (r < 0)
                        printf("#   parent %s: %s\n", path, why);
        }
        formread_info_free(&info);
        incident_free(&inc);
        return r;
}

static int kind_row(StoreRow *row, void *userdata)
{
        strlist_add(userdata, store_col_str(row, 0));
        return 0;
}

static void outbox_kinds(Store *s, int64_t after, StrList *out)
{
        store_query_once(s, "SELECT kind FROM outbox WHERE id > ? ORDER BY id", STORE_VALUES(SV_INT(after)), kind_row,
                         out);
}

static int body_row(StoreRow *row, void *userdata)
{
        char **r = userdata;
        size_t len = 0;
        const void *p = store_col_blob(row, 0, &len);
        free(*r);
        *r = xstrndup(p ? p : "", len);
        return -1;   /* the first row only */
}

static char *last_mail_body(Store *s)
{
        char *r = NULL;
        store_query_once(s, "SELECT data FROM outbox WHERE kind NOT IN ('dpo_update', 'calendar_update', "
                            "'calendar_cancel') ORDER BY id DESC LIMIT 1", NULL, 0, body_row, &r);
        return r;
}

/* The follow-up path: the parent report is filed in a fresh register, then
 * the message is matched to it and applied.  Returns 1 when it was a
 * follow-up, 0 when it matched no incident, < 0 on a setup failure. */
static int run_followup(Corpus *c, const Setup *su, const char *file, const char *parent, const Message *m,
                        int64_t received, Outcome *o)
{
        _cleanup_free_ char *db = xasprintf("%s/corpus-%u.db", c->tmpdir, c->n_stores++);
        _cleanup_free_ char *dir = xstrdup(file);
        char *slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        _cleanup_free_ char *ppath = xasprintf("%s/%s", dir, parent);
        Store *s = NULL;
        int r = store_open(db, &s);
        if (r < 0)
                return r;
        IngestContext ctx = {.cfg = su->cfg, .store = s, .tz = su->tz, .labels = su->labels};
        int64_t id = 0, mark = 0;
        r = file_parent(su, &ctx, ppath, 1);
        if (r >= 0)
                store_query_int64(s, "SELECT COALESCE(MAX(id), 0) FROM outbox", &mark);
        if (r >= 0)
                r = ingest_find_followup(s, m, &id);
        if (r == 0)
                r = ingest_find_pasted_copy(&ctx, m, &id);
        if (r > 0) {
                _cleanup_free_ char *why = NULL;
                r = r == INGEST_SECOND_COPY ? followup_apply_copy(&ctx, id, m, received, &o->fu, &why)
                                            : followup_apply(&ctx, id, m, received, &o->fu, &why);
                if (r < 0)
                        printf("#   followup_apply: %s\n", why ? why : strerror(-r));
                else
                        r = 1;
        }
        if (r > 0) {
                o->disposition = "followup";
                outbox_kinds(s, mark, &o->outbox);
                o->mail = last_mail_body(s);
                o->have_inc = store_load_incident(s, o->fu.ref, &o->inc) == 0;
        }
        store_close(s);
        unlink(db);
        _cleanup_free_ char *wal = xasprintf("%s-wal", db), *shm = xasprintf("%s-shm", db);
        unlink(wal);
        unlink(shm);
        return r;
}

static void run_one(Corpus *c, const Setup *su, const char *file, const Expects *e, Outcome *o)
{
        _cleanup_message_ Message *m = NULL;
        char *why = NULL;
        if (read_message(file, &m, &why) < 0) {
                o->disposition = "quarantine";
                o->reason = why;
                return;
        }
        if ((o->reason = ingest_refusal(su->cfg, m))) {
                o->disposition = ingest_reason_automatic(o->reason) ? "automatic" : "quarantine";
                return;
        }
        int64_t received = received_time(e, m);
        const char *parent = expect_get(e, "parent");
        if (parent) {
                int r = run_followup(c, su, file, parent, m, received, o);
                if (r < 0)
                        o->disposition = "(follow-up setup failed)";
                if (r != 0)
                        return;
        }
        if (formrequest_detect(m, su->labels)) {
                o->disposition = "blank-form";
                return;
        }
        IngestContext ctx = {.cfg = su->cfg, .tz = su->tz, .labels = su->labels};
        incident_init(&o->inc);
        ingest_read_report(&ctx, m, received, &o->inc, &o->info);
        o->have_inc = true;
        o->disposition = "report";
        render_ack(su, o);
}

/* ---- checks -------------------------------------------------------------- */

static const char *field_value(const FieldValue *v)
{
        return v->state == FV_OK && v->canon ? v->canon : v->text;
}

/* Set equality of comma-separated lists, order and spaces ignored. */
static bool same_set(const char *want, const StrList *got)
{
        StrList w = {0};
        _cleanup_free_ char *copy = xstrdup(want);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (*str_trim(t))
                        strlist_add(&w, str_trim(t));
        bool eq = w.n == got->n;
        for (size_t i = 0; eq && i < w.n; i++)
                eq = strlist_contains(got, w.v[i]);
        strlist_free(&w);
        return eq;
}

static void check_set(const char *name, const Expect *x, const StrList *got)
{
        bool ok = same_set(x->value, got);
        tap_ok(ok, "%s: %s is {%s}", name, x->key, x->value);
        if (!ok) {
                _cleanup_free_ char *g = strlist_join(got, ",");
                printf("#   got:  {%s}\n", g);
        }
}

static const FieldDef *field_of(const char *name, const Expect *x, const char *prefix)
{
        const FieldDef *f = form_field_by_key(x->key + strlen(prefix));
        if (!f)
                tap_ok(0, "%s: line %u: no field %s", name, x->line, x->key + strlen(prefix));
        return f;
}

/* A value as one line of TAP output: line breaks shown as \n. */
static char *one_line(const char *s)
{
        Buf b = {0};
        buf_puts(&b, "");
        for (; *s; s++)
                buf_puts(&b, *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : (char[]){*s, 0});
        return buf_steal(&b);
}

static bool want_yes(const char *v)
{
        return !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1");
}

static const char *state_name(FieldState s)
{
        return s == FV_OK ? "ok" : s == FV_UNCLEAR ? "unclear" : "absent";
}

static bool check_field(const char *name, const Expect *x, const Outcome *o)
{
        const Incident *inc = &o->inc;
        const FieldDef *f;
        if (str_startswith(x->key, "field.")) {
                if (!(f = field_of(name, x, "field.")))
                        return true;
                const char *got = field_value(&inc->form.f[f->id]);
                TAP_STR_EQ(got, *x->value ? x->value : NULL, "%s: %s", name, x->key);
        } else if (str_startswith(x->key, "text.")) {
                if (!(f = field_of(name, x, "text.")))
                        return true;
                TAP_STR_EQ(inc->form.f[f->id].text, *x->value ? x->value : NULL, "%s: %s", name, x->key);
        } else if (str_startswith(x->key, "contains.")) {
                if (!(f = field_of(name, x, "contains.")))
                        return true;
                const char *t = inc->form.f[f->id].text;
                _cleanup_free_ char *shown = one_line(x->value);
                tap_ok(t && strstr(t, x->value), "%s: %s \"%s\"", name, x->key, shown);
                if (!(t && strstr(t, x->value)))
                        printf("#   got: %s\n", t ? t : "NULL");
        } else if (str_startswith(x->key, "starts.")) {
                if (!(f = field_of(name, x, "starts.")))
                        return true;
                const char *t = inc->form.f[f->id].text;
                _cleanup_free_ char *shown = one_line(x->value);
                tap_ok(t && str_startswith(t, x->value), "%s: %s \"%s\"", name, x->key, shown);
                if (!(t && str_startswith(t, x->value)))
                        printf("#   got: %s\n", t ? t : "NULL");
        } else if (str_startswith(x->key, "state.")) {
                if (!(f = field_of(name, x, "state.")))
                        return true;
                TAP_STR_EQ(state_name(inc->form.f[f->id].state), x->value, "%s: %s", name, x->key);
        } else if (str_startswith(x->key, "count.")) {
                if (!(f = field_of(name, x, "count.")))
                        return true;
                TAP_INT_EQ(inc->form.f[f->id].count, strtoll(x->value, NULL, 10), "%s: %s", name, x->key);
        } else if (str_startswith(x->key, "approx.")) {
                if (!(f = field_of(name, x, "approx.")))
                        return true;
                TAP_INT_EQ(inc->form.f[f->id].approx, want_yes(x->value), "%s: %s", name, x->key);
        } else if (str_startswith(x->key, "at_least.")) {
                if (!(f = field_of(name, x, "at_least.")))
                        return true;
                TAP_INT_EQ(inc->form.f[f->id].at_least, want_yes(x->value), "%s: %s", name, x->key);
        } else {
                return false;
        }
        return true;
}

static bool check_record(const char *name, const Expect *x, const Outcome *o)
{
        const Incident *inc = &o->inc;
        _cleanup_free_ char *shown = one_line(x->value);
        if (!strcmp(x->key, "missing"))
                check_set(name, x, &inc->missing);
        else if (!strcmp(x->key, "unclear"))
                check_set(name, x, &inc->unclear);
        else if (!strcmp(x->key, "notes"))
                TAP_INT_EQ(inc->form.notes.n, strtoll(x->value, NULL, 10), "%s: notes", name);
        else if (!strcmp(x->key, "note")) {
                bool found = false;
                for (size_t i = 0; i < inc->form.notes.n && !found; i++)
                        found = strstr(inc->form.notes.v[i], x->value) != NULL;
                tap_ok(found, "%s: a note says \"%s\"", name, shown);
        } else if (!strcmp(x->key, "absent")) {
                StrList given = {0};
                _cleanup_free_ char *copy = xstrdup(x->value);
                char *save = NULL;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        const FieldDef *f = form_field_by_key(str_trim(t));
                        if (!f || inc->form.f[f->id].text)
                                strlist_add(&given, str_trim(t));
                }
                _cleanup_free_ char *g = strlist_join(&given, ",");
                tap_ok(given.n == 0, "%s: not given: %s", name, x->value);
                if (given.n)
                        printf("#   given (or no such field): %s\n", g);
                strlist_free(&given);
        } else if (!strcmp(x->key, "forwarded_by"))
                TAP_STR_EQ(inc->forwarded_by, *x->value ? x->value : NULL, "%s: forwarded_by", name);
        else if (!strcmp(x->key, "from"))
                TAP_STR_EQ(inc->from_addr, *x->value ? x->value : NULL, "%s: from", name);
        else if (!strcmp(x->key, "from_name"))
                TAP_STR_EQ(inc->from_name, *x->value ? x->value : NULL, "%s: from_name", name);
        else if (!strcmp(x->key, "late"))
                TAP_INT_EQ(inc->late, want_yes(x->value), "%s: late", name);
        else if (!strcmp(x->key, "fallbacks"))
                check_set(name, x, &inc->fallbacks);
        else if (!strcmp(x->key, "deadline")) {
                char t[32];
                fmt_iso_utc(inc->deadline_at, t);
                TAP_STR_EQ(t, x->value, "%s: deadline", name);
        } else if (!strcmp(x->key, "free_text"))
                TAP_INT_EQ(o->info.free_text, want_yes(x->value), "%s: free_text", name);
        else
                return check_field(name, x, o);
        return true;
}

static void check_one(const char *name, const Expect *x, const Outcome *o)
{
        _cleanup_free_ char *shown = one_line(x->value);
        if (!strcmp(x->key, "received") || !strcmp(x->key, "parent"))
                return;
        if (!strcmp(x->key, "disposition")) {
                TAP_STR_EQ(o->disposition, x->value, "%s: disposition", name);
                if (o->reason && strcmp(o->disposition, x->value))
                        printf("#   reason: %s\n", o->reason);
                return;
        }
        if (!strcmp(x->key, "reason")) {
                tap_ok(o->reason && strstr(o->reason, x->value), "%s: reason says \"%s\"", name, shown);
                return;
        }
        if (!strcmp(x->key, "mail")) {
                bool ok = o->mail && strstr(o->mail, x->value);
                tap_ok(ok, "%s: the reply says \"%s\"", name, shown);
                if (!ok)
                        printf("#   reply:\n%s\n", o->mail ? o->mail : "(none)");
                return;
        }
        if (!strcmp(x->key, "changed") || !strcmp(x->key, "filled") || !strcmp(x->key, "outbox")) {
                const StrList *l = !strcmp(x->key, "changed") ? &o->fu.changed
                                   : !strcmp(x->key, "filled") ? &o->fu.filled : &o->outbox;
                check_set(name, x, l);
                return;
        }
        if (!o->have_inc) {
                tap_ok(0, "%s: %s (nothing was filed to check it on)", name, x->key);
                return;
        }
        if (!check_record(name, x, o))
                tap_ok(0, "%s: line %u: unknown expectation \"%s\"", name, x->line, x->key);
}

static void run_file(Corpus *c, const char *file)
{
        const char *name = file + strlen(c->root) + (file[strlen(c->root)] == '/');
        _cleanup_free_ char *xpath = xasprintf("%.*s.expect", (int)(strlen(file) - 4), file);
        Expects e = {0};
        int r = expects_read(xpath, &e);
        if (r < 0 || e.n == 0) {
                tap_ok(0, "%s: has a readable, non-empty %s", name, xpath);
                expects_free(&e);
                return;
        }
        const Setup *su = setup_for(c, file);
        if (su) {
                Outcome o = {0};
                incident_init(&o.inc);
                run_one(c, su, file, &e, &o);
                for (size_t i = 0; i < e.n; i++)
                        check_one(name, &e.v[i], &o);
                outcome_free(&o);
        }
        expects_free(&e);
}

int main(int argc, char **argv)
{
        Corpus c = {.root = corpus_root(argc, argv)};
        size_t n = strlen(c.root);
        while (n > 1 && c.root[n - 1] == '/')
                c.root[--n] = 0;
        const char *base = getenv("BREACHD_TEST_TMP");
        c.tmpdir = xasprintf("%s/corpus.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(c.tmpdir)) {
                free(c.tmpdir);
                c.tmpdir = NULL;
        }
        StrList files = {0};
        collect(c.root, &files, 0);
        tap_ok(files.n > 0 && c.tmpdir, "corpus %s has messages (%zu)", c.root, files.n);
        for (size_t i = 0; i < files.n; i++)
                run_file(&c, files.v[i]);
        strlist_free(&files);
        corpus_free(&c);
        return tap_done();
}
