from __future__ import annotations

from typing import Any

import pytest

from .cases import load_cases
from .reference import node_available, reference_compose


@pytest.fixture(scope="session")
def reference_results() -> dict[str, dict[str, Any]]:
    """The reference composition of every case, computed once (one Node process)."""
    if not node_available():
        pytest.fail("Node and tests/node/node_modules are needed: run `make node-peers`")
    return reference_compose({case.name: case.as_json() for case in load_cases()})
