"""Fetch groups: the fetch-dependency graph the walker builds before plan nodes exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from supergraph.planner.plan import FetchRewrite
from supergraph.planner.selection import SelectionSet

Conditions = tuple[tuple[str, bool], ...]
"""(variable, include-when-true) pairs every selection in a group is under."""


@dataclass(slots=True)
class FetchGroup:
    """One future Fetch: a subgraph, where its results merge, and what it selects."""

    id: int
    service: str
    is_entity: bool
    path: tuple[str, ...]
    """Response path where results merge ("@" for list items); () for root fetches."""
    parent: int | None
    conditions: Conditions = ()
    selection: SelectionSet = field(default_factory=SelectionSet)
    requires: SelectionSet = field(default_factory=SelectionSet)
    deps: set[int] = field(default_factory=set)
    input_rewrites: list[FetchRewrite] = field(default_factory=list)
    output_rewrites: list[FetchRewrite] = field(default_factory=list)
