#!/usr/bin/env bash
# The kill test of tests/stress/kill_test.sh, bounded for make check: 60
# messages, kill -9 at 8 random moments while the daemon ingests and sends;
# every report filed exactly once, no outbox row lost.  `make stress` runs
# it at full size (500 messages, 50 kills).
export KILL_MESSAGES=${KILL_MESSAGES:-60} KILL_COUNT=${KILL_COUNT:-8}
exec bash "$(dirname "$0")/../stress/kill_test.sh"
