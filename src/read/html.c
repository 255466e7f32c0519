/* html.c — see html.h.
 *
 * libxml2's HTML parser calls us back (SAX) at each start tag, end tag and
 * run of text, and the callbacks do what a walk of the document tree would
 * do, without a tree: building and freeing one cost more than parsing.  A
 * document the callbacks cannot follow exactly (see "SAX" below) is read
 * again into a tree, which is walked iteratively (parent/next pointers), so
 * hostile nesting cannot exhaust the stack.  Either way each element
 * entered gets a frame saying what must happen when it is left; elements
 * nested deeper than HTML_MAX_DEPTH get no frame and count as inline, so the
 * walker's own state is bounded too.
 *
 * Text goes to a "sink", a line builder.  The document has one; each open
 * table cell pushes its own, whose text becomes the cell and, joined with its
 * row's other cells, one line of the enclosing sink. */
#include "read/html.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/dict.h>
#include <libxml/parserInternals.h>
#include <libxml/encoding.h>
#include <libxml/xmlerror.h>

#include "base/util.h"
#include "read/charset.h"

#define HTML_MAX_DEPTH 200
#define BULLET "\xe2\x80\xa2 "

typedef struct {
        Buf out;            /* finished lines, each followed by \n */
        Buf line;           /* the line being built */
        const char *prefix; /* written before the line's first character */
        size_t n_lines;     /* lines finished, blank ones included */
        bool space;         /* white space seen since the last character */
        bool any;           /* a non-blank line has been finished */
        bool last_blank;    /* the last finished line was blank */
} Sink;

typedef struct {
        StrList cells;      /* trimmed texts of the open row's finished cells */
        bool row_open;
        bool row_nested;    /* a cell of the open row holds a table */
        bool in_cell;
        bool cell_nested;   /* the open cell holds a table */
        size_t n_all;       /* cells of the open row, empty ones too */
} Table;

typedef enum {
        K_INLINE,
        K_SKIP,
        K_BLOCK,
        K_PARA,
        K_PRE,
        K_TABLE,
        K_ROW,
        K_CELL,
} Kind;

typedef struct {
        Kind kind;
        size_t mark;        /* K_PARA: sink lines when the paragraph began;
                             * K_CELL: open paragraphs outside the cell */
} Frame;

typedef struct {
        FormSource src;
        unsigned flags;
        size_t depth;       /* elements entered, beyond the frame cap too */
        unsigned pre;       /* open <pre> elements */
        unsigned para;      /* open <p> elements */
        bool stopped;       /* a quoted message began: the rest is dropped */
        bool started;       /* libxml2 began a document */
        /* SAX pass (see there) */
        bool bail;          /* the document must be read from a tree */
        bool root_seen;     /* the first element has been entered */
        size_t skip;        /* depth of the element whose content is skipped */
        int text_type;      /* kind of the text node being gathered, if any */
        size_t op_marks;    /* <o:p></o:p> written as OP_MARK (see there) */
        size_t op_seen;     /* ... and read back as such */
        Buf text;           /* its text */
        size_t n_sinks, n_tables;
        /* Not initialised until pushed: */
        Frame frames[HTML_MAX_DEPTH];
        Sink sinks[HTML_MAX_DEPTH + 1];
        Table tables[HTML_MAX_DEPTH];
} Ctx;

/* ---- sinks ------------------------------------------------------------ */

static void sink_end_line(Sink *s, bool hard)
{
        if (s->line.len == 0) {
                /* Blank lines count only between text, and one at a time. */
                if (hard && s->any && !s->last_blank) {
                        buf_putc(&s->out, '\n');
                        s->last_blank = true;
                }
                if (hard)
                        s->n_lines++;
        } else {
                buf_append(&s->out, s->line.s, s->line.len);
                buf_putc(&s->out, '\n');
                s->line.len = 0;
                s->line.s[0] = 0;
                s->any = true;
                s->last_blank = false;
                s->n_lines++;
        }
        s->space = false;
        s->prefix = NULL;
}

static void sink_visible(Sink *s, const char *p, size_t n)
{
        if (s->line.len == 0) {
                if (s->prefix)
                        buf_puts(&s->line, s->prefix);
        } else if (s->space) {
                buf_putc(&s->line, ' ');
        }
        s->space = false;
        s->prefix = NULL;
        buf_append(&s->line, p, n);
}

/* A byte that is visible text whatever follows: not white space or a
 * control, and not the first of &nbsp;, a zero-width space or a BOM. */
static inline bool plain_byte(unsigned char c)
{
        return c > ' ' && c != 0x7f && c != 0xc2 && c != 0xe2 && c != 0xef;
}

/* Appends HTML text: white space (and &nbsp;) collapses, zero-width
 * characters vanish; inside <pre> a newline breaks the line. */
static void sink_text(Sink *s, const char *t, size_t n, bool pre)
{
        const unsigned char *p = (const unsigned char *)t, *end = p + n;
        while (p < end) {
                size_t left = (size_t)(end - p);
                if (*p == '\n' && pre) {
                        sink_end_line(s, true);
                        p++;
                } else if (*p < 0x20 || *p == 0x7f || *p == ' ') {
                        s->space = true;
                        p++;
                } else if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0) {
                        s->space = true;
                        p += 2;
                } else if (left >= 3 && ((p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x8b) ||
                                         (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf))) {
                        p += 3;
                } else {
                        /* Words with single spaces between them go as
                         * they are: that is what collapsing makes of them. */
                        const unsigned char *q = p + 1;
                        for (;;) {
                                while (q < end && plain_byte(*q))
                                        q++;
                                if (end - q >= 2 && q[0] == ' ' && plain_byte(q[1]))
                                        q += 2;
                                else
                                        break;
                        }
                        sink_visible(s, (const char *)p, (size_t)(q - p));
                        p = q;
                }
        }
}

/* Appends finished text (a row's cells) line by line, as it is. */
static void sink_lines(Sink *s, const char *text)
{
        sink_end_line(s, false);
        while (text) {
                const char *nl = strchr(text, '\n');
                size_t n = nl ? (size_t)(nl - text) : strlen(text);
                if (n)
                        sink_visible(s, text, n);
                sink_end_line(s, true);
                text = nl ? nl + 1 : NULL;
        }
}

/* Returns the sink's text without trailing blank lines (NULL when it has
 * none) and frees the sink. */
static char *sink_finish(Sink *s)
{
        sink_end_line(s, false);
        char *r = NULL;
        if (s->any) {
                while (s->out.len && s->out.s[s->out.len - 1] == '\n')
                        s->out.s[--s->out.len] = 0;
                r = buf_steal(&s->out);
        }
        buf_free(&s->out);
        buf_free(&s->line);
        *s = (Sink){0};
        return r;
}

static Sink *cur_sink(Ctx *c)
{
        return &c->sinks[c->n_sinks - 1];
}

/* ---- rows ------------------------------------------------------------- */

static void row_begin(Table *t)
{
        t->row_open = true;
        t->row_nested = false;
        t->n_all = 0;
}

static void row_end(Ctx *c, Table *t)
{
        if (!t->row_open)
                return;
        if (t->row_nested) {
                /* A layout row: its cells are blocks, not label and value. */
                for (size_t i = 0; i < t->cells.n; i++)
                        sink_lines(cur_sink(c), t->cells.v[i]);
        } else if (t->cells.n && !form_source_add_cells(&c->src, &t->cells, t->n_all)) {
                /* Rows go to the form reader as rows; only what did not
                 * become one (a title row) is text as well. */
                _cleanup_free_ char *line = strlist_join(&t->cells, "\t");
                sink_lines(cur_sink(c), line);
        }
        strlist_free(&t->cells);
        t->row_open = false;
        t->row_nested = false;
}

static Table *cur_table(Ctx *c)
{
        return c->n_tables ? &c->tables[c->n_tables - 1] : NULL;
}

/* ---- attributes ------------------------------------------------------- */

/* The attributes element_open() looks at.  A value is NULL when the
 * attribute is absent and "" when it has no value; when an attribute is
 * given twice the first counts (libxml2 drops the second anyway). */
typedef struct {
        const char *cls, *style, *id, *type;
        bool hidden;
} Attrs;

/* From the attribute list of a SAX startElement: name, value, ..., NULL. */
static void attrs_from_sax(Attrs *a, const xmlChar **atts)
{
        *a = (Attrs){0};
        if (!atts)
                return;
        for (size_t i = 0; atts[i]; i += 2) {
                const char *n = (const char *)atts[i];
                const char *v = atts[i + 1] ? (const char *)atts[i + 1] : "";
                const char **slot = NULL;
                switch (n[0]) {
                case 'c':
                        if (strcmp(n, "class") == 0)
                                slot = &a->cls;
                        break;
                case 's':
                        if (strcmp(n, "style") == 0)
                                slot = &a->style;
                        break;
                case 'i':
                        if (strcmp(n, "id") == 0)
                                slot = &a->id;
                        break;
                case 't':
                        if (strcmp(n, "type") == 0)
                                slot = &a->type;
                        break;
                case 'h':
                        if (strcmp(n, "hidden") == 0)
                                a->hidden = true;
                        break;
                }
                if (slot && !*slot)
                        *slot = v;
        }
}

/* Whether a class attribute names one of the classes mail clients put on
 * a quoted message: gmail_quote, yahoo_quoted, moz-cite-prefix (in any
 * case). */
static bool class_quoted(const char *v)
{
        if (!v)
                return false;
        const char *p = v;
        while (*p) {
                while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
                        p++;
                const char *w = p;
                while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
                        p++;
                size_t k = (size_t)(p - w);
                if ((k == 11 && strncasecmp(w, "gmail_quote", 11) == 0) ||
                    (k == 12 && strncasecmp(w, "yahoo_quoted", 12) == 0) ||
                    (k == 15 && strncasecmp(w, "moz-cite-prefix", 15) == 0))
                        return true;
        }
        return false;
}

/* Looks up a declaration in a style attribute: the value of the last
 * `prop: value` (trimmed, lower case, at most size-1 bytes), or false. */
static bool style_get(const char *v, const char *prop, char *out, size_t size)
{
        bool found = false;
        if (!v)
                return false;
        size_t pl = strlen(prop);
        const char *p = v;
        while (*p) {
                size_t k = strcspn(p, ";");
                const char *colon = memchr(p, ':', k);
                if (colon) {
                        const char *a = p, *b = colon;
                        while (a < b && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r'))
                                a++;
                        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
                                b--;
                        if ((size_t)(b - a) == pl && strncasecmp(a, prop, pl) == 0) {
                                const char *s = colon + 1, *e = p + k;
                                while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
                                        s++;
                                while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
                                        e--;
                                size_t m = (size_t)(e - s) < size - 1 ? (size_t)(e - s) : size - 1;
                                memcpy(out, s, m);
                                out[m] = 0;
                                str_ascii_lower(out);
                                found = true;
                        }
                }
                p += k;
                if (*p)
                        p++;
        }
        return found;
}

static bool is_hidden(const Attrs *a)
{
        char v[32];
        if (a->hidden)
                return true;
        return style_get(a->style, "display", v, sizeof v) && str_startswith(v, "none");
}

/* The first visible characters of an element, for recognising Outlook's
 * "From: ... Sent: ..." header block; looks at a bounded number of nodes. */
static void first_text(xmlNode *top, char *out, size_t size)
{
        Buf b = {0};
        size_t budget = 256;
        xmlNode *n = top->children;
        while (n && budget-- && b.len < size) {
                if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
                        buf_puts(&b, (const char *)n->content);
                if (n->type == XML_ELEMENT_NODE && n->children) {
                        n = n->children;
                        continue;
                }
                while (n && n != top && !n->next)
                        n = n->parent;
                n = (n && n != top) ? n->next : NULL;
        }
        Sink s = {0};
        if (b.len)
                sink_text(&s, b.s, b.len, false);
        buf_free(&b);
        _cleanup_free_ char *t = sink_finish(&s);
        snprintf(out, size, "%s", t ? t : "");
}

/* ---- elements --------------------------------------------------------- */

typedef enum {
        T_OTHER,
        T_SKIPPED,          /* head, script, style, ...: never shown */
        T_BLOCK,            /* breaks lines before and after */
        T_BLOCKQUOTE,
        T_DIV,
        T_LI,
        T_TD,               /* td and th */
        T_TR,
        T_TABLE,
        T_P,
        T_PRE,
        T_BR,
        T_HR,
        T_SPAN,
} Tag;

/* What an element name (lower case, as libxml2 passes it) is to us. */
static Tag tag_of(const char *n)
{
#define IS(s) (strcmp(n, s) == 0)
        switch (n[0]) {
        case 'a':
                return IS("address") || IS("article") || IS("aside") ? T_BLOCK : T_OTHER;
        case 'b':
                if (n[1] == 'r' && n[2] == 0)
                        return T_BR;
                return IS("body") ? T_BLOCK : IS("blockquote") ? T_BLOCKQUOTE : T_OTHER;
        case 'c':
                return IS("caption") || IS("center") ? T_BLOCK : T_OTHER;
        case 'd':
                if (n[1] == 'i' && n[2] == 'v' && n[3] == 0)
                        return T_DIV;
                return IS("dd") || IS("details") || IS("dl") || IS("dt") ? T_BLOCK : T_OTHER;
        case 'f':
                return IS("fieldset") || IS("figcaption") || IS("figure") || IS("footer") || IS("form") ? T_BLOCK
                                                                                                   : T_OTHER;
        case 'h':
                if (n[1] >= '1' && n[1] <= '6' && n[2] == 0)
                        return T_BLOCK;
                if (n[1] == 'r' && n[2] == 0)
                        return T_HR;
                return IS("head") ? T_SKIPPED : IS("header") || IS("html") ? T_BLOCK : T_OTHER;
        case 'i':
                return IS("iframe") ? T_SKIPPED : T_OTHER;
        case 'l':
                if (n[1] == 'i' && n[2] == 0)
                        return T_LI;
                return IS("legend") ? T_BLOCK : T_OTHER;
        case 'm':
                return IS("main") ? T_BLOCK : IS("math") ? T_SKIPPED : T_OTHER;
        case 'n':
                return IS("nav") ? T_BLOCK : T_OTHER;
        case 'o':
                return IS("ol") ? T_BLOCK : IS("object") ? T_SKIPPED : T_OTHER;
        case 'p':
                if (n[1] == 0)
                        return T_P;
                return IS("pre") ? T_PRE : T_OTHER;
        case 's':
                if (IS("span"))
                        return T_SPAN;
                return IS("section") || IS("summary") ? T_BLOCK
                       : IS("script") || IS("select") || IS("style") || IS("svg") ? T_SKIPPED
                                                                                   : T_OTHER;
        case 't':
                if (n[1] == 'd' && n[2] == 0)
                        return T_TD;
                if (n[1] == 'h' && n[2] == 0)
                        return T_TD;
                if (n[1] == 'r' && n[2] == 0)
                        return T_TR;
                return IS("table") ? T_TABLE : IS("template") || IS("title") ? T_SKIPPED : T_OTHER;
        case 'u':
                return IS("ul") ? T_BLOCK : T_OTHER;
        default:
                return T_OTHER;
        }
#undef IS
}

/* The element name libxml2 2.9's tree builder gives a tag read as `name`:
 * xmlSplitQName() drops a namespace prefix ("o:p" becomes "p"), except
 * from a name that starts with ':' or whose only colon ends it. */
static const char *local_name(const char *name)
{
        if (name[0] == ':')
                return name;
        const char *colon = strchr(name, ':');
        if (!colon || colon[1] == 0)
                return name;
        return colon + 1;
}

/* Decides what an element is and opens it.  n is the element in the
 * document tree when there is one (walk()); from the SAX parser it is NULL,
 * and an element that needs its content looked at first ends the SAX pass
 * (c->bail), to be read again from a tree. */
static Kind element_open(Ctx *c, const char *name, const Attrs *a, xmlNode *n, Frame *f)
{
        Tag tag = tag_of(name);
        if (tag == T_SKIPPED || is_hidden(a))
                return K_SKIP;
        if (c->flags & HTML_DROP_QUOTED) {
                if ((tag == T_BLOCKQUOTE && a->type && strcasecmp(a->type, "cite") == 0) || class_quoted(a->cls))
                        return K_SKIP;
                if ((a->id && (str_endswith_ci(a->id, "divRplyFwdMsg") || str_endswith_ci(a->id, "appendonsend")))) {
                        c->stopped = true;
                        return K_SKIP;
                }
                if (tag == T_DIV) {
                        /* Outlook's header block of a quoted message:
                         * a solid top border and text starting "From:". */
                        char v[128];
                        if ((style_get(a->style, "border-top", v, sizeof v) && strstr(v, "solid")) ||
                            (style_get(a->style, "border-top-style", v, sizeof v) && strstr(v, "solid"))) {
                                if (!n) {
                                        c->bail = true;
                                        return K_SKIP;
                                }
                                first_text(n, v, sizeof v);
                                if (str_startswith_ci(v, "From:") || str_startswith_ci(v, "Sent:")) {
                                        c->stopped = true;
                                        return K_SKIP;
                                }
                        }
                }
        }

        Sink *s = cur_sink(c);
        Table *t = cur_table(c);
        char tabs[8];
        switch (tag) {
        case T_SPAN:
                if (style_get(a->style, "mso-tab-count", tabs, sizeof tabs)) {
                        /* Word's TAB stop ("Label:<TAB>answer"), written as spaces */
                        sink_visible(s, "\t", 1);
                        return K_SKIP;
                }
                return K_INLINE;
        case T_BR:
                sink_end_line(s, true);
                return K_INLINE;
        case T_HR:
                sink_end_line(s, false);
                return K_INLINE;
        case T_TABLE:
                sink_end_line(s, false);
                if (t && t->in_cell)
                        t->cell_nested = true;
                c->tables[c->n_tables++] = (Table){0};
                return K_TABLE;
        case T_TR:
                if (t && !t->in_cell) {
                        row_end(c, t);
                        row_begin(t);
                        return K_ROW;
                }
                break;
        case T_TD:
                if (t && !t->in_cell) {
                        /* libxml2 leaves a <td> without its <tr> where it stands. */
                        if (!t->row_open)
                                row_begin(t);
                        t->in_cell = true;
                        t->cell_nested = false;
                        c->sinks[c->n_sinks++] = (Sink){0};
                        f->mark = c->para;
                        c->para = 0;
                        return K_CELL;
                }
                break;
        case T_P:
                /* libxml2 drops namespace prefixes, so Word's <o:p></o:p>
                 * inside a paragraph arrives as a nested <p>; the parser
                 * never nests real paragraphs, so such a one is inline. */
                if (c->para == 0) {
                        c->para++;
                        sink_end_line(s, false);
                        f->mark = s->n_lines;
                        return K_PARA;
                }
                return K_INLINE;
        case T_PRE:
                sink_end_line(s, false);
                c->pre++;
                return K_PRE;
        default:
                break;
        }
        if (tag == T_BLOCK || tag == T_BLOCKQUOTE || tag == T_DIV || tag == T_LI || tag == T_TD || tag == T_TR) {
                sink_end_line(s, false);
                if (tag == T_LI)
                        s->prefix = BULLET;
                return K_BLOCK;
        }
        return K_INLINE;
}

static void element_close(Ctx *c, const Frame *f)
{
        Sink *s = cur_sink(c);
        Table *t = cur_table(c);
        switch (f->kind) {
        case K_INLINE:
        case K_SKIP:
                break;
        case K_BLOCK:
                sink_end_line(s, false);
                break;
        case K_PARA:
                c->para--;
                /* An empty paragraph (<p>&nbsp;</p>) is Word's blank line. */
                sink_end_line(s, s->line.len == 0 && s->n_lines == f->mark);
                break;
        case K_PRE:
                c->pre--;
                sink_end_line(s, false);
                break;
        case K_CELL: {
                char *text = sink_finish(s);
                c->n_sinks--;
                t->n_all++;
                if (text)
                        strlist_take(&t->cells, text);
                if (t->cell_nested)
                        t->row_nested = true;
                t->in_cell = false;
                t->cell_nested = false;
                c->para = (unsigned)f->mark;
                break;
        }
        case K_ROW:
                row_end(c, t);
                break;
        case K_TABLE:
                row_end(c, t);
                strlist_free(&t->cells);
                c->n_tables--;
                sink_end_line(cur_sink(c), false);
                break;
        }
}

/* Text nodes: Word's downlevel-revealed conditionals (<![if !supportLists]>
 * ... <![endif]>) reach us as literal text and are cut out. */
static void text_node(Ctx *c, const char *t)
{
        if ((c->flags & HTML_DROP_QUOTED)) {
                const char *p = t;
                while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                        p++;
                if (*p == '-' && (str_startswith_ci(p, "-----Original Message") ||
                                  str_startswith_ci(p, "----- Original Message"))) {
                        c->stopped = true;
                        return;
                }
        }
        Sink *s = cur_sink(c);
        for (;;) {
                const char *m = strstr(t, "<![");
                if (!m)
                        break;
                const char *end = strstr(m, "]>");
                bool cond = end && (str_startswith_ci(m + 3, "if") || str_startswith_ci(m + 3, "endif"));
                size_t upto = (size_t)(m - t) + (cond ? 0 : 3);
                sink_text(s, t, upto, c->pre > 0);
                t = cond ? end + 2 : m + 3;
        }
        sink_text(s, t, strlen(t), c->pre > 0);
}

/* ---- the tree walk (fallback) ----------------------------------------- */

static void xmlFreep(xmlChar **p)
{
        if (*p)
                xmlFree(*p);
}

/* Returns whether to descend into n. */
static bool node_enter(Ctx *c, xmlNode *n)
{
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
                if (!c->stopped && n->content)
                        text_node(c, (const char *)n->content);
                return false;
        }
        if (n->type != XML_ELEMENT_NODE || !n->name)
                return false;
        c->depth++;
        if (c->depth > HTML_MAX_DEPTH)
                return !c->stopped;
        Frame *f = &c->frames[c->depth - 1];
        *f = (Frame){0};
        if (c->stopped) {
                f->kind = K_SKIP;
        } else {
                _cleanup_(xmlFreep) xmlChar *cls = xmlGetNoNsProp(n, (const xmlChar *)"class");
                _cleanup_(xmlFreep) xmlChar *style = xmlGetNoNsProp(n, (const xmlChar *)"style");
                _cleanup_(xmlFreep) xmlChar *id = xmlGetNoNsProp(n, (const xmlChar *)"id");
                _cleanup_(xmlFreep) xmlChar *type = xmlGetNoNsProp(n, (const xmlChar *)"type");
                Attrs a = {
                        .cls = (const char *)cls,
                        .style = (const char *)style,
                        .id = (const char *)id,
                        .type = (const char *)type,
                        .hidden = xmlHasProp(n, (const xmlChar *)"hidden") != NULL,
                };
                f->kind = element_open(c, (const char *)n->name, &a, n, f);
        }
        return f->kind != K_SKIP && !c->stopped;
}

static void node_leave(Ctx *c, xmlNode *n)
{
        if (n->type != XML_ELEMENT_NODE || !n->name)
                return;
        if (c->depth <= HTML_MAX_DEPTH)
                element_close(c, &c->frames[c->depth - 1]);
        c->depth--;
}

static void walk(Ctx *c, xmlDoc *doc)
{
        xmlNode *top = (xmlNode *)doc;
        xmlNode *n = top->children;
        while (n) {
                if (node_enter(c, n) && n->children) {
                        n = n->children;
                        continue;
                }
                for (;;) {
                        node_leave(c, n);
                        if (n->next && !c->stopped) {
                                n = n->next;
                                break;
                        }
                        n = n->parent;
                        if (!n || n == top) {
                                n = NULL;
                                break;
                        }
                }
        }
}

/* ---- SAX ---------------------------------------------------------------
 *
 * The usual pass: libxml2's parser calls these as it reads, and they do what
 * walk() would do on the tree libxml2's own SAX handlers would have built
 * (SAX2.c), without building it: an element is entered at its start tag and
 * left at its end (or at the end of the document), and consecutive runs of
 * characters are one text node, as xmlSAX2Text() joins them.  What the tree
 * builder does that this cannot follow — an element started after the root
 * was closed, nesting deeper than HTML_MAX_DEPTH (the tree builder's own
 * limit, 256, stops the parser mid-tree), an element whose content decides
 * how it opens — sets c->bail, and html_extract() reads the document again
 * the old way. */

enum { TEXT_NONE, TEXT_CHARS, TEXT_CDATA };

static Ctx *sax_ctx(void *user)
{
        return ((htmlParserCtxtPtr)user)->_private;
}

/* Hands the text node being gathered to the walker. */
static void text_flush(Ctx *c)
{
        if (c->text_type == TEXT_NONE)
                return;
        c->text_type = TEXT_NONE;
        if (c->text.len == 0)
                return;   /* a text node of nothing, or one not read */
        if (c->depth > 0 && !c->skip && !c->stopped)
                text_node(c, c->text.s);
        c->text.len = 0;
        c->text.s[0] = 0;
}

static void sax_bail(Ctx *c, htmlParserCtxtPtr p)
{
        c->bail = true;
        xmlStopParser(p);
}

static void sax_start_document(void *user)
{
        sax_ctx(user)->started = true;
}

static void sax_start_element(void *user, const xmlChar *name, const xmlChar **atts)
{
        Ctx *c = sax_ctx(user);
        if (c->bail)
                return;
        text_flush(c);
        if ((c->depth == 0 && c->root_seen) || c->depth >= HTML_MAX_DEPTH || !name) {
                sax_bail(c, user);
                return;
        }
        c->root_seen = true;
        c->depth++;
        if (c->skip)
                return;
        Frame *f = &c->frames[c->depth - 1];
        *f = (Frame){0};
        if (c->stopped) {
                f->kind = K_SKIP;
        } else {
                Attrs a;
                attrs_from_sax(&a, atts);
                f->kind = element_open(c, local_name((const char *)name), &a, NULL, f);
                if (c->bail) {
                        xmlStopParser(user);
                        return;
                }
        }
        if (f->kind == K_SKIP || c->stopped)
                c->skip = c->depth;
        if (c->stopped)
                /* Nothing after this point is read: the parser may stop. */
                xmlStopParser(user);
}

/* Leaves the innermost open element. */
static void sax_leave(Ctx *c)
{
        if (c->skip) {
                if (c->depth == c->skip)
                        c->skip = 0;   /* its frame is K_SKIP: nothing to close */
        } else {
                element_close(c, &c->frames[c->depth - 1]);
        }
        c->depth--;
}

static void sax_end_element(void *user, const xmlChar *name)
{
        Ctx *c = sax_ctx(user);
        if (c->bail)
                return;
        text_flush(c);
        if (c->depth > 0)
                sax_leave(c);
}

static void sax_text(Ctx *c, int type, const xmlChar *ch, int len)
{
        if (c->bail)
                return;
        if (c->text_type != type)
                text_flush(c);
        c->text_type = type;
        if (len > 0 && c->depth > 0 && !c->skip && !c->stopped)
                buf_append(&c->text, (const char *)ch, (size_t)len);
}

static void sax_characters(void *user, const xmlChar *ch, int len)
{
        sax_text(sax_ctx(user), TEXT_CHARS, ch, len);
}

static void sax_cdata(void *user, const xmlChar *ch, int len)
{
        sax_text(sax_ctx(user), TEXT_CDATA, ch, len);
}

/* Word ends nearly every paragraph with an empty <o:p></o:p>, an element
 * libxml2 does not know: each costs it an error message, formatted and
 * copied twice although nobody reads it, and more than all else in a
 * Word form.  html_extract() writes them as this comment, which libxml2
 * reads cheaply, and sax_comment() plays the element's events.  That is
 * the same document where the comment is read as a comment (not inside a
 * <script>, an attribute or another comment: then op_seen falls short and
 * the document is read again from its own bytes), and the element would
 * not have made libxml2 imply a <html> or <body> (it cannot close one: it
 * is in no table of libxml2's); the text before it is told apart from the
 * text after it in both. */
#define OP_ELEMENT "<o:p></o:p>"
#define OP_MARK "<!--o:p-->"

/* Whether libxml2's htmlCheckImplied() would start an element before an
 * element of an unknown name. */
static bool would_imply(htmlParserCtxtPtr p)
{
        if (p->nameNr <= 0)
                return true;
        if (p->html >= 10)
                return false;
        for (int i = 0; i < p->nameNr; i++)
                if (xmlStrEqual(p->nameTab[i], (const xmlChar *)"body") ||
                    xmlStrEqual(p->nameTab[i], (const xmlChar *)"head"))
                        return false;
        return true;
}

/* A comment or processing instruction is a node of its own between texts. */
static void sax_comment(void *user, const xmlChar *value)
{
        Ctx *c = sax_ctx(user);
        if (c->bail)
                return;
        if (c->op_marks && value && strcmp((const char *)value, "o:p") == 0) {
                c->op_seen++;
                if (would_imply(user)) {
                        sax_bail(c, user);
                        return;
                }
                sax_start_element(user, (const xmlChar *)"o:p", NULL);
                sax_end_element(user, (const xmlChar *)"o:p");
                return;
        }
        text_flush(c);
}

static void sax_pi(void *user, const xmlChar *target, const xmlChar *data)
{
        Ctx *c = sax_ctx(user);
        if (!c->bail)
                text_flush(c);
}

/* Returns html with every OP_ELEMENT written as OP_MARK, its length in
 * *out_len, and counts them in *n; NULL when there is none or OP_MARK is
 * there already. */
static char *op_mark(const char *html, size_t len, size_t *out_len, size_t *n)
{
        const size_t el = sizeof OP_ELEMENT - 1, ml = sizeof OP_MARK - 1;
        const char *p = memmem(html, len, OP_ELEMENT, el);
        *n = 0;
        if (!p || memmem(html, len, OP_MARK, ml))
                return NULL;
        char *out = xmalloc(len + 1), *o = out;
        const char *s = html, *end = html + len;
        while (p) {
                memcpy(o, s, (size_t)(p - s));
                o += p - s;
                memcpy(o, OP_MARK, ml);
                o += ml;
                s = p + el;
                (*n)++;
                p = memmem(s, (size_t)(end - s), OP_ELEMENT, el);
        }
        memcpy(o, s, (size_t)(end - s));
        o += end - s;
        *o = 0;
        *out_len = (size_t)(o - out);
        return out;
}

/* ---- parsing ---------------------------------------------------------- */

static void silent_generic(void *ctx, const char *msg, ...)
{
}

/* Keeps libxml2's errors off stderr, and sets *(bool *)ctx when its tree
 * builder stopped at its depth limit ("Excessive depth in document"): the
 * rest of the document was not read. */
static void note_structured(void *ctx, xmlErrorPtr err)
{
        if (ctx && err && err->code == XML_ERR_INTERNAL_ERROR && err->message &&
            strstr(err->message, "Excessive depth"))
                *(bool *)ctx = true;
}

/* Whether str_to_utf8() would return s unchanged: valid UTF-8 without NUL.
 * Mail is mostly ASCII, which is checked a word at a time. */
static bool utf8_clean(const char *s, size_t n)
{
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                /* any byte >= 0x80, or any zero byte */
                if ((w & 0x8080808080808080ull) || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull))
                        break;
        }
        return g_utf8_validate(s + i, (gssize)(n - i), NULL) && !memchr(s + i, 0, n - i);
}

static const int parse_options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                 HTML_PARSE_NONET | HTML_PARSE_COMPACT;

/* One parser context serves every document (the daemon reads one message
 * at a time): creating and freeing it costs as much as parsing a short
 * mail.  htmlCtxtReset() readies it for each document (the SAX handler is
 * set anew too); one that grew large on a big or hostile document is freed
 * rather than kept. */
static htmlParserCtxtPtr sax_parser;

/* Runs the SAX pass.  Returns false when the document must be read from a
 * tree instead (c->bail) or the parser could not start. */
static bool parse_sax(Ctx *c, const char *html, int len, const char *encoding)
{
        if (!sax_parser) {
                sax_parser = htmlNewParserCtxt();
                if (!sax_parser)
                        return false;
        }
        htmlParserCtxtPtr p = sax_parser;
        htmlSAXHandler *h = p->sax;
        /* Only what the walker needs; the rest (entities, DTD, document
         * bookkeeping) is what xmlSAX2* would do to a tree we don't keep.
         * ignorableWhitespace stays a no-op as in the default handler. */
        memset(h, 0, sizeof *h);
        h->startDocument = sax_start_document;
        h->startElement = sax_start_element;
        h->endElement = sax_end_element;
        h->characters = sax_characters;
        h->cdataBlock = sax_cdata;
        h->comment = sax_comment;
        h->processingInstruction = sax_pi;
        h->initialized = 1;
        p->_private = c;
        /* htmlCtxtReadMemory() and htmlDoRead(), except that the reset
         * leaves the context's charset unknown, and the parser then takes
         * the first non-ASCII byte as a sign to guess one (Latin-1), where
         * a new context, as htmlReadMemory() makes, assumes UTF-8. */
        htmlCtxtReset(p);
        p->charset = XML_CHAR_ENCODING_UTF8;
        xmlParserInputBufferPtr in = xmlParserInputBufferCreateMem(html, len, XML_CHAR_ENCODING_NONE);
        xmlParserInputPtr stream = in ? xmlNewIOInputStream(p, in, XML_CHAR_ENCODING_NONE) : NULL;
        if (!stream) {
                if (in)
                        xmlFreeParserInputBuffer(in);
                p->_private = NULL;
                return false;
        }
        inputPush(p, stream);
        htmlCtxtUseOptions(p, parse_options);
        p->html = 1;
        if (encoding) {
                xmlCharEncodingHandlerPtr eh = xmlFindCharEncodingHandler(encoding);
                if (eh) {
                        xmlSwitchToEncoding(p, eh);
                        if (p->input->encoding)
                                xmlFree((xmlChar *)p->input->encoding);
                        p->input->encoding = xmlStrdup((const xmlChar *)encoding);
                }
        }
        htmlParseDocument(p);
        if (p->myDoc) {
                /* not expected: no handler builds one */
                xmlFreeDoc(p->myDoc);
                p->myDoc = NULL;
        }
        p->_private = NULL;
        if ((p->dict && xmlDictSize(p->dict) > 4096) || p->nameMax > 256 || p->nodeMax > 256 ||
            p->spaceMax > 256 || len > (1 << 20)) {
                htmlFreeParserCtxt(p);
                sax_parser = NULL;
        }
        if (c->bail || c->op_seen != c->op_marks)
                return false;
        text_flush(c);
        while (c->depth > 0)
                sax_leave(c);
        return true;
}

static Ctx *ctx_new(unsigned flags)
{
        /* The frame, sink and table stacks are set up as they are pushed. */
        Ctx *c = xmalloc(sizeof *c);
        memset(c, 0, offsetof(Ctx, frames));
        c->sinks[0] = (Sink){0};
        c->flags = flags;
        c->n_sinks = 1;
        return c;
}

/* Frees c and what it holds, the FormSource built so far too. */
static void ctx_free(Ctx *c)
{
        form_source_free(&c->src);
        for (size_t i = 0; i < c->n_sinks; i++) {
                buf_free(&c->sinks[i].out);
                buf_free(&c->sinks[i].line);
        }
        for (size_t i = 0; i < c->n_tables; i++)
                strlist_free(&c->tables[i].cells);
        buf_free(&c->text);
        free(c);
}

static int extract(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret,
                   bool *too_deep)
{
        if (!html)
                return -EINVAL;
        if (len > HTML_MAX_INPUT)
                return -EFBIG;
        if (len == 0) {
                *ret = (FormSource){0};
                return 0;
        }

        _cleanup_free_ char *converted = NULL;
        const char *encoding = NULL;
        if (charset && charset_forgiving(charset)) {
                if (!utf8_clean(html, len)) {
                        converted = str_to_utf8(html, len);
                        html = converted;
                        len = strlen(converted);
                }
                encoding = "UTF-8";
        } else if (charset) {
                xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(charset);
                if (h) {
                        encoding = charset;
                        xmlCharEncCloseFunc(h);
                }
        }
        if (len > INT_MAX)
                return -EFBIG;

        /* libxml2 reports encoding errors through its global handlers even
         * with HTML_PARSE_NOERROR; a library must not write to stderr. */
        xmlGenericErrorFunc old_generic = xmlGenericError;
        void *old_generic_ctx = xmlGenericErrorContext;
        xmlStructuredErrorFunc old_structured = xmlStructuredError;
        void *old_structured_ctx = xmlStructuredErrorContext;
        xmlSetGenericErrorFunc(NULL, silent_generic);
        xmlSetStructuredErrorFunc(too_deep, note_structured);

        Ctx *c = ctx_new(flags);
        /* UTF-8 (and so ASCII) only: in a charset such as ISO-2022-JP the
         * bytes of OP_ELEMENT can be other characters. */
        size_t marked_len = 0;
        _cleanup_free_ char *marked = encoding && strcmp(encoding, "UTF-8") == 0 ?
                                              op_mark(html, len, &marked_len, &c->op_marks) : NULL;
        bool ok = marked ? parse_sax(c, marked, (int)marked_len, encoding)
                         : parse_sax(c, html, (int)len, encoding);
        if (!ok) {
                ctx_free(c);
                c = ctx_new(flags);
                /* No HTML_PARSE_NOBLANKS: the walker collapses white space
                 * itself, and libxml2's guess at ignorable blanks can drop a
                 * word break ("<img> <span>Smith</span>"). */
                htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, encoding, parse_options);
                if (doc) {
                        c->started = true;
                        walk(c, doc);
                        xmlFreeDoc(doc);
                }
        }
        xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
        xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
        if (!c->started) {
                ctx_free(c);
                return -EBADMSG;
        }

        c->src.text = sink_finish(&c->sinks[0]);
        *ret = c->src;
        c->src = (FormSource){0};
        ctx_free(c);
        return 0;
}

/* Whether a reading holds no visible word and no table row. */
static bool html_source_empty(const FormSource *src)
{
        if (src->n_rows)
                return false;
        for (const char *p = src->text; p && *p; p++)
                if (!g_ascii_isspace(*p))
                        return false;
        return true;
}

int html_extract_why(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret,
                     char **ret_why)
{
        bool too_deep = false;
        int r = extract(html, len, charset, flags, ret, &too_deep);
        if (r >= 0 && (flags & HTML_DROP_QUOTED) && (flags & HTML_QUOTED_IF_ALONE) && html_source_empty(ret)) {
                form_source_free(ret);
                too_deep = false;
                r = extract(html, len, charset, flags & ~(HTML_DROP_QUOTED | HTML_QUOTED_IF_ALONE), ret, &too_deep);
        }
        if (!ret_why)
                return r;
        if (r == -EFBIG)
                *ret_why = xasprintf("larger than %zu MiB, the most the HTML reader takes", HTML_MAX_INPUT >> 20);
        else if (r < 0)
                *ret_why = xstrdup(r == -EINVAL ? "no data" : "could not be read as HTML");
        else if (too_deep)
                *ret_why = xasprintf("elements nested deeper than %u: nothing after that point was read",
                                     xmlParserMaxDepth);
        else
                *ret_why = NULL;
        return r;
}

int html_extract(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret)
{
        return html_extract_why(html, len, charset, flags, ret, NULL);
}
