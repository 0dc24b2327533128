#!/usr/bin/env bash
# Installs Baozhang into .venv and starts the demo on SQLite: http://127.0.0.1:8000
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
ensure_venv ""
exec "$VENV/bin/baozhang" demo "$@"
