"""Derive the client-facing API schema from the supergraph document.

Removes the join/link/core machinery (types, directives, directive uses),
every `@inaccessible` element (types, fields, arguments, enum values, input
fields, union members, implemented interfaces) and the uses of spec
directives clients do not see (`@tag`, authorization). Descriptions,
`@deprecated`, `@specifiedBy` and composed custom directives stay; `@defer` is
added (the router answers it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NamedTypeNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
)

from supergraph.schema.errors import SupergraphError
from supergraph.schema.links import Links

_N = TypeVar("_N")


def build_api_schema(document: DocumentNode, links: Links) -> GraphQLSchema:
    hidden_directives = links.spec_directive_names() | {"link", "core"}
    prefixes = links.machinery_prefixes()
    inaccessible = links.directive("inaccessible")

    def is_hidden_directive(name: str) -> bool:
        return name in hidden_directives or name.startswith(prefixes)

    def is_inaccessible(node: Any) -> bool:
        return any(d.name.value == inaccessible for d in getattr(node, "directives", None) or ())

    removed_types = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
        and (d.name.value.startswith(prefixes) or is_inaccessible(d))
    }

    def directives(nodes: Sequence[ConstDirectiveNode] | None) -> tuple[ConstDirectiveNode, ...]:
        return tuple(d for d in nodes or () if not is_hidden_directive(d.name.value))

    def clean(node: _N) -> _N:
        changes: dict[str, Any] = {}
        if hasattr(node, "directives"):
            changes["directives"] = directives(getattr(node, "directives", None))
        for attr in ("fields", "values", "arguments"):
            children = getattr(node, attr, None)
            if children:
                changes[attr] = tuple(clean(c) for c in children if not is_inaccessible(c))
        for attr in ("interfaces", "types"):
            refs = getattr(node, attr, None)
            if refs:
                changes[attr] = tuple(
                    r
                    for r in refs
                    if isinstance(r, NamedTypeNode) and r.name.value not in removed_types
                )
        return _copy(node, changes)

    definitions: list[Any] = []
    for definition in document.definitions:
        match definition:
            case DirectiveDefinitionNode():
                if not is_hidden_directive(definition.name.value):
                    definitions.append(definition)
            case SchemaDefinitionNode() | SchemaExtensionNode():
                operations = tuple(
                    o
                    for o in definition.operation_types or ()
                    if o.type.name.value not in removed_types
                )
                definitions.append(
                    _copy(definition, {"directives": (), "operation_types": operations})
                )
            case TypeDefinitionNode() | TypeExtensionNode():
                if definition.name.value not in removed_types:
                    definitions.append(clean(definition))
            case _:
                definitions.append(definition)
    if not any(
        isinstance(d, DirectiveDefinitionNode) and d.name.value == "defer" for d in definitions
    ):
        # Clients select with @defer (incremental delivery, docs/defer.md); the router
        # answers it, so the API schema declares it, as Apollo Router's does.
        definitions.append(_DEFER)
    try:
        return build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    except (GraphQLError, TypeError) as error:
        raise SupergraphError(f"cannot derive the API schema: {error}") from None


_DEFER: Final = parse(
    "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT"
).definitions[0]


def _copy(node: _N, changes: dict[str, Any]) -> _N:
    """A shallow copy of a graphql-core AST node with some attributes replaced."""
    cls = type(node)
    kwargs = {key: getattr(node, key, None) for key in cls.keys}  # type: ignore[attr-defined]
    kwargs.update(changes)
    return cls(**kwargs)
