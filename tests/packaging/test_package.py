"""What `python -m build` makes, and what installing it into a proxy's environment changes.

Built without isolation (setuptools and build come from the test environment, pinned in
constraints.txt), so no registry is needed; `make test-compat` repeats the install check in
environments of the oldest and newest supported LiteLLM.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import litellm_bridge_plugin
from litellm_bridge_plugin.ops.cli import main
from litellm_bridge_plugin.releases import SUPPORTED_LITELLM

ROOT = Path(__file__).resolve().parents[2]
SQL = sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "litellm_bridge_plugin" / "sql").rglob("*.sql")
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_the_wheel_and_sdist_carry_the_sql_and_one_version(built: dict[str, Path]) -> None:
    version = litellm_bridge_plugin.__version__
    assert built["wheel"].name == f"litellm_bridge_plugin-{version}-py3-none-any.whl"
    assert SQL and any("sqlite/" in s for s in SQL) and any("migrations/" in s for s in SQL)
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(f"litellm_bridge_plugin-{version}.dist-info/METADATA").decode()
        entry_points = wheel.read(
            f"litellm_bridge_plugin-{version}.dist-info/entry_points.txt"
        ).decode()
    assert set(SQL) <= names
    assert f"Version: {version}" in meta
    assert "Requires-Dist: litellm[proxy]<2,>=1.77.3" in meta  # a range, never a pin
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert not [r for r in requires if "==" in r.split(";")[0]]
    assert "litellm-bridge = litellm_bridge_plugin.ops.cli:main" in entry_points
    with tarfile.open(built["sdist"]) as sdist:
        members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
    assert set(SQL) <= members and "CHANGELOG.md" in members and "README.md" in members


def test_installing_the_wheel_leaves_the_proxys_packages_as_they_are(
    built: dict[str, Path],
) -> None:
    """Into an environment that already runs LiteLLM (this one), pip would install the
    plugin and nothing else: LiteLLM, pydantic and fastapi stay as they are."""
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "--quiet",
            "--report",
            "-",
            str(built["wheel"]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    installs = json.loads(report.stdout)["install"]
    assert [i["metadata"]["name"] for i in installs] == ["litellm-bridge-plugin"]


def test_version_says_the_bridge_and_litellm(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"litellm-bridge {litellm_bridge_plugin.__version__} ")
    low, high = SUPPORTED_LITELLM
    assert f"LiteLLM {metadata.version('litellm')}" in out and f"supported {low} to {high}" in out
