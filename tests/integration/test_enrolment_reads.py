"""Enrolment's reads and decisions (engine/enrolment.py) on every Open WebUI schema
generation, PostgreSQL and SQLite: SSO accounts told from password sign-ups by each
generation's own record (``user.oauth`` JSON, ``user.oauth_sub`` before 0.6.41), pending ones
re-read until approved (Open WebUI approves without touching timestamps), and each look after
the first reading only the accounts made, changed or used since the one before."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from litellm_bridge_plugin.engine import bridge_db
from litellm_bridge_plugin.engine.enrolment import Enrolment, status
from litellm_bridge_plugin.ops.doctor import run_checks
from litellm_bridge_plugin.ops.rendering import verify_text
from litellm_bridge_plugin.ops.report import enrolment_lines
from litellm_bridge_plugin.ops.verify import verify_user
from litellm_bridge_plugin.settings import Settings, load_settings
from tests.fixtures.support import Databases, owui_add_user, owui_mark_sso


def _account(conn: Any, account: str, email: str, *, sso: bool, role: str = "user") -> None:
    owui_add_user(conn, account, email, account, role=role)
    now = int(time.time())
    conn.execute(
        'UPDATE "user" SET created_at = %s, updated_at = %s, last_active_at = %s WHERE id = %s',
        (now, now, now, account),
    )
    if sso:
        owui_mark_sso(conn, account, sub=account)


def _ready(databases: Databases, **settings: Any) -> Settings:
    """The bridge's schema, made as at its start, and settings over ``databases``."""
    with databases.bridge_litellm() as conn:
        bridge_db.ensure_schema(conn)
    return load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
        **settings,
    )


def test_looks_find_the_accounts_to_enrol(every_generation: Databases) -> None:
    databases = every_generation
    with databases.litellm() as conn:
        conn.execute(
            'INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role) '
            "VALUES ('boss', ' Boss@Corp.Example', 'proxy_admin')"
        )
    with databases.openwebui() as owui:
        _account(owui, "sso-1", "Ann@Corp.Example", sso=True)
        _account(owui, "pw-1", "bo@corp.example", sso=False)
        _account(owui, "sso-pending", "cy@corp.example", sso=True, role="pending")
        _account(owui, "sso-boss", "boss@corp.example", sso=True)
    settings = _ready(
        databases,
        enrol="sso",
    )
    enrolment = Enrolment(settings)
    look = enrolment.look()
    assert [(c.account.id, c.email) for c in look.enrol] == [("sso-1", "ann@corp.example")]
    assert set(look.held) == {"pw-1", "sso-pending", "sso-boss"}
    assert "SSO" in look.held["pw-1"] and "approves" in look.held["sso-pending"]
    assert "has this email" in look.held["sso-boss"]
    with databases.litellm() as conn:
        held = conn.execute(
            "SELECT entity_id FROM litellm_bridge.sync_audit WHERE operation = 'enrol' "
            "AND result = 'SKIPPED' ORDER BY entity_id"
        ).fetchall()
    # the ones an operator may want to act on; an email LiteLLM has is the sync's business
    assert [r["entity_id"] for r in held] == ["pw-1", "sso-pending"]

    # approved by an Open WebUI admin (role only); an old account nobody touched since
    with databases.openwebui() as owui:
        owui.execute("""UPDATE "user" SET role = 'user' WHERE id = 'sso-pending'""")
        owui_add_user(owui, "sso-old", "old@corp.example", "old")  # timestamps 1: long ago
        owui_mark_sso(owui, "sso-old", sub="old")
    look = enrolment.look()
    found = {c.account.id for c in look.enrol}
    assert "sso-pending" in found  # re-read while pending
    assert "sso-old" not in found and "sso-old" not in look.held  # not read: unchanged
    # held ones are audited once per reason, not at every look, nor by a new process
    Enrolment(settings).look()
    with databases.litellm() as conn:
        again = conn.execute(
            "SELECT count(*) AS n FROM litellm_bridge.sync_audit WHERE operation = 'enrol'"
        ).fetchone()
    assert again is not None and again["n"] == 2


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_a_refused_enrolment_is_told_once_and_tried_again_later(databases: Databases) -> None:
    with databases.openwebui() as owui:
        _account(owui, "sso-1", "ann@corp.example", sso=True)
    settings = _ready(
        databases,
        enrol="sso",
    )
    enrolment = Enrolment(settings)
    (candidate,) = enrolment.look().enrol
    enrolment.failed(candidate, "user with email ann@corp.example already exists")
    enrolment.failed(candidate, "user with email ann@corp.example already exists")
    with databases.litellm() as conn:
        rows = conn.execute(
            "SELECT result, error FROM litellm_bridge.sync_audit WHERE operation = 'enrol'"
        ).fetchall()
    assert rows == [
        {
            "result": "FAILED",
            "error": "LiteLLM refused: user with email ann@corp.example already exists",
        }
    ]
    assert enrolment.look().enrol == []  # waiting (2 s after two refusals)
    enrolment.retry["sso-1"] = (0.0, 2.0)  # the wait is over: the backlog has kept it
    assert [c.account.id for c in enrolment.look().enrol] == ["sso-1"]


def test_a_burst_waits_in_the_backlog_and_is_handed_out_a_batch_at_a_time(
    every_generation: Databases,
) -> None:
    """45 sign-ups at once: 20, 20, 5, in order, none twice; each one re-read just before it
    is handed out (one deleted or deactivated while waiting is dropped), and the looks after
    the first read only the batch, not the burst again."""
    databases = every_generation
    ids = [f"sso-{n:02}" for n in range(45)]
    with databases.openwebui() as owui:
        for account in ids:
            _account(owui, account, f"{account}@corp.example", sso=True)
    enrolment = Enrolment(_ready(databases, enrol="sso"))
    first = [c.account.id for c in enrolment.look().enrol]
    assert len(first) == 20 and len(enrolment.backlog) == 25
    with databases.openwebui() as owui:
        owui.execute("""DELETE FROM "user" WHERE id = 'sso-44'""")
        owui.execute("""UPDATE "user" SET role = 'pending' WHERE id = 'sso-43'""")

    def batch() -> list[str]:
        enrolment.since = int(time.time()) + 10  # nothing changed since: the batch only
        return [c.account.id for c in enrolment.look().enrol]

    assert first + batch() + batch() == ids[:43]
    assert enrolment.backlog == {} and batch() == []


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_status_says_who_was_enrolled_and_who_is_held(databases: Databases) -> None:
    with databases.openwebui() as owui:
        _account(owui, "sso-1", "ann@corp.example", sso=True)
        _account(owui, "pw-1", "bo@corp.example", sso=False)
    settings = _ready(
        databases,
        enrol="sso",
        enrol_domains="corp.example",
    )
    enrolment = Enrolment(settings)
    (candidate,) = enrolment.look().enrol
    enrolment.record(candidate, "litellm-ann", time.monotonic(), "look")
    with databases.litellm() as conn:
        found = status(conn, settings)
    assert (found["enrolled"], found["enrolled_24h"]) == (1, 1)
    assert [(r["email"], r["result"]) for r in found["held"]] == [("bo@corp.example", "SKIPPED")]
    lines = enrolment_lines(found)
    assert lines[0] == (
        "enrolment:  sso (corp.example; personal key no): 1 enrolled (1 in the last 24 hours),"
        " 1 held"
    )
    assert lines[1].startswith("  held:     bo@corp.example: not made by an SSO sign-in")
    off = load_settings(
        litellm_database_url=databases.litellm_url,
        openwebui_database_url=databases.openwebui_url,
    )
    with databases.litellm() as conn:
        assert enrolment_lines(status(conn, off))[0].startswith("enrolment:  none")


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_doctor_checks_enrolment(databases: Databases, tmp_path: Path) -> None:
    _ready(databases)
    config = tmp_path / "config.yaml"
    config.write_text(
        "litellm_settings:\n  default_internal_user_params: {user_role: proxy_admin}\n"
    )

    def enrolment_check(**settings: object) -> dict[str, str]:
        found = run_checks(
            load_settings(
                litellm_database_url=databases.litellm_url,
                openwebui_database_url=databases.openwebui_url,
                **settings,
            )
        )
        (check,) = [c for c in found if c["name"] == "enrolment"]
        return check

    assert enrolment_check()["result"] == "ok"
    admin = enrolment_check(enrol="sso", enrol_key=True, litellm_config=config)
    assert admin["result"] == "fail" and "'proxy_admin'" in admin["detail"], admin
    no_key = enrolment_check(enrol="sso")
    assert no_key["result"] == "warn" and "BRIDGE_ENROL_KEY" in no_key["fix"], no_key
    config.write_text("litellm_settings:\n  default_internal_user_params: {models: [gpt-4]}\n")
    fine = enrolment_check(enrol="all", enrol_key=True, litellm_config=config)
    assert fine["result"] == "ok" and "0 enrolled, 0 held" in fine["detail"], fine


@pytest.mark.parametrize("databases", ["0.12.4"], indirect=True)
def test_verify_user_says_what_enrolment_did(databases: Databases) -> None:
    with databases.openwebui() as owui:
        _account(owui, "sso-1", "ann@corp.example", sso=True)
        _account(owui, "pw-1", "bo@corp.example", sso=False)
    settings = _ready(
        databases,
        enrol="sso",
    )
    enrolment = Enrolment(settings)
    (candidate,) = enrolment.look().enrol
    with databases.litellm() as conn:  # what LiteLLM's /user/new wrote
        conn.execute(
            'INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_role) '
            "VALUES ('litellm-ann', 'ann@corp.example', 'internal_user')"
        )
    enrolment.record(candidate, "litellm-ann", time.monotonic(), "call")
    ann = verify_text(verify_user(settings, "ann@corp.example"))
    assert "Enrolment (sso): enrolled from Open WebUI on " in ann and "(at their first call)" in ann
    bo = verify_user(settings, "bo@corp.example")
    assert bo["enrolment"]["last"].startswith("held on ")
    assert any("enrolment held on" in p and "SSO" in p for p in bo["problems"]), bo["problems"]


def test_a_new_process_reads_from_the_saved_mark_and_the_pending_accounts(
    every_generation: Databases,
) -> None:
    """A proxy that starts again does not read every account: only those changed since the
    mark (saved once a look's batch is done), and the pending ones. Without a mark (a new
    installation, or the row deleted) its first look reads them all once."""
    databases = every_generation
    with databases.openwebui() as owui:
        _account(owui, "sso-1", "ann@corp.example", sso=True)
    settings = _ready(databases, enrol="sso")
    first = Enrolment(settings)
    (candidate,) = first.look().enrol
    first.record(candidate, "litellm-ann", time.monotonic(), "look")
    assert first.look().enrol == []  # Ann's batch is done: the mark is saved
    with databases.litellm() as conn:
        (mark,) = conn.execute("SELECT seen_until FROM litellm_bridge.enrol_mark").fetchall()
    assert abs(mark["seen_until"] - time.time()) < 60
    with databases.openwebui() as owui:  # unchanged since long before the mark
        owui_add_user(owui, "sso-quiet", "quiet@corp.example", "quiet")
        owui_mark_sso(owui, "sso-quiet", sub="quiet")
        owui_add_user(owui, "sso-waiting", "wait@corp.example", "waiting", role="pending")
        owui_mark_sso(owui, "sso-waiting", sub="waiting")
    restarted = Enrolment(settings)
    look = restarted.look()
    assert "sso-quiet" not in look.held and [c.account.id for c in look.enrol] == []
    assert "approves" in look.held["sso-waiting"]  # pending ones are read at the first look
    with databases.openwebui() as owui:
        owui.execute("""UPDATE "user" SET role = 'user' WHERE id = 'sso-waiting'""")
    assert [c.account.id for c in restarted.look().enrol] == ["sso-waiting"]
    with databases.litellm() as conn:
        conn.execute("DELETE FROM litellm_bridge.enrol_mark")
    found = {c.account.id for c in Enrolment(settings).look().enrol}
    assert found == {"sso-quiet", "sso-waiting"}
