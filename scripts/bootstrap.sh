# Sourced by the other scripts: make .venv (Python 3.11) and install newsdesk into it, every
# package pinned by requirements/lock.txt (scripts/lock.sh writes it). EXTRAS selects optional
# dependency groups, e.g. EXTRAS=test. The install is skipped while the lock, pyproject.toml,
# setup.py, the C sources and the extras are those of the last install into this .venv, so a restart starts at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
spec="."
if [ -n "${EXTRAS:-}" ]; then spec=".[${EXTRAS}]"; fi
stamp=.venv/newsdesk-installed
inputs="$(cat requirements/lock.txt pyproject.toml setup.py newsdesk/text/*.c | sha256sum | cut -d' ' -f1)"
# One stamp line per install of these inputs; a plain install is covered by any install with extras.
if [ -z "${EXTRAS:-}" ] && grep -q "^$inputs " "$stamp" 2>/dev/null; then
  :
elif grep -qxF "$inputs $spec" "$stamp" 2>/dev/null; then
  :
else
  .venv/bin/python -m pip install --quiet --constraint requirements/lock.txt --editable "$spec"
  grep -s "^$inputs " "$stamp" >"$stamp.new" || true
  echo "$inputs $spec" >>"$stamp.new"
  mv "$stamp.new" "$stamp"
fi
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
export PATH="$PWD/.venv/bin:$PATH"
