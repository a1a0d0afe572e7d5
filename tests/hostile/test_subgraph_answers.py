"""Misbehaving subgraphs: a router never passes on what a subgraph should not have answered.

A real router (`build_app`, over real HTTP) in front of two scripted subgraphs
(tests/hostile/misbehaving.py): each test corrupts one answer and asserts what the
client gets, the error's code and path, that the rest of the response is intact,
and that the router answers normally afterwards. Every response is also checked
against the response invariant by `post` (no null in a non-null position, no null
`data`, without an error).

- An answer over `limits.subgraph...http_max_response_bytes` is refused while it is
  read: the subgraph sees the connection dropped long before its 300 MB are out.
- A value of the wrong type for its field (scalars, enums, objects, lists) is null
  with RESPONSE_VALIDATION_FAILED at its exact path, then GraphQL null propagation.
- An `_entities` answer that is not a list of one object (or null) per representation
  is an error at every object it was to complete.
- A null entity (unknown to the subgraph) with a non-null field selected: an error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.e2e.system import API_SCHEMAS, Response, System, api_schema, parse_metrics, post
from tests.hostile.misbehaving import (
    INVENTORY,
    PRODUCTS,
    ScriptedSubgraph,
    Stream,
    entities,
    entity,
    supergraph_sdl,
)
from tests.kit.asgi_server import ThreadedASGIServer

CAP = 1_000_000
"""`limits.subgraph.all.http_max_response_bytes` of the routers here."""
INVENTORY_CAP = 2_000_000
"""... and `limits.subgraph.subgraphs.inventory.http_max_response_bytes`."""
HUGE = 300_000_000
FAR_LESS = 64_000_000
"""Bytes a subgraph may get out before the router hangs up: the cap plus what the
kernel's socket buffers take in, far below `HUGE`."""
VALIDATION = "RESPONSE_VALIDATION_FAILED"


class Stack:
    """The scripted subgraphs and one router per subgraph HTTP client."""

    def __init__(self) -> None:
        self.products = ScriptedSubgraph(PRODUCTS)
        self.inventory = ScriptedSubgraph(INVENTORY)
        self.routers: dict[str, str] = {}
        self.servers: list[ThreadedASGIServer] = []
        self.client = httpx.Client(timeout=60)

    def start(self) -> None:
        self.products.start()
        self.inventory.start()
        sdl = supergraph_sdl([self.products, self.inventory])
        limits = {
            "all": {"http_max_response_bytes": CAP},
            "subgraphs": {"inventory": {"http_max_response_bytes": INVENTORY_CAP}},
        }
        for client in ("http1", "aiohttp"):
            config = parse_config(
                {"limits": {"subgraph": limits}, "traffic_shaping": {"http_client": client}}
            )
            server = ThreadedASGIServer(build_app(sdl, config), f"router-{client}", lifespan="on")
            server.start()
            self.servers.append(server)
            self.routers[client] = f"{server.url}/graphql"
            API_SCHEMAS[self.routers[client]] = api_schema(sdl)

    def stop(self) -> None:
        for url in self.routers.values():
            API_SCHEMAS.pop(url, None)
        for server in self.servers:
            server.stop()
        self.products.stop()
        self.inventory.stop()
        self.client.close()

    def post(self, query: str, client: str = "http1") -> Response:
        return post(self.client, self.routers[client], query)

    def fetch_errors(self, client: str, subgraph: str, outcome: str) -> float:
        text = self.client.get(self.routers[client].removesuffix("/graphql") + "/metrics").text
        key = ("router_subgraph_fetch_errors_total", (("outcome", outcome), ("subgraph", subgraph)))
        return parse_metrics(text).get(key, 0.0)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = Stack()
    try:
        running.start()
        yield running
    finally:
        running.stop()


def errors_of(response: Response) -> list[tuple[list[Any], str | None]]:
    return [(e.get("path"), (e.get("extensions") or {}).get("code")) for e in response.errors]


def assert_healthy(stack: Stack, client: str = "http1") -> None:
    """The router answers the same subgraphs normally afterwards."""
    response = stack.post("{ products { upc name inStock } slogan }", client)
    assert response.status == 200
    assert response.errors == []
    assert response.data == {
        "products": [
            {"upc": "1", "name": "Tent", "inStock": True},
            {"upc": "2", "name": "Stove", "inStock": False},
            {"upc": "3", "name": "Lamp", "inStock": True},
        ],
        "slogan": "camp well",
    }


# -- size cap ------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["http1", "aiohttp"])
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_an_answer_over_the_cap_is_refused_while_read_and_the_connection_dropped(
    stack: Stack, client: str, chunked: bool
) -> None:
    before = stack.fetch_errors(client, "inventory", "response_too_large")
    with stack.inventory.tampering(lambda _r, _b: Stream(HUGE, chunked=chunked)):
        response = stack.post("{ products { name maybeInStock } }", client)
    assert response.status == 200
    # The products fetch ran; the inventory fields are null, with an error at each object.
    assert response.data == {
        "products": [
            {"name": "Tent", "maybeInStock": None},
            {"name": "Stove", "maybeInStock": None},
            {"name": "Lamp", "maybeInStock": None},
        ]
    }
    assert errors_of(response) == [(["products", i], "SUBREQUEST_HTTP_ERROR") for i in range(3)]
    assert f"larger than {INVENTORY_CAP} bytes" in response.errors[0]["message"]
    sent = stack.inventory.last
    assert sent.hung_up, "the router read the whole answer"
    assert sent.written < FAR_LESS, f"{sent.written} bytes were sent before the router hung up"
    after = stack.fetch_errors(client, "inventory", "response_too_large")
    assert after == before + 1
    assert_healthy(stack, client)


def test_the_all_subgraphs_cap_applies_where_no_subgraph_has_its_own(stack: Stack) -> None:
    with stack.products.tampering(lambda _r, _b: Stream(CAP + 10_000)):
        response = stack.post("{ slogan }")
    assert response.data == {"slogan": None}
    assert errors_of(response) == [(["slogan"], "SUBREQUEST_HTTP_ERROR")]
    assert f"larger than {CAP} bytes" in response.errors[0]["message"]
    # Under the cap: served.
    with stack.products.tampering(lambda _r, _b: Stream(CAP // 2)):
        response = stack.post("{ slogan }")
    assert response.errors == []
    assert response.data["slogan"] == "x" * (CAP // 2)


def test_a_compressed_answer_is_capped_by_its_inflated_size(stack: Stack) -> None:
    import gzip

    import orjson

    body = orjson.dumps({"data": {"slogan": "x" * (CAP * 3)}})
    packed = gzip.compress(body)
    assert len(packed) < CAP // 10

    def tamper(_request: dict[str, Any], _body: dict[str, Any]) -> bytes:
        return packed

    stack.products.gzip = True
    try:
        with stack.products.tampering(tamper):
            response = stack.post("{ slogan }")
    finally:
        stack.products.gzip = False
    assert errors_of(response) == [(["slogan"], "SUBREQUEST_HTTP_ERROR")]
    assert_healthy(stack)


# -- values of the wrong type ----------------------------------------------------------

ONE = '{ product(upc: "1") { upc FIELD } }'


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("inStock", "yes", 'Boolean cannot represent a non boolean value: "yes"'),
        ("inStock", 5, "Boolean cannot represent a non boolean value: 5"),
        ("inStock", {"x": 1}, 'Boolean cannot represent a non boolean value: {"x":1}'),
        ("inStock", [True], "Boolean cannot represent a non boolean value: [true]"),
    ],
)
def test_a_wrong_value_for_a_non_null_scalar_nulls_the_parent_with_an_error(
    stack: Stack, field: str, value: object, message: str
) -> None:
    with stack.inventory.tampering(entity(field, value)):
        response = stack.post(ONE.replace("FIELD", field))
    assert response.data == {"product": None}
    assert response.errors == [
        {"message": message, "path": ["product", field], "extensions": {"code": VALIDATION}}
    ]
    assert_healthy(stack)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("maybeInStock", "true"),
        ("count", "5"),
        ("count", 2**31),
        ("count", -(2**31) - 1),
        ("count", 1.5),
        ("count", True),
        ("weight", "1.5"),
        ("weight", False),
        ("sku", True),
        ("sku", 1.5),
        ("sku", {"id": 1}),
        ("label", 5),
        ("label", ["a"]),
        ("label", False),
        ("tier", "BRONZE"),
        ("tier", 1),
        ("tags", "camp"),
        ("tags", {"0": "camp"}),
    ],
)
def test_a_wrong_value_for_a_nullable_field_is_null_with_an_error_at_its_path(
    stack: Stack, field: str, value: object
) -> None:
    with stack.inventory.tampering(entity(field, value)):
        response = stack.post(ONE.replace("FIELD", field))
    assert response.data == {"product": {"upc": "1", field: None}}
    assert errors_of(response) == [(["product", field], VALIDATION)]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("count", 5.0, 5),  # an integral float is an Int
        ("count", 2**31 - 1, 2**31 - 1),
        ("weight", 3, 3),  # an integer is a Float
        ("sku", 12, "12"),  # an integer ID goes out as a string, as graphql-js does
        ("extra", {"deep": [1, None, "x"]}, {"deep": [1, None, "x"]}),  # custom: any JSON
        ("extra", "text", "text"),
        ("counts", [1, None, 3], [1, None, 3]),
    ],
)
def test_values_that_stand_for_a_valid_one_are_served(
    stack: Stack, field: str, value: object, shown: object
) -> None:
    with stack.inventory.tampering(entity(field, value)):
        response = stack.post(ONE.replace("FIELD", field))
    assert response.errors == []
    assert response.data == {"product": {"upc": "1", field: shown}}


@pytest.mark.parametrize(
    ("field", "value", "data", "paths"),
    [
        ("tags", ["a", None], None, [["product", "tags", 1]]),  # [String!]: the list is nulled
        ("tags", ["a", 5], None, [["product", "tags", 1]]),
        ("counts", [1, "2", 2**40], [1, None, None], [["product", "counts", i] for i in (1, 2)]),
    ],
)
def test_a_wrong_item_in_a_list_of_scalars_is_an_error_at_the_item(
    stack: Stack, field: str, value: object, data: object, paths: list[list[object]]
) -> None:
    with stack.inventory.tampering(entity(field, value)):
        response = stack.post(ONE.replace("FIELD", field))
    assert response.data == {"product": {"upc": "1", field: data}}
    assert errors_of(response) == [(path, VALIDATION) for path in paths]


def test_a_wrong_value_from_a_root_fetch_is_caught_too(stack: Stack) -> None:
    def tamper(_request: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["products"][1]["name"] = 7
        return body

    with stack.products.tampering(tamper):
        response = stack.post("{ slogan products { name } }")
    # products is [Product!]!: the bad name nulls the item, the list and so `data`.
    assert response.data is None
    assert errors_of(response) == [(["products", 1, "name"], VALIDATION)]


def test_root_data_that_is_no_object_is_an_error_at_each_root_field(stack: Stack) -> None:
    with stack.products.tampering(lambda _r, _b: {"data": ["nonsense"]}):
        response = stack.post('{ slogan product(upc: "1") { upc } }')
    assert response.data == {"slogan": None, "product": None}
    assert sorted(errors_of(response)) == [(["product"], VALIDATION), (["slogan"], VALIDATION)]


@pytest.mark.parametrize(
    "query",
    ["{ products { upc } topProduct { upc } }", "{ topProduct { upc } products { upc } }"],
    ids=["failing-field-last", "failing-field-first"],
)
def test_root_fields_a_failed_non_null_root_field_took_along_get_no_error_of_their_own(
    stack: Stack, query: str
) -> None:
    # The subgraph fails topProduct (non-null) and so answers `data: null`: `products` goes
    # missing with it, for that reason alone, as it would in the subgraph's own answer.
    failed = {"data": None, "errors": [{"message": "no top product", "path": ["topProduct"]}]}
    with stack.products.tampering(lambda _r, _b: failed):
        response = stack.post(query)
    assert response.data is None
    assert [e.get("path") for e in response.errors] == [["topProduct"]]
    assert_healthy(stack)


# -- _entities -------------------------------------------------------------------------

LIST = "{ products { upc maybeInStock } }"
ALL_NULL = {
    "products": [
        {"upc": "1", "maybeInStock": None},
        {"upc": "2", "maybeInStock": None},
        {"upc": "3", "maybeInStock": None},
    ]
}


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda items: items[:-1], id="one-short"),
        pytest.param(lambda items: [*items, items[0]], id="one-too-many"),
        pytest.param(lambda items: [], id="empty"),
        pytest.param(lambda items: {"0": items[0]}, id="an-object"),
        pytest.param(lambda items: None, id="null-without-an-error"),
        pytest.param(lambda items: "entities", id="a-string"),
    ],
)
def test_entities_that_are_no_list_of_the_representations_fail_every_object(
    stack: Stack, broken: Any
) -> None:
    with stack.inventory.tampering(entities(broken)):
        response = stack.post(LIST)
    assert response.data == ALL_NULL  # the products fetch is intact
    assert errors_of(response) == [(["products", i], VALIDATION) for i in range(3)]
    assert all(e["extensions"]["serviceName"] == "inventory" for e in response.errors)
    assert_healthy(stack)


def test_an_entity_that_is_no_object_fails_only_its_objects(stack: Stack) -> None:
    with stack.inventory.tampering(entities(lambda items: [items[0], 7, items[2]])):
        response = stack.post(LIST)
    assert response.data == {
        "products": [
            {"upc": "1", "maybeInStock": True},
            {"upc": "2", "maybeInStock": None},
            {"upc": "3", "maybeInStock": False},
        ]
    }
    assert errors_of(response) == [(["products", 1], VALIDATION)]


def test_a_subgraph_that_says_why_its_entities_failed_is_not_contradicted(stack: Stack) -> None:
    def tamper(_request: dict[str, Any], _body: dict[str, Any]) -> dict[str, Any]:
        return {"data": None, "errors": [{"message": "stock down", "path": ["_entities"]}]}

    with stack.inventory.tampering(tamper):
        response = stack.post(LIST)
    assert response.data == ALL_NULL
    assert errors_of(response) == [(["products", i], None) for i in range(3)]
    assert {e["message"] for e in response.errors} == {"stock down"}


def test_a_null_entity_leaves_nullable_fields_null_without_an_error(stack: Stack) -> None:
    with stack.inventory.tampering(entities(lambda items: [None, *items[1:]])):
        response = stack.post(LIST)
    assert response.errors == []
    assert response.data["products"][0] == {"upc": "1", "maybeInStock": None}
    assert response.data["products"][1] == {"upc": "2", "maybeInStock": None}


def test_a_null_entity_with_a_non_null_field_selected_is_an_error(stack: Stack) -> None:
    with stack.inventory.tampering(entities(lambda items: [None])):
        response = stack.post('{ product(upc: "1") { upc inStock } }')
    assert response.data == {"product": None}
    assert response.errors == [
        {
            "message": "Cannot return null for non-nullable field Product.inStock.",
            "path": ["product", "inStock"],
            "extensions": {"code": VALIDATION},
        }
    ]
    # In a list of non-null items the null reaches `data`: still with its error.
    with stack.inventory.tampering(entities(lambda items: [None, *items[1:]])):
        response = stack.post("{ products { upc inStock } }")
    assert response.data is None
    assert errors_of(response) == [(["products", 0, "inStock"], VALIDATION)]
    assert_healthy(stack)


# -- the live example: a review of a product that does not exist --------------------------


def test_a_review_of_an_unknown_product_answers_with_an_error_not_a_bare_null(
    system: System,
) -> None:
    """A review row for an unknown product (written past the API, as before issue 12's
    referential check): the product's non-null `name` has nothing to come from."""
    path = system.workdir / "data" / "reviews.sqlite3"
    query = "{ latestReviews(first: 10) { id product { name } } }"
    with sqlite3.connect(path) as connection:
        (newest,) = connection.execute("SELECT max(created_at) FROM reviews").fetchone()
        cursor = connection.execute(
            "INSERT INTO reviews (product_upc, author_id, author_username, body, rating,"
            " created_at) VALUES ('999999999998', 7, 'ghost', 'no such product', 5, ?)",
            ("2999" + str(newest)[4:],),
        )
        row = cursor.lastrowid
    try:
        response = system.post(query)
        assert response.status == 200
        assert response.data is None  # [Review!]! with Product! and String! all the way up
        paths = [e.get("path") for e in response.errors]
        assert ["latestReviews", 0, "product", "name"] in paths, response.errors
    finally:
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM reviews WHERE id = ?", (row,))
    healthy = system.post(query)
    assert healthy.errors == []
    assert len(healthy.data["latestReviews"]) == 10
