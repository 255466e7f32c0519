/* mimelib.h — GMime's one-time set-up, shared by the reader of incoming
 * mail (read/) and the writer of outgoing mail (mail/compose.c), neither of
 * which may depend on the other. */
#pragma once

#include <stddef.h>

#include <gmime/gmime.h>

/* Initialises GMime once per process; cheap to call again. */
void mimelib_init(void);

/* raw (len bytes, not copied beyond the call) parsed by GMime into a new
 * message that the caller unrefs; NULL when no headers or body could be
 * read (no MIME part at all).  Limits on what is inside are the caller's. */
GMimeMessage *mimelib_parse(const char *raw, size_t len);
