/* test_html_quoted.c — HTML_QUOTED_IF_ALONE (read/html.c): a mail that is
 * no reply and whose whole HTML sits in quote markup is read whole; quote
 * markup beside other content is still dropped. */
#include <stdlib.h>
#include <string.h>

#include "read/extract.h"
#include "read/html.h"
#include "tap.h"

static char *text_of(const char *html, unsigned flags)
{
        FormSource s = {0};
        char *t = NULL;
        if (html_extract(html, strlen(html), "UTF-8", flags, &s) >= 0 && s.text)
                t = strdup(s.text);
        form_source_free(&s);
        return t;
}

static int has(const char *t, const char *needle)
{
        return t && strstr(t, needle) != NULL;
}

int main(void)
{
        const char *alone = "<html><body><blockquote type=\"cite\"><div><blockquote type=\"cite\">"
                            "<div>Directorate: Adult Social Care</div></blockquote></div></blockquote></body></html>";
        const char *beside = "<html><body><div>Team: Payroll</div><blockquote type=\"cite\">"
                             "<div>Directorate: Quoted</div></blockquote></body></html>";
        const char *gmail = "<div class=\"gmail_quote\"><div>Team: Quoted</div></div>";
        char *t = text_of(alone, HTML_DROP_QUOTED);
        tap_ok(!has(t, "Adult Social Care"), "quote markup alone is dropped for a reply");
        free(t);
        t = text_of(alone, HTML_DROP_QUOTED | HTML_QUOTED_IF_ALONE);
        tap_ok(has(t, "Directorate: Adult Social Care"), "and read whole for a mail that is no reply");
        free(t);
        t = text_of(beside, HTML_DROP_QUOTED | HTML_QUOTED_IF_ALONE);
        tap_ok(has(t, "Team: Payroll") && !has(t, "Quoted"), "beside other content the quote is still dropped");
        free(t);
        t = text_of(gmail, HTML_DROP_QUOTED | HTML_QUOTED_IF_ALONE);
        tap_ok(has(t, "Team: Quoted"), "a Gmail quote that is all there is is read too");
        free(t);
        t = text_of(alone, HTML_QUOTED_IF_ALONE);
        tap_ok(has(t, "Adult Social Care"), "without HTML_DROP_QUOTED the flag changes nothing");
        free(t);
        return tap_done();
}
