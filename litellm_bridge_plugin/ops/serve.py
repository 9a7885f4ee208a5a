"""``litellm-bridge worker --metrics-port N``: the worker's ``/metrics`` (Prometheus's text
format) and ``/health`` (the readiness answer, engine/health.py) on a port of its own, in a
thread (the worker has no web server of its own, as the proxy has)."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.engine import health
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")


def serve(settings: Settings, port: int, host: str, sweeps: bool) -> ThreadingHTTPServer:
    """Start answering on ``host:port``; :meth:`shutdown` the server returned to stop."""
    started = time.time()
    collector = health.OutboxCollector(settings)
    answers = health.Recent(lambda: health.assess(settings, started, sweeps).answer())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                body, content_type = metrics.exposition(collector)
            elif path == "/health":
                body, content_type = json.dumps(answers.get()).encode(), "application/json"
            else:
                self.send_error(404, "litellm-bridge worker: /metrics and /health only")
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # a scrape every few seconds is not news

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # socketserver's 5 drops a burst of scrapes and probes

    server = Server((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="bridge-metrics", daemon=True).start()
    log.info("litellm-bridge: metrics on http://%s:%d/metrics, health on /health", host, port)
    return server
