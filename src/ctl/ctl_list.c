/* ctl_list.c — breachctl list: the incidents of the register that the
 * options pick, one line each, in the order received. */
#include <errno.h>
#include <stdbool.h>

#include "ctl/ctl.h"
#include "ctl/ctl_register.h"
#include "register/store_register.h"

/* At most max_chars characters of s on one line, "…" marking a cut. */
static char *one_line(const char *s, size_t max_chars)
{
        Buf b = {0};
        size_t chars = 0;
        for (const char *p = s ? s : ""; *p; p++) {
                if (((unsigned char)*p & 0xc0) != 0x80 && ++chars > max_chars) {
                        buf_puts(&b, "\u2026");
                        break;
                }
                buf_putc(&b, *p == '\n' || *p == '\t' || *p == '\r' ? ' ' : *p);
        }
        return buf_steal(&b);
}

typedef struct {
        Ctl *c;
        bool header;   /* printed */
        int n;
} ListState;

static void list_header(Ctl *c)
{
        fprintf(c->out, "%-12s  %-16s  %-24s  %-40s  %-16s  %s\n", "REF", "RECEIVED", "DIRECTORATE", "SUMMARY",
                "DEADLINE", "STATUS");
}

/* One incident on one line, after the header if it is the first. */
static int list_row(const RegisterRow *row, void *userdata)
{
        ListState *ls = userdata;
        Ctl *c = ls->c;
        if (!ls->header)
                list_header(c);
        ls->header = true;
        _cleanup_free_ char *recv = tz_format(c->tz, row->received_at, "%Y-%m-%d %H:%M");
        _cleanup_free_ char *dl = tz_format(c->tz, row->deadline_at, "%Y-%m-%d %H:%M");
        _cleanup_free_ char *dir = one_line(row->directorate, 23);
        _cleanup_free_ char *sum = one_line(row->summary, 39);
        fprintf(c->out, "%-12s  %-16s  %-24s  %-40s  %-16s  %s (%s)\n", row->ref, recv, dir, sum, dl, row->status,
                row->ico_decision);
        ls->n++;
        return 0;
}

int ctl_list(Ctl *c, int argc, char **argv)
{
        RegisterFilter f;
        int r = ctl_list_options(c, argc, argv, &f);
        if (r < 0)
                return r;
        ListState ls = {.c = c};
        /* The header goes out with the first row, or at the end: a
         * register that cannot be read prints only why. */
        r = store_register_select(c->store, &f, REGISTER_VIEW_LIST, list_row, &ls);
        if (r < 0 && !ls.header) {
                fprintf(stderr, "breachctl: %s\n", store_errmsg(c->store));
                return -EIO;
        }
        if (!ls.header)
                list_header(c);
        fprintf(c->out, "%d incident%s\n", ls.n, ls.n == 1 ? "" : "s");
        return 0;
}
