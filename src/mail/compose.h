/* compose.h — building the mail breachd sends, with GMime: correct RFC 2047
 * encoding of non-ASCII names and subjects, UTF-8 bodies in
 * quoted-printable when needed, and the headers that stop mail loops.
 * Plain mail is written directly, byte for byte as GMime writes it (see
 * compose.c); GMime writes the rest. */
#pragma once

#include <stdint.h>

#include "base/util.h"

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
        /* Optional: an iCalendar object (RFC 5545, CRLF lines) sent as an
         * invitation (RFC 6047, iMIP) the way Outlook and Thunderbird
         * expect it: multipart/mixed of multipart/alternative (the body,
         * text/calendar; method=...) and the same object as an
         * application/ics attachment named calendar_file.  Such a mail is
         * always written by GMime. */
        const char *calendar;
        const char *calendar_method; /* "REQUEST" or "CANCEL"; with calendar */
        const char *calendar_file;   /* e.g. "invite.ics"; with calendar */
} OutMessage;

/* Returns the message as bytes (LF line ends) and its new Message-ID
 * (without <>). */
int compose_message(const OutMessage *o, char **ret_data, size_t *ret_len, char **ret_message_id);

/* The two ways compose_message() writes a mail, for the test that holds
 * them to the same bytes (tests/unit/test_compose.c): COMPOSE_DIRECT, the
 * quick writer, which refuses (-EOPNOTSUPP) a mail it does not write
 * itself, and COMPOSE_GMIME, GMime's object model, which writes every
 * mail.  compose_message() tries the first, then the second.  date and
 * message_id (without <>) are given, not made. */
typedef enum { COMPOSE_DIRECT, COMPOSE_GMIME } ComposeWay;
int compose_message_as(const OutMessage *o, ComposeWay way, int64_t date, const char *message_id, Buf *out);

/* The bare address of "Name <addr>" or "addr", lower-cased; NULL if none. */
char *compose_address_of(const char *s);
