/* charset.c — see charset.h. */
#include "read/charset.h"

#include <glib.h>
#include <stddef.h>

bool charset_forgiving(const char *cs)
{
        /* ansi_x3.4-1968 is glibc's own name for US-ASCII. */
        static const char *const l[] = {"us-ascii", "ascii",    "ansi_x3.4-1968", "utf-8",   "utf8",
                                        "iso-8859-1", "iso_8859-1", "latin1",    "l1",      "windows-1252",
                                        "cp1252",   "x-cp1252", NULL};
        /* g_ascii_strcasecmp: a label is ASCII, and the locale must not
         * change how it compares. */
        for (size_t i = 0; l[i]; i++)
                if (g_ascii_strcasecmp(cs, l[i]) == 0)
                        return true;
        return false;
}
