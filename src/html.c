/* html.c — see html.h.
 *
 * The document tree from libxml2 is walked iteratively (parent/next
 * pointers), so hostile nesting cannot exhaust the stack.  Each element
 * entered gets a frame saying what must happen when it is left; elements
 * nested deeper than HTML_MAX_DEPTH get no frame and count as inline, so the
 * walker's own state is bounded too.
 *
 * Text goes to a "sink", a line builder.  The document has one; each open
 * table cell pushes its own, whose text becomes the cell and, joined with its
 * row's other cells, one line of the enclosing sink. */
#include "html.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/xmlerror.h>

#include "util.h"

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
        size_t n_sinks, n_tables;
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
                        const unsigned char *q = p + 1;
                        while (q < end && *q > ' ' && *q != 0x7f && *q != 0xc2 && *q != 0xe2 && *q != 0xef)
                                q++;
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

/* A cell that only numbers a question: "1", "1.", "Q3", "a)", "(b)". */
static bool is_marker_cell(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 5)
                return false;
        const char *p = s, *e = s + n;
        if (*p == '(')
                p++;
        while (e > p && (e[-1] == '.' || e[-1] == ')'))
                e--;
        if (p == e)
                return false;
        if (e - p == 1 && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                return true;
        if (*p == 'Q' || *p == 'q')
                p++;
        for (const char *q = p; q < e; q++)
                if (*q < '0' || *q > '9')
                        return false;
        return p < e;
}

/* The two-column rule of html.h, shared in spirit with docx.c.  Returns
 * whether the cells became a row. */
static bool add_form_row(FormSource *src, const StrList *cells, size_t n_all)
{
        /* A row of one cell is text: "Label: value" typed in one cell, or a
         * question whose answer is in the row below (a one-column form).
         * A question whose answer cell is empty is a row all the same. */
        if (cells->n == 0 || n_all < 2)
                return false;
        if (cells->n == 1) {
                form_source_add_row(src, cells->v[0], "");
                return true;
        }
        /* A first column that only numbers the questions ("1", "Q3", "a)"). */
        StrList c = *cells;
        if (c.n >= 3 && is_marker_cell(c.v[0])) {
                c.v++;
                c.n--;
        }
        if (c.n == 2) {
                form_source_add_row(src, c.v[0], c.v[1]);
                return true;
        }
        StrList rest = {.v = c.v + 1, .n = c.n - 1};
        _cleanup_free_ char *value = strlist_join(&rest, " ");
        form_source_add_row(src, c.v[0], value);
        return true;
}

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
        } else if (t->cells.n && !add_form_row(&c->src, &t->cells, t->n_all)) {
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

static void xmlFreep(xmlChar **p)
{
        if (*p)
                xmlFree(*p);
}

static bool attr_eq(xmlNode *n, const char *name, const char *want)
{
        _cleanup_(xmlFreep) xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
        return v && strcasecmp((const char *)v, want) == 0;
}

static bool attr_endswith(xmlNode *n, const char *name, const char *suffix)
{
        _cleanup_(xmlFreep) xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
        return v && str_endswith_ci((const char *)v, suffix);
}

static bool class_has(xmlNode *n, const char *token)
{
        _cleanup_(xmlFreep) xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"class");
        if (!v)
                return false;
        size_t tl = strlen(token);
        const char *p = (const char *)v;
        while (*p) {
                while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
                        p++;
                size_t k = strcspn(p, " \t\n\r\f");
                if (k == tl && strncasecmp(p, token, tl) == 0)
                        return true;
                p += k;
        }
        return false;
}

/* Looks up a declaration in a style attribute: the value of the last
 * `prop: value` (trimmed, lower case, at most size-1 bytes), or false. */
static bool style_get(xmlNode *n, const char *prop, char *out, size_t size)
{
        _cleanup_(xmlFreep) xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"style");
        bool found = false;
        if (!v)
                return false;
        size_t pl = strlen(prop);
        const char *p = (const char *)v;
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

static bool is_hidden(xmlNode *n)
{
        char v[32];
        if (xmlHasProp(n, (const xmlChar *)"hidden"))
                return true;
        return style_get(n, "display", v, sizeof v) && str_startswith(v, "none");
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

static bool starts_quote_header(xmlNode *n)
{
        char v[128];
        if (!style_get(n, "border-top", v, sizeof v) || !strstr(v, "solid")) {
                if (!style_get(n, "border-top-style", v, sizeof v) || !strstr(v, "solid"))
                        return false;
        }
        first_text(n, v, sizeof v);
        return str_startswith_ci(v, "From:") || str_startswith_ci(v, "Sent:");
}

/* ---- elements --------------------------------------------------------- */

static bool name_in(const char *name, const char *const *set)
{
        for (; *set; set++)
                if (strcmp(name, *set) == 0)
                        return true;
        return false;
}

static const char *const skipped[] = {"head", "script", "style", "title", "template", "object",
                                      "iframe", "select", "svg", "math", NULL};
static const char *const blocks[] = {"div", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
                                     "blockquote", "address", "article", "section", "header", "footer",
                                     "nav", "aside", "main", "figure", "figcaption", "center", "form",
                                     "fieldset", "legend", "details", "summary", "caption", "body", "html",
                                     "li", "td", "th", "tr", NULL};

/* Decides what an element is and opens it. */
static Kind element_open(Ctx *c, xmlNode *n, Frame *f)
{
        const char *name = (const char *)n->name;
        if (name_in(name, skipped) || is_hidden(n))
                return K_SKIP;
        if (c->flags & HTML_DROP_QUOTED) {
                if ((strcmp(name, "blockquote") == 0 && attr_eq(n, "type", "cite")) ||
                    class_has(n, "gmail_quote") || class_has(n, "yahoo_quoted") ||
                    class_has(n, "moz-cite-prefix"))
                        return K_SKIP;
                if (attr_endswith(n, "id", "divRplyFwdMsg") || attr_endswith(n, "id", "appendonsend") ||
                    (strcmp(name, "div") == 0 && starts_quote_header(n))) {
                        c->stopped = true;
                        return K_SKIP;
                }
        }

        Sink *s = cur_sink(c);
        Table *t = cur_table(c);
        char tabs[8];
        if (strcmp(name, "span") == 0 && style_get(n, "mso-tab-count", tabs, sizeof tabs)) {
                /* Word's TAB stop ("Label:<TAB>answer"), written as spaces */
                sink_visible(s, "\t", 1);
                return K_SKIP;
        }
        if (strcmp(name, "br") == 0) {
                sink_end_line(s, true);
                return K_INLINE;
        }
        if (strcmp(name, "hr") == 0) {
                sink_end_line(s, false);
                return K_INLINE;
        }
        if (strcmp(name, "table") == 0) {
                sink_end_line(s, false);
                if (t && t->in_cell)
                        t->cell_nested = true;
                c->tables[c->n_tables++] = (Table){0};
                return K_TABLE;
        }
        if (strcmp(name, "tr") == 0 && t && !t->in_cell) {
                row_end(c, t);
                row_begin(t);
                return K_ROW;
        }
        if ((strcmp(name, "td") == 0 || strcmp(name, "th") == 0) && t && !t->in_cell) {
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
        /* libxml2 drops namespace prefixes, so Word's <o:p></o:p> inside a
         * paragraph arrives as a nested <p>; the parser never nests real
         * paragraphs, so such a one is inline. */
        if (strcmp(name, "p") == 0 && c->para == 0) {
                c->para++;
                sink_end_line(s, false);
                f->mark = s->n_lines;
                return K_PARA;
        }
        if (strcmp(name, "pre") == 0) {
                sink_end_line(s, false);
                c->pre++;
                return K_PRE;
        }
        if (name_in(name, blocks)) {
                sink_end_line(s, false);
                if (strcmp(name, "li") == 0)
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
                if (str_startswith_ci(p, "-----Original Message") ||
                    str_startswith_ci(p, "----- Original Message")) {
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
        f->kind = c->stopped ? K_SKIP : element_open(c, n, f);
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

/* ---- parsing ---------------------------------------------------------- */

static void silent_structured(void *ctx, xmlErrorPtr err)
{
}

static void silent_generic(void *ctx, const char *msg, ...)
{
}

/* Charsets whose labels mail often gets wrong: their bytes are decoded by
 * str_to_utf8() instead, which never fails. */
static bool charset_forgiving(const char *cs)
{
        static const char *const l[] = {"us-ascii", "ascii", "utf-8", "utf8", "iso-8859-1", "latin1",
                                        "iso_8859-1", "l1", "windows-1252", "cp1252", "x-cp1252", NULL};
        for (size_t i = 0; l[i]; i++)
                if (strcasecmp(cs, l[i]) == 0)
                        return true;
        return false;
}

int html_extract(const char *html, size_t len, const char *charset, unsigned flags, FormSource *ret)
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
                converted = str_to_utf8(html, len);
                html = converted;
                len = strlen(converted);
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
        xmlSetStructuredErrorFunc(NULL, silent_structured);
        /* No HTML_PARSE_NOBLANKS: the walker collapses white space itself,
         * and libxml2's guess at ignorable blanks can drop a word break
         * ("<img> <span>Smith</span>"). */
        htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, encoding,
                                        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                                HTML_PARSE_NONET | HTML_PARSE_COMPACT);
        xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
        xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
        if (!doc)
                return -EBADMSG;

        Ctx *c = xcalloc(1, sizeof *c);
        c->flags = flags;
        c->n_sinks = 1;
        walk(c, doc);
        xmlFreeDoc(doc);

        c->src.text = sink_finish(&c->sinks[0]);
        *ret = c->src;
        free(c);
        return 0;
}
