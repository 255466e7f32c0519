/* mimelib.h — GMime's one-time set-up, shared by the reader of incoming
 * mail (read/) and the writer of outgoing mail (mail/compose.c), neither of
 * which may depend on the other. */
#pragma once

/* Initialises GMime once per process; cheap to call again. */
void mimelib_init(void);
