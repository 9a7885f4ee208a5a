"""Benchmark: what the management-route tap adds to a proxy request. Prints percentiles.

    python -m bench.interception [--requests 20000]

Drives an ASGI app that answers like LiteLLM's /user/new (a ~1 KB JSON body) directly and
through ManagementTap, interleaved, with a submit that queues into a real BridgeWorker's
in-memory queue (its thread not started). Also times a chat path, which the tap only looks up
and passes through. Target (issue #3): added p99 under 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from litellm_bridge_plugin.capture.tap import ManagementTap
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.settings import load_settings

RESPONSE = json.dumps(
    {
        "user_id": "u-123",
        "key": "sk-" + "x" * 40,
        "models": [],
        "metadata": {"k": "v" * 600},
        "teams": ["t1", "t2"],
    }
).encode()
REQUEST = json.dumps(
    {
        "user_email": "a@x.com",
        "teams": ["t1", "t2"],
        "user_role": "internal_user",
        "models": ["gpt-4"],
    }
).encode()


async def app(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": RESPONSE, "more_body": False})


async def one(handler: Any, path: str) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": REQUEST, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    started = time.perf_counter()
    await handler({"type": "http", "path": path, "method": "POST"}, receive, send)
    return (time.perf_counter() - started) * 1e6


async def run(requests: int) -> None:
    worker = BridgeWorker(
        load_settings(
            litellm_database_url="postgresql://x@127.0.0.1/x",
            openwebui_database_url="postgresql://x@127.0.0.1/y",
        )
    )
    tap = ManagementTap(app, worker.submit)
    for path in ("/user/new", "/v1/chat/completions"):
        direct, tapped = [], []
        for _ in range(requests):
            direct.append(await one(app, path))
            tapped.append(await one(tap, path))
        d, t = statistics.quantiles(direct, n=100), statistics.quantiles(tapped, n=100)
        print(
            f"{path:<22} direct p50 {d[49]:6.1f}us p99 {d[98]:6.1f}us | through tap "
            f"p50 {t[49]:6.1f}us p99 {t[98]:6.1f}us | added p99 {t[98] - d[98]:6.1f}us"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="management-route tap overhead")
    parser.add_argument("--requests", type=int, default=20000)
    asyncio.run(run(parser.parse_args().requests))


if __name__ == "__main__":
    main()
