"""The schema as the linter reads it: named elements with coordinates and positions.

A subgraph's SDL is read as written (its `extend type`s, federation directives
and source lines kept); a supergraph is read through its API schema (what
clients see: no join__/link__ machinery, no @inaccessible elements), which has
no source lines of its own. Federation's own definitions (`_Any`, `_Entity`,
`_service`, `link__*`, `federation__*`, directive definitions) are not the
schema's design and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputValueDefinitionNode,
    ListTypeNode,
    NonNullTypeNode,
    OperationType,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    parse,
    print_schema,
)
from graphql.language import Node

from supergraph.schema.model import TypeKind
from supergraph.schema.sdl import type_kind

ElementKind = Literal["type", "field", "input-field", "argument", "enum-value"]

_Named = (
    TypeDefinitionNode
    | TypeExtensionNode
    | FieldDefinitionNode
    | InputValueDefinitionNode
    | EnumValueDefinitionNode
)

BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Element:
    """A type, field, input field, argument or enum value of the schema."""

    kind: ElementKind
    coordinate: str
    """Its schema coordinate: `Product`, `Product.weight`, `Query.product(upc:)`,
    `OrderStatus.PENDING`."""
    name: str
    description: str | None
    directives: tuple[DirectiveNode, ...]
    position: Position | None
    owner: str | None = None
    """The type it belongs to (its field's type for an argument); None for a type."""
    owner_kind: TypeKind | None = None
    type_kind: TypeKind | None = None
    """For a type: what kind of type it is."""
    type_node: TypeNode | None = None
    """For fields, input fields and arguments: the written type."""
    argument_names: tuple[str, ...] = ()
    """For fields: the names of their arguments."""
    extension: bool = False
    """Declared by `extend type` (or a type's extension): it carries no description."""

    def directive(self, name: str) -> DirectiveNode | None:
        return next((d for d in self.directives if d.name.value == name), None)


@dataclass(slots=True)
class LintSchema:
    """The elements of one schema and what the rules look up about its types."""

    source: str
    """A file name or a subgraph's name: where findings point."""
    elements: list[Element] = field(default_factory=list)
    type_kinds: dict[str, TypeKind] = field(default_factory=dict)
    roots: dict[OperationType, str] = field(default_factory=dict)

    def kind_of(self, type_name: str) -> TypeKind | None:
        if type_name in BUILTIN_SCALARS:
            return "scalar"
        return self.type_kinds.get(type_name)

    def root_names(self) -> frozenset[str]:
        return frozenset(self.roots.values())


def tags_of(element: Element) -> frozenset[str]:
    """The names of the element's `@tag(name: ...)`s."""
    return frozenset(
        name
        for d in element.directives
        if d.name.value == "tag" and isinstance(name := argument_value(d, "name"), str)
    )


def without_non_null(node: TypeNode) -> TypeNode:
    return node.type if isinstance(node, NonNullTypeNode) else node


def is_list(node: TypeNode) -> bool:
    return isinstance(without_non_null(node), ListTypeNode)


def lists_with_nullable_items(node: TypeNode) -> bool:
    """Whether a list in this type (at any depth) has nullable items: `[T]`, `[[T!]]!`."""
    current = without_non_null(node)
    while isinstance(current, ListTypeNode):
        if not isinstance(current.type, NonNullTypeNode):
            return True
        current = without_non_null(current.type)
    return False


def argument_value(directive: DirectiveNode, name: str) -> object:
    """A literal argument of a directive: str/bool, None when absent or not literal."""
    argument: ArgumentNode | None = next(
        (a for a in directive.arguments or () if a.name.value == name), None
    )
    if argument is None:
        return None
    value = argument.value
    if isinstance(value, StringValueNode | BooleanValueNode):
        return value.value
    return None


def is_federation_machinery(name: str) -> bool:
    """Federation's own definitions and anything namespaced (`link__Import`)."""
    return name.startswith("_") or "__" in name or name in {"FieldSet", "link__Import"}


def from_sdl(sdl: str, source: str) -> LintSchema:
    """A subgraph's (or any schema's) SDL as written, with source positions."""
    return _read(parse(sdl), source, positions=True)


def from_api_sdl(api_sdl: str, source: str) -> LintSchema:
    """A supergraph's API schema (printed SDL): no positions of its own."""
    return _read(parse(api_sdl, no_location=True), source, positions=False)


def from_supergraph_api(
    api_schema: GraphQLSchema, source: str, supergraph_sdl: str | None = None
) -> LintSchema:
    """The API schema's elements; with the supergraph's SDL, each carrying the `@tag`s the
    subgraphs put on it (the API schema drops them; rules may read them as marks)."""
    schema = from_api_sdl(print_schema(api_schema), source)
    if supergraph_sdl is not None:
        tags = _tags_by_coordinate(from_api_sdl(supergraph_sdl, source))
        schema.elements = [
            replace(e, directives=e.directives + tags[e.coordinate]) if e.coordinate in tags else e
            for e in schema.elements
        ]
    return schema


def _tags_by_coordinate(schema: LintSchema) -> dict[str, tuple[DirectiveNode, ...]]:
    out: dict[str, tuple[DirectiveNode, ...]] = {}
    for element in schema.elements:
        tags = tuple(d for d in element.directives if d.name.value == "tag")
        if tags:
            out[element.coordinate] = out.get(element.coordinate, ()) + tags
    return out


def _read(document: DocumentNode, source: str, *, positions: bool) -> LintSchema:
    schema = LintSchema(source)
    explicit_roots = False
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for declared in definition.operation_types or ():
                schema.roots[declared.operation] = declared.type.name.value
                explicit_roots = True
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            schema.type_kinds.setdefault(definition.name.value, type_kind(definition))
    if not explicit_roots:
        for root, name in (
            (OperationType.QUERY, "Query"),
            (OperationType.MUTATION, "Mutation"),
            (OperationType.SUBSCRIPTION, "Subscription"),
        ):
            if name in schema.type_kinds:
                schema.roots[root] = name
    reader = _Reader(schema, positions)
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            reader.type_definition(definition, type_kind(definition))
    return schema


@dataclass(slots=True)
class _Reader:
    schema: LintSchema
    positions: bool

    def position(self, node: Node) -> Position | None:
        """Where the element's name is (its description comes before it)."""
        named: Node = getattr(node, "name", None) or node
        if not self.positions or named.loc is None:
            return None
        token = named.loc.start_token
        return Position(token.line, token.column)

    def element(self, node: _Named, kind: ElementKind, coordinate: str, **more: Any) -> None:
        description = getattr(node, "description", None)
        self.schema.elements.append(
            Element(
                kind=kind,
                coordinate=coordinate,
                name=node.name.value,
                description=description.value if description else None,
                directives=tuple(getattr(node, "directives", None) or ()),
                position=self.position(node),
                **more,
            )
        )

    def type_definition(self, node: TypeDefinitionNode | TypeExtensionNode, kind: TypeKind) -> None:
        name = node.name.value
        if is_federation_machinery(name):
            return
        self.element(
            node, "type", name, type_kind=kind, extension=isinstance(node, TypeExtensionNode)
        )
        for child in getattr(node, "fields", None) or ():
            if isinstance(child, FieldDefinitionNode):
                self.field(child, name, kind)
            else:
                self.element(
                    child,
                    "input-field",
                    f"{name}.{child.name.value}",
                    owner=name,
                    owner_kind=kind,
                    type_node=child.type,
                )
        for value in getattr(node, "values", None) or ():
            self.element(
                value, "enum-value", f"{name}.{value.name.value}", owner=name, owner_kind=kind
            )

    def field(self, node: FieldDefinitionNode, owner: str, owner_kind: TypeKind) -> None:
        name = node.name.value
        if name.startswith("_"):
            return  # _entities, _service: federation's
        arguments: tuple[InputValueDefinitionNode, ...] = tuple(node.arguments or ())
        self.element(
            node,
            "field",
            f"{owner}.{name}",
            owner=owner,
            owner_kind=owner_kind,
            type_node=node.type,
            argument_names=tuple(a.name.value for a in arguments),
        )
        for argument in arguments:
            self.element(
                argument,
                "argument",
                f"{owner}.{name}({argument.name.value}:)",
                owner=owner,
                owner_kind=owner_kind,
                type_node=argument.type,
            )
