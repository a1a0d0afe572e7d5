"""Every field reachable from a root can be resolved (a simplified satisfiability check).

Walks the supergraph breadth-first from each root field, tracking which subgraph
holds the current object. A field is satisfiable when that subgraph resolves it
(or it was `@provides`d on the way), or when some subgraph that resolves it can
be reached through entity keys whose fields the current subgraph can supply.
This covers the cases that break query planning (a value type extended in one
subgraph only, an entity without a usable key); `@requires` chains and
interface-level queries are not explored.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from supergraph.compose.errors import CompositionError, ErrorSink
from supergraph.compose.fieldsets import top_level_fields
from supergraph.compose.model import Supergraph, SuperType
from supergraph.compose.subgraph import ROOT_KINDS, Subgraph
from supergraph.compose.typerefs import named_type


@dataclass(frozen=True, slots=True)
class _State:
    type_name: str
    graph: str
    provided: frozenset[str]
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

    def run(self) -> None:
        queue: deque[_State] = deque()
        seen: set[tuple[str, str, frozenset[str]]] = set()
        for kind in ROOT_KINDS:
            root = self.supergraph.types.get(self.supergraph.roots.get(kind, ""))
            if root is None:
                continue
            for field in root.fields.values():
                target = named_type(field.type)
                for graph in self._resolvers(root, field.name):
                    provided = self._provided(root.name, field.name, graph)
                    queue.append(_State(target, graph, provided, (kind, field.name)))
        while queue:
            state = queue.popleft()
            marker = (state.type_name, state.graph, state.provided)
            if marker in seen:
                continue
            seen.add(marker)
            queue.extend(self._step(state))

    def _step(self, state: _State) -> list[_State]:
        type_ = self.supergraph.types.get(state.type_name)
        if type_ is None:
            return []
        if type_.kind in ("interface", "union"):
            return self._possible_types(type_, state)
        if type_.kind != "object":
            return []
        nexts: list[_State] = []
        for field in type_.fields.values():
            if field.joins is not None and all(j.graph is None for j in field.joins):
                continue  # added by an @interfaceObject: reached through the interface
            resolvers = self._resolvers(type_, field.name)
            local = self._local(type_.name, state.graph, state.provided)
            if field.name in local and (state.graph in resolvers or field.name in state.provided):
                candidates = [state.graph]
            else:
                reachable = self._reachable(type_.name, state.graph, state.provided)
                candidates = [g for g in resolvers if g in reachable]
            if not candidates:
                self._report(type_, field.name, state, resolvers)
                continue
            target = named_type(field.type)
            for graph in candidates:
                provided = self._provided(type_.name, field.name, graph)
                nexts.append(_State(target, graph, provided, (*state.path, field.name)))
        return nexts

    def _possible_types(self, type_: SuperType, state: _State) -> list[_State]:
        subgraph = self.by_name[state.graph]
        own = subgraph.types.get(type_.name)
        names: list[str] = []
        if own is not None and own.kind == "union":
            names = list(own.members)
        else:
            names = [
                t.name
                for t in subgraph.types.values()
                if t.kind == "object" and type_.name in t.interfaces
            ]
        return [
            _State(name, state.graph, state.provided, (*state.path, f"... on {name}"))
            for name in names
        ]

    def _resolvers(self, type_: SuperType, field_name: str) -> list[str]:
        field = type_.fields[field_name]
        if field.joins is None:
            return [
                name
                for name, subgraph in self.by_name.items()
                if type_.name in subgraph.types and field_name in subgraph.types[type_.name].fields
            ]
        return [
            j.graph
            for j in field.joins
            if j.graph is not None and not j.external and not j.used_overridden
        ]

    def _local(self, type_name: str, graph: str, provided: frozenset[str]) -> set[str]:
        own = self.by_name[graph].types.get(type_name)
        if own is None:
            return set(provided)
        names = {f.name for f in own.fields.values() if not f.external}
        return names | own.key_field_names() | set(provided)

    def _reachable(self, type_name: str, graph: str, provided: frozenset[str]) -> set[str]:
        """Subgraphs an entity of `type_name` held by `graph` can be moved to through keys."""
        reachable = {graph}
        frontier = [graph]
        while frontier:
            current = frontier.pop()
            local = self._local(type_name, current, provided if current == graph else frozenset())
            for name, subgraph in self.by_name.items():
                if name in reachable:
                    continue
                own = subgraph.types.get(type_name)
                if own is None:
                    continue
                if any(k.resolvable and top_level_fields(k.fields) <= local for k in own.keys):
                    reachable.add(name)
                    frontier.append(name)
        return reachable

    def _provided(self, type_name: str, field_name: str, graph: str) -> frozenset[str]:
        own = self.by_name[graph].types.get(type_name)
        field = None if own is None else own.fields.get(field_name)
        if field is None or not field.provides:
            return frozenset()
        return frozenset(top_level_fields(field.provides))

    def _report(
        self, type_: SuperType, field_name: str, state: _State, resolvers: list[str]
    ) -> None:
        if (type_.name, field_name) in self.reported:
            return
        self.reported.add((type_.name, field_name))
        coordinate = f"{type_.name}.{field_name}"
        reasons = [f'- from subgraph "{state.graph}": cannot find field "{coordinate}".']
        for graph in resolvers:
            reasons.append(
                f'- cannot move to subgraph "{graph}", which has field "{coordinate}", because '
                f'type "{type_.name}" has no @key defined in subgraph "{graph}" whose fields '
                f'subgraph "{state.graph}" can provide: add such a @key in subgraph "{graph}", '
                f'or resolve (and @shareable) the field in subgraph "{state.graph}".'
            )
        self.errors.append(
            CompositionError(
                "SATISFIABILITY_ERROR",
                "The following supergraph API query:\n"
                + _query(state.path, field_name)
                + "\ncannot be satisfied by the subgraphs because:\n"
                + "\n".join(reasons),
            )
        )


def _query(path: tuple[str, ...], leaf: str) -> str:
    kind, *fields = path
    lines = [] if kind == "query" else [kind + " {"]
    lines = lines or ["{"]
    depth = 1
    for name in fields:
        lines.append("  " * depth + name + " {")
        depth += 1
    lines.append("  " * depth + leaf)
    for level in range(depth - 1, -1, -1):
        lines.append("  " * level + "}")
    return "\n".join(lines)
