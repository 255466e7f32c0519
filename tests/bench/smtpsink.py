#!/usr/bin/env python3
"""smtpsink.py -- an SMTP server that accepts every message and throws it away.

make bench points breachd's outbox at it for the ingest and memory runs, so
that those measure breachd (fetch, parse, file, move, queue, and sending
its 500-message outbox slice) rather than Postfix's queue.  The latency run
uses the real Postfix instead: there the acknowledgement has to arrive.

  smtpsink.py PORTFILE      listen on a free 127.0.0.1 port, write the port
                            number to PORTFILE once listening, serve until
                            SIGTERM; on exit print "messages=N" to stdout
"""

import asyncio
import os
import signal
import sys

count = 0


async def session(reader, writer):
    global count

    def say(line):
        writer.write(line.encode() + b"\r\n")

    say("220 sink.example.test ESMTP bench sink")
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-sink.example.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                             b"250 SIZE 52428800\r\n")
            elif verb == b"DATA":
                say("354 go ahead")
                await writer.drain()
                while True:
                    d = await reader.readline()
                    if not d or d == b".\r\n":
                        break
                count += 1
                say("250 2.0.0 Ok: discarded")
            elif verb == b"QUIT":
                say("221 2.0.0 Bye")
                await writer.drain()
                break
            elif verb == b"RSET" or verb == b"NOOP" or verb == b"MAIL" or verb == b"RCPT":
                say("250 2.0.0 Ok")
            else:
                say("502 5.5.2 not implemented")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()


async def main(portfile):
    server = await asyncio.start_server(session, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with server:
        await stop
    print("messages=%d" % count, flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: smtpsink.py PORTFILE")
    asyncio.run(main(sys.argv[1]))
