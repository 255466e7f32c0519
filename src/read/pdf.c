/* pdf.c — see pdf.h.
 *
 * poppler parses the document; this file only walks what it found: the
 * widgets of each page (a field shown twice is read once, by its name) and
 * the text of each page. */
#include "read/pdf.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <poppler.h>

#include "base/util.h"

/* poppler's message as one line: control characters become spaces. */
static char *one_line(const char *s)
{
        char *t = xstrdup(s);
        for (unsigned char *p = (unsigned char *)t; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        *p = ' ';
        return t;
}

/* A field's label: its tooltip, else its partial name with "_" as spaces. */
static char *field_label(PopplerFormField *f)
{
        gchar *tip = poppler_form_field_get_alternate_ui_name(f);
        gchar *name = poppler_form_field_get_partial_name(f);
        const gchar *use = tip && *tip ? tip : name;
        char *label = use ? xstrdup(use) : NULL;
        if (label && use == name)
                for (char *p = label; *p; p++)
                        if (*p == '_')
                                *p = ' ';
        g_free(tip);
        g_free(name);
        if (label && str_empty(str_trim(label))) {
                free(label);
                return NULL;
        }
        return label;
}

/* What a field holds, as the reporter would read it; NULL when nothing. */
static char *field_value(PopplerFormField *f)
{
        Buf b = {0};
        switch (poppler_form_field_get_field_type(f)) {
        case POPPLER_FORM_FIELD_TEXT: {
                gchar *t = poppler_form_field_text_get_text(f);
                if (t)
                        buf_puts(&b, t);
                g_free(t);
                break;
        }
        case POPPLER_FORM_FIELD_CHOICE: {
                int n = poppler_form_field_choice_get_n_items(f);
                for (int i = 0; i < n && i < PDF_MAX_FIELDS; i++) {
                        if (!poppler_form_field_choice_is_item_selected(f, i))
                                continue;
                        gchar *item = poppler_form_field_choice_get_item(f, i);
                        if (item && *item) {
                                if (b.len)
                                        buf_puts(&b, ", ");
                                buf_puts(&b, item);
                        }
                        g_free(item);
                }
                if (!b.len && poppler_form_field_choice_is_editable(f)) {
                        gchar *t = poppler_form_field_choice_get_text(f);
                        if (t)
                                buf_puts(&b, t);
                        g_free(t);
                }
                break;
        }
        case POPPLER_FORM_FIELD_BUTTON:
                if (poppler_form_field_button_get_button_type(f) == POPPLER_FORM_BUTTON_CHECK &&
                    poppler_form_field_button_get_state(f))
                        buf_puts(&b, "Yes");
                break;
        default:
                break;
        }
        char *v = buf_steal(&b);
        if (v && str_empty(str_trim(v))) {
                free(v);
                return NULL;
        }
        return v;
}

/* The filled-in fields of page into s; seen holds the names already read. */
static void read_fields(PopplerPage *page, FormSource *s, GHashTable *seen, size_t *n_fields)
{
        /* poppler lists a page's widgets last first. */
        GList *map = g_list_reverse(poppler_page_get_form_field_mapping(page));
        for (GList *l = map; l && *n_fields < PDF_MAX_FIELDS; l = l->next) {
                PopplerFormFieldMapping *m = l->data;
                if (!m || !m->field)
                        continue;
                (*n_fields)++;
                gchar *full = poppler_form_field_get_name(m->field);
                bool again = full && g_hash_table_contains(seen, full);
                if (full && !again)
                        g_hash_table_add(seen, full);
                else
                        g_free(full);
                if (again)
                        continue;
                _cleanup_free_ char *value = field_value(m->field);
                if (!value)
                        continue;
                _cleanup_free_ char *label = field_label(m->field);
                if (label)
                        form_source_add_row(s, label, value);
        }
        poppler_page_free_form_field_mapping(map);
}

/* The text of page, appended to b: lines trimmed, runs of blank lines one. */
static void read_text(PopplerPage *page, Buf *b)
{
        gchar *text = poppler_page_get_text(page);
        for (const char *p = text ? text : ""; *p && b->len < PDF_MAX_TEXT;) {
                const char *nl = strchr(p, '\n');
                _cleanup_free_ char *line = xstrndup(p, nl ? (size_t)(nl - p) : strlen(p));
                p = nl ? nl + 1 : p + strlen(p);
                /* Form feeds and carriage returns are not text. */
                for (char *c = line; *c; c++)
                        if (*c == '\f' || *c == '\r')
                                *c = ' ';
                const char *t = str_trim(line);
                bool blank_before = b->len == 0 || (b->len >= 2 && b->s[b->len - 1] == '\n' && b->s[b->len - 2] == '\n');
                if (!*t && blank_before)
                        continue;
                buf_puts(b, t);
                buf_putc(b, '\n');
        }
        g_free(text);
}

static int read_document(const void *data, size_t len, FormSource *ret, const char **why, char **why_own)
{
        GError *err = NULL;
        GBytes *bytes = g_bytes_new_static(data, len);
        PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
        g_bytes_unref(bytes);
        if (!doc) {
                int r = -EBADMSG;
                if (err && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED) {
                        *why = "encrypted (password-protected): needs opening by a person";
                        r = -EACCES;
                } else {
                        *why_own = one_line(err ? err->message : "unreadable");
                }
                if (err)
                        g_error_free(err);
                return r;
        }
        FormSource s = {0};
        Buf text = {0};
        GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        size_t n_fields = 0;
        int pages = poppler_document_get_n_pages(doc);
        for (int i = 0; i < pages && i < PDF_MAX_PAGES; i++) {
                PopplerPage *page = poppler_document_get_page(doc, i);
                if (!page)
                        continue;
                read_fields(page, &s, seen, &n_fields);
                read_text(page, &text);
                g_object_unref(page);
        }
        g_hash_table_destroy(seen);
        g_object_unref(doc);
        while (text.len && text.s[text.len - 1] == '\n')
                text.s[--text.len] = '\0';
        s.text = buf_steal(&text);
        if (s.text && !*s.text) {
                free(s.text);
                s.text = NULL;
        }
        if (!s.text && !s.n_rows) {
                form_source_free(&s);
                *why = "a scanned PDF with no text: needs reading by a person";
                return -ENODATA;
        }
        *ret = s;
        return 0;
}

int pdf_extract_why(const void *data, size_t len, FormSource *ret, char **ret_why)
{
        const char *why = "no data";
        _cleanup_free_ char *own = NULL;
        int r = -EINVAL;
        if (data && len > PDF_MAX_SIZE) {
                why = "larger than 25 MiB: needs opening by a person";
                r = -EFBIG;
        } else if (data) {
                r = read_document(data, len, ret, &why, &own);
        }
        if (ret_why)
                *ret_why = r >= 0 ? NULL
                           : own  ? xasprintf("damaged, or not a PDF (%s): needs opening by a person", own)
                                  : xstrdup(why);
        return r;
}

int pdf_extract(const void *data, size_t len, FormSource *ret)
{
        return pdf_extract_why(data, len, ret, NULL);
}
