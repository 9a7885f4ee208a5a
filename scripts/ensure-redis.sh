#!/usr/bin/env bash
# Make sure a Redis answers at 127.0.0.1:6379 (the proxy tests share rate-limit state through
# it, as LiteLLM does across instances). Installed from Debian's packages when missing.
set -euo pipefail
ready() { python3 - <<'PY' 2>/dev/null
import socket
with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
    s.sendall(b"PING\r\n")
    assert s.recv(16).startswith(b"+PONG")
PY
}
ready && exit 0
if ! command -v redis-server >/dev/null; then
  echo "ensure-redis: installing Redis from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "ensure-redis: Redis did not come up at 127.0.0.1:6379" >&2
exit 2
