"""Planners a compile process can import by name (tests of compute_process.py).

A compile process gets the router's planner pickled by reference, so a test's own
planner must live in an importable module. `held_planner` holds an operation named
`Held` while the file named by $COMPUTE_TEST_HOLD exists (the test removes it, or
kills the process), after touching $COMPUTE_TEST_HOLD.started: so a test knows the
job is running in the child without timing anything.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from graphql import DocumentNode, OperationDefinitionNode

from supergraph.planner import build_query_plan
from supergraph.planner.plan import QueryPlan
from supergraph.schema import Supergraph

HOLD_ENV = "COMPUTE_TEST_HOLD"
HOLD_LIMIT = 60.0
"""Seconds at most a held job waits (a test that forgot to release it still ends)."""


def held_planner(supergraph: Supergraph, document: DocumentNode, name: str | None) -> QueryPlan:
    hold = os.environ.get(HOLD_ENV)
    names = {
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    }
    if hold and "Held" in names:
        Path(f"{hold}.started").write_text(str(os.getpid()))
        deadline = time.monotonic() + HOLD_LIMIT
        while Path(hold).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    return build_query_plan(supergraph, document, name)


def never_ready(payload: bytes) -> object:
    """A compile process's entry that never builds its handler: it waits until its
    stdin closes (the router killed it or closed)."""
    os.read(0, 1)
    raise SystemExit(0)
