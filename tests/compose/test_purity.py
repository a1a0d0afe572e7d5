"""`supergraph/compose` stays pure: no I/O modules, nothing async (the CLI does the I/O)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "supergraph" / "compose"
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "functools",
    "re",
    "typing",
    "graphql",
    "yaml",
    "supergraph",
}
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not isinstance(node, ast.AsyncFunctionDef | ast.Await), f"async code in {path}"
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots = {node.module.split(".")[0]}
        else:
            continue
        assert roots <= ALLOWED, f"{path.name} imports {roots - ALLOWED}"
        if "supergraph" in roots and isinstance(node, ast.ImportFrom):
            assert node.module is not None
            assert node.module.startswith(("supergraph.compose", "supergraph.schema")), node.module
