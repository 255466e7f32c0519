/* mimelib.c — see mimelib.h. */
#include "base/mimelib.h"

#include <stdbool.h>

void mimelib_init(void)
{
        static bool done;
        if (!done) {
                g_mime_init();
                done = true;
        }
}

GMimeMessage *mimelib_parse(const char *raw, size_t len)
{
        mimelib_init();
        GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
        GMimeParser *parser = g_mime_parser_new_with_stream(stream);
        GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
        g_object_unref(parser);
        g_object_unref(stream);
        if (msg && !msg->mime_part) {
                g_object_unref(msg);
                msg = NULL;
        }
        return msg;
}
