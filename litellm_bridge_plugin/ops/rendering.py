"""Text for the operator commands: `verify-user` and `doctor`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _money(spend: float | None, budget: float | None) -> str:
    return f"spend {spend or 0:.4g}" + (f" of {budget:.4g}" if budget is not None else "")


def verify_text(report: Mapping[str, Any]) -> str:
    lines = [f"== {report['email']}", "", "LiteLLM:"]
    if not report["litellm"]:
        lines.append("  (no user with this email)")
    for user in report["litellm"]:
        lines.append(
            f"  user {user['user_id']}, organisation {user['organization'] or '-'}, "
            f"models {user['models'] or 'all'}, {_money(user['spend'], user['max_budget'])}"
        )
        for team in user["teams"]:
            blocked = " (blocked)" if team["blocked"] else ""
            lines.append(f"  team {team['team_id']}{blocked}: models {team['models'] or 'all'}")
        if not user["keys"]:
            lines.append("  no keys")
        for key in user["keys"]:
            state = "blocked" if key["blocked"] else "expired" if key["expired"] else "live"
            expiry = f", expires {key['expires']}" if key["expires"] else ""
            team = f", team {key['team']}" if key["team"] else ""
            lines.append(
                f"  key {key['alias'] or '(no alias)'}: {state}, models {key['models']}{team}"
                f"{expiry}, {_money(key['spend'], key['max_budget'])}"
            )
    lines += ["", "Open WebUI:"]
    owui = report["openwebui"]
    if owui is None:
        lines.append("  (no account with this email)")
    else:
        lines.append(
            f"  account {owui['id']}: role {owui['role']}, "
            f"{'active' if owui['active'] else 'INACTIVE'}, {'SSO' if owui['sso'] else 'no SSO'}, "
            f"managed: {owui['managed_by_bridge']}"
        )
        lines.append(f"  groups: {', '.join(owui['groups']) or '-'}")
        seen = "every model (admin)" if owui["sees_every_model"] else owui["visible_models"]
        lines.append(f"  sees: {seen}")
    enrol = report.get("enrolment") or {}
    if enrol.get("mode", "none") != "none" or enrol.get("last"):
        lines += ["", f"Enrolment ({enrol.get('mode')}): {enrol.get('last') or 'nothing yet'}"]
    if report["models"]:
        lines += ["", "Models:"]
        for m in report["models"]:
            mark = "yes" if m["granted"] else "no "
            shown = {True: "shown", False: "hidden", None: "-"}[m["shown_in_openwebui"]]
            lines.append(f"  {mark} {m['model']:<24} {shown:<7} {m['why']}")
            if m["granted"] and not m["callable_now"]:
                lines.append(f"      but refused now: {m['refused_because']}")
    lines += ["", "Problems:" if report["problems"] else "No differences found."]
    lines += [f"  - {p}" for p in report["problems"]]
    return "\n".join(lines)


def doctor_text(checks: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for check in checks:
        mark = {"ok": "ok  ", "fail": "FAIL", "warn": "warn", "skip": "skip"}[check["result"]]
        lines.append(f"{mark} {check['name']}: {check['detail']}")
        if check["result"] in ("fail", "warn") and check.get("fix"):
            lines.append(f"     fix: {check['fix']}")
    failed = sum(1 for c in checks if c["result"] == "fail")
    lines.append("")
    lines.append(f"{failed} check(s) failed" if failed else "all checks passed")
    return "\n".join(lines)
