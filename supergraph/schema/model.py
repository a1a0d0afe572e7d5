"""The immutable, typed supergraph model.

Everything the planner needs to know about which subgraph resolves what:
per-graph type membership and keys, per-graph field metadata (requires,
provides, external, override), implementations and union members. Built once
by `supergraph.schema.parse`; every class is a frozen, slotted dataclass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from graphql import ArgumentNode, GraphQLSchema

TypeKind: TypeAlias = Literal["object", "interface", "union", "enum", "input", "scalar"]


@dataclass(frozen=True, slots=True)
class FieldSetField:
    """One field of a join__FieldSet (`id`, or `owner { id }`)."""

    name: str
    selections: FieldSet = ()
    arguments: tuple[ArgumentNode, ...] = ()
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class FieldSetFragment:
    """An inline fragment of a join__FieldSet (`... on Book { isbn }`)."""

    type_condition: str | None
    selections: FieldSet


FieldSetItem: TypeAlias = FieldSetField | FieldSetFragment
FieldSet: TypeAlias = tuple[FieldSetItem, ...]


@dataclass(frozen=True, slots=True)
class Subgraph:
    """One `join__Graph` value: `name` is the `name:` argument, `enum_value` the enum value."""

    name: str
    url: str
    enum_value: str


@dataclass(frozen=True, slots=True)
class Key:
    fields: str
    selections: FieldSet
    resolvable: bool = True


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    """A `@join__type` of one type in one subgraph (keys grouped)."""

    graph: str
    keys: tuple[Key, ...] = ()
    extension: bool = False
    is_interface_object: bool = False


@dataclass(frozen=True, slots=True)
class ContextArgument:
    """join v0.5 `contextArguments` entry: argument `name` takes its value from
    `selection` on the nearest ancestor whose type sets `context` (`@context`)."""

    name: str
    type: str
    context: str
    selection: str
    fields: FieldSet = ()
    """`selection` parsed (outer braces removed)."""


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """A field as one subgraph sees it (from `@join__field`, or implied)."""

    graph: str
    requires: FieldSet | None = None
    requires_text: str | None = None
    provides: FieldSet | None = None
    provides_text: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass(frozen=True, slots=True)
class Authorization:
    """@authenticated / @requiresScopes / @policy on a type or field (enforced by the router)."""

    authenticated: bool = False
    scopes: tuple[tuple[str, ...], ...] = ()
    policies: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.authenticated or self.scopes or self.policies)


@dataclass(frozen=True, slots=True)
class FieldDef:
    name: str
    type: str
    """The supergraph type reference as written, e.g. `[Product!]!`."""
    named_type: str
    graphs: tuple[FieldInGraph, ...]
    """Where the field is defined; see `Supergraph.resolving_graphs` for who can resolve it."""
    inaccessible: bool = False
    authorization: Authorization = field(default_factory=Authorization)


@dataclass(frozen=True, slots=True)
class TypeDef:
    name: str
    kind: TypeKind
    graphs: tuple[TypeInGraph, ...]
    fields: Mapping[str, FieldDef]
    interfaces: tuple[str, ...] = ()
    implements: tuple[tuple[str, str], ...] = ()
    """(graph, interface) pairs from `@join__implements`."""
    members: tuple[str, ...] = ()
    """Union members (all graphs)."""
    union_members: tuple[tuple[str, str], ...] = ()
    """(graph, member) pairs from `@join__unionMember`."""
    enum_values: tuple[str, ...] = ()
    enum_value_graphs: tuple[tuple[str, str], ...] = ()
    owner: str | None = None
    """Federation 1 `@join__owner` graph."""
    inaccessible: bool = False
    authorization: Authorization = field(default_factory=Authorization)
    contexts: tuple[str, ...] = ()
    """Context names this type sets (`@context(name:)`, prefixed by the subgraph)."""

    def in_graph(self, graph: str) -> TypeInGraph | None:
        for t in self.graphs:
            if t.graph == graph:
                return t
        return None


@dataclass(frozen=True, slots=True)
class Supergraph:
    """A loaded supergraph: subgraphs, typed per-graph model and the client API schema.

    `schema` is the full supergraph schema (with join machinery) and
    `api_schema` is what clients see.
    """

    subgraphs: Mapping[str, Subgraph]
    types: Mapping[str, TypeDef]
    api_schema: GraphQLSchema
    schema: GraphQLSchema
    join_version: str
    query_type: str = "Query"
    mutation_type: str | None = None
    subscription_type: str | None = None
    graph_by_enum: Mapping[str, str] = field(default_factory=dict)
    source: str = field(default="", repr=False, compare=False)
    """The SDL it was loaded from ("" when built otherwise): what another process
    loads to have the same supergraph (compile processes: pipeline/compute_process.py)."""

    @property
    def is_fed1(self) -> bool:
        return self.join_version == "0.1"

    def type(self, name: str) -> TypeDef:
        return self.types[name]

    def type_graphs(self, name: str) -> tuple[str, ...]:
        """Subgraphs that know the type (all of them when no `@join__type` says otherwise)."""
        t = self.types.get(name)
        if t is None or not t.graphs:
            return tuple(self.subgraphs)
        return tuple(g.graph for g in t.graphs)

    def has_type(self, graph: str, name: str) -> bool:
        return graph in self.type_graphs(name)

    def possible_types(self, name: str) -> tuple[str, ...]:
        """Object types a value of abstract type `name` can have (supergraph-wide)."""
        t = self.types[name]
        match t.kind:
            case "object":
                return (name,)
            case "union":
                return t.members
            case "interface":
                return tuple(
                    o.name
                    for o in self.types.values()
                    if o.kind == "object" and name in o.interfaces
                )
            case _:
                return ()

    def possible_types_in(self, graph: str, name: str) -> tuple[str, ...]:
        """Object types of abstract `name` that `graph` itself can return."""
        t = self.types[name]
        match t.kind:
            case "object":
                return (name,) if self.has_type(graph, name) else ()
            case "union":
                if t.union_members:
                    return tuple(m for g, m in t.union_members if g == graph)
                return tuple(m for m in t.members if self.has_type(graph, m))
            case "interface":
                out = []
                for o in self.types.values():
                    if o.kind != "object" or name not in o.interfaces:
                        continue
                    if not self.has_type(graph, o.name):
                        continue
                    if o.implements and (graph, name) not in o.implements:
                        continue
                    out.append(o.name)
                return tuple(out)
            case _:
                return ()
