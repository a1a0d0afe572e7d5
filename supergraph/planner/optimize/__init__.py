"""Optimisation passes over the fetch graph the walker built, run until none changes it.

Each pass is one module and one function `(groups, budget) -> groups`: it may
rewrite or drop fetch groups (ids are kept), spends a step of the planning
budget per comparison, runs to its own fixed point, and returns
the very list it was given when it changed nothing, a new one otherwise.
`optimize` runs the passes in order, round after round, until every pass has
run since the last change without changing anything: a change by one pass may
enable another.

- `merge_siblings`  fetches to the same subgraph at the same response path become
                    one, where that creates no cycle and keeps each part's
                    `@skip`/`@include`
"""

from __future__ import annotations

from collections.abc import Callable

from supergraph.planner.budget import Budget
from supergraph.planner.groups import FetchGroup
from supergraph.planner.optimize.merge_siblings import merge_siblings

Pass = Callable[[list[FetchGroup], Budget], list[FetchGroup]]

PASSES: tuple[Pass, ...] = (merge_siblings,)


def optimize(
    groups: list[FetchGroup], budget: Budget, passes: tuple[Pass, ...] = PASSES
) -> list[FetchGroup]:
    """`groups` after the passes, run until none changes them."""
    last_change: int | None = None
    index = 0
    while True:
        after = passes[index](groups, budget)
        if after is not groups:
            groups, last_change = after, index
        index = (index + 1) % len(passes)
        # Back at the pass that changed the graph last (or, with no change, at the
        # first): every pass has seen the graph as it is. A pass is its own fixed point.
        if index == (0 if last_change is None else last_change):
            return groups


__all__ = ["PASSES", "Pass", "merge_siblings", "optimize"]
