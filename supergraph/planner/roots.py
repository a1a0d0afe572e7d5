"""Path finding for root fields: which subgraph serves each, split shared ones, order mutations.

Query root fields that only one subgraph serves open their fetches first;
shared (@shareable) root fields then join an existing fetch or are split by
sub-selection across subgraphs when that saves entity jumps. Mutation root
fields keep document order, consecutive ones to the same subgraph share a
fetch.

`RootPaths.routes` answers one root field at a time (`RootRoute`: each part's
subgraph and root fetch), and the fetch-graph builder (walk.py) builds each
answer before the next is asked: a later field's choice depends on the root
fetches the earlier ones opened, which this module tracks itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from supergraph.operation import Field, InlineFragment, Operation, Selection
from supergraph.planner.capabilities import Provided, resolves
from supergraph.planner.cost import CostModel
from supergraph.planner.errors import UnsatisfiableField
from supergraph.schema import Supergraph


@dataclass(frozen=True, slots=True)
class RootPart:
    """Ask `field` (the root field, or the part of its selection `graph` serves) of
    `graph`, in root fetch number `fetch` (a new one when no fetch has that number yet)."""

    fetch: int
    graph: str
    field: Field


@dataclass(frozen=True, slots=True)
class RootRoute:
    """Where one root field of the operation is asked: one part, or one per subgraph
    when it is split by sub-selection."""

    field: Field
    parts: tuple[RootPart, ...]

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


_MAX_SPLIT_DEPTH = 4


class RootPaths:
    """The choices for the root fields of one operation, in the order they are built."""

    def __init__(self, sg: Supergraph, operation: Operation, cost: CostModel) -> None:
        self.sg = sg
        self.operation = operation
        self.cost = cost
        self.graph_order = {name: i for i, name in enumerate(sg.subgraphs)}
        self.opened: list[str] = []
        """The subgraph of each root fetch opened so far, in order."""

    def routes(
        self,
        fields: list[Field],
        join_forced: bool = True,
        whole: Mapping[int, str] | None = None,
    ) -> Iterator[RootRoute]:
        """The route of each root field, in the order to build them.

        `whole` asks a field (by `id`) of that one subgraph instead: the caller
        compares (a split is chosen on estimated jumps, which can count twice a
        jump the walk then makes once).
        """
        mutation = self.operation.kind == "mutation"
        if not mutation:
            # Fields with one best subgraph open their fetches first (those only one
            # subgraph serves, then shared ones only one subgraph serves without
            # jumps), so fields any subgraph serves can join a fetch happening anyway.
            fields = sorted(fields, key=self._best_count)
        preferred = self._forced(fields) if join_forced and not mutation else frozenset()
        for field in fields:
            forced = whole.get(id(field)) if whole else None
            parts = [(forced, field)] if forced else self._root_parts(field, mutation, preferred)
            yield RootRoute(field, tuple(self._into_fetch(g, p, mutation) for g, p in parts))

    def _into_fetch(self, graph: str, field: Field, mutation: bool) -> RootPart:
        """The root fetch a part goes in: for a mutation the last one when it is to
        the same subgraph (document order), for a query any to the same subgraph."""
        opened = self.opened
        if mutation:
            fetch = len(opened) - 1 if opened and opened[-1] == graph else len(opened)
        else:
            fetch = opened.index(graph) if graph in opened else len(opened)
        if fetch == len(opened):
            opened.append(graph)
        return RootPart(fetch, graph, field)

    def candidates(self, field: Field) -> list[str]:
        return root_candidates(self.sg, self.operation.root_type, field)

    def _forced(self, fields: list[Field]) -> frozenset[str]:
        """Subgraphs some root fetch goes to anyway: the one best subgraph of a root
        field or of a part of its selection. A field any subgraph serves as well
        joins one of these rather than opening a fetch of its own."""
        forced: set[str] = set()
        for field in fields:
            candidates = self.candidates(field)
            if len(candidates) == 1:
                forced.add(candidates[0])
                continue
            parts = [field, *(replace(field, selections=(s,)) for s in field.selections)]
            for part in parts:
                candidates = self.candidates(part)
                costs = [self._root_cost(g, part) for g in candidates]
                if costs and costs.count(min(costs)) == 1:
                    forced.add(candidates[costs.index(min(costs))])
        return frozenset(forced)

    def _root_parts(
        self, field: Field, mutation: bool, preferred: frozenset[str] = frozenset()
    ) -> list[tuple[str, Field]]:
        """The subgraph for a root field, or one per part of its selection when cheaper.

        A shared root field is asked of several subgraphs, each for the part of
        the selection it serves, when that saves entity jumps (and always when
        no single subgraph can serve it, e.g. a value type with no key).
        """
        graph = self._root_graph(field, mutation, preferred)
        if mutation or not field.selections or len(self.candidates(field)) == 1:
            return [(graph, field)]
        single = self._root_cost(graph, field) + self._new_root_penalty(graph)
        parts = self._split(
            field.selections, lambda sels: replace(field, selections=sels), preferred
        )
        if len(parts) == 1:
            return [(graph, field)]
        pieces = [(g, replace(field, selections=tuple(sels))) for g, sels in parts.items()]
        cost = sum(self._root_cost(g, f) + self._new_root_penalty(g) for g, f in pieces)
        return pieces if cost <= single else [(graph, field)]  # parallel beats sequential

    def _split(
        self,
        selections: tuple[Selection, ...],
        wrap: Callable[[tuple[Selection, ...]], Field],
        preferred: frozenset[str],
        depth: int = 0,
    ) -> dict[str, list[Selection]]:
        """The selections (at one level below the root field) each subgraph gets.

        Each selection goes to its best subgraph; one no subgraph serves without a
        jump is split further by its own selections when it is a fragment or a
        field several subgraphs serve (a shared value), so each part is asked of a
        subgraph that has it instead of an entity fetch after the root fetch.
        `wrap` rebuilds the root field around selections of this level.
        """
        parts: dict[str, list[Selection]] = {}
        for selection in selections:
            part = wrap((selection,))
            graph = self._root_graph(part, False, preferred)
            if (
                depth < _MAX_SPLIT_DEPTH
                and selection.selections
                and self._root_cost(graph, part) > 0
                and self._splittable(selection)
            ):
                inner = self._split(
                    selection.selections, _within(wrap, selection), preferred, depth + 1
                )
                if len(inner) > 1:
                    for sub_graph, sub in inner.items():
                        parts.setdefault(sub_graph, []).append(
                            replace(selection, selections=tuple(sub))
                        )
                    continue
            parts.setdefault(graph, []).append(selection)
        return parts

    def _splittable(self, selection: Selection) -> bool:
        if isinstance(selection, InlineFragment):
            return True
        serving = [
            g
            for g in self.sg.subgraphs
            if resolves(self.sg, g, selection.parent_type, selection.name, None) is not None
        ]
        return len(serving) > 1

    def _new_root_penalty(self, graph: str) -> int:
        return 0 if graph in self.opened else 1

    def _root_cost(self, graph: str, field: Field) -> int:
        found = resolves(self.sg, graph, self.operation.root_type, field.name, None)
        provided = Provided(found.provides) if found and found.provides else None
        return self.cost.local_cost(graph, field.type_name, field.selections, provided)

    def _best_count(self, field: Field) -> tuple[int, int]:
        """(several candidates, how many of them serve the field at the least cost)."""
        candidates = self.candidates(field)
        if len(candidates) <= 1:
            return (0, len(candidates))
        costs = [self._root_cost(g, field) for g in candidates]
        return (1, costs.count(min(costs)))

    def _root_graph(
        self, field: Field, mutation: bool, preferred: frozenset[str] = frozenset()
    ) -> str:
        root = self.operation.root_type
        candidates = self.candidates(field)
        if not candidates:
            raise UnsatisfiableField(f'no subgraph can resolve field "{root}.{field.name}"')
        if mutation and self.opened and self.opened[-1] in candidates:
            return self.opened[-1]
        existing = set(self.opened)

        def score(graph: str) -> tuple[int, int, int, int, int]:
            cost = self._root_cost(graph, field)
            joins = 0 if graph in existing else 1
            found = resolves(self.sg, graph, root, field.name, None)
            provided = Provided(found.provides) if found and found.provides else None
            # On equal costs, the subgraph serving more of the client's fields itself.
            remote = self.cost.remote_fields(graph, field.type_name, field.selections, provided)
            order = self.graph_order[graph]
            # A new root fetch is one fetch more, as an entity jump is.
            return (cost + joins, remote, joins, 0 if graph in preferred else 1, order)

        return min(candidates, key=score)


def root_candidates(sg: Supergraph, root_type: str, field: Field) -> list[str]:
    """The subgraphs that serve root field `field`."""
    return [g for g in sg.subgraphs if resolves(sg, g, root_type, field.name, None)]


def _within(
    wrap: Callable[[tuple[Selection, ...]], Field], selection: Selection
) -> Callable[[tuple[Selection, ...]], Field]:
    return lambda sels: wrap((replace(selection, selections=sels),))
