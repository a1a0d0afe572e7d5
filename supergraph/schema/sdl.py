"""SDL nodes read one way: a type definition's kind, a type reference's named type.

Shared by the two readers of SDL: `parse.py` (a supergraph, for the router)
and composition's subgraph reader (`supergraph.compose.read`).
"""

from __future__ import annotations

from graphql import (
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from supergraph.schema.model import TypeKind

_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
    ScalarTypeDefinitionNode: "scalar",
    ScalarTypeExtensionNode: "scalar",
}


def type_kind(node: TypeDefinitionNode | TypeExtensionNode) -> TypeKind:
    """`type T`, `extend type T` -> "object"; `input I` -> "input"; and so on."""
    return _KINDS[type(node)]


def named_type(node: TypeNode) -> str:
    """The type a reference names under its list and non-null wrappers: `[Int!]!` -> `Int`."""
    while not isinstance(node, NamedTypeNode):
        assert isinstance(node, NonNullTypeNode | ListTypeNode)
        node = node.type
    return node.name.value
