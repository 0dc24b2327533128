#!/usr/bin/env bash
# Installs everything the tests need and runs them all: lint, migration and deployment checks,
# the whole suite on SQLite, then the same suite on PostgreSQL.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

apt_install chromium fonts-noto-cjk fonts-arphic-ukai gettext postgresql-client libpango-1.0-0 libpangoft2-1.0-0
ensure_venv "[test]"
export PATH="$VENV/bin:$PATH"
export BAOZHANG_CHROMIUM="${BAOZHANG_CHROMIUM:-/usr/bin/chromium}"
export BAOZHANG_DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$BAOZHANG_DATA_DIR"' EXIT

echo "== ruff"
ruff check .
ruff format --check .

echo "== import layers (.importlinter)"
lint-imports --no-cache

echo "== migrations are up to date"
env -u DATABASE_URL python manage.py makemigrations --check --dry-run

echo "== deployment checks with production settings"
BAOZHANG_HTTPS=1 BAOZHANG_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  BAOZHANG_ALLOWED_HOSTS=baozhang.example.org \
  python manage.py check --deploy --fail-level WARNING

# loadgroup: the tests of a module marked xdist_group(...) go to one worker, which makes the
# records they share once (tests/shared_records.py); the largest groups start first, and the other
# tests are handed out one by one, so that the two workers finish together.
PYTEST_ARGS=(-n 2 --dist loadgroup -q -p no:randomly "$@")

# Every test runs on both databases: PostgreSQL must answer (DATABASE_URL, or 127.0.0.1:5432). A test
# on a database of its own of one engine (pytest.mark.engine, conftest.py) runs in that engine's run.
if [ -z "${DATABASE_URL:-}" ]; then
  if ! python - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
except OSError:
    sys.exit(1)
PY
  then
    echo "PostgreSQL does not answer on 127.0.0.1:5432 and DATABASE_URL is not set; the tests run on SQLite and PostgreSQL both." >&2
    exit 1
  fi
  # pytest-django creates a fresh test_<name> database per worker and drops it afterwards.
  POSTGRES_URL="postgres://postgres@127.0.0.1:5432/baozhang_$(date +%s)_$$"
else
  POSTGRES_URL="$DATABASE_URL"
fi

echo "== tests on SQLite"
env -u DATABASE_URL pytest "${PYTEST_ARGS[@]}"

echo "== tests on PostgreSQL"
DATABASE_URL="$POSTGRES_URL" pytest "${PYTEST_ARGS[@]}" --create-db
