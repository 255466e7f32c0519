# daemon.sh -- helpers for end-to-end tests that run breachd as a daemon
# (source after servers.sh, or source tests/lib/e2e.sh, which sources both):
#   log_has LOG REGEX          the log has a matching line (quiet if no log yet)
#   count_in LOG REGEX         how many lines match
#   count_at_least LOG REGEX N at least N lines match
#   mkreport FILE ID SUBJECT [FROM]   a plain report form from a staff address
#   refs_of CONF               the references breachctl lists, sorted, one a line
#   gone PID                   the process has ended
# BREACHCTL names the breachctl to use (default build/testing/breachctl).
BREACHCTL=${BREACHCTL:-build/testing/breachctl}

log_has() { grep -Eqs "$2" "$1"; }
count_in() { grep -Ecs "$2" "$1"; }
count_at_least() { (($(count_in "$1" "$2") >= $3)); }
gone() { ! kill -0 "$1" 2>/dev/null; }

mkreport() {
        cat >"$1" <<MAIL
From: Test Reporter <${4:-reporter@example.test}>
To: breach@example.test
Subject: $3
Date: $(date -R)
Message-ID: <$2@example.test>

Name of person making the report: Test Reporter
Directorate: Corporate Services
What happened: $3
Date of incident: today
MAIL
}

refs_of() {
        "$BREACHCTL" -c "$1" list 2>/dev/null | grep -Eo 'DB[0-9]{7}' | sort
}
