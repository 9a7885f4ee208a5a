"""Benchmark: what the metrics cost a proxy call. Prints the ratio with and without them.

    python -m bench.metrics [--users 10000] [--calls 20000] [--rounds 5]

The calls of bench/enforcement.py (the plugin's ``async_pre_call_hook`` as the proxy calls
it, over the grants of a large organisation), in rounds that alternate: with the metrics as
shipped (``litellm_bridge_calls_total`` counted for each call) and with the counter replaced by
one that does nothing. Alternating spreads the machine's noise over both. Also times a scrape
(the text of every metric, as ``/bridge/metrics`` renders it, the outbox's figures aside:
those are a database read).

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty directory) it measures the multiprocess mode
that several proxy workers use (each count written to a memory-mapped file).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import random
import statistics
import time

from litellm.proxy._types import UserAPIKeyAuth, hash_token

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.proxy import plugin as plugin_module
from litellm_bridge_plugin.proxy.plugin import BridgePlugin
from litellm_bridge_plugin.settings import load_settings

from .enforcement import CATALOG, SERVICE_KEY, build_state, call


def _nothing(outcome: str) -> None:
    return None


async def main_async(users: int, calls: int, rounds: int) -> None:
    rng = random.Random(7)
    settings = load_settings(
        litellm_database_url="postgresql://bench@127.0.0.1/none",
        openwebui_database_url="postgresql://bench@127.0.0.1/none",
        openwebui_service_key=SERVICE_KEY,
    )
    plugin = BridgePlugin(settings, start=False)
    for handler in logging.getLogger("litellm_bridge").handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (for the whole run)
    plugin.enforcer.load(build_state(users, rng))
    auth = UserAPIKeyAuth(api_key=hash_token(SERVICE_KEY), user_id="svc")
    pairs = [
        (f"user-{rng.randrange(users)}@example.test", rng.choice(CATALOG)) for _ in range(calls)
    ]
    for email, model in pairs:  # warm: every (user, model) pair seen once
        await call(plugin, auth, email, model)
    # the build's garbage collected now and the survivors frozen, so that a full collection
    # (about a second over 10,000 people's grants) does not land in whichever round runs next
    gc.collect()
    gc.freeze()
    shipped = metrics.count_call
    mode = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    print(f"metrics {'multiprocess (' + mode + ')' if mode else 'of this process'}", flush=True)
    took: dict[str, list[float]] = {"with": [], "without": []}
    for round_ in range(rounds):  # which goes first alternates too
        for kind in ("with", "without") if round_ % 2 == 0 else ("without", "with"):
            plugin_module.metrics.count_call = shipped if kind == "with" else _nothing
            took[kind] += [await call(plugin, auth, email, model) for email, model in pairs]
    plugin_module.metrics.count_call = shipped
    for kind, values in took.items():
        values.sort()
        print(
            f"calls {kind} the metrics: p50 {statistics.median(values):.1f} us, "
            f"p99 {values[int(0.99 * (len(values) - 1))]:.1f} us, "
            f"p99.9 {values[int(0.999 * (len(values) - 1))]:.1f} us, max {values[-1]:,.0f} us, "
            f"mean {statistics.fmean(values):.1f} us (n={len(values)})"
        )
    ratio = statistics.median(took["with"]) / statistics.median(took["without"])
    mean = statistics.fmean(took["with"]) / statistics.fmean(took["without"])
    print(f"with / without: p50 {ratio:.3f}, mean {mean:.3f}")
    started = time.perf_counter()
    for _ in range(100):
        body, _ = metrics.exposition()
    print(
        f"a scrape's text ({len(body):,} bytes): "
        f"{(time.perf_counter() - started) * 10:.2f} ms each (100 scrapes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main_async(args.users, args.calls, args.rounds))


if __name__ == "__main__":
    main()
