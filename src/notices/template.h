/* template.h — the editable mail templates of conf/templates/.
 *
 * A template is a text file: header lines ("Subject: …") up to the first
 * blank line, then the body.  {{name}} is replaced by a variable's value;
 * {{#name}}…{{/name}} is kept only when the variable is non-empty and
 * {{^name}}…{{/name}} only when it is empty.  Unknown variables are
 * errors, so a typo in an edited template is caught at start-up. */
#pragma once

#include "base/util.h"

typedef struct {
        StrList names;
        StrList values;
} TemplateVars;

void tvars_set(TemplateVars *v, const char *name, const char *value);   /* copies; NULL = "" */
void tvars_free(TemplateVars *v);

typedef struct {
        char *subject;   /* from the "Subject:" header line */
        char *body;
} Rendered;
void rendered_free(Rendered *r);

/* Renders text with vars.  -EINVAL with *ret_why on an unknown variable or
 * unbalanced section. */
int template_render(const char *text, const TemplateVars *vars, Rendered *ret, char **ret_why);
/* The shipped text of a template (compiled in from conf/templates), or NULL. */
const char *template_builtin(const char *name);
/* Loads dir/name.txt (dir/name when name has its own ending, as
 * "subject-letter.html") — or, when there is no such file, the built-in
 * template of that name — and renders it. */
int template_render_file(const char *dir, const char *name, const TemplateVars *vars, Rendered *ret,
                         char **ret_why);
