"""The soak: everything at once, for a long time, with things failing (issue 25).

    python -m bench.soak --minutes N [--fault-every S] [--openwebui postgresql|sqlite]

Starts the stack (stack.py: two proxies with LiteLLM's database, the worker, the triggers,
Redis, the real Open WebUI on a PostgreSQL server of the soak's own or on its SQLite file),
runs the load (load.py) and the faults (faults.py) for N minutes while measure.py samples
each process's memory and connections, stops them, waits one sweep interval and checks
(checks.py): the bridge plans nothing more and, independently, accounts, deactivations, team
members and listed models agree with LiteLLM; no duplicate accounts; no change lost; each
change's latency from its commit in LiteLLM to its Open WebUI row (outside and inside fault
windows); hostile calls served 0; allowed calls refused outside fault windows 0; memory and
connections after warm-up; audit rows consistent with what was applied; no secret in any
log. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import checks
from .faults import Faults
from .load import Load
from .measure import Sampler
from .stack import MASTER_KEY, SERVICE_KEY, SWEEP_SECONDS, Stack

RATES = {"management": 2.0, "sql": 1.0, "calls": 10.0, "sign_ins": 0.5}


def main() -> int:
    parser = argparse.ArgumentParser(description="the soak: load and faults at once")
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--fault-every", type=float, default=20.0, help="seconds between faults")
    parser.add_argument("--port", type=int, default=8460, help="first of five ports")
    parser.add_argument("--openwebui", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    # Ctrl-C and a polite kill both stop the stack it started, even when started with SIGINT
    # ignored (a background job); only kill -9 leaves it behind.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.minutes <= 0 or args.fault_every <= 0:
        parser.error("--minutes and --fault-every must be more than 0")
    print(
        f"soak: {args.minutes} minutes, Open WebUI on {args.openwebui}; rates per second "
        f"{RATES}; a fault every {args.fault_every:.0f} s; sweep every {SWEEP_SECONDS} s",
        flush=True,
    )
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        stack = Stack(Path(tmp), args.port, args.openwebui)
        load: Load | None = None
        try:
            stack.up()
            load = Load(stack, RATES)
            load.prepare()
            print("soak: stack up, load starting", flush=True)
            sampler = Sampler(stack)
            sampler.tick()
            faults = Faults(stack, args.fault_every)
            began = time.time()
            load.start()
            sampler.start()
            faults.start()
            time.sleep(args.minutes * 60)
            faults.stop()
            load.stop()
            print("soak: load stopped; waiting one sweep interval", flush=True)
            time.sleep(SWEEP_SECONDS + 5)
            sampler.stop()
            failures += checks.state(stack, load)
            failures += checks.latency(stack, faults.windows)
            failures += checks.calls(load.record, faults.windows)
            failures += checks.resources(sampler.samples, began, args.minutes)
            failures += checks.audit(stack)
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


if __name__ == "__main__":
    raise SystemExit(main())
