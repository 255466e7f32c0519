/* formrequest.c — see formrequest.h. */
#include "read/formrequest.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "read/formread.h"

#define NOTE_MAX_WORDS 40

static bool word_in(const char *w, const char *const *set)
{
        for (; *set; set++)
                if (strcmp(w, *set) == 0)
                        return true;
        return false;
}

/* The lower-case ASCII words of s, split at anything else. */
static void words_of(const char *s, StrList *out)
{
        Buf w = {0};
        for (const unsigned char *p = (const unsigned char *)s;; p++) {
                if (*p && (isalnum(*p) || *p >= 0x80)) {
                        buf_putc(&w, (char)tolower(*p));
                        continue;
                }
                if (w.len)
                        strlist_take(out, buf_steal(&w));
                if (!*p)
                        break;
        }
        buf_free(&w);
}

/* The subject without reply and forward prefixes and [tags]. */
static void subject_words(const char *subject, StrList *out)
{
        static const char *const prefixes[] = {"re", "fw", "fwd", "aw", "sv", "tr", "wg", NULL};
        Buf b = {0};
        int depth = 0;
        for (const char *p = subject ? subject : ""; *p; p++) {
                if (*p == '[' || *p == '(')
                        depth++;
                else if ((*p == ']' || *p == ')') && depth > 0)
                        depth--;
                else if (depth == 0)
                        buf_putc(&b, *p);
        }
        StrList all = {0};
        words_of(b.s ? b.s : "", &all);
        buf_free(&b);
        size_t i = 0;
        while (i < all.n && word_in(all.v[i], prefixes))
                i++;
        for (; i < all.n; i++)
                strlist_add(out, all.v[i]);
        strlist_free(&all);
}

static const char *const asking[] = {"form", "forms", "help", NULL};
static const char *const filler[] = {
        "please", "pls", "plz", "the", "a", "an", "blank", "empty", "breach", "breaches", "data", "report",
        "reporting", "personal", "gdpr", "request", "requested", "new", "send", "me", "can", "i", "have",
        "copy", "of", "incident", "security", "template", "dpo", "need", "needed", "for", "to", "protection",
        "information", "possible", "potential", "suspected", "urgent", "thanks", "thank", "you", NULL};

/* 2: the subject asks for the form or help; 1: it says nothing more than
 * "data breach report" (or is empty); 0: it says something. */
static int subject_kind(const char *subject)
{
        StrList w = {0};
        subject_words(subject, &w);
        bool ask = false, other = false;
        for (size_t i = 0; i < w.n; i++) {
                if (word_in(w.v[i], asking))
                        ask = true;
                else if (!word_in(w.v[i], filler))
                        other = true;
        }
        strlist_free(&w);
        return other ? 0 : ask ? 2 : 1;
}

/* Greetings and sign-offs carry no request. */
static bool is_courtesy(const StrList *w)
{
        static const char *const openers[] = {"hi", "hello", "dear", "morning", "afternoon", "evening", "good",
                                              "hiya", "hey", "all", "team", "thanks", "thank", "many",
                                              "regards", "kind", "best", "cheers", "sent", "get", NULL};
        return w->n == 0 || (w->n <= 5 && word_in(w->v[0], openers));
}

static bool is_signoff(const StrList *w)
{
        static const char *const s[] = {"regards", "kind", "best", "thanks", "thank", "many", "cheers", "yours",
                                        "sent", "get", NULL};
        return w->n > 0 && w->n <= 5 && word_in(w->v[0], s);
}

/* Words of the author's own text, greetings and everything from the
 * sign-off on left out; the count stops once it is past max. */
static size_t own_words(const char *text, size_t max)
{
        size_t n = 0;
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
                p = nl ? nl + 1 : NULL;
                if (strcmp(str_trim(line), "--") == 0)
                        break;
                StrList w = {0};
                words_of(line, &w);
                bool end = is_signoff(&w);
                if (!is_courtesy(&w))
                        n += w.n;
                strlist_free(&w);
                if (end || n > max)
                        break;
        }
        return n;
}

/* The words of the mail's own text (the text part of the first body, else
 * its HTML); SIZE_MAX when an attachment or forwarded message holds text. */
static size_t body_words(const Message *m, size_t max)
{
        const MessageBody *best = NULL;
        for (size_t i = 0; i < m->n_bodies; i++) {
                const MessageBody *b = &m->bodies[i];
                bool content = b->src.n_rows || !str_empty(b->src.text);
                if ((b->kind == BODY_ATTACHMENT || b->forward > 0) && content)
                        return SIZE_MAX;
                if (b->kind == BODY_ATTACHMENT || !b->src.text)
                        continue;
                if (!best || (b->kind == BODY_TEXT && best->kind != BODY_TEXT && b->group == best->group))
                        best = b;
        }
        if (!best)
                return 0;
        _cleanup_free_ char *clean = message_clean_text(best->src.text, m->forwarded, NULL);
        return own_words(clean, max);
}

bool formrequest_detect(const Message *m, const FormLabels *labels)
{
        /* A mail with a file attached is a report, whatever the file is and
         * whether or not it can be read: when in doubt, file it and tell the
         * DPO, who can open it. */
        if (m->n_attachments > 0)
                return false;
        /* Nor is a message nothing of which could be decoded: who knows
         * what it says. */
        if (m->undecodable)
                return false;
        int kind = subject_kind(m->subject);
        if (kind == 0)
                return false;
        size_t max = kind == 2 ? NOTE_MAX_WORDS : 0;
        size_t words = body_words(m, max);    /* counting stops past max */
        if (words == SIZE_MAX || words > max)
                return false;
        FormRecord rec;
        form_record_init(&rec);
        FormreadInfo info;
        /* formread_message, not the reading carried by m (reading.h): this runs
         * while that reading is made, and gives what it would. */
        formread_message(m, labels, &rec, &info);
        bool none = info.n_fields == 0;
        formread_info_free(&info);
        form_record_free(&rec);
        return none;
}
