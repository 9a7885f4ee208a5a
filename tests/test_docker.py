"""docker/: the compose file parses and wires the stack the way the tests and the demo do.

No Docker engine runs here, so the images are not started; what can drift silently is
checked instead: versions, the config file, ports, and the settings that connect the parts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import litellm
import yaml

from devtools import dbs, stack
from devtools.proxy import CONFIG

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _resolve(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR:-default} / ${VAR:?message} substitution, nested defaults included."""
    pattern = re.compile(r"\$\{(\w+)(?::([-?])((?:[^{}]|\$\{[^{}]*\})*))?\}")
    for _ in range(5):
        value = pattern.sub(
            lambda m: env.get(m.group(1)) or (m.group(3) if m.group(2) == "-" else "") or "",
            value,
        )
    return value


def test_versions_are_the_tested_ones() -> None:
    services = _compose()["services"]
    assert (
        services["open-webui"]["image"]
        == f"ghcr.io/open-webui/open-webui:v{stack.OPENWEBUI_VERSION}"
    )
    assert stack.OPENWEBUI_VERSION in dbs.OPENWEBUI_VERSIONS
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert f"litellm-database:main-v{stack.LITELLM_VERSION}" in dockerfile
    from importlib.metadata import version

    assert version("litellm") == stack.LITELLM_VERSION
    assert litellm is not None


def test_the_proxy_uses_the_tested_config_and_ports() -> None:
    services = _compose()["services"]
    proxy = services["litellm"]
    mounts = [v.split(":") for v in proxy["volumes"]]
    config = [
        (DOCKER / host).resolve() for host, target, *_ in mounts if target == "/app/config.yaml"
    ]
    assert config == [CONFIG.resolve()]
    assert proxy["command"] == ["--config", "/app/config.yaml", "--port", str(stack.PROXY_PORT)]
    assert proxy["ports"] == [f"{stack.PROXY_PORT}:{stack.PROXY_PORT}"]
    assert services["open-webui"]["ports"] == [f"{stack.OPENWEBUI_PORT}:8080"]
    assert (DOCKER / proxy["build"]["dockerfile"].removeprefix("docker/")).exists()


def test_the_settings_connect_the_parts_like_the_tests() -> None:
    services = _compose()["services"]
    env = {"LITELLM_MASTER_KEY": "sk-master"}
    proxy_env = {k: _resolve(str(v), env) for k, v in services["litellm"]["environment"].items()}
    owui_env = {k: _resolve(str(v), env) for k, v in services["open-webui"]["environment"].items()}
    password = "bridge-demo-password"
    expected_bridge = stack.bridge_env(
        f"postgresql://postgres:{password}@postgres:5432/litellm",
        f"postgresql://postgres:{password}@postgres:5432/openwebui",
        "sk-master",
    )
    assert {k: proxy_env[k] for k in expected_bridge} == expected_bridge
    expected_owui = stack.openwebui_connection_env(
        f"http://litellm:{stack.PROXY_PORT}", "sk-master"
    )
    assert {k: owui_env[k] for k in expected_owui} == expected_owui
    assert owui_env["DATABASE_URL"] == expected_bridge["BRIDGE_OPENWEBUI_DATABASE_URL"]
    assert proxy_env["DATABASE_URL"] == expected_bridge["BRIDGE_LITELLM_DATABASE_URL"]
    init = (DOCKER / "init-databases.sh").read_text()
    assert "CREATE DATABASE litellm;" in init and "CREATE DATABASE openwebui;" in init
    # the service key defaults to the master key, and can be set apart
    separate = {"LITELLM_MASTER_KEY": "sk-master", "OPENWEBUI_SERVICE_KEY": "sk-owui"}
    assert _resolve(services["open-webui"]["environment"]["OPENAI_API_KEY"], separate) == "sk-owui"
    assert (
        _resolve(services["litellm"]["environment"]["BRIDGE_OPENWEBUI_SERVICE_KEY"], separate)
        == "sk-owui"
    )
