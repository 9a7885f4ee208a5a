#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the browser test (tests/e2e/test_browser.py).
# Reused when present. Usage: scripts/install-chromium.sh
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-chromium: installing Debian's chromium and chromium-driver..." >&2
log=$(mktemp)
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
       chromium chromium-driver; } >"$log" 2>&1; then
  tail -30 "$log" >&2
  echo "install-chromium: failed (log: $log)" >&2
  exit 2
fi
rm -f "$log"
