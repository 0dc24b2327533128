#!/usr/bin/env bash
# Installs what the benchmarks need (wrk drives the API load) and runs bench/run.py with the
# arguments given, e.g. scripts/bench.sh --databases sqlite --findings 100000
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

apt_install wrk postgresql-client
ensure_venv "[test]"
exec "$VENV/bin/python" bench/run.py "$@"
