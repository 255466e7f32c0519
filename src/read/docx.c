/* docx.c — see docx.h.
 *
 * WordprocessingML keeps text in w:t elements inside runs (w:r) inside
 * paragraphs (w:p); tables are w:tbl/w:tr/w:tc with paragraphs in the
 * cells.  Every other element (content controls, hyperlinks, smart tags,
 * insertions, field results) is walked through as a transparent container,
 * except the few whose text is not what the reader sees. */
#include "read/docx.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "base/util.h"

/* libxml2 refuses documents nested deeper than 256 elements unless
 * XML_PARSE_HUGE is set (it is not); the walker stops there as well. */
#define DOCX_MAX_DEPTH 256
/* DOCX_MAX_DOCUMENT in words, for why a document was refused. */
#define DOCX_MAX_MIB "50"
_Static_assert(DOCX_MAX_DOCUMENT == (size_t)50 << 20, "DOCX_MAX_MIB says DOCX_MAX_DOCUMENT");

static const char *const w_namespaces[] = {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main", /* ISO 29500 strict */
        NULL,
};
#define MC_NS "http://schemas.openxmlformats.org/markup-compatibility/2006"

typedef struct {
        StrList cells;      /* trimmed texts of the open row's non-empty cells */
        bool row_open;
        bool row_nested;    /* a cell of the open row holds a table */
        bool in_cell;
        bool cell_nested;   /* the open cell holds a table */
        size_t n_all;       /* cells of the open row, empty ones too */
} Table;

typedef struct {
        FormSource src;
        size_t n_sinks, n_tables;
        Buf sinks[DOCX_MAX_DEPTH + 1]; /* [0] body text, then one per open cell */
        Table tables[DOCX_MAX_DEPTH];
} Ctx;

/* ---- text --------------------------------------------------------------- */

/* Lines trimmed, runs of blank lines made one, leading and trailing blank
 * lines dropped; NULL when nothing is left. */
static char *normalise_lines(const char *s)
{
        Buf b = {0};
        bool blank = false;
        while (s && *s) {
                const char *nl = strchr(s, '\n');
                _cleanup_free_ char *line = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
                s = nl ? nl + 1 : NULL;
                char *t = str_trim(line);
                if (!*t) {
                        blank = b.len > 0;
                        continue;
                }
                if (b.len)
                        buf_puts(&b, blank ? "\n\n" : "\n");
                buf_puts(&b, t);
                blank = false;
        }
        if (!b.len) {
                buf_free(&b);
                return NULL;
        }
        return buf_steal(&b);
}

/* Appends the text of a w:t; a no-break space is a space to the form
 * reader. */
static void append_text(Buf *sink, xmlNode *t)
{
        for (xmlNode *n = t->children; n; n = n->next) {
                if ((n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE) || !n->content)
                        continue;
                for (const char *p = (const char *)n->content; *p;) {
                        if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) {
                                buf_putc(sink, ' ');
                                p += 2;
                                continue;
                        }
                        size_t k = strcspn(p, "\xc2");
                        if (k == 0)
                                k = 1;
                        buf_append(sink, p, k);
                        p += k;
                }
        }
}

/* ---- tables ------------------------------------------------------------- */

/* Appends finished text as paragraphs of the enclosing body or cell. */
static void sink_paragraphs(Ctx *c, const char *text)
{
        Buf *sink = &c->sinks[c->n_sinks - 1];
        if (sink->len)
                buf_putc(sink, '\n');
        buf_puts(sink, text);
}

static void row_end(Ctx *c, Table *t)
{
        /* A layout row's cells, and a row of one cell ("Label: value" in
         * one cell; a question whose answer is in the next row), are text. */
        if (t->row_open && (t->row_nested || t->n_all < 2))
                for (size_t i = 0; i < t->cells.n; i++)
                        sink_paragraphs(c, t->cells.v[i]);
        else if (t->row_open)
                form_source_add_cells(&c->src, &t->cells, t->n_all);
        strlist_free(&t->cells);
        t->row_open = false;
        t->row_nested = false;
        t->n_all = 0;
}

static Table *cur_table(Ctx *c)
{
        return c->n_tables ? &c->tables[c->n_tables - 1] : NULL;
}

/* ---- the walk ----------------------------------------------------------- */

static bool is_w(const xmlNode *n)
{
        if (!n->ns || !n->ns->href)
                return false;
        for (const char *const *ns = w_namespaces; *ns; ns++)
                if (strcmp((const char *)n->ns->href, *ns) == 0)
                        return true;
        return false;
}

static bool name_is(const xmlNode *n, const char *name)
{
        return strcmp((const char *)n->name, name) == 0;
}

static xmlNode *w_child(xmlNode *n, const char *name)
{
        for (xmlNode *k = n->children; k; k = k->next)
                if (k->type == XML_ELEMENT_NODE && is_w(k) && name_is(k, name))
                        return k;
        return NULL;
}

/* An unfilled content control shows "Click or tap here to enter text."; that
 * is Word's prompt, not the reporter's answer. */
static bool sdt_shows_placeholder(xmlNode *sdt)
{
        xmlNode *pr = w_child(sdt, "sdtPr");
        xmlNode *ph = pr ? w_child(pr, "showingPlcHdr") : NULL;
        if (!ph)
                return false;
        _cleanup_free_ char *val = NULL;
        xmlChar *v = xmlGetProp(ph, (const xmlChar *)"val");
        if (v) {
                val = xstrdup((const char *)v);
                xmlFree(v);
        }
        return !val || !(strcmp(val, "0") == 0 || strcasecmp(val, "false") == 0 || strcasecmp(val, "off") == 0);
}

static void walk(Ctx *c, xmlNode *parent, unsigned depth);

/* Elements whose content the reader does not see as text. */
static const char *const w_skipped[] = {
        "del", "moveFrom", "delText", "delInstrText", "instrText", "sdtPr", "sdtEndPr", "rPr", "pPr",
        "tblPr", "tblGrid", "trPr", "tcPr", "sectPr", "fldData", "footnoteReference", "endnoteReference",
        NULL,
};

static void w_table(Ctx *c, xmlNode *n, unsigned depth)
{
        Table *outer = cur_table(c);
        if (outer && outer->in_cell)
                outer->cell_nested = true;
        c->tables[c->n_tables++] = (Table){0};
        walk(c, n, depth + 1);
        row_end(c, &c->tables[c->n_tables - 1]);
        c->n_tables--;
}

static void w_cell(Ctx *c, Table *t, xmlNode *n, unsigned depth)
{
        t->in_cell = true;
        t->cell_nested = false;
        t->n_all++;
        c->sinks[c->n_sinks++] = (Buf){0};
        walk(c, n, depth + 1);
        Buf *sink = &c->sinks[--c->n_sinks];
        char *text = normalise_lines(sink->s);
        buf_free(sink);
        if (text)
                strlist_take(&t->cells, text);
        if (t->cell_nested)
                t->row_nested = true;
        t->in_cell = false;
        t->cell_nested = false;
}

/* Handles a w: element; returns false to have walk() descend into it as a
 * transparent container. */
static bool w_element(Ctx *c, xmlNode *n, unsigned depth)
{
        Buf *sink = &c->sinks[c->n_sinks - 1];
        Table *t = cur_table(c);
        const char *name = (const char *)n->name;

        for (const char *const *s = w_skipped; *s; s++)
                if (strcmp(name, *s) == 0)
                        return true;
        if (strcmp(name, "t") == 0) {
                append_text(sink, n);
        } else if (strcmp(name, "tab") == 0) {
                buf_putc(sink, '\t');
        } else if (strcmp(name, "br") == 0 || strcmp(name, "cr") == 0) {
                buf_putc(sink, '\n');
        } else if (strcmp(name, "noBreakHyphen") == 0) {
                buf_putc(sink, '-');
        } else if (strcmp(name, "sdt") == 0) {
                return sdt_shows_placeholder(n);
        } else if (strcmp(name, "p") == 0) {
                if (sink->len)
                        buf_putc(sink, '\n');
                walk(c, n, depth + 1);
        } else if (strcmp(name, "tbl") == 0) {
                w_table(c, n, depth);
        } else if (strcmp(name, "tr") == 0 && t && !t->in_cell) {
                row_end(c, t);
                t->row_open = true;
                walk(c, n, depth + 1);
                row_end(c, t);
        } else if (strcmp(name, "tc") == 0 && t && t->row_open && !t->in_cell) {
                w_cell(c, t, n, depth);
        } else {
                return false;
        }
        return true;
}

static void walk(Ctx *c, xmlNode *parent, unsigned depth)
{
        if (depth >= DOCX_MAX_DEPTH)
                return;
        for (xmlNode *n = parent->children; n; n = n->next) {
                if (n->type != XML_ELEMENT_NODE || !n->name)
                        continue;
                if (is_w(n)) {
                        if (w_element(c, n, depth))
                                continue;
                } else if (n->ns && n->ns->href && strcmp((const char *)n->ns->href, MC_NS) == 0 &&
                           name_is(n, "Fallback")) {
                        /* The same text box again, for older readers. */
                        continue;
                }
                walk(c, n, depth + 1);
        }
}

/* ---- the zip ------------------------------------------------------------ */

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static bool is_document_entry(const char *name)
{
        if (!name)
                return false;
        while (*name == '/')
                name++;
        return strcasecmp(name, "word/document.xml") == 0;
}

/* Why a file is not a zip: Word saves a password-protected document as an
 * OLE compound file (ECMA-376 agile encryption inside), the format of the
 * old .doc too; anything else is damaged or not a Word document. */
static const char *not_a_zip(const void *data, size_t len)
{
        static const unsigned char ole[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
        if (len >= sizeof ole && memcmp(data, ole, sizeof ole) == 0)
                return "encrypted (password-protected), or an old Word .doc: an OLE compound file, not a .docx zip";
        return "not a zip archive: damaged, or not a Word .docx";
}

static int read_document(const void *data, size_t len, char **ret, size_t *ret_len, const char **why)
{
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        struct archive_entry *e;
        *why = "out of memory";
        if (!a)
                return -ENOMEM;
        if (archive_read_support_format_zip(a) != ARCHIVE_OK)
                return -ENOMEM;
        *why = not_a_zip(data, len);
        if (archive_read_open_memory(a, data, len) != ARCHIVE_OK)
                return -EBADMSG;
        for (bool first = true;; first = false) {
                int r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF) {
                        if (!first)
                                *why = "no word/document.xml in the zip: not a Word document";
                        return -EBADMSG;
                }
                if (r < ARCHIVE_WARN) {
                        if (!first)
                                *why = "a damaged zip";
                        return -EBADMSG;
                }
                if (is_document_entry(archive_entry_pathname(e)))
                        break;
        }
        *why = "word/document.xml inflates to more than " DOCX_MAX_MIB " MiB (a zip bomb?)";
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)DOCX_MAX_DOCUMENT)
                return -EFBIG;

        /* The size in the header may be absent or a lie: count what
         * inflates. */
        _cleanup_buf_ Buf b = {0};
        char tmp[65536];
        for (;;) {
                la_ssize_t k = archive_read_data(a, tmp, sizeof tmp);
                if (k < 0) {
                        *why = "word/document.xml is damaged or encrypted in the zip";
                        return -EBADMSG;
                }
                if (k == 0)
                        break;
                if (b.len + (size_t)k > DOCX_MAX_DOCUMENT)
                        return -EFBIG;
                buf_append(&b, tmp, (size_t)k);
        }
        *why = NULL;
        *ret_len = b.len;
        *ret = buf_steal(&b);
        if (!*ret)
                *ret = xstrdup("");
        return 0;
}

/* ---- the XML ------------------------------------------------------------ */

static void silent_structured(void *ctx, xmlErrorPtr err)
{
}

static void silent_generic(void *ctx, const char *msg, ...)
{
}

/* SAX hook called when a DOCTYPE is seen, before its internal subset (and so
 * before any entity declaration) is read: stop right there. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
        xmlParserCtxtPtr ctxt = ctx;
        *(bool *)ctxt->_private = true;
        xmlStopParser(ctxt);
}

static int parse_document(const char *xml, size_t len, xmlDoc **ret, const char **why)
{
        bool doctype = false;
        xmlDoc *doc;

        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        *why = "out of memory";
        if (!ctxt)
                return -ENOMEM;
        ctxt->_private = &doctype;
        ctxt->sax->internalSubset = refuse_doctype;

        /* libxml2 reports some errors (encoding) through its global handlers
         * even with XML_PARSE_NOERROR; a library must not write to stderr. */
        xmlGenericErrorFunc old_generic = xmlGenericError;
        void *old_generic_ctx = xmlGenericErrorContext;
        xmlStructuredErrorFunc old_structured = xmlStructuredError;
        void *old_structured_ctx = xmlStructuredErrorContext;
        xmlSetGenericErrorFunc(NULL, silent_generic);
        xmlSetStructuredErrorFunc(NULL, silent_structured);
        /* Not XML_PARSE_NOENT (substitute entities), DTDLOAD, XINCLUDE or
         * HUGE (lift the depth and size limits). */
        doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "document.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
        xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
        xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
        xmlFreeParserCtxt(ctxt);

        *why = "word/document.xml is not well-formed XML";
        if (doc && (doctype || doc->intSubset || doc->extSubset)) {
                *why = "word/document.xml has a DOCTYPE, which no Word document has (entity expansion?)";
                xmlFreeDoc(doc);
                doc = NULL;
        }
        if (!doc)
                return -EBADMSG;
        *why = NULL;
        *ret = doc;
        return 0;
}

static int read_xml(const char *xml, size_t len, FormSource *ret, const char **why)
{
        xmlDoc *doc = NULL;
        *why = "no data";
        if (!xml)
                return -EINVAL;
        *why = "word/document.xml is larger than " DOCX_MAX_MIB " MiB";
        if (len > DOCX_MAX_DOCUMENT)
                return -EFBIG;
        int r = parse_document(xml, len, &doc, why);
        if (r < 0)
                return r;

        Ctx *c = xcalloc(1, sizeof *c);
        c->n_sinks = 1;
        xmlNode *root = xmlDocGetRootElement(doc);
        if (root)
                walk(c, root, 0);
        xmlFreeDoc(doc);

        c->src.text = normalise_lines(c->sinks[0].s);
        buf_free(&c->sinks[0]);
        *ret = c->src;
        free(c);
        return 0;
}

int docx_read_xml(const char *xml, size_t len, FormSource *ret)
{
        const char *why = NULL;
        return read_xml(xml, len, ret, &why);
}

int docx_extract_why(const void *data, size_t len, FormSource *ret, char **ret_why)
{
        _cleanup_free_ char *xml = NULL;
        size_t xml_len = 0;
        const char *why = "no data";
        int r = -EINVAL;

        if (data) {
                r = read_document(data, len, &xml, &xml_len, &why);
                if (r >= 0)
                        r = read_xml(xml, xml_len, ret, &why);
        }
        if (ret_why)
                *ret_why = r < 0 ? xstrdup(why) : NULL;
        return r;
}

int docx_extract(const void *data, size_t len, FormSource *ret)
{
        return docx_extract_why(data, len, ret, NULL);
}
