"""How the proxy loads the bridge from config.yaml, checked by `litellm-bridge doctor` with the
installed LiteLLM's own loader (``get_instance_fn``), so a release that loads callbacks
differently (1.77.3 only from a file beside the config) is judged by its own rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import litellm_bridge_plugin
from litellm_bridge_plugin.ops.doctor import CALLBACK, LOADER_FILE, Doctor
from litellm_bridge_plugin.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _check(config: Path) -> dict[str, str | None]:
    settings = Settings(
        openwebui_database_url="postgresql://h/owui",
        litellm_database_url="postgresql://h/litellm",
        litellm_config=config,
    )
    doctor = Doctor(settings)
    doctor._callback()
    [check] = doctor.checks
    return {"result": check.result, "detail": check.detail, "fix": check.fix}


def _config(tmp_path: Path, *callbacks: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"litellm_settings:\n  callbacks: {list(callbacks)}\n")
    return path


def test_the_shipped_config_and_loader_load_the_bridge_without_starting_it(
    tmp_path: Path,
) -> None:
    shutil.copy(ROOT / "config" / "litellm_config.yaml", tmp_path / "config.yaml")
    shutil.copy(ROOT / "config" / LOADER_FILE, tmp_path / LOADER_FILE)
    check = _check(tmp_path / "config.yaml")
    assert check["result"] == "ok", check
    assert CALLBACK in str(check["detail"])
    assert litellm_bridge_plugin._instance is None  # nothing was built or started


def test_a_config_without_the_loader_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    check = _check(_config(tmp_path, CALLBACK))
    assert check["result"] == "fail"
    assert "litellm_bridge_callback" in str(check["detail"])  # LiteLLM's own reason
    assert LOADER_FILE in str(check["fix"]) and "from litellm_bridge_plugin import bridge" in str(
        check["fix"]
    )


def test_a_loader_that_loads_something_else_is_refused(tmp_path: Path) -> None:
    (tmp_path / LOADER_FILE).write_text("bridge = object()\n")
    check = _check(_config(tmp_path, CALLBACK))
    assert check["result"] == "fail"
    assert "loads something other than the bridge" in str(check["detail"])


def test_a_config_naming_no_bridge_is_refused(tmp_path: Path) -> None:
    for config in (_config(tmp_path, "langfuse"), tmp_path / "empty.yaml"):
        config.touch()
        check = _check(config)
        assert check["result"] == "fail"
        assert "names no bridge callback" in str(check["detail"])
