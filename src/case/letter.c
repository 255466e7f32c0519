/* letter.c — see letter.h. */
#include "case/letter.h"

#include <errno.h>
#include <string.h>

#include "read/form.h"

void letter_free(Letter *l)
{
        if (!l)
                return;
        free(l->subject);
        free(l->body);
        strlist_free(&l->gaps);
        memset(l, 0, sizeof *l);
}

/* ---- the DPO's decision ------------------------------------------------------ */

bool letter_decided(const Assessment *a, char **ret_why)
{
        const char *told = a ? a->f[AS_SUBJECTS_NOTIFIED] : NULL, *outcome = a ? a->f[AS_OUTCOME] : NULL;
        if (told && (!strcmp(told, "yes") || !strcmp(told, "planned")))
                return true;
        if (!told && outcome && !strcmp(outcome, "reportable to ICO and data subjects"))
                return true;
        if (ret_why)
                *ret_why = told ? xasprintf("the DPO recorded that the people affected are not to be told "
                                            "(subjects-notified: %s)",
                                            told)
                                : xstrdup("the DPO has not recorded that the people affected must be told "
                                          "(Article 34)");
        return false;
}

/* ---- values in either format ------------------------------------------------- */

/* s as HTML text: the five specials as entities; control characters other
 * than line breaks and tabs dropped (the register holds what mail said). */
static void html_escape(Buf *b, const char *s)
{
        for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
                switch (*p) {
                case '&': buf_puts(b, "&amp;"); break;
                case '<': buf_puts(b, "&lt;"); break;
                case '>': buf_puts(b, "&gt;"); break;
                case '"': buf_puts(b, "&quot;"); break;
                case '\'': buf_puts(b, "&#39;"); break;
                default:
                        if ((*p >= 0x20 && *p != 0x7f) || *p == '\n' || *p == '\t')
                                buf_putc(b, (char)*p);
                }
        }
}

static void set_value(TemplateVars *v, LetterFormat fmt, const char *name, const char *value)
{
        if (fmt == LETTER_TEXT || str_empty(value)) {
                tvars_set(v, name, value);
                return;
        }
        Buf b = {0};
        html_escape(&b, value);
        tvars_set(v, name, b.s);
        buf_free(&b);
}

/* "[TO COMPLETE: what — why]", marked in HTML, and the gap listed. */
static void set_gap(TemplateVars *v, LetterFormat fmt, StrList *gaps, const char *name, const char *what,
                    const char *why)
{
        _cleanup_free_ char *mark = xasprintf("[TO COMPLETE: %s — %s]", what, why);
        strlist_take(gaps, xasprintf("%s: %s", what, why));
        if (fmt == LETTER_TEXT) {
                tvars_set(v, name, mark);
                return;
        }
        Buf b = {0};
        buf_puts(&b, "<mark class=\"gap\">");
        html_escape(&b, mark);
        buf_puts(&b, "</mark>");
        tvars_set(v, name, b.s);
        buf_free(&b);
}

/* The value, or the gap when the register has no answer. */
static void set_answer(TemplateVars *v, LetterFormat fmt, StrList *gaps, const char *name, const char *value,
                       const char *what)
{
        if (!str_empty(value))
                set_value(v, fmt, name, value);
        else
                set_gap(v, fmt, gaps, name, what, "the register has no answer");
}

/* Text: "  - item" lines wrapped at 72 columns; HTML: a <ul> on one line
 * (the values' boxes keep line breaks). */
static void set_list(TemplateVars *v, LetterFormat fmt, const char *name, const StrList *items)
{
        Buf b = {0};
        if (fmt == LETTER_HTML && items->n)
                buf_puts(&b, "<ul>");
        for (size_t i = 0; i < items->n; i++) {
                if (fmt == LETTER_HTML) {
                        buf_puts(&b, "<li>");
                        html_escape(&b, items->v[i]);
                        buf_puts(&b, "</li>");
                        continue;
                }
                _cleanup_free_ char *copy = xstrdup(items->v[i]);
                size_t col = 0;
                char *save = NULL;
                buf_puts(&b, "  -");
                col = 3;
                for (char *w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                        size_t n = strlen(w);
                        if (col > 4 && col + 1 + n > 72) {
                                buf_puts(&b, "\n    ");
                                col = 4;
                        } else {
                                buf_putc(&b, ' ');
                                col++;
                        }
                        buf_puts(&b, w);
                        col += n;
                }
                buf_putc(&b, '\n');
        }
        if (fmt == LETTER_HTML && items->n)
                buf_puts(&b, "</ul>");
        /* The text template puts its own line break after the list. */
        if (fmt == LETTER_TEXT && b.len)
                b.s[--b.len] = 0;
        tvars_set(v, name, b.s);
        buf_free(&b);
}

/* ---- what the register says -------------------------------------------------- */

/* The ICO's categories of personal data (values.c) in plain words. */
static const struct {
        const char *category, *plain;
} plain_categories[] = {
        {"basic personal identifiers", "basic personal details, such as a name, address or date of birth"},
        {"identification data such as usernames or passwords", "login details, such as usernames or passwords"},
        {"economic and financial data", "financial details, such as bank, card or payment details"},
        {"official documents", "official documents, such as a passport or driving licence"},
        {"location data", "information about where someone lives or is"},
        {"health", "health information"},
        {"racial or ethnic origin", "information about racial or ethnic origin"},
        {"political opinions", "information about political opinions"},
        {"religious or philosophical beliefs", "information about religious or philosophical beliefs"},
        {"trade union membership", "information about trade union membership"},
        {"sex life", "information about sex life"},
        {"sexual orientation", "information about sexual orientation"},
        {"gender reassignment", "information about gender reassignment"},
        {"genetic or biometric data", "genetic or biometric information"},
        {"criminal convictions and offences", "information about criminal convictions or offences"},
        {"other", "other information"},
};

/* Whether the comma-separated canonical list holds item. */
static bool in_list(const char *list, const char *item)
{
        size_t n = strlen(item);
        for (const char *p = list; p && *p;) {
                while (*p == ' ')
                        p++;
                size_t len = strcspn(p, ",");
                if (len == n && !strncmp(p, item, n))
                        return true;
                p += len + (p[len] == ',');
        }
        return false;
}

static const char *understood(const Incident *inc, FieldId id)
{
        const FieldValue *f = &inc->form.f[id];
        return f->state == FV_OK && f->canon ? f->canon : NULL;
}

static const char *as_written(const Incident *inc, FieldId id)
{
        return inc->form.f[id].text;
}

static bool sensitive(const Incident *inc)
{
        static const char *const special[] = {"health", "racial or ethnic origin", "political opinions",
                                              "religious or philosophical beliefs", "trade union membership",
                                              "sex life", "sexual orientation", "gender reassignment",
                                              "genetic or biometric data", "criminal convictions and offences"};
        const char *yes = understood(inc, F_SPECIAL_CATEGORY), *cats = understood(inc, F_DATA_CATEGORIES);
        if (yes && !strcmp(yes, "yes"))
                return true;
        for (size_t i = 0; cats && i < ARRAY_SIZE(special); i++)
                if (in_list(cats, special[i]))
                        return true;
        return false;
}

static void information_var(const Incident *inc, LetterFormat fmt, TemplateVars *v, StrList *gaps)
{
        const char *cats = understood(inc, F_DATA_CATEGORIES);
        StrList items = {0};
        for (size_t i = 0; cats && i < ARRAY_SIZE(plain_categories); i++)
                if (in_list(cats, plain_categories[i].category))
                        strlist_add(&items, plain_categories[i].plain);
        if (items.n && sensitive(inc) && !in_list(cats, "other"))
                strlist_add(&items, "this includes sensitive (special category) information");
        if (items.n)
                set_list(v, fmt, "information", &items);
        else if (!str_empty(as_written(inc, F_DATA_INVOLVED)))
                /* Not copied: the report's own words about the information
                 * may well name the people it is about. */
                set_gap(v, fmt, gaps, "information", "what information was involved",
                        "the report says it only in its own words (breachctl show)");
        else
                set_gap(v, fmt, gaps, "information", "what information was involved",
                        "the register has no category of personal data for this breach");
        strlist_free(&items);
}

/* What the person can do, by the kinds of information involved. */
static void advice_var(const Incident *inc, LetterFormat fmt, TemplateVars *v)
{
        const char *cats = understood(inc, F_DATA_CATEGORIES);
        StrList a = {0};
        strlist_add(&a, "Be alert to emails, telephone calls, texts or letters that mention this incident or "
                        "ask for personal details, passwords or payment. We will never ask you for these. If in "
                        "doubt, do not reply: contact us using the details in this letter.");
        if (cats && in_list(cats, "identification data such as usernames or passwords"))
                strlist_add(&a, "Change the password of any account that may be affected, and of any other account "
                                "where you use the same password. Turn on two-step verification where you can.");
        if (cats && in_list(cats, "economic and financial data"))
                strlist_add(&a, "Check your bank and card statements and tell your bank straight away about any "
                                "payment you do not recognise. Your bank will never ask you to move money or to "
                                "tell them your PIN. You can check your credit file free of charge with a credit "
                                "reference agency.");
        if (cats && in_list(cats, "official documents"))
                strlist_add(&a, "If you think someone is using your identity or documents, report it to Action "
                                "Fraud (actionfraud.police.uk, 0300 123 2040) or, in Scotland, to Police Scotland "
                                "on 101, and tell the organisation that issued the document.");
        if (cats && in_list(cats, "location data"))
                strlist_add(&a, "If you are worried about your safety or that of your family, contact us straight "
                                "away. In an emergency, call 999.");
        if (sensitive(inc))
                strlist_add(&a, "The information was sensitive. If this causes you worry or distress, please contact "
                                "us: we can talk it through with you and tell you where to find support.");
        strlist_add(&a, "Tell us if you notice anything unusual that may be connected with this breach.");
        set_list(v, fmt, "advice", &a);
        strlist_free(&a);
}

/* Who the letter is to: a parent or carer when the people affected are
 * pupils or children, else a name to fill in. */
static void addressee_vars(const Incident *inc, TemplateVars *v)
{
        const char *who = understood(inc, F_SUBJECT_CATEGORIES);
        bool child = who && (in_list(who, "pupils or students") || in_list(who, "children"));
        tvars_set(v, "salutation", child ? "Dear parent or carer" : "Dear [NAME]");
        tvars_set(v, "whose", child ? "your child's" : "your");
        tvars_set(v, "about", child ? "your child" : "you");
}

static char *occurred_text(const Tz *tz, const Incident *inc)
{
        const FieldValue *f = &inc->form.f[F_OCCURRED_AT];
        if (f->state != FV_OK || (f->date_prec != DATE_DAY && f->date_prec != DATE_MINUTE))
                return NULL;
        _cleanup_free_ char *day = tz_format(tz, f->when, "%A %-d %B %Y");
        return xasprintf("%s %s", f->approx ? "on or about" : "on", day);
}

static void measures_vars(const Incident *inc, const CaseAction *acts, size_t n_acts, LetterFormat fmt,
                          TemplateVars *v, StrList *gaps)
{
        set_answer(v, fmt, gaps, "measures", as_written(inc, F_MEASURES_TAKEN),
                   "measures taken or proposed to deal with the breach");
        set_answer(v, fmt, gaps, "mitigation", as_written(inc, F_MITIGATION),
                   "measures to reduce the possible effects on the people affected");
        /* The actions' text only: their owners are members of staff. */
        StrList l = {0};
        for (size_t i = 0; i < n_acts; i++)
                if (!str_empty(acts[i].text))
                        strlist_take(&l, xasprintf("%s%s", acts[i].text, acts[i].done_at ? " (done)" : ""));
        set_list(v, fmt, "actions", &l);
        strlist_free(&l);
}

static void dpo_vars(const Config *cfg, LetterFormat fmt, TemplateVars *v, StrList *gaps)
{
        if (cfg->dpo_contact.name)
                set_value(v, fmt, "dpo_name", cfg->dpo_contact.name);
        else
                set_gap(v, fmt, gaps, "dpo_name", "the Data Protection Officer's name",
                        "breachd.conf has no dpo_contact.name");
        set_value(v, fmt, "dpo_email", cfg->dpo_contact.email ? cfg->dpo_contact.email
                                       : cfg->dpo.n                ? cfg->dpo.v[0]
                                                                   : NULL);
        if (cfg->dpo_contact.phone)
                set_value(v, fmt, "dpo_phone", cfg->dpo_contact.phone);
        else
                set_gap(v, fmt, gaps, "dpo_phone", "the Data Protection Officer's telephone number",
                        "breachd.conf has no dpo_contact.phone");
        set_value(v, fmt, "dpo_address", cfg->dpo_contact.address);
        if (!str_empty(cfg->organisation))
                set_value(v, fmt, "organisation", cfg->organisation);
        else
                set_gap(v, fmt, gaps, "organisation", "the organisation's name", "breachd.conf has no organisation");
}

void letter_vars(const Config *cfg, const Tz *tz, const Incident *inc, const CaseAction *acts, size_t n_acts,
                 LetterFormat fmt, const char *draft, int64_t now, TemplateVars *v, StrList *gaps)
{
        set_value(v, fmt, "draft", draft);
        set_value(v, fmt, "ref", inc->ref);
        _cleanup_free_ char *date = tz_format(tz, now, "%-d %B %Y");
        set_value(v, fmt, "date", date);
        addressee_vars(inc, v);
        set_answer(v, fmt, gaps, "nature", as_written(inc, F_NATURE), "what happened, in plain words");
        _cleanup_free_ char *when = occurred_text(tz, inc);
        set_value(v, fmt, "occurred", when);
        information_var(inc, fmt, v, gaps);
        set_answer(v, fmt, gaps, "consequences", as_written(inc, F_LIKELY_CONSEQUENCES), "likely consequences");
        measures_vars(inc, acts, n_acts, fmt, v, gaps);
        advice_var(inc, fmt, v);
        dpo_vars(cfg, fmt, v, gaps);
}

/* ---- the letter ------------------------------------------------------------ */

static const char *template_name(LetterFormat fmt)
{
        return fmt == LETTER_HTML ? "subject-letter.html" : "subject-letter";
}

int letter_make(Store *s, const Config *cfg, const Tz *tz, const char *ref, LetterFormat fmt, bool draft,
                int64_t now, Letter *ret, char **ret_why)
{
        Incident inc;
        int r = store_load_incident(s, ref, &inc);
        if (r < 0) {
                *ret_why = xasprintf("%s: %s", ref, r == -ENOENT ? "no such incident" : strerror(-r));
                return r;
        }
        Assessment a = {0};
        CaseAction *acts = NULL;
        size_t n_acts = 0;
        TemplateVars v = {0};
        Letter l = {0};
        _cleanup_free_ char *undecided = NULL;
        if ((r = store_load_assessment(s, inc.id, &a)) < 0 || (r = store_actions_list(s, inc.id, &acts, &n_acts)) < 0) {
                *ret_why = xasprintf("%s: %s", inc.ref, strerror(-r));
                goto done;
        }
        l.decided = letter_decided(&a, &undecided);
        if (!l.decided && !draft) {
                *ret_why = xasprintf("%s: %s, so no letter is drafted.  Once it is decided, record it by replying "
                                     "to the DPO's notice with \"subjects-notified: planned\" (or: breachctl set %s "
                                     "subjects-notified planned); --draft drafts the letter anyway, marked as a draft",
                                     inc.ref, undecided, inc.ref);
                r = -EPERM;
                goto done;
        }
        letter_vars(cfg, tz, &inc, acts, n_acts, fmt, l.decided ? NULL : undecided, now, &v, &l.gaps);
        Rendered out = {0};
        r = template_render_file(cfg->templates_dir, template_name(fmt), &v, &out, ret_why);
        if (r >= 0) {
                l.subject = out.subject;
                l.body = out.body;
                *ret = l;
                memset(&l, 0, sizeof l);
        }
done:
        letter_free(&l);
        tvars_free(&v);
        case_actions_free(acts, n_acts);
        assessment_free(&a);
        incident_free(&inc);
        return r;
}

int letter_check_templates(const Config *cfg, const Tz *tz, char **ret_why)
{
        Incident inc;
        incident_init(&inc);
        inc.ref = xstrdup("DB2026001");
        form_record_set(&inc.form, F_NATURE, "A letter was sent to the wrong address.");
        CaseAction act = {.n = 1, .text = (char *)"Check addresses before sending"};
        int r = 0;
        for (int fmt = LETTER_TEXT; fmt <= LETTER_HTML && r >= 0; fmt++) {
                TemplateVars v = {0};
                StrList gaps = {0};
                letter_vars(cfg, tz, &inc, &act, 1, (LetterFormat)fmt, "a sample", now_utc(), &v, &gaps);
                /* Every section shown, so that a variable inside one is
                 * checked too. */
                tvars_set(&v, "occurred", "on Monday 5 January 2026");
                tvars_set(&v, "dpo_email", "dpo@example.org");
                tvars_set(&v, "dpo_address", "Town Hall");
                Rendered out = {0};
                r = template_render_file(cfg->templates_dir, template_name((LetterFormat)fmt), &v, &out, ret_why);
                rendered_free(&out);
                strlist_free(&gaps);
                tvars_free(&v);
        }
        incident_free(&inc);
        return r;
}
