/* msgwire.c — see msgwire.h. */
#include "read/msgwire.h"

#include <errno.h>
#include <string.h>

#include "read/reading.h"

/* The shapes this file knows.  If one of these fails, a field was added to
 * Message, MessageBody or FormSource: carry it in message_encode() and
 * message_decode(), then update the mirror below. */
struct known_body {
        BodyKind kind;
        unsigned group, forward;
        char *filename;
        FormSource src;
};
struct known_message {
        char *message_id, *key, *from_addr, *from_name, *reply_to;
        StrList to_addrs;
        char *subject;
        int64_t date;
        char *in_reply_to;
        StrList references;
        bool has_auto_submitted;
        char *auto_reason;
        unsigned n_from;
        char *sender_addr, *return_path;
        StrList header_fields;
        bool forwarded;
        char *orig_from_addr, *orig_from_name, *orig_subject, *orig_message_id, *fwd_from, *fwd_date;
        int64_t orig_date;
        MessageBody *bodies;
        size_t n_bodies;
        StrList unreadable;
        unsigned n_attachments;
        bool undecodable;
        void *attached;
        void (*attached_free)(void *);
};
struct known_source {
        FormRow *rows;
        size_t n_rows;
        char *text;
};
_Static_assert(sizeof(Message) == sizeof(struct known_message), "Message changed: update msgwire.c");
_Static_assert(sizeof(MessageBody) == sizeof(struct known_body), "MessageBody changed: update msgwire.c");
_Static_assert(sizeof(FormSource) == sizeof(struct known_source), "FormSource changed: update msgwire.c");
_Static_assert(sizeof(FormRow) == 2 * sizeof(char *), "FormRow changed: update msgwire.c");
/* ...and the reading (reading.h) that comes with it. */
struct known_value {
        char *text;
        FieldState state;
        char *canon;
        int64_t when;
        DatePrecision date_prec;
        bool approx;
        bool at_least;
        int64_t count;
};
struct known_record {
        FieldValue f[FIELD__MAX];
        StrList notes, unknown_labels, unreadable;
};
struct known_info {
        size_t n_fields;
        bool free_text;
        char *forwarded_by, *orig_from;
};
struct known_reading {
        FormRecord raw;
        FormreadInfo info;
        bool interpreted;
        int64_t message_time;
        FormRecord interp;
        bool blank_form;
};
_Static_assert(sizeof(FieldValue) == sizeof(struct known_value), "FieldValue changed: update msgwire.c");
_Static_assert(sizeof(FormRecord) == sizeof(struct known_record), "FormRecord changed: update msgwire.c");
_Static_assert(sizeof(FormreadInfo) == sizeof(struct known_info), "FormreadInfo changed: update msgwire.c");
_Static_assert(sizeof(FormReading) == sizeof(struct known_reading), "FormReading changed: update msgwire.c");

#define NULL_LEN UINT32_MAX

/* ---- writing ------------------------------------------------------------ */

static void put_u64(Buf *b, uint64_t v)
{
        buf_append(b, (const char *)&v, sizeof v);
}

static void put_str(Buf *b, const char *s)
{
        size_t n = s ? strlen(s) : 0;
        uint32_t len = s ? (uint32_t)n : NULL_LEN;
        buf_append(b, (const char *)&len, sizeof len);
        if (s)
                buf_append(b, s, n);
}

static void put_list(Buf *b, const StrList *l)
{
        put_u64(b, l->n);
        for (size_t i = 0; i < l->n; i++)
                put_str(b, l->v[i]);
}

static void put_body(Buf *b, const MessageBody *mb)
{
        put_u64(b, (uint64_t)mb->kind);
        put_u64(b, mb->group);
        put_u64(b, mb->forward);
        put_str(b, mb->filename);
        put_u64(b, mb->src.n_rows);
        for (size_t i = 0; i < mb->src.n_rows; i++) {
                put_str(b, mb->src.rows[i].label);
                put_str(b, mb->src.rows[i].value);
        }
        put_str(b, mb->src.text);
}

static void put_record(Buf *b, const FormRecord *rec)
{
        for (size_t i = 0; i < FIELD__MAX; i++) {
                const FieldValue *v = &rec->f[i];
                put_str(b, v->text);
                put_str(b, v->canon);
                put_u64(b, (uint64_t)v->state);
                put_u64(b, (uint64_t)v->when);
                put_u64(b, (uint64_t)v->date_prec);
                put_u64(b, v->approx);
                put_u64(b, v->at_least);
                put_u64(b, (uint64_t)v->count);
        }
        put_list(b, &rec->notes);
        put_list(b, &rec->unknown_labels);
        put_list(b, &rec->unreadable);
}

static void put_reading(Buf *b, const FormReading *r)
{
        put_u64(b, r != NULL);
        if (!r)
                return;
        put_record(b, &r->raw);
        put_u64(b, r->info.n_fields);
        put_u64(b, r->info.free_text);
        put_str(b, r->info.forwarded_by);
        put_str(b, r->info.orig_from);
        put_u64(b, r->interpreted);
        put_u64(b, (uint64_t)r->message_time);
        if (r->interpreted)
                put_record(b, &r->interp);
        put_u64(b, r->blank_form);
}

void message_encode(const Message *m, Buf *out)
{
        const char *heads[] = {m->message_id, m->key, m->from_addr, m->from_name, m->reply_to};
        for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
                put_str(out, heads[i]);
        put_list(out, &m->to_addrs);
        put_str(out, m->subject);
        put_u64(out, (uint64_t)m->date);
        put_str(out, m->in_reply_to);
        put_list(out, &m->references);
        put_u64(out, m->has_auto_submitted);
        put_str(out, m->auto_reason);
        put_u64(out, m->n_from);
        put_str(out, m->sender_addr);
        put_str(out, m->return_path);
        put_list(out, &m->header_fields);
        put_u64(out, m->forwarded);
        put_str(out, m->orig_from_addr);
        put_str(out, m->orig_from_name);
        put_str(out, m->orig_subject);
        put_str(out, m->orig_message_id);
        put_str(out, m->fwd_from);
        put_str(out, m->fwd_date);
        put_u64(out, (uint64_t)m->orig_date);
        put_u64(out, m->n_bodies);
        for (size_t i = 0; i < m->n_bodies; i++)
                put_body(out, &m->bodies[i]);
        put_list(out, &m->unreadable);
        put_u64(out, m->n_attachments);
        put_u64(out, m->undecodable);
        put_reading(out, reading_of(m));
}

/* ---- reading ------------------------------------------------------------- */

typedef struct {
        const char *p, *end;
        bool bad;
} Reader;

static uint64_t get_u64(Reader *r)
{
        uint64_t v = 0;
        if (r->bad || (size_t)(r->end - r->p) < sizeof v) {
                r->bad = true;
                return 0;
        }
        memcpy(&v, r->p, sizeof v);
        r->p += sizeof v;
        return v;
}

static char *get_str(Reader *r)
{
        uint32_t len = 0;
        if (r->bad || (size_t)(r->end - r->p) < sizeof len) {
                r->bad = true;
                return NULL;
        }
        memcpy(&len, r->p, sizeof len);
        r->p += sizeof len;
        if (len == NULL_LEN)
                return NULL;
        if ((size_t)(r->end - r->p) < len) {
                r->bad = true;
                return NULL;
        }
        char *s = xmemdup(r->p, len);
        r->p += len;
        return s;
}

/* A count that could not possibly fit in what is left is a broken frame,
 * not a reason to allocate. */
static size_t get_count(Reader *r)
{
        uint64_t n = get_u64(r);
        if (n > (uint64_t)(r->end - r->p) / sizeof(uint32_t)) {
                r->bad = true;
                return 0;
        }
        return (size_t)n;
}

static void get_list(Reader *r, StrList *l)
{
        size_t n = get_count(r);
        for (size_t i = 0; i < n && !r->bad; i++)
                strlist_take(l, get_str(r));
}

static void get_body(Reader *r, MessageBody *mb)
{
        mb->kind = (BodyKind)get_u64(r);
        mb->group = (unsigned)get_u64(r);
        mb->forward = (unsigned)get_u64(r);
        mb->filename = get_str(r);
        size_t n = get_count(r);
        for (size_t i = 0; i < n && !r->bad; i++) {
                _cleanup_free_ char *label = get_str(r), *value = get_str(r);
                form_source_add_row(&mb->src, label ? label : "", value ? value : "");
        }
        mb->src.text = get_str(r);
}

static void get_record(Reader *r, FormRecord *rec)
{
        for (size_t i = 0; i < FIELD__MAX && !r->bad; i++) {
                FieldValue *v = &rec->f[i];
                v->text = get_str(r);
                v->canon = get_str(r);
                v->state = (FieldState)get_u64(r);
                v->when = (int64_t)get_u64(r);
                v->date_prec = (DatePrecision)get_u64(r);
                v->approx = get_u64(r) != 0;
                v->at_least = get_u64(r) != 0;
                v->count = (int64_t)get_u64(r);
        }
        get_list(r, &rec->notes);
        get_list(r, &rec->unknown_labels);
        get_list(r, &rec->unreadable);
        for (size_t i = 0; i < FIELD__MAX; i++)
                if (rec->f[i].state > FV_UNCLEAR || rec->f[i].date_prec > DATE_UNKNOWN)
                        r->bad = true;
}

static FormReading *get_reading(Reader *r)
{
        if (get_u64(r) == 0)
                return NULL;
        FormReading *rd = xcalloc(1, sizeof *rd);
        form_record_init(&rd->raw);
        form_record_init(&rd->interp);
        get_record(r, &rd->raw);
        rd->info.n_fields = (size_t)get_u64(r);
        rd->info.free_text = get_u64(r) != 0;
        rd->info.forwarded_by = get_str(r);
        rd->info.orig_from = get_str(r);
        rd->interpreted = get_u64(r) != 0;
        rd->message_time = (int64_t)get_u64(r);
        if (rd->interpreted)
                get_record(r, &rd->interp);
        rd->blank_form = get_u64(r) != 0;
        return rd;
}

int message_decode(const char *data, size_t len, Message **ret)
{
        Reader r = {.p = data, .end = data + len};
        Message *m = xcalloc(1, sizeof *m);
        char **heads[] = {&m->message_id, &m->key, &m->from_addr, &m->from_name, &m->reply_to};
        for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
                *heads[i] = get_str(&r);
        get_list(&r, &m->to_addrs);
        m->subject = get_str(&r);
        m->date = (int64_t)get_u64(&r);
        m->in_reply_to = get_str(&r);
        get_list(&r, &m->references);
        m->has_auto_submitted = get_u64(&r) != 0;
        m->auto_reason = get_str(&r);
        m->n_from = (unsigned)get_u64(&r);
        m->sender_addr = get_str(&r);
        m->return_path = get_str(&r);
        get_list(&r, &m->header_fields);
        m->forwarded = get_u64(&r) != 0;
        m->orig_from_addr = get_str(&r);
        m->orig_from_name = get_str(&r);
        m->orig_subject = get_str(&r);
        m->orig_message_id = get_str(&r);
        m->fwd_from = get_str(&r);
        m->fwd_date = get_str(&r);
        m->orig_date = (int64_t)get_u64(&r);
        size_t n = get_count(&r);
        m->bodies = n ? xcalloc(n, sizeof *m->bodies) : NULL;
        for (size_t i = 0; i < n && !r.bad; i++) {
                get_body(&r, &m->bodies[i]);
                m->n_bodies = i + 1;
        }
        get_list(&r, &m->unreadable);
        m->n_attachments = (unsigned)get_u64(&r);
        m->undecodable = get_u64(&r) != 0;
        FormReading *rd = get_reading(&r);
        if (rd)
                reading_set(m, rd);     /* freed with m, also when the frame is bad */
        if (r.bad || r.p != r.end || !m->key || !m->subject) {
                message_free(m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}
