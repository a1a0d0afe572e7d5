"""Type references (`[Int!]!`): printing, comparing and merging them across subgraphs.

Output positions merge to the most general type (nullable where any subgraph is
nullable), input positions to the most restrictive one (non-null where any is
non-null): every subgraph's value then stays valid for the supergraph's.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql.language import (
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    TypeNode,
    print_ast,
)


def type_str(node: TypeNode) -> str:
    return print_ast(node)


def is_non_null(node: TypeNode) -> bool:
    return isinstance(node, NonNullTypeNode)


def merge_output(
    types: list[TypeNode], supertypes: Mapping[str, set[str]] | None = None
) -> TypeNode | None:
    """The most general of `types`, or None when they differ beyond nullability and subtyping.

    `supertypes` maps a type to the interfaces it implements and the unions it
    belongs to: a field may return `Node` in one subgraph and `User` in another.
    """
    return _merge(types, non_null_if_any=False, supertypes=supertypes or {})


def merge_input(types: list[TypeNode]) -> TypeNode | None:
    """The most restrictive of `types`, or None when they differ beyond nullability."""
    return _merge(types, non_null_if_any=True, supertypes={})


def _merge(
    types: list[TypeNode], *, non_null_if_any: bool, supertypes: Mapping[str, set[str]]
) -> TypeNode | None:
    non_null = [isinstance(t, NonNullTypeNode) for t in types]
    inner = [t.type if isinstance(t, NonNullTypeNode) else t for t in types]
    merged: TypeNode | None
    if all(isinstance(t, NamedTypeNode) for t in inner):
        names = {t.name.value for t in inner if isinstance(t, NamedTypeNode)}
        common = [n for n in names if all(o == n or n in supertypes.get(o, set()) for o in names)]
        merged = NamedTypeNode(name=NameNode(value=common[0])) if common else None
    elif all(isinstance(t, ListTypeNode) for t in inner):
        merged_item = _merge(
            [t.type for t in inner if isinstance(t, ListTypeNode)],
            non_null_if_any=non_null_if_any,
            supertypes=supertypes,
        )
        merged = None if merged_item is None else ListTypeNode(type=merged_item)
    else:
        merged = None
    if merged is None:
        return None
    wrap = any(non_null) if non_null_if_any else all(non_null)
    if wrap:
        assert isinstance(merged, NamedTypeNode | ListTypeNode)
        return NonNullTypeNode(type=merged)
    return merged
