"""Open WebUI first (BRIDGE_ENROL): which accounts become LiteLLM users (plan/enrolment.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from litellm_bridge_plugin.domain import OpenWebUIUser
from litellm_bridge_plugin.plan.enrolment import Rules, email_of, hold_reason

SSO = OpenWebUIUser(
    id="a1",
    email="Ann@Corp.Example ",
    name="Ann",
    role="user",
    created_at=1,
    has_auth=True,
    active=True,
    auth_email=" ann@corp.example",
    sso=True,
)


def test_an_approved_sso_account_nobody_has_is_enrolled() -> None:
    assert email_of(SSO) == "ann@corp.example"
    assert hold_reason(SSO, Rules("sso"), set(), set()) is None
    assert hold_reason(SSO, Rules("all"), set(), set()) is None
    assert hold_reason(replace(SSO, role="admin"), Rules("sso"), set(), set()) is None


@pytest.mark.parametrize(
    ("account", "rules", "taken", "linked", "why"),
    [
        (SSO, Rules("none"), set(), set(), "enrolment is off"),
        (replace(SSO, role="pending"), Rules("sso"), set(), set(), "approves"),
        (replace(SSO, role=None), Rules("all"), set(), set(), "approves"),
        (replace(SSO, active=False), Rules("sso"), set(), set(), "deactivated"),
        (replace(SSO, sso=False), Rules("sso"), set(), set(), "SSO"),
        (SSO, Rules("sso"), {"ann@corp.example"}, set(), "a LiteLLM user has this email"),
        (SSO, Rules("sso"), set(), {"a1"}, "LiteLLM deleted"),
        (SSO, Rules("sso", frozenset({"other.example"})), set(), set(), "domain"),
        (replace(SSO, email="x", auth_email="x"), Rules("all"), set(), set(), "email"),
        (replace(SSO, email=None, auth_email=None), Rules("all"), set(), set(), "email"),
    ],
)
def test_everyone_else_is_held_with_the_reason(
    account: OpenWebUIUser, rules: Rules, taken: set[str], linked: set[str], why: str
) -> None:
    reason = hold_reason(account, rules, taken, linked)
    assert reason is not None and why in reason, reason


def test_a_password_account_is_enrolled_only_when_every_approved_account_is() -> None:
    password = replace(SSO, sso=False)
    assert hold_reason(password, Rules("all"), set(), set()) is None
    assert hold_reason(password, Rules("sso"), set(), set()) is not None


def test_the_domain_list_is_compared_on_the_normalised_email() -> None:
    rules = Rules("sso", frozenset({"corp.example"}))
    assert hold_reason(SSO, rules, set(), set()) is None
    other = replace(SSO, email="ann@corp.example.evil", auth_email="ann@corp.example.evil")
    assert hold_reason(other, rules, set(), set()) is not None
