#!/usr/bin/env python3
"""notify_listen.py SOCKET OUTFILE -- a stand-in for systemd's notify socket.

Binds a datagram socket at SOCKET and appends every message it receives to
OUTFILE, one line per assignment ("READY=1"), each prefixed with the time
received, until killed."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(65536).decode("utf-8", "replace")
        for line in data.splitlines():
            f.write("%.3f %s\n" % (time.time(), line))
