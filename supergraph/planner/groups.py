"""Fetch groups: the fetch-dependency graph the walker builds before plan nodes exist."""

from __future__ import annotations

from dataclasses import dataclass, field

from supergraph.planner.plan import FetchRewrite, KeyRenamer
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
    """Conditions common to everything in the group (set by `finish`): a Condition node."""
    condition_sets: list[Conditions] = field(default_factory=list)
    """The conditions of each selection jumped into this group."""
    selection: SelectionSet = field(default_factory=SelectionSet)
    requires: SelectionSet = field(default_factory=SelectionSet)
    """The representation fields of every part (for an entity fetch)."""
    representations: dict[frozenset[tuple[str, bool]], SelectionSet] = field(default_factory=dict)
    """The representation fields of the parts under each set of conditions (`requires`
    is their union): fetched under those conditions, so present only when they hold."""
    deps: set[int] = field(default_factory=set)
    input_rewrites: list[FetchRewrite] = field(default_factory=list)
    output_rewrites: list[FetchRewrite] = field(default_factory=list)
    context_rewrites: list[KeyRenamer] = field(default_factory=list)
    context_variables: dict[str, str] = field(default_factory=dict)
    """@fromContext variables this entity fetch declares: name -> subgraph type."""

    def representation_under(self, conditions: Conditions) -> SelectionSet:
        return self.representations.setdefault(frozenset(conditions), SelectionSet())


def finish(groups: list[FetchGroup]) -> None:
    """Give each group the conditions all its contents share (the rest stay as directives)."""
    for group in groups:
        if not group.condition_sets:
            continue
        first, *rest = group.condition_sets
        shared = (c for c in first if all(c in other for other in rest))
        group.conditions = tuple(dict.fromkeys(shared))  # each condition once
