/* msgwire.h — a parsed Message as bytes, so that the guard's worker
 * (guard.h) can hand back what it read and the daemon need not parse the
 * message a second time.
 *
 * The format is private to one build (the worker is a fork of the reader):
 * each string a 32-bit length (all ones for NULL) and its bytes, numbers
 * 64-bit, in host order.  Every field of Message, MessageBody and
 * FormSource is carried, and the worker's Reading of the form (reading.h)
 * when the Message has one; a change to those structs must be made here too,
 * and the _Static_asserts in msgwire.c stop a build that forgot. */
#pragma once

#include <stddef.h>

#include "base/util.h"
#include "read/message.h"

/* Appends m to out. */
void message_encode(const Message *m, Buf *out);

/* The Message encoded in data (caller frees with message_free()).
 * -EBADMSG when data is cut short or malformed; *ret untouched then. */
int message_decode(const char *data, size_t len, Message **ret);
