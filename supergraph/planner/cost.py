"""Cheap cost estimates that steer the walker's choices.

One memoised traversal of a selection, as one subgraph would serve it,
gives two numbers: `local_cost`, how many jumps the subgraph would need
(fields it cannot resolve that must come from an entity jump; `INFEASIBLE`
when a field sits on a type that cannot be jumped from), and `remote_fields`,
how many of the client's fields it leaves to those jumps (a tie-break).
Jumps that leave from the same position for the same subgraph count once, as
they become one fetch. Linear in the selection size, so wide operations stay
cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.budget import Budget
from supergraph.planner.capabilities import (
    Provided,
    can_collect,
    can_jump_for,
    is_abstract,
    is_entity_anywhere,
    is_interface_object,
    jump_hops,
    jump_targets,
    key_local,
    resolvable_keys,
    resolves,
)
from supergraph.schema import Supergraph

INFEASIBLE = 1_000_000


Targets = frozenset[frozenset[str]]
"""Jumps from one position, each as the set of subgraphs that could serve it."""


@dataclass(frozen=True, slots=True)
class _Estimate:
    """The jumps one selection needs from one position, split by where they leave from.

    Jumps from the same position to the same subgraph are one entity fetch (the
    walker reuses the fetch open there and `optimize/merge_siblings.py` joins the rest), so a jump
    whose targets are known is kept as the set of subgraphs that could serve it,
    and a position pays once per subgraph it needs to cover them all: two
    implementations re-fetching a field from the same ancestor entity cost one
    jump, not two. Equal jumps are one entry, so wide selections stay linear.
    """

    fixed: int
    """Jumps that share no fetch with others here (deeper positions, two-hop jumps)."""
    here: Targets
    """Jumps leaving from this position."""
    up: Targets
    """Re-fetches from the nearest entity above (`PathFinder.ancestor_jump`)."""
    total: int
    remote: int = 0
    """Client fields left to later fetches (a jump's field and its whole subtree)."""


def _estimate_of(fixed: int, here: Targets, up: Targets, remote: int = 0) -> _Estimate:
    total = min(INFEASIBLE, fixed + _cover(here) + _cover(up))
    return _Estimate(fixed, here, up, total, remote)


class _Sum:
    """Adds up the estimates of one position's selections."""

    def __init__(self) -> None:
        self.fixed = 0
        self.here: set[frozenset[str]] = set()
        self.up: set[frozenset[str]] = set()

    def add(self, estimate: _Estimate) -> None:
        """Its jumps (the fields it leaves to them are the caller's to add up)."""
        self.fixed += estimate.fixed
        self.here |= estimate.here
        self.up |= estimate.up

    def done(self, remote: int) -> _Estimate:
        return _estimate_of(self.fixed, frozenset(self.here), frozenset(self.up), remote)


_NONE: Targets = frozenset()


class CostModel:
    def __init__(self, sg: Supergraph, budget: Budget | None = None) -> None:
        self.sg = sg
        self.budget = budget or Budget(None)
        self._memo: dict[tuple[str, str, int, int, bool], _Estimate] = {}
        self._keep: list[object] = []
        self._sizes: dict[int, int] = {}

    def local_cost(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
        under_entity: bool = False,
    ) -> int:
        """`under_entity`: an entity is on the path above (a field could be re-fetched from it)."""
        return self._estimate(graph, type_name, selections, provided, under_entity).total

    def _estimate(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
        under_entity: bool,
    ) -> _Estimate:
        key = (graph, type_name, id(selections), id(provided), under_entity)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        self._keep.append((selections, provided))
        self.budget.spend(len(selections) or 1)
        estimate = self._compute(graph, type_name, selections, provided, under_entity)
        self._memo[key] = estimate
        return estimate

    def _compute(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
        under_entity: bool,
    ) -> _Estimate:
        sg = self.sg
        total = _Sum()
        abstract = is_abstract(sg, type_name) and not is_interface_object(sg, graph, type_name)
        at_entity = is_entity_anywhere(sg, type_name) or (
            abstract
            and any(is_entity_anywhere(sg, t) for t in sg.possible_types_in(graph, type_name))
        )
        below_entity = under_entity or at_entity
        remote = 0
        for selection in selections:
            match selection:
                case Field():
                    if selection.name == "__typename":
                        if is_interface_object(sg, graph, type_name):
                            jumps = 1 if can_jump_for(sg, graph, type_name, "__typename") else 0
                            total.fixed += jumps
                        continue
                    found = resolves(sg, graph, type_name, selection.name, provided)
                    in_graph = sg.possible_types_in(graph, type_name) if abstract else ()
                    per_type: list[_Estimate] | None = None
                    if in_graph and (
                        found is None
                        or not self._on_every(graph, in_graph, selection.name, provided)
                    ):
                        # Planned per implementation, as the walker's `_add_abstract`: a
                        # field the interface declares is still left to a later fetch for
                        # each implementation here that cannot return it (@external, not
                        # provided). Jumps add up, the fields left are the most of any.
                        per_type = [
                            self._estimate(graph, possible, (selection,), provided, under_entity)
                            for possible in in_graph
                        ]
                        remote += max(e.remote for e in per_type)
                        if found is None:
                            for estimate in per_type:
                                total.add(estimate)
                            continue
                    if found is None or found.requires is not None:
                        total.add(self._missing(graph, type_name, selection.name, under_entity))
                        if per_type is None:
                            remote += 1 + self._size(selection.selections)
                        continue
                    if abstract:
                        for possible in in_graph:
                            if resolves(sg, graph, possible, selection.name, provided) is None:
                                total.add(
                                    self._missing(graph, possible, selection.name, under_entity)
                                )
                    child: Provided | None = None
                    if found.provides is not None:
                        child = Provided(found.provides)
                    elif provided is not None:
                        child = provided.child(type_name, sg, selection.name)
                    subtree = self._estimate(
                        graph, selection.type_name, selection.selections, child, below_entity
                    )
                    if per_type is None:
                        remote += subtree.remote
                    if subtree.total > 1 and not abstract:
                        subtree = self._whole_elsewhere(graph, type_name, selection, subtree)
                    # The child's jumps leave from its own position; its re-fetches
                    # leave from this one when it is the entity they go up to.
                    total.fixed += subtree.fixed + _cover(subtree.here)
                    (total.here if at_entity else total.up).update(subtree.up)
                case InlineFragment():
                    condition = selection.type_condition
                    if abstract and not sg.has_type(graph, condition):
                        continue
                    inner = condition if sg.has_type(graph, condition) else type_name
                    estimate = self._estimate(
                        graph, inner, selection.selections, provided, under_entity
                    )
                    total.add(estimate)
                    remote += estimate.remote
        return total.done(remote)

    def _missing(
        self, graph: str, type_name: str, field_name: str, under_entity: bool
    ) -> _Estimate:
        """A field `graph` cannot return at this position: one jump to a subgraph it
        reaches by key, two through an intermediate one, or a re-fetch of the path
        from the ancestor entity above."""
        sg = self.sg
        targets = jump_targets(sg, graph, type_name, field_name)
        if targets:
            return _estimate_of(0, frozenset({targets}), _NONE)
        hops = jump_hops(sg, graph, type_name, field_name)
        if hops is not None:
            return _estimate_of(hops, _NONE, _NONE)
        refetch = self._refetch_targets(graph, type_name, field_name) if under_entity else None
        if refetch:
            return _estimate_of(0, _NONE, frozenset({refetch}))
        return _estimate_of(INFEASIBLE, _NONE, _NONE)

    def _whole_elsewhere(
        self, graph: str, type_name: str, field: Field, subtree: _Estimate
    ) -> _Estimate:
        """One entity jump asking another subgraph for the whole field: the walker
        takes it (`PathFinder.worth_staying`) when the subtree here would need more jumps."""
        sg = self.sg
        best = subtree
        for other in sg.subgraphs:
            found = resolves(sg, other, type_name, field.name, None)
            if other == graph or found is None or found.requires is not None:
                continue
            keys = resolvable_keys(sg, other, type_name)
            if not any(key_local(sg, graph, type_name, k.selections) for k in keys):
                continue
            provided = Provided(found.provides) if found.provides is not None else None
            cost = self.local_cost(other, field.type_name, field.selections, provided, True)
            if 1 + cost < best.total:
                # The jump leaves from the parent's position: the caller's "up" to it.
                best = _estimate_of(cost, _NONE, frozenset({frozenset({other})}))
        return best

    def _refetch_targets(self, graph: str, type_name: str, field_name: str) -> frozenset[str]:
        """Other subgraphs with the field: the walker may fetch it again from an
        ancestor entity (see `PathFinder.ancestor_jump`)."""
        return frozenset(
            other
            for other in self.sg.subgraphs
            if other != graph and can_collect(self.sg, other, type_name, field_name)
        )

    def remote_fields(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
    ) -> int:
        """How many client fields `graph` leaves to later fetches (a tie-break of equal costs)."""
        return self._estimate(graph, type_name, selections, provided, False).remote

    def _size(self, selections: tuple[Selection, ...]) -> int:
        """The client fields in `selections` (memoised: estimates from several subgraphs
        meet the same subtree; it belongs to a selection `_keep` holds)."""
        key = id(selections)
        size = self._sizes.get(key)
        if size is None:
            size = 0
            for selection in selections:
                if isinstance(selection, Field) and selection.name != "__typename":
                    size += 1
                if selection.selections:
                    size += self._size(selection.selections)
            self._sizes[key] = size
        return size

    def _on_every(
        self, graph: str, types: tuple[str, ...], field_name: str, provided: Provided | None
    ) -> bool:
        """Does `graph` return the field itself for each of `types`?"""
        for possible in types:
            found = resolves(self.sg, graph, possible, field_name, provided)
            if found is None or found.requires is not None:
                return False
        return True


def _cover(choices: Targets) -> int:
    """How many subgraphs serve all the jumps, each to one of its set (greedy)."""
    left = [c for c in choices if c]
    count = 0
    while left:
        counts: dict[str, int] = {}
        for choice in left:
            for graph in choice:
                counts[graph] = counts.get(graph, 0) + 1
        best = max(sorted(counts), key=lambda g: counts[g])
        left = [c for c in left if best not in c]
        count += 1
    return count
