#!/usr/bin/env python3
"""mailboxes.py -- the many-mailboxes bench (tests/bench/mailboxes.sh runs it
with the private servers up and says what is measured).

Environment: TEST_ROOT, IMAP_PORT, SMTP_PORT (servers.sh), BREACHD,
BENCH_OUT, BENCH_MAILBOXES ("1 10 100 300"), REPO_ROOT.  The accounts
org001@example.test ... (password "secret") exist.
"""

import email.utils
import imaplib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.environ["TEST_ROOT"]
IMAP_PORT = int(os.environ["IMAP_PORT"])
SMTP_PORT = int(os.environ["SMTP_PORT"])
BREACHD = os.environ["BREACHD"]
OUT = os.environ["BENCH_OUT"]
REPO = os.environ["REPO_ROOT"]
SIZES = [int(x) for x in os.environ.get("BENCH_MAILBOXES", "1 10 100 300").split()]
APPENDS = 5
WAIT = 300  # seconds: the bound on any wait


def key(i):
    return "org%03d" % i


def write_setup(n):
    d = os.path.join(ROOT, "mb%d" % n)
    os.makedirs(os.path.join(d, "orgs"), exist_ok=True)
    for i in range(1, n + 1):
        with open(os.path.join(d, "orgs", key(i) + ".conf"), "w") as f:
            f.write('organisation = "Organisation %d";\n' % i)
            f.write('smtp = { from = "Breach reports <%s@example.test>"; };\n' % key(i))
            f.write('mailbox = { host = "127.0.0.1"; port = %d; tls = "none"; user = "%s@example.test";\n'
                    '  password_file = "%s/org.secret"; folder = "INBOX"; processed_folder = "Processed";\n'
                    '  quarantine_folder = "Quarantine"; automatic_folder = "Automatic"; };\n'
                    % (IMAP_PORT, key(i), ROOT))
    conf = os.path.join(d, "breachd.conf")
    with open(conf, "w") as f:
        f.write('organisations = "orgs";\n'
                'smtp = { host = "127.0.0.1"; port = %d; tls = "none";\n'
                '  from = "Data Breach Reporting <breach@example.test>"; };\n'
                'dpo = [ "dpo@example.test" ];\n'
                'admin = "admin@example.test";\n'
                'staff_domains = [ "example.test" ];\n'
                'database = "%s/breachd.db";\n'
                'templates_dir = "%s/conf/templates";\n'
                'poll_interval = 60;\n' % (SMTP_PORT, d, REPO))
    return d, conf


def read_state(path):
    try:
        with open(path) as f:
            return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    except OSError:
        return {}


def mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    return out


def report(n, uniq):
    return ("From: Test Reporter <reporter@example.test>\r\n"
            "To: %s@example.test\r\n"
            "Subject: Bench report %s\r\n"
            "Date: %s\r\n"
            "Message-ID: <%s@example.test>\r\n\r\n"
            "Name of person making the report: Test Reporter\r\n"
            "Directorate: Corporate Services\r\n"
            "What happened: a letter sent to the wrong address (%s)\r\n"
            "Date of incident: today\r\n" % (key(n), uniq, email.utils.formatdate(), uniq, uniq)).encode()


def wait_for(cond, what):
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.005)
    sys.exit("bench: %s: not within %d s" % (what, WAIT))


def run(n):
    d, conf = write_setup(n)
    db = os.path.join(d, "breachd.db")
    log = open(os.path.join(d, "breachd.log"), "w")
    t0 = time.monotonic()
    p = subprocess.Popen([BREACHD, "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        def all_idle():
            st = read_state(db + ".status")
            return st.get("pid") == str(p.pid) and st.get("idle") == "1"
        wait_for(lambda: p.poll() is not None or all_idle(), "all %d watches idle" % n)
        if p.poll() is not None:
            sys.exit("bench: breachd exited (%s); see %s/breachd.log" % (p.returncode, d))
        startup = time.monotonic() - t0
        idle = proc_status(p.pid)
        # Pick-up on the last mailbox: APPEND -> its row in the register.
        im = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
        im.login(key(n) + "@example.test", "secret")
        reg = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
        lat = []
        for k in range(APPENDS):
            uniq = "bench-%d-%d-%d" % (n, k, os.getpid())
            msg = report(n, uniq)
            im.append("INBOX", None, None, msg)
            t = time.monotonic()

            def filed():
                try:
                    return reg.execute("SELECT count(*) FROM messages WHERE mailbox = ? AND message_id LIKE ?",
                                       (key(n) + "/INBOX", "%" + uniq + "%")).fetchone()[0] > 0
                except sqlite3.OperationalError:
                    return False
            wait_for(filed, "the report in %s's mailbox filed" % key(n))
            lat.append(time.monotonic() - t)
            # The daemon moves it, queues and sends its mail, and goes back
            # to IDLE (its state file rewritten since) before the next one.
            mark = mtime(db + ".status")
            wait_for(lambda: mtime(db + ".status") != mark and all_idle(), "idle again")
        im.logout()
        reg.close()
        after = proc_status(p.pid)
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
    return {"mailboxes": n, "startup_s": round(startup, 3), "idle": idle, "after": after,
            "pickup_ms": [round(x * 1000, 1) for x in lat],
            "pickup_median_ms": round(statistics.median(lat) * 1000, 1),
            "pickup_max_ms": round(max(lat) * 1000, 1)}


def main():
    results = [run(n) for n in SIZES]
    with open(os.path.join(OUT, "mailboxes.json"), "w") as f:
        json.dump(results, f, indent=1)
    L = ["### Many mailboxes: one daemon, N organisations each on its own mailbox", "",
         "| mailboxes | start-up to all idle | RSS idle | of which anonymous | peak RSS (VmHWM) | "
         "open descriptors | pick-up on the last mailbox, median (worst of %d) | RSS after |" % APPENDS,
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        i, a = r["idle"], r["after"]
        L.append("| %d | %.2f s | %.1f MiB | %.1f MiB | %.1f MiB | %d | %.0f ms (%.0f ms) | %.1f MiB |"
                 % (r["mailboxes"], r["startup_s"], i["VmRSS"] / 1024, i["RssAnon"] / 1024,
                    a["VmHWM"] / 1024, i["fds"], r["pickup_median_ms"], r["pickup_max_ms"],
                    a["VmRSS"] / 1024))
    text = "\n".join(L) + "\n"
    with open(os.path.join(OUT, "mailboxes.md"), "w") as f:
        f.write(text)
    print(text)


main()
