"""Tiny federated subgraphs as graphql-core schemas, for in-process and HTTP tests.

Each subgraph is SDL plus `_entities` resolvers per typename; the helper adds
the federation machinery (`_Any`, `_Entity`, `Query._entities`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLSchema, build_schema

from supergraph.executor.typeinfo import PossibleTypes

EntityResolver = Callable[[dict[str, Any]], Any]


def subgraph_schema(
    sdl: str,
    *,
    entities: Mapping[str, EntityResolver] | None = None,
    root: Mapping[str, Any] | None = None,
) -> GraphQLSchema:
    """A subgraph schema; `root` holds values or callables for Query fields."""
    entity_types = " | ".join(entities or {}) or "_Dummy"
    machinery = f"""
        scalar _Any
        type _Dummy {{ id: ID }}
        union _Entity = {entity_types}
        extend type Query {{ _entities(representations: [_Any!]!): [_Entity]! }}
    """
    schema = build_schema(sdl + machinery)
    query = schema.query_type
    assert query is not None
    resolvers = dict(entities or {})

    def resolve_entities(_root: object, _info: object, representations: list[Any]) -> list[Any]:
        results: list[Any] = []
        for representation in representations:
            resolver = resolvers[representation["__typename"]]
            found = resolver(representation)
            if isinstance(found, Exception):
                results.append(found)
            else:
                results.append(
                    None if found is None else {"__typename": representation["__typename"], **found}
                )
        return results

    query.fields["_entities"].resolve = resolve_entities
    for name, value in (root or {}).items():
        query.fields[name].resolve = _constant(value)
    return schema


def _constant(value: Any) -> Callable[..., Any]:
    if callable(value):
        return lambda _root, _info, **args: value(**args)
    return lambda _root, _info, **_args: value


def types_of(api_sdl: str) -> PossibleTypes:
    return PossibleTypes(build_schema(api_sdl))
