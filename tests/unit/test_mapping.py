"""Pure mapping rules, as tables of cases."""

from __future__ import annotations

import pytest

from litellm_bridge_plugin.domain import (
    DesiredGroup,
    InputProblem,
    LiteLLMOrganization,
    LiteLLMState,
    LiteLLMTeam,
    LiteLLMUser,
)
from litellm_bridge_plugin.plan.desired import (
    desired_state,
    display_name,
    group_names,
    normalize_email,
    openwebui_role,
)
from litellm_bridge_plugin.settings import DEFAULT_ROLE_MAP, parse_role_map


@pytest.mark.parametrize(
    ("raw", "email"),
    [
        ("alice@techcompany.com", "alice@techcompany.com"),
        ("  Alice.Smith@TechCompany.COM ", "alice.smith@techcompany.com"),
        ("o'brien+llm@example.org", "o'brien+llm@example.org"),
        ("admin@localhost", "admin@localhost"),
        ("jürgen@exämple.de", "jürgen@exämple.de"),
        (None, None),
        ("", None),
        ("   ", None),
        ("not-an-email", None),
        ("two@@example.com", None),
        ("a b@example.com", None),
        ("nodomain@", None),
        ("x@intranet", None),
        ("evil\n@example.com", None),
        ("a" * 250 + "@example.com", None),
    ],
)
def test_normalize_email(raw: str | None, email: str | None) -> None:
    found, reason = normalize_email(raw)
    assert found == email
    assert (reason is None) == (email is not None)


@pytest.mark.parametrize(
    ("alias", "email", "name"),
    [
        ("Alice Smith", "alice@x.com", "Alice Smith"),
        (None, "bob.jones@x.com", "bob.jones"),
        ("   ", "carol@x.com", "carol"),
        ('Zoë O\'Connor "ZO"', "z@x.com", 'Zoë O\'Connor "ZO"'),
        ("tab\there", "t@x.com", "tabhere"),
        ("x" * 400, "x@x.com", "x" * 255),
    ],
)
def test_display_name(alias: str | None, email: str, name: str) -> None:
    assert display_name(alias, email) == name


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("proxy_admin", "admin"),
        ("proxy_admin_viewer", "user"),
        ("internal_user", "user"),
        ("internal_user_viewer", "user"),
        ("team", "user"),
        ("customer", "user"),
        ("something-new", "user"),
        (None, "user"),
    ],
)
def test_role_map_defaults(role: str | None, expected: str) -> None:
    assert openwebui_role(role, DEFAULT_ROLE_MAP) == expected


def test_role_map_override() -> None:
    role_map = parse_role_map("internal_user_viewer=pending,proxy_admin_viewer=admin")
    assert openwebui_role("internal_user_viewer", role_map) == "pending"
    assert openwebui_role("proxy_admin_viewer", role_map) == "admin"


def _state(**kwargs: object) -> LiteLLMState:
    return LiteLLMState(**kwargs)  # type: ignore[arg-type]


def test_membership_is_the_union_of_every_record() -> None:
    state = _state(
        users=(
            LiteLLMUser(user_id="a", user_email="a@x.com", teams=("t1",)),
            LiteLLMUser(user_id="b", user_email="b@x.com", team_id="t1"),
            LiteLLMUser(user_id="c", user_email="c@x.com", organization_id="o1"),
            LiteLLMUser(user_id="d", user_email="d@x.com"),
            LiteLLMUser(user_id="e", user_email="e@x.com"),
            LiteLLMUser(user_id="noemail"),
        ),
        teams=(
            LiteLLMTeam(team_id="t1", member_ids=("d", "noemail", "ghost")),
            LiteLLMTeam(team_id="t2"),
        ),
        organizations=(LiteLLMOrganization(organization_id="o1", organization_alias="Org"),),
        team_memberships=(("e", "t1"), ("e", "t2")),
        organization_memberships=(("d", "o1"),),
    )
    desired = desired_state(state, DEFAULT_ROLE_MAP)
    assert desired.groups["team", "t1"].member_litellm_ids == {"a", "b", "d", "e"}
    assert desired.groups["team", "t2"].member_litellm_ids == {"e"}
    assert desired.groups["organization", "o1"].member_litellm_ids == {"c", "d"}
    assert desired.groups["team", "t2"].base_name == "t2"
    assert desired.groups["organization", "o1"].description
    assert [(s.entity_id, s.reason) for s in desired.skips] == [
        ("noemail", "user has no email; Open WebUI needs one to sign in")
    ]


def test_duplicate_emails_keep_one_and_skip_the_other() -> None:
    state = _state(
        users=(
            LiteLLMUser(user_id="b", user_email="Same@x.com"),
            LiteLLMUser(user_id="a", user_email="same@x.com"),
        )
    )
    desired = desired_state(state, DEFAULT_ROLE_MAP)
    assert set(desired.users) == {"a"}
    assert desired.skips[0].entity_id == "b"
    assert "also belongs to LiteLLM user 'a'" in desired.skips[0].reason


def test_input_problems_become_skips() -> None:
    state = _state(problems=(InputProblem(entity_type="team", entity_id="t", reason="bad"),))
    assert desired_state(state, DEFAULT_ROLE_MAP).skips[0].reason == "bad"


def _group(kind: str, litellm_id: str, name: str) -> DesiredGroup:
    return DesiredGroup(kind, litellm_id, name, "d", frozenset())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("groups", "foreign", "expected"),
    [
        ([("team", "t1", "Product")], [], {"t1": "Product"}),
        ([("team", "t1", "Product")], ["product"], {"t1": "Product (team t1)"}),
        (
            [("team", "t1", "Same"), ("organization", "o1", "Same")],
            [],
            {"o1": "Same", "t1": "Same (team t1)"},
        ),
        ([("team", "t1", "X")], ["X", "X (team t1)"], {"t1": "X (team t1 #2)"}),
        ([("team", "t1", "y" * 255)], ["y" * 255], {"t1": "y" * 245 + " (team t1)"}),
    ],
)
def test_group_names_never_clash(
    groups: list[tuple[str, str, str]], foreign: list[str], expected: dict[str, str]
) -> None:
    names = group_names([_group(*g) for g in groups], foreign)
    assert {key[1]: name for key, name in names.items()} == expected
    assert all(len(n) <= 255 for n in names.values())
