"""The merged schema, before printing: every element with the subgraphs it comes from.

`merge/` builds it from the subgraphs, the merged-schema rules check it and
`printer.py` turns it into the supergraph SDL. It keeps what printing needs
(descriptions, arguments, defaults, directives) and the joins as data, so the
rules can read them even when the merge failed. Once printed, the supergraph
is read as the router reads it, into `supergraph.schema`'s `Supergraph` model.
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
class MergedArgument:
    name: str
    type: TypeNode
    default: ConstValueNode | None
    meta: Meta


@dataclass(slots=True)
class MergedField:
    name: str
    type: TypeNode
    args: dict[str, MergedArgument]
    meta: Meta
    joins: list[FieldJoin] | None = None
    """None when every subgraph of the parent resolves the field the same way."""
    default: ConstValueNode | None = None
    """Input fields only."""


@dataclass(slots=True)
class MergedEnumValue:
    name: str
    meta: Meta
    graphs: list[str]


@dataclass(slots=True)
class MergedType:
    kind: TypeKind
    name: str
    meta: Meta
    joins: list[TypeJoin] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)
    """(graph, interface) pairs: `@join__implements`."""
    fields: dict[str, MergedField] = field(default_factory=dict)
    members: list[tuple[str, str]] = field(default_factory=list)
    """(graph, member) pairs: `@join__unionMember`."""
    values: dict[str, MergedEnumValue] = field(default_factory=dict)


@dataclass(slots=True)
class MergedSchema:
    graphs: list[tuple[str, str]]
    """(subgraph name, routing URL), in input order."""
    types: dict[str, MergedType]
    roots: dict[str, str]
    composed_directives: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    composed_links: list[Link] = field(default_factory=list)
