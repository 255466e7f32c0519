/* decision_parse.c — the command grammar of decision.h: the words and
 * lists a command's value may be written in, reading a reply's text into
 * commands, and finding an incident's token in an address or a subject.
 * Nothing here looks at a case or the register. */
#include "case/decision-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- words --------------------------------------------------------------- */

/* Lower-case words separated by single spaces: "&" reads "and", every
 * other run of punctuation or space is one space.  "Near-Miss." and
 * "near miss" are the same; so are "34(3)(a)" and "34 3 a". */
static char *norm(const char *s)
{
        Buf b = {0};
        bool gap = false;
        for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
                if (*p == '&') {
                        if (b.len)
                                buf_putc(&b, ' ');
                        buf_puts(&b, "and");
                        gap = true;
                } else if (isalnum(*p) || *p >= 0x80) {
                        if (gap && b.len)
                                buf_putc(&b, ' ');
                        gap = false;
                        buf_putc(&b, (char)tolower(*p));
                } else {
                        gap = true;
                }
        }
        return b.s ? buf_steal(&b) : xstrdup("");
}

typedef struct {
        const char *canon;
        const char *const *aliases;     /* NULL-terminated, in norm() form */
} Choice;
#define ALIASES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The lists of breach-form.md §3, with the other ways people write them. */
static const Choice decisions[] = {
        {"notify", ALIASES("notifiable", "report", "reportable", "report to ico", "report to the ico",
                           "notify ico", "notify the ico", "yes")},
        {"not notifiable", ALIASES("non notifiable", "no", "not reportable", "non reportable", "do not notify",
                                   "don t notify", "dont notify", "not notify", "do not report", "not report")},
};
static const Choice outcomes[] = {
        {"reportable to ICO", ALIASES("reportable", "reportable to the ico", "reportable breach", "ico reportable",
                                      "data breach reportable to the ico")},
        {"reportable to ICO and data subjects",
         ALIASES("reportable to ico and subjects", "reportable to the ico and data subjects",
                 "reportable to the ico and the data subjects", "reportable to ico and individuals",
                 "reportable to ico and data subject", "data breach reportable to the ico and the data subjects")},
        {"non-reportable breach", ALIASES("non reportable", "not reportable", "not reportable breach",
                                          "unreportable", "non reportable data breach")},
        {"near miss", ALIASES("nearmiss")},
        {"no breach", ALIASES("not a breach", "none")},
        {"not our breach (another controller)",
         ALIASES("not our breach", "another controller", "other controller", "another controller s breach",
                 "another organisation", "another organisation s breach")},
};
static const Choice ico_outcomes[] = {
        {"no further action", ALIASES("nfa", "no action", "none")},
        {"advice", ALIASES("advice given", "advised", "recommendations")},
        {"reprimand", ALIASES("reprimanded")},
        {"enforcement", ALIASES("enforcement action", "enforcement notice", "fine", "penalty", "monetary penalty")},
};
static const Choice subjects_notified[] = {
        {"yes", ALIASES("y", "notified", "told", "informed", "done")},
        {"planned", ALIASES("will notify", "to be notified", "to be told", "pending")},
        {"not required", ALIASES("no", "not needed", "not necessary", "n a", "na")},
        {"exempt 34(3)(a) encrypted", ALIASES("34 3 a", "exempt a", "exempt 34 3 a", "encrypted", "unintelligible")},
        {"exempt 34(3)(b) risk removed", ALIASES("34 3 b", "exempt b", "exempt 34 3 b", "risk removed")},
        {"exempt 34(3)(c) disproportionate, public notice instead",
         ALIASES("34 3 c", "exempt c", "exempt 34 3 c", "disproportionate", "public notice", "exempt 34 3 c disproportionate")},
};
static const Choice sensitivities[] = {
        {"Low", ALIASES("l")},
        {"Med", ALIASES("medium", "m", "moderate")},
        {"High", ALIASES("h")},
};
static const Choice root_causes[] = {
        {"Cyber", ALIASES("cyber attack", "cyber incident", "hacking", "hack", "hacked", "phishing", "malware",
                          "ransomware")},
        {"Human Error", ALIASES("human", "error", "mistake", "human mistake")},
        {"Inappropriate Action by Staff", ALIASES("inappropriate action", "inappropriate action of staff",
                                                  "staff misconduct", "misconduct")},
        {"Criminal Action", ALIASES("criminal", "crime", "theft")},
        {"System Error", ALIASES("system", "system failure", "technical error", "technical failure",
                                 "software error", "it error")},
};
static const Choice actions_taken[] = {
        {"Corrective Action", ALIASES("corrective", "correction")},
        {"Disciplinary", ALIASES("disciplinary action", "discipline")},
        {"Police Notified", ALIASES("police", "reported to police", "reported to the police")},
        {"Revised Process", ALIASES("revised procedure", "process revised", "process change", "new process")},
        {"Training", ALIASES("staff training", "retraining", "refresher training")},
};
const char *const decision_severities[5] = {"Negligible", "Low", "Moderate", "High", "Very High"};

static const char *match_choice(const Choice *c, size_t n, const char *value)
{
        _cleanup_free_ char *v = norm(value);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *canon = norm(c[i].canon);
                if (!strcmp(v, canon))
                        return c[i].canon;
                for (const char *const *a = c[i].aliases; *a; a++)
                        if (!strcmp(v, *a))
                                return c[i].canon;
        }
        return NULL;
}

static char *choice_list(const Choice *c, size_t n)
{
        Buf b = {0};
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i].canon);
        return buf_steal(&b);
}

/* ---- commands ------------------------------------------------------------ */

static const char *const cmd_names[DC__MAX] = {
        [DC_DECISION] = "decision",         [DC_ICO_REFERENCE] = "ico-reference",
        [DC_REASON] = "reason",             [DC_DELAY_REASON] = "delay-reason",
        [DC_OUTCOME] = "outcome",           [DC_ICO_OUTCOME] = "ico-outcome",
        [DC_ASSIGN] = "assign",             [DC_SUBJECTS_NOTIFIED] = "subjects-notified",
        [DC_SEVERITY] = "severity",         [DC_SENSITIVITY] = "sensitivity",
        [DC_ROOT_CAUSE] = "root-cause",     [DC_ACTION_TAKEN] = "action-taken",
        [DC_NOTE] = "note",                 [DC_ACTION_ADD] = "action",
        [DC_ACTION_DONE] = "done",          [DC_CLOSE] = "close",
};

/* Keys in norm() form. */
static const struct {
        const char *key;
        DecisionCmdKind kind;
} cmd_keys[] = {
        {"decision", DC_DECISION},
        {"ico decision", DC_DECISION},
        {"ico reference", DC_ICO_REFERENCE},
        {"ico ref", DC_ICO_REFERENCE},
        {"ico case reference", DC_ICO_REFERENCE},
        {"ico case ref", DC_ICO_REFERENCE},
        {"ico case number", DC_ICO_REFERENCE},
        {"reason", DC_REASON},
        {"rationale", DC_REASON},
        {"ico rationale", DC_REASON},
        {"reason for decision", DC_REASON},
        {"reason for the decision", DC_REASON},
        {"delay reason", DC_DELAY_REASON},
        {"reason for delay", DC_DELAY_REASON},
        {"ico delay reason", DC_DELAY_REASON},
        {"outcome", DC_OUTCOME},
        {"ico outcome", DC_ICO_OUTCOME},
        {"assign", DC_ASSIGN},
        {"assign to", DC_ASSIGN},
        {"assigned to", DC_ASSIGN},
        {"allocate to", DC_ASSIGN},
        {"allocated to", DC_ASSIGN},
        {"subjects notified", DC_SUBJECTS_NOTIFIED},
        {"data subjects notified", DC_SUBJECTS_NOTIFIED},
        {"individuals notified", DC_SUBJECTS_NOTIFIED},
        {"severity", DC_SEVERITY},
        {"impact level", DC_SEVERITY},
        {"sensitivity", DC_SENSITIVITY},
        {"root cause", DC_ROOT_CAUSE},
        {"action taken", DC_ACTION_TAKEN},
        {"note", DC_NOTE},
        {"comment", DC_NOTE},
        {"action", DC_ACTION_ADD},
        {"add action", DC_ACTION_ADD},
        {"new action", DC_ACTION_ADD},
        {"done", DC_ACTION_DONE},
        {"action done", DC_ACTION_DONE},
        {"close", DC_CLOSE},
};

const char *decision_cmd_name(DecisionCmdKind k)
{
        return k < DC__MAX ? cmd_names[k] : "?";
}

int decision_key(const char *key, DecisionCmdKind *ret)
{
        _cleanup_free_ char *k = norm(key);
        for (size_t i = 0; i < ARRAY_SIZE(cmd_keys); i++)
                if (!strcmp(k, cmd_keys[i].key)) {
                        *ret = cmd_keys[i].kind;
                        return 0;
                }
        return -ENOENT;
}

void decision_cmds_free(DecisionCmds *c)
{
        for (size_t i = 0; c && i < c->n; i++) {
                free(c->v[i].value);
                free(c->v[i].owner);
                free(c->v[i].due);
        }
        if (c) {
                free(c->v);
                memset(c, 0, sizeof *c);
        }
}

void decision_cmds_add(DecisionCmds *c, DecisionCmd *cmd)
{
        c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
        c->v[c->n++] = *cmd;
        memset(cmd, 0, sizeof *cmd);
}

bool decision_cmds_decide(const DecisionCmds *c)
{
        /* Not "close": a reporter may well write "Closed" on a line of its
         * own, and must not be quarantined for it. */
        for (size_t i = 0; i < c->n; i++)
                if (c->v[i].kind == DC_DECISION || c->v[i].kind == DC_ICO_REFERENCE)
                        return true;
        return false;
}

static const char *const months[] = {"january", "february", "march",     "april",   "may",      "june",
                                     "july",    "august",   "september", "october", "november", "december"};

int decision_parse_due(const char *s, char out[static 11])
{
        _cleanup_free_ char *w = norm(s);
        int y = 0, m = 0, d = 0, n = 0;
        char mon[32] = "";
        if (sscanf(w, "%4d %2d %2d%n", &y, &m, &d, &n) == 3 && !w[n] && strlen(w) == 10 && y > 1000) {
                /* 2026-03-31, read by norm() as "2026 03 31" */
        } else if (sscanf(w, "%2d %2d %4d%n", &d, &m, &y, &n) == 3 && !w[n]) {
                /* 31/03/2026, 31.3.26: day first, as in the UK */
        } else if (sscanf(w, "%2d%*[snrdth] %31s %4d%n", &d, mon, &y, &n) == 3 && !w[n]) {
                m = 0;
        } else if (sscanf(w, "%2d %31s %4d%n", &d, mon, &y, &n) == 3 && !w[n]) {
                m = 0;
        } else {
                return -EINVAL;
        }
        if (*mon) {
                size_t len = strlen(mon);
                for (size_t i = 0; i < ARRAY_SIZE(months) && !m; i++)
                        if (len >= 3 && !strncmp(months[i], mon, len))
                                m = (int)i + 1;
        }
        if (y < 100)
                y += 2000;
        if (m < 1 || m > 12 || y < 2000 || y > 2200 || d < 1 || d > tz_days_in_month(y, m))
                return -EINVAL;
        snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
        return 0;
}

static int text_value(const char *v, size_t max, bool one_line, char **ret, char **ret_why, const char *what)
{
        if (str_empty(v)) {
                *ret_why = xasprintf("%s is empty", what);
                return -EINVAL;
        }
        if (strlen(v) > max || (one_line && strpbrk(v, "\r\n"))) {
                *ret_why = xasprintf("%s must be %sat most %zu characters", what, one_line ? "one line of " : "",
                                     max);
                return -EINVAL;
        }
        *ret = xstrdup(v);
        return 0;
}

static int ico_reference_value(const char *v, char **ret, char **ret_why)
{
        size_t n = strlen(v);
        bool digit = false, ok = n >= 4 && n <= 40 && isalnum((unsigned char)v[0]);
        for (size_t i = 0; ok && i < n; i++) {
                unsigned char c = (unsigned char)v[i];
                digit |= isdigit(c) != 0;
                ok = isalnum(c) || c == '-' || c == '/';
        }
        if (!ok || !digit) {
                *ret_why = xasprintf("\"%s\" is not an ICO reference (like IC-123456-AB1C)", v);
                return -EINVAL;
        }
        char *r = xstrdup(v);
        for (char *p = r; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        *ret = r;
        return 0;
}

static int severity_value(const char *v, char **ret, char **ret_why)
{
        _cleanup_free_ char *w = norm(v);
        const char *p = str_startswith(w, "level ") ? w + 6 : w;
        int level = 0;
        if (p[0] >= '1' && p[0] <= '5' && (!p[1] || p[1] == ' ')) {
                level = p[0] - '0';
                _cleanup_free_ char *name = norm(decision_severities[level - 1]);
                if (p[1] && strcmp(p + 2, name) != 0)
                        level = 0;   /* "3 high": which one? */
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(decision_severities) && !level; i++) {
                        _cleanup_free_ char *name = norm(decision_severities[i]);
                        if (!strcmp(p, name))
                                level = (int)i + 1;
                }
                if (!level && (!strcmp(p, "medium") || !strcmp(p, "minor")))
                        level = !strcmp(p, "medium") ? 3 : 2;
                if (!level && (!strcmp(p, "severe") || !strcmp(p, "critical")))
                        level = 5;
        }
        if (!level) {
                *ret_why = xasprintf("the severity is 1 to 5: 1 Negligible, 2 Low, 3 Moderate, 4 High, 5 Very High");
                return -EINVAL;
        }
        *ret = xasprintf("%d", level);
        return 0;
}

static int choice_value(const Choice *c, size_t n, const char *v, const char *what, char **ret, char **ret_why)
{
        const char *canon = match_choice(c, n, v);
        if (!canon) {
                _cleanup_free_ char *list = choice_list(c, n);
                *ret_why = xasprintf("%s is one of %s", what, list);
                return -EINVAL;
        }
        *ret = xstrdup(canon);
        return 0;
}

/* "Retrain the team; owner: J Bloggs; due: 31/03/2026" */
static int action_value(const char *v, DecisionCmd *c, char **ret_why)
{
        _cleanup_free_ char *copy = xstrdup(v);
        Buf text = {0};
        char *save = NULL;
        int r = 0;
        for (char *part = strtok_r(copy, ";", &save); part && r >= 0; part = strtok_r(NULL, ";", &save)) {
                char *t = str_trim(part);
                char *colon = strchr(t, ':');
                _cleanup_free_ char *raw = colon ? xstrndup(t, (size_t)(colon - t)) : NULL;
                _cleanup_free_ char *key = raw ? norm(raw) : NULL;
                if (key && text.len && (!strcmp(key, "owner") || !strcmp(key, "by"))) {
                        /* A second owner replaces the first; a bad one
                         * must not leave the first freed but still set. */
                        free(c->owner);
                        c->owner = NULL;
                        r = text_value(str_trim(colon + 1), 200, true, &c->owner, ret_why, "the owner");
                } else if (key && text.len && (!strcmp(key, "due") || !strcmp(key, "due date") || !strcmp(key, "by date"))) {
                        char due[11];
                        r = decision_parse_due(colon + 1, due);
                        if (r < 0)
                                *ret_why = xasprintf("\"%s\" is not a date (like 31/03/2026)", str_trim(colon + 1));
                        else
                                free(c->due), c->due = xstrdup(due);
                } else {
                        buf_printf(&text, "%s%s", text.len ? "; " : "", t);
                }
        }
        if (r >= 0)
                r = text_value(text.s, 1000, true, &c->value, ret_why, "the action");
        buf_free(&text);
        return r;
}

/* "3", "#3", "action 3": the number of an action. */
static int action_done_value(const char *v, DecisionCmd *c, char **ret_why)
{
        const char *p = v;
        if (*p == '#')
                p++;
        else if (str_startswith_ci(p, "action "))
                p += 7;
        char *end = NULL;
        long long n = strtoll(p, &end, 10);
        int r = p[0] >= '0' && p[0] <= '9' && end && !*str_trim(end) && n > 0 && n < 100000 ? 0 : -EINVAL;
        if (r < 0)
                *ret_why = xasprintf("\"%s\" is not the number of an action", v);
        c->number = n;
        return r;
}

/* "close" takes no value, but one that only says the same ("yes",
 * "closed", "the case") is no reason to refuse it. */
static int close_value(const char *v, char **ret_why)
{
        _cleanup_free_ char *w = norm(v);
        int r = !*w || !strcmp(w, "yes") || !strcmp(w, "y") || !strcmp(w, "closed") || !strcmp(w, "case") ||
                                !strcmp(w, "the case")
                        ? 0
                        : -EINVAL;
        if (r < 0)
                *ret_why = xasprintf("close takes no value (write \"close\" alone on its line)");
        return r;
}

int decision_value(DecisionCmdKind k, const char *value, DecisionCmd *ret, char **ret_why)
{
        DecisionCmd c = {.kind = k};
        _cleanup_free_ char *copy = xstrdup(value ? value : "");
        const char *v = str_trim(copy);
        int r;
        switch (k) {
        case DC_DECISION:
                r = choice_value(decisions, ARRAY_SIZE(decisions), v, "the decision", &c.value, ret_why);
                break;
        case DC_ICO_REFERENCE:
                r = ico_reference_value(v, &c.value, ret_why);
                break;
        case DC_REASON:
                r = text_value(v, 5000, false, &c.value, ret_why, "the reason");
                break;
        case DC_DELAY_REASON:
                r = text_value(v, 5000, false, &c.value, ret_why, "the reason for the delay");
                break;
        case DC_NOTE:
                r = text_value(v, 10000, false, &c.value, ret_why, "the note");
                break;
        case DC_ASSIGN:
                r = text_value(v, 200, true, &c.value, ret_why, "the name");
                break;
        case DC_OUTCOME:
                r = choice_value(outcomes, ARRAY_SIZE(outcomes), v, "the outcome", &c.value, ret_why);
                break;
        case DC_ICO_OUTCOME:
                r = choice_value(ico_outcomes, ARRAY_SIZE(ico_outcomes), v, "the ICO outcome", &c.value, ret_why);
                break;
        case DC_SUBJECTS_NOTIFIED:
                r = choice_value(subjects_notified, ARRAY_SIZE(subjects_notified), v, "subjects-notified",
                                 &c.value, ret_why);
                break;
        case DC_SENSITIVITY:
                r = choice_value(sensitivities, ARRAY_SIZE(sensitivities), v, "the sensitivity", &c.value, ret_why);
                break;
        case DC_ROOT_CAUSE:
                r = choice_value(root_causes, ARRAY_SIZE(root_causes), v, "the root cause", &c.value, ret_why);
                break;
        case DC_ACTION_TAKEN:
                r = choice_value(actions_taken, ARRAY_SIZE(actions_taken), v, "the action taken", &c.value, ret_why);
                break;
        case DC_SEVERITY:
                r = severity_value(v, &c.value, ret_why);
                break;
        case DC_ACTION_ADD:
                r = action_value(v, &c, ret_why);
                break;
        case DC_ACTION_DONE:
                r = action_done_value(v, &c, ret_why);
                break;
        case DC_CLOSE:
                r = close_value(v, ret_why);
                break;
        default:
                r = -EINVAL;
                *ret_why = xstrdup("unknown command");
        }
        if (r < 0) {
                free(c.value);
                free(c.owner);
                free(c.due);
                return r;
        }
        *ret = c;
        return 0;
}

/* ---- reading a reply ----------------------------------------------------- */

static bool is_close_line(const char *norm_line)
{
        static const char *const forms[] = {"close", "closed", "close case", "close the case", "close it",
                                            "close incident", "close the incident", "please close",
                                            "please close the case"};
        for (size_t i = 0; i < ARRAY_SIZE(forms); i++)
                if (!strcmp(norm_line, forms[i]))
                        return true;
        return false;
}

/* "Outcome near miss", "Decision notify": a choice without the colon.  Only
 * choices, whose value is checked, so that prose ("Decision was hard", "Note
 * the laptop ...") stays prose. */
static bool colonless(const char *line, DecisionCmd *ret)
{
        _cleanup_free_ char *w = norm(line);
        for (size_t i = 0; i < ARRAY_SIZE(cmd_keys); i++) {
                DecisionCmdKind k = cmd_keys[i].kind;
                if (k != DC_DECISION && k != DC_OUTCOME && k != DC_ICO_OUTCOME && k != DC_SUBJECTS_NOTIFIED &&
                    k != DC_SEVERITY && k != DC_SENSITIVITY && k != DC_ROOT_CAUSE && k != DC_ACTION_TAKEN)
                        continue;
                size_t n = strlen(cmd_keys[i].key);
                if (strncmp(w, cmd_keys[i].key, n) != 0 || w[n] != ' ')
                        continue;
                char *why = NULL;
                int r = decision_value(k, w + n + 1, ret, &why);
                free(why);
                if (r >= 0)
                        return true;
        }
        return false;
}

/* A key that reads as a command a DPO meant but this breachd does not know:
 * one word joined by '-' or '_' ("likely-consequences:", "ico_ref:"), the
 * way every command is written.  Prose before a colon ("PS:", "Re: the
 * case", "Hi Jo, re:") has spaces or no joiner and stays prose. */
static bool looks_like_command(const char *key)
{
        size_t n = strlen(key);
        bool joined = false;
        if (n < 3 || n > 40 || !isalpha((unsigned char)key[0]))
                return false;
        for (const char *p = key; *p; p++) {
                if (*p == '-' || *p == '_')
                        joined = true;
                else if (!isalnum((unsigned char)*p))
                        return false;
        }
        return joined && isalnum((unsigned char)key[n - 1]);
}

size_t decision_parse(const char *text, DecisionCmds *ret, StrList *errors)
{
        _cleanup_free_ char *copy = xstrdup(text ? text : "");
        size_t before = ret->n;
        ssize_t cont = -1;   /* the text command later lines add to */
        unsigned lineno = 0;
        for (char *p = copy, *nl; p; p = nl ? nl + 1 : NULL) {
                nl = strchr(p, '\n');
                if (nl)
                        *nl = 0;
                lineno++;
                size_t len = strlen(p);
                if (len && p[len - 1] == '\r')
                        p[--len] = 0;
                if (!strcmp(p, "-- ") || !strcmp(p, "--"))
                        break;
                char *line = str_trim(p);
                if (!*line || *line == '>') {
                        cont = -1;
                        continue;
                }
                char *sep = strpbrk(line, ":=");
                DecisionCmdKind k;
                bool keyed = false;
                if (sep && sep - line <= 40) {
                        _cleanup_free_ char *key = xstrndup(line, (size_t)(sep - line));
                        keyed = decision_key(key, &k) == 0;
                        if (!keyed && looks_like_command(str_trim(key))) {
                                /* Never dropped without a word, nor run into
                                 * the reason above it. */
                                strlist_take(errors, xasprintf("line %u: \"%s\": \"%s\" is not a command this "
                                                               "service knows (the commands are listed in the "
                                                               "notice)", lineno, line, str_trim(key)));
                                cont = -1;
                                continue;
                        }
                }
                DecisionCmd c = {0};
                if (keyed) {
                        char *why = NULL;
                        if (decision_value(k, sep + 1, &c, &why) < 0) {
                                strlist_take(errors, xasprintf("line %u: \"%s\": %s", lineno, line, why));
                                free(why);
                                cont = -1;
                                continue;
                        }
                } else {
                        _cleanup_free_ char *w = norm(line);
                        if (is_close_line(w))
                                c.kind = DC_CLOSE;
                        else if (!colonless(line, &c)) {
                                /* Prose, or the next line of a reason or note. */
                                if (cont >= 0) {
                                        DecisionCmd *t = &ret->v[cont];
                                        char *joined = xasprintf("%s\n%s", t->value, line);
                                        free(t->value);
                                        t->value = joined;
                                }
                                continue;
                        }
                }
                c.line = lineno;
                bool runs_on = c.kind == DC_REASON || c.kind == DC_DELAY_REASON || c.kind == DC_NOTE;
                decision_cmds_add(ret, &c);
                cont = runs_on ? (ssize_t)ret->n - 1 : -1;
        }
        return ret->n - before;
}

/* ---- tokens -------------------------------------------------------------- */

int decision_token_in_address(const char *addr, const char *own, char **ret_ref, char **ret_token)
{
        if (!addr || !own)
                return -ENOENT;
        const char *own_at = strrchr(own, '@'), *at = strrchr(addr, '@');
        if (!own_at || !at || strcasecmp(own_at, at) != 0)
                return -ENOENT;
        size_t local = (size_t)(own_at - own);
        if ((size_t)(at - addr) <= local + 1 || strncasecmp(addr, own, local) != 0 || addr[local] != '+')
                return -ENOENT;
        const char *tag = addr + local + 1;
        const char *dot = NULL;
        for (const char *p = tag; p < at; p++)
                if (*p == '.')
                        dot = p;
        if (!dot || dot == tag || dot + 1 >= at)
                return -ENOENT;
        *ret_ref = xstrndup(tag, (size_t)(dot - tag));
        *ret_token = xstrndup(dot + 1, (size_t)(at - dot - 1));
        return 0;
}

void decision_tokens_in_subject(const char *subject, StrList *ret_refs, StrList *ret_tokens)
{
        _cleanup_free_ char *copy = xstrdup(subject ? subject : "");
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t[](){}<>,;:\"'", &save); w; w = strtok_r(NULL, " \t[](){}<>,;:\"'", &save)) {
                char *dot = strrchr(w, '.');
                if (!dot || dot == w)
                        continue;
                size_t n = strlen(dot + 1);
                bool alnum = n >= 16 && n <= 64;
                for (const char *p = dot + 1; alnum && *p; p++)
                        alnum = isalnum((unsigned char)*p);
                if (!alnum)
                        continue;
                strlist_take(ret_refs, xstrndup(w, (size_t)(dot - w)));
                strlist_add(ret_tokens, dot + 1);
        }
}
