"""Which key may be Open WebUI's service key by its alias (plan/trust.py), how the proxy's check
uses the trusted keys the worker read, and what a report shows: in memory, no database."""

from __future__ import annotations

import os
import sys
import types
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from litellm_bridge_plugin import releases
from litellm_bridge_plugin.litellm.service_key import (
    ServiceKeyRead,
    ServiceKeyReport,
    Untrusted,
    token_hash,
)
from litellm_bridge_plugin.plan.trust import KeyFacts, Principal, distrust
from litellm_bridge_plugin.proxy.enforcement import Enforcer
from litellm_bridge_plugin.settings import load_settings

ADMIN = "default_user_id"
NOBODY = Principal(None)
MASTER = Principal(ADMIN)  # no LiteLLM user row: the id the master key acts as
CAROL = Principal("carol", True, "proxy_admin")
BOB = Principal("bob", True, "internal_user")


def facts(**changed: Any) -> KeyFacts:
    values: dict[str, Any] = {
        "key_name": "sk-...abcd",
        "key_alias": "openwebui_global_key",
        "owner": NOBODY,
        "creator": MASTER,
    }
    return KeyFacts(**(values | changed))


@pytest.mark.parametrize(
    ("who", "admin"),
    [
        (MASTER, True),
        (CAROL, True),
        (BOB, False),
        (NOBODY, False),
        (Principal("ghost"), False),  # an id no LiteLLM user has, not the master key's
        (Principal(ADMIN, True, "proxy_admin"), True),  # LiteLLM's UI login writes this row
        # LiteLLM writes the master key's own row as internal_user (/team/new): still the master
        (Principal(ADMIN, True, "internal_user"), True),
        (Principal(ADMIN, True, None), True),
        (Principal("vera", True, "proxy_admin_viewer"), False),
        (Principal("team-bot", True, "team"), False),
    ],
)
def test_who_is_a_proxy_admin(who: Principal, admin: bool) -> None:
    assert who.is_proxy_admin(ADMIN) is admin


@pytest.mark.parametrize(
    ("key", "reasons"),
    [
        (facts(), ()),
        (facts(creator=CAROL), ()),
        (facts(creator=CAROL, owner=CAROL), ()),
        (facts(owner=CAROL), ()),  # the master key made it for an admin
        (
            facts(creator=BOB, owner=BOB),
            (
                "it was created by bob (role internal_user), not a proxy admin",
                "it is owned by bob (role internal_user), who is not a proxy admin and can "
                "manage it",
            ),
        ),
        (
            facts(owner=BOB),
            (
                "it is owned by bob (role internal_user), who is not a proxy admin and can "
                "manage it",
            ),
        ),
        (
            facts(team_id="t1"),
            ("it belongs to team t1, whose admins can regenerate it and so hold its value",),
        ),
        (
            facts(organization_id="o1"),
            (
                "it belongs to organisation o1, whose admins can regenerate it and so hold its "
                "value",
            ),
        ),
        (facts(creator=NOBODY), ("it was created by nobody recorded, not a proxy admin",)),
        # LiteLLM writes the master key's own user row as internal_user (/team/new): still it
        (facts(creator=Principal(ADMIN, True, "internal_user")), ()),
    ],
)
def test_a_key_is_trusted_only_when_only_an_admin_can_hold_it(
    key: KeyFacts, reasons: tuple[str, ...]
) -> None:
    assert distrust(key, ADMIN) == reasons


def test_the_master_keys_user_id_is_litellms() -> None:
    from litellm.constants import LITELLM_PROXY_ADMIN_NAME

    assert releases.PROXY_ADMIN_NAME == LITELLM_PROXY_ADMIN_NAME
    assert distrust(facts(), "another-admin-name") == (
        "it was created by default_user_id (no LiteLLM user), not a proxy admin",
    )


def test_inside_the_proxy_the_proxys_own_admin_name_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = types.ModuleType("litellm.proxy.proxy_server")
    proxy.litellm_proxy_admin_name = "renamed-admin"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", proxy)
    assert releases.proxy_admin_name() == "renamed-admin"
    monkeypatch.delitem(sys.modules, "litellm.proxy.proxy_server")
    assert releases.proxy_admin_name() == releases.PROXY_ADMIN_NAME


def _report(**changed: Any) -> ServiceKeyReport:
    values: dict[str, Any] = {
        "mode": "alias",
        "alias": "openwebui_global_key",
        "live": 1,
        "blocked": 0,
        "expired": 0,
        "master_key": False,
        "problems": (),
        "keys": (facts(),),
    }
    return ServiceKeyReport(**(values | changed))


def test_reports_name_the_key_never_its_hash() -> None:
    hashed = token_hash("sk-openwebui-0123456789abcd")
    squat = Untrusted(facts(key_name="sk-...wxyz", owner=BOB, creator=BOB), ("reason",))
    found = ServiceKeyRead(_report(untrusted=(squat,)), frozenset({hashed}))
    assert found.report.describe() == (
        "recognised by trusted alias 'openwebui_global_key' (created by a proxy admin, owned by "
        "no ordinary user, in no team or organisation); 1 live key(s) match: sk-...abcd (alias "
        "'openwebui_global_key', owner none, created by default_user_id); 1 untrusted key(s) "
        "carry the alias: sk-...wxyz (alias 'openwebui_global_key', owner bob, created by bob)"
    )
    for text in (repr(found), repr(found.report.as_dict()), found.report.describe()):
        assert hashed not in text


def _enforcer(**extra: Any) -> Enforcer:
    return Enforcer(
        load_settings(
            litellm_database_url="postgresql://x@h/l",
            openwebui_database_url="postgresql://x@h/o",
            **extra,
        )
    )


def test_by_alias_only_the_trusted_hashes_the_worker_read_are_the_service_key() -> None:
    mine, other = token_hash("sk-mine-0123456789"), token_hash("sk-other-0123456789")
    enforcer = _enforcer()
    assert not enforcer.is_service_key(mine)  # fail closed: nothing read yet
    enforcer.service_key_seen(ServiceKeyRead(_report(), frozenset({mine})))
    assert enforcer.is_service_key(mine)
    assert not enforcer.is_service_key(other)
    assert not enforcer.is_service_key(None) and not enforcer.is_service_key("")
    enforcer.service_key_seen(ServiceKeyRead(_report(live=0, keys=()), frozenset()))
    assert not enforcer.is_service_key(mine)  # the key was deleted, or its creator demoted


def test_by_value_the_alias_reads_change_nothing() -> None:
    mine = token_hash("sk-mine-0123456789")
    enforcer = _enforcer(openwebui_service_key="sk-value-0123456789")
    enforcer.service_key_seen(ServiceKeyRead(_report(), frozenset({mine})))
    assert not enforcer.is_service_key(mine)
    assert enforcer.is_service_key(token_hash("sk-value-0123456789"))
