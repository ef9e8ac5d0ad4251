#!/usr/bin/env bash
# Install newsdesk with its test dependencies and run lint + the whole test suite (arguments:
# passed to one plain pytest run instead, e.g. bash scripts/test.sh tests/test_lock.py).
# PostgreSQL: NEWSDESK_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
# with CI=true an unreachable server fails the run instead of skipping its tests.
EXTRAS=test
source "$(dirname "$0")/bootstrap.sh"
# Browser tests drive Debian's Chromium (Playwright cannot download a browser here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
  else
    echo "chromium is missing: install it (apt-get install chromium) or the browser tests fail under CI=true" >&2
  fi
fi
ruff check .
ruff format --check .
mypy  # scope and the modules still exempt: [tool.mypy] in pyproject.toml
if [ "$#" -gt 0 ]; then
  exec python -m pytest -q -p no:cacheprovider "$@"
fi
# The whole suite in two runs: everything but the scale-out cluster spread over the cores
# (pytest-xdist, one process per core, each with its own Prefect test server; a file's tests stay
# together in one process, in order, with its module fixtures built once), then the cluster
# tests alone, whose crash and slot-return bounds must not compete with other tests for CPU.
status=0
python -m pytest -q -p no:cacheprovider -n "${NEWSDESK_TEST_WORKERS:-auto}" --dist loadfile \
  -m "not cluster" || status=$?
python -m pytest -q -p no:cacheprovider -m cluster || status=$?
exit "$status"
