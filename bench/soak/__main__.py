"""The soak: everything at once, for a long time, with things failing (issue 25).

    python -m bench.soak --minutes N [--fault-every S]

Starts the stack (stack.py: two proxies with LiteLLM's database, the worker, the triggers,
Redis and Open WebUI's PostgreSQL of its own, the real Open WebUI), runs the load
(load.py) and the faults (faults.py) for N minutes, stops them, waits one sweep interval and
checks: the bridge plans nothing more (LiteLLM and Open WebUI agree), no duplicate accounts,
no change lost, each change's latency (p50, p99, max; outside and inside fault windows),
hostile calls served (must be 0), allowed calls refused outside fault windows (must be 0),
each process's memory at the start and the end, the audit's results, no secret in any log.
Exits 1 on any loss, duplicate, hostile call served or secret found.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from .faults import Faults
from .load import Load
from .stack import MASTER_KEY, SERVICE_KEY, Stack

RATES = {"management": 2.0, "sql": 1.0, "calls": 10.0, "sign_ins": 0.5, "arrivals": 10.0}


def _rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _memory(stack: Stack) -> dict[str, float]:
    return {name: _rss_mb(p.pid) for name, p in stack.processes.items()}


def _ms(values: list[float]) -> str:
    if not values:
        return "none"
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return (
        f"p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="the soak: load and faults at once")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--fault-every", type=float, default=20.0, help="seconds between faults")
    parser.add_argument("--port", type=int, default=8460, help="first of five ports")
    args = parser.parse_args()
    print(
        f"soak: {args.minutes} minutes; rates per second {RATES}; a fault every "
        f"{args.fault_every:.0f} s",
        flush=True,
    )
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        stack = Stack(Path(tmp), args.port)
        load: Load | None = None
        try:
            stack.up()
            load = Load(stack, RATES)
            load.prepare()
            print("soak: stack up, load starting", flush=True)
            time.sleep(10)  # warm-up
            memory_start = _memory(stack)
            faults = Faults(stack, args.fault_every)
            load.start()
            faults.start()
            time.sleep(args.minutes * 60)
            faults.stop()
            load.stop()
            print("soak: load stopped; waiting one sweep interval", flush=True)
            time.sleep(35)
            memory_end = _memory(stack)
            failures += _check(stack, load, faults, memory_start, memory_end)
        finally:
            try:
                stack.down()
            finally:
                failures += _secrets_in_logs(Path(tmp), load)
    for failure in failures:
        print(f"soak: FAILED: {failure}")
    print("soak: passed" if not failures else f"soak: {len(failures)} failure(s)")
    return 1 if failures else 0


def _secrets_in_logs(directory: Path, load: Load | None) -> list[str]:
    """Every log of the soak's processes, searched for the keys and the passwords it used."""
    logs = "".join(p.read_text(errors="replace") for p in directory.rglob("*.log") if p.is_file())
    secrets = [MASTER_KEY, SERVICE_KEY, *(p.password for p in (load.stable if load else []))]
    return [f"a secret is in the logs: {s[:6]}..." for s in secrets if s in logs]


def _check(
    stack: Stack,
    load: Load,
    faults: Faults,
    memory_start: dict[str, float],
    memory_end: dict[str, float],
) -> list[str]:
    failures: list[str] = []
    record = load.record
    windows = faults.windows
    plan = stack.cli("sync", "--dry-run", "--json")
    planned = json.loads(plan.stdout)["summary"]["planned"] if plan.returncode == 0 else -1
    print(
        f"soak: the bridge plans {planned} change(s) after the soak "
        "(0: LiteLLM and Open WebUI agree)"
    )
    if planned != 0:
        failures.append(
            f"LiteLLM and Open WebUI differ: {planned} change(s) planned\n{plan.stdout[:2000]}"
        )
    with psycopg.connect(stack.openwebui_url, autocommit=True) as owui:
        duplicates = owui.execute(
            'SELECT lower(btrim(email)), count(*) FROM "user" GROUP BY 1 HAVING count(*) > 1'
        ).fetchall()
    print(f"soak: duplicate Open WebUI accounts: {len(duplicates)}")
    if duplicates:
        failures.append(f"duplicate accounts: {duplicates[:5]}")
    print(
        f"soak: changes that reached Open WebUI: {len(record.arrivals)}; lost: {len(record.lost)}"
    )
    if record.lost:
        failures.append(f"changes lost: {record.lost[:5]}")
    calm = [s for at, s in record.arrivals if not windows.inside(at)]
    stormy = [s for at, s in record.arrivals if windows.inside(at)]
    print(f"soak: change -> Open WebUI row, outside faults: {_ms(calm)}")
    print(f"soak: change -> Open WebUI row, during faults:  {_ms(stormy)}")
    hostile_served = [c for c in record.calls if c[1].startswith("hostile") and c[2] == 200]
    refused = [c for c in record.calls if c[1] == "allowed" and c[2] != 200]
    refused_calm = [c for c in refused if not windows.inside(c[0])]
    kinds: dict[str, int] = {}
    for _, kind, _, _ in record.calls:
        kinds[kind] = kinds.get(kind, 0) + 1
    print(
        f"soak: calls {len(record.calls)} {kinds}; hostile served {len(hostile_served)}; "
        f"allowed refused {len(refused)} ({len(refused_calm)} outside fault windows)"
    )
    if hostile_served:
        failures.append(f"hostile calls served: {hostile_served[:5]}")
    if refused_calm:
        failures.append(f"allowed calls refused outside faults: {refused_calm[:5]}")
    sign_ins = [s for at, s in record.sign_ins if not windows.inside(at)]
    print(
        f"soak: Open WebUI sign-ins outside faults: {len(sign_ins)}, "
        f"refused {sum(s != 200 for s in sign_ins)}"
    )
    statuses: dict[str, int] = {}
    for _, path, status in record.management:
        statuses[f"{path} {status}"] = statuses.get(f"{path} {status}", 0) + 1
    print(f"soak: management calls {statuses}; SQL changes {record.sql_changes}")
    print(f"soak: faults {[name for name, _, _ in windows.spans]}")
    for name in memory_end:
        print(
            f"soak: memory {name}: {memory_start.get(name, 0):.0f} MB -> {memory_end[name]:.0f} MB "
            f"(started {stack.processes[name].starts} time(s))"
        )
    with psycopg.connect(stack.litellm_url, autocommit=True) as litellm:
        audit = litellm.execute(
            "SELECT operation, result, count(*) FROM litellm_bridge.sync_audit "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    print(f"soak: audit rows by operation and result: {audit}")
    return failures


if __name__ == "__main__":
    raise SystemExit(main())
