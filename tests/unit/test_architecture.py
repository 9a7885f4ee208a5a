"""The layers of ``litellm_bridge_plugin`` import only downwards (docs/architecture.md).

Every import in every module, including those inside functions, is read with ``ast`` and
checked against :data:`MAY_IMPORT`; a new import that points up or sideways fails here with
the module and line that made it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "litellm_bridge_plugin"
NAME = "litellm_bridge_plugin"
LAYERS = ("plan", "litellm", "openwebui", "engine", "capture", "proxy", "ops")
BASE = "base"
"""The top-level modules: settings, errors, logs, queries, connections, domain, releases."""

MAY_IMPORT: dict[str, set[str]] = {
    BASE: {BASE},
    "plan": {BASE, "plan"},
    "openwebui": {BASE, "openwebui"},
    "litellm": {BASE, "litellm", "plan"},
    "capture": {BASE, "capture"},
    "engine": {BASE, "engine", "plan", "litellm", "openwebui", "capture"},
    "proxy": {BASE, "proxy", "engine", "capture", "litellm", "plan"},
    "ops": {BASE, *LAYERS},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != NAME:
        raise ValueError(module)
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else BASE


def module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import of this package in ``path``."""
    found: list[tuple[int, str]] = []
    here = module_of(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith(NAME)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(NAME):
                continue
            if target == NAME or (target.count(".") == 1 and target.split(".")[1] in LAYERS):
                # `from package import module`: each name is a module of that package
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


def violations() -> list[str]:
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue  # the entry point: builds `bridge` (the proxy's callback) on first use
        source = layer_of(module_of(path)) if path.parent != PACKAGE else BASE
        for line, target in imports_of(path):
            if target in (NAME, f"{NAME}.bridge"):
                continue
            if layer_of(target) not in MAY_IMPORT[source]:
                bad.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line}: {source} imports {target} "
                    f"({layer_of(target)})"
                )
    return bad


def test_every_module_belongs_to_a_known_layer() -> None:
    for child in PACKAGE.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            assert child.name in LAYERS, f"{child.name}: add it to LAYERS and MAY_IMPORT"
            doc = ast.get_docstring(ast.parse((child / "__init__.py").read_text()))
            assert doc and "import" in doc, f"{child.name}/__init__.py: say what it may import"


def test_imports_point_down_only() -> None:
    assert violations() == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import of the proxy from the planner is reported."""
    probe = PACKAGE / "plan" / "_probe_upward.py"
    probe.write_text("from litellm_bridge_plugin.proxy import plugin\n")
    try:
        assert any("_probe_upward.py:1: plan imports" in v for v in violations())
    finally:
        probe.unlink()


def test_every_operation_has_one_entry_in_the_table() -> None:
    """Adding a kind of change means one name and one entry (engine/operations.py)."""
    from typing import get_args

    from litellm_bridge_plugin.domain import Operation
    from litellm_bridge_plugin.engine.operations import OPERATIONS

    assert set(get_args(Operation)) == set(OPERATIONS)
