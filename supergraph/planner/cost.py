"""Cheap cost estimates that steer the walker's choices.

`local_cost` counts how many jumps a subgraph would need to serve a
selection on its own (fields it cannot resolve that must come from an entity
jump); `INFEASIBLE` when a field sits on a type that cannot be jumped from.
Linear in the selection size and memoised, so wide operations stay cheap.
"""

from __future__ import annotations

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.capabilities import (
    Provided,
    can_collect,
    can_jump_for,
    is_abstract,
    is_entity_anywhere,
    is_interface_object,
    jump_hops,
    key_local,
    resolvable_keys,
    resolves,
)
from supergraph.schema import Supergraph

INFEASIBLE = 1_000_000


class CostModel:
    def __init__(self, sg: Supergraph) -> None:
        self.sg = sg
        self._memo: dict[tuple[str, str, int, int, bool], int] = {}
        self._keep: list[object] = []

    def local_cost(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
        under_entity: bool = False,
    ) -> int:
        """`under_entity`: an entity is on the path above (a field could be re-fetched from it)."""
        key = (graph, type_name, id(selections), id(provided), under_entity)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        self._keep.append((selections, provided))
        cost = min(self._compute(graph, type_name, selections, provided, under_entity), INFEASIBLE)
        self._memo[key] = cost
        return cost

    def _compute(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
        under_entity: bool,
    ) -> int:
        sg = self.sg
        total = 0
        abstract = is_abstract(sg, type_name) and not is_interface_object(sg, graph, type_name)
        below_entity = under_entity or any(
            is_entity_anywhere(sg, t)
            for t in (type_name, *(sg.possible_types_in(graph, type_name) if abstract else ()))
        )
        for selection in selections:
            match selection:
                case Field():
                    if selection.name == "__typename":
                        if is_interface_object(sg, graph, type_name):
                            total += 1 if can_jump_for(sg, graph, type_name, "__typename") else 0
                        continue
                    found = resolves(sg, graph, type_name, selection.name, provided)
                    if found is None and abstract:
                        in_graph = sg.possible_types_in(graph, type_name)
                        if in_graph:
                            # Planned per implementation, as the walker's `_add_abstract`.
                            total += sum(
                                self.local_cost(
                                    graph, possible, (selection,), provided, under_entity
                                )
                                for possible in in_graph
                            )
                            continue
                    if found is None or found.requires is not None:
                        hops = jump_hops(sg, graph, type_name, selection.name)
                        if (
                            hops is None
                            and under_entity
                            and self._refetchable(graph, type_name, selection.name)
                        ):
                            hops = (
                                1  # one jump from the ancestor entity above (walk._ancestor_jump)
                            )
                        total += INFEASIBLE if hops is None else hops
                        continue
                    if abstract:
                        for possible in sg.possible_types_in(graph, type_name):
                            if resolves(sg, graph, possible, selection.name, provided) is None:
                                total += 1
                    child: Provided | None = None
                    if found.provides is not None:
                        child = Provided(found.provides)
                    elif provided is not None:
                        child = provided.child(type_name, sg, selection.name)
                    subtree = self.local_cost(
                        graph, selection.type_name, selection.selections, child, below_entity
                    )
                    if subtree > 1 and not abstract:
                        subtree = min(subtree, self._whole_elsewhere(graph, type_name, selection))
                    total += subtree
                case InlineFragment():
                    condition = selection.type_condition
                    if abstract and not sg.has_type(graph, condition):
                        continue
                    inner = condition if sg.has_type(graph, condition) else type_name
                    total += self.local_cost(
                        graph, inner, selection.selections, provided, under_entity
                    )
        return total

    def _whole_elsewhere(self, graph: str, type_name: str, field: Field) -> int:
        """One entity jump asking another subgraph for the whole field: the walker
        takes it (`_worth_staying`) when the subtree here would need more jumps."""
        sg = self.sg
        best = INFEASIBLE
        for other in sg.subgraphs:
            found = resolves(sg, other, type_name, field.name, None)
            if other == graph or found is None or found.requires is not None:
                continue
            keys = resolvable_keys(sg, other, type_name)
            if not any(key_local(sg, graph, type_name, k.selections) for k in keys):
                continue
            provided = Provided(found.provides) if found.provides is not None else None
            cost = self.local_cost(other, field.type_name, field.selections, provided, True)
            best = min(best, 1 + cost)
        return best

    def _refetchable(self, graph: str, type_name: str, field_name: str) -> bool:
        """Another subgraph has the field: the walker may fetch it again from the
        parent entity (see `Walker._ancestor_jump`)."""
        return any(
            other != graph and can_collect(self.sg, other, type_name, field_name)
            for other in self.sg.subgraphs
        )

    def remote_fields(
        self,
        graph: str,
        type_name: str,
        selections: tuple[Selection, ...],
        provided: Provided | None,
    ) -> int:
        """How many client fields `graph` leaves to later fetches (a tie-break of equal costs)."""
        sg = self.sg
        count = 0
        abstract = is_abstract(sg, type_name) and not is_interface_object(sg, graph, type_name)
        for selection in selections:
            match selection:
                case Field():
                    if selection.name == "__typename":
                        continue
                    found = resolves(sg, graph, type_name, selection.name, provided)
                    in_graph = sg.possible_types_in(graph, type_name) if abstract else ()
                    if in_graph and (
                        found is None
                        or not self._on_every(graph, in_graph, selection.name, provided)
                    ):
                        # Planned per implementation (walk._add_abstract): a field the
                        # interface declares is still left to a later fetch for each
                        # implementation here that cannot return it (@external, not
                        # provided), as `local_cost` counts its jumps.
                        count += max(
                            self.remote_fields(graph, possible, (selection,), provided)
                            for possible in in_graph
                        )
                        continue
                    if found is None or found.requires is not None:
                        count += 1 + _size(selection.selections)
                        continue
                    child: Provided | None = None
                    if found.provides is not None:
                        child = Provided(found.provides)
                    elif provided is not None:
                        child = provided.child(type_name, sg, selection.name)
                    count += self.remote_fields(
                        graph, selection.type_name, selection.selections, child
                    )
                case InlineFragment():
                    condition = selection.type_condition
                    if abstract and not sg.has_type(graph, condition):
                        continue
                    inner = condition if sg.has_type(graph, condition) else type_name
                    count += self.remote_fields(graph, inner, selection.selections, provided)
        return count

    def _on_every(
        self, graph: str, types: tuple[str, ...], field_name: str, provided: Provided | None
    ) -> bool:
        """Does `graph` return the field itself for each of `types`?"""
        for possible in types:
            found = resolves(self.sg, graph, possible, field_name, provided)
            if found is None or found.requires is not None:
                return False
        return True


def _size(selections: tuple[Selection, ...]) -> int:
    return sum(
        (1 if isinstance(s, Field) and s.name != "__typename" else 0) + _size(s.selections)
        for s in selections
    )
