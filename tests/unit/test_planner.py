"""Pure planning decisions, without a database."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from litellm_bridge_plugin.domain import (
    DesiredGroup,
    DesiredState,
    DesiredUser,
    Link,
    OpenWebUIGroup,
    OpenWebUIState,
    OpenWebUIUser,
    SignupRole,
)
from litellm_bridge_plugin.plan.accounts import plan


def _ids() -> itertools.count[int]:
    return itertools.count(1)


def _new_id_factory() -> object:
    counter = _ids()
    return lambda: f"new-{next(counter)}"


def _owui_user(
    id: str,
    email: str,
    role: str = "user",
    active: bool = True,
    name: str = "X",
    api_key: bool = False,
    sso: bool = False,
) -> OpenWebUIUser:
    return OpenWebUIUser(
        id=id,
        email=email,
        name=name,
        role=role,
        created_at=1,
        has_auth=True,
        active=active,
        auth_email=email,
        has_api_key=api_key,
        sso=sso,
    )


def _desired(*users: DesiredUser, groups: tuple[DesiredGroup, ...] = ()) -> DesiredState:
    return DesiredState(
        users={u.litellm_id: u for u in users},
        groups={(g.kind, g.litellm_id): g for g in groups},
        skips=(),
    )


ALICE = DesiredUser("alice", "alice@x.com", "Alice", "user")
PENDING = SignupRole("pending")
"""Open WebUI's default: new sign-ups wait, so role 'user' means an admin approved it."""


def test_new_user_is_created_then_nothing() -> None:
    first = plan(
        _desired(ALICE), OpenWebUIState(), [], litellm_user_ids={"alice"}, new_id=_new_id_factory()
    )  # type: ignore[arg-type]
    assert [(c.operation, c.openwebui_id) for c in first.changes] == [("create_user", "new-1")]
    converged = OpenWebUIState(users={"new-1": _owui_user("new-1", "alice@x.com", name="Alice")})
    again = plan(
        _desired(ALICE),
        converged,
        [Link("user", "alice", "new-1", True)],
        litellm_user_ids={"alice"},
    )
    assert again.changes == ()


def test_existing_account_is_linked_and_only_role_managed() -> None:
    actual = OpenWebUIState(
        users={"o1": _owui_user("o1", "ALICE@x.com", role="pending", name="Her Own Name", sso=True)}
    )
    result = plan(_desired(ALICE), actual, [], litellm_user_ids={"alice"})
    ops = [(c.operation, dict(c.after or {})) for c in result.changes]
    assert ops[0] == (
        "link_user",
        {"email": "ALICE@x.com", "openwebui_id": "o1", "via": "sso"},
    )
    assert ops[1] == ("update_user", {"role": "user"})


@pytest.mark.parametrize(
    ("mode", "role", "sso", "signup", "want", "outcome"),
    [
        ("verified", "pending", False, "pending", "admin", "held"),  # anyone may register it
        ("verified", "pending", False, "pending", "user", "held"),
        ("verified", "pending", True, "pending", "admin", "user"),  # SSO: linked, not raised
        ("verified", "pending", True, "pending", "user", "user"),
        ("verified", "user", False, "pending", "admin", "user"),  # approved: linked, not raised
        ("verified", "user", False, "pending", "user", "user"),
        ("verified", "user", False, "user", "user", "held"),  # every sign-up is 'user'
        ("verified", "user", False, None, "user", "held"),  # nobody can tell
        ("verified", "user", True, "user", "admin", "user"),
        ("verified", "admin", False, "pending", "admin", "admin"),
        ("verified", "admin", False, None, "admin", "admin"),  # only an admin makes admins
        ("verified", "admin", False, "user", "user", "user"),
        ("verified", "admin", False, "admin", "admin", "held"),  # sign-ups are made admins
        ("sso", "user", False, "pending", "user", "held"),
        ("sso", "admin", False, "pending", "admin", "held"),
        ("sso", "pending", True, "pending", "admin", "user"),
        ("none", "user", True, "pending", "user", "held"),
        ("none", "pending", False, "pending", "user", "held"),
    ],
)
def test_which_existing_accounts_are_linked(
    mode: str, role: str, sso: bool, signup: str | None, want: str, outcome: str
) -> None:
    actual = OpenWebUIState(
        users={
            "o1": _owui_user("o1", "alice@x.com", role=role, sso=sso),
            "root": _owui_user("root", "root@x.com", role="admin"),
        },
        signup_role=SignupRole(signup, None if signup else "it is not saved"),
    )
    wanted = replace(ALICE, role=want)  # type: ignore[arg-type]
    result = plan(
        _desired(wanted),
        actual,
        [],
        litellm_user_ids={"alice"},
        link_existing=mode,  # type: ignore[arg-type]
    )
    if outcome == "held":
        assert result.changes == ()  # not linked, not changed
        assert "alice" not in result.user_openwebui_ids
        (skip,) = result.skips
        assert "is held, not linked" in skip.reason
        assert f"BRIDGE_LINK_EXISTING={mode}" in skip.reason
        assert "litellm-bridge link alice@x.com" in skip.reason
        if mode == "verified" and role != "pending":
            assert "default role for new sign-ups" in skip.reason
            assert ("unknown: it is not saved" in skip.reason) == (signup is None)
        return
    assert result.changes[0].operation == "link_user"
    updates = [dict(c.after or {}) for c in result.changes if c.operation == "update_user"]
    assert (updates[0].get("role") if updates else role) == outcome
    not_raised = [s.reason for s in result.skips if "not raised to 'admin'" in s.reason]
    assert bool(not_raised) == (want == "admin" and outcome == "user")
    assert ("o1" in result.admin_openwebui_ids) == (outcome == "admin")


def test_an_operator_link_gets_the_mapped_role_in_full() -> None:
    actual = OpenWebUIState(users={"o1": _owui_user("o1", "alice@x.com", role="pending")})
    admin = replace(ALICE, role="admin")
    auto = plan(
        _desired(admin), actual, [Link("user", "alice", "o1", False)], litellm_user_ids={"alice"}
    )
    assert [dict(c.after or {}) for c in auto.changes] == [{"role": "user"}]
    assert "not raised to 'admin'" in auto.skips[0].reason
    operator = plan(
        _desired(admin),
        actual,
        [Link("user", "alice", "o1", False, by_operator=True)],
        litellm_user_ids={"alice"},
    )
    assert [dict(c.after or {}) for c in operator.changes] == [{"role": "admin"}]
    assert operator.skips == ()
    assert operator.admin_openwebui_ids == ("o1",)


def test_an_admin_not_raised_does_not_count_as_the_next_admin() -> None:
    """Open WebUI's only admin is not demoted for an admin the bridge will not make."""
    actual = OpenWebUIState(
        users={
            "boss": _owui_user("boss", "boss@x.com", role="admin"),
            "o1": _owui_user("o1", "alice@x.com", role="user"),
        },
        signup_role=PENDING,
    )
    boss = DesiredUser("boss", "boss@x.com", "Boss", "user")
    result = plan(
        _desired(boss, replace(ALICE, role="admin")),
        actual,
        [],
        litellm_user_ids={"alice", "boss"},
    )
    # both linked, neither role changed
    assert [c.operation for c in result.changes] == ["link_user", "link_user"]
    assert result.admin_openwebui_ids == ("boss",)
    assert any("only admin" in s.reason for s in result.skips)


def test_removed_user_deactivated_or_deleted_by_policy() -> None:
    actual = OpenWebUIState(users={"o1": _owui_user("o1", "alice@x.com", api_key=True)})
    created = [Link("user", "alice", "o1", True)]
    linked = [Link("user", "alice", "o1", False)]
    assert [
        c.operation for c in plan(_desired(), actual, created, litellm_user_ids=set()).changes
    ] == ["deactivate_user"]
    assert [
        c.operation
        for c in plan(
            _desired(), actual, created, litellm_user_ids=set(), on_user_delete="delete"
        ).changes
    ] == ["delete_user"]
    assert [
        c.operation
        for c in plan(
            _desired(), actual, linked, litellm_user_ids=set(), on_user_delete="delete"
        ).changes
    ] == ["deactivate_user"]
    still_in_litellm = plan(
        _desired(), actual, created, litellm_user_ids={"alice"}, on_user_delete="delete"
    )
    assert [c.operation for c in still_in_litellm.changes] == ["deactivate_user"]


def test_already_deactivated_user_needs_nothing() -> None:
    actual = OpenWebUIState(users={"o1": _owui_user("o1", "alice@x.com", active=False)})
    assert (
        plan(
            _desired(), actual, [Link("user", "alice", "o1", True)], litellm_user_ids=set()
        ).changes
        == ()
    )


@pytest.mark.parametrize(
    ("role", "changed"),
    # 0.6.30 sets a deactivated account to pending: still the bridge's own, not held
    [("user", []), ("pending", [("update_user", "alice-2")])],
)
def test_link_moves_to_a_recreated_litellm_user_with_the_same_email(
    role: str, changed: list[tuple[str, str]]
) -> None:
    actual = OpenWebUIState(users={"o1": _owui_user("o1", "alice@x.com", role, name="Alice")})
    new_alice = DesiredUser("alice-2", "alice@x.com", "Alice", "user")
    result = plan(
        _desired(new_alice),
        actual,
        [Link("user", "alice", "o1", True)],
        litellm_user_ids={"alice-2"},
    )
    assert [(c.operation, c.entity_id) for c in result.changes] == [
        ("link_user", "alice-2"),
        *changed,
        ("unlink", "alice"),
    ]


def test_group_without_any_possible_owner_waits() -> None:
    group = DesiredGroup("team", "t", "T", "d", frozenset())
    result = plan(_desired(groups=(group,)), OpenWebUIState(), [], litellm_user_ids=set())
    assert result.changes == ()
    assert "no Open WebUI user exists yet" in result.skips[0].reason


def test_membership_diff_only() -> None:
    bob = DesiredUser("bob", "bob@x.com", "Bob", "user")
    group = DesiredGroup("team", "t", "T", "d", frozenset({"alice", "bob"}))
    actual = OpenWebUIState(
        users={
            "o1": _owui_user("o1", "alice@x.com", name="Alice"),
            "o2": _owui_user("o2", "bob@x.com", name="Bob"),
            "o3": _owui_user("o3", "eve@x.com", role="admin"),
        },
        groups={"g": OpenWebUIGroup("g", "T", "d", "o3", frozenset({"o1", "o3"}))},
    )
    links = [
        Link("user", "alice", "o1", True),
        Link("user", "bob", "o2", True),
        Link("team", "t", "g", True),
    ]
    result = plan(
        _desired(ALICE, bob, groups=(group,)), actual, links, litellm_user_ids={"alice", "bob"}
    )
    assert [(c.operation, c.add, c.remove) for c in result.changes] == [
        ("set_members", frozenset({"o2"}), frozenset({"o3"}))
    ]
