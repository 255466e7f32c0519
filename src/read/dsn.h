/* dsn.h — reading a delivery report (a "bounce") about a mail: what
 * happened to it, to whom, why, and the Message-IDs of the original.
 *
 * A report is recognised in the shapes MTAs send it:
 *
 *   - RFC 3464 delivery status notifications (multipart/report;
 *     report-type=delivery-status, also RFC 6533 global-delivery-status):
 *     Postfix, Sendmail, Exchange and Microsoft 365, Gmail, Exim when asked;
 *     the failed recipient, Action, Status and Diagnostic-Code come from the
 *     per-recipient fields, the original Message-ID from the attached
 *     message or headers;
 *   - the free-text reports of Exim ("This message was created automatically
 *     by mail delivery software", X-Failed-Recipients), qmail ("Hi. This is
 *     the qmail-send program"), Sendmail ("The following addresses had
 *     permanent fatal errors"), Exchange and Lotus Notes ("Delivery has
 *     failed to these recipients or groups", "did not reach some or all of
 *     the intended recipients"), and any other from MAILER-DAEMON or
 *     postmaster, or with a bounce subject, which quotes the original below
 *     its text.
 *
 * Every candidate for the original Message-ID is kept (attached message,
 * attached headers, "Message-ID:" lines in the text, our own "breachd." IDs
 * anywhere), most trusted first.
 *
 * Reading only: which of our mails a report is about, and what follows, is
 * case/bounce.h's business.  A Bounce owns its strings; dsn_free() frees
 * them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

typedef enum {
        BOUNCE_FAILED = 1,   /* permanent: given up */
        BOUNCE_DELAYED,      /* still trying */
        BOUNCE_OTHER,        /* delivered, relayed, expanded: not a failure */
} BounceAction;

typedef struct {
        BounceAction action;
        const char *format;  /* "dsn", "exim", "qmail", "sendmail", "exchange", "text"; static */
        StrList message_ids; /* of the original mail, without <>, most trusted first */
        char *recipient;     /* the failed recipient, lower-cased; NULL when not said */
        char *status;        /* enhanced status code "5.1.1"; NULL when not said */
        char *diagnostic;    /* the server's words, one line; NULL when not said */
} Bounce;

/* 1 and *ret filled when raw is a delivery report (free it with
 * dsn_free()), 0 when it is not one, -EBADMSG when it is not a message
 * at all.  *ret is untouched unless 1 is returned. */
int dsn_parse(const char *raw, size_t len, Bounce *ret);
void dsn_free(Bounce *b);
