"""Run The Guild's composition (tests/node/compose.mjs) on many subgraph sets in one Node process."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
SCRIPT = NODE_DIR / "compose.mjs"


def node_available() -> bool:
    return shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()


def reference_compose(sets: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, Any]]:
    """Case id -> {"supergraph": SDL} or {"errors": [{"message", "code"}]}."""
    completed = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(sets),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        check=True,
        timeout=300,
    )
    result: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return result
