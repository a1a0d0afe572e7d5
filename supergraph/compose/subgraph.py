"""One subgraph as composition sees it: its types, with federation directives read out.

Built by `read.py` from the SDL; federation directives become typed fields
(`keys`, `external`, `requires`, ...), everything else that the supergraph
keeps (`@tag`, `@inaccessible`, authorization, `@deprecated`, composed custom
directives) is collected in `Meta`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql.language import ConstDirectiveNode, ConstValueNode, DirectiveDefinitionNode, TypeNode

from supergraph.schema.links import Link
from supergraph.schema.model import TypeKind

ROOT_KINDS = ("query", "mutation", "subscription")
ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


@dataclass(frozen=True, slots=True)
class ListSize:
    """`@listSize` (cost spec v0.1): how long a list field's value is assumed to be."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] | None = None
    sized_fields: tuple[str, ...] | None = None
    require_one_slicing_argument: bool = True


@dataclass(slots=True)
class Meta:
    """Directives and documentation that the supergraph carries over."""

    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    authenticated: bool = False
    scopes: list[list[list[str]]] = field(default_factory=list)
    """One entry per `@requiresScopes`: OR of ANDs."""
    policies: list[list[list[str]]] = field(default_factory=list)
    deprecated: str | None = None
    custom: list[ConstDirectiveNode] = field(default_factory=list)
    """Applications of `@composeDirective`d directives."""
    cost: int | None = None
    """`@cost(weight:)` (demand control)."""
    list_size: ListSize | None = None


@dataclass(slots=True)
class Argument:
    name: str
    type: TypeNode
    default: ConstValueNode | None
    meta: Meta


@dataclass(slots=True)
class Field:
    name: str
    type: TypeNode
    args: dict[str, Argument]
    meta: Meta
    external: bool = False
    shareable: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None


@dataclass(slots=True)
class EnumValue:
    name: str
    meta: Meta


@dataclass(frozen=True, slots=True)
class Key:
    fields: str
    resolvable: bool


@dataclass(slots=True)
class SubgraphType:
    kind: TypeKind
    name: str
    meta: Meta
    extension: bool = False
    """Only ever declared with `extend` or `@extends` in this subgraph."""
    extends_directive: bool = False
    extend_keyword: bool = False
    """Declared with `extend type` (as opposed to only `@extends`)."""
    keys: list[Key] = field(default_factory=list)
    shareable: bool = False
    interface_object: bool = False
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    input_fields: dict[str, Argument] = field(default_factory=dict)

    def key_field_names(self) -> set[str]:
        """Top-level fields named by any of this type's keys."""
        # Imported here: fieldsets walks Subgraph models, so it imports this module.
        from .fieldsets import top_level_fields

        names: set[str] = set()
        for key in self.keys:
            names |= top_level_fields(key.fields)
        return names


@dataclass(slots=True)
class Subgraph:
    name: str
    url: str
    fed2: bool
    types: dict[str, SubgraphType]
    roots: dict[str, str]
    """Root kind (`query`) -> the type name the supergraph uses (`Query`)."""
    composed_directives: dict[str, DirectiveDefinitionNode] = field(default_factory=dict)
    """`@composeDirective` names (without `@`) -> their definitions."""
    composed_links: list[Link] = field(default_factory=list)
    composed_names: list[str] = field(default_factory=list)
    """Every name given to `@composeDirective`, defined or not (checked by a rule)."""
