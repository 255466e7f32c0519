#!/usr/bin/env python3
"""bench.py -- the measurements of `make bench` (issue 8, docs/PERFORMANCE.md).

Run by tests/bench/run.sh, which builds the helpers, starts the private
Dovecot and Postfix of tests/lib/servers.sh and exports TEST_ROOT,
IMAP_PORT, SMTP_PORT and the BENCH_* settings below.  Each part writes its
figures to $BENCH_OUT/results.json as it finishes; `report` turns them into
$BENCH_OUT/results.md.

Parts (BENCH_PARTS, default all of them, in this order):
  ingest    for each N in BENCH_SIZES: the server floor (one UID FETCH 1:*
            BODY.PEEK[]; UID MOVE in batches of 500 on a fresh copy), mbsync
            pulling the mailbox into a Maildir (default, durable settings),
            and breachd --once on a fresh register; BENCH_RUNS rounds, each
            tool on a fresh copy of the same indexed mailbox, the tools'
            order rotated from round to round
  latency   breachd as a daemon on IDLE; BENCH_LATENCY_N reports sent
            through Postfix every BENCH_LATENCY_INTERVAL seconds; time from
            Postfix's 250 to the acknowledgement appearing in the reporter's
            mailbox (its Maildir, polled every 5 ms)
  register  a synthetic register of BENCH_REGISTER_N incidents, made with
            SQL in a database that breachctl created (so the schema is the
            real one); the daemon's per-tick queries timed by regtick, and
            `breachctl list --open`; database size
  memory    breachd as a daemon while BENCH_MEMORY_N messages arrive in
            chunks; its RSS after each chunk is filed
  stages    CPU time per message of each stage of filing (parse, read the
            form, hand back, file, queue the two mails), measured in one
            process by the stages helper over BENCH_STAGES_N generated
            reports (default 1,000), BENCH_RUNS rounds

Other settings: BENCH_SEED, BREACHD, BREACHCTL, BENCH_FLOOR, BENCH_REGTICK,
BENCH_STAGES (the helper programs), BENCH_TEMPLATES (templates_dir for breachd).
"""

import collections
import json
import os
import re
import shutil
import signal
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import genmail  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
ENV = os.environ
TEST_ROOT = ENV.get("TEST_ROOT", "")
OUT = ENV.get("BENCH_OUT", os.path.join(REPO, "build", "bench"))
WORK = os.path.join(TEST_ROOT, "bench")
RESULTS = os.path.join(OUT, "results.json")
SEED = int(ENV.get("BENCH_SEED", genmail.DEFAULT_SEED))
BREACHD = ENV.get("BREACHD", os.path.join(REPO, "breachd"))
BREACHCTL = ENV.get("BREACHCTL", os.path.join(REPO, "breachctl"))
TEMPLATES = ENV.get("BENCH_TEMPLATES", os.path.join(REPO, "conf", "templates"))
MAIL_UID = int(ENV.get("MAIL_UID", "65534"))
MAIL_GID = int(ENV.get("MAIL_GID", "65534"))
USER, PASSWORD = "breach@example.test", "secret"
POLL_RE = re.compile(r"poll: (\d+) filed, (\d+) follow-ups, (\d+) quarantined, (\d+) already filed, (\d+) moved")


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def setting(name, default):
    v = ENV.get(name, "")
    return v if v else default


# ---- results ---------------------------------------------------------------

def load_results():
    try:
        with open(RESULTS) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def save_result(key, value):
    res = load_results()
    res[key] = value
    tmp = RESULTS + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    os.rename(tmp, RESULTS)


def summary(values):
    v = sorted(values)
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "n": len(v), "all": values}


# ---- servers' files ----------------------------------------------------------

def home_of(user):
    local, domain = user.split("@")
    return os.path.join(TEST_ROOT, "mail", domain, local)


def maildir_of(user):
    return os.path.join(home_of(user), "Maildir")


def chown_tree(path):
    for root, dirs, files in os.walk(path):
        os.chown(root, MAIL_UID, MAIL_GID)
        for f in files:
            os.chown(os.path.join(root, f), MAIL_UID, MAIL_GID)


def imap_select(user=USER, folder="INBOX"):
    """Log in and SELECT: makes Dovecot index a Maildir written behind its back."""
    import imaplib
    c = imaplib.IMAP4("127.0.0.1", int(ENV["IMAP_PORT"]))
    c.login(user, PASSWORD)
    typ, data = c.select(folder)
    c.logout()
    return int(data[0])


def reset_mailbox(user=USER):
    shutil.rmtree(maildir_of(user), ignore_errors=True)
    # The domain directory too: Dovecot makes the other users' homes in it.
    domain = os.path.dirname(home_of(user))
    for d in (domain, home_of(user)):
        os.makedirs(d, exist_ok=True)
        os.chown(d, MAIL_UID, MAIL_GID)


def restore_mailbox(template):
    """A fresh copy of the indexed mailbox, as every measured run starts from."""
    reset_mailbox()
    subprocess.run(["cp", "-a", template, maildir_of(USER)], check=True)
    # The copy's dirty pages must not be written back during the run.
    os.sync()


def mailbox_template(n):
    """An indexed Maildir of n generated reports (made once per size)."""
    tmpl = os.path.join(WORK, "mailbox-%d" % n)
    if os.path.isdir(tmpl):
        return tmpl
    t = time.monotonic()
    reset_mailbox()
    genmail.write_maildir(maildir_of(USER), SEED, 0, n, MAIL_UID, MAIL_GID)
    exists = imap_select()
    if exists != n:
        raise SystemExit("bench: Dovecot sees %d messages, not %d" % (exists, n))
    subprocess.run(["cp", "-a", maildir_of(USER), tmpl], check=True)
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(os.path.join(tmpl, "cur")) for f in fs)
    log("mailbox of %d reports (%.1f MB) made and indexed in %.1f s" % (n, size / 1e6, time.monotonic() - t))
    return tmpl


# ---- configuration files -----------------------------------------------------

def breachd_conf(path, database, smtp_port, extra=""):
    secret = os.path.join(WORK, "imap.secret")
    if not os.path.exists(secret):
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (PASSWORD + "\n").encode())
        os.close(fd)
    with open(path, "w") as f:
        f.write("""# breachd.conf for make bench; generated by tests/bench/bench.py
mailbox = {
  host = "127.0.0.1"; port = %s; tls = "none";
  user = "%s"; password_file = "%s";
  folder = "INBOX"; processed_folder = "Processed"; quarantine_folder = "Quarantine";
};
smtp = {
  host = "127.0.0.1"; port = %d; tls = "none";
  from = "Data Breach Reporting <breach@example.test>";
};
dpo = [ "dpo@example.test" ];
escalation = [ "siro@example.test" ];
admin = "admin@example.test";
timezone = "Europe/London";
directorates = ( "Adult Social Care", "Children, Families and Education",
                 "Corporate Services", "Finance and Resources" );
staff_domains = [ "example.test" ];
database = "%s";
templates_dir = "%s";
poll_interval = 60;
%s""" % (ENV["IMAP_PORT"], USER, secret, smtp_port, database, TEMPLATES, extra))
    return path


def remove_db(path):
    for suffix in ("", "-wal", "-shm", ".status"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def sink_port():
    with open(os.path.join(WORK, "sink.port")) as f:
        return int(f.read())


# ---- one measured run of each tool ----------------------------------------------

def time_file():
    return os.path.join(WORK, "time.out")


def read_time_file():
    """GNU time's "%M %U %S": peak RSS in KiB, user and system seconds."""
    with open(time_file()) as f:
        lines = [l for l in f.read().split("\n") if l.strip()]
    rss, user, system = lines[-1].split()
    return int(rss), float(user), float(system)


def run_floor(mode, n):
    args = [ENV["BENCH_FLOOR"], "127.0.0.1", ENV["IMAP_PORT"], USER, PASSWORD, mode, "INBOX"]
    if mode == "move":
        args += ["Done", "500"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    kv = dict(p.split("=") for p in out.split())
    if int(kv["messages"]) != n:
        raise SystemExit("bench: floor %s saw %s messages, not %d" % (mode, kv["messages"], n))
    return {"seconds": float(kv["seconds"]), "cmd_seconds": float(kv["cmd_seconds"]), "bytes": int(kv["bytes"])}


def mbsync_rc(local):
    rc = os.path.join(WORK, "mbsyncrc")
    with open(rc, "w") as f:
        f.write("""IMAPAccount bench
Host 127.0.0.1
Port %s
User %s
Pass %s
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path %s/
Inbox %s/INBOX

Channel pull
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
""" % (ENV["IMAP_PORT"], USER, PASSWORD, local, local))
    return rc


def run_mbsync(n):
    local = os.path.join(WORK, "mbsync-local")
    shutil.rmtree(local, ignore_errors=True)
    os.makedirs(local)
    rc = mbsync_rc(local)
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", time_file(), "mbsync", "-q", "-c", rc, "pull"],
                       capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit("bench: mbsync failed: %s" % p.stderr)
    got = sum(len(os.listdir(os.path.join(local, "INBOX", d))) for d in ("cur", "new"))
    if got != n:
        raise SystemExit("bench: mbsync stored %d messages, not %d" % (got, n))
    rss, user, system = read_time_file()
    shutil.rmtree(local, ignore_errors=True)
    return {"seconds": wall, "rss_kb": rss, "user": user, "sys": system}


def run_breachd_once(n):
    db = os.path.join(WORK, "ingest.db")
    remove_db(db)
    conf = breachd_conf(os.path.join(WORK, "ingest.conf"), db, sink_port())
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M %U %S", "-o", time_file(), BREACHD, "-c", conf, "--once"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ingest, counts, tail = None, None, collections.deque(maxlen=20)
    for line in p.stderr:
        m = POLL_RE.search(line)
        if m and ingest is None:
            ingest = time.monotonic() - t0
            counts = [int(x) for x in m.groups()]
        tail.append(line.rstrip())
    status = p.wait()
    wall = time.monotonic() - t0
    if status != 0 or counts is None:
        raise SystemExit("bench: breachd --once failed (status %d):\n%s" % (status, "\n".join(tail)))
    filed, _, quarantined, _, moved = counts
    if filed + quarantined != n or moved != n:
        raise SystemExit("bench: breachd filed %d, quarantined %d, moved %d of %d" % (filed, quarantined, moved, n))
    rss, user, system = read_time_file()
    return {"seconds": ingest, "wall": wall, "rss_kb": rss, "user": user, "sys": system,
            "filed": filed, "quarantined": quarantined}


def part_ingest():
    sizes = [int(x) for x in setting("BENCH_SIZES", "1000 10000").split()]
    rounds = int(setting("BENCH_RUNS", "5"))
    tools = ["floor_fetch", "floor_move", "mbsync", "breachd"]
    for n in sizes:
        tmpl = mailbox_template(n)
        runs = {t: [] for t in tools}
        for r in range(rounds):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for tool in order:
                restore_mailbox(tmpl)
                if tool == "floor_fetch":
                    res = run_floor("fetch", n)
                elif tool == "floor_move":
                    res = run_floor("move", n)
                elif tool == "mbsync":
                    res = run_mbsync(n)
                else:
                    res = run_breachd_once(n)
                runs[tool].append(res)
                log("N=%d round %d/%d %-11s %.3f s%s" % (n, r + 1, rounds, tool, res["seconds"],
                                                          "  (%.3f s with sending)" % res["wall"]
                                                          if "wall" in res else ""))
        out = {"n": n, "rounds": rounds}
        for tool in tools:
            out[tool] = {k: summary([x[k] for x in runs[tool]]) for k in runs[tool][0]}
        save_result("ingest-%d" % n, out)
    shutil.rmtree(WORK + "/mbsync-local", ignore_errors=True)


# ---- latency -----------------------------------------------------------------------

def wait_idle(db, proc, timeout=30):
    status = db + ".status"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit("bench: breachd exited with status %d" % proc.returncode)
        try:
            with open(status) as f:
                if "idle=1" in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise SystemExit("bench: breachd did not enter IDLE within %d s" % timeout)


def strip_id(s):
    return s.strip().strip("<>").strip()


class AckWatcher(threading.Thread):
    """Notes when each acknowledgement appears in a reporter's Maildir."""

    def __init__(self, users):
        super().__init__(daemon=True)
        self.dirs = [os.path.join(maildir_of(u), "new") for u in users]
        self.seen = set()
        self.arrived = {}         # In-Reply-To (no brackets) -> time.time()
        self.stop = False

    def run(self):
        while not self.stop:
            for d in self.dirs:
                try:
                    names = os.listdir(d)
                except FileNotFoundError:
                    continue
                for name in names:
                    path = os.path.join(d, name)
                    if path in self.seen:
                        continue
                    now = time.time()
                    self.seen.add(path)
                    try:
                        with open(path, "rb") as f:
                            head = f.read(8192).split(b"\n\n", 1)[0].decode("utf-8", "replace")
                    except FileNotFoundError:
                        continue
                    m = re.search(r"^In-Reply-To:\s*(\S+)", head, re.M | re.I)
                    if m:
                        self.arrived.setdefault(strip_id(m.group(1)), now)
            time.sleep(0.005)


RUN_TOKEN = "%x.%d" % (int(time.time()), os.getpid())


def send_report(index, sender):
    data, r = genmail.message(SEED, index, sender=sender, date=int(time.time()))
    # A Message-ID of this run only: an acknowledgement still queued from
    # an earlier run must not be taken for one of this run's.
    msgid = r.msgid.replace("@", ".%s@" % RUN_TOKEN)
    data = data.replace(r.msgid.encode(), msgid.encode(), 1).replace(b"\n", b"\r\n")
    s = smtplib.SMTP("127.0.0.1", int(ENV["SMTP_PORT"]), timeout=30)
    s.sendmail(sender, ["breach@example.test"], data)
    accepted = time.time()         # after the 250 to the end of DATA
    s.quit()
    return strip_id(msgid), accepted


def percentile(v, p):
    v = sorted(v)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def part_latency():
    n = int(setting("BENCH_LATENCY_N", "200"))
    interval = float(setting("BENCH_LATENCY_INTERVAL", "0.25"))
    users = ["staff%02d@example.test" % i for i in range(1, 41)]
    reset_mailbox()
    for u in users:
        shutil.rmtree(maildir_of(u), ignore_errors=True)
    db = os.path.join(WORK, "latency.db")
    remove_db(db)
    conf = breachd_conf(os.path.join(WORK, "latency.conf"), db, int(ENV["SMTP_PORT"]))
    logf = open(os.path.join(WORK, "latency.log"), "w")
    proc = subprocess.Popen([BREACHD, "-c", conf], stdout=logf, stderr=logf)
    try:
        wait_idle(db, proc)
        watcher = AckWatcher(users)
        watcher.start()
        # Warm-up: the first connections, Postfix's first deliveries.
        warm = [send_report(900000 + i, users[i]) for i in range(3)]
        end = time.monotonic() + 30
        while any(w[0] not in watcher.arrived for w in warm) and time.monotonic() < end:
            time.sleep(0.05)
        sent = []
        start = time.monotonic()
        for i in range(n):
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent.append(send_report(1000000 + i, users[i % len(users)]))
        end = time.monotonic() + 60
        while sum(1 for mid, _ in sent if mid in watcher.arrived) < n and time.monotonic() < end:
            time.sleep(0.05)
        watcher.stop = True
        rss = proc_status(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        logf.close()
        keep_log(logf.name)
    lat = [watcher.arrived[mid] - acc for mid, acc in sent if mid in watcher.arrived]
    if len(lat) < n:
        log("latency: only %d of %d acknowledgements arrived within 60 s" % (len(lat), n))
    out = {"n": n, "interval": interval, "received": len(lat), "rss_kb": rss.get("VmRSS"),
           "hwm_kb": rss.get("VmHWM")}
    if lat:
        out.update({"p50": percentile(lat, 50), "p90": percentile(lat, 90), "p99": percentile(lat, 99),
                    "max": max(lat), "min": min(lat), "mean": statistics.mean(lat)})
        log("latency: p50 %.3f s, p99 %.3f s, max %.3f s (%d acknowledgements)"
            % (out["p50"], out["p99"], out["max"], len(lat)))
    save_result("latency", out)


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    return out


# ---- register ----------------------------------------------------------------------

REGISTER_SQL = """
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n)
INSERT INTO incidents(ref, token, received_at, filed_at, awareness_at, deadline_at, within_72h, days_to_report,
                      message_id, from_addr, from_name, subject, status, ico_decision, outcome,
                      reporter_name, reporter_contact, directorate, directorate_canon, team, nature,
                      how_occurred, individuals_affected, next_reminder_at)
SELECT printf('DB%04d%06d', 2016 + (i - 1) * 10 / :n, i), lower(hex(randomblob(12))), t, t + 2, t - 7200,
       t - 7200 + 259200, 1, 0,
       printf('DB9PR01MB%08X%07d@eurprd01.prod.outlook.com', abs(random()) % 4294967296, i),
       printf('staff.member%d@example.test', i % 5000), printf('Staff Member %d', i % 5000),
       printf('Data breach report %d', i),
       CASE WHEN i > :n - :open THEN 'open' ELSE 'closed' END,
       CASE WHEN i > :n - :open THEN 'pending' WHEN i % 10 = 0 THEN 'notify' ELSE 'not notifiable' END,
       CASE WHEN i > :n - :open THEN NULL ELSE 'non-reportable breach' END,
       printf('Staff Member %d', i % 5000), printf('staff.member%d@example.test, 01632 %06d', i % 5000, i % 999999),
       'Adult Social Care', 'Adult Social Care', 'Hospital Discharge Team',
       'An email containing a care plan was sent to the wrong external recipient.',
       'Autocomplete picked the wrong address.', 'One service user and their daughter.',
       CASE WHEN i > :n - :open THEN t - 7200 + 86400 * (1 + i % 2) ELSE NULL END
FROM (SELECT i, :t0 + (i - 1) * :step AS t FROM c);
"""
MESSAGES_SQL = """
INSERT INTO messages(mailbox, uidvalidity, uid, key, message_id, from_addr, subject, received_at, seen_at,
                     incident_id, disposition, raw, moved)
SELECT 'INBOX', 1, id, '<' || message_id || '>', message_id, from_addr, subject, received_at, filed_at, id,
       'report', CASE WHEN id > :n - :raw THEN randomblob(4500) ELSE NULL END, 1
FROM incidents;
"""
OUTBOX_SQL = """
INSERT INTO outbox(incident_id, kind, envelope_from, rcpts, message_id, subject, data, state, attempts,
                   next_attempt_at, created_at, sent_at)
SELECT id, k.kind, 'breach@example.test', CASE k.kind WHEN 'ack' THEN from_addr ELSE 'dpo@example.test' END,
       printf('%s.%d@breachd.example.test', k.kind, id), '[' || ref || '] ' || subject,
       CASE WHEN id > :n - :raw THEN randomblob(3000) ELSE X'' END, 'sent', 1, filed_at, filed_at,
       filed_at + 1
FROM incidents, (SELECT 'ack' AS kind UNION ALL SELECT 'dpo_notice') AS k;
"""


def part_register():
    n = int(setting("BENCH_REGISTER_N", "1000000"))
    n_open = min(300, n // 10)
    db = os.path.join(WORK, "register.db")
    remove_db(db)
    conf = breachd_conf(os.path.join(WORK, "register.conf"), db, sink_port())
    # breachctl creates the database with the schema of this build.
    subprocess.run([BREACHCTL, "-c", conf, "list"], check=True, stdout=subprocess.DEVNULL)
    now = int(time.time())
    step = 300                               # one report every 5 minutes...
    t0 = now - 3600 - (n - 1) * step         # ...the last an hour ago
    t = time.monotonic()
    c = sqlite3.connect(db)
    # Synthetic data made in one go: no journal, no fsync, and a cache that
    # holds the indexes being filled in random order (most of the time).
    c.execute("PRAGMA journal_mode = OFF")
    c.execute("PRAGMA synchronous = OFF")
    c.execute("PRAGMA cache_size = -1048576")
    c.execute("PRAGMA temp_store = MEMORY")
    with c:
        c.execute(REGISTER_SQL, {"n": n, "open": n_open, "t0": t0, "step": step})
        params = {"n": n, "raw": min(10000, n)}
        c.execute(MESSAGES_SQL, params)
        c.execute(OUTBOX_SQL, params)
        c.execute("INSERT INTO ref_counter(year, last) SELECT CAST(substr(ref, 3, 4) AS INTEGER), "
                  "MAX(CAST(substr(ref, 7) AS INTEGER)) FROM incidents GROUP BY 1 "
                  "ON CONFLICT(year) DO UPDATE SET last = excluded.last")
    c.execute("PRAGMA journal_mode = WAL")
    counts = {t_: c.execute("SELECT COUNT(*) FROM %s" % t_).fetchone()[0]
              for t_ in ("incidents", "messages", "outbox")}
    c.close()
    made = time.monotonic() - t
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    log("register of %d incidents made in %.1f s, %.1f MB" % (n, made, size / 1e6))
    out = {"n": n, "open": n_open, "counts": counts, "db_bytes": size, "made_seconds": made}

    p = subprocess.run([ENV["BENCH_REGTICK"], conf, str(now)], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("bench: regtick failed: %s" % p.stderr)
    out["tick"] = json.loads(p.stdout)

    list_cmds = [["list", "--open"], ["list"]]
    out["list"] = {}
    for args in list_cmds:
        times = []
        for _ in range(int(setting("BENCH_RUNS", "5"))):
            t = time.monotonic()
            r = subprocess.run([BREACHCTL, "-c", conf] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            times.append(time.monotonic() - t)
            if r.returncode != 0:
                raise SystemExit("bench: breachctl %s failed: %s" % (" ".join(args), r.stderr.decode()))
            lines = r.stdout.count(b"\n")
        out["list"][" ".join(args)] = dict(summary(times), lines=lines)
        log("breachctl %s: %.3f s, %d lines" % (" ".join(args), statistics.median(times), lines))
    save_result("register", out)
    remove_db(db)


# ---- stages ------------------------------------------------------------------------------

STAGES = [("parse", "worker", "GMime parse; HTML and .docx parts read into text and table rows"),
          ("read", "worker", "the form read out of the message, its values read, the blank-form check"),
          ("encode", "worker", "the parsed message and its reading written for the daemon"),
          ("decode", "daemon", "...and read back"),
          ("file", "daemon", "incident from the reading, its reference, incidents and messages rows"),
          ("queue", "daemon", "acknowledgement and DPO notice rendered, composed, queued in the outbox"),
          ("commit", "daemon", "the batch's one durable transaction, per message")]


def part_stages():
    n = int(setting("BENCH_STAGES_N", "1000"))
    rounds = max(1, min(50, int(setting("BENCH_RUNS", "5"))))
    tmpl = mailbox_template(n)
    db = os.path.join(WORK, "stages.db")
    conf = breachd_conf(os.path.join(WORK, "stages.conf"), db, sink_port())
    p = subprocess.run([ENV["BENCH_STAGES"], conf, os.path.join(tmpl, "cur"), str(rounds)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("bench: stages failed: %s" % p.stderr)
    out = json.loads(p.stdout)
    log("stages: %s" % ", ".join("%s %.0f us" % (k, out[k + "_us"]) for k, _, _ in STAGES))
    save_result("stages", out)
    remove_db(db)


# ---- memory -----------------------------------------------------------------------------

def db_count(db):
    """Messages recorded so far, or the error that kept us from counting."""
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
        try:
            return c.execute("SELECT COUNT(*) FROM messages").fetchone()[0], None
        finally:
            c.close()
    except sqlite3.Error as e:
        return None, str(e)


def keep_log(path):
    """The last lines of a daemon's log, kept in BENCH_OUT for a post-mortem."""
    try:
        with open(path, errors="replace") as f:
            tail = collections.deque(f, maxlen=300)
    except FileNotFoundError:
        return ""
    with open(os.path.join(OUT, os.path.basename(path)), "w") as f:
        f.writelines(tail)
    return "".join(list(tail)[-15:])


def part_memory():
    total = int(setting("BENCH_MEMORY_N", "100000"))
    first = min(1000, total)
    chunk = max(1000, (total - first) // 10) if total > first else 0
    reset_mailbox()
    md = maildir_of(USER)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub))
    chown_tree(home_of(USER))
    db = os.path.join(WORK, "memory.db")
    remove_db(db)
    conf = breachd_conf(os.path.join(WORK, "memory.conf"), db, sink_port(), "batch_size = 200;\n")
    logf = open(os.path.join(WORK, "memory.log"), "w")
    proc = subprocess.Popen([BREACHD, "-c", conf], stdout=logf, stderr=logf)
    points = []
    try:
        wait_idle(db, proc)
        done, start = 0, time.monotonic()
        stage = os.path.join(WORK, "stage")
        while done < total:
            k = first if done == 0 else min(chunk, total - done)
            shutil.rmtree(stage, ignore_errors=True)
            genmail.write_maildir(stage, SEED, 2000000 + done, k, MAIL_UID, MAIL_GID)
            # Delivered as an MTA would: a rename into new/.
            for name in os.listdir(os.path.join(stage, "cur")):
                os.rename(os.path.join(stage, "cur", name), os.path.join(md, "new", name.split(":")[0]))
            done += k
            end = time.monotonic() + 600
            count, err = db_count(db)
            while count is None or count < done:
                if proc.poll() is not None:
                    raise SystemExit("bench: breachd exited with status %d:\n%s"
                                     % (proc.returncode, keep_log(logf.name)))
                if time.monotonic() > end:
                    raise SystemExit("bench: after 600 s breachd has recorded %s of %d messages%s; its log:\n%s"
                                     % (count, done, " (%s)" % err if err else "", keep_log(logf.name)))
                time.sleep(0.2)
                c, err = db_count(db)
                count = c if c is not None else count
            st = proc_status(proc.pid)
            points.append({"ingested": done, "rss_kb": st["VmRSS"], "hwm_kb": st["VmHWM"],
                           "anon_kb": st["RssAnon"], "file_kb": st["RssFile"],
                           "elapsed": time.monotonic() - start})
            log("memory: %d filed, RSS %d KiB (%d KiB anonymous), peak %d KiB"
                % (done, st["VmRSS"], st["RssAnon"], st["VmHWM"]))
            save_result("memory", {"n": total, "points": points})
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        logf.close()
        keep_log(logf.name)
    shutil.rmtree(os.path.join(WORK, "stage"), ignore_errors=True)
    remove_db(db)


# ---- report ---------------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-")
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2 / 1048576}' /proc/meminfo")
    return {
        "nproc": sh("nproc"), "cpu": cpu, "ram": mem, "kernel": sh("uname -r"),
        "debian": sh("cat /etc/debian_version"),
        "dovecot": sh("dovecot --version"), "postfix": sh("postconf -d -h mail_version 2>/dev/null"),
        "mbsync": sh("mbsync --version"), "sqlite": sh("sqlite3 --version | cut -d' ' -f1"),
        "disk": sh("df -h --output=source,fstype %s | tail -1" % WORK) if WORK else "",
        "load": sh("cut -d' ' -f1-3 /proc/loadavg"),
    }


def fmt_s(s):
    return "%.2f s" % s if s >= 0.1 else "%.0f ms" % (s * 1000)


def spread(d):
    return "%s (%s–%s)" % (fmt_s(d["median"]), fmt_s(d["min"]), fmt_s(d["max"]))


def report():
    res = load_results()
    m = res.get("machine") or machine()
    L = []
    L.append("Machine: %s CPUs (%s), %s RAM, kernel %s, Debian %s; Dovecot %s, Postfix %s, %s, SQLite %s; "
             "load average at the start %s." % (m["nproc"], m["cpu"].strip(), m["ram"], m["kernel"], m["debian"],
                                                 m["dovecot"], m["postfix"], m["mbsync"], m["sqlite"],
                                                 m.get("load", "?")))
    L.append("")
    ingest = sorted((v for k, v in res.items() if k.startswith("ingest-")), key=lambda v: v["n"])
    if ingest:
        L.append("### Ingest: server floor, mbsync, breachd --once")
        L.append("")
        L.append("Median (min–max) of %d rounds; each run on a fresh copy of the same indexed mailbox."
                 % ingest[0]["rounds"])
        L.append("")
        L.append("| N | tool | wall time | msgs/s | peak RSS |")
        L.append("|---|---|---|---|---|")
        for v in ingest:
            n = v["n"]
            ff, fm, mb, bd = v["floor_fetch"], v["floor_move"], v["mbsync"], v["breachd"]
            floor = ff["seconds"]["median"] + fm["seconds"]["median"]
            L.append("| %d | floor: UID FETCH 1:* BODY.PEEK[] | %s | %.0f | – |"
                     % (n, spread(ff["seconds"]), n / ff["seconds"]["median"]))
            L.append("| %d | floor: UID MOVE, batches of 500 | %s | %.0f | – |"
                     % (n, spread(fm["seconds"]), n / fm["seconds"]["median"]))
            L.append("| %d | **floor (sum of medians)** | %s | %.0f | – |" % (n, fmt_s(floor), n / floor))
            L.append("| %d | mbsync (Sync Pull, durable defaults) | %s | %.0f | %.1f MiB |"
                     % (n, spread(mb["seconds"]), n / mb["seconds"]["median"], mb["rss_kb"]["median"] / 1024))
            L.append("| %d | **breachd --once**: fetch, parse, file, move, queue | %s | %.0f | %.1f MiB |"
                     % (n, spread(bd["seconds"]), n / bd["seconds"]["median"], bd["rss_kb"]["median"] / 1024))
            L.append("| %d | breachd --once including sending 500 queued mails | %s | – | – |"
                     % (n, spread(bd["wall"])))
        L.append("")
        L.append("| N | breachd / floor | mbsync / breachd | breachd CPU (user + sys) |")
        L.append("|---|---|---|---|")
        for v in ingest:
            n = v["n"]
            floor = v["floor_fetch"]["seconds"]["median"] + v["floor_move"]["seconds"]["median"]
            b = v["breachd"]["seconds"]["median"]
            cpu = v["breachd"]["user"]["median"] + v["breachd"]["sys"]["median"]
            L.append("| %d | %.1f× (target ≤ 2×) | %.2f× (target ≥ 2.5×) | %.2f s (%.2f ms a message) |"
                     % (n, b / floor, v["mbsync"]["seconds"]["median"] / b, cpu, cpu / n * 1000))
        L.append("")
    lat = res.get("latency")
    if lat and lat.get("received"):
        L.append("### Latency (daemon on IDLE, reports through Postfix)")
        L.append("")
        L.append("%d reports, one every %.2f s; %d acknowledgements arrived."
                 % (lat["n"], lat["interval"], lat["received"]))
        L.append("")
        L.append("| p50 | p90 | p99 | max | min | daemon RSS after |")
        L.append("|---|---|---|---|---|---|")
        L.append("| %s | %s | %s | %s | %s | %.1f MiB |" % (fmt_s(lat["p50"]), fmt_s(lat["p90"]), fmt_s(lat["p99"]),
                                                          fmt_s(lat["max"]), fmt_s(lat["min"]),
                                                          (lat["rss_kb"] or 0) / 1024))
        L.append("")
    reg = res.get("register")
    if reg:
        L.append("### Register of %d incidents" % reg["n"])
        L.append("")
        L.append("%d open (decision pending); %d message rows, %d outbox rows; database %.0f MB "
                 "(made in %.0f s)." % (reg["open"], reg["counts"]["messages"], reg["counts"]["outbox"],
                                        reg["db_bytes"] / 1e6, reg["made_seconds"]))
        L.append("")
        L.append("| what | median | min | max |")
        L.append("|---|---|---|---|")
        for name, t in reg["tick"].items():
            L.append("| %s | %.3f ms | %.3f ms | %.3f ms |" % (name, t["median_ms"], t["min_ms"], t["max_ms"]))
        for name, t in reg["list"].items():
            L.append("| `breachctl %s` (%d lines) | %s | %s | %s |" % (name, t["lines"], fmt_s(t["median"]),
                                                                      fmt_s(t["min"]), fmt_s(t["max"])))
        L.append("")
    st = res.get("stages")
    if st:
        total = sum(st[k + "_us"] for k, _, _ in STAGES)
        L.append("### CPU per message, stage by stage")
        L.append("")
        L.append("%d generated reports (%d filed), median of %d rounds, CPU time of one process "
                 "(`tests/bench/stages.c`, the library's own functions)." % (st["messages"], st["filed"], st["rounds"]))
        L.append("")
        L.append("| stage | process | what | µs a message | share |")
        L.append("|---|---|---|---|---|")
        for k, proc, what in STAGES:
            L.append("| %s | %s | %s | %.0f | %.0f %% |" % (k, proc, what, st[k + "_us"], 100 * st[k + "_us"] / total))
        for proc in ("worker", "daemon"):
            L.append("| **%s** | | | **%.0f** | |" % (proc, sum(st[k + "_us"] for k, p_, _ in STAGES if p_ == proc)))
        L.append("")
    mem = res.get("memory")
    if mem and mem.get("points"):
        L.append("### Memory of the daemon while %d reports arrive" % mem["n"])
        L.append("")
        L.append("| filed | RSS | of which anonymous | of which files (libraries) | peak RSS (VmHWM) | elapsed |")
        L.append("|---|---|---|---|---|---|")
        for p in mem["points"]:
            L.append("| %d | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %.0f s |"
                     % (p["ingested"], p["rss_kb"] / 1024, p["anon_kb"] / 1024, p["file_kb"] / 1024,
                        p["hwm_kb"] / 1024, p["elapsed"]))
        L.append("")
    text = "\n".join(L) + "\n"
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("run", "report"):
        sys.exit("usage: bench.py run|report")
    os.makedirs(OUT, exist_ok=True)
    if sys.argv[1] == "report":
        report()
        return
    os.makedirs(WORK, exist_ok=True)
    if os.path.exists(RESULTS):
        os.rename(RESULTS, RESULTS + ".old")
    save_result("machine", machine())
    save_result("settings", {k: v for k, v in ENV.items() if k.startswith("BENCH_")})
    parts = setting("BENCH_PARTS", "ingest stages latency register memory").split()
    for part in parts:
        t = time.monotonic()
        log("---- %s ----" % part)
        {"ingest": part_ingest, "latency": part_latency, "register": part_register,
         "memory": part_memory, "stages": part_stages}[part]()
        log("%s took %.0f s" % (part, time.monotonic() - t))
    report()


if __name__ == "__main__":
    main()
