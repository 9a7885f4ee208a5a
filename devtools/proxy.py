"""Start the real LiteLLM proxy with the plugin, as the demo and the tests do.

The proxy runs without a database of its own (Prisma cannot fetch its engines here); the
bridge reads LiteLLM's tables through BRIDGE_LITELLM_DATABASE_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .stack import bridge_env

CONFIG = Path(__file__).resolve().parents[1] / "config" / "litellm_config.yaml"
LOADER = CONFIG.with_name("litellm_bridge_callback.py")


def write_config(directory: Path, text: str, **loaders: str) -> Path:
    """``directory``/config.yaml holding ``text``, with the bridge's loader file beside it (as
    every LiteLLM release finds a config callback) and a loader file ``<name>.py`` holding the
    import line of each further callback in ``loaders``."""
    (directory / LOADER.name).write_text(LOADER.read_text())
    for name, line in loaders.items():
        (directory / f"{name}.py").write_text(line + "\n")
    config = directory / "config.yaml"
    config.write_text(text)
    return config


def proxy_env(
    litellm_url: str, openwebui_url: str, master_key: str, **extra: str
) -> dict[str, str]:
    """This process's environment with the bridge's settings and no proxy database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.pop("DATABASE_URL", None)
    return (
        env
        | {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_MASTER_KEY": master_key,
            "BRIDGE_LITELLM_DATABASE_URL": litellm_url,
            "BRIDGE_OPENWEBUI_DATABASE_URL": openwebui_url,
        }
        | extra
    )


def stack_env(
    litellm_url: str, openwebui_url: str, master_key: str, **extra: str
) -> dict[str, str]:
    """:func:`proxy_env` with the master key as Open WebUI's service key (this proxy has no
    database for virtual keys), as the demo and the end-to-end tests run it."""
    return proxy_env(
        litellm_url,
        openwebui_url,
        master_key,
        **bridge_env(litellm_url, openwebui_url, master_key) | extra,
    )


def start_proxy(
    env: dict[str, str],
    port: int,
    log_path: Path,
    config: Path = CONFIG,
    args: Sequence[str] = (),
) -> subprocess.Popen[Any]:
    """``litellm --config config/litellm_config.yaml`` on 127.0.0.1:``port``, logging to a file
    (``args``: more of ``litellm``'s options, e.g. ``--num_workers 2``)."""
    litellm = Path(sys.executable).with_name("litellm")
    command = [str(litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    command += list(args)
    return subprocess.Popen(
        command,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=log_path.parent,
    )
