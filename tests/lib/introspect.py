#!/usr/bin/env python3
"""introspect.py PORT TOKENS_FILE -- an OAuth2 token-introspection endpoint
(RFC 7662) for Dovecot's oauth2 passdb, on 127.0.0.1:PORT.

TOKENS_FILE holds "TOKEN USERNAME" lines and is re-read on every request, so
a test can revoke or add tokens while it runs.  Every request's token is
appended to TOKENS_FILE.log, so a test can see which tokens were presented."""
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

port, tokens_file = int(sys.argv[1]), sys.argv[2]


def lookup(token):
    try:
        with open(tokens_file) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] == token:
                    return parts[1]
    except FileNotFoundError:
        pass
    return None


class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        token = form.get("token", [""])[0]
        with open(tokens_file + ".log", "a") as f:
            f.write(token + "\n")
        user = lookup(token)
        body = ('{"active": true, "username": "%s"}' % user) if user else '{"active": false}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", port), H).serve_forever()
