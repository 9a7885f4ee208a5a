"""The soak's end checks, each printing its figures and returning its failures (an empty list
when it holds). Read from the databases and the processes, not from what the load believed."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg

from devtools.openwebui_server import OpenWebUI

from .faults import OPENWEBUI_DB_FAULT, Windows
from .load import Load, Record
from .measure import Sample
from .stack import WITNESSES, Stack

GROWTH = 0.10
"""The most a process of the bridge's may grow after warm-up: its memory, and the bridge's own
database connections in it (by at least 1). LiteLLM's own connections (Prisma's pool, Redis)
open lazily up to LiteLLM's limits as the load moves: reported, not judged."""

STATES = ("member", "removed", "deleted")
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_SQL = Path(__file__).with_name("sql") / "checks.sql"


def _queries() -> dict[str, str]:
    parts = _NAME.split(_SQL.read_text())
    return {name: text.strip() for name, text in zip(parts[1::2], parts[2::2], strict=True)}


QUERIES = _queries()


def _litellm(stack: Stack, name: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.litellm_url, autocommit=True) as conn:
        return list(conn.execute(QUERIES[name]).fetchall())


def _ms(values: list[float]) -> str:
    if not values:
        return "none"
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return (
        f"p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"
    )


def state(stack: Stack, load: Load) -> list[str]:
    """LiteLLM and Open WebUI agree: the bridge's own plan, and independently of it accounts,
    deactivations, team members and the models Open WebUI lists to people."""
    failures: list[str] = []
    plan = stack.cli("sync", "--dry-run", "--json")
    planned = json.loads(plan.stdout)["summary"]["planned"] if plan.returncode == 0 else -1
    print(f"soak: the bridge plans {planned} change(s) (0: LiteLLM and Open WebUI agree)")
    if planned != 0:
        failures.append(f"LiteLLM and Open WebUI differ: {planned} planned\n{plan.stdout[:2000]}")
    duplicates = stack.openwebui_rows(QUERIES["duplicates"])
    print(f"soak: duplicate Open WebUI accounts: {len(duplicates)}")
    if duplicates:
        failures.append(f"duplicate accounts: {duplicates[:5]}")
    active = {email: bool(on) for email, on in stack.openwebui_rows(QUERIES["accounts"])}
    people = {email for _, email, _, alive in _litellm(stack, "committed") if alive}
    inactive = sorted(e for e in people if e in active and not active[e])
    deleted = [email for (email,) in _litellm(stack, "deleted")]
    signing_in = sorted(e for e in deleted if active.get(e))
    print(
        f"soak: LiteLLM's people {len(people)}, inactive in Open WebUI {len(inactive)}; "
        f"deleted {len(deleted)}, still able to sign in {len(signing_in)}"
    )
    if inactive:
        failures.append(f"LiteLLM's people who cannot sign in to Open WebUI: {inactive[:5]}")
    if signing_in:
        failures.append(f"deleted people who can still sign in: {signing_in[:5]}")
    failures += _members(stack, load.record)
    failures += _models(stack, load)
    return failures


def _members(stack: Stack, record: Record) -> list[str]:
    """Each team's member in its group while a member, out of it once removed; a deleted
    team's group gone."""
    links = {(kind, litellm_id): owui for kind, litellm_id, owui, _, _ in _litellm(stack, "links")}
    members = set(stack.openwebui_rows(QUERIES["group_members"]))
    groups = {name for (name,) in stack.openwebui_rows('SELECT name FROM "group"')}
    wrong = []
    for team in record.teams:
        pair = (links.get(("team", team.team_id)), links.get(("user", team.member)))
        if team.state == "deleted":
            wrong += [team] if team.alias in groups else []
        elif (pair in members) != (team.state == "member"):
            wrong.append(team)
    states = {state: sum(t.state == state for t in record.teams) for state in STATES}
    print(f"soak: teams {states}; not as LiteLLM has them in Open WebUI {len(wrong)}")
    return [f"teams not as LiteLLM has them: {wrong[:5]}"] if wrong else []


def _models(stack: Stack, load: Load) -> list[str]:
    server = OpenWebUI(stack.openwebui_port)
    seen = {}
    for person in load.stable[:3]:
        status, answer = server.sign_in(person.email, person.password)
        seen[person.email] = server.model_ids(answer["token"]) if status == 200 else status
    print(f"soak: models Open WebUI lists (granted gpt-4 only): {seen}")
    wrong = {email: ids for email, ids in seen.items() if ids != {"gpt-4"}}
    return [f"Open WebUI lists other models: {wrong}"] if wrong else []


def latency(stack: Stack, windows: Windows) -> list[str]:
    """From each user row's commit in LiteLLM to its account row in Open WebUI (both clock
    times written by the soak's witness triggers); a row still missing at the end, one sweep
    interval after the load stopped, is lost."""
    committed = _litellm(stack, "committed")
    arrived = {
        email: at
        for email, at in stack.openwebui_rows(f"SELECT email, at FROM {stack.arrived_table}")
    }
    seconds: dict[tuple[str, bool], list[float]] = defaultdict(list)
    lost = []
    for _, email, at, alive in committed:
        if email in arrived:
            way = "by SQL" if email.startswith("s-") else "by the API"
            stormy = windows.inside(at, arrived[email])  # on its way while a fault lasted
            seconds[(way, stormy)].append(max(0.0, arrived[email] - at))
        elif alive:
            lost.append(email)
    print(
        f"soak: changes (users made) {len(committed)}; reached Open WebUI "
        f"{sum(map(len, seconds.values()))}; lost {len(lost)}"
    )
    for way in ("by the API", "by SQL"):
        for stormy in (False, True):
            print(
                f"soak: commit in LiteLLM -> Open WebUI row, {way}, "
                f"{'during' if stormy else 'outside'} faults: {_ms(seconds[(way, stormy)])}"
            )
    return [f"changes lost: {lost[:5]}"] if lost else []


def calls(record: Record, windows: Windows) -> list[str]:
    failures: list[str] = []
    hostile_served = [c for c in record.calls if c[1].startswith("hostile") and c[2] == 200]
    refused = [c for c in record.calls if c[1] == "allowed" and c[2] != 200]
    refused_calm = [c for c in refused if not windows.inside(c[0])]
    kinds: dict[str, int] = defaultdict(int)
    for _, kind, _, _ in record.calls:
        kinds[kind] += 1
    print(
        f"soak: calls {len(record.calls)} {dict(kinds)}; hostile served {len(hostile_served)}; "
        f"allowed refused {len(refused)} ({len(refused_calm)} outside fault windows)"
    )
    if hostile_served:
        failures.append(f"hostile calls served: {hostile_served[:5]}")
    if refused_calm:
        failures.append(f"allowed calls refused outside faults: {refused_calm[:5]}")
    sign_ins = [(at, s) for at, s in record.sign_ins if not windows.inside(at)]
    turned_away = [(at, s) for at, s in sign_ins if s != 200]
    # Open WebUI's own recovery: after its database restarts, its pool hands out dead
    # connections for a while and sign-ins answer 503 "temporarily unavailable"
    # (the hour's run saw them up to minutes after: a stale connection is found when used)
    recovering = [
        s for at, s in turned_away if s == 503 and windows.after(at, OPENWEBUI_DB_FAULT, 3600)
    ]
    print(
        f"soak: Open WebUI sign-ins {len(record.sign_ins)}, outside faults {len(sign_ins)}, "
        f"refused outside faults {len(turned_away)} ({len(recovering)} Open WebUI's own 503 after "
        "its database restarted: its connection pool's recovery)"
    )
    if len(turned_away) > len(recovering):
        failures.append(f"sign-ins refused outside faults: {turned_away[:5]}")
    statuses: dict[str, int] = defaultdict(int)
    for _, path, status in record.management:
        statuses[f"{path} {status}"] += 1
    print(f"soak: management calls {dict(statuses)}; SQL changes {record.sql_changes}")
    print(f"soak: faults {[name for name, _, _ in windows.spans]}")
    return failures


def resources(samples: list[Sample], load_began: float, minutes: float) -> list[str]:
    """Each start of each process, from warm-up to its end: memory and connections. Judged
    (GROWTH) for the witnesses that live the whole soak (proxy1, worker1) and any start of the
    bridge's processes that lived ten minutes after its warm-up; the rest, and Open WebUI,
    reported. Warm-up: a sixth of the run, one to five minutes."""
    failures: list[str] = []
    warmup = min(300.0, max(60.0, minutes * 60 / 6))
    runs: dict[tuple[str, int], list[Sample]] = defaultdict(list)
    for sample in samples:
        runs[(sample.name, sample.start)].append(sample)
    for (name, start), found in sorted(runs.items()):
        after = [s for s in found if s.at >= max(load_began, found[0].at) + warmup]
        if len(after) < 2 or after[-1].at - after[0].at < 60:
            continue  # too short a life to say (killed again soon after it started)
        first, last = after[0], after[-1]
        grew = last.rss_mb / first.rss_mb - 1 if first.rss_mb else 0.0
        minutes_after = (last.at - first.at) / 60
        half = first.at + (last.at - first.at) / 2
        early = max(s.bridge_connections for s in after if s.at <= half)
        late = max(s.bridge_connections for s in after if s.at > half)
        print(
            f"soak: {name} (start {start}): at its start {found[0].rss_mb:.0f} MB, "
            f"{found[0].connections} connection(s); over {minutes_after:.1f} min after warm-up: "
            f"memory {first.rss_mb:.0f} -> {last.rss_mb:.0f} MB ({grew:+.1%}), peak "
            f"{max(s.rss_mb for s in after):.0f} MB; connections {first.connections} -> "
            f"{last.connections} (peak {max(s.connections for s in after)}), the bridge's "
            f"most in the first half {early}, in the second {late}"
        )
        judged = name in WITNESSES or (name != "openwebui" and minutes_after >= 10)
        if not judged:
            continue
        if grew > GROWTH:
            failures.append(f"{name} (start {start}) memory grew {grew:.1%} after warm-up")
        if late - early > max(1, GROWTH * early):
            failures.append(
                f"{name} (start {start}): the bridge's connections grew: at most {early} in "
                f"the first half after warm-up, {late} in the second"
            )
    return failures


def audit(stack: Stack) -> list[str]:
    """Audit rows consistent with what was applied: an account the bridge made has exactly one
    successful ``create_user`` row, a successful row names an account that is there (or was
    deleted with its own row), a deactivation has its row, a link names a real account."""
    links = [row for row in _litellm(stack, "links") if row[0] == "user"]
    audited = {entity: (made, gone, off) for entity, made, gone, off in _litellm(stack, "audited")}
    accounts = {row[0] for row in stack.openwebui_rows('SELECT id FROM "user"')}
    made_by_bridge = {litellm_id for _, litellm_id, _, by, _ in links if by == "bridge"}
    problems = {
        "made without its audit row": [
            i for i in made_by_bridge if audited.get(i, (0, 0, 0))[0] == 0
        ],
        "audited as made more than once": [i for i, (made, _, _) in audited.items() if made > 1],
        "audited as made, not there": [
            i
            for i, (made, gone, _) in audited.items()
            if made and not gone and i not in made_by_bridge
        ],
        "deactivated without its audit row": [
            i for _, i, _, _, off in links if off and audited.get(i, (0, 0, 0))[2] == 0
        ],
        "linked to no account": [i for _, i, owui, _, _ in links if owui not in accounts],
    }
    counts = _litellm(stack, "audit_counts")
    print(f"soak: audit rows by operation and result: {counts}")
    print(
        f"soak: audit vs applied: accounts the bridge made {len(made_by_bridge)}; "
        + "; ".join(f"{what} {len(ids)}" for what, ids in problems.items())
    )
    return [f"audit: {what}: {ids[:5]}" for what, ids in problems.items() if ids]
