"""The models LiteLLM serves, as the CLI and worker see them (config file + API-added)."""

from __future__ import annotations

from pathlib import Path

import pytest

from litellm_bridge_plugin.errors import SettingsError
from litellm_bridge_plugin.litellm.catalog import config_models, served_models
from litellm_bridge_plugin.settings import load_settings
from tests.fixtures.support import Databases

CONFIG = Path(__file__).resolve().parents[2] / "config" / "litellm_config.yaml"


def test_the_example_config() -> None:
    assert config_models(CONFIG) == ["claude-3-sonnet", "gpt-3.5-turbo", "gpt-4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("model_list: []", []),
        (
            "model_list:\n  - model_name: a\n  - {}\n  - 42\n  - model_name: ''\n  - model_name: a",
            ["a"],
        ),
        ("litellm_settings: {}", []),
    ],
)
def test_odd_but_valid_configs(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    assert config_models(path) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model_list: [unclosed", "is not valid YAML"),
        ("- just\n- a list", "is not a LiteLLM config"),
        ("model_list: gpt-4", "model_list in"),
    ],
)
def test_broken_configs_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as caught:
        config_models(path)
    assert "BRIDGE_LITELLM_CONFIG" in str(caught.value) and message in str(caught.value)


def test_missing_config_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            litellm_database_url="postgresql://x@h/l",
            openwebui_database_url="postgresql://x@h/o",
            litellm_config=tmp_path / "nope.yaml",
        )
    assert "BRIDGE_LITELLM_CONFIG" in str(caught.value)


def test_api_added_models_join_the_config(databases: Databases) -> None:
    conn = databases.litellm()
    # a model blocked in LiteLLM is not served (LiteLLM_ProxyModelTable.blocked, which
    # 1.77.3's schema does not have yet: there no model is blocked)
    blocking = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'LiteLLM_ProxyModelTable' "
        "AND column_name = 'blocked'"
    ).fetchone()
    for model_id, name in [("m1", "llama-3"), ("m2", "gpt-4"), ("m3", "retired")]:
        conn.execute(
            'INSERT INTO "LiteLLM_ProxyModelTable" (model_id, model_name, litellm_params, '
            "created_by, updated_by) VALUES (%s, %s, %s, 'a', 'a')",
            (model_id, name, '{"api_key": "sk-secret"}'),
        )
    if blocking:
        conn.execute("UPDATE \"LiteLLM_ProxyModelTable\" SET blocked = true WHERE model_id = 'm3'")
    else:
        conn.execute("DELETE FROM \"LiteLLM_ProxyModelTable\" WHERE model_id = 'm3'")
    assert served_models(conn, CONFIG) == ["claude-3-sonnet", "gpt-3.5-turbo", "gpt-4", "llama-3"]
    assert served_models(conn, None) == ["gpt-4", "llama-3"]


def test_included_files_count(tmp_path: Path) -> None:
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "models.yaml").write_text("model_list:\n  - model_name: included-model\n")
    main = tmp_path / "config.yaml"
    main.write_text("include:\n  - more/models.yaml\nmodel_list:\n  - model_name: own-model\n")
    assert config_models(main) == ["included-model", "own-model"]
    (tmp_path / "loop.yaml").write_text("include:\n  - loop.yaml\n")
    with pytest.raises(SettingsError, match="includes itself"):
        config_models(tmp_path / "loop.yaml")
    (tmp_path / "missing.yaml").write_text("include:\n  - nowhere.yaml\n")
    with pytest.raises(SettingsError, match="cannot read"):
        config_models(tmp_path / "missing.yaml")
