"""SDL text -> `Subgraph`: parse leniently and read the federation directives out.

Subgraph SDLs reference federation scalars and directives (`_Any`,
`FieldSet`, `link__Import`, `@key`) that they may not define, so the SDL is
only parsed, never built into a graphql-core schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from graphql import GraphQLSyntaxError, parse
from graphql.language import (
    BooleanValueNode,
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
)
from graphql.utilities import value_from_ast_untyped

from supergraph.schema.sdl import type_kind

from .errors import CompositionError, ErrorSink
from .fed1 import upgrade_fed1
from .source import SubgraphSource
from .subgraph import (
    ROOT_NAMES,
    Argument,
    EnumValue,
    FederationNames,
    Field,
    Key,
    ListSize,
    Meta,
    Subgraph,
    SubgraphType,
    federation_names,
)
from .validate.context_unsupported import check_context_unsupported
from .validate.link_imports import check_link_imports
from .validate.sdl import check_subgraph_sdl

_FEDERATION_ROOT_FIELDS = frozenset({"_service", "_entities"})
_BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})

# Types a subgraph may reference without defining: they belong to federation
# or link, not to the subgraph's own API, and never reach the supergraph.
FEDERATION_TYPES = frozenset(
    {
        "_Any",
        "_Entity",
        "_Service",
        "_FieldSet",
        "FieldSet",
        "federation__FieldSet",
        "federation__Scope",
        "federation__Policy",
        "federation__ContextFieldValue",
        "link__Import",
        "link__Purpose",
        "link__Url",
    }
)


def read_subgraph(source: SubgraphSource, errors: ErrorSink) -> Subgraph | None:
    try:
        document = parse(source.sdl, no_location=True)
    except GraphQLSyntaxError as error:
        errors.append(
            CompositionError(
                "INVALID_GRAPHQL", f"[{source.name}] The SDL does not parse: {error.message}"
            )
        )
        return None
    reader = _Reader(source, document)
    # Rules that need the document itself, not just the model read from it.
    check_link_imports(source.name, reader.names, errors)
    check_subgraph_sdl(source.name, document, reader.names, errors)
    check_context_unsupported(source.name, document, reader.names, errors)
    return reader.read()


class _Reader:
    def __init__(self, source: SubgraphSource, document: DocumentNode) -> None:
        self.source = source
        self.document = document
        self.names: FederationNames = federation_names(document)
        self.composed: set[str] = set()
        self.renames: dict[str, str] = {}

    def read(self) -> Subgraph:
        subgraph = Subgraph(self.source.name, self.source.url, self.names.is_fed2, {}, {})
        self._read_schema_definition(subgraph)
        for definition in self.document.definitions:
            if isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                self._read_type(subgraph, definition)
        self._drop_federation_elements(subgraph)
        for kind, default in ROOT_NAMES.items():
            if kind not in subgraph.roots and default in subgraph.types:
                subgraph.roots[kind] = default
        if not subgraph.fed2:
            upgrade_fed1(subgraph)
        return subgraph

    def _read_schema_definition(self, subgraph: Subgraph) -> None:
        definitions = {
            d.name.value: d
            for d in self.document.definitions
            if isinstance(d, DirectiveDefinitionNode)
        }
        for definition in self.document.definitions:
            if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
                continue
            for operation in definition.operation_types or ():
                kind = operation.operation.value
                name = operation.type.name.value
                subgraph.roots[kind] = ROOT_NAMES[kind]
                if name != ROOT_NAMES[kind]:
                    self.renames[name] = ROOT_NAMES[kind]
            for directive in definition.directives or ():
                if self.names.canonical(directive.name.value) != "composeDirective":
                    continue
                name = str(_argument(directive, "name") or "").lstrip("@")
                self.composed.add(name)
                subgraph.composed_names.append(name)
                if name in definitions:
                    subgraph.composed_directives[name] = definitions[name]
        subgraph.composed_links = [
            link
            for link in self.names.links
            if any(local.lstrip("@") in self.composed for local in link.imports.values())
        ]

    def _read_type(self, subgraph: Subgraph, node: TypeDefinitionNode | TypeExtensionNode) -> None:
        name = self.renames.get(node.name.value, node.name.value)
        if name in FEDERATION_TYPES or name in _BUILT_IN_SCALARS:
            return
        kind = type_kind(node)
        is_extension = isinstance(node, TypeExtensionNode)
        existing = subgraph.types.get(name)
        if existing is None:
            existing = SubgraphType(kind, name, Meta(), extension=is_extension)
            subgraph.types[name] = existing
        elif not is_extension:
            existing.extension = False
        existing.extend_keyword = existing.extend_keyword or is_extension
        target = existing
        description = getattr(node, "description", None)
        if description is not None:
            target.meta.description = description.value
        self._read_type_directives(target, node.directives or ())
        if isinstance(
            node,
            ObjectTypeDefinitionNode
            | ObjectTypeExtensionNode
            | InterfaceTypeDefinitionNode
            | InterfaceTypeExtensionNode,
        ):
            target.interfaces += [i.name.value for i in node.interfaces or ()]
            # `@shareable` on a type (or extension) covers the fields of that block only.
            block = {self.names.canonical(d.name.value) for d in node.directives or ()}
            for field_node in node.fields or ():
                field = self._field(field_node)
                field.shareable = field.shareable or "shareable" in block
                # Likewise `@external` on a type (Federation 2) marks that block's fields.
                field.external = field.external or ("external" in block and self.names.is_fed2)
                target.fields[field_node.name.value] = field
        elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
            target.members += [
                self.renames.get(m.name.value, m.name.value) for m in node.types or ()
            ]
        elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            for value in node.values or ():
                meta = self._meta(value.directives or (), value.description)
                target.values[value.name.value] = EnumValue(value.name.value, meta)
        elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
            for input_field in node.fields or ():
                target.input_fields[input_field.name.value] = self._argument(input_field)

    def _read_type_directives(
        self, target: SubgraphType, directives: Sequence[DirectiveNode]
    ) -> None:
        for directive in directives:
            canonical = self.names.canonical(directive.name.value)
            if canonical == "key":
                fields = _argument(directive, "fields")
                resolvable = _argument(directive, "resolvable")
                target.keys.append(Key(str(fields or ""), resolvable is not False))
            elif canonical == "extends":
                target.extension = True
                target.extends_directive = True
            elif canonical == "shareable":
                target.shareable = True
            elif canonical == "interfaceObject":
                target.interface_object = True
        self._add_meta(target.meta, directives)

    def _field(self, node: FieldDefinitionNode) -> Field:
        field = Field(
            node.name.value,
            self._type(node.type),
            {arg.name.value: self._argument(arg) for arg in node.arguments or ()},
            self._meta(node.directives or (), node.description),
        )
        for directive in node.directives or ():
            canonical = self.names.canonical(directive.name.value)
            if canonical == "external":
                field.external = True
            elif canonical == "shareable":
                field.shareable = True
            elif canonical == "requires":
                field.requires = str(_argument(directive, "fields") or "")
            elif canonical == "provides":
                field.provides = str(_argument(directive, "fields") or "")
            elif canonical == "override":
                field.override = str(_argument(directive, "from") or "")
                label = _argument(directive, "label")
                field.override_label = None if label is None else str(label)
        return field

    def _argument(self, node: InputValueDefinitionNode) -> Argument:
        meta = self._meta(node.directives or (), node.description)
        return Argument(node.name.value, self._type(node.type), node.default_value, meta)

    def _meta(
        self, directives: Iterable[DirectiveNode], description: StringValueNode | None
    ) -> Meta:
        meta = Meta(description=None if description is None else description.value)
        self._add_meta(meta, directives)
        return meta

    def _add_meta(self, meta: Meta, directives: Iterable[DirectiveNode]) -> None:
        for directive in directives:
            local = directive.name.value
            canonical = self.names.canonical(local)
            if canonical == "tag":
                meta.tags.append(str(_argument(directive, "name")))
            elif canonical == "inaccessible":
                meta.inaccessible = True
            elif canonical == "authenticated":
                meta.authenticated = True
            elif canonical == "requiresScopes":
                meta.scopes.append(_nested_strings(_argument(directive, "scopes")))
            elif canonical == "policy":
                meta.policies.append(_nested_strings(_argument(directive, "policies")))
            elif canonical == "cost":
                weight = _argument(directive, "weight")
                meta.cost = weight if isinstance(weight, int) else None
            elif canonical == "listSize":
                meta.list_size = read_list_size(directive)
            elif local == "deprecated":
                reason = _argument(directive, "reason")
                meta.deprecated = "No longer supported" if reason is None else str(reason)
            elif local == "specifiedBy" or local in self.composed:
                # Type-system directives are parsed as constants.
                meta.custom.append(cast(ConstDirectiveNode, directive))

    def _type(self, node: TypeNode) -> TypeNode:
        """Apply root-type renames (`schema { query: RootQuery }` -> `Query`)."""
        if isinstance(node, NonNullTypeNode):
            inner = self._type(node.type)
            assert isinstance(inner, NamedTypeNode | ListTypeNode)
            return NonNullTypeNode(type=inner)
        if isinstance(node, ListTypeNode):
            return ListTypeNode(type=self._type(node.type))
        assert isinstance(node, NamedTypeNode)
        renamed = self.renames.get(node.name.value)
        return node if renamed is None else NamedTypeNode(name=NameNode(value=renamed))

    def _drop_federation_elements(self, subgraph: Subgraph) -> None:
        query = subgraph.types.get("Query")
        if query is None:
            return
        for name in _FEDERATION_ROOT_FIELDS:
            query.fields.pop(name, None)
        if not query.fields:
            # A subgraph with only `_service`/`_entities` contributes no root fields.
            del subgraph.types["Query"]


def _argument(directive: DirectiveNode, name: str) -> object:
    for argument in directive.arguments or ():
        if argument.name.value == name:
            value: ValueNode = argument.value
            if isinstance(value, BooleanValueNode):
                return value.value
            return value_from_ast_untyped(value)
    return None


def read_list_size(directive: DirectiveNode) -> ListSize:
    assumed = _argument(directive, "assumedSize")
    require_one = _argument(directive, "requireOneSlicingArgument")
    return ListSize(
        assumed if isinstance(assumed, int) else None,
        _strings(_argument(directive, "slicingArguments")),
        _strings(_argument(directive, "sizedFields")),
        require_one is not False,
    )


def _strings(value: object) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if isinstance(value, list) else None


def _nested_strings(value: object) -> list[list[str]]:
    if not isinstance(value, list):
        return []
    return [
        [str(item) for item in inner] if isinstance(inner, list) else [str(inner)]
        for inner in value
    ]
