#!/usr/bin/env bash
# Install a real Open WebUI release into a cached virtualenv outside the repository, for the
# end-to-end tests. Reused when present. Usage: scripts/install-openwebui.sh 0.12.4
# Prints the venv's path on its last line.
set -euo pipefail
version=${1:?usage: install-openwebui.sh VERSION}
cache=${BRIDGE_OPENWEBUI_CACHE:-$HOME/.cache/litellm-bridge}
venv="$cache/owui-$version"
python=${PYTHON:-python3}

if [ -x "$venv/bin/open-webui" ] && "$venv/bin/python" -c 'import open_webui, psycopg2' 2>/dev/null; then
  echo "$venv"
  exit 0
fi
echo "install-openwebui: installing Open WebUI $version into $venv (about 3 GB, ~5 minutes)..." >&2
mkdir -p "$cache"
rm -rf "$venv"
"$python" -m venv "$venv"
log=$(mktemp)
# A CPU build of torch first: otherwise pip resolves a multi-gigabyte CUDA build.
torch_wheel=$(ls /opt/wheels/torch-2.13.0+cpu-*.whl 2>/dev/null | head -1 || true)
extra=()
[ "$version" = "0.6.30" ] && extra=(itsdangerous)
if ! { "$venv/bin/pip" install --upgrade pip \
       && "$venv/bin/pip" install "${torch_wheel:-torch==2.13.0}" \
       && "$venv/bin/pip" install "open-webui==$version" psycopg2-binary "${extra[@]}"; } >"$log" 2>&1; then
  grep -v "is ignored: it is neither" "$log" | tail -30 >&2
  echo "install-openwebui: failed (log: $log)" >&2
  rm -rf "$venv"
  exit 2
fi
rm -f "$log"
echo "$venv"
