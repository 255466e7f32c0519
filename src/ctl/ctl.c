/* ctl.c — what every breachctl command shares (ctl.h). */
#include "ctl/ctl.h"

#include <errno.h>
#include <string.h>

int ctl_load_incident(Ctl *c, const char *ref, Incident *ret)
{
        int r = store_load_incident(c->store, ref, ret);
        if (r < 0)
                fprintf(stderr, "breachctl: %s: %s\n", ref, r == -ENOENT ? "no such incident" : strerror(-r));
        return r;
}
