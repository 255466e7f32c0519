/* message.h — a raw RFC 5322 message read with GMime into what the rest of
 * breachd needs: the header facts, and every place a form may stand.
 *
 * Every message is hostile: limits bound MIME depth, part count and decoded
 * size; nothing from a message ever becomes a path. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"
#include "read/extract.h"

typedef struct {
        unsigned max_depth;            /* MIME nesting, default 20 */
        unsigned max_parts;            /* default 200 */
        uint64_t max_part_size;        /* decoded, default 25 MiB */
        unsigned max_header_len;       /* one header field, default 64 KiB */
} MessageLimits;
#define MESSAGE_LIMITS_DEFAULT {20, 200, 25u << 20, 65536}

typedef enum {
        BODY_TEXT,        /* text/plain body */
        BODY_HTML,        /* text/html body */
        BODY_ATTACHMENT,  /* text, .docx or PDF attachment */
} BodyKind;

typedef struct {
        BodyKind kind;
        unsigned group;      /* parts of one multipart/alternative share a group */
        unsigned forward;    /* 0: the message itself; n: inside the nth forwarded message */
        char *filename;      /* attachments: the decoded file name (RFC 2231/2047), UTF-8 */
        FormSource src;
} MessageBody;

typedef struct {
        char *message_id;     /* without <>; NULL when the message has none */
        char *key;            /* "<message-id>" or "sha256:<hex of raw>" */
        char *from_addr;      /* lower-cased address; NULL when none */
        char *from_name;      /* display name, UTF-8, one line (message_one_line) */
        char *reply_to;
        StrList to_addrs;     /* every address of To, Cc, Delivered-To and
                               * X-Original-To, lower-cased (plus-addresses kept) */
        char *subject;        /* decoded, UTF-8, one line, "" when none */
        int64_t date;         /* Date: as UTC seconds, 0 when absent or unreadable */
        char *in_reply_to;    /* without <> */
        StrList references;   /* without <> */
        bool has_auto_submitted; /* any automatic-mail marker (see message_is_automatic) */
        char *auto_reason;    /* why it is automatic, NULL when not */

        /* Who sent it, as the servers on the way saw it (read by
         * case/sender_trust.h). */
        unsigned n_from;      /* mailboxes in From: (inside groups too) */
        char *sender_addr;    /* Sender:'s address, lower-cased; NULL when none */
        char *return_path;    /* the topmost Return-Path:'s address, lower-cased,
                               * without <>; "" for <>; NULL when none */
        StrList header_fields;/* every header field of the message (not of
                               * forwarded ones), top first, in the order the
                               * servers on the way prepended them, as "Name: value"
                               * with the value unfolded (line breaks as spaces) */

        /* Forwarding: set when the report came wrapped in someone's forward. */
        bool forwarded;
        char *orig_from_addr, *orig_from_name;   /* the original sender, when known */
        char *orig_subject;
        /* The forwarded message's own Message-ID (without <>), when it came
         * as a message/rfc822 part, or a forward pasted into the text has
         * a "Message-ID:" line in its header block: a second copy of a
         * report already filed is matched by it (ingest_find_followup()).
         * NULL otherwise. */
        char *orig_message_id;
        /* A forward pasted into the text: its header block's From: and
         * Date: (or Sent:) as written ("Jane <jane@x>", "Thu, 6 Feb 2025
         * at 09:58"); its Subject: is orig_subject.  NULL when none. */
        char *fwd_from, *fwd_date;
        /* An attached (message/rfc822) forward's Date: as UTC seconds; 0
         * when none, unreadable, or the forward is pasted (fwd_date). */
        int64_t orig_date;

        MessageBody *bodies;
        size_t n_bodies;
        /* The parts breachd tried to read and could not (a .docx that is
         * not a zip, is encrypted, or inflates past DOCX_MAX_DOCUMENT; HTML
         * too large, or nested deeper than the parser goes; a PDF that is a
         * scan with no text, encrypted or damaged; a picture; any other
         * attached file breachd does not read), each one line:
         * "form.docx: why".  The message is still read from its other
         * parts; the DPO is told (formread.c puts them in the FormRecord). */
        StrList unreadable;
        /* How many files were attached, read or not (a form, a PDF, a
         * scan, a photo, a spreadsheet; in forwarded messages too).  An
         * image with a Content-ID that is not marked as an attachment is
         * not counted: it is a logo or a signature picture shown in the
         * HTML body; nor is an S/MIME or OpenPGP signature.  Every counted
         * file that is not read (a picture, an .odt, .doc, .xlsx...) is
         * listed in unreadable, for a person to open.  A mail with an attachment is never a request for the
         * blank form (formrequest.h). */
        unsigned n_attachments;
        /* No part of the message could be decoded (base64 that is not
         * base64, an unknown Content-Transfer-Encoding, binary data in an
         * unknown charset, every part failing): nothing was read, and
         * unreadable starts with the line MESSAGE_UNDECODABLE, then each
         * part and why.  Such a message is filed all the same, never taken
         * for a request for the blank form (formrequest.h), and its
         * acknowledgement and DPO notice say it could not be read. */
        bool undecodable;

        /* Something a reader above this file attached to the message, which
         * message_free() frees with attached_free: the guard's worker
         * attaches its reading of the form (reading.h), and msgwire.h
         * carries it back with the Message.  The parser never sets or
         * looks inside it; NULL (both) when nothing is attached. */
        void *attached;
        void (*attached_free)(void *attached);
} Message;


/* The first line of Message.unreadable (and so of an incident's
 * unreadable_parts) when no part of the message could be decoded. */
#define MESSAGE_UNDECODABLE "the message itself: no part of it could be decoded; it is kept as it arrived"

/* Parses raw.  Returns -EBADMSG (unparseable), -E2BIG (a limit was hit);
 * *ret_why then says why in words. */
int message_parse(const char *raw, size_t len, const MessageLimits *lim, Message **ret, char **ret_why);
void message_free(Message *m);
static inline void message_freep(Message **m) { message_free(*m); }
#define _cleanup_message_ _cleanup_(message_freep)

/* s (UTF-8) as one line: each run of control characters (C0 with CR, LF
 * and TAB, DEL, C1 with NEL) and line or paragraph separators (U+2028,
 * U+2029) becomes one space; nothing else changes.  For text from a header
 * (a display name, a subject, a file name), which must never become
 * several lines in the mail breachd writes or in what the register shows:
 * "Pat\r\nBcc: x" is "Pat Bcc: x".  NULL gives NULL; returns a new string. */
char *message_one_line(const char *s);

/* Prepares body text for the form reader: drops quoted reply text (">"
 * lines, "On … wrote:", Outlook's "From: … Sent: …" block and everything
 * under it) and, for a forward, keeps the forwarded part without its
 * header block.  Returns a new string. ret_fwd_from, when non-NULL, receives
 * the "From:" of an inline forward header ("Name <addr>"), or NULL. */
char *message_clean_text(const char *text, bool forwarded, char **ret_fwd_from);

/* What the author of m wrote themselves: the first text body that is not an
 * attachment or a forwarded message (plain text rather than HTML), through
 * message_clean_text() (quoted text dropped).  A new string, "" when there
 * is none; caller frees.  For replies: a DPO's commands, a colleague's note. */
char *message_own_words(const Message *m);
