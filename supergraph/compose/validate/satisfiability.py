"""Every field reachable from a root can be resolved (a simplified satisfiability check).

Walks the supergraph breadth-first from each root field. For each query path it
keeps every way the planner could be holding the object: (subgraph, fields
that subgraph was asked to `@provides` here). A field is satisfiable from one
of those when that subgraph resolves it (or provides it), or when a subgraph
resolving it can be reached through entity keys whose fields the holder can
supply. A path fails only when no holder can get the field. This catches what
breaks query planning (a value type extended in one subgraph only, an entity
without a usable key); `@requires` chains are not explored.

It reads the composed supergraph as the router will: the `supergraph.schema`
model loaded from the printed SDL (who resolves which field, with which
`@requires` and `@provides`), and the subgraphs for what only each of them
declares (its keys, its `@external` fields, its own implementations).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.subgraph import Subgraph
from supergraph.schema.fieldset import top_level_names
from supergraph.schema.model import FieldInGraph, FieldSet, FieldSetField, Supergraph, TypeDef


@dataclass(frozen=True, slots=True)
class _Holder:
    """One way of holding the current object: in `graph`, with these fields provided."""

    graph: str
    provided: FieldSet
    """A field set (possibly empty) that `graph` was asked to provide for this object."""


@dataclass(frozen=True, slots=True)
class _Path:
    type_name: str
    holders: frozenset[_Holder]
    path: tuple[str, ...]


def check_satisfiability(
    subgraphs: Sequence[Subgraph], supergraph: Supergraph, errors: ErrorSink
) -> None:
    _Walker(subgraphs, supergraph, errors).run()


class _Walker:
    def __init__(
        self, subgraphs: Sequence[Subgraph], supergraph: Supergraph, errors: ErrorSink
    ) -> None:
        self.by_name = {s.name: s for s in subgraphs}
        self.supergraph = supergraph
        self.errors = errors
        self.reported: set[tuple[str, str]] = set()
        self.reachable_cache: dict[tuple[str, _Holder], set[str]] = {}

    def run(self) -> None:
        queue: deque[_Path] = deque()
        roots = {
            "query": self.supergraph.query_type,
            "mutation": self.supergraph.mutation_type,
            "subscription": self.supergraph.subscription_type,
        }
        for kind, root_name in roots.items():
            root = None if root_name is None else self.supergraph.types.get(root_name)
            if root is None:
                continue
            for field in root.fields.values():
                holders = frozenset(
                    _Holder(g, self._provides(root, field.name, g))
                    for g in self._resolvers(root, field.name)
                )
                queue.append(_Path(field.named_type, holders, (kind, field.name)))
        seen: set[tuple[str, frozenset[_Holder]]] = set()
        while queue:
            current = queue.popleft()
            marker = (current.type_name, current.holders)
            if marker not in seen:
                seen.add(marker)
                queue.extend(self._step(current))

    def _step(self, current: _Path) -> list[_Path]:
        type_ = self.supergraph.types.get(current.type_name)
        if type_ is None:
            return []
        if type_.kind in ("interface", "union"):
            return self._possible_types(type_, current)
        if type_.kind != "object":
            return []
        nexts: list[_Path] = []
        for field in type_.fields.values():
            if field.inaccessible:
                continue  # not in the API schema: no client query can reach it
            if not field.graphs:
                # Only a bare `@join__field`: an `@interfaceObject` adds it to the interface.
                holders = self._through_interface_object(type_, field.name, current.holders)
            else:
                holders = self._holders_of(type_, field.name, current.holders)
            if not holders:
                self._report(type_, field.name, current)
                continue
            nexts.append(_Path(field.named_type, holders, (*current.path, field.name)))
        return nexts

    def _holders_of(
        self, type_: TypeDef, field_name: str, holders: frozenset[_Holder]
    ) -> frozenset[_Holder]:
        """Every way to hold the value of `type_.field_name` from the current holders."""
        resolvers = self._resolvers(type_, field_name)
        result: set[_Holder] = set()
        for holder in holders:
            if field_name in top_level_names(holder.provided):
                result.add(_Holder(holder.graph, _sub_selection(holder.provided, field_name)))
            candidates = set(self._reachable(type_.name, holder)) | {holder.graph}
            for graph in candidates & set(resolvers):
                if self._requires_met(type_, field_name, graph):
                    result.add(_Holder(graph, self._provides(type_, field_name, graph)))
        return frozenset(result)

    def _requires_met(self, type_: TypeDef, field_name: str, graph: str) -> bool:
        """The `@requires` fields of `graph`'s field can be fetched, starting from `graph`.

        Only one level deep: the required fields' own `@requires` are not followed.
        """
        joined = self._in_graph(type_, field_name, graph)
        if joined is None or not joined.requires:
            return True
        start = _Holder(graph, ())
        for required in top_level_names(joined.requires):
            if required not in type_.fields:
                continue
            resolvers = set(self._resolvers(type_, required))
            if not resolvers & (self._reachable(type_.name, start) - {graph}):
                return False
        return True

    def _through_interface_object(
        self, type_: TypeDef, field_name: str, holders: frozenset[_Holder]
    ) -> frozenset[_Holder]:
        """A field only an `@interfaceObject` adds: move to that subgraph through the interface key."""
        result: set[_Holder] = set()
        for name, subgraph in self.by_name.items():
            for interface in type_.interfaces:
                own = subgraph.types.get(interface)
                if own is None or not own.interface_object or field_name not in own.fields:
                    continue
                for holder in holders:
                    # The holder must know the interface as an entity to hand it over.
                    known = self.by_name[holder.graph].types.get(interface)
                    if known is None or known.kind != "interface" or not known.keys:
                        continue
                    local = self._local(type_.name, holder.graph, holder.provided)
                    if any(k.resolvable and k.top_level_fields() <= local for k in own.keys):
                        result.add(_Holder(name, ()))
        return frozenset(result)

    def _possible_types(self, type_: TypeDef, current: _Path) -> list[_Path]:
        by_type: dict[str, set[_Holder]] = {}
        for holder in current.holders:
            subgraph = self.by_name[holder.graph]
            own = subgraph.types.get(type_.name)
            if own is not None and own.kind == "union":
                names = list(own.members)
            else:
                names = [
                    t.name
                    for t in subgraph.types.values()
                    if t.kind == "object" and type_.name in t.interfaces
                ]
            for name in names:
                by_type.setdefault(name, set()).add(holder)
        return [
            _Path(name, frozenset(holders), (*current.path, f"... on {name}"))
            for name, holders in by_type.items()
        ]

    def _resolvers(self, type_: TypeDef, field_name: str) -> list[str]:
        return [
            g.graph
            for g in type_.fields[field_name].graphs
            if not g.external and not g.used_overridden
        ]

    def _local(self, type_name: str, graph: str, provided: FieldSet) -> set[str]:
        own = self.by_name[graph].types.get(type_name)
        names = top_level_names(provided)
        if own is None:
            return names
        return names | {f.name for f in own.fields.values() if not f.external}

    def _reachable(self, type_name: str, holder: _Holder) -> set[str]:
        """Subgraphs an entity of `type_name` held by `holder` can be moved to through keys."""
        cached = self.reachable_cache.get((type_name, holder))
        if cached is None:
            cached = self.reachable_cache[(type_name, holder)] = self._walk_keys(type_name, holder)
        return cached

    def _walk_keys(self, type_name: str, holder: _Holder) -> set[str]:
        reachable = {holder.graph}
        frontier = [holder.graph]
        while frontier:
            current = frontier.pop()
            local = self._local(
                type_name, current, holder.provided if current == holder.graph else ()
            )
            for name, subgraph in self.by_name.items():
                own = subgraph.types.get(type_name)
                if name in reachable or own is None:
                    continue
                if any(k.resolvable and k.top_level_fields() <= local for k in own.keys):
                    reachable.add(name)
                    frontier.append(name)
        return reachable

    def _provides(self, type_: TypeDef, field_name: str, graph: str) -> FieldSet:
        """What `graph` provides below the field (`@provides`), for the object it returns."""
        joined = self._in_graph(type_, field_name, graph)
        return () if joined is None or joined.provides is None else joined.provides

    @staticmethod
    def _in_graph(type_: TypeDef, field_name: str, graph: str) -> FieldInGraph | None:
        """How `graph` resolves the field, as its `@join__field` in the supergraph says."""
        return next((g for g in type_.fields[field_name].graphs if g.graph == graph), None)

    def _report(self, type_: TypeDef, field_name: str, current: _Path) -> None:
        if (type_.name, field_name) in self.reported:
            return
        self.reported.add((type_.name, field_name))
        coordinate = f"{type_.name}.{field_name}"
        resolvers = self._resolvers(type_, field_name)
        reasons = []
        for holder in sorted(current.holders, key=lambda h: h.graph):
            reasons += self._reasons(type_, field_name, holder, resolvers)
        targets = ", ".join(f'"{g}"' for g in resolvers) or "any subgraph"
        reasons.append(
            f'To fix it, add a @key to "{type_.name}" in {targets} whose fields the subgraphs '
            f'above resolve, or resolve "{coordinate}" (marked @shareable) in one of them.'
        )
        self.errors.append(
            CompositionError(
                "SATISFIABILITY_ERROR",
                "The following supergraph API query:\n"
                + _query(current.path, field_name)
                + "\ncannot be satisfied by the subgraphs because:\n"
                + "\n".join(reasons),
            )
        )

    def _reasons(
        self, type_: TypeDef, field_name: str, holder: _Holder, resolvers: list[str]
    ) -> list[str]:
        coordinate = f"{type_.name}.{field_name}"
        own = self.by_name[holder.graph].types.get(type_.name)
        field = None if own is None else own.fields.get(field_name)
        if field is not None and field.external:
            reasons = [
                f'- from subgraph "{holder.graph}": field "{coordinate}" is not resolvable '
                "because marked @external."
            ]
        else:
            reasons = [f'- from subgraph "{holder.graph}": cannot find field "{coordinate}".']
        for graph in resolvers:
            if not self._requires_met(type_, field_name, graph):
                reasons.append(
                    f'- from subgraph "{graph}": cannot satisfy @require conditions on field '
                    f'"{coordinate}".'
                )
                continue
            target = self.by_name[graph].types.get(type_.name)
            keys = [] if target is None else [k for k in target.keys if k.resolvable]
            if not keys:
                reasons.append(
                    f'- cannot move to subgraph "{graph}", which has field "{coordinate}": type '
                    f'"{type_.name}" has no resolvable @key in subgraph "{graph}".'
                )
            for key in keys:
                reasons.append(
                    f'- cannot move to subgraph "{graph}" using @key(fields: "{key.fields}") of '
                    f'"{type_.name}", the key field(s) cannot be resolved from subgraph '
                    f'"{holder.graph}".'
                )
        return reasons


def _sub_selection(fields: FieldSet, field_name: str) -> FieldSet:
    """The part of a field set below `field_name` (`a { b c }` -> `b c`)."""
    for item in fields:
        if isinstance(item, FieldSetField):
            if item.name == field_name and item.selections:
                return item.selections
            continue
        nested = _sub_selection(item.selections, field_name)
        if nested:
            return nested
    return ()


def _query(path: tuple[str, ...], leaf: str) -> str:
    kind, *fields = path
    lines = ["{"] if kind == "query" else [kind + " {"]
    depth = 1
    for name in fields:
        lines.append("  " * depth + name + " {")
        depth += 1
    lines.append("  " * depth + leaf)
    for level in range(depth - 1, -1, -1):
        lines.append("  " * level + "}")
    return "\n".join(lines)
