# Sourced by the other scripts: make .venv (Python 3.11) and install newsdesk into it.
# EXTRAS selects optional dependency groups, e.g. EXTRAS=test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
spec="."
if [ -n "${EXTRAS:-}" ]; then spec=".[${EXTRAS}]"; fi
.venv/bin/python -m pip install --quiet --editable "$spec"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PATH="$PWD/.venv/bin:$PATH"
