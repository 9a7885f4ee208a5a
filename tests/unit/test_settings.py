"""Settings come from the environment; bad ones fail with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_bridge_plugin.errors import SettingsError
from litellm_bridge_plugin.settings import load_settings, mask_url, parse_role_map

OWUI = "postgresql://bridge:s3cret@db:5432/openwebui"
LITELLM = "postgresql://litellm:pw@db:5432/litellm"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "BRIDGE_LITELLM_DATABASE_URL",
        "BRIDGE_OPENWEBUI_DATABASE_URL",
        "BRIDGE_SWEEP_INTERVAL",
        "BRIDGE_ROLE_MAP",
        "BRIDGE_ON_USER_DELETE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_and_database_url_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", LITELLM)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", OWUI)
    settings = load_settings()
    assert settings.litellm_database_url == LITELLM
    assert settings.sweep_interval == 300
    assert settings.on_user_delete == "deactivate"
    assert settings.role_map["proxy_admin"] == "admin"
    assert settings.role_map["proxy_admin_viewer"] == "user"


def test_bridge_variable_wins_over_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://other@db/other")
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", LITELLM)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", OWUI)
    assert load_settings().litellm_database_url == LITELLM


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "BRIDGE_OPENWEBUI_DATABASE_URL is not set"),
        (
            {"BRIDGE_OPENWEBUI_DATABASE_URL": OWUI},
            "BRIDGE_LITELLM_DATABASE_URL (or DATABASE_URL) is not set",
        ),
        (
            {"BRIDGE_OPENWEBUI_DATABASE_URL": "mysql://u:pw@h/db", "DATABASE_URL": LITELLM},
            "BRIDGE_OPENWEBUI_DATABASE_URL: the Open WebUI database URL must be a PostgreSQL URL",
        ),
        (
            {"BRIDGE_OPENWEBUI_DATABASE_URL": "sqlite:///:memory:", "DATABASE_URL": LITELLM},
            "BRIDGE_OPENWEBUI_DATABASE_URL: 'sqlite:///:memory:' names no file",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_SWEEP_INTERVAL": "soon",
            },
            "BRIDGE_SWEEP_INTERVAL",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_SWEEP_INTERVAL": "-5",
            },
            "BRIDGE_SWEEP_INTERVAL",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_ON_USER_DELETE": "purge",
            },
            "BRIDGE_ON_USER_DELETE",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_LINK_EXISTING": "any",
            },
            "BRIDGE_LINK_EXISTING",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_ROLE_MAP": "proxy_admin_viewer=root",
            },
            "BRIDGE_ROLE_MAP: role 'proxy_admin_viewer' maps to 'root'",
        ),
        (
            {
                "BRIDGE_OPENWEBUI_DATABASE_URL": OWUI,
                "DATABASE_URL": LITELLM,
                "BRIDGE_ROLE_MAP": "garbage",
            },
            "BRIDGE_ROLE_MAP: entry 'garbage'",
        ),
    ],
)
def test_invalid_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value) and ":pw@" not in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("proxy_admin_viewer=admin", {"proxy_admin_viewer": "admin"}),
        ('{"internal_user": "pending"}', {"internal_user": "pending"}),
        (" team = user , customer=pending ", {"team": "user", "customer": "pending"}),
        ("", {}),
    ],
)
def test_role_map_merges_over_defaults(raw: str, expected: dict[str, str]) -> None:
    role_map = parse_role_map(raw)
    for key, value in expected.items():
        assert role_map[key] == value
    assert role_map["proxy_admin"] == expected.get("proxy_admin", "admin")


def test_describe_masks_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", LITELLM)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", OWUI)
    line = load_settings().describe()
    assert "s3cret" not in line and ":pw@" not in line
    assert mask_url(OWUI) == "postgresql://bridge:***@db:5432/openwebui"


def test_open_webui_on_sqlite_is_taken_as_open_webui_takes_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Open WebUI's own DATABASE_URL for SQLite, absolute or relative (resolved against the
    working directory, and shown resolved)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", LITELLM)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", "sqlite:///data/webui.db")
    settings = load_settings()
    assert settings.openwebui_database_url == f"sqlite:///{tmp_path}/data/webui.db"
    assert f"openwebui_db=sqlite:///{tmp_path}/data/webui.db" in settings.describe()
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", "sqlite:////srv/owui/webui.db")
    assert load_settings().openwebui_database_url == "sqlite:////srv/owui/webui.db"


def test_enrolment_is_off_unless_asked_and_domains_are_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("BRIDGE_ENROL", "BRIDGE_ENROL_DOMAINS", "BRIDGE_ENROL_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIDGE_LITELLM_DATABASE_URL", LITELLM)
    monkeypatch.setenv("BRIDGE_OPENWEBUI_DATABASE_URL", OWUI)
    settings = load_settings()
    assert settings.enrol == "none" and not settings.enrol_domains and not settings.enrol_key
    assert "enrol=none" in settings.describe() and "enrol_domains" not in settings.describe()
    monkeypatch.setenv("BRIDGE_ENROL", "sso")
    monkeypatch.setenv("BRIDGE_ENROL_DOMAINS", " @Corp.Example, other.example ,")
    settings = load_settings()
    assert settings.enrol_domains == {"corp.example", "other.example"}
    assert "enrol=sso enrol_domains=corp.example,other.example enrol_key=no" in settings.describe()
    for bad, said in (("someone@corp.example", "not an email domain"), ("localhost", "domain")):
        monkeypatch.setenv("BRIDGE_ENROL_DOMAINS", bad)
        with pytest.raises(SettingsError, match=f"BRIDGE_ENROL_DOMAINS: .*{said}"):
            load_settings()
    monkeypatch.setenv("BRIDGE_ENROL_DOMAINS", "")
    monkeypatch.setenv("BRIDGE_ENROL", "everyone")
    with pytest.raises(SettingsError, match="BRIDGE_ENROL: Input should be 'none', 'sso' or 'all'"):
        load_settings()
