"""Root fields: which subgraph serves each, split shared ones, order mutations.

Query root fields that only one subgraph serves open their fetches first;
shared (@shareable) root fields then join an existing fetch or are split by
sub-selection across subgraphs when that saves entity jumps. Mutation root
fields keep document order, consecutive ones to the same subgraph share a
fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from supergraph.operation import Field, InlineFragment, Selection
from supergraph.planner.capabilities import Provided, resolves
from supergraph.planner.errors import UnsatisfiableField

if TYPE_CHECKING:
    from supergraph.planner.walk import Walker


def plan_root(
    walker: Walker,
    fields: list[Field],
    join_forced: bool = True,
    whole: Mapping[int, str] | None = None,
) -> list[Field]:
    """Plan the root fields; returns the shared ones split across subgraphs.

    `whole` asks a field (by `id`) of that one subgraph instead: the caller
    compares (a split is chosen on estimated jumps, which can count twice a
    jump the walk then makes once).
    """
    mutation = walker.operation.kind == "mutation"
    split: list[Field] = []
    if not mutation:
        # Fields with one best subgraph open their fetches first (those only one
        # subgraph serves, then shared ones only one subgraph serves without
        # jumps), so fields any subgraph serves can join a fetch happening anyway.
        fields = sorted(fields, key=lambda f: _best_count(walker, f))
    preferred = _forced(walker, fields) if join_forced and not mutation else frozenset()
    for field in fields:
        forced = whole.get(id(field)) if whole else None
        parts = [(forced, field)] if forced else _root_parts(walker, field, mutation, preferred)
        if len(parts) > 1:
            split.append(field)
        for graph, part in parts:
            group = walker.roots[-1] if mutation and walker.roots else None
            if group is None or group.service != graph:
                group = next((g for g in walker.roots if g.service == graph and not mutation), None)
            if group is None:
                group = walker.open_root(graph)
            walker.add_root_field(group, part)
    return split


def _forced(walker: Walker, fields: list[Field]) -> frozenset[str]:
    """Subgraphs some root fetch goes to anyway: the one best subgraph of a root
    field or of a part of its selection. A field any subgraph serves as well
    joins one of these rather than opening a fetch of its own."""
    forced: set[str] = set()
    for field in fields:
        candidates = root_candidates(walker, field)
        if len(candidates) == 1:
            forced.add(candidates[0])
            continue
        parts = [field, *(replace(field, selections=(s,)) for s in field.selections)]
        for part in parts:
            candidates = root_candidates(walker, part)
            costs = [_root_cost(walker, g, part) for g in candidates]
            if costs and costs.count(min(costs)) == 1:
                forced.add(candidates[costs.index(min(costs))])
    return frozenset(forced)


def _root_parts(
    walker: Walker,
    field: Field,
    mutation: bool,
    preferred: frozenset[str] = frozenset(),
) -> list[tuple[str, Field]]:
    """The subgraph for a root field, or one per part of its selection when cheaper.

    A shared root field is asked of several subgraphs, each for the part of
    the selection it serves, when that saves entity jumps (and always when
    no single subgraph can serve it, e.g. a value type with no key).
    """
    graph = _root_graph(walker, field, mutation, preferred)
    if mutation or not field.selections or len(root_candidates(walker, field)) == 1:
        return [(graph, field)]
    single = _root_cost(walker, graph, field) + _new_root_penalty(walker, graph)
    parts = _split(
        walker, field.selections, lambda sels: replace(field, selections=sels), preferred
    )
    if len(parts) == 1:
        return [(graph, field)]
    pieces = [(g, replace(field, selections=tuple(sels))) for g, sels in parts.items()]
    cost = sum(_root_cost(walker, g, f) + _new_root_penalty(walker, g) for g, f in pieces)
    return pieces if cost <= single else [(graph, field)]  # parallel beats sequential


_MAX_SPLIT_DEPTH = 4


def _split(
    walker: Walker,
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
        graph = _root_graph(walker, part, False, preferred)
        if (
            depth < _MAX_SPLIT_DEPTH
            and selection.selections
            and _root_cost(walker, graph, part) > 0
            and _splittable(walker, selection)
        ):
            inner = _split(
                walker,
                selection.selections,
                _within(wrap, selection),
                preferred,
                depth + 1,
            )
            if len(inner) > 1:
                for sub_graph, sub in inner.items():
                    parts.setdefault(sub_graph, []).append(
                        replace(selection, selections=tuple(sub))
                    )
                continue
        parts.setdefault(graph, []).append(selection)
    return parts


def _within(
    wrap: Callable[[tuple[Selection, ...]], Field], selection: Selection
) -> Callable[[tuple[Selection, ...]], Field]:
    return lambda sels: wrap((replace(selection, selections=sels),))


def _splittable(walker: Walker, selection: Selection) -> bool:
    if isinstance(selection, InlineFragment):
        return True
    serving = [
        g
        for g in walker.sg.subgraphs
        if resolves(walker.sg, g, selection.parent_type, selection.name, None) is not None
    ]
    return len(serving) > 1


def _new_root_penalty(walker: Walker, graph: str) -> int:
    return 0 if any(g.service == graph for g in walker.roots) else 1


def _root_cost(walker: Walker, graph: str, field: Field) -> int:
    found = resolves(walker.sg, graph, walker.operation.root_type, field.name, None)
    provided = Provided(found.provides) if found and found.provides else None
    return walker.cost.local_cost(graph, field.type_name, field.selections, provided)


def root_candidates(walker: Walker, field: Field) -> list[str]:
    root = walker.operation.root_type
    return [g for g in walker.sg.subgraphs if resolves(walker.sg, g, root, field.name, None)]


def _best_count(walker: Walker, field: Field) -> tuple[int, int]:
    """(several candidates, how many of them serve the field at the least cost)."""
    candidates = root_candidates(walker, field)
    if len(candidates) <= 1:
        return (0, len(candidates))
    costs = [_root_cost(walker, g, field) for g in candidates]
    return (1, costs.count(min(costs)))


def _root_graph(
    walker: Walker, field: Field, mutation: bool, preferred: frozenset[str] = frozenset()
) -> str:
    root = walker.operation.root_type
    candidates = root_candidates(walker, field)
    if not candidates:
        raise UnsatisfiableField(f'no subgraph can resolve field "{root}.{field.name}"')
    if mutation and walker.roots and walker.roots[-1].service in candidates:
        return walker.roots[-1].service
    existing = {g.service for g in walker.roots}

    def score(graph: str) -> tuple[int, int, int, int, int]:
        cost = _root_cost(walker, graph, field)
        joins = 0 if graph in existing else 1
        found = resolves(walker.sg, graph, root, field.name, None)
        provided = Provided(found.provides) if found and found.provides else None
        # On equal costs, the subgraph serving more of the client's fields itself.
        remote = walker.cost.remote_fields(graph, field.type_name, field.selections, provided)
        order = walker.graph_order[graph]
        # A new root fetch is one fetch more, as an entity jump is.
        return (cost + joins, remote, joins, 0 if graph in preferred else 1, order)

    return min(candidates, key=score)
