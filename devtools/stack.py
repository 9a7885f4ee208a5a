"""The settings that wire the three parts together, shared by the demo, the end-to-end tests
and checked against docker/docker-compose.yml (tests/test_docker.py)."""

from __future__ import annotations

PROXY_PORT = 8313
OPENWEBUI_PORT = 8333
OPENWEBUI_VERSION = "0.12.4"
LITELLM_VERSION = "1.106.12"


def openwebui_connection_env(proxy_url: str, service_key: str) -> dict[str, str]:
    """Open WebUI's environment for one OpenAI-style connection to the proxy, with the
    person's identity forwarded on every call (what the bridge's check reads)."""
    return {
        "ENABLE_OPENAI_API": "true",
        "OPENAI_API_BASE_URL": f"{proxy_url}/v1",
        "OPENAI_API_KEY": service_key,
        "ENABLE_FORWARD_USER_INFO_HEADERS": "true",
        "ENABLE_OLLAMA_API": "false",
    }


def bridge_env(litellm_url: str, openwebui_url: str, service_key: str) -> dict[str, str]:
    """The proxy's environment for the bridge: both databases and Open WebUI's service key."""
    return {
        "BRIDGE_LITELLM_DATABASE_URL": litellm_url,
        "BRIDGE_OPENWEBUI_DATABASE_URL": openwebui_url,
        "BRIDGE_OPENWEBUI_SERVICE_KEY": service_key,
    }
