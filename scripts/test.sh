#!/usr/bin/env bash
# Install newsdesk with its test dependencies and run lint + the whole test suite.
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
exec python -m pytest -q -p no:cacheprovider "$@"
