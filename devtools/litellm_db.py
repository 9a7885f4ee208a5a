"""LiteLLM with its own database, for the tests, the demo and the benchmarks.

TEST AND DEMO INFRASTRUCTURE ONLY. LiteLLM talks to PostgreSQL through prisma-client-py,
which spawns Prisma's native query engine; those engines are downloaded from a host these
machines cannot reach (deployments use LiteLLM's image, which ships them). Here
``devtools/prisma_engine`` stands in for the native engine: a Node program serving its HTTP
routes on Prisma's WebAssembly engine from the npm registry (its README says what it does
not support). This module installs it (``npm ci``), generates LiteLLM's Prisma client against
it (``prisma generate``, offline) and gives the environment a proxy needs to start with
``DATABASE_URL``. LiteLLM's schema is applied by SQL from ``litellm_proxy_extras`` (as
:func:`devtools.dbs.apply_litellm_schema` does), so the schema engine is a stub and the proxy
starts with schema updates off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .proxy import CONFIG, write_config

ENGINE_DIR = Path(__file__).resolve().parent / "prisma_engine"
QUERY_ENGINE = ENGINE_DIR / "query-engine.mjs"
SCHEMA_ENGINE = ENGINE_DIR / "schema-engine"
STAMP = ".litellm-bridge-generated"


class LiteLLMDatabaseError(RuntimeError):
    """LiteLLM cannot be given its database here; the message says what to install."""


def engine_env() -> dict[str, str]:
    """What prisma-client-py and the Prisma CLI need to find the stand-in and stay offline."""
    return {
        "PRISMA_BINARY_CACHE_DIR": str(ENGINE_DIR),  # holds node_modules/prisma (the CLI)
        "PRISMA_QUERY_ENGINE_BINARY": str(QUERY_ENGINE),
        "PRISMA_SCHEMA_ENGINE_BINARY": str(SCHEMA_ENGINE),
        "PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING": "1",
        "PRISMA_HIDE_UPDATE_MESSAGE": "true",
        "CHECKPOINT_DISABLE": "1",
        "PRISMA_USE_GLOBAL_NODE": "true",
    }


def proxy_db_env(database_url: str) -> dict[str, str]:
    """The environment a proxy needs to run with ``database_url`` as its database (already
    migrated): the stand-in engine, schema updates off, a short Prisma command timeout."""
    return engine_env() | {
        "DATABASE_URL": database_url,
        "DISABLE_SCHEMA_UPDATE": "true",
        "LITELLM_PRISMA_COMMAND_TIMEOUT": "20",
    }


# Spend is written by LiteLLM's batch writer every `proxy_batch_write_at` seconds (default 10).
# Not less than 4: LiteLLM 1.77.3 jitters it by up to 3 s either way, and an interval of zero or
# less sends its scheduler into an endless loop (the proxy then never finishes starting).
GENERAL_SETTINGS = """
  proxy_batch_write_at: 4
  disable_prisma_schema_update: true
"""


def db_config(directory: Path, litellm: str = "", bridge: bool = True) -> Path:
    """``directory``/config.yaml: the example config with the database settings above;
    ``litellm``: more lines for ``litellm_settings``; ``bridge=False``: without the plugin
    (to compare against)."""
    text = CONFIG.read_text().replace(
        "general_settings:\n", "general_settings:" + GENERAL_SETTINGS, 1
    )
    text = text.replace("litellm_settings:\n", "litellm_settings:\n" + litellm, 1)
    if not bridge:
        text = text.replace('  callbacks: ["litellm_bridge_callback.bridge"]\n', "")
    return write_config(directory, text)


def ensure_engine() -> None:
    """Install the stand-in's npm packages (exact versions, from its lockfile) when missing
    or out of date; the Prisma CLI's postinstall (a download) is skipped."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise LiteLLMDatabaseError(
            "Node.js and npm are needed for LiteLLM's database here: run `make setup` "
            "(it installs them from Debian's packages) or `apt-get install nodejs npm`"
        )
    lock = ENGINE_DIR / "package-lock.json"
    installed = ENGINE_DIR / "node_modules" / ".litellm-bridge-lock"
    want = hashlib.sha256(lock.read_bytes()).hexdigest()
    if installed.exists() and installed.read_text() == want:
        return
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=ENGINE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    installed.write_text(want)


def ensure_client(python: str = sys.executable) -> None:
    """Generate LiteLLM's Prisma client in ``python``'s environment (once per schema, client
    release and stand-in): ``prisma generate`` on the schema the installed LiteLLM ships."""
    ensure_engine()
    found = subprocess.run(
        [python, "-c", _LOCATE],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise LiteLLMDatabaseError(
            f"{python} has no prisma-client-py or no LiteLLM proxy: install `prisma` "
            f"(LiteLLM's extra_proxy; `make setup` does)\n{found.stderr.strip()[-500:]}"
        )
    package, schema, version = found.stdout.strip().splitlines()
    lock = (ENGINE_DIR / "package-lock.json").read_bytes()
    want = hashlib.sha256(
        Path(schema).read_bytes() + version.encode() + lock + QUERY_ENGINE.read_bytes()
    ).hexdigest()
    stamp = Path(package) / STAMP
    if stamp.exists() and stamp.read_text() == want:
        return
    result = subprocess.run(
        [python, "-m", "prisma", "generate", "--schema", schema],
        # the schema names its generator `prisma-client-py`, a script beside that python
        env=os.environ
        | engine_env()
        | {"PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(schema).parent,
    )
    if result.returncode != 0:
        raise LiteLLMDatabaseError(
            f"prisma generate failed for {schema}:\n{(result.stdout + result.stderr)[-2000:]}"
        )
    stamp.write_text(want)
    if python == sys.executable:
        _forget_prisma()


def _forget_prisma() -> None:
    """This process may have imported prisma before its client was generated (LiteLLM's proxy
    modules do): forget it, so that the next ``from prisma import Prisma`` reads the client."""
    for name in [name for name in sys.modules if name == "prisma" or name.startswith("prisma.")]:
        del sys.modules[name]


# Run in the target environment: where prisma-client-py is, LiteLLM's schema, its release.
_LOCATE = """
import os, prisma, litellm.proxy
print(os.path.dirname(prisma.__file__))
print(os.path.join(os.path.dirname(litellm.proxy.__file__), "schema.prisma"))
print(prisma.__version__)
"""
