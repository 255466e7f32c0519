/* extract.c — see extract.h. */
#include "read/extract.h"

#include <stdlib.h>

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
