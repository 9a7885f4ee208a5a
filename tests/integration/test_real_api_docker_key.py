"""Docker's service-key step, run for real (issue 23): the shell command docker-compose.yml's
``openwebui-key`` service runs, taken from the compose file, run here with curl against the real
proxy with its own database (no Docker engine runs here; the nearest real seam is the command
itself, with ``http://litellm:8313`` pointed at the test's proxy). The key it makes lists models
and chats as the person Open WebUI names, is recognised by its value as the compose file sets
the proxy up, and is refused on management routes; a second run finds it and only sets its
routes again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.fixtures.litellm_api import Api, real_litellm
from tests.integration.test_docker import KEYS, _compose, _environment

pytestmark = pytest.mark.proxy

SERVICE_KEY = KEYS["OPENWEBUI_SERVICE_KEY"]


@pytest.fixture(scope="module")
def api(
    pg_server: str, templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    # the proxy as the compose file sets it up: Open WebUI's key recognised by its value
    with real_litellm(
        pg_server,
        templates,
        tmp_path_factory.mktemp("docker"),
        BRIDGE_OPENWEBUI_SERVICE_KEY=SERVICE_KEY,
    ) as found:
        yield found


def run_key_step(api: Api) -> subprocess.CompletedProcess[str]:
    """The openwebui-key service's command with compose's substitutions made: its environment
    (with the test's master key), ``$$`` as ``$``, the proxy's address."""
    service = _compose()["services"]["openwebui-key"]
    script = service["command"][0].replace("$$", "$")
    script = script.replace("http://litellm:8313", f"http://127.0.0.1:{api.proxy.port}")
    env = _environment("openwebui-key", KEYS | {"LITELLM_MASTER_KEY": "sk-test-master"})
    assert shutil.which("curl"), "curl runs the step in its image; install curl"
    return subprocess.run(
        ["/bin/sh", "-c", script],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_compose_key_step_makes_a_key_open_webui_can_use_and_nothing_more(api: Api) -> None:
    dana = api.ok("/user/new", {"user_email": "dana@corp.example", "auto_create_key": False})
    api.ok("/key/generate", {"user_id": dana["user_id"], "models": ["gpt-4"]})
    account = api.wait_for(
        lambda: api.databases.owui_users().get("dana@corp.example"), "Dana's account"
    )
    done = run_key_step(api)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created Open WebUI's service key (alias openwebui_global_key)" in done.stdout
    assert SERVICE_KEY not in done.stdout + done.stderr

    as_dana = {"X-OpenWebUI-User-Email": "dana@corp.example", "X-OpenWebUI-User-Id": account["id"]}
    status, models = api.call("/v1/models", key=SERVICE_KEY, headers=as_dana)
    assert status == 200 and {m["id"] for m in models["data"]} >= {"gpt-4"}, models
    status, answer = api.chat(SERVICE_KEY, "gpt-4", as_dana)
    assert status == 200, answer
    assert api.chat(SERVICE_KEY, "gpt-3.5-turbo", as_dana)[0] == 403  # not Dana's
    for path, body in [
        ("/key/generate", {"key_alias": "mine"}),
        ("/user/new", {"user_email": "eve@corp.example"}),
        ("/key/update", {"key": SERVICE_KEY, "allowed_routes": []}),
    ]:
        status, _ = api.call(path, body, key=SERVICE_KEY)
        assert status in (401, 403), f"{path} answered {status}"

    again = run_key_step(api)
    status, info = api.call(f"/key/info?key={hashlib.sha256(SERVICE_KEY.encode()).hexdigest()}")
    assert status == 200, info
    if "status" in info["info"]:  # the image's release (1.106.12) says whether it is active
        assert again.returncode == 0, again.stdout + again.stderr
        assert "exists already; its routes are set again" in again.stdout
    else:  # 1.77.3 does not: the step fails loudly rather than pass a key it cannot check
        assert again.returncode == 1 and "creating Open WebUI's service key failed" in again.stderr
    assert api.chat(SERVICE_KEY, "gpt-4", as_dana)[0] == 200
