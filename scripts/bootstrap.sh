#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv with the pinned dependencies.
# Exact versions from constraints.txt (pyproject.toml gives the plugin's ranges). Reinstalls only
# when either changed. Usage: scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${BRIDGE_VENV:-.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1))" >&2
  exit 2
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

stamp="$VENV/.bridge-installed"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing dependencies into $VENV (first run takes a few minutes)..."
  log=$(mktemp)
  if ! { "$VENV/bin/pip" install --upgrade pip && "$VENV/bin/pip" install -c constraints.txt -e '.[test,sso-test]'; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" | tail -30 >&2
    echo "bootstrap: pip install failed (full log: $log)" >&2
    exit 2
  fi
  rm -f "$log"
  echo "$want" >"$stamp"
fi
