"""docker/: the compose file parses and wires the stack the way the tests and the demo do.

No Docker engine runs here, so the images are not started; what can drift silently is
checked instead: versions, the config file, ports, and the settings that connect the parts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import litellm
import pytest
import yaml
from fastapi import HTTPException
from litellm.proxy._types import GenerateKeyRequest, UpdateKeyRequest, UserAPIKeyAuth
from litellm.proxy.auth.route_checks import RouteChecks

from devtools import dbs, stack
from devtools.proxy import CONFIG, LOADER
from litellm_bridge_plugin.litellm.service_key import OPENWEBUI_ROUTES
from litellm_bridge_plugin.settings import Settings

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _resolve(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR:-default} / ${VAR:?message} substitution, nested defaults included;
    a required variable that is unset or empty raises, as compose refuses to start."""
    pattern = re.compile(r"\$\{(\w+)(?::([-?])((?:[^{}]|\$\{[^{}]*\})*))?\}")

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    for _ in range(5):
        value = pattern.sub(one, value)
    return value


def _environment(service: str, env: dict[str, str]) -> dict[str, str]:
    raw = _compose()["services"][service]["environment"]
    return {k: _resolve(str(v), env) for k, v in raw.items()}


KEYS = {
    "LITELLM_MASTER_KEY": "sk-master-0123456789",
    "OPENWEBUI_SERVICE_KEY": "sk-owui-0123456789",
    "WEBUI_SECRET_KEY": "0123456789abcdef" * 4,
}


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
    # the callback's loader file beside it, where every LiteLLM release looks for it
    loader = [
        (DOCKER / host).resolve()
        for host, target, *_ in mounts
        if target == "/app/litellm_bridge_callback.py"
    ]
    assert loader == [LOADER.resolve()]
    assert proxy["command"] == ["--config", "/app/config.yaml", "--port", str(stack.PROXY_PORT)]
    assert proxy["ports"] == [f"{stack.PROXY_PORT}:{stack.PROXY_PORT}"]
    assert services["open-webui"]["ports"] == [f"{stack.OPENWEBUI_PORT}:8080"]
    assert (DOCKER / proxy["build"]["dockerfile"].removeprefix("docker/")).exists()


def test_the_settings_connect_the_parts_like_the_tests() -> None:
    proxy_env = _environment("litellm", KEYS)
    owui_env = _environment("open-webui", KEYS)
    password = "bridge-demo-password"
    service_key = KEYS["OPENWEBUI_SERVICE_KEY"]
    expected_bridge = stack.bridge_env(
        f"postgresql://postgres:{password}@postgres:5432/litellm",
        f"postgresql://postgres:{password}@postgres:5432/openwebui",
        service_key,
    )
    assert {k: proxy_env[k] for k in expected_bridge} == expected_bridge
    expected_owui = stack.openwebui_connection_env(
        f"http://litellm:{stack.PROXY_PORT}", service_key
    )
    assert {k: owui_env[k] for k in expected_owui} == expected_owui
    assert owui_env["DATABASE_URL"] == expected_bridge["BRIDGE_OPENWEBUI_DATABASE_URL"]
    assert proxy_env["DATABASE_URL"] == expected_bridge["BRIDGE_LITELLM_DATABASE_URL"]
    init = (DOCKER / "init-databases.sh").read_text()
    assert "CREATE DATABASE litellm;" in init and "CREATE DATABASE openwebui;" in init


def test_open_webui_gets_a_key_of_its_own_not_the_master_key() -> None:
    """Compose makes Open WebUI's key with the master key and hands it to both sides.

    No Docker engine runs here, so nothing is started: the compose file is read, the key
    request it sends is checked against the installed LiteLLM's own request model and route
    check, and the one-shot service's wiring is checked.
    """
    services = _compose()["services"]
    service_key, master = KEYS["OPENWEBUI_SERVICE_KEY"], KEYS["LITELLM_MASTER_KEY"]
    owui_key = _environment("open-webui", KEYS)["OPENAI_API_KEY"]
    assert owui_key == service_key != master
    assert _environment("litellm", KEYS)["LITELLM_MASTER_KEY"] == master
    assert _environment("litellm", KEYS)["BRIDGE_OPENWEBUI_SERVICE_KEY"] == service_key
    maker = _environment("openwebui-key", KEYS)
    assert (maker["LITELLM_MASTER_KEY"], maker["OPENWEBUI_SERVICE_KEY"]) == (master, service_key)
    # without OPENWEBUI_SERVICE_KEY compose refuses to start: no falling back to the master key
    for name in ("open-webui", "litellm", "openwebui-key"):
        with pytest.raises(KeyError, match="OPENWEBUI_SERVICE_KEY"):
            _environment(name, {k: v for k, v in KEYS.items() if k != "OPENWEBUI_SERVICE_KEY"})

    body = json.loads(maker["KEY_REQUEST"])
    assert body["key"] == service_key
    assert body["key_alias"] == Settings.model_fields["openwebui_key_alias"].default
    assert body["allowed_routes"] == list(OPENWEBUI_ROUTES)
    request = GenerateKeyRequest.model_validate(body)  # fields LiteLLM's /key/generate takes
    assert (request.key, request.key_alias) == (service_key, body["key_alias"])
    assert request.allowed_routes == list(OPENWEBUI_ROUTES)
    # a key made by an earlier run gets the same routes (/key/update takes the key's value)
    update = UpdateKeyRequest.model_validate(json.loads(maker["ROUTES_UPDATE"]))
    assert (update.key, update.allowed_routes) == (service_key, list(OPENWEBUI_ROUTES))
    # what LiteLLM lets such a key call: the routes Open WebUI calls, each one checked by the
    # bridge; no management route and none LiteLLM serves without its pre-call hook
    holder = UserAPIKeyAuth(api_key="hashed", allowed_routes=body["allowed_routes"])
    for route in ("/v1/models", "/v1/chat/completions", "/v1/embeddings", "/v1/models/gpt-4"):
        assert RouteChecks.is_virtual_key_allowed_to_call_route(route, holder)
    for route in (
        "/key/generate",
        "/user/new",
        "/team/new",
        "/key/delete",
        "/model/new",
        "/openai/v1/chat/completions",
        "/anthropic/v1/messages",
        "/v1/threads/thread_x/runs",
        "/v1/assistants",
        "/a2a/agent-1",
        "/mcp/tools/call",
        "/v1/rag/ingest",
        "/utils/token_counter",
    ):
        with pytest.raises(HTTPException) as refused:
            RouteChecks.is_virtual_key_allowed_to_call_route(route, holder)
        assert refused.value.status_code == 403, route

    script = services["openwebui-key"]["command"][0]
    assert f"http://litellm:{stack.PROXY_PORT}/key/generate" in script
    assert '"Authorization: Bearer $$LITELLM_MASTER_KEY"' in script
    assert '-d "$$KEY_REQUEST"' in script
    assert services["openwebui-key"]["depends_on"] == {"litellm": {"condition": "service_healthy"}}
    assert services["open-webui"]["depends_on"]["openwebui-key"] == {
        "condition": "service_completed_successfully"
    }


def test_open_webui_needs_its_own_secret() -> None:
    """WEBUI_SECRET_KEY signs Open WebUI's sessions: a known default would let anyone sign
    in as anyone, so compose refuses to start without one."""
    assert _environment("open-webui", KEYS)["WEBUI_SECRET_KEY"] == KEYS["WEBUI_SECRET_KEY"]
    without = {k: v for k, v in KEYS.items() if k != "WEBUI_SECRET_KEY"}
    with pytest.raises(KeyError, match="WEBUI_SECRET_KEY"):
        _environment("open-webui", without)
    assert "change-me" not in (DOCKER / "docker-compose.yml").read_text()


def test_the_sqlite_variant_shares_open_webuis_file_with_the_bridge() -> None:
    """docker-compose.sqlite.yml: Open WebUI on its default SQLite file in its data volume,
    and the bridge mounting that volume at the same path with the same URL."""
    override = yaml.safe_load((DOCKER / "docker-compose.sqlite.yml").read_text())
    services = override["services"]
    url = services["open-webui"]["environment"]["DATABASE_URL"]
    assert services["litellm"]["environment"]["BRIDGE_OPENWEBUI_DATABASE_URL"] == url
    mounts = {
        name: {v.split(":")[0]: v.split(":")[1] for v in services[name]["volumes"]}
        for name in ("litellm", "open-webui")
    }
    assert mounts["litellm"]["open-webui-data"] == mounts["open-webui"]["open-webui-data"]
    assert url == f"sqlite:///{mounts['open-webui']['open-webui-data']}/webui.db"
    assert "open-webui-data" in override["volumes"]
    # the config mount of the base file stays (merged by target path; listed again for clarity)
    base = _compose()["services"]["litellm"]["volumes"]
    assert set(base) <= set(services["litellm"]["volumes"])
    settings = Settings(
        litellm_database_url="postgresql://u@postgres:5432/litellm", openwebui_database_url=url
    )
    assert settings.openwebui_database_url == url
