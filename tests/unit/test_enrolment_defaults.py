"""Enrolment never makes an admin: LiteLLM defaults that name an admin role stop it
(proxy/enrolment.py ``check_defaults``, run at the plugin's start and before each enrolment)."""

from __future__ import annotations

import pytest

from litellm_bridge_plugin.errors import SettingsError
from litellm_bridge_plugin.proxy.enrolment import check_defaults

litellm = pytest.importorskip("litellm")


@pytest.mark.parametrize("role", ["proxy_admin", "proxy_admin_viewer"])
def test_defaults_naming_an_admin_role_stop_enrolment(
    monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setattr(litellm, "default_internal_user_params", {"user_role": role})
    with pytest.raises(SettingsError, match=f"default_internal_user_params.user_role is '{role}'"):
        check_defaults()


@pytest.mark.parametrize(
    "defaults", [None, {}, {"user_role": "internal_user", "models": ["gpt-4"]}, {"max_budget": 1}]
)
def test_other_defaults_let_it_run(monkeypatch: pytest.MonkeyPatch, defaults: object) -> None:
    monkeypatch.setattr(litellm, "default_internal_user_params", defaults)
    check_defaults()
