/* decision.c — see decision.h. */
#include "case/decision.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "mail/compose.h"
#include "notices/notices.h"
#include "case/clock.h"

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
static const char *const severities[] = {"Negligible", "Low", "Moderate", "High", "Very High"};

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
                _cleanup_free_ char *name = norm(severities[level - 1]);
                if (p[1] && strcmp(p + 2, name) != 0)
                        level = 0;   /* "3 high": which one? */
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(severities) && !level; i++) {
                        _cleanup_free_ char *name = norm(severities[i]);
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
        case DC_ACTION_DONE: {
                const char *p = v;
                if (*p == '#')
                        p++;
                else if (str_startswith_ci(p, "action "))
                        p += 7;
                char *end = NULL;
                long long n = strtoll(p, &end, 10);
                r = p[0] >= '0' && p[0] <= '9' && end && !*str_trim(end) && n > 0 && n < 100000 ? 0 : -EINVAL;
                if (r < 0)
                        *ret_why = xasprintf("\"%s\" is not the number of an action", v);
                c.number = n;
                break;
        }
        case DC_CLOSE: {
                _cleanup_free_ char *w = norm(v);
                r = !*w || !strcmp(w, "yes") || !strcmp(w, "y") || !strcmp(w, "closed") || !strcmp(w, "case") ||
                                    !strcmp(w, "the case")
                            ? 0
                            : -EINVAL;
                if (r < 0)
                        *ret_why = xasprintf("close takes no value (write \"close\" alone on its line)");
                break;
        }
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

/* Compares without stopping at the first difference, so that the time
 * taken says nothing about how much of a guess was right. */
static bool token_equal(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b);
        unsigned diff = na != nb;
        for (size_t i = 0; i < na; i++)
                diff |= (unsigned)(tolower((unsigned char)a[i]) ^ tolower((unsigned char)b[i % (nb ? nb : 1)]));
        return diff == 0 && nb;
}

static char *own_address(const Config *cfg)
{
        return compose_address_of(cfg->smtp.reply_to ? cfg->smtp.reply_to : cfg->smtp.from);
}

char *decision_reply_address(const Config *cfg, const char *ref, const char *token)
{
        _cleanup_free_ char *addr = own_address(cfg);
        char *at = addr ? strrchr(addr, '@') : NULL;
        if (!at)
                return NULL;
        *at = 0;
        return xasprintf("%s+%s.%s@%s", addr, ref, token, at + 1);
}

/* ---- applying ------------------------------------------------------------ */

static const char *const assess_labels[AS__MAX] = {
        [AS_STATUS] = "Status",
        [AS_ICO_DECISION] = "ICO decision",
        [AS_ICO_REFERENCE] = "ICO reference",
        [AS_ICO_RATIONALE] = "Reason for the decision",
        [AS_ICO_DELAY_REASON] = "Reason the ICO is told late",
        [AS_ICO_OUTCOME] = "ICO outcome",
        [AS_OUTCOME] = "Outcome",
        [AS_ASSESSED_BY] = "Assessed by",
        [AS_ALLOCATED_TO] = "Allocated to",
        [AS_SUBJECTS_NOTIFIED] = "Data subjects notified",
        [AS_SEVERITY] = "Severity",
        [AS_SENSITIVITY] = "Sensitivity",
        [AS_ROOT_CAUSE] = "Root cause",
        [AS_ACTION_TAKEN] = "Action taken",
};

static bool same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

static char *shown_value(AssessField f, const char *v)
{
        if (!v)
                return xstrdup("(not set)");
        if (f == AS_SEVERITY && v[0] >= '1' && v[0] <= '5' && !v[1])
                return xasprintf("%s (%s)", v, severities[v[0] - '1']);
        return xstrdup(v);
}

static const char *first_line(const char *s, char *buf, size_t size)
{
        size_t n = strcspn(s, "\n");
        snprintf(buf, size, "%.*s%s", (int)(n < size - 4 ? n : size - 4), s, s[n] || n >= size - 4 ? "..." : "");
        return buf;
}

typedef struct {
        const DecisionEnv *env;
        Assessment a;
        const char *nv[AS__MAX];       /* the new values; borrowed */
        CaseAction *acts;
        size_t n_acts;
        bool *done_now;
        int64_t open_actions;
        bool close, decision_changed;
        StrList *errors;
} Apply;

static void apply_error(Apply *x, const DecisionCmd *c, const char *fmt, ...) _printf_(3, 4);
static void apply_error(Apply *x, const DecisionCmd *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                abort();
        va_end(ap);
        if (c && c->line)
                strlist_take(x->errors, xasprintf("line %u (%s): %s", c->line, decision_cmd_name(c->kind), msg));
        else
                strlist_add(x->errors, msg);
        free(msg);
}

static void apply_cmd(Apply *x, const DecisionCmd *c)
{
        static const AssessField field_of[DC__MAX] = {
                [DC_DECISION] = AS_ICO_DECISION,        [DC_ICO_REFERENCE] = AS_ICO_REFERENCE,
                [DC_REASON] = AS_ICO_RATIONALE,         [DC_DELAY_REASON] = AS_ICO_DELAY_REASON,
                [DC_OUTCOME] = AS_OUTCOME,              [DC_ICO_OUTCOME] = AS_ICO_OUTCOME,
                [DC_ASSIGN] = AS_ALLOCATED_TO,          [DC_SUBJECTS_NOTIFIED] = AS_SUBJECTS_NOTIFIED,
                [DC_SEVERITY] = AS_SEVERITY,            [DC_SENSITIVITY] = AS_SENSITIVITY,
                [DC_ROOT_CAUSE] = AS_ROOT_CAUSE,        [DC_ACTION_TAKEN] = AS_ACTION_TAKEN,
        };
        if (x->a.closed_at && c->kind != DC_NOTE) {
                apply_error(x, c, "%s is closed: only notes can be added", x->a.ref);
                return;
        }
        switch (c->kind) {
        case DC_DECISION:
                if (x->nv[AS_ICO_DECISION] != x->a.f[AS_ICO_DECISION] && !same(x->nv[AS_ICO_DECISION], c->value))
                        apply_error(x, c, "two different decisions in one go");
                x->nv[AS_ICO_DECISION] = c->value;
                break;
        case DC_NOTE:
        case DC_CLOSE:
                x->close |= c->kind == DC_CLOSE;
                break;
        case DC_ACTION_ADD:
                x->open_actions++;
                break;
        case DC_ACTION_DONE: {
                size_t i = 0;
                while (i < x->n_acts && x->acts[i].n != c->number)
                        i++;
                if (i == x->n_acts)
                        apply_error(x, c, "there is no action %lld", (long long)c->number);
                else if (x->acts[i].done_at || x->done_now[i])
                        apply_error(x, c, "action %lld is done already", (long long)c->number);
                else {
                        x->done_now[i] = true;
                        x->open_actions--;
                }
                break;
        }
        default:
                x->nv[field_of[c->kind]] = c->value;
        }
}

/* The rules that bind the fields together (UK GDPR Art. 33, seed 004). */
static void check_case(Apply *x)
{
        const char *decision = x->nv[AS_ICO_DECISION] ? x->nv[AS_ICO_DECISION] : "pending";
        bool notify = !strcmp(decision, "notify"), pending = !strcmp(decision, "pending");
        x->decision_changed = !same(x->nv[AS_ICO_DECISION], x->a.f[AS_ICO_DECISION]);
        if (!same(x->nv[AS_ICO_REFERENCE], x->a.f[AS_ICO_REFERENCE]) && !notify)
                apply_error(x, NULL, "an ICO reference goes with the decision to notify (decision: notify)");
        if (x->decision_changed && !pending && str_empty(x->nv[AS_ICO_RATIONALE]))
                apply_error(x, NULL, "the decision must be recorded with its reason, UK GDPR Art. 33(5) "
                                     "(reason: ... in a reply; --reason with breachctl)");
        if (x->decision_changed && notify && (x->a.late || x->env->now > x->a.deadline_at) &&
            str_empty(x->nv[AS_ICO_DELAY_REASON])) {
                _cleanup_free_ char *t = notices_format_time(x->env->tz, x->a.deadline_at);
                apply_error(x, NULL, "the 72 hours ran out on %s%s: the ICO must be told why the report is late "
                                     "(delay-reason: ... in a reply; --delay-reason with breachctl)",
                            t, x->a.late ? " (the breach was reported late)" : "");
        }
        if (x->close) {
                if (pending)
                        apply_error(x, NULL, "%s cannot be closed: no ICO decision is recorded", x->a.ref);
                else if (notify && str_empty(x->nv[AS_ICO_REFERENCE]))
                        apply_error(x, NULL, "%s cannot be closed: the ICO reference is not recorded", x->a.ref);
                if (x->open_actions > 0)
                        apply_error(x, NULL, "%s cannot be closed: %lld action%s still to be done", x->a.ref,
                                    (long long)x->open_actions, x->open_actions == 1 ? " is" : "s are");
        }
}

static const char *new_status(const Apply *x, bool changed)
{
        const char *status = x->a.f[AS_STATUS] ? x->a.f[AS_STATUS] : "open";
        bool notify = same(x->nv[AS_ICO_DECISION], "notify");
        if (x->close || x->a.closed_at)
                return "closed";
        if (notify && !str_empty(x->nv[AS_ICO_REFERENCE]))
                return "notified";
        if (!strcmp(status, "notified") || (!strcmp(status, "open") && changed))
                return "assessing";
        return status;
}

static int write_case(Apply *x, const DecisionCmds *cmds, StrList *changes)
{
        const DecisionEnv *env = x->env;
        Store *s = env->store;
        bool changed = false;
        for (size_t i = 0; i < AS__MAX; i++)
                changed |= !same(x->nv[i], x->a.f[i]);
        for (size_t i = 0; i < cmds->n; i++)
                changed |= cmds->v[i].kind != DC_NOTE;
        if (x->decision_changed)
                x->nv[AS_ASSESSED_BY] = env->actor;
        x->nv[AS_STATUS] = new_status(x, changed);
        Assessment w = x->a;
        if (!same(x->nv[AS_ICO_REFERENCE], x->a.f[AS_ICO_REFERENCE]))
                w.ico_notified_at = env->now;
        if (!same(x->nv[AS_SUBJECTS_NOTIFIED], x->a.f[AS_SUBJECTS_NOTIFIED]) && same(x->nv[AS_SUBJECTS_NOTIFIED], "yes"))
                w.subjects_notified_at = env->now;
        if (x->close) {
                w.closed_at = env->now;
                w.closed_without_report = same(x->nv[AS_ICO_DECISION], "not notifiable");
        }
        int r = 0;
        for (size_t i = 0; i < AS__MAX && r >= 0; i++) {
                w.f[i] = (char *)x->nv[i];
                if (same(x->nv[i], x->a.f[i]))
                        continue;
                r = store_audit(s, x->a.id, env->actor, "set", assess_columns[i], x->a.f[i], x->nv[i]);
                _cleanup_free_ char *now_v = shown_value(i, x->nv[i]), *was = shown_value(i, x->a.f[i]);
                char b1[120], b2[120];
                if (x->a.f[i])
                        strlist_take(changes, xasprintf("%s: %s (was %s)", assess_labels[i],
                                                        first_line(now_v, b1, sizeof b1), first_line(was, b2, sizeof b2)));
                else
                        strlist_take(changes, xasprintf("%s: %s", assess_labels[i], first_line(now_v, b1, sizeof b1)));
        }
        if (r >= 0)
                r = store_save_assessment(s, &w);
        for (size_t i = 0; i < cmds->n && r >= 0; i++) {
                const DecisionCmd *c = &cmds->v[i];
                char b1[120];
                if (c->kind == DC_NOTE) {
                        r = store_note_add(s, x->a.id, env->actor, c->value, env->now);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "note", NULL, NULL, c->value);
                        strlist_take(changes, xasprintf("Note added: %s", first_line(c->value, b1, sizeof b1)));
                } else if (c->kind == DC_ACTION_ADD) {
                        int64_t n = 0;
                        r = store_action_add(s, x->a.id, c->value, c->owner, c->due, env->actor, env->now, &n);
                        _cleanup_free_ char *desc = xasprintf("%s%s%s%s%s", c->value, c->owner ? "; owner: " : "",
                                                              c->owner ? c->owner : "", c->due ? "; due: " : "",
                                                              c->due ? c->due : "");
                        _cleanup_free_ char *field = xasprintf("action %lld", (long long)n);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "action added", field, NULL, desc);
                        strlist_take(changes, xasprintf("Action %lld added: %s", (long long)n, desc));
                } else if (c->kind == DC_ACTION_DONE) {
                        r = store_action_done(s, x->a.id, c->number, env->actor, env->now);
                        _cleanup_free_ char *field = xasprintf("action %lld", (long long)c->number);
                        if (r >= 0)
                                r = store_audit(s, x->a.id, env->actor, "action done", field, NULL, NULL);
                        strlist_take(changes, xasprintf("Action %lld done", (long long)c->number));
                }
        }
        if (r < 0 || !changed)
                return r;
        /* A decision (or its reference, or the close) changes what the
         * reminders are for: none, or the next point from now on. */
        if (!clock_running(x->nv[AS_STATUS], x->nv[AS_ICO_DECISION], x->nv[AS_ICO_REFERENCE]))
                return store_reminder_schedule(s, x->a.id, -1, 0);
        if (x->a.next_reminder_at != -1 && !x->decision_changed)
                return 0;
        ReminderPlan plan = {x->a.aware_at, x->a.deadline_at, env->cfg->reminder_hours, env->cfg->n_reminder_hours};
        ReminderPoint next;
        clock_next_after(&plan, env->now, &next);
        return store_reminder_schedule(s, x->a.id, next.at, 0);
}

int decision_apply(const DecisionEnv *env, int64_t incident_id, const DecisionCmds *cmds, StrList *ret_changes,
                   StrList *ret_errors)
{
        Apply x = {.env = env, .errors = ret_errors};
        int r = store_load_assessment(env->store, incident_id, &x.a);
        if (r < 0)
                return r;
        r = store_actions_list(env->store, incident_id, &x.acts, &x.n_acts);
        if (r < 0)
                goto out;
        x.done_now = xcalloc(x.n_acts + 1, sizeof *x.done_now);
        for (size_t i = 0; i < x.n_acts; i++)
                x.open_actions += !x.acts[i].done_at;
        for (size_t i = 0; i < AS__MAX; i++)
                x.nv[i] = x.a.f[i];
        size_t errors_before = ret_errors->n;
        for (size_t i = 0; i < cmds->n; i++)
                apply_cmd(&x, &cmds->v[i]);
        check_case(&x);
        if (ret_errors->n > errors_before) {
                r = -EINVAL;
                goto out;
        }
        r = write_case(&x, cmds, ret_changes);
out:
        free(x.done_now);
        case_actions_free(x.acts, x.n_acts);
        assessment_free(&x.a);
        return r;
}

/* ---- template variables -------------------------------------------------- */

char *decision_assessment_text(const Assessment *a, bool whole)
{
        if (!a)
                return xstrdup("  Status: open\n  ICO decision: pending\n");
        Buf b = {0};
        for (size_t i = 0; i < AS__MAX; i++) {
                if (!a->f[i])
                        continue;
                _cleanup_free_ char *v = shown_value(i, a->f[i]);
                char line[200];
                if (!whole || !strchr(v, '\n')) {
                        buf_printf(&b, "  %s: %s\n", assess_labels[i], whole ? v : first_line(v, line, sizeof line));
                        continue;
                }
                buf_printf(&b, "  %s:\n", assess_labels[i]);
                for (char *p = v, *nl; p; p = nl ? nl + 1 : NULL) {
                        nl = strchr(p, '\n');
                        buf_printf(&b, "      %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
                }
        }
        return buf_steal(&b);
}

static char *how_to_record(const Config *cfg, const Incident *inc, const Assessment *a, int64_t now)
{
        const char *decision = a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending";
        bool late = inc->late || now > inc->deadline_at;
        _cleanup_free_ char *reply = decision_reply_address(cfg, inc->ref, inc->token);
        _cleanup_free_ char *own = own_address(cfg);
        Buf b = {0};
        buf_printf(&b, "To record it, reply to this email; the reply goes to\n  %s\nWrite these lines in it, each on a line of its own:\n\n",
                   reply ? reply : "");
        if (!strcmp(decision, "notify") && a && str_empty(a->f[AS_ICO_REFERENCE])) {
                buf_puts(&b, "  ico-reference: <the ICO's case reference, e.g. IC-123456-AB1C>\n\n");
                buf_printf(&b, "or on the server:\n  breachctl set %s ico-reference IC-123456-AB1C\n", inc->ref);
        } else {
                buf_puts(&b, "  decision: notify\n  reason: <why the breach must be reported>\n");
                if (late)
                        buf_puts(&b, "  delay-reason: <why the ICO is told after the 72 hours>\n");
                buf_puts(&b, "  ico-reference: <the ICO's case reference, e.g. IC-123456-AB1C, once you have it>\n");
                buf_puts(&b, "\nor\n\n  decision: not notifiable\n"
                             "  reason: <why the breach is unlikely to result in a risk to people>\n");
                buf_printf(&b, "\nor on the server:\n  breachctl decide %s notify --reason \"...\"%s [--ico-ref IC-...]\n"
                               "  breachctl decide %s not-notifiable --reason \"...\"\n",
                           inc->ref, late ? " --delay-reason \"...\"" : "", inc->ref);
        }
        buf_printf(&b, "\nYou may also send: outcome, assign, subjects-notified, severity,\n"
                       "sensitivity, root-cause, action-taken, note, action, done, close\n"
                       "(breachctl(1) lists their values).  Only a reply from a DPO address\n"
                       "to the address above is accepted.  If your mail program does not\n"
                       "reply to it, write to %s with\n  %s.%s\nin the subject.\n",
                   own ? own : "", inc->ref, inc->token ? inc->token : "");
        return buf_steal(&b);
}

static char *to_decide(const Tz *tz, const Incident *inc, const Assessment *a, int64_t now)
{
        const char *decision = a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending";
        if (!strcmp(decision, "pending")) {
                const char *late = inc->late || now > inc->deadline_at
                                           ? "\nThe 72 hours have passed: if it is reported now, the ICO must be told\n"
                                             "why it is late (delay-reason).\n"
                                           : "";
                return xasprintf("Decide whether this breach must be reported to the ICO. It must be,\n"
                                 "unless it is unlikely to result in a risk to people's rights and\n"
                                 "freedoms (UK GDPR Article 33). Either way, record the decision and\n"
                                 "its reason.\n%s",
                                 late);
        }
        if (!strcmp(decision, "notify") && str_empty(a->f[AS_ICO_REFERENCE]))
                return xstrdup("The decision to report this breach to the ICO is recorded, but not\n"
                               "the ICO's case reference. Reminders go on until it is recorded.\n");
        (void)tz;
        return xasprintf("The ICO decision is recorded: %s.%s\n", decision,
                         a && a->closed_at ? "" : " The case can be closed once every action is done.");
}

void decision_vars(const Config *cfg, const Tz *tz, const Incident *inc, const Assessment *a, int64_t now,
                   TemplateVars *v)
{
        char *t = decision_reply_address(cfg, inc->ref, inc->token ? inc->token : "");
        tvars_set(v, "reply_address", t);
        free(t);
        t = xasprintf("%s.%s", inc->ref, inc->token ? inc->token : "");
        tvars_set(v, "token_tag", t);
        free(t);
        tvars_set(v, "decision", a && a->f[AS_ICO_DECISION] ? a->f[AS_ICO_DECISION] : "pending");
        tvars_set(v, "ico_reference", a ? a->f[AS_ICO_REFERENCE] : NULL);
        t = to_decide(tz, inc, a, now);
        tvars_set(v, "to_decide", t);
        free(t);
        t = how_to_record(cfg, inc, a, now);
        tvars_set(v, "how_to_record", t);
        free(t);
        t = notices_format_time(tz, inc->aware_at);
        tvars_set(v, "awareness", t);
        free(t);
        /* "just now", "2 days 3 hours ago": how long the deadline has
         * passed; empty before it. */
        t = NULL;
        if (now >= inc->deadline_at && now - inc->deadline_at < 60)
                t = xstrdup("just now");
        else if (now >= inc->deadline_at) {
                _cleanup_free_ char *over = notices_time_left(inc->deadline_at, now);
                t = xasprintf("%s ago", str_startswith(over, "overdue by ") ? over + 11 : over);
        }
        tvars_set(v, "passed", t);
        free(t);
        t = strlist_join(&cfg->escalation, ", ");
        tvars_set(v, "escalated_to", t);
        free(t);
        t = decision_assessment_text(a, false);
        tvars_set(v, "assessment", t);
        free(t);
}

void decision_sample_vars(const Config *cfg, const Tz *tz, const Incident *inc, int64_t now, TemplateVars *v)
{
        decision_vars(cfg, tz, inc, NULL, now, v);
        tvars_set(v, "point", "24 hours after the breach became known");
        tvars_set(v, "changes", "  - ICO decision: notify (was pending)\n");
        tvars_set(v, "errors", "  - line 1 (decision): the decision is one of \"notify\" or \"not notifiable\"\n");
        tvars_set(v, "actor", "dpo@example.org");
        char *t = notices_format_time(tz, now + 24 * 3600);
        tvars_set(v, "next_reminder", t);
        free(t);
}

/* ---- reply mail ---------------------------------------------------------- */

/* The author's own words: the first text body, without quoted text. */
static char *reply_text(const Message *m)
{
        const MessageBody *best = NULL;
        for (size_t i = 0; i < m->n_bodies; i++) {
                const MessageBody *b = &m->bodies[i];
                if (b->kind == BODY_ATTACHMENT || b->forward || !b->src.text)
                        continue;
                if (!best || (b->kind == BODY_TEXT && best->kind != BODY_TEXT))
                        best = b;
        }
        return best ? message_clean_text(best->src.text, false, NULL) : xstrdup("");
}

/* The incident a reply is about without a token: "[REF]" in the subject, or
 * a Message-ID it answers. */
static int about_incident(Store *s, const Message *m, int64_t *ret_id)
{
        if (m->in_reply_to) {
                int r = store_find_incident_by_message_id(s, m->in_reply_to, ret_id);
                if (r != 0)
                        return r;
        }
        for (const char *open = strchr(m->subject, '['); open; open = strchr(open + 1, '[')) {
                const char *close = strchr(open, ']');
                if (!close)
                        break;
                _cleanup_free_ char *ref = xstrndup(open + 1, (size_t)(close - open - 1));
                if (store_find_ref(s, str_trim(ref), ret_id, NULL) == 0)
                        return 1;
        }
        return 0;
}

/* Finds the incident the tokens of m authenticate: 1 and *ret_id, 0 when m
 * carries no token, or -EPERM with *ret_why when a token is wrong. */
static int token_incident(Store *s, const Config *cfg, const Message *m, int64_t *ret_id, char **ret_why)
{
        StrList refs = {0}, tokens = {0};
        _cleanup_free_ char *own = own_address(cfg);
        for (size_t i = 0; i < m->to_addrs.n; i++) {
                char *ref = NULL, *token = NULL;
                if (decision_token_in_address(m->to_addrs.v[i], own, &ref, &token) == 0) {
                        strlist_take(&refs, ref);
                        strlist_take(&tokens, token);
                }
        }
        StrList srefs = {0}, stokens = {0};
        decision_tokens_in_subject(m->subject, &srefs, &stokens);
        /* In a subject, "www.someorganisation" is no token: only a word
         * that starts with a reference counts. */
        for (size_t i = 0; i < srefs.n; i++)
                if (store_find_ref(s, srefs.v[i], NULL, NULL) == 0) {
                        strlist_add(&refs, srefs.v[i]);
                        strlist_add(&tokens, stokens.v[i]);
                }
        strlist_free(&srefs);
        strlist_free(&stokens);
        int64_t id = 0;
        int r = refs.n ? 1 : 0;
        for (size_t i = 0; i < refs.n && r > 0; i++) {
                int64_t cid = 0;
                Assessment a = {0};
                if (store_find_ref(s, refs.v[i], &cid, NULL) < 0 || store_load_assessment(s, cid, &a) < 0) {
                        *ret_why = xasprintf("a token for %s, which is no incident", refs.v[i]);
                        r = -EPERM;
                } else if (!a.token || !token_equal(tokens.v[i], a.token)) {
                        *ret_why = xasprintf("the token given for %s is not that incident's (another incident's "
                                             "token, or a guess)", a.ref);
                        r = -EPERM;
                } else if (id && id != cid) {
                        *ret_why = xstrdup("tokens of two different incidents");
                        r = -EPERM;
                }
                id = cid;
                assessment_free(&a);
        }
        /* A subject naming another incident than the token's is a mix-up
         * at best: nothing is decided on a guess. */
        int64_t named = 0;
        if (r > 0) {
                for (const char *open = strchr(m->subject, '['); open; open = strchr(open + 1, '[')) {
                        const char *close = strchr(open, ']');
                        if (!close)
                                break;
                        _cleanup_free_ char *ref = xstrndup(open + 1, (size_t)(close - open - 1));
                        if (store_find_ref(s, str_trim(ref), &named, NULL) == 0 && named != id) {
                                *ret_why = xasprintf("the subject names %s but the token is for another incident",
                                                     str_trim(ref));
                                r = -EPERM;
                                break;
                        }
                }
        }
        if (r > 0)
                *ret_id = id;
        strlist_free(&refs);
        strlist_free(&tokens);
        return r;
}

static char *indented(const StrList *l)
{
        Buf b = {0};
        for (size_t i = 0; i < l->n; i++)
                buf_printf(&b, "  - %s\n", l->v[i]);
        return b.s ? buf_steal(&b) : xstrdup("");
}

/* Mails the DPO(s) what was done with m: template "decision-confirm" or
 * "decision-error". */
static int answer_dpo(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t id, bool ok,
                      const StrList *changes, const StrList *errors, int64_t now, char **ret_why)
{
        Assessment a;
        int r = store_load_assessment(s, id, &a);
        if (r < 0)
                return r;
        Incident inc;
        r = store_load_incident(s, a.ref, &inc);
        if (r < 0) {
                assessment_free(&a);
                return r;
        }
        TemplateVars v = {0};
        notices_incident_vars(cfg, tz, &inc, now, &v);
        decision_vars(cfg, tz, &inc, &a, now, &v);
        char *t = indented(changes);
        tvars_set(&v, "changes", t);
        free(t);
        t = indented(errors);
        tvars_set(&v, "errors", t);
        free(t);
        tvars_set(&v, "actor", m->from_addr);
        t = a.next_reminder_at > 0 ? notices_format_time(tz, a.next_reminder_at) : NULL;
        tvars_set(&v, "next_reminder", t);
        free(t);
        _cleanup_free_ char *reply = decision_reply_address(cfg, a.ref, a.token);
        NoticeMail n = {
                .incident_id = id,
                .loop_ref = a.ref,
                .kind = ok ? "decision_confirm" : "decision_error",
                .template_name = ok ? "decision-confirm" : "decision-error",
                .to = &cfg->dpo,
                .answering = m,
                .reply_to = reply,
                .auto_submitted = "auto-replied",
        };
        r = notices_queue_template(s, cfg, &n, &v, ret_why);
        tvars_free(&v);
        incident_free(&inc);
        assessment_free(&a);
        return r;
}

/* Whether m may decide: DECISION_NONE (not a decision mail),
 * DECISION_REFUSED with *ret_why, or DECISION_ACCEPTED with *ret_id when m
 * is a DPO's reply with a valid token; -errno on a database error.  any:
 * m holds command lines, good or bad. */
static int authenticate(Store *s, const Config *cfg, const Message *m, const DecisionCmds *cmds, bool any,
                        int64_t *ret_id, char **ret_why)
{
        bool dpo = config_is_dpo_address(cfg, m->from_addr);
        char *why = NULL;
        int64_t id = 0;
        int r = token_incident(s, cfg, m, &id, &why);
        if (r == -EPERM) {
                *ret_why = xasprintf("reply from %s refused: %s; nothing changed", m->from_addr, why);
                free(why);
                return DECISION_REFUSED;
        }
        if (r < 0)
                return r;
        if (r == 0) {
                /* No token.  Only an attempt to decide about an incident is
                 * refused; anything else is ordinary mail. */
                if (!decision_cmds_decide(cmds))
                        return DECISION_NONE;
                int64_t about = 0;
                r = about_incident(s, m, &about);
                if (r < 0)
                        return r;
                if (!dpo && r == 0)
                        return DECISION_NONE;
                *ret_why = xasprintf("decision by mail from %s refused: %s; nothing changed", m->from_addr,
                                     dpo ? "it does not carry the incident's token (reply to the notice or a "
                                           "reminder, whose Reply-To has it)"
                                         : "not from a configured DPO, and without the incident's token");
                return DECISION_REFUSED;
        }
        if (!dpo) {
                if (!any)
                        return DECISION_NONE;   /* someone writing to the thread, not deciding */
                *ret_why = xasprintf("decision by mail from %s refused: not a configured DPO address; nothing "
                                     "changed", m->from_addr);
                return DECISION_REFUSED;
        }
        *ret_id = id;
        return DECISION_ACCEPTED;
}

/* A DPO's authenticated reply: applies its commands (all or none) and
 * answers it.  Returns 0 or -errno; *ret_why says what happened. */
static int accept_reply(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t id,
                        const DecisionCmds *cmds, StrList *errors, char **ret_why)
{
        _cleanup_free_ char *ref = NULL;
        int r = store_incident_ref(s, id, &ref);
        if (r < 0)
                return r;
        if (!cmds->n && !errors->n) {
                *ret_why = xasprintf("reply from %s about %s with no instruction in it: kept", m->from_addr, ref);
                return store_audit(s, id, m->from_addr, "followup", NULL, NULL, m->subject);
        }
        StrList changes = {0};
        DecisionEnv env = {.store = s, .cfg = cfg, .tz = tz, .actor = m->from_addr, .now = now_utc()};
        if (!errors->n) {
                r = decision_apply(&env, id, cmds, &changes, errors);
                if (r < 0 && r != -EINVAL)
                        goto out;
        }
        bool ok = errors->n == 0;
        char *why = NULL;
        if (!ok) {
                _cleanup_free_ char *e = strlist_join(errors, "; ");
                r = store_audit(s, id, m->from_addr, "reply refused", NULL, NULL, e);
                why = xasprintf("reply from %s about %s not applied: %s", m->from_addr, ref, e);
        } else {
                /* The log names what changed, not the values: a reason
                 * may hold personal data, and the register has it. */
                Buf what = {0};
                for (size_t i = 0; i < changes.n; i++)
                        buf_printf(&what, "%s%.*s", i ? ", " : "", (int)strcspn(changes.v[i], ":"), changes.v[i]);
                r = 0;
                why = xasprintf("reply from %s applied to %s: %s", m->from_addr, ref, what.s ? what.s : "no change");
                buf_free(&what);
        }
        char *qwhy = NULL;
        if (r >= 0)
                r = answer_dpo(s, cfg, tz, m, id, ok, &changes, errors, env.now, &qwhy);
        if (r < 0) {
                free(why);
                why = qwhy ? qwhy : xasprintf("cannot answer the reply about %s: %s", ref, strerror(-r));
                qwhy = NULL;
        }
        free(qwhy);
        *ret_why = why;
out:
        strlist_free(&changes);
        return r;
}

int decision_handle_reply(Store *s, const Config *cfg, const Tz *tz, const Message *m, int64_t *ret_incident_id,
                          char **ret_why)
{
        /* Out-of-office answers and the like are no one's decision. */
        if (!m->from_addr || m->auto_reason)
                return DECISION_NONE;
        /* Most mail is a new report: from staff, not a DPO, with no token
         * and about no incident.  Whatever its text says, authenticate()
         * finds it nobody's decision, so it is not read as commands (which
         * costs more than the rest of filing it). */
        if (!config_is_dpo_address(cfg, m->from_addr)) {
                int64_t id = 0;
                char *why = NULL;
                int r = token_incident(s, cfg, m, &id, &why);
                free(why);
                if (r == 0)
                        r = about_incident(s, m, &id);
                if (r == 0)
                        return DECISION_NONE;
        }
        DecisionCmds cmds = {0};
        StrList errors = {0};
        _cleanup_free_ char *text = reply_text(m);
        decision_parse(text, &cmds, &errors);
        char *why = NULL;
        int64_t id = 0;
        int r = authenticate(s, cfg, m, &cmds, cmds.n || errors.n, &id, &why);
        if (r == DECISION_ACCEPTED) {
                r = accept_reply(s, cfg, tz, m, id, &cmds, &errors, &why);
                if (r >= 0) {
                        r = DECISION_ACCEPTED;
                        *ret_incident_id = id;
                }
        }
        if (r > 0 || (r < 0 && why))
                *ret_why = why;
        else
                free(why);
        decision_cmds_free(&cmds);
        strlist_free(&errors);
        return r;
}
