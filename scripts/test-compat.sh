#!/usr/bin/env bash
# The LiteLLM matrix: for each release (default: the oldest and newest supported), a cached
# virtualenv with that LiteLLM and the plugin installed beside it, then the proxy-level tests
# (plugin loads, routes tapped, grants enforced, budgets, attribution), the unit tests and the
# packaging checks, run on that release. Usage: scripts/test-compat.sh [VERSION ...]
# Results go into README "Compatibility"; the default `make test` covers the pinned release.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${BRIDGE_COMPAT_CACHE:-$HOME/.cache/litellm-bridge/compat}
python=${PYTHON:-python3}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(1.77.3 1.108.7)
tests=(
  tests/unit
  tests/packaging
  tests/integration/test_proxy.py
  tests/integration/test_enforcement.py
  tests/integration/test_enforcement_proxy.py
  tests/integration/test_enforcement_trust.py
  tests/integration/test_service_key.py
  tests/integration/test_catalog.py
  tests/integration/test_access_scenario.py
)

scripts/ensure-postgres.sh
scripts/ensure-redis.sh
status=0
for version in "${versions[@]}"; do
  venv="$cache/litellm-$version"
  stamp="$venv/.bridge-installed"
  want=$(cat pyproject.toml constraints.txt <(echo "$version") | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "test-compat: installing LiteLLM $version into $venv (a few minutes)..." >&2
    mkdir -p "$cache"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    log=$(mktemp)
    # LiteLLM first, as an operator's proxy image has it; then the plugin beside it, with the
    # test tools pinned as in the default run (LiteLLM's own pin left out).
    if ! { "$venv/bin/pip" install --upgrade pip \
           && "$venv/bin/pip" install "litellm[proxy]==$version" \
           && "$venv/bin/pip" install -c <(grep -v '^litellm==' constraints.txt) -e '.[test]'; } \
         >"$log" 2>&1; then
      grep -v "is ignored: it is neither" "$log" | tail -30 >&2
      echo "test-compat: install failed for LiteLLM $version (log: $log)" >&2
      exit 2
    fi
    rm -f "$log"
    echo "$want" >"$stamp"
  fi
  installed=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("litellm"))')
  if [ "$installed" != "$version" ]; then
    echo "test-compat: installing the plugin replaced LiteLLM $version with $installed" >&2
    exit 1
  fi
  echo "test-compat: LiteLLM $version" >&2
  if ! "$venv/bin/python" -m pytest -q -p no:warnings "${tests[@]}"; then
    echo "test-compat: FAILED on LiteLLM $version" >&2
    status=1
  fi
done
exit $status
