#!/usr/bin/env bash
# Write requirements/lock.txt: every package newsdesk and its test extra install, pinned, as
# resolved by uv for Python 3.11 on Linux. Run it after changing dependencies in pyproject.toml
# (tests/test_lock.py fails until then); it keeps the pins it can, so pass --upgrade-package NAME
# (or --upgrade) to move one on on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
[ -x "$uv" ] || uv=uv
"$uv" pip compile pyproject.toml --extra test --python-version 3.11 --python-platform linux \
  --quiet --output-file requirements/lock.txt "$@"
