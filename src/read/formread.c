/* formread.c — see formread.h. */
#include "read/formread.h"

#include <string.h>
#include <strings.h>

void formread_info_free(FormreadInfo *i)
{
        if (!i)
                return;
        free(i->forwarded_by);
        free(i->orig_from);
        memset(i, 0, sizeof *i);
}

void formread_info_copy(FormreadInfo *dst, const FormreadInfo *src)
{
        *dst = *src;
        dst->forwarded_by = xstrdup(src->forwarded_by);
        dst->orig_from = xstrdup(src->orig_from);
}

/* Reads one body into a fresh record; returns the number of fields. */
static size_t read_body(const Message *m, const MessageBody *b, const FormLabels *labels, FormRecord *rec,
                        char **fwd_from)
{
        size_t n = 0;
        if (b->src.n_rows)
                n += form_read_rows(labels, b->src.rows, b->src.n_rows, rec);
        if (b->src.text) {
                /* Attachments and forwarded messages are the report itself:
                 * nothing in them is a quote of ours. */
                bool inline_body = b->kind != BODY_ATTACHMENT && b->forward == 0;
                char *from = NULL;
                _cleanup_free_ char *clean =
                        inline_body ? message_clean_text(b->src.text, m->forwarded, &from) : xstrdup(b->src.text);
                if (from && fwd_from && !*fwd_from)
                        *fwd_from = from;
                else
                        free(from);
                n += form_read_text(labels, clean, rec);
        }
        return n;
}

static void merge(FormRecord *into, FormRecord *from)
{
        for (size_t i = 0; i < FIELD__MAX; i++)
                if (from->f[i].text)
                        form_record_set(into, (FieldId)i, from->f[i].text);
        for (size_t i = 0; i < from->notes.n; i++)
                strlist_add(&into->notes, from->notes.v[i]);
}

/* Cuts a signature ("-- ") and a phone's footer ("Sent from my iPhone",
 * "Get Outlook for Android") off free text. */
static void cut_footer(char *t)
{
        for (char *line = t; line && *line;) {
                char *nl = strchr(line, '\n');
                const char *p = line;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (str_startswith_ci(p, "sent from my ") || str_startswith_ci(p, "get outlook for ") ||
                    str_startswith_ci(p, "sent from outlook") || str_startswith_ci(p, "sent from mail for ") ||
                    str_startswith(p, "-- \n") || strcmp(p, "-- ") == 0 || str_startswith(p, "--\n") ||
                    strcmp(p, "--") == 0) {
                        *line = 0;
                        return;
                }
                line = nl ? nl + 1 : NULL;
        }
}

/* The author's own words, for a report written without the form. */
/* Skips a salutation ("Hi,", "Dear DPO,", "Good morning all!") at the start
 * of a free-text report, so the summary starts with what happened.  At most
 * three words may stand between the greeting and its comma, so "Morning
 * shift staff sent a letter, ..." is kept whole. */
static const char *skip_greeting(const char *s)
{
        static const char *const greetings[] = {"good morning", "good afternoon", "good evening", "hello", "hiya",
                                                "dear", "hey", "hi", "morning", "afternoon"};
        for (size_t i = 0; i < ARRAY_SIZE(greetings); i++) {
                size_t n = strlen(greetings[i]);
                if (strncasecmp(s, greetings[i], n) != 0 || !strchr(" ,!:\n", s[n]) || !s[n])
                        continue;
                const char *e = strpbrk(s + n, ",!:\n");
                if (!e)
                        return s;
                unsigned words = 0;
                for (const char *p = s + n; p < e; p++)
                        if (*p != ' ' && (p[-1] == ' '))
                                words++;
                if (words > 3)
                        return s;
                e++;
                while (*e == ' ' || *e == '\n' || *e == '\r' || *e == '\t')
                        e++;
                return *e ? e : s;
        }
        return s;
}

/* The text a body of the free-text report contributes: quotes and the
 * footer cut, so that "Sent from my iPhone" ends only its own part. */
static void free_text_add(const Message *m, const MessageBody *b, Buf *out)
{
        _cleanup_free_ char *t = message_clean_text(b->src.text, m->forwarded, NULL);
        cut_footer(t);
        const char *s = str_trim(t);
        if (!*s)
                return;
        if (out->len)
                buf_puts(out, "\n\n");
        buf_puts(out, s);
}

/* Every text part of the mail, in order: Apple Mail writes text, an inline
 * photo, then more text, and what follows the photo is as much the report
 * as what precedes it.  Of a multipart/alternative group the plain text is
 * taken (all its text parts, when it is itself split), else its HTML. */
static char *free_text(const Message *m)
{
        Buf b = {0};
        buf_puts(&b, "");
        bool *done = xcalloc(m->n_bodies + 1, sizeof(bool));
        for (size_t i = 0; i < m->n_bodies; i++) {
                const MessageBody *first = &m->bodies[i];
                if (done[i] || first->kind == BODY_ATTACHMENT)
                        continue;
                bool has_text = false;
                for (size_t k = i; k < m->n_bodies; k++)
                        if (m->bodies[k].group == first->group && m->bodies[k].kind == BODY_TEXT &&
                            m->bodies[k].src.text)
                                has_text = true;
                for (size_t k = i; k < m->n_bodies; k++) {
                        const MessageBody *x = &m->bodies[k];
                        if (x->group != first->group || done[k])
                                continue;
                        done[k] = true;
                        if (x->kind == BODY_ATTACHMENT || !x->src.text || (has_text && x->kind != BODY_TEXT))
                                continue;
                        free_text_add(m, x, &b);
                }
        }
        free(done);
        _cleanup_free_ char *t = buf_steal(&b);
        /* The writer of the words: the forwarded report's author, if any. */
        bool fwd = m->orig_from_addr != NULL;
        form_cut_signoff(t, fwd ? m->orig_from_name : m->from_name, fwd ? m->orig_from_addr : m->from_addr);
        char *s = (char *)skip_greeting(str_trim(t));
        if (!*s)
                return NULL;
        if (strlen(s) > 20000)
                s[20000] = 0;
        return xstrdup(s);
}

/* Whether all that was read as "Label: value" is who wrote it: a free-text
 * report whose signature has "Tel: 01632 960123" or "Team: Admissions" is
 * still a free-text report, and its words are the nature. */
static bool only_signature_fields(const FormRecord *rec)
{
        for (size_t i = 0; i < FIELD__MAX; i++)
                if (rec->f[i].text && i != F_REPORTER_NAME && i != F_REPORTER_CONTACT && i != F_TEAM &&
                    i != F_SIGNED)
                        return false;
        return true;
}

void formread_message(const Message *m, const FormLabels *labels, FormRecord *rec, FormreadInfo *info)
{
        memset(info, 0, sizeof *info);
        char *fwd_from = NULL;
        /* Forwarded content first: it is the report; the forwarder's note
         * around it rarely carries the form. */
        for (int pass = 0; pass < 2; pass++) {
                bool *done = xcalloc(m->n_bodies + 1, sizeof(bool));
                for (size_t i = 0; i < m->n_bodies; i++) {
                        const MessageBody *b = &m->bodies[i];
                        if (done[i] || (pass == 0) != (b->forward > 0))
                                continue;
                        /* Alternatives of one group: keep the richest reading. */
                        FormRecord best;
                        form_record_init(&best);
                        size_t best_n = 0;
                        bool have = false;
                        int best_rank = 0;
                        for (size_t k = i; k < m->n_bodies; k++) {
                                if (m->bodies[k].group != b->group || done[k])
                                        continue;
                                done[k] = true;
                                FormRecord tmp;
                                form_record_init(&tmp);
                                size_t n = read_body(m, &m->bodies[k], labels, &tmp, &fwd_from);
                                /* On a tie a table wins (its cells bound each
                                 * answer, where text can only guess), then
                                 * HTML: a text part made from it has its
                                 * lines wrapped where the author did not. */
                                int rank = m->bodies[k].src.n_rows ? 2 : m->bodies[k].kind == BODY_HTML;
                                if (!have || n > best_n || (n == best_n && rank > best_rank)) {
                                        best_rank = rank;
                                        form_record_free(&best);
                                        best = tmp;
                                        best_n = n;
                                        have = true;
                                } else {
                                        form_record_free(&tmp);
                                }
                        }
                        merge(rec, &best);
                        info->n_fields += best_n;
                        form_record_free(&best);
                }
                free(done);
        }
        if (m->forwarded || m->orig_from_addr) {
                info->forwarded_by = m->from_name ? xasprintf("%s <%s>", m->from_name, m->from_addr ? m->from_addr : "")
                                                  : xstrdup(m->from_addr ? m->from_addr : "");
                if (m->orig_from_addr)
                        info->orig_from = m->orig_from_name
                                                  ? xasprintf("%s <%s>", m->orig_from_name, m->orig_from_addr)
                                                  : xstrdup(m->orig_from_addr);
                else
                        info->orig_from = fwd_from, fwd_from = NULL;
        }
        free(fwd_from);
        /* What could not be read goes with the record, for the DPO. */
        for (size_t i = 0; i < m->unreadable.n; i++)
                if (!strlist_contains(&rec->unreadable, m->unreadable.v[i]))
                        strlist_add(&rec->unreadable, m->unreadable.v[i]);
        if (info->n_fields == 0 || only_signature_fields(rec)) {
                char *t = free_text(m);
                if (t) {
                        form_record_set(rec, F_NATURE, t);
                        info->free_text = true;
                        free(t);
                }
        }
}
