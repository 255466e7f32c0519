/* Unit tests of the template engine. */
#include "tap.h"
#include "notices/notices.h"
#include "notices/template.h"

static void render(const char *text, const TemplateVars *v, const char *want_subject, const char *want_body,
                   const char *desc)
{
        Rendered r = {0};
        char *why = NULL;
        int rc = template_render(text, v, &r, &why);
        tap_ok(rc == 0, "%s: renders%s%s", desc, why ? ": " : "", why ? why : "");
        TAP_STR_EQ(r.subject, want_subject, "%s: subject", desc);
        TAP_STR_EQ(r.body, want_body, "%s: body", desc);
        rendered_free(&r);
        free(why);
}

static void fails(const char *text, const TemplateVars *v, const char *want_why, const char *desc)
{
        Rendered r = {0};
        char *why = NULL;
        int rc = template_render(text, v, &r, &why);
        tap_ok(rc < 0 && why && strstr(why, want_why), "%s (%s)", desc, why ? why : "no reason");
        rendered_free(&r);
        free(why);
}

/* Template files are kept between renders (template.c) but an edit must
 * show in the very next mail, whatever its size. */
static void edited_file(const TemplateVars *v)
{
        char dir[] = "/tmp/test_template.XXXXXX";
        tap_ok(mkdtemp(dir) != NULL, "a template directory");
        _cleanup_free_ char *path = xasprintf("%s/note.txt", dir);
        const char *const versions[] = {"Subject: one {{ref}}\n\nFirst.\n", "Subject: two {{ref}}\n\nFirst.\n",
                                        "Subject: two {{ref}}\n\nSecond, longer.\n"};
        const char *const subjects[] = {"one DB2026001", "two DB2026001", "two DB2026001"};
        const char *const bodies[] = {"First.\n", "First.\n", "Second, longer.\n"};
        for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
                FILE *f = fopen(path, "w");
                fputs(versions[i], f);
                fclose(f);
                for (int twice = 0; twice < 2; twice++) {
                        Rendered r = {0};
                        char *why = NULL;
                        int rc = template_render_file(dir, "note", v, &r, &why);
                        tap_ok(rc == 0, "edit %zu, render %d: renders%s%s", i, twice, why ? ": " : "", why ? why : "");
                        TAP_STR_EQ(r.subject, subjects[i], "edit %zu, render %d: the subject as edited", i, twice);
                        TAP_STR_EQ(r.body, bodies[i], "edit %zu, render %d: the body as edited", i, twice);
                        rendered_free(&r);
                        free(why);
                }
        }
        unlink(path);
        Rendered r = {0};
        char *why = NULL;
        tap_ok(template_render_file(dir, "note", v, &r, &why) < 0, "a template removed is not rendered from memory");
        rendered_free(&r);
        free(why);
        rmdir(dir);
}

/* An admin's digest lists what was quarantined with its subject: a DPO's
 * decision token in it (someone's reply, another organisation's case
 * guessed at) is hidden; a reference or a word that only looks long is not. */
static void hidden_tokens(void)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"Re: [DB2026001.ybib5fkm8ncsxekdgvppfq6p] New breach report",
                 "Re: [DB2026001.(token hidden)] New breach report"},
                {"breach+birch+DB2026001.ybib5fkm8ncsxekdgvppfq6p@example.test",
                 "breach+birch+DB2026001.(token hidden)@example.test"},
                {"Re: [DB2026001] New breach report", "Re: [DB2026001] New breach report"},
                {"see www.someorganisation.gov.uk", "see www.someorganisation.gov.uk"},
                {"x.ybib5fkm8ncsxekdgvppfq6pq (25)", "x.ybib5fkm8ncsxekdgvppfq6pq (25)"},
                {"", ""},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char *got = notices_hide_tokens(cases[i].in);
                TAP_STR_EQ(got, cases[i].out, "hidden tokens: \"%s\"", cases[i].in);
                free(got);
        }
}

int main(void)
{
        hidden_tokens();
        TemplateVars v = {0};
        tvars_set(&v, "ref", "DB2026001");
        tvars_set(&v, "missing", "  - Directorate\n");
        tvars_set(&v, "late", "");
        tvars_set(&v, "name", "Zoë");
        render("Subject: [{{ref}}] hello\n\nDear {{name}},\n", &v, "[DB2026001] hello", "Dear Zoë,\n", "variables");
        render("Subject: x\n\nA\n{{#missing}}\nMissing:\n{{missing}}{{/missing}}\nB\n", &v, "x",
               "A\nMissing:\n  - Directorate\n\nB\n", "shown section (inline close tag keeps its newline)");
        render("Subject: x\n\nA\n{{#late}}\nLate!\n{{/late}}\nB\n", &v, "x", "A\nB\n",
               "hidden section leaves no blank line");
        render("Subject: x\n\nA {{^late}}on time{{/late}}.\n", &v, "x", "A on time.\n", "inverted inline section");
        tvars_set(&v, "late", "yes");
        render("Subject: x\n\n{{#late}}\nLate!\n{{/late}}\n", &v, "x", "Late!\n", "section on its own lines");
        fails("Subject: x\n\n{{nope}}\n", &v, "unknown variable {{nope}}", "unknown variable refused");
        fails("Subject: x\n\n{{#late}}open\n", &v, "not closed", "unclosed section refused");
        fails("Subject: x\n\n{{ref\n", &v, "unterminated", "unterminated tag refused");
        fails("Body only\n", &v, "Subject", "a template without Subject is refused");
        edited_file(&v);
        tvars_free(&v);
        return tap_done();
}
