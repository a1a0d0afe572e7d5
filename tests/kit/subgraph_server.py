"""A generic federation subgraph: graphql-core schema from a federation SDL, over HTTP.

``build_subgraph_schema`` turns a subgraph SDL (Federation 1 or 2) into an
executable schema with the federation additions a gateway relies on:
``scalar _Any``, ``union _Entity`` (every object type with ``@key``, or
implementing an interface with ``@key``), ``Query._entities(representations:)``
dispatching to per-type reference resolvers, and ``Query._service { sdl }``.

``SubgraphServer`` serves it on a free loopback port with uvicorn/Starlette in
a background thread (``POST /graphql``, ``GET /health``) and records every
request it receives (``RequestCounter``), so tests can count subgraph requests.
Like graphql-js subgraphs, it refuses an operation with an empty selection set
(HTTP 400, ``GRAPHQL_PARSE_FAILED``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLAbstractType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    graphql,
    parse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.kit.asgi_server import RequestCounter, ThreadedASGIServer
from tests.kit.scenario import Subgraph

_EXTENSION_TO_DEFINITION: dict[type[Any], type[Any]] = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
}


def _has_key(node: DefinitionNode) -> bool:
    directives = getattr(node, "directives", None) or ()
    return any(d.name.value == "key" for d in directives)


def _promote_orphan_extensions(definitions: Iterable[DefinitionNode]) -> list[DefinitionNode]:
    """Fed1 subgraphs write ``extend type Product @key(...)`` with no base type.

    graphql-core cannot extend a type that does not exist, so the first
    extension of a type without a definition becomes its definition.
    """
    definitions = list(definitions)
    defined = {d.name.value for d in definitions if isinstance(d, TypeDefinitionNode)}
    out: list[DefinitionNode] = []
    for node in definitions:
        if isinstance(node, TypeExtensionNode) and node.name.value not in defined:
            target = _EXTENSION_TO_DEFINITION.get(type(node))
            if target is None:
                raise ValueError(f"cannot promote extension of {node.name.value} to a definition")
            node = target(
                name=node.name,
                directives=node.directives,
                interfaces=getattr(node, "interfaces", ()),
                fields=getattr(node, "fields", ()),
            )
            defined.add(node.name.value)
        out.append(node)
    return out


def _entity_type_names(document: DocumentNode) -> tuple[set[str], set[str]]:
    """(object types with @key, interfaces with @key), from definitions and extensions."""
    objects: set[str] = set()
    interfaces: set[str] = set()
    for node in document.definitions:
        if not _has_key(node):
            continue
        if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
            objects.add(node.name.value)
        elif isinstance(node, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
            interfaces.add(node.name.value)
    return objects, interfaces


def _federation_document(sdl: str) -> tuple[DocumentNode, set[str], set[str]]:
    document = parse(sdl)
    kept = [
        d
        for d in document.definitions
        if not isinstance(d, SchemaExtensionNode | SchemaDefinitionNode | DirectiveDefinitionNode)
    ]
    kept = _promote_orphan_extensions(kept)
    objects, interfaces = _entity_type_names(document)
    type_names = {d.name.value for d in kept if isinstance(d, TypeDefinitionNode)}
    # Object types implementing an entity interface are entities too.
    for node in kept:
        if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and any(
            i.name.value in interfaces for i in node.interfaces or ()
        ):
            objects.add(node.name.value)
    extra = ["scalar _Any", "type _Service { sdl: String! }"]
    root_fields = ["_service: _Service!"]
    if objects:
        extra.append(f"union _Entity = {' | '.join(sorted(objects))}")
        root_fields.append("_entities(representations: [_Any!]!): [_Entity]!")
    query_keyword = "extend type" if "Query" in type_names else "type"
    extra.append(f"{query_keyword} Query {{ {' '.join(root_fields)} }}")
    additions = parse("\n".join(extra)).definitions
    return DocumentNode(definitions=(*kept, *additions)), objects, interfaces


def _resolve_type(
    value: Any, info: GraphQLResolveInfo[Any], abstract: GraphQLAbstractType
) -> str | None:
    typename = value.get("__typename") if isinstance(value, dict) else None
    if isinstance(typename, str):
        return typename
    possible = info.schema.get_possible_types(abstract)
    return possible[0].name if len(possible) == 1 else None


def build_subgraph_schema(subgraph: Subgraph) -> GraphQLSchema:
    """An executable graphql-core schema for one scenario subgraph."""
    document, _, interfaces = _federation_document(subgraph.sdl)
    schema = build_ast_schema(document, assume_valid_sdl=True)
    for type_name, fields in subgraph.resolvers.items():
        gql_type = schema.get_type(type_name)
        if not isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType):
            raise ValueError(f"{subgraph.name}: resolvers for unknown type {type_name}")
        for field_name, fn in fields.items():
            if field_name not in gql_type.fields:
                raise ValueError(
                    f"{subgraph.name}: resolver for unknown field {type_name}.{field_name}"
                )
            gql_type.fields[field_name].resolve = fn
    for gql_type in schema.type_map.values():
        if isinstance(gql_type, GraphQLInterfaceType | GraphQLUnionType):
            gql_type.resolve_type = _resolve_type
    query = schema.query_type
    assert query is not None
    sdl = subgraph.sdl
    query.fields["_service"].resolve = lambda _obj, _info: {"sdl": sdl}
    if "_entities" in query.fields:
        query.fields["_entities"].resolve = _entities_resolver(subgraph, interfaces)
    return schema


def _entities_resolver(subgraph: Subgraph, entity_interfaces: set[str]) -> Any:
    def resolve(
        _obj: Any, _info: GraphQLResolveInfo[Any], representations: list[dict[str, Any]]
    ) -> list[Any]:
        return [_resolve_reference(subgraph, rep, entity_interfaces) for rep in representations]

    return resolve


def _resolve_reference(subgraph: Subgraph, representation: Any, entity_interfaces: set[str]) -> Any:
    if not isinstance(representation, dict) or not isinstance(
        representation.get("__typename"), str
    ):
        raise ValueError("representation without __typename")
    typename = representation["__typename"]
    resolver = subgraph.references.get(typename)
    if resolver is None and typename in entity_interfaces:
        raise ValueError(f"{subgraph.name}: entity interface {typename} needs a reference resolver")
    found = resolver(representation) if resolver else dict(representation)
    if isinstance(found, dict) and "__typename" not in found:
        found = {**found, "__typename": typename}
    return found


class SubgraphServer:
    """One scenario subgraph on a free loopback port, in a background thread."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        self.schema = build_subgraph_schema(subgraph)
        self.counter = RequestCounter(self.app())
        self._server = ThreadedASGIServer(self.counter, f"subgraph-{subgraph.name}")

    @property
    def name(self) -> str:
        return self.subgraph.name

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"{self._server.base_url}/graphql"

    @property
    def requests(self) -> list[Any]:
        """The JSON bodies received on POST /graphql, in order."""
        return self.counter.requests

    @property
    def request_count(self) -> int:
        return self.counter.count

    def reset_requests(self) -> None:
        self.counter.reset()

    def app(self) -> Starlette:
        async def graphql_endpoint(request: Request) -> Response:
            try:
                body = json.loads(await request.body())
            except ValueError:
                return JSONResponse({"errors": [{"message": "body is not JSON"}]}, status_code=400)
            if not isinstance(body, dict) or not isinstance(body.get("query"), str):
                return JSONResponse({"errors": [{"message": "no query"}]}, status_code=400)
            try:
                # graphql-core accepts `{}` unless told not to; the spec's grammar and
                # graphql-js subgraphs (Apollo Server, Yoga) refuse an empty selection set.
                parse(body["query"], allow_empty_selection_sets=False)
            except GraphQLSyntaxError as error:
                failed = {**error.formatted, "extensions": {"code": "GRAPHQL_PARSE_FAILED"}}
                return JSONResponse({"errors": [failed]}, status_code=400)
            result = await graphql(
                self.schema,
                body["query"],
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
            )
            return JSONResponse(result.formatted)

        async def health(_request: Request) -> Response:
            return JSONResponse({"status": "UP"})

        return Starlette(
            routes=[
                Route("/graphql", graphql_endpoint, methods=["POST"]),
                Route("/health", health, methods=["GET"]),
            ]
        )

    def start(self, timeout: float = 10.0) -> None:
        self._server.start(timeout)

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SubgraphServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
