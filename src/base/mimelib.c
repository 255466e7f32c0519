/* mimelib.c — see mimelib.h. */
#include <stdbool.h>

#include <gmime/gmime.h>

#include "base/mimelib.h"

void mimelib_init(void)
{
        static bool done;
        if (!done) {
                g_mime_init();
                done = true;
        }
}
