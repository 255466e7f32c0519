/* ctl_case.c — see ctl_case.h. */
#include "ctl/ctl_case.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "case/decision.h"

typedef struct {
        const char *by, *reason, *ico_ref, *delay_reason, *owner, *due;
} CaseOpts;

/* Reads the options in `allowed` (their short letters) wherever they stand
 * among the arguments; *ret_first is the index of the first other one. */
static int case_options(int argc, char **argv, const char *allowed, const char *usage, CaseOpts *o, int *ret_first)
{
        static const struct option opts[] = {
                {"by", required_argument, NULL, 'b'},           {"reason", required_argument, NULL, 'r'},
                {"ico-ref", required_argument, NULL, 'i'},      {"delay-reason", required_argument, NULL, 'd'},
                {"owner", required_argument, NULL, 'o'},        {"due", required_argument, NULL, 'D'},
                {NULL, 0, NULL, 0},
        };
        *o = (CaseOpts){0};
        optind = 0;
        int ch;
        while ((ch = getopt_long(argc, argv, "b:r:", opts, NULL)) != -1) {
                if (ch == '?' || !strchr(allowed, ch)) {
                        if (ch != '?')
                                fprintf(stderr, "breachctl %s: option %s does not apply\n", argv[0],
                                        argv[optind - 1]);
                        fprintf(stderr, "usage: breachctl %s\n", usage);
                        return -EINVAL;
                }
                switch (ch) {
                case 'b': o->by = optarg; break;
                case 'r': o->reason = optarg; break;
                case 'i': o->ico_ref = optarg; break;
                case 'd': o->delay_reason = optarg; break;
                case 'o': o->owner = optarg; break;
                case 'D': o->due = optarg; break;
                }
        }
        *ret_first = optind;
        return 0;
}

/* Who runs breachctl, for the audit trail: --by, else the login name of
 * the real user. */
static char *actor_of(const CaseOpts *o)
{
        if (o->by && *o->by)
                return xstrdup(o->by);
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res)
                return xasprintf("%s (breachctl)", res->pw_name);
        return xasprintf("uid %u (breachctl)", (unsigned)getuid());
}

static int find_incident(Ctl *c, const char *ref, int64_t *ret_id, char **ret_ref)
{
        int r = store_find_ref(c->store, ref, ret_id, ret_ref);
        if (r < 0)
                fprintf(stderr, "breachctl: %s: %s\n", ref, r == -ENOENT ? "no such incident" : strerror(-r));
        return r;
}

/* Applies cmds to ref as one transaction; prints what changed, or why
 * nothing did. */
static int run_cmds(Ctl *c, const char *ref, const DecisionCmds *cmds, const CaseOpts *o)
{
        int64_t id = 0;
        _cleanup_free_ char *exact = NULL;
        int r = find_incident(c, ref, &id, &exact);
        if (r < 0)
                return r;
        _cleanup_free_ char *actor = actor_of(o);
        DecisionEnv env = {.store = c->store, .cfg = c->cfg, .tz = c->tz, .actor = actor, .now = now_utc()};
        StrList changes = {0}, errors = {0};
        r = store_begin(c->store);
        if (r >= 0)
                r = decision_apply(&env, id, cmds, &changes, &errors);
        if (r >= 0)
                r = store_commit(c->store);
        if (r < 0) {
                store_rollback(c->store);
                if (errors.n) {
                        fprintf(stderr, "breachctl: %s: nothing changed:\n", exact);
                        for (size_t i = 0; i < errors.n; i++)
                                fprintf(stderr, "  - %s\n", errors.v[i]);
                } else {
                        fprintf(stderr, "breachctl: %s: %s\n", exact, strerror(-r));
                }
        } else if (!changes.n) {
                fprintf(c->out, "%s: nothing to change\n", exact);
        } else {
                for (size_t i = 0; i < changes.n; i++)
                        fprintf(c->out, "%s: %s\n", exact, changes.v[i]);
        }
        strlist_free(&changes);
        strlist_free(&errors);
        return r;
}

/* Adds the command k with value to cmds; prints why not on a bad value. */
static int add_cmd(DecisionCmds *cmds, DecisionCmdKind k, const char *value)
{
        DecisionCmd cmd;
        char *why = NULL;
        int r = decision_value(k, value, &cmd, &why);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", decision_cmd_name(k), why);
                free(why);
                return r;
        }
        decision_cmds_add(cmds, &cmd);
        return 0;
}

static char *join_args(int argc, char **argv, int from)
{
        Buf b = {0};
        for (int i = from; i < argc; i++)
                buf_printf(&b, "%s%s", i > from ? " " : "", argv[i]);
        return b.s ? buf_steal(&b) : xstrdup("");
}

int ctl_decide(Ctl *c, int argc, char **argv)
{
        static const char usage[] = "decide REF notify|not-notifiable --reason TEXT [--ico-ref REF] "
                                    "[--delay-reason TEXT] [--by NAME]";
        CaseOpts o;
        int first = 0;
        int r = case_options(argc, argv, "brid", usage, &o, &first);
        if (r < 0)
                return r;
        if (argc - first != 2 || !o.reason) {
                fprintf(stderr, "%susage: breachctl %s\n",
                        argc - first == 2 ? "breachctl: a decision is recorded with its reason (--reason)\n" : "",
                        usage);
                return -EINVAL;
        }
        DecisionCmds cmds = {0};
        r = add_cmd(&cmds, DC_DECISION, argv[first + 1]);
        if (r >= 0)
                r = add_cmd(&cmds, DC_REASON, o.reason);
        if (r >= 0 && o.delay_reason)
                r = add_cmd(&cmds, DC_DELAY_REASON, o.delay_reason);
        if (r >= 0 && o.ico_ref)
                r = add_cmd(&cmds, DC_ICO_REFERENCE, o.ico_ref);
        if (r >= 0)
                r = run_cmds(c, argv[first], &cmds, &o);
        decision_cmds_free(&cmds);
        return r;
}

int ctl_set(Ctl *c, int argc, char **argv)
{
        static const char usage[] = "set REF FIELD VALUE [--by NAME]";
        CaseOpts o;
        int first = 0;
        int r = case_options(argc, argv, "b", usage, &o, &first);
        if (r < 0)
                return r;
        if (argc - first < 3) {
                fprintf(stderr, "usage: breachctl %s\n", usage);
                return -EINVAL;
        }
        DecisionCmdKind k;
        if (decision_key(argv[first + 1], &k) < 0) {
                fprintf(stderr, "breachctl: set: unknown field '%s' (outcome, ico-outcome, ico-reference, "
                                "delay-reason, subjects-notified, severity, sensitivity, root-cause, "
                                "action-taken, ...)\n",
                        argv[first + 1]);
                return -EINVAL;
        }
        _cleanup_free_ char *value = join_args(argc, argv, first + 2);
        DecisionCmds cmds = {0};
        r = add_cmd(&cmds, k, value);
        if (r >= 0)
                r = run_cmds(c, argv[first], &cmds, &o);
        decision_cmds_free(&cmds);
        return r;
}

/* The commands that take REF and then free text: assign, note. */
static int ref_and_text(Ctl *c, int argc, char **argv, DecisionCmdKind k, const char *usage)
{
        CaseOpts o;
        int first = 0;
        int r = case_options(argc, argv, "b", usage, &o, &first);
        if (r < 0)
                return r;
        if (argc - first < 2) {
                fprintf(stderr, "usage: breachctl %s\n", usage);
                return -EINVAL;
        }
        _cleanup_free_ char *text = join_args(argc, argv, first + 1);
        DecisionCmds cmds = {0};
        r = add_cmd(&cmds, k, text);
        if (r >= 0)
                r = run_cmds(c, argv[first], &cmds, &o);
        decision_cmds_free(&cmds);
        return r;
}

int ctl_assign(Ctl *c, int argc, char **argv)
{
        return ref_and_text(c, argc, argv, DC_ASSIGN, "assign REF NAME [--by NAME]");
}

int ctl_note(Ctl *c, int argc, char **argv)
{
        return ref_and_text(c, argc, argv, DC_NOTE, "note REF TEXT [--by NAME]");
}

int ctl_close(Ctl *c, int argc, char **argv)
{
        static const char usage[] = "close REF [--by NAME]";
        CaseOpts o;
        int first = 0;
        int r = case_options(argc, argv, "b", usage, &o, &first);
        if (r < 0)
                return r;
        if (argc - first != 1) {
                fprintf(stderr, "usage: breachctl %s\n", usage);
                return -EINVAL;
        }
        DecisionCmds cmds = {0};
        r = add_cmd(&cmds, DC_CLOSE, "");
        if (r >= 0)
                r = run_cmds(c, argv[first], &cmds, &o);
        decision_cmds_free(&cmds);
        return r;
}

static void print_action(FILE *f, const Tz *tz, const CaseAction *a)
{
        _cleanup_free_ char *done = a->done_at ? tz_format(tz, a->done_at, "%Y-%m-%d") : NULL;
        fprintf(f, "  %lld. [%s%s] %s", (long long)a->n, done ? "done " : "open", done ? done : "", a->text);
        if (a->owner || a->due) {
                fputs(" (", f);
                if (a->owner)
                        fprintf(f, "owner %s", a->owner);
                if (a->due)
                        fprintf(f, "%sdue %s", a->owner ? ", " : "", a->due);
                fputc(')', f);
        }
        if (a->done_by)
                fprintf(f, ", done by %s", a->done_by);
        fputc('\n', f);
}

static int list_actions(Ctl *c, int64_t id, const char *ref)
{
        CaseAction *v = NULL;
        size_t n = 0;
        int r = store_actions_list(c->store, id, &v, &n);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s: %s\n", ref, strerror(-r));
                return r;
        }
        size_t open = 0;
        for (size_t i = 0; i < n; i++) {
                print_action(c->out, c->tz, &v[i]);
                open += !v[i].done_at;
        }
        fprintf(c->out, "%s: %zu action%s, %zu still to do\n", ref, n, n == 1 ? "" : "s", open);
        case_actions_free(v, n);
        return 0;
}

int ctl_actions(Ctl *c, int argc, char **argv)
{
        static const char usage[] = "actions REF [add TEXT [--owner NAME] [--due DATE] | done N] [--by NAME]";
        CaseOpts o;
        int first = 0;
        int r = case_options(argc, argv, "boD", usage, &o, &first);
        if (r < 0)
                return r;
        int n = argc - first;
        const char *verb = n >= 2 ? argv[first + 1] : NULL;
        bool add = verb && !strcmp(verb, "add") && n >= 3, done = verb && !strcmp(verb, "done") && n == 3;
        if (n < 1 || (n > 1 && !add && !done) || ((o.owner || o.due) && !add)) {
                fprintf(stderr, "usage: breachctl %s\n", usage);
                return -EINVAL;
        }
        if (n == 1) {
                int64_t id = 0;
                _cleanup_free_ char *exact = NULL;
                r = find_incident(c, argv[first], &id, &exact);
                return r < 0 ? r : list_actions(c, id, exact);
        }
        DecisionCmds cmds = {0};
        if (add) {
                _cleanup_free_ char *text = join_args(argc, argv, first + 2);
                DecisionCmd cmd = {.kind = DC_ACTION_ADD};
                char due[11];
                r = 0;
                if (strchr(text, '\n') || str_empty(text) || strlen(text) > 1000) {
                        fprintf(stderr, "breachctl: actions add: the action is one line of at most 1000 "
                                        "characters\n");
                        r = -EINVAL;
                } else if (o.due && decision_parse_due(o.due, due) < 0) {
                        fprintf(stderr, "breachctl: actions add: '%s' is not a date (like 2026-03-31 or "
                                        "31/03/2026)\n", o.due);
                        r = -EINVAL;
                }
                if (r >= 0) {
                        cmd.value = xstrdup(str_trim(text));
                        cmd.owner = o.owner && *o.owner ? xstrdup(o.owner) : NULL;
                        cmd.due = o.due ? xstrdup(due) : NULL;
                        decision_cmds_add(&cmds, &cmd);
                }
        } else {
                r = add_cmd(&cmds, DC_ACTION_DONE, argv[first + 2]);
        }
        if (r >= 0)
                r = run_cmds(c, argv[first], &cmds, &o);
        decision_cmds_free(&cmds);
        return r;
}

/* ---- show ---------------------------------------------------------------- */

static void show_reminders(Ctl *c, const Assessment *a)
{
        FILE *o = c->out;
        StoredReminder *v = NULL;
        size_t n = 0;
        if (store_reminders_list(c->store, a->id, &v, &n) < 0)
                return;
        fprintf(o, "\nReminders:\n");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *due = tz_format(c->tz, v[i].due_at, "%Y-%m-%d %H:%M");
                _cleanup_free_ char *queued = tz_format(c->tz, v[i].queued_at, "%Y-%m-%d %H:%M");
                fprintf(o, "  %-13s for %s, sent %s to %s\n", v[i].kind, due, queued, v[i].rcpts);
        }
        stored_reminders_free(v, n);
        if (a->next_reminder_at > 0) {
                _cleanup_free_ char *t = tz_format(c->tz, a->next_reminder_at, "%Y-%m-%d %H:%M %Z");
                fprintf(o, "  next: %s\n", t);
        } else if (a->next_reminder_at == 0) {
                fprintf(o, "  next: worked out by breachd at its next pass\n");
        } else {
                fprintf(o, "  none planned: %s\n", a->closed_at ? "the case is closed"
                                                                : "the ICO decision is recorded");
        }
}

void ctl_show_case(Ctl *c, int64_t incident_id)
{
        Assessment a;
        if (store_load_assessment(c->store, incident_id, &a) < 0)
                return;
        FILE *o = c->out;
        _cleanup_free_ char *text = decision_assessment_text(&a, true);
        fprintf(o, "\nAssessment:\n%s", text);
        static const char fmt[] = "%Y-%m-%d %H:%M %Z";
        if (a.ico_notified_at) {
                _cleanup_free_ char *t = tz_format(c->tz, a.ico_notified_at, fmt);
                fprintf(o, "  ICO reference recorded: %s\n", t);
        }
        if (a.subjects_notified_at) {
                _cleanup_free_ char *t = tz_format(c->tz, a.subjects_notified_at, fmt);
                fprintf(o, "  Data subjects told: %s\n", t);
        }
        if (a.closed_at) {
                _cleanup_free_ char *t = tz_format(c->tz, a.closed_at, fmt);
                fprintf(o, "  Closed: %s%s\n", t, a.closed_without_report ? " (not reported to the ICO)" : "");
        }
        CaseAction *acts = NULL;
        size_t n = 0;
        if (store_actions_list(c->store, incident_id, &acts, &n) >= 0 && n) {
                fprintf(o, "\nActions:\n");
                for (size_t i = 0; i < n; i++)
                        print_action(o, c->tz, &acts[i]);
        }
        case_actions_free(acts, n);
        CaseNote *notes = NULL;
        n = 0;
        if (store_notes_list(c->store, incident_id, &notes, &n) >= 0 && n) {
                fprintf(o, "\nCase notes:\n");
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *t = tz_format(c->tz, notes[i].at, "%Y-%m-%d %H:%M");
                        fprintf(o, "  %s  %s: %s\n", t, notes[i].author, notes[i].text);
                }
        }
        case_notes_free(notes, n);
        show_reminders(c, &a);
        assessment_free(&a);
}
