#!/usr/bin/env python3
"""mail.py -- a small IMAP/SMTP client for the end-to-end tests.

Talks to the private Dovecot and Postfix started by tests/lib/servers.sh.
Defaults come from the environment that servers_start exports:
IMAP_PORT, SMTP_PORT and TEST_ROOT (whose "users" file holds one
"address password" pair per line, so no test has to repeat passwords).
TEST_WAIT_SECONDS (default 120) bounds every wait for the servers: the
waits of send and wait, and each network operation; a wait ends as soon as
its event happens, so the bound only matters on a machine under load.
While it waits, wait asks the test Postfix to retry its queue every few
seconds (postqueue -f; see nudge_postfix).

Subcommands (exit status 0 on success, 1 on a negative answer such as a
timeout or no match, 2 on an error):

  send --from ADDR --to ADDR [--to ADDR...] [--no-wait] FILE|-
    submit FILE over SMTP (line endings normalised to CRLF, as any MUA
    would), print the Postfix queue id and, unless --no-wait, wait until
    Postfix's log says every recipient was delivered (fails at once on a
    bounce or deferral, printing the log line)
  count USER FOLDER          print the number of messages (0 if no such folder)
  wait USER FOLDER COUNT     wait until FOLDER holds at least COUNT messages
  fetch USER FOLDER [--index N] [--raw] [--headers]
    print every message (or the N-th, 1-based, negative from the end),
    each preceded by a line "==== message N uid U ====" (MARKER below);
    CRLF is turned into LF unless --raw
  append USER FOLDER FILE|- [--flags '\\Seen'] [--no-create]
    IMAP APPEND of the exact bytes of FILE, creating FOLDER if needed;
    prints the new UID when the server reports it (UIDPLUS)
  list-folders USER          print every folder name, one a line
  create USER FOLDER         create FOLDER (no error if it exists)
  search-header USER FOLDER HEADER STRING
    print the UIDs of the messages whose HEADER contains STRING
    (case-insensitive substring, IMAP SEARCH HEADER); exit 1 if none
  capability USER            print the server's capabilities after login
"""

import argparse
import imaplib
import os
import re
import smtplib
import subprocess
import sys
import time

MARKER = "==== message {n} uid {uid} ===="
HOST = "127.0.0.1"
WAIT = float(os.environ.get("TEST_WAIT_SECONDS") or 120)


class Failure(Exception):
    """A negative answer (timeout, nothing found): exit status 1."""


def die(msg, status=2):
    sys.stderr.write("mail.py: %s\n" % msg)
    sys.exit(status)


def env_port(name):
    v = os.environ.get(name)
    if not v:
        die("%s is not set (call servers_start first)" % name)
    return int(v)


def password_for(user, explicit):
    if explicit is not None:
        return explicit
    root = os.environ.get("TEST_ROOT")
    if not root:
        die("TEST_ROOT is not set and no --password given")
    with open(os.path.join(root, "users"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 1)
            if len(parts) == 2 and parts[0].lower() == user.lower():
                return parts[1]
    die("unknown test user %s (see servers_add_user)" % user)


def read_input(path):
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as f:
        return f.read()


def quote_mailbox(name):
    """IMAP quoted string; imaplib sends arguments verbatim."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_login(args):
    c = imaplib.IMAP4(HOST, args.imap_port, timeout=WAIT)
    c.login(args.user, password_for(args.user, args.password))
    return c


def check(typ, data, what):
    if typ != "OK":
        raise imaplib.IMAP4.error("%s: %s %r" % (what, typ, data))
    return data


def status_messages(c, folder):
    """Number of messages in folder, or None if it does not exist."""
    typ, data = c.status(quote_mailbox(folder), "(MESSAGES)")
    if typ != "OK":
        return None
    m = re.search(rb"MESSAGES (\d+)", data[0] or b"")
    if not m:
        raise imaplib.IMAP4.error("bad STATUS answer %r" % data)
    return int(m.group(1))


def select_uids(c, folder, readonly=True):
    typ, data = c.select(quote_mailbox(folder), readonly=readonly)
    if typ != "OK":
        return None
    typ, data = c.uid("SEARCH", "ALL")
    check(typ, data, "UID SEARCH")
    return [int(u) for u in (data[0] or b"").split()]


def fetch_uid(c, uid, item):
    typ, data = c.uid("FETCH", str(uid), "(%s)" % item)
    check(typ, data, "UID FETCH")
    for part in data:
        if isinstance(part, tuple):
            return part[1]
    raise imaplib.IMAP4.error("no literal in FETCH answer for uid %d" % uid)


# --- SMTP -------------------------------------------------------------------

def crlf(data):
    return re.sub(rb"\r?\n|\r(?!\n)", b"\r\n", data)


# How often a wait asks Postfix to retry (seconds).
NUDGE_EVERY = 3


def nudge_postfix():
    """Ask the test Postfix (when it runs) to retry every queued message now,
    whatever time stamp it carries (postqueue -f: all queues, all times).

    Postfix may hold a message back for a minute or more for reasons of its
    own: its queue manager, finding the queue file still locked by the
    delivery agent that has just deferred it (an agent reports, then closes
    the file; on a loaded machine it can be descheduled in between), logs
    "skipped, still being delivered" and puts the message in the incoming
    queue dated 60 s ahead -- and that queue is only looked at again when
    new mail comes or at the master's 300 s wakeup.  A test waiting for
    that mail must not depend on it."""
    root = os.environ.get("TEST_ROOT")
    if not root or not os.path.exists(os.path.join(root, "pids", "postfix.pid")):
        return
    subprocess.run(["postqueue", "-c", os.path.join(root, "postfix"), "-f"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


def wait_delivery(logfile, qid, recipients, timeout):
    """Follow Postfix's maillog_file until qid is removed from the queue.
    Any status other than sent means the test's mail went astray."""
    deadline = time.monotonic() + timeout
    pat = re.compile(r"\b%s: (to=<([^>]*)>.*status=(\w+).*|removed)$" % re.escape(qid))
    pending = {r.lower() for r in recipients}
    pos = 0
    buf = ""
    while True:
        try:
            with open(logfile, encoding="utf-8", errors="replace") as f:
                f.seek(pos)
                chunk = f.read()
                pos = f.tell()
        except FileNotFoundError:
            chunk = ""
        buf += chunk
        lines = buf.split("\n")
        buf = lines.pop()
        for line in lines:
            m = pat.search(line)
            if not m:
                continue
            if m.group(1) == "removed":
                if pending:
                    raise Failure("%s removed before delivery to %s"
                                  % (qid, ", ".join(sorted(pending))))
                return
            if m.group(3) != "sent":
                raise Failure("delivery failed: %s" % line)
            pending.discard(m.group(2).lower())
        if time.monotonic() > deadline:
            raise Failure("%s not delivered after %gs (still pending: %s)"
                          % (qid, timeout, ", ".join(sorted(pending)) or "queue removal"))
        time.sleep(0.02)


def cmd_send(args):
    data = crlf(read_input(args.file))
    s = smtplib.SMTP(HOST, args.smtp_port, timeout=WAIT)
    try:
        s.ehlo("test-client.example.test")
        code, msg = s.mail(args.sender)
        if code != 250:
            raise Failure("MAIL FROM refused: %d %s" % (code, msg.decode(errors="replace")))
        for r in args.to:
            code, msg = s.rcpt(r)
            if code not in (250, 251):
                raise Failure("RCPT TO <%s> refused: %d %s"
                              % (r, code, msg.decode(errors="replace")))
        code, msg = s.data(data)
        if code != 250:
            raise Failure("DATA refused: %d %s" % (code, msg.decode(errors="replace")))
    finally:
        try:
            s.quit()
        except smtplib.SMTPException:
            pass
    m = re.search(rb"queued as ([0-9A-Za-z]+)", msg)
    if not m:
        raise Failure("no queue id in %r" % msg)
    qid = m.group(1).decode()
    print(qid)
    if not args.no_wait:
        root = os.environ.get("TEST_ROOT")
        if not root:
            die("TEST_ROOT is not set: cannot wait for delivery (use --no-wait)")
        wait_delivery(os.path.join(root, "log", "postfix.log"), qid, args.to, args.timeout)


# --- IMAP -------------------------------------------------------------------

def cmd_count(args):
    c = imap_login(args)
    n = status_messages(c, args.folder)
    c.logout()
    print(n or 0)


def cmd_wait(args):
    deadline = time.monotonic() + args.timeout
    next_nudge = time.monotonic() + NUDGE_EVERY
    c = imap_login(args)
    try:
        while True:
            n = status_messages(c, args.folder) or 0
            if n >= args.count:
                print(n)
                return
            if time.monotonic() > deadline:
                raise Failure("%s %s: %d message(s) after %gs, wanted %d"
                              % (args.user, args.folder, n, args.timeout, args.count))
            if time.monotonic() >= next_nudge:
                nudge_postfix()
                next_nudge = time.monotonic() + NUDGE_EVERY
            time.sleep(0.1)
    finally:
        c.logout()


def cmd_fetch(args):
    c = imap_login(args)
    uids = select_uids(c, args.folder)
    if uids is None:
        raise Failure("no folder %s for %s" % (args.folder, args.user))
    numbered = list(enumerate(uids, 1))
    if args.index is not None:
        try:
            numbered = [numbered[args.index - 1 if args.index > 0 else args.index]]
        except IndexError:
            raise Failure("%s has %d message(s), no message %d"
                          % (args.folder, len(uids), args.index))
    out = sys.stdout.buffer
    item = "BODY.PEEK[HEADER]" if args.headers else "BODY.PEEK[]"
    for n, uid in numbered:
        body = fetch_uid(c, uid, item)
        if not args.raw:
            body = body.replace(b"\r\n", b"\n")
        out.write((MARKER.format(n=n, uid=uid) + "\n").encode())
        out.write(body)
        if not body.endswith(b"\n"):
            out.write(b"\n")
    out.flush()
    c.close()
    c.logout()


def cmd_append(args):
    data = read_input(args.file)
    c = imap_login(args)
    if not args.no_create and status_messages(c, args.folder) is None:
        check(*c.create(quote_mailbox(args.folder)), "CREATE")
    flags = args.flags
    if flags and not flags.startswith("("):
        flags = "(" + flags + ")"
    # imaplib.append() rewrites every line ending to CRLF; tests need the
    # exact bytes, so set the literal ourselves.
    c.literal = data
    cmdargs = [quote_mailbox(args.folder)]
    if flags:
        cmdargs.append(flags)
    typ, resp = c._simple_command("APPEND", *cmdargs)
    check(typ, resp, "APPEND")
    m = re.search(rb"APPENDUID \d+ (\d+)", resp[0] or b"")
    if m:
        print(m.group(1).decode())
    c.logout()


def cmd_list_folders(args):
    c = imap_login(args)
    typ, data = c.list()
    check(typ, data, "LIST")
    for line in data:
        if not line:
            continue
        if isinstance(line, tuple):  # name sent as a literal
            print(line[1].decode())
            continue
        m = re.match(rb'\([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$', line)
        if not m:
            raise imaplib.IMAP4.error("bad LIST line %r" % line)
        name = m.group(1).decode()
        if name.startswith('"'):
            name = re.sub(r'\\(.)', r'\1', name[1:-1])
        print(name)
    c.logout()


def cmd_create(args):
    c = imap_login(args)
    if status_messages(c, args.folder) is None:
        check(*c.create(quote_mailbox(args.folder)), "CREATE")
    c.logout()


def cmd_search_header(args):
    c = imap_login(args)
    typ, data = c.select(quote_mailbox(args.folder), readonly=True)
    if typ != "OK":
        raise Failure("no folder %s for %s" % (args.folder, args.user))
    c.literal = args.string.encode("utf-8")
    typ, data = c.uid("SEARCH", "CHARSET", "UTF-8", "HEADER", args.header)
    check(typ, data, "UID SEARCH")
    uids = (data[0] or b"").split()
    c.close()
    c.logout()
    for u in uids:
        print(u.decode())
    if not uids:
        raise Failure("no message in %s whose %s contains %r" % (args.folder, args.header, args.string))


def cmd_capability(args):
    c = imap_login(args)
    typ, data = c.capability()
    check(typ, data, "CAPABILITY")
    print(data[0].decode())
    c.logout()


def main():
    p = argparse.ArgumentParser(description="IMAP/SMTP helper for breachd tests")
    p.add_argument("--imap-port", type=int)
    p.add_argument("--smtp-port", type=int)
    p.add_argument("--password", help="default: looked up in $TEST_ROOT/users")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("send")
    s.add_argument("--from", dest="sender", required=True)
    s.add_argument("--to", action="append", required=True)
    s.add_argument("--no-wait", action="store_true")
    s.add_argument("--timeout", type=float, default=WAIT)
    s.add_argument("file")
    s.set_defaults(func=cmd_send)

    for name, func in (("count", cmd_count), ("list-folders", cmd_list_folders),
                       ("create", cmd_create), ("capability", cmd_capability)):
        s = sub.add_parser(name)
        s.add_argument("user")
        if name in ("count", "create"):
            s.add_argument("folder")
        s.set_defaults(func=func)

    s = sub.add_parser("wait")
    s.add_argument("user")
    s.add_argument("folder")
    s.add_argument("count", type=int)
    s.add_argument("--timeout", type=float, default=WAIT)
    s.set_defaults(func=cmd_wait)

    s = sub.add_parser("fetch")
    s.add_argument("user")
    s.add_argument("folder")
    s.add_argument("--index", type=int)
    s.add_argument("--raw", action="store_true")
    s.add_argument("--headers", action="store_true")
    s.set_defaults(func=cmd_fetch)

    s = sub.add_parser("append")
    s.add_argument("user")
    s.add_argument("folder")
    s.add_argument("file")
    s.add_argument("--flags")
    s.add_argument("--no-create", action="store_true")
    s.set_defaults(func=cmd_append)

    s = sub.add_parser("search-header")
    s.add_argument("user")
    s.add_argument("folder")
    s.add_argument("header")
    s.add_argument("string")
    s.set_defaults(func=cmd_search_header)

    args = p.parse_args()
    if args.cmd == "send":
        args.smtp_port = args.smtp_port or env_port("SMTP_PORT")
    else:
        args.imap_port = args.imap_port or env_port("IMAP_PORT")
    try:
        args.func(args)
    except Failure as e:
        die(str(e), 1)
    except (OSError, imaplib.IMAP4.error, smtplib.SMTPException) as e:
        die("%s: %s" % (args.cmd, e))


if __name__ == "__main__":
    main()
