#!/usr/bin/env bash
# test_orgs_pg.sh -- test_orgs.sh on a PostgreSQL register: the same suite,
# the register a schema of a private PostgreSQL 15 (E2E_REGISTER=postgresql,
# tests/lib/e2e.sh and tests/lib/pg.sh).
E2E_REGISTER=postgresql exec bash "$(dirname "${BASH_SOURCE[0]}")/test_orgs.sh" "$@"
