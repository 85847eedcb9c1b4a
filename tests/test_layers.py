"""explain/ is a stack of layers: a module imports only from its own layer or lower ones.

Every import counts, those under ``TYPE_CHECKING`` and inside functions too, so
the order cannot be dodged. The same graph must have no cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "explain"
# Lowest first. A module may import from its own layer and the layers before it.
LAYERS = (
    "core",
    "model",
    "engine",
    "text",
    "methods",
    "tasks",
    "views",
    "evaluation",
    "render",
    "io",
    "scale",
    "report",
    "serve",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every ``explain`` module that ``path`` imports, wherever the import stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("explain"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("explain"):
            found.add(str(node.module))
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {name for name in found if name in modules}


def layer_of(module: str) -> int | None:
    """The layer index of ``explain.<layer>.<...>``; None for the package's own top."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def graph() -> dict[str, set[str]]:
    return {module_name(path): imported_modules(path) for path in PACKAGE.rglob("*.py")}


def test_every_module_sits_in_a_layer() -> None:
    stray = [
        name
        for name in graph()
        if layer_of(name) is None and name not in ("explain", "explain.__main__")
    ]
    assert stray == [], f"modules outside the layers {LAYERS}: {stray}"


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{module} ({LAYERS[layer_of(module)]}) imports {target} ({LAYERS[layer_of(target)]})"
        for module, targets in graph().items()
        if layer_of(module) is not None
        for target in targets
        if layer_of(target) is not None and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    edges = {
        module: {t for t in targets if t != module and not module.startswith(t + ".")}
        for module, targets in graph().items()
        if module not in ("explain", "explain.__main__")
    }
    # A package's __init__ is imported on the way to its submodules; only
    # module-to-module edges make a cycle.
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    offender = PACKAGE / "core" / "_offender_probe.py"
    offender.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from explain.render.charts import token_labels\n"
    )
    try:
        with pytest.raises(AssertionError, match="_offender_probe"):
            test_no_module_imports_a_higher_layer()
    finally:
        offender.unlink()


def test_explain_never_imports_streamlit() -> None:
    users = [
        module_name(path)
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            (getattr(node, "module", None) or alias.name).split(".")[0] == "streamlit"
            for alias in node.names
        )
    ]
    assert users == []
