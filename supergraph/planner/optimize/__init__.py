"""Optimisation passes over the fetch graph the walker built, run until none changes it.

Each pass is one module and one function `(groups) -> groups`: it may rewrite
or drop fetch groups (ids are kept), and returns the very list it was given
when it changed nothing, a new one otherwise. `optimize` runs the passes in
order, again and again, until a whole round changes nothing: a pass may
enable another (or itself) once a neighbour has changed the graph.

- `merge_siblings`  fetches to the same subgraph at the same response path become
                    one, where that creates no cycle and keeps each part's
                    `@skip`/`@include`
"""

from __future__ import annotations

from collections.abc import Callable

from supergraph.planner.groups import FetchGroup
from supergraph.planner.optimize.merge_siblings import merge_siblings

Pass = Callable[[list[FetchGroup]], list[FetchGroup]]

PASSES: tuple[Pass, ...] = (merge_siblings,)


def optimize(groups: list[FetchGroup], passes: tuple[Pass, ...] = PASSES) -> list[FetchGroup]:
    """`groups` after the passes, run until a round changes nothing."""
    changed = True
    while changed:
        changed = False
        for run in passes:
            after = run(groups)
            if after is not groups:
                groups, changed = after, True
    return groups


__all__ = ["PASSES", "Pass", "merge_siblings", "optimize"]
