"""The import-linter contracts in pyproject.toml catch the imports they forbid.

`make lint` runs `lint-imports` on the real tree; a contract that can never break would pass
there too. Each case copies the package, adds one import the DESIGN forbids, and checks that
the named contract breaks and names that import. The unchanged copy must keep every contract,
so a failure comes from the probe, not from the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@dataclass(frozen=True)
class Probe:
    contract: str
    module: str  # file under the copied tree that gets the extra import
    line: str
    expected: str  # how lint-imports names the forbidden import


PROBES = [
    Probe(
        "arrow",
        "supergraph/operation/tree.py",
        "import supergraph.pipeline.router",
        "supergraph.operation.tree -> supergraph.pipeline.router",
    ),
    Probe(
        "arrow",
        "supergraph/schema/model.py",
        "from supergraph.compose import errors",
        "supergraph.schema.model -> supergraph.compose",
    ),
    Probe(
        "arrow",
        "supergraph/errors.py",
        "from supergraph.schema import model",
        "supergraph.errors -> supergraph.schema",
    ),
    Probe(
        "compose-on-schema",
        "supergraph/compose/merged.py",
        "from supergraph.planner import plan",
        "supergraph.compose.merged -> supergraph.planner",
    ),
    Probe(
        "arrow",
        "supergraph/executor/execute.py",
        "from supergraph.pipeline import router",
        "supergraph.executor.execute -> supergraph.pipeline.router",
    ),
    Probe(
        "no-web-framework-below-http",
        "supergraph/executor/shaping.py",
        "import starlette.responses",
        "supergraph.executor.shaping -> starlette",
    ),
    Probe(
        "pure-stages",
        "supergraph/planner/plan.py",
        "import time",
        "supergraph.planner.plan -> time",
    ),
    Probe(
        "pure-stages",
        "supergraph/compose/printer.py",
        "import asyncio",
        "supergraph.compose.printer -> asyncio",
    ),
    Probe(
        "thin-edge",
        "supergraph/http/masking.py",
        "from supergraph.executor import shaping",
        "supergraph.http.masking -> supergraph.executor.shaping",
    ),
]


def _copy_tree(target: Path) -> Path:
    shutil.copytree(
        REPO / "supergraph",
        target / "supergraph",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def _lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    # lint-imports finds the root package on sys.path: the copy must shadow the
    # editable install, or the probe would go unseen.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *selected],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _flat(output: str) -> str:
    """lint-imports wraps lines at 80 columns; compare with whitespace collapsed."""
    return " ".join(output.split())


def test_the_unchanged_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_imports(_copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: f"{p.contract}:{p.expected}")
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, probe: Probe) -> None:
    root = _copy_tree(tmp_path)
    with (root / probe.module).open("a") as source:
        source.write(f"\n{probe.line}  # probe\n")

    result = _lint_imports(root, probe.contract)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert probe.expected in _flat(result.stdout), result.stdout


def test_a_package_outside_every_layer_breaks_the_arrow(tmp_path: Path) -> None:
    """The layers are exhaustive: a new package must be placed in the arrow on purpose."""
    root = _copy_tree(tmp_path)
    (root / "supergraph" / "newstage").mkdir()
    (root / "supergraph" / "newstage" / "__init__.py").write_text('"""A stage nobody placed."""\n')

    result = _lint_imports(root, "arrow")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "supergraph.newstage" in _flat(result.stdout + result.stderr), result.stdout
