/* pdf.c — see pdf.h.
 *
 * poppler parses the document; this file only walks what it found: the
 * widgets of each page (a field shown twice is read once, by its name) and
 * the text of each page. */
#include "read/pdf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* ---- the page's text as segments -------------------------------------- */

/* A run of text on one line with no wide gap in it: a label, a cell's line,
 * the word beside a radio button.  In page coordinates, the origin at the
 * top left (poppler's text layout), as the widgets' areas are made to be. */
typedef struct {
        double x1, y1, x2, y2;
        char *text;
        bool used;    /* read as a table's cell or a button's answer */
        /* its spaces: where in text, and where on the page */
        size_t n_sp;
        size_t *sp_off;
        double *sp_x1, *sp_x2;
} Seg;

typedef struct {
        Seg *v;
        size_t n;
} Segs;

/* A page of more segments than this is read as plain text (no table, no
 * words beside a radio button): a form has far fewer. */
#define PDF_MAX_SEGS 1500

static void segs_free(Segs *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].text);
                free(s->v[i].sp_off);
                free(s->v[i].sp_x1);
                free(s->v[i].sp_x2);
        }
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

/* The spaces of the segment being built. */
typedef struct {
        size_t n;
        size_t *off;
        double *x1, *x2;
} Spaces;

static void spaces_add(Spaces *sp, size_t off, double x1, double x2)
{
        sp->off = xrealloc(sp->off, (sp->n + 1) * sizeof *sp->off);
        sp->x1 = xrealloc(sp->x1, (sp->n + 1) * sizeof *sp->x1);
        sp->x2 = xrealloc(sp->x2, (sp->n + 1) * sizeof *sp->x2);
        sp->off[sp->n] = off;
        sp->x1[sp->n] = x1;
        sp->x2[sp->n++] = x2;
}

static void spaces_free(Spaces *sp)
{
        free(sp->off);
        free(sp->x1);
        free(sp->x2);
        *sp = (Spaces){0};
}

/* Ends the segment in b (a segment starts with no space; trailing ones
 * are cut); false when the page has too many. */
static bool seg_end(Segs *s, Buf *b, Spaces *sp, const PopplerRectangle *first, double x2, double y2)
{
        _cleanup_free_ char *t = buf_steal(b);
        size_t len = t ? strlen(t) : 0;
        while (len && t[len - 1] == ' ')
                t[--len] = '\0';
        while (sp->n && sp->off[sp->n - 1] >= len)
                sp->n--;
        if (!len || !isfinite(first->x1) || !isfinite(first->y1) || !isfinite(x2) || !isfinite(y2)) {
                spaces_free(sp);
                return true;
        }
        if (s->n >= PDF_MAX_SEGS) {
                spaces_free(sp);
                return false;
        }
        s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
        s->v[s->n++] = (Seg){first->x1, first->y1, x2, y2, xstrdup(t), false, sp->n, sp->off, sp->x1, sp->x2};
        *sp = (Spaces){0};
        return true;
}

/* The segments of page in poppler's reading order: a line is cut where the
 * gap between two characters (or one space) is wider than a space and a
 * half, 0.3 of the line's height, as between the cells of a table (their
 * padding) or a question and its answer.  None when the page has more than PDF_MAX_SEGS,
 * or poppler gives no place for each character. */
static void page_segments(PopplerPage *page, const char *text, Segs *ret)
{
        PopplerRectangle *rects = NULL;
        guint n = 0;
        if (!text || !poppler_page_get_text_layout(page, &rects, &n))
                return;
        if ((size_t)g_utf8_strlen(text, -1) != n) {
                g_free(rects);
                return;
        }
        bool ok = true;
        Spaces sp = {0};
        Buf b = {0};
        PopplerRectangle first = {0};
        double x2 = 0, y2 = 0;
        size_t i = 0;
        for (const char *p = text; *p && i < n; p = g_utf8_next_char(p), i++) {
                const PopplerRectangle *r = &rects[i];
                double h = r->y2 - r->y1, gap = h * 0.3 > 4 ? h * 0.3 : 4;
                gunichar c = g_utf8_get_char(p);
                bool wide_space = c == ' ' && r->x2 - r->x1 > gap;
                if (c == '\n' || c == '\r' || c == '\f' || wide_space ||
                    (b.len && (r->x1 - x2 > gap || fabs(r->y1 - first.y1) > h / 2))) {
                        ok = seg_end(ret, &b, &sp, &first, x2, y2);
                        if (!ok)
                                break;
                        if (c == '\n' || c == '\r' || c == '\f' || wide_space)
                                continue;
                }
                if (!b.len) {
                        if (c == ' ')
                                continue;
                        first = *r;
                        y2 = r->y2;
                }
                if (c == ' ')
                        spaces_add(&sp, b.len, r->x1, r->x2);
                buf_append(&b, p, (size_t)(g_utf8_next_char(p) - p));
                x2 = r->x2;
                if (r->y2 > y2)
                        y2 = r->y2;
        }
        if (ok)
                ok = seg_end(ret, &b, &sp, &first, x2, y2);
        buf_free(&b);
        spaces_free(&sp);
        if (!ok)
                segs_free(ret);
        g_free(rects);
}

static bool same_line(const Seg *a, const Seg *b)
{
        double h = a->y2 - a->y1;
        return fabs(a->y1 - b->y1) < h / 2;
}

/* ---- a two-column table: Label | Answer -------------------------------- */

/* The x where the answers of a two-column table start: three or more lines
 * with a segment starting there and another ending before it; 0 if none. */
static double table_column(const Segs *s)
{
        _cleanup_free_ bool *paired = xcalloc(s->n ? s->n : 1, sizeof *paired);
        for (size_t j = 0; j < s->n; j++)
                for (size_t k = 0; k < s->n && !paired[j]; k++)
                        paired[j] = k != j && s->v[k].x2 < s->v[j].x1 && same_line(&s->v[k], &s->v[j]);
        double best = 0;
        size_t best_n = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (!paired[i])
                        continue;
                size_t count = 0;
                for (size_t j = 0; j < s->n; j++)
                        count += paired[j] && fabs(s->v[j].x1 - s->v[i].x1) <= 2;
                /* of a numbers | questions | answers table, the answers */
                if (count > best_n || (count == best_n && s->v[i].x1 > best)) {
                        best_n = count;
                        best = s->v[i].x1;
                }
        }
        return best_n >= 3 ? best : 0;
}

static int seg_cmp(const void *a, const void *b)
{
        const Seg *x = *(Seg *const *)a, *y = *(Seg *const *)b;
        if (!same_line(x, y))
                return x->y1 < y->y1 ? -1 : 1;
        return x->x1 < y->x1 ? -1 : x->x1 > y->x1;
}

static void add_table_row(FormSource *s, Buf *label, Buf *value)
{
        _cleanup_free_ char *l = buf_steal(label), *v = buf_steal(value);
        if (l && !str_empty(str_trim(l)))
                form_source_add_row(s, str_trim(l), v ? str_trim(v) : "");
}

/* The rows of a table whose answers start at column x: the segments from
 * the first line with a question and an answer side by side down to the
 * last line of the table; a row ends where a gap between lines shows the
 * cell's border and padding, or where a first column numbering the
 * questions has an entry.  The segments read are marked used.  Fewer
 * than three rows, or a left column of lines as long as running text's, is
 * no table (a page of two columns of text): false, nothing read. */
/* A question that runs into the padding of its cell leaves a gap no wider
 * than a space before its answer: a segment across column x is cut at the
 * space that ends at x. */
static void split_at_column(Segs *s, double x)
{
        size_t n = s->n;
        for (size_t i = 0; i < n; i++) {
                Seg *g = &s->v[i];
                if (!(g->x1 < x - 2 && g->x2 > x + 2))
                        continue;
                size_t k = 0;
                while (k < g->n_sp && fabs(g->sp_x2[k] - x) > 1.5)
                        k++;
                if (k == g->n_sp)
                        continue;
                Seg right = {g->sp_x2[k], g->y1, g->x2, g->y2, xstrdup(str_trim(g->text + g->sp_off[k] + 1)), false,
                             0, NULL, NULL, NULL};
                g->text[g->sp_off[k]] = '\0';
                g->x2 = g->sp_x1[k];
                g->n_sp = k;
                s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
                s->v[s->n++] = right;
        }
}

static bool read_table(Segs *s, double x, FormSource *out)
{
        split_at_column(s, x);
        FormSource rows = {0};
        double top = -1, bottom = -1;
        for (size_t i = 0; i < s->n; i++)
                if (fabs(s->v[i].x1 - x) <= 2) {
                        if (top < 0 || s->v[i].y1 < top)
                                top = s->v[i].y1;
                        if (s->v[i].y2 > bottom)
                                bottom = s->v[i].y2;
                }
        _cleanup_free_ Seg **t = xcalloc(s->n ? s->n : 1, sizeof *t);
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++) {
                Seg *g = &s->v[i];
                bool left = g->x2 <= x + 1, right = g->x1 >= x - 2;
                if ((left || right) && g->y1 >= top - 2 && g->y1 < bottom) {
                        g->used = true;
                        t[n++] = g;
                }
        }
        for (size_t i = 0; i < n; i++)
                if (t[i]->y2 > bottom)
                        bottom = t[i]->y2;
        /* The last question may run on below its answer. */
        for (bool more = true; more;) {
                more = false;
                for (size_t i = 0; i < s->n; i++) {
                        Seg *g = &s->v[i];
                        if (!g->used && g->x2 <= x + 1 && g->y1 >= bottom - (g->y2 - g->y1) / 2 &&
                            g->y1 <= bottom + 2) {
                                g->used = true;
                                t[n++] = g;
                                bottom = g->y2;
                                more = true;
                        }
                }
        }
        qsort(t, n, sizeof *t, seg_cmp);
        /* A line of an answer that stops short of the column's right edge
         * ends a line of its own; one that runs to it wraps on. */
        double right_edge = 0, left_x1 = x, qx = x;
        for (size_t i = 0; i < n; i++) {
                if (t[i]->x1 >= x - 2 && t[i]->x2 > right_edge)
                        right_edge = t[i]->x2;
                if (t[i]->x1 < x - 2 && t[i]->x1 < left_x1)
                        left_x1 = t[i]->x1;
        }
        /* A first column that numbers the questions ("1.", "Q2") starts a
         * row on each of its lines, where rows without padding show no gap:
         * three or more short entries left of where every question starts. */
        size_t markers = 0;
        for (size_t i = 0; i < n; i++)
                if (t[i]->x1 > left_x1 + 2 && t[i]->x1 < x - 2 && t[i]->x1 < qx)
                        qx = t[i]->x1;
        for (size_t i = 0; i < n && markers != SIZE_MAX; i++)
                if (fabs(t[i]->x1 - left_x1) <= 2)
                        markers = t[i]->x2 < qx ? markers + 1 : SIZE_MAX;
        bool numbered = qx < x - 2 && markers >= 3 && markers != SIZE_MAX;
        Buf label = {0}, value = {0};
        double prev_bottom = -1, line_y = -1, value_x2 = 0;
        for (size_t i = 0; i < n; i++) {
                Seg *g = t[i];
                double h = g->y2 - g->y1;
                bool new_line = line_y < 0 || fabs(g->y1 - line_y) >= h / 2;
                bool marker = numbered && fabs(g->x1 - left_x1) <= 2;
                if (new_line && prev_bottom >= 0 && (g->y1 > prev_bottom + 2 || marker)) {
                        add_table_row(&rows, &label, &value);
                        label = (Buf){0};
                        value = (Buf){0};
                }
                bool answer = g->x1 >= x - 2;
                Buf *cell = answer ? &value : &label;
                if (cell->len)
                        buf_putc(cell, answer && value_x2 < right_edge - 4 * h ? '\n' : ' ');
                buf_puts(cell, g->text);
                if (answer)
                        value_x2 = g->x2;
                if (new_line) {
                        line_y = g->y1;
                        prev_bottom = g->y2;
                } else if (g->y2 > prev_bottom) {
                        prev_bottom = g->y2;
                }
        }
        add_table_row(&rows, &label, &value);
        /* A question is short beside its column, where lines of running
         * text fill theirs: a third or more of the left column's lines end
         * a quarter of its width or more before the answers. */
        size_t lines = 0, short_lines = 0;
        for (size_t i = 0; i < n; i++)
                if (t[i]->x1 < x - 2) {
                        lines++;
                        short_lines += t[i]->x2 < x - (x - left_x1) / 4;
                }
        bool table = rows.n_rows >= 3 && short_lines * 3 >= lines;
        for (size_t i = 0; i < rows.n_rows; i++)
                if (table)
                        form_source_add_row(out, rows.rows[i].label, rows.rows[i].value);
        for (size_t i = 0; i < n && !table; i++)
                t[i]->used = false;
        form_source_free(&rows);
        return table;
}

/* The page's text with the segments read already left out: the segments in
 * reading order, a TAB between two on the same line far apart (more than
 * the line is high), else a space. */
static char *text_unused(const Segs *s)
{
        Buf b = {0};
        const Seg *prev = NULL;
        for (size_t i = 0; i < s->n; i++) {
                const Seg *g = &s->v[i];
                if (g->used)
                        continue;
                if (prev && same_line(prev, g) && g->x1 > prev->x2)
                        buf_putc(&b, g->x1 - prev->x2 > prev->y2 - prev->y1 ? '\t' : ' ');
                else if (prev)
                        buf_putc(&b, '\n');
                buf_puts(&b, g->text);
                prev = g;
        }
        return buf_steal(&b);
}

/* ---- the words beside a widget ----------------------------------------- */

/* A widget's area with the origin at the top left, as the text's is. */
static PopplerRectangle widget_area(const PopplerFormFieldMapping *m, double page_h)
{
        PopplerRectangle r = {m->area.x1, page_h - m->area.y2, m->area.x2, page_h - m->area.y1};
        if (r.x1 > r.x2) {
                double t = r.x1;
                r.x1 = r.x2;
                r.x2 = t;
        }
        if (r.y1 > r.y2) {
                double t = r.y1;
                r.y1 = r.y2;
                r.y2 = t;
        }
        return r;
}

static bool beside(const Seg *g, const PopplerRectangle *a)
{
        double mid = (g->y1 + g->y2) / 2;
        return mid >= a->y1 - 3 && mid <= a->y2 + 3;
}

/* The words just right of a (a radio button's answer), else just left. */
static Seg *words_beside(const Segs *s, const PopplerRectangle *a)
{
        Seg *right = NULL, *left = NULL;
        double h = a->y2 - a->y1;
        for (size_t i = 0; i < s->n; i++) {
                Seg *g = &s->v[i];
                if (!beside(g, a))
                        continue;
                if (g->x1 >= a->x2 - 1 && g->x1 <= a->x2 + 3 * h + 6 && (!right || g->x1 < right->x1))
                        right = g;
                if (g->x2 <= a->x1 + 1 && g->x2 >= a->x1 - 3 * h - 6 && (!left || g->x2 > left->x2))
                        left = g;
        }
        return right ? right : left;
}

/* The question a widget answers, as printed: the nearest words left of it
 * on its line, else the line just above it. */
static const char *question_of(const Segs *s, const PopplerRectangle *a)
{
        const Seg *left = NULL, *above = NULL;
        for (size_t i = 0; i < s->n; i++) {
                const Seg *g = &s->v[i];
                if (beside(g, a) && g->x2 <= a->x1 + 1 && (!left || g->x2 > left->x2))
                        left = g;
                if (g->y2 <= a->y1 + 2 && g->y2 >= a->y1 - 30 && g->x1 <= a->x2 && (!above || g->y2 > above->y2))
                        above = g;
        }
        return left ? left->text : above ? above->text : NULL;
}

/* Whether name is one a form program gives a field by itself ("Text1",
 * "Check Box3", "Group2"), which says nothing of the question. */
static bool generic_name(const char *name)
{
        static const char *const names[] = {"text", "text field", "textfield", "text box", "textbox", "check box",
                                            "checkbox", "group", "radio", "radio button", "radiobutton",
                                            "radio group", "option button", "optionbutton", "combo box", "combobox",
                                            "list box", "listbox", "dropdown", "drop down", "field", "fill",
                                            "untitled", "choice", "button", "form field"};
        if (!name || !*name)
                return true;
        size_t n = strlen(name);
        if (!(name[n - 1] >= '0' && name[n - 1] <= '9'))
                return false;
        while (n && ((name[n - 1] >= '0' && name[n - 1] <= '9') || name[n - 1] == ' ' || name[n - 1] == '_'))
                n--;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
                        return true;
        return false;
}

/* ---- the fields --------------------------------------------------------- */

/* A field's label: its tooltip, else its partial name with "_" as spaces;
 * for a name a form program made up ("Text1", "Group2"), or none, the
 * question printed beside the widget at a (or at the group's first button). */
static char *field_label(PopplerFormField *f, const Segs *segs, const PopplerRectangle *a)
{
        gchar *tip = poppler_form_field_get_alternate_ui_name(f);
        gchar *name = poppler_form_field_get_partial_name(f);
        gchar *full = NULL;
        if (!name || !*name) {
                /* a radio button's widget has no name of its own */
                g_free(name);
                full = poppler_form_field_get_name(f);
                const char *dot = full ? strrchr(full, '.') : NULL;
                name = full ? g_strdup(dot ? dot + 1 : full) : NULL;
        }
        const char *use = tip && *tip ? tip : name;
        if (use == name && generic_name(name)) {
                const char *q = question_of(segs, a);
                if (q)
                        use = q;
        }
        char *label = use ? xstrdup(use) : NULL;
        if (label && use == name)
                for (char *p = label; *p; p++)
                        if (*p == '_')
                                *p = ' ';
        g_free(tip);
        g_free(name);
        g_free(full);
        if (label && str_empty(str_trim(label))) {
                free(label);
                return NULL;
        }
        return label;
}

/* What a field holds, as the reporter would read it; NULL when nothing.  A
 * ticked radio button reads as the words printed beside it at a. */
static char *field_value(PopplerFormField *f, const Segs *segs, const PopplerRectangle *a)
{
        Buf b = {0};
        switch (poppler_form_field_get_field_type(f)) {
        case POPPLER_FORM_FIELD_TEXT: {
                gchar *t = poppler_form_field_text_get_text(f);
                /* a line break in a multi-line field is CR (Acrobat, pdftk) */
                for (const char *p = t ? t : ""; *p; p++)
                        if (*p == '\r')
                                buf_putc(&b, p[1] == '\n' ? (p++, '\n') : '\n');
                        else
                                buf_putc(&b, *p);
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
                if (!poppler_form_field_button_get_state(f))
                        break;
                if (poppler_form_field_button_get_button_type(f) == POPPLER_FORM_BUTTON_CHECK) {
                        buf_puts(&b, "Yes");
                } else if (poppler_form_field_button_get_button_type(f) == POPPLER_FORM_BUTTON_RADIO) {
                        const Seg *w = words_beside(segs, a);
                        if (w)
                                buf_puts(&b, w->text);
                }
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

static bool is_radio(PopplerFormField *f)
{
        return poppler_form_field_get_field_type(f) == POPPLER_FORM_FIELD_BUTTON &&
               poppler_form_field_button_get_button_type(f) == POPPLER_FORM_BUTTON_RADIO;
}

/* The area of the first button of radio group name on the page: where its
 * question is printed. */
static PopplerRectangle group_first(GList *map, const char *name, double page_h)
{
        for (GList *l = map; l; l = l->next) {
                PopplerFormFieldMapping *m = l->data;
                if (!m || !m->field || !is_radio(m->field))
                        continue;
                gchar *full = poppler_form_field_get_name(m->field);
                bool same = full && strcmp(full, name) == 0;
                g_free(full);
                if (same)
                        return widget_area(m, page_h);
        }
        return (PopplerRectangle){0};
}

/* The filled-in fields of page into s; seen holds the names already read.
 * The buttons of a radio group are widgets of one field: the ticked one is
 * read, and the group is done. */
static size_t read_fields(PopplerPage *page, Segs *segs, FormSource *s, GHashTable *seen, size_t *n_fields)
{
        size_t widgets = 0;
        double page_w = 0, page_h = 0;
        poppler_page_get_size(page, &page_w, &page_h);
        /* poppler lists a page's widgets last first. */
        GList *map = g_list_reverse(poppler_page_get_form_field_mapping(page));
        for (GList *l = map; l && *n_fields < PDF_MAX_FIELDS; l = l->next) {
                PopplerFormFieldMapping *m = l->data;
                if (!m || !m->field)
                        continue;
                (*n_fields)++;
                widgets++;
                bool radio = is_radio(m->field);
                gchar *full = poppler_form_field_get_name(m->field);
                bool again = full && g_hash_table_contains(seen, full);
                PopplerRectangle a = widget_area(m, page_h);
                /* a button's words are a choice offered, not an answer */
                Seg *offered = radio ? words_beside(segs, &a) : NULL;
                if (offered)
                        offered->used = true;
                _cleanup_free_ char *value = again ? NULL : field_value(m->field, segs, &a);
                /* a radio group is read at its ticked button */
                if (full && !again && (!radio || value))
                        g_hash_table_add(seen, full);
                else
                        g_free(full);
                if (!value)
                        continue;
                PopplerRectangle q = a;
                if (radio) {
                        gchar *name = poppler_form_field_get_name(m->field);
                        if (name)
                                q = group_first(map, name, page_h);
                        g_free(name);
                }
                _cleanup_free_ char *label = field_label(m->field, segs, &q);
                if (label)
                        form_source_add_row(s, label, value);
        }
        poppler_page_free_form_field_mapping(map);
        return widgets;
}

/* ---- the text ------------------------------------------------------------ */

/* text appended to b: lines trimmed, runs of blank lines one. */
static void add_text(const char *text, Buf *b)
{
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
}

/* One page: its fields, and its text; a two-column table in the text (a
 * form typed into a Word or Writer table and saved as PDF) is read as rows,
 * the rest as lines. */
static void read_page(PopplerPage *page, FormSource *s, Buf *text, GHashTable *seen, size_t *n_fields)
{
        gchar *raw = poppler_page_get_text(page);
        Segs segs = {0};
        page_segments(page, raw, &segs);
        /* a fillable form's printed text is its questions, not a table */
        size_t widgets = read_fields(page, &segs, s, seen, n_fields);
        double x = widgets ? 0 : table_column(&segs);
        bool table = x > 0 && read_table(&segs, x, s);
        if ((table || widgets) && segs.n) {
                _cleanup_free_ char *rest = text_unused(&segs);
                add_text(rest, text);
        } else {
                add_text(raw, text);
        }
        segs_free(&segs);
        g_free(raw);
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
                read_page(page, &s, &text, seen, &n_fields);
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
