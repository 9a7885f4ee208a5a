#!/usr/bin/env bash
# LiteLLM with its own database (devtools/litellm_db.py, test and demo infrastructure): Node.js
# and npm from Debian's packages when missing, the Prisma engine stand-in's npm packages at the
# exact versions of its lockfile, and LiteLLM's Prisma client generated in the project's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "ensure-node: installing Node.js and npm from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
VENV=${BRIDGE_VENV:-.venv}
"$VENV/bin/python" -c 'from devtools import litellm_db; litellm_db.ensure_client()'
