"""The conformance kit itself: subgraph server, response normalisation, generator."""

from __future__ import annotations

import httpx
import pytest
from graphql import build_schema, parse, validate

from tests.kit.compare import (
    Response,
    assert_same,
    expected_errors,
    normalise,
)
from tests.kit.compose import bind_urls, placeholder_url
from tests.kit.fixtures import apollo_lost_a_connection
from tests.kit.generator import generate
from tests.kit.scenario import ExpectedError, Subgraph, SubgraphError, by_key
from tests.kit.subgraph_server import SubgraphServer, build_subgraph_schema

ROWS = [{"upc": "1", "name": "One"}, {"upc": "2", "name": "Two"}]

FED1 = Subgraph(
    name="fed1",
    sdl="""
extend type Product @key(fields: "upc") {
  upc: String! @external
  name: String
  broken: String
}
extend type Query { top: Product }
""",
    resolvers={
        "Query": {"top": lambda _o, _i: ROWS[0]},
        "Product": {"broken": lambda _o, _i: (_ for _ in ()).throw(SubgraphError("no", "NOPE"))},
    },
    references={"Product": by_key(ROWS, "upc")},
)


def test_fed1_extensions_become_types_with_federation_fields() -> None:
    schema = build_subgraph_schema(FED1)
    query = schema.query_type
    assert query is not None
    assert {"top", "_service", "_entities"} <= set(query.fields)
    entity = schema.get_type("_Entity")
    assert entity is not None
    assert [t.name for t in entity.types] == ["Product"]  # type: ignore[attr-defined]


def test_subgraph_server_resolves_entities_and_counts_requests() -> None:
    with SubgraphServer(FED1) as server, httpx.Client() as client:
        query = (
            "query($r: [_Any!]!) { _entities(representations: $r) "
            "{ __typename ... on Product { upc name } } }"
        )
        reps = [
            {"__typename": "Product", "upc": "2"},
            {"__typename": "Product", "upc": "404"},
        ]
        body = client.post(server.url, json={"query": query, "variables": {"r": reps}}).json()
        assert body == {
            "data": {"_entities": [{"__typename": "Product", "upc": "2", "name": "Two"}, None]}
        }
        sdl = client.post(server.url, json={"query": "{ _service { sdl } }"}).json()
        assert sdl["data"]["_service"]["sdl"] == FED1.sdl
        assert server.request_count == 2
        server.reset_requests()
        assert server.request_count == 0


def test_subgraph_errors_carry_path_and_code() -> None:
    with SubgraphServer(FED1) as server:
        body = httpx.post(server.url, json={"query": "{ top { upc broken } }"}).json()
    assert body["data"] == {"top": {"upc": "1", "broken": None}}
    [error] = body["errors"]
    assert error["path"] == ["top", "broken"]
    assert error["extensions"] == {"code": "NOPE"}


def test_normalisation_ignores_messages_and_internal_codes() -> None:
    apollo = Response(
        200,
        {
            "data": {"a": None},
            "errors": [
                {"message": "x", "path": ["a"], "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR"}},
                {"message": "bad", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}},
            ],
        },
    )
    ours = Response(
        200,
        {
            "errors": [
                {"message": "other words", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}},
                {"message": "y", "path": ["a"], "extensions": {"serviceName": "s"}},
            ],
            "data": {"a": None},
        },
    )
    assert_same(normalise(ours), normalise(apollo))
    assert normalise(ours)["errors"] == expected_errors(
        (ExpectedError(("a",)), ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"))
    )


def test_comparison_sees_key_order() -> None:
    first = Response(200, {"data": {"a": 1, "b": 2}})
    second = Response(200, {"data": {"b": 2, "a": 1}})
    with pytest.raises(AssertionError):
        assert_same(normalise(first), normalise(second))


def test_bind_urls_replaces_placeholders() -> None:
    sdl = f'enum join__Graph {{ A @join__graph(name: "a", url: "{placeholder_url("a")}") }}'
    assert "http://127.0.0.1:9/graphql" in bind_urls(sdl, {"a": "http://127.0.0.1:9/graphql"})
    with pytest.raises(ValueError, match="no placeholder"):
        bind_urls(sdl, {"b": "http://127.0.0.1:9/graphql"})


API = build_schema(
    """
interface Node { id: ID! }
type User implements Node { id: ID! name: String friends(first: Int = 2): [User!]! pet: Pet }
type Dog implements Node { id: ID! barks: Boolean! }
type Cat implements Node { id: ID! lives: Int! }
union Pet = Dog | Cat
enum Order { ASC DESC }
type Query { node(id: ID!): Node users(order: Order!): [User!]! pets: [Pet!]! }
"""
)


def test_generator_is_deterministic_and_valid() -> None:
    first = generate(API, 40, seed=7)
    assert first == generate(API, 40, seed=7)
    assert first != generate(API, 40, seed=8)
    for operation in first:
        assert validate(API, parse(operation.query)) == [], operation.query
    text = "\n".join(o.query for o in first)
    for feature in ("... on ", "fragment ", "@skip", "@include", "$v", "__typename", ": "):
        assert feature in text, feature


def test_generator_avoids_fields() -> None:
    for operation in generate(API, 30, seed=1, avoid=frozenset({"User.name", "Query.pets"})):
        assert " name" not in operation.query
        assert "pets" not in operation.query


def test_only_a_lost_peer_connection_counts_as_apollo_losing_a_connection() -> None:
    lost = {"message": "request to http://127.0.0.1:45751/graphql failed, reason: socket hang up"}
    assert apollo_lost_a_connection({"data": None, "errors": [lost]})
    reset = {"message": "request to http://127.0.0.1:1/graphql failed, reason: read ECONNRESET"}
    assert apollo_lost_a_connection({"errors": [{"message": "boom"}, reset]})
    refused = {
        "message": "request to http://127.0.0.1:1/graphql failed, reason: connect ECONNREFUSED"
    }
    assert not apollo_lost_a_connection({"errors": [refused]})
    assert not apollo_lost_a_connection({"errors": [{"message": "socket hang up"}]})
    assert not apollo_lost_a_connection({"data": {"a": 1}})
    assert not apollo_lost_a_connection(None)
