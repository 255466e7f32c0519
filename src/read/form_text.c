/* form_text.c — reading a form out of "Label: value" text and out of
 * two-column table rows (see form.h).
 *
 * Text is read line by line.  A line that starts with a label followed by
 * a separator (':', '?', a TAB, " - ", a run of dots) starts that field;
 * a line that is a label alone starts it with the value on the lines
 * below; any other line continues the value being read.  Reading stops at
 * a sign-off ("Kind regards", "Sent from my iPhone", "--") once a field was
 * found, and at the part of the form the DPO fills in.  A signature after
 * the last answer is not part of it. */
#include <ctype.h>
#include <string.h>

#include "read/form-internal.h"
#include "read/values.h"

/* ---- line classes ------------------------------------------------------- */

/* "Time of incident" and its kin complete the date field before them. */
static int match_time_label(const char *n)
{
        /* every one starts "time" or "approximate time" */
        if (n[0] != 't' && n[0] != 'a')
                return -1;
        static const struct { const char *label; FieldId id; } t[] = {
                {"time of incident", F_OCCURRED_AT}, {"time of breach", F_OCCURRED_AT},
                {"time occurred", F_OCCURRED_AT},    {"time", F_OCCURRED_AT},
                {"time of the incident", F_OCCURRED_AT}, {"time of the breach", F_OCCURRED_AT},
                {"time it happened", F_OCCURRED_AT}, {"approximate time", F_OCCURRED_AT},
                {"time discovered", F_AWARE_AT},     {"time of discovery", F_AWARE_AT},
                {"time aware", F_AWARE_AT},          {"time you found out", F_AWARE_AT},
                {"time became aware", F_AWARE_AT},   {"time you became aware", F_AWARE_AT},
                {"time identified", F_AWARE_AT},
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcmp(n, t[i].label) == 0)
                        return (int)t[i].id;
        return -1;
}

static void add_time(FormRecord *r, FieldId id, const char *value)
{
        _cleanup_free_ char *v = xstrdup(value);
        char *t = str_trim(v);
        if (!*t)
                return;
        FieldValue *f = &r->f[id];
        if (!f->text) {
                f->text = xstrdup(t);
                f->state = FV_OK;
                return;
        }
        if (strstr(f->text, t))
                return;
        char *joined = xasprintf("%s %s", f->text, t);
        free(f->text);
        f->text = joined;
}

/* A line that ends a form: a signature separator or a sign-off.  n is
 * the line normalised. */
static bool is_signoff(const char *line, const char *n)
{
        if (strcmp(line, "--") == 0 || strcmp(line, "-- ") == 0 || strcmp(line, "__") == 0)
                return true;
        /* every sign-off and footer below starts with one of these */
        if (!n[0] || !strchr("rkbwmtcyags", n[0]))
                return false;
        static const char *const s[] = {"regards", "kind regards", "best regards", "warm regards", "many thanks",
                                        "thanks", "thank you", "best wishes", "cheers", "yours sincerely",
                                        "yours faithfully", "with thanks", "thanks again", "kindest regards",
                                        "many thanks in advance", "thanks in advance", "best", "all the best",
                                        "thanks very much", "thank you very much", "regards and thanks",
                                        "kind regards and thanks", "with kind regards", "with best wishes"};
        for (size_t i = 0; i < ARRAY_SIZE(s); i++)
                if (strcmp(n, s[i]) == 0)
                        return true;
        static const char *const starts[] = {"sent from my ", "sent from outlook", "get outlook for ",
                                             "sent from mail for ", "sent from yahoo", "sent from samsung",
                                             "sent with ", "sent via "};
        for (size_t i = 0; i < ARRAY_SIZE(starts); i++)
                if (str_startswith(n, starts[i]))
                        return true;
        return false;
}

/* The heading of the part of the form the DPO fills in: the reporter's
 * answers end there. */
static bool is_dpo_part(const char *n)
{
        static const char *const s[] = {"to be completed by the data protection officer", "to be completed by the dpo",
                                        "for dpo use", "dpo use only", "for office use", "office use only",
                                        "for completion by the data protection officer",
                                        "for completion by the dpo", "for information governance use",
                                        "for ig use", "ig use only", "dpo section", "section to be completed by the dpo"};
        /* the longest heading is 46 bytes: a longer line is text that
         * mentions one; and each has "dpo", "use" or "officer" in it */
        size_t len = strlen(n);
        if (len >= 46 + 30 || (!strstr(n, "dpo") && !strstr(n, "use") && !strstr(n, "officer")))
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(s); i++)
                if (strstr(n, s[i]) && len < strlen(s[i]) + 30)
                        return true;
        return false;
}

/* is_dpo_part() of text not normalised yet (a table's cell). */
static bool is_dpo_part_text(const char *text)
{
        FormNormBuf nb = {0};
        bool r = is_dpo_part(form_norm_buf(&nb, text));
        form_norm_buf_free(&nb);
        return r;
}

/* A heading of the form ("Part 1 – the reporter", "SECTION B: THE
 * BREACH", "DETAILS OF THE INCIDENT"): it ends the answer above it.
 * is_section() is the kind no label can be mistaken for. */
static bool is_section(const char *n)
{
        if (n[0] != 'p' && n[0] != 's')
                return false;
        size_t words = form_count_words(n);
        if (!words || words > 10)
                return false;
        if ((str_startswith(n, "part ") || str_startswith(n, "section ") || str_startswith(n, "step ")) &&
            strchr(n, ' ')) {
                const char *w = strchr(n, ' ') + 1;
                size_t k = strcspn(w, " ");
                return k == 1 || (k <= 3 && isdigit((unsigned char)*w));
        }
        return false;
}

static bool is_heading(const char *line, const char *n)
{
        size_t words = form_count_words(n);
        if (!words || words > 10)
                return false;
        if (is_section(n))
                return true;
        /* capitals only, two words or more */
        size_t letters = 0;
        for (const unsigned char *p = (const unsigned char *)line; *p; p++) {
                if (islower(*p))
                        return false;
                letters += isupper(*p) != 0;
        }
        return words >= 2 && letters >= 6;
}

/* A word of a printed choice (is_untouched). */
static bool is_choice_word(const char *w)
{
        return !strcmp(w, "yes") || !strcmp(w, "y") || !strcmp(w, "no") || !strcmp(w, "n") || !strcmp(w, "when") ||
               !strcmp(w, "date") || !strcmp(w, "unknown") || !strcmp(w, "na");
}

/* A printed choice nobody picked: "Yes / No", "Y/N", "Yes / No – When:",
 * "☐ Yes ☐ No"; Word's "Click or tap here to enter text." */
static bool is_untouched(const char *value)
{
        /* Every answer comes here: its first words decide most of them,
         * before the whole is normalised or the ticks are looked for. */
        char first[12];
        if (!form_normalise_head(value, first, sizeof first)) {
                /* The first word is whole when a space follows it; one
                 * longer than that is neither a choice nor a prompt's. */
                char *e = strchr(first, ' ');
                if (!e)
                        return false;
                *e = 0;
                if (!is_choice_word(first) && strcmp(first, "click") && strcmp(first, "choose") &&
                    strcmp(first, "enter") && strcmp(first, "type"))
                        return false;
        }
        char head[40];  /* more than the longest prompt */
        _cleanup_free_ char *heap = NULL;
        char *n = head;
        if (!form_normalise_head(value, head, sizeof head)) {
                /* longer than any prompt: a whole word other than those of
                 * a choice says it is an answer */
                for (char *w = head, *e; (e = strchr(w, ' ')); w = e + 1) {
                        *e = 0;
                        if (!is_choice_word(w))
                                return false;
                }
                n = heap = form_label_normalise(value);
        }
        /* Word's prompts in a content control nobody filled in */
        static const char *const prompts[] = {"click or tap here to enter text", "click here to enter text",
                                              "click or tap to enter a date", "click here to enter a date",
                                              "choose an item", "enter text here", "type here"};
        bool prompt = false;
        for (size_t i = 0; i < ARRAY_SIZE(prompts) && !prompt; i++)
                prompt = strcmp(n, prompts[i]) == 0;
        if (!prompt) {
                bool yes = false, no = false;
                char *save = NULL;
                for (char *w = strtok_r(n, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                        if (!strcmp(w, "yes") || !strcmp(w, "y"))
                                yes = true;
                        else if (!strcmp(w, "no") || !strcmp(w, "n"))
                                no = true;
                        else if (!is_choice_word(w))
                                return false;
                }
                if (!(yes && no))
                        return false;
        }
        /* a choice ticked is a choice made */
        static const char *const ticks[] = {"\xe2\x98\x92", "\xe2\x98\x91", "\xe2\x9c\x93", "\xe2\x9c\x94",
                                            "[x]", "[X]", "(x)", "(X)"};
        for (size_t i = 0; i < ARRAY_SIZE(ticks); i++)
                if (strstr(value, ticks[i]))
                        return false;
        return true;
}

/* A "Label: value" line whose label is on no form: a few capitalised words
 * ("Job title: ...", "Location: ..."), or a question of the reporter's own
 * form ("Have you informed your manager? Yes"). */
static bool is_other_label(const char *line)
{
        const char *colon = strchr(line, ':'), *q = strchr(line, '?');
        if (!isupper((unsigned char)line[0]))
                return false;
        if (q && (!colon || q < colon) && q - line < 120 && form_count_words(line) >= 2) {
                for (const char *p = line; p < q; p++)
                        if (*p == '.' || *p == '!' || *p == ';')
                                return false;
                return true;
        }
        if (!colon || colon - line > 40)
                return false;
        if (colon[1] && colon[1] != ' ' && colon[1] != '\t')
                return false;   /* a time, a URL */
        size_t words = 1;
        for (const char *p = line; p < colon; p++) {
                if (*p == ' ')
                        words++;
                else if (!isalpha((unsigned char)*p) && !strchr("/&-()'", *p))
                        return false;
        }
        return words <= 4;
}

/* A line that could be a signature's first: a name ("Jane", "A. Hassan",
 * "Mary-Jane O'Neill") or a valediction ending in a comma. */
static bool is_signature_start(const char *line)
{
        size_t n = strlen(line);
        if (n == 0 || n > 60)
                return false;
        if (line[n - 1] == ',' && form_count_words(line) <= 5)
                return true;
        size_t words = 0;
        for (const char *p = line; *p;) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                if (!isupper((unsigned char)*p) && (unsigned char)*p < 0x80)
                        return false;
                while (*p && *p != ' ') {
                        if (isdigit((unsigned char)*p) || strchr(",:;!?()/@", *p))
                                return false;
                        p++;
                }
                words++;
        }
        return words >= 1 && words <= 3;
}

/* ---- the reader --------------------------------------------------------- */

typedef struct {
        FormRecord *rec;
        const FormLabels *labels;
        int current;        /* field being read, or -1 */
        bool current_time;  /* reading a "Time of ..." companion */
        bool alone;         /* its label stood alone: the value is below it */
        bool after_blank;   /* the line before was blank */
        bool after_open;    /* the line before ended in a letter or digit: a sentence may run on */
        const char *rest;   /* the text after the line being read */
        char *label;        /* its label as written, normalised */
        char *asked;        /* its label as written when it asks the field's
                             * question the other way round, else NULL */
        Buf value;
        size_t n_fields;    /* fields found */
        FormNormBuf norm;   /* the line being read, normalised */
        FormNormBuf alt;    /* the line without its end punctuation, normalised */
} TextReader;

/* Cuts a signature off the last answer: a paragraph that starts with a
 * name or a valediction, and everything after it. */
static void cut_signature(char *v)
{
        for (char *p = strstr(v, "\n\n"); p; p = strstr(p + 1, "\n\n")) {
                char *start = p + 2;
                while (*start == '\n')
                        start++;
                _cleanup_free_ char *first = xstrndup(start, strcspn(start, "\n"));
                if (is_signature_start(str_trim(first))) {
                        *p = 0;
                        return;
                }
        }
}

static void reader_flush(TextReader *tr, bool last)
{
        if (tr->current >= 0) {
                char *v = tr->value.s ? tr->value.s : "";
                if (last)
                        cut_signature(v);
                /* drop trailing blank lines but keep inner line breaks */
                v = str_trim(v);
                if (*v && !is_untouched(v)) {
                        if (tr->current_time) {
                                add_time(tr->rec, (FieldId)tr->current, v);
                        } else if (tr->asked) {
                                _cleanup_free_ char *t = values_negated_answer(tr->asked, v);
                                form_record_set(tr->rec, (FieldId)tr->current, t);
                        } else {
                                form_record_set(tr->rec, (FieldId)tr->current, v);
                        }
                }
        }
        free(tr->asked);
        tr->asked = NULL;
        buf_free(&tr->value);
        tr->current = -1;
        tr->current_time = false;
        tr->alone = false;
}

/* label_norm is the label as written, normalised. */
/* asked is the label as written when it asks the field's question the
 * other way round, else NULL. */
static void reader_start(TextReader *tr, int id, bool is_time, bool alone, const char *value, const char *line,
                         const char *label_norm, const char *asked)
{
        if (id == tr->current && !is_time && !tr->current_time && tr->value.len && tr->label &&
            strcmp(label_norm, tr->label) != 0 && !asked == !tr->asked) {
                /* "Contact details: ..." then "Tel: ...": one answer (the
                 * same label again is a second answer) */
                buf_putc(&tr->value, '\n');
                buf_puts(&tr->value, line);
                return;
        }
        reader_flush(tr, false);
        free(tr->label);
        tr->label = xstrdup(label_norm);
        tr->asked = asked ? xstrdup(asked) : NULL;
        tr->current = id;
        tr->current_time = is_time;
        tr->alone = alone;
        tr->n_fields++;
        /* what separates label and value: ":-", " - ", "....", "*" */
        for (;;) {
                while (*value && (strchr(" \t:-.*_=>?", *value) || str_startswith(value, "\xe2\x80\x93") ||
                                  str_startswith(value, "\xe2\x80\x94") || str_startswith(value, "\xe2\x80\xa6")))
                        value += (unsigned char)*value >= 0x80 ? 3 : 1;
                /* the form's own guidance after the question mark */
                if (!str_startswith_ci(value, "list in next column") && !str_startswith_ci(value, "list below"))
                        break;
                value += strcspn(value, "\t:");
        }
        buf_puts(&tr->value, value);
}

/* The separator at p: its length, 0 when there is none.  *ret_question
 * says whether what stands before it may be matched as a question. */
static size_t separator_at(const char *line, const char *p, bool *ret_question)
{
        *ret_question = false;
        /* called on every byte of a line: one test per kind of byte */
        switch (*p) {
        case ':':
        case '?':
                *ret_question = true;
                return 1;
        case '\t':
                return 1;
        case '-':
                /* " - " */
                return p > line && p[-1] == ' ' && p[1] == ' ' ? 1 : 0;
        case '\xe2':
                /* " – ", " — " */
                if (p > line && p[-1] == ' ' && p[1] == '\x80' && (p[2] == '\x93' || p[2] == '\x94') &&
                    p[3] == ' ')
                        return 3;
                /* "…": dot leaders, as below */
                if (p[1] == '\x80' && p[2] == '\xa6') {
                        *ret_question = true;
                        return 3;
                }
                return 0;
        case '.':
                /* dot leaders: only a form lines its labels up so */
                if (p[1] == '.') {
                        *ret_question = true;
                        return 2;
                }
                return 0;
        case ' ':
                /* columns lined up with spaces, as a table copied as text */
                if (p[1] == ' ' && p[2] == ' ' && p > line && p[-1] != ' ') {
                        *ret_question = true;
                        return 3;
                }
                return 0;
        default:
                return 0;
        }
}

/* Tries "Label: value", "Label? value", "Label<TAB>value", "Label - value"
 * and "Label .... value" splits of a line, earliest separator first. */
static bool try_label_line(TextReader *tr, const char *line)
{
        for (const char *p = line; *p && p - line <= 300; p++) {
                bool question;
                size_t k = separator_at(line, p, &question);
                if (!k || p == line)
                        continue;
                /* the loop's bound keeps a candidate within FORM_LABEL_MAX */
                char cand[301], norm[FORM_NORM_CAP(300)];
                memcpy(cand, line, (size_t)(p - line));
                cand[p - line] = 0;
                form_normalise_into(cand, norm);
                int id = match_time_label(norm);
                if (id >= 0) {
                        reader_start(tr, id, true, false, p + k, line, norm, NULL);
                        return true;
                }
                LabelMatch how = question || *p == '\t' ? LABEL_QUESTION : LABEL_WORDING;
                bool negated;
                id = form_labels_match_norm(tr->labels, cand, norm, how, &negated);
                if (id >= 0) {
                        reader_start(tr, id, false, false, p + k, line, norm, negated ? cand : NULL);
                        return true;
                }
        }
        return false;
}

/* A one-word label that is also a common answer ("Email" under "Format"):
 * while the field above has no answer yet, the word is its answer. */
/* n is the candidate normalised. */
static bool answer_not_label(const TextReader *tr, int id, const char *n)
{
        if (tr->current < 0 || tr->value.len || !tr->alone)
                return false;
        _cleanup_free_ char *def = form_label_normalise(form_fields[id].label);
        return form_count_words(n) == 1 && strcmp(n, def) != 0;
}

/* norm is line normalised. */
static bool try_label_alone(TextReader *tr, char *line, const char *norm)
{
        size_t n = strlen(line);
        bool punct = false;
        while (n && strchr(":?*- .", line[n - 1])) {
                punct |= line[n - 1] == ':' || line[n - 1] == '?';
                n--;
        }
        if (!n)
                return false;
        /* the line without its end punctuation, cut in place for a while */
        char end = line[n];
        line[n] = 0;
        const char *c = line;
        /* that punctuation leaves no trace in a normalised text, unless a
         * list marker ("1.") was all the line had before it */
        const char *cn = end ? form_norm_buf(&tr->alt, c) : norm;
        int id = match_time_label(cn);
        if (id >= 0 && punct) {
                line[n] = end;
                reader_start(tr, id, true, true, "", line, cn, NULL);
                return true;
        }
        bool negated;
        id = form_labels_match_norm(tr->labels, c, cn, punct ? LABEL_QUESTION : LABEL_WORDING, &negated);
        if (id >= 0 && !(!punct && answer_not_label(tr, id, cn))) {
                _cleanup_free_ char *asked = negated ? xstrdup(c) : NULL;
                line[n] = end;
                reader_start(tr, id, false, true, "", line, cn, asked);
                return true;
        }
        line[n] = end;
        return false;
}

static void collapse_blank_lines(FormRecord *rec)
{
        for (size_t i = 0; i < FIELD__MAX; i++) {
                char *t = rec->f[i].text;
                if (!t)
                        continue;
                char *w = t;
                int nls = 0;
                for (char *q = t; *q; q++) {
                        if (*q == '\n') {
                                if (++nls > 2)
                                        continue;
                        } else {
                                nls = 0;
                        }
                        *w++ = *q;
                }
                *w = 0;
        }
}

/* Whether a question of the form comes within the next few lines: one of
 * several words, or a field's own one-word label ("Team"), not the "Tel:"
 * and "Email:" of a signature. */
static bool form_ahead(const TextReader *tr)
{
        const char *p = tr->rest;
        for (int k = 0; p && *p && k < 12; k++) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
                p = nl ? nl + 1 : NULL;
                char *t = str_trim(line);
                t[strcspn(t, ":?\t")] = 0;
                int id = *t ? form_labels_match_how(tr->labels, t, LABEL_WORDING, NULL) : -1;
                if (id < 0)
                        continue;
                _cleanup_free_ char *n = form_label_normalise(t), *def = form_label_normalise(form_fields[id].label);
                if (form_count_words(n) >= 2 || strcmp(n, def) == 0)
                        return true;
        }
        return false;
}

/* One line; returns false when reading must stop. */
static bool read_line(TextReader *tr, char *line)
{
        bool after_blank = tr->after_blank, after_open = tr->after_open;
        tr->after_blank = !*line;
        size_t len = strlen(line);
        tr->after_open = len && isalnum((unsigned char)line[len - 1]);
        /* normalised once for all the tests below */
        const char *norm = form_norm_buf(&tr->norm, line);
        if (is_dpo_part(norm)) {
                reader_flush(tr, true);
                return false;
        }
        if (is_signoff(line, norm)) {
                reader_flush(tr, true);
                return tr->n_fields == 0;
        }
        if (*line && is_section(norm)) {
                /* "Section 1: About you" is no answer to a "Section" label */
                reader_flush(tr, false);
                return true;
        }
        /* Outside any answer, a line in lower case under one that stopped
         * mid-sentence, whose first separator is a question mark, is that
         * sentence wrapped by the mail program, not a question: "...will
         * someone from your\nteam do that? The head is asking." answers no
         * "Team".  ("team: Payroll" there is still an answer.) */
        const char *q = strchr(line, '?'), *colon = strchr(line, ':');
        bool runs_on = tr->current < 0 && after_open && islower((unsigned char)*line) && q && (!colon || q < colon);
        if (*line && !runs_on && (try_label_line(tr, line) || try_label_alone(tr, line, norm)))
                return true;
        if (*line && is_heading(line, norm) && !(tr->current >= 0 && tr->alone && !tr->value.len)) {
                reader_flush(tr, false);
                return true;
        }
        if (*line && after_blank && tr->current >= 0 && tr->value.len && is_signature_start(line)) {
                /* "Jane Smith" or "Best," under the last answer is the
                 * signature, whatever follows it ("Tel: ..."); with more of
                 * the form below, it is a question on no form ("Location"):
                 * the answer above ends, and what follows is not read
                 * until the next question. */
                bool more = form_ahead(tr);
                reader_flush(tr, !more);
                if (!more)
                        return false;
                strlist_add(&tr->rec->unknown_labels, line);
                return true;
        }
        if (*line && tr->current >= 0 && !tr->alone && !strchr(tr->value.s ? tr->value.s : "", '\n') &&
            is_other_label(line)) {
                /* "Job title: ..." after "Name: ...": not part of the name */
                reader_flush(tr, false);
                strlist_add(&tr->rec->unknown_labels, line);
                form_record_note(tr->rec, xasprintf("Also given: %s", line));
                return true;
        }
        if (tr->current >= 0 && (tr->value.len || *line)) {
                if (tr->value.len)
                        buf_putc(&tr->value, '\n');
                buf_puts(&tr->value, line);
        }
        return true;
}

size_t form_read_text(const FormLabels *labels, const char *text, FormRecord *rec)
{
        TextReader tr = {.rec = rec, .labels = labels, .current = -1};
        bool go = true;
        _cleanup_buf_ Buf raw = {0};
        for (const char *p = text; go && p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                /* one buffer for every line; a NUL in the line ends it, as
                 * a copy with xstrndup() would */
                raw.len = 0;
                buf_append(&raw, p, strnlen(p, n));
                p = nl ? nl + 1 : NULL;
                tr.rest = p;
                /* Outlook turns table rows into label<TAB>value: keep tabs. */
                for (char *q = raw.s; *q; q++)
                        if (*q == '\r' || *q == '\v' || *q == '\f')
                                *q = ' ';
                go = read_line(&tr, str_trim(raw.s));
        }
        reader_flush(&tr, true);
        free(tr.label);
        free(tr.asked);
        form_norm_buf_free(&tr.norm);
        form_norm_buf_free(&tr.alt);
        collapse_blank_lines(rec);
        return tr.n_fields;
}

/* Whether the words of line from the first-th on each start with a
 * capital letter, as a name's do ("Mark", "Sam Patel"), line having
 * `words` words (split at spaces, commas and the like) in all.  When the
 * line splits into another number of words than its normalised form, no:
 * when in doubt, what the reporter wrote is kept. */
static bool name_words_from(const char *line, size_t words, size_t first)
{
        static const char seps[] = " \t,;:";
        size_t i = 0;
        for (const char *p = line + strspn(line, seps); *p; p += strspn(p, seps), i++) {
                if (i >= first && !isupper((unsigned char)*p) && !((unsigned char)*p >= 0xc0))
                        return false;
                p += strcspn(p, seps);
        }
        return i == words;
}

/* A sign-off with the writer's name after it: "Thanks, Mark", "Cheers
 * Jo", "Kind regards Sam Patel"; not "Best practice not followed" nor
 * "Thank you IT team".  n is the line normalised. */
static bool is_signoff_with_name(const char *line, const char *n)
{
        if (is_signoff(line, n))
                return true;
        size_t words = form_count_words(n);
        if (words < 2 || words > 5)
                return false;
        /* the sign-off, then at most three words of a name */
        _cleanup_free_ char *head = xstrdup(n);
        for (size_t k = words - 1; k >= 1 && k + 3 >= words; k--) {
                char *cut = head;
                for (size_t w = 0; w < k && cut; w++)
                        cut = strchr(cut + 1, ' ');
                if (!cut)
                        break;
                char keep = *cut;
                *cut = 0;
                bool off = is_signoff(head, head);
                *cut = keep;
                if (off)
                        return name_words_from(line, words, k);
        }
        return false;
}

/* The lines of a signature under a sign-off: at most eight, each short (a
 * name, a title, a team, a telephone number, an address line). */
#define SIGNATURE_LINES_MAX 8
#define SIGNATURE_LINE_MAX 80

/* Whether word is one of the writer's: a word of their display name or a
 * piece of their address's local part ("sam.lee@" → "sam", "lee"), at
 * least two letters, compared without case. */
static bool writer_word(const char *word, size_t len, const char *name, const char *addr)
{
        if (len < 2)
                return false;
        const char *srcs[] = {name, addr};
        for (size_t i = 0; i < ARRAY_SIZE(srcs); i++) {
                const char *p = srcs[i];
                if (!p)
                        continue;
                const char *end = i == 1 && strchr(p, '@') ? strchr(p, '@') : p + strlen(p);
                while (p < end) {
                        size_t n = strcspn(p, " \t,.;_-+\"'<>@");
                        if (p + n > end)
                                n = (size_t)(end - p);
                        if (n == len && strncasecmp(p, word, len) == 0)
                                return true;
                        p += n ? n : 1;
                }
        }
        return false;
}

/* A line that is only the writer's name ("Sam", "Jo Baker", "Ali K."):
 * one to three words, each with a capital letter first, the first of them
 * the writer's. */
static bool is_writer_name(const char *line, const char *name, const char *addr)
{
        size_t words = 0;
        const char *first = NULL;
        size_t first_len = 0;
        for (const char *p = line; *p;) {
                p += strspn(p, " \t");
                if (!*p)
                        break;
                size_t n = strcspn(p, " \t");
                if (!isupper((unsigned char)*p) && (unsigned char)*p < 0xc0)
                        return false;
                for (size_t k = 0; k < n; k++)
                        if (isdigit((unsigned char)p[k]) || strchr(",;:!?()", p[k]))
                                return false;
                if (!words++)
                        first = p, first_len = n;
                p += n;
        }
        return words >= 1 && words <= 3 && writer_word(first, first_len, name, addr);
}

void form_cut_signoff(char *text, const char *writer_name, const char *writer_addr)
{
        if (!text)
                return;
        bool content = false, after_blank = false;
        for (char *l = text; l && *l; ) {
                char *nl = strchr(l, '\n');
                _cleanup_free_ char *line = xstrndup(l, nl ? (size_t)(nl - l) : strlen(l));
                _cleanup_free_ char *n = form_label_normalise(str_trim(line));
                /* A sign-off ("Thanks, Mark"), or the writer's name alone
                 * as a paragraph of its own ("\n\nSam"). */
                if (content && *n &&
                    (is_signoff_with_name(str_trim(line), n) ||
                     (after_blank && is_writer_name(str_trim(line), writer_name, writer_addr)))) {
                        /* What follows must be a signature, else it is text. */
                        size_t lines = 0;
                        bool short_block = true;
                        for (const char *p = nl ? nl + 1 : NULL; p && *p && short_block;) {
                                const char *e = strchr(p, '\n');
                                size_t len = e ? (size_t)(e - p) : strlen(p);
                                _cleanup_free_ char *x = xstrndup(p, len);
                                if (*str_trim(x))
                                        short_block = ++lines <= SIGNATURE_LINES_MAX && len <= SIGNATURE_LINE_MAX;
                                p = e ? e + 1 : NULL;
                        }
                        if (short_block) {
                                /* Cut with the blank lines before it. */
                                char *end = l;
                                while (end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t' ||
                                                      end[-1] == '\r'))
                                        end--;
                                *end = 0;
                                return;
                        }
                }
                if (*n)
                        content = true;
                after_blank = !*n;
                l = nl ? nl + 1 : NULL;
        }
}

/* A field whose answer is a description, not a name or a value: its
 * paragraphs are the answer, even in a reply. */
static bool field_is_description(FieldId id)
{
        switch (id) {
        case F_NATURE:
        case F_HOW_OCCURRED:
        case F_INDIVIDUALS_AFFECTED:
        case F_DATA_INVOLVED:
        case F_HOW_DISCOVERED:
        case F_RECIPIENTS:
        case F_LIKELY_CONSEQUENCES:
        case F_MEASURES_TAKEN:
        case F_MITIGATION:
        case F_DELAY_REASON:
                return true;
        default:
                return false;
        }
}

void form_reply_answers(FormRecord *rec)
{
        for (size_t i = 0; i < FIELD__MAX; i++) {
                char *t = rec->f[i].text;
                if (!t)
                        continue;
                /* "Thanks, Mark" under the answer is no part of it */
                for (char *l = strchr(t, '\n'); l; l = strchr(l + 1, '\n')) {
                        _cleanup_free_ char *line = xstrndup(l + 1, strcspn(l + 1, "\n"));
                        _cleanup_free_ char *n = form_label_normalise(str_trim(line));
                        if (*n && is_signoff_with_name(str_trim(line), n)) {
                                *l = 0;
                                break;
                        }
                }
                char *nl = strchr(t, '\n');
                if (!nl || field_is_description((FieldId)i))
                        continue;
                const char *p = nl + 1;
                while (*p == ' ' || *p == '\t' || *p == '\r')
                        p++;
                if (*p != '\n')
                        continue;
                *nl = 0;
                char *s = str_trim(t);
                if (s != t)
                        memmove(t, s, strlen(s) + 1);
        }
}

/* ---- rows --------------------------------------------------------------- */

/* A one-cell row "Label? answer" is text: reading it whole as a label
 * would lose the answer.  Returns the fields it gave, or 0. */
static size_t read_row_as_text(const FormLabels *labels, const char *cell, FormRecord *rec)
{
        FormRecord tmp;
        form_record_init(&tmp);
        size_t k = form_read_text(labels, cell, &tmp);
        bool any = false;
        for (size_t f = 0; f < FIELD__MAX; f++)
                if (tmp.f[f].text) {
                        any = true;
                        form_record_set(rec, (FieldId)f, tmp.f[f].text);
                }
        form_record_free(&tmp);
        return any ? k : 0;
}

size_t form_read_rows(const FormLabels *labels, const FormRow *rows, size_t n, FormRecord *rec)
{
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
                const FormRow *r = &rows[i];
                /* normalised once for the tests below */
                _cleanup_free_ char *norm = form_label_normalise(r->label);
                if (is_dpo_part(norm) && (!*r->value || is_dpo_part_text(r->value)))
                        break;
                if (!*r->value && strpbrk(r->label, ":?\t")) {
                        size_t k = read_row_as_text(labels, r->label, rec);
                        if (k) {
                                found += k;
                                continue;
                        }
                }
                int id = match_time_label(norm);
                if (id >= 0) {
                        found++;
                        add_time(rec, (FieldId)id, r->value);
                        continue;
                }
                bool negated;
                id = form_labels_match_norm(labels, r->label, norm, LABEL_QUESTION, &negated);
                if (id >= 0) {
                        found++;
                        if (is_untouched(r->value))
                                continue;
                        if (negated) {
                                _cleanup_free_ char *t = values_negated_answer(r->label, r->value);
                                form_record_set(rec, (FieldId)id, t);
                        } else {
                                form_record_set(rec, (FieldId)id, r->value);
                        }
                        continue;
                }
                /* A row whose left cell holds "Label: value" lines is read
                 * as text, and so is its right cell then. */
                if (strchr(r->label, ':')) {
                        found += form_read_text(labels, r->label, rec);
                        if (*r->value)
                                found += form_read_text(labels, r->value, rec);
                }
        }
        return found;
}

size_t form_read_source(const FormLabels *labels, const FormSource *src, FormRecord *rec)
{
        size_t n = 0;
        if (src->n_rows)
                n += form_read_rows(labels, src->rows, src->n_rows, rec);
        if (src->text)
                n += form_read_text(labels, src->text, rec);
        return n;
}
