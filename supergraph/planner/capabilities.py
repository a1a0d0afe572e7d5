"""What one subgraph can resolve: fields (override, external, provides), keys, jump targets.

These are the edges of the planner's (type, subgraph) graph: a field edge
stays in the subgraph, a key edge jumps to another subgraph that can
resolve the type from a representation.
"""

from __future__ import annotations

from dataclasses import dataclass

from supergraph.schema import (
    FieldInGraph,
    FieldSet,
    FieldSetField,
    FieldSetFragment,
    Key,
    Supergraph,
)


@dataclass(frozen=True, slots=True)
class Provided:
    """Fields an enclosing `@provides` lets the subgraph return although they are @external."""

    field_set: FieldSet

    def allows(self, type_name: str, sg: Supergraph, field_name: str) -> bool:
        return self.child(type_name, sg, field_name) is not None

    def child(self, type_name: str, sg: Supergraph, field_name: str) -> Provided | None:
        for item in _items_for(self.field_set, type_name, sg):
            if item.name == field_name:
                return Provided(item.selections)
        return None


def _items_for(field_set: FieldSet, type_name: str, sg: Supergraph) -> list[FieldSetField]:
    out: list[FieldSetField] = []
    for item in field_set:
        match item:
            case FieldSetField():
                out.append(item)
            case FieldSetFragment():
                condition = item.type_condition
                if (
                    condition is None
                    or condition == type_name
                    or type_name in sg.possible_types(condition)
                ):
                    out.extend(_items_for(item.selections, type_name, sg))
    return out


def entry(sg: Supergraph, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
    type_def = sg.types.get(type_name)
    if type_def is None:
        return None
    field_def = type_def.fields.get(field_name)
    if field_def is None:
        return None
    for candidate in field_def.graphs:
        if candidate.graph == graph:
            return candidate
    return None


def _overridden(sg: Supergraph, type_name: str, field_name: str, graph: str) -> bool:
    """Another subgraph took this field over with `@override(from: graph)`."""
    if (type_name, field_name) not in _overriding_fields(sg):
        return False
    field_def = sg.types[type_name].fields[field_name]
    names = {graph, sg.subgraphs[graph].enum_value} if graph in sg.subgraphs else {graph}
    return any(
        other.override in names and _label_active(other.override_label)
        for other in field_def.graphs
        if other.graph != graph
    )


_OVERRIDING: dict[int, tuple[Supergraph, frozenset[tuple[str, str]]]] = {}


def _overriding_fields(sg: Supergraph) -> frozenset[tuple[str, str]]:
    """(type, field) pairs some subgraph takes over with @override; computed once per model."""
    cached = _OVERRIDING.get(id(sg))
    if cached is not None and cached[0] is sg:
        return cached[1]
    found = frozenset(
        (type_name, field_name)
        for type_name, type_def in sg.types.items()
        for field_name, field_def in type_def.fields.items()
        if any(other.override is not None for other in field_def.graphs)
    )
    if len(_OVERRIDING) >= 16:
        _OVERRIDING.clear()
    _OVERRIDING[id(sg)] = (sg, found)
    return found


def _label_active(label: str | None) -> bool:
    # Progressive override: plans are deterministic, so a percentage label is
    # applied when it is above 50%; custom labels count as enabled.
    if label is None:
        return True
    if label.startswith("percent(") and label.endswith(")"):
        try:
            return float(label[len("percent(") : -1]) > 50
        except ValueError:
            return True
    return True


def resolves(
    sg: Supergraph, graph: str, type_name: str, field_name: str, provided: Provided | None
) -> FieldInGraph | None:
    """The field entry when `graph` can return the field for the client here, else None."""
    found = entry(sg, type_name, field_name, graph)
    if found is None and provided is not None and provided.allows(type_name, sg, field_name):
        # Federation 1 supergraphs do not list the @external fields a @provides names.
        return FieldInGraph(graph=graph, external=True)
    if found is None or found.used_overridden:
        return None
    if _overridden(sg, type_name, field_name, graph):
        return None
    if found.external and not (provided is not None and provided.allows(type_name, sg, field_name)):
        return None
    return found


def can_collect(sg: Supergraph, graph: str, type_name: str, field_name: str) -> bool:
    """Can `graph` return this field as part of a key or requirement (overridden is fine)?"""
    found = entry(sg, type_name, field_name, graph)
    if found is None:
        return False
    if not found.external:
        return True
    # An @external key field is a "fake" external only on a type the subgraph
    # extends (Federation 1 style): it can send it. Otherwise it cannot.
    type_in_graph = sg.types[type_name].in_graph(graph)
    if type_in_graph is None or not type_in_graph.extension:
        return False
    return any(
        isinstance(item, FieldSetField) and item.name == field_name
        for key in type_in_graph.keys
        for item in key.selections
    )


def resolvable_keys(sg: Supergraph, graph: str, type_name: str) -> tuple[Key, ...]:
    type_def = sg.types.get(type_name)
    if type_def is None:
        return ()
    in_graph = type_def.in_graph(graph)
    if in_graph is None:
        return ()
    if (
        type_def.kind == "interface"
        and not in_graph.is_interface_object
        and not sg.possible_types_in(graph, type_name)
    ):
        # An entity interface no object type of the subgraph implements: its
        # `_entities` can return no such object (`... on Node` does not even
        # validate there), whatever its @key says.
        return ()
    return tuple(k for k in in_graph.keys if k.resolvable)


def is_interface_object(sg: Supergraph, graph: str, type_name: str) -> bool:
    type_def = sg.types.get(type_name)
    in_graph = type_def.in_graph(graph) if type_def else None
    return in_graph is not None and in_graph.is_interface_object


def is_abstract(sg: Supergraph, type_name: str) -> bool:
    type_def = sg.types.get(type_name)
    return type_def is not None and type_def.kind in {"interface", "union"}


def is_entity_anywhere(sg: Supergraph, type_name: str) -> bool:
    type_def = sg.types.get(type_name)
    return type_def is not None and any(k.resolvable for t in type_def.graphs for k in t.keys)


def key_local(sg: Supergraph, graph: str, type_name: str, field_set: FieldSet) -> bool:
    """Can `graph` produce every field of this key by itself (nested keys included)?"""
    for item in field_set:
        if not isinstance(item, FieldSetField):
            continue
        if not can_collect(sg, graph, type_name, item.name):
            return False
        field_def = sg.types[type_name].fields.get(item.name)
        nested = item.selections and field_def is not None
        if nested and not key_local(sg, graph, field_def.named_type, item.selections):  # type: ignore[union-attr]
            return False
    return True


def can_jump_for(sg: Supergraph, graph: str, type_name: str, field_name: str) -> bool:
    """Is there a subgraph resolving the field that `graph` can reach with a key it holds?"""
    return jump_hops(sg, graph, type_name, field_name) is not None


def jump_targets(sg: Supergraph, graph: str, type_name: str, field_name: str) -> frozenset[str]:
    """The subgraphs resolving the field that `graph` reaches with one key it holds."""
    return _one_jump(sg, graph, type_name, _field_targets(sg, type_name, field_name))


def _field_targets(sg: Supergraph, type_name: str, field_name: str) -> list[tuple[str, str]]:
    """(subgraph, representation type) pairs resolving the field from a representation."""
    type_def = sg.types.get(type_name)
    if type_def is None:
        return []
    rep_types = [type_name, *(type_def.interfaces if type_def.kind == "object" else ())]
    targets: list[tuple[str, str]] = []
    for other in sg.subgraphs:
        for rep_type in rep_types:
            if rep_type != type_name and not is_interface_object(sg, other, rep_type):
                continue
            if (
                field_name != "__typename"
                and resolves(sg, other, rep_type, field_name, None) is None
            ):
                continue
            targets.append((other, rep_type))
    return targets


def _one_jump(
    sg: Supergraph, graph: str, type_name: str, targets: list[tuple[str, str]]
) -> frozenset[str]:
    return frozenset(
        other
        for other, rep_type in targets
        if any(
            key_local(sg, graph, type_name, k.selections)
            for k in resolvable_keys(sg, other, rep_type)
        )
    )


def jump_hops(sg: Supergraph, graph: str, type_name: str, field_name: str) -> int | None:
    """Entity jumps needed to reach a subgraph resolving the field: 1, 2 (the key of
    the target comes from an intermediate subgraph), or None when unreachable."""
    targets = _field_targets(sg, type_name, field_name)
    if _one_jump(sg, graph, type_name, targets):
        return 1
    for other, rep_type in targets:
        for key in resolvable_keys(sg, other, rep_type):
            for middle in sg.subgraphs:
                if middle in {graph, other} or not key_local(sg, middle, type_name, key.selections):
                    continue
                if any(
                    key_local(sg, graph, type_name, k.selections)
                    for k in resolvable_keys(sg, middle, type_name)
                ):
                    return 2
    return None
