"""Pure planning decisions, without a database."""

from __future__ import annotations

import itertools

from litellm_bridge_plugin.mapping import DesiredGroup, DesiredState, DesiredUser
from litellm_bridge_plugin.openwebui.state import OpenWebUIGroup, OpenWebUIState, OpenWebUIUser
from litellm_bridge_plugin.planner import Link, plan


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
    )


def _desired(*users: DesiredUser, groups: tuple[DesiredGroup, ...] = ()) -> DesiredState:
    return DesiredState(
        users={u.litellm_id: u for u in users},
        groups={(g.kind, g.litellm_id): g for g in groups},
        skips=(),
    )


ALICE = DesiredUser("alice", "alice@x.com", "Alice", "user")


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
        users={"o1": _owui_user("o1", "ALICE@x.com", role="pending", name="Her Own Name")}
    )
    result = plan(_desired(ALICE), actual, [], litellm_user_ids={"alice"})
    ops = [(c.operation, dict(c.after or {})) for c in result.changes]
    assert ops[0][0] == "link_user"
    assert ops[1] == ("update_user", {"role": "user"})


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


def test_link_moves_to_a_recreated_litellm_user_with_the_same_email() -> None:
    actual = OpenWebUIState(users={"o1": _owui_user("o1", "alice@x.com", name="Alice")})
    new_alice = DesiredUser("alice-2", "alice@x.com", "Alice", "user")
    result = plan(
        _desired(new_alice),
        actual,
        [Link("user", "alice", "o1", True)],
        litellm_user_ids={"alice-2"},
    )
    assert [(c.operation, c.entity_id) for c in result.changes] == [
        ("link_user", "alice-2"),
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
