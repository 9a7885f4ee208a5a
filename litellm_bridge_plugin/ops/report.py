"""Turn sync results, status and audit rows into text or JSON for the CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from litellm_bridge_plugin.domain import Change
from litellm_bridge_plugin.engine.operations import describe
from litellm_bridge_plugin.engine.results import SyncResult


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def to_json(data: object) -> str:
    return json.dumps(data, default=_json_default, indent=2, sort_keys=True, ensure_ascii=False)


def change_dict(
    change: Change, result: str | None = None, error: str | None = None
) -> dict[str, Any]:
    return {
        "operation": change.operation,
        "entity_type": change.entity_type,
        "entity_id": change.entity_id,
        "openwebui_id": change.openwebui_id,
        "before": dict(change.before) if change.before is not None else None,
        "after": dict(change.after) if change.after is not None else None,
        "members_added": len(change.add),
        "members_removed": len(change.remove),
        "result": result,
        "error": error,
    }


def sync_json(result: SyncResult) -> str:
    if result.dry_run:
        changes = [change_dict(c) for c in result.planned]
    else:
        changes = [change_dict(o.change, o.result, o.error) for o in result.outcomes]
    return to_json(
        {
            "run_id": result.run_id,
            "dry_run": result.dry_run,
            "openwebui_schema": result.schema,
            "changes": changes,
            "skipped": [
                {"entity_type": s.entity_type, "entity_id": s.entity_id, "reason": s.reason}
                for s in result.skips
            ],
            "summary": {
                "planned": len(result.planned),
                "succeeded": result.succeeded,
                "failed": result.failed,
                "skipped": len(result.skips),
            },
        }
    )


def sync_text(result: SyncResult) -> str:
    lines = [result.schema]
    if result.dry_run:
        for change in result.planned:
            lines.append(
                f"would {change.operation} {change.entity_type} "
                f"{change.entity_id}: {describe(change)}"
            )
    else:
        for outcome in result.outcomes:
            change = outcome.change
            mark = "ok  " if outcome.result == "SUCCESS" else "FAIL"
            line = f"{mark} {change.operation} {change.entity_type} {change.entity_id}: "
            lines.append(line + describe(change))
            if outcome.error:
                lines.append(f"     error: {outcome.error}")
    for skip in result.skips:
        lines.append(f"skip {skip.entity_type} {skip.entity_id}: {skip.reason}")
    if result.dry_run:
        lines.append(
            f"dry run: {len(result.planned)} change(s) planned, nothing written; "
            f"{len(result.skips)} skipped"
        )
    elif not result.planned:
        lines.append(f"in sync: nothing to change; {len(result.skips)} skipped")
    else:
        lines.append(
            f"applied {result.succeeded} change(s), {result.failed} failed; "
            f"{len(result.skips)} skipped"
        )
        if result.failed:
            lines.append("see `litellm-bridge audit --failed` for the errors")
    return "\n".join(lines)


def status_text(status: Mapping[str, Any]) -> str:
    lit, owui, links = status["litellm"], status["openwebui"], status["links"]
    lines = [
        f"LiteLLM:    {lit['users']} users, {lit['teams']} teams, "
        f"{lit['organizations']} organizations",
        f"Open WebUI: {owui['users']} users ({owui['active_logins']} active logins), "
        f"{owui['groups']} groups; {owui['schema']}",
    ]
    for row in links:
        how = "created" if row["created_by_bridge"] else "linked"
        lines.append(
            f"bridge:     {row['n']} {row['entity_type']}(s) {how}"
            + (f", {row['deactivated']} deactivated" if row["deactivated"] else "")
        )
    lines.append(
        f"skipped:    {status['skipped']} LiteLLM entities cannot be mapped "
        "(see `litellm-bridge audit`)"
    )
    if status.get("bridge_schema_version") is not None:
        lines.append(f"schema:     litellm_bridge at version {status['bridge_schema_version']}")
    last = status["last_run"]
    if last:
        outcome = (
            f"error: {last['error']}"
            if last["error"]
            else (f"{last['succeeded']} applied, {last['failed']} failed")
        )
        lines.append(
            f"last sync:  {last['started_at']:%Y-%m-%d %H:%M:%S %Z} ({last['trigger']}): {outcome}"
        )
    else:
        lines.append("last sync:  never")
    lines.append(f"failures:   {status['failures_24h']} failed change(s) in the last 24 hours")
    capture = status["capture"]
    if not capture["triggers"]:
        lines.append("capture:    no triggers (changes outside the proxy wait for the next sweep)")
    else:
        disabled = [t for t in capture["triggers"] if not t["enabled"]]
        state = f"{len(capture['triggers'])} triggers" + (
            f", {len(disabled)} DISABLED" if disabled else ""
        )
        box = capture["outbox"] or {}
        age = box.get("oldest_pending_seconds")
        lines.append(
            f"capture:    {state}; outbox {box.get('pending', 0)} pending"
            + (f" (oldest {age:.0f}s)" if age is not None else "")
            + f", {box.get('dead', 0)} dead"
        )
        for row in capture["dead"]:
            lines.append(
                f"  dead:     {row['entity_type']} {row['entity_id']} after "
                f"{row['attempts']} attempts: {row['last_error']}"
            )
        if capture["dead"]:
            lines.append("            fix the cause, then `litellm-bridge retry-failed`")
    key = status["service_key"]
    lines.append(f"service key: {key['describe']}")
    for problem in key["problems"]:
        lines.append(f"  {problem['severity']}:     {problem['problem']} (`litellm-bridge doctor`)")
    lines += enrolment_lines(status["enrolment"])
    return "\n".join(lines)


def enrolment_lines(enrol: Mapping[str, Any], shown: int = 5) -> list[str]:
    """`status`'s enrolment lines: the mode, who was enrolled, who is held and why."""
    if enrol["mode"] == "none" and not enrol["enrolled"] and not enrol["held"]:
        return ["enrolment:  off (BRIDGE_ENROL=none)"]
    where = ", ".join(enrol["domains"]) or "any domain"
    lines = [
        f"enrolment:  {enrol['mode']} ({where}; personal key {'yes' if enrol['key'] else 'no'}):"
        f" {enrol['enrolled']} enrolled ({enrol['enrolled_24h']} in the last 24 hours),"
        f" {len(enrol['held'])} held"
    ]
    for row in enrol["held"][:shown]:
        lines.append(f"  held:     {row['email'] or row['openwebui_id']}: {row['reason']}")
    if len(enrol["held"]) > shown:
        lines.append("            more with `litellm-bridge status --json` or `audit`")
    return lines


def audit_text(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "no audit rows match"
    lines = []
    for row in rows:
        detail = row["error"] or ""
        if not detail and row["after"]:
            detail = json.dumps(row["after"], ensure_ascii=False, sort_keys=True)[:160]
        lines.append(
            f"{row['at']:%Y-%m-%d %H:%M:%S} {row['result']:<7} {row['operation']:<15} "
            f"{row['entity_type']} {row['entity_id']}  {detail}"
        )
    return "\n".join(lines)
