/* extract.c — see extract.h. */
#include "read/extract.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void form_source_add_row(FormSource *s, const char *label, const char *value)
{
        s->rows = xrealloc(s->rows, (s->n_rows + 1) * sizeof(FormRow));
        s->rows[s->n_rows].label = xstrdup(label ? label : "");
        s->rows[s->n_rows].value = xstrdup(value ? value : "");
        s->n_rows++;
}

void form_source_free(FormSource *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_rows; i++) {
                free(s->rows[i].label);
                free(s->rows[i].value);
        }
        free(s->rows);
        free(s->text);
        s->rows = NULL;
        s->n_rows = 0;
        s->text = NULL;
}

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

bool form_source_add_cells(FormSource *s, const StrList *cells, size_t n_all)
{
        if (cells->n == 0 || n_all < 2)
                return false;
        if (cells->n == 1) {
                form_source_add_row(s, cells->v[0], "");
                return true;
        }
        StrList c = *cells;
        if (c.n >= 3 && is_marker_cell(c.v[0])) {
                c.v++;
                c.n--;
        }
        if (c.n == 2) {
                form_source_add_row(s, c.v[0], c.v[1]);
                return true;
        }
        StrList rest = {.v = c.v + 1, .n = c.n - 1};
        _cleanup_free_ char *value = strlist_join(&rest, " ");
        form_source_add_row(s, c.v[0], value);
        return true;
}
