/* compose.h — building the mail breachd sends, with GMime: correct RFC 2047
 * encoding of non-ASCII names and subjects, UTF-8 bodies in
 * quoted-printable when needed, and the headers that stop mail loops. */
#pragma once

#include <stdint.h>

#include "util.h"

typedef struct {
        const char *from;            /* "Name <addr>" */
        const StrList *to;           /* addresses or "Name <addr>" */
        const char *reply_to;        /* optional */
        const char *subject;         /* UTF-8; CR/LF are flattened */
        const char *body;            /* UTF-8 text */
        const char *in_reply_to;     /* message-id without <>; optional */
        const StrList *references;   /* message-ids without <>; optional */
        const char *loop_ref;        /* value of X-Breachd-Loop (incident ref or "breachd") */
        const char *auto_submitted;  /* "auto-replied" (answers) or "auto-generated" (notices) */
        int64_t date;                /* UTC seconds */
} OutMessage;

/* Returns the message as bytes (LF line ends) and its new Message-ID
 * (without <>). */
int compose_message(const OutMessage *o, char **ret_data, size_t *ret_len, char **ret_message_id);

/* The bare address of "Name <addr>" or "addr", lower-cased; NULL if none. */
char *compose_address_of(const char *s);
