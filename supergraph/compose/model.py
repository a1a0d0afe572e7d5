"""The merged supergraph, before printing: every element with the subgraphs it comes from.

`merge/` builds it from the subgraphs, `printer.py` turns it into SDL. Joins are
kept as data (not directive nodes) so the validation rules can read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import ConstValueNode, DirectiveDefinitionNode, TypeNode

from supergraph.schema.links import Link
from supergraph.schema.model import TypeKind

from .subgraph import Meta


@dataclass(frozen=True, slots=True)
class TypeJoin:
    """One `@join__type`."""

    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    interface_object: bool = False


@dataclass(frozen=True, slots=True)
class FieldJoin:
    """One `@join__field`; `graph` None prints as a bare `@join__field`."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False


@dataclass(slots=True)
class SuperArgument:
    name: str
    type: TypeNode
    default: ConstValueNode | None
    meta: Meta


@dataclass(slots=True)
class SuperField:
    name: str
    type: TypeNode
    args: dict[str, SuperArgument]
    meta: Meta
    joins: list[FieldJoin] | None = None
    """None when every subgraph of the parent resolves the field the same way."""
    default: ConstValueNode | None = None
    """Input fields only."""


@dataclass(slots=True)
class SuperEnumValue:
    name: str
    meta: Meta
    graphs: list[str]


@dataclass(slots=True)
class SuperType:
    kind: TypeKind
    name: str
    meta: Meta
    joins: list[TypeJoin] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)
    """(graph, interface) pairs: `@join__implements`."""
    fields: dict[str, SuperField] = field(default_factory=dict)
    members: list[tuple[str, str]] = field(default_factory=list)
    """(graph, member) pairs: `@join__unionMember`."""
    values: dict[str, SuperEnumValue] = field(default_factory=dict)


@dataclass(slots=True)
class Supergraph:
    graphs: list[tuple[str, str]]
    """(subgraph name, routing URL), in input order."""
    types: dict[str, SuperType]
    roots: dict[str, str]
    composed_directives: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    composed_links: list[Link] = field(default_factory=list)
