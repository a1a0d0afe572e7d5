"""One subgraph as composition sees it: its types, with federation directives read out.

Built by `read.py` from the SDL; federation directives become typed fields
(`keys`, `external`, `requires`, ...), everything else that the supergraph
keeps (`@tag`, `@inaccessible`, authorization, `@deprecated`, composed custom
directives) is collected in `Meta`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql.language import (
    ConstDirectiveNode,
    ConstValueNode,
    DirectiveDefinitionNode,
    DocumentNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
)

from supergraph.schema.fieldset import read_field_set, top_level_names
from supergraph.schema.links import COST_SPEC, FEDERATION_SPEC, Link, local_name, schema_links
from supergraph.schema.model import FieldSet, FieldSetField, TypeKind
from supergraph.schema.sdl import named_type

ROOT_KINDS = ("query", "mutation", "subscription")
ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


FEDERATION_DIRECTIVES = (
    "key",
    "external",
    "requires",
    "provides",
    "extends",
    "shareable",
    "inaccessible",
    "tag",
    "override",
    "composeDirective",
    "interfaceObject",
    "authenticated",
    "requiresScopes",
    "policy",
    "context",
    "fromContext",
    "cost",
    "listSize",
)


@dataclass(slots=True)
class FederationNames:
    """Local directive name -> federation directive name, for one subgraph.

    A Federation 2 subgraph links the federation spec and imports some of its
    directives (`import: ["@key", {name: "@shareable", as: "@mayShare"}]`); the
    rest keep their namespaced name (`@federation__key`, or `@<as>__key` when the
    link has `as:`). A Federation 1 subgraph has no link and uses bare names."""

    version: tuple[int, int] | None
    """(2, x) for a Federation 2 subgraph, None for Federation 1 (no link)."""
    by_local: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    @property
    def is_fed2(self) -> bool:
        return self.version is not None

    def canonical(self, local: str) -> str | None:
        return self.by_local.get(local)


def federation_names(document: DocumentNode) -> FederationNames:
    """How `document` names the federation directives, from its `@link`s."""
    schemas = (
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    )
    links = schema_links(schemas, core=False)
    federation = next((link for link in links if link.url.startswith(FEDERATION_SPEC)), None)
    if federation is None:
        # Federation 1: bare names, no link.
        by_local = {name: name for name in FEDERATION_DIRECTIVES}
        return FederationNames(version=None, by_local=by_local, links=links)
    names = FederationNames(version=_version(federation.url), links=links)
    for name in FEDERATION_DIRECTIVES:
        names.by_local[local_name(federation, "federation", name)] = name
    for link in links:
        if link.url.startswith(COST_SPEC):
            names.by_local[local_name(link, "cost", "cost")] = "cost"
            names.by_local[local_name(link, "cost", "listSize")] = "listSize"
    return names


def _version(url: str) -> tuple[int, int]:
    tail = url.rstrip("/").rsplit("/", 1)[-1].lstrip("v")
    major, _, minor = tail.partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return 2, 0


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

    def top_level_fields(self) -> set[str]:
        """The fields the key selects at its top (none when it does not parse)."""
        return top_level_names(read_field_set(self.fields) or ())


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
        names: set[str] = set()
        for key in self.keys:
            names |= key.top_level_fields()
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

    def walk_field_set(self, type_name: str, fields: str) -> tuple[list[Selected], list[str]]:
        """Every (type, field) a `@key`/`@requires`/`@provides` field set selects from
        `type_name` here, and what is wrong with it, in the reference's words."""
        field_set = read_field_set(fields)
        if field_set is None:
            return [], [f'Syntax error in field set "{fields}"']
        if not field_set:
            # graphql-core accepts `{}`; a field set must select something.
            return [], ['Syntax Error: Expected Name, found "}".']
        problems: list[str] = []
        selected = list(_walk(self, type_name, field_set, problems))
        return selected, problems


@dataclass(frozen=True, slots=True)
class Selected:
    """One field a field set selects, resolved against a subgraph."""

    type_name: str
    field_name: str
    # Below an @external field: its subfields are what the other subgraph answers
    # for it, so they need no @external of their own.
    under_external: bool = False


def _walk(
    subgraph: Subgraph,
    type_name: str,
    field_set: FieldSet,
    problems: list[str],
    under_external: bool = False,
) -> Iterator[Selected]:
    owner = subgraph.types.get(type_name)
    for item in field_set:
        if not isinstance(item, FieldSetField):
            target = item.type_condition or type_name
            if target not in subgraph.types:
                problems.append(f'Unknown type "{target}"')
                continue
            yield from _walk(subgraph, target, item.selections, problems, under_external)
            continue
        if item.name == "__typename":
            continue
        declared = None if owner is None else owner.fields.get(item.name)
        if declared is None:
            problems.append(f'Cannot query field "{item.name}" on type "{type_name}"')
            continue
        yield Selected(type_name, item.name, under_external)
        if item.selections:
            inner = named_type(declared.type)
            below = under_external or declared.external
            yield from _walk(subgraph, inner, item.selections, problems, below)
