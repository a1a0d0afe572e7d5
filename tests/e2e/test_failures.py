"""A subgraph down: partial data plus coded errors, the other fields still answered.

A second router on the same supergraph (and the same running subgraphs) has its
inventory URL pointed, through the config's `subgraphs.NAME.url`, at a loopback
port where nothing listens, its reviews URL at a server answering HTTP 500, and
its accounts URL at a server that answers too late for the configured timeout.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.responses import PlainTextResponse

from subgraphs._common.seeding import product_price, product_upc
from tests.e2e.system import Response, System, free_port
from tests.kit.asgi_server import ThreadedASGIServer

UPC = product_upc(3)
SLOW_SECONDS = 3.0
ACCOUNTS_TIMEOUT = 0.5


async def http_500(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await PlainTextResponse("down for maintenance", status_code=500)(scope, receive, send)


async def too_slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await asyncio.sleep(SLOW_SECONDS)
    await PlainTextResponse("late", status_code=500)(scope, receive, send)


@pytest.fixture(scope="module")
def degraded(system: System) -> Iterator[str]:
    """The base URL of a router whose inventory is unreachable and reviews answer 500."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", free_port()))  # bound, never listening: connection refused
    failing = ThreadedASGIServer(http_500, "http-500", lifespan="off")
    slow = ThreadedASGIServer(too_slow, "too-slow", lifespan="off")
    try:
        failing.start()
        slow.start()
        yield system.start_router(
            urls={
                "inventory": f"http://127.0.0.1:{closed.getsockname()[1]}/graphql",
                "reviews": f"{failing.url}/graphql",
                "accounts": f"{slow.url}/graphql",
            },
            timeouts={"accounts": ACCOUNTS_TIMEOUT},
        )
    finally:
        slow.stop()
        failing.stop()
        closed.close()


def error_from(response: Response, service: str) -> dict[str, Any]:
    matching = [e for e in response.errors if e.get("extensions", {}).get("serviceName") == service]
    assert len(matching) == 1, response.errors
    return matching[0]


def test_an_unreachable_subgraph_leaves_the_other_fields(system: System, degraded: str) -> None:
    response = system.post(
        f'{{ product(upc: "{UPC}") {{ upc name price {{ amount }} shippingEstimate }} }}',
        router=degraded,
    )
    assert response.status == 200, response.text
    assert response.data == {
        "product": {
            "upc": UPC,
            "name": response.data["product"]["name"],
            "price": {"amount": product_price(3)},
            "shippingEstimate": None,
        }
    }
    assert response.data["product"]["name"].endswith(" 3")
    assert error_from(response, "inventory")["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"


def test_a_subgraph_answering_500_leaves_the_other_fields(system: System, degraded: str) -> None:
    response = system.post(
        f'{{ review(id: 1) {{ id }} product(upc: "{UPC}") {{ name averageRating }} }}',
        router=degraded,
    )
    assert response.status == 200, response.text
    assert response.data["review"] is None
    assert response.data["product"]["averageRating"] is None
    assert response.data["product"]["name"].endswith(" 3")
    codes = {e["extensions"]["code"] for e in response.errors}
    assert codes == {"SUBREQUEST_HTTP_ERROR"}
    assert {e["extensions"]["serviceName"] for e in response.errors} == {"reviews"}


def test_a_slow_subgraph_times_out_with_subgraph_timeout(system: System, degraded: str) -> None:
    response = system.post(f'{{ me {{ id }} product(upc: "{UPC}") {{ name }} }}', router=degraded)
    assert response.status == 200, response.text
    assert response.data["me"] is None
    assert response.data["product"]["name"].endswith(" 3")
    assert error_from(response, "accounts")["extensions"]["code"] == "SUBGRAPH_TIMEOUT"


def test_the_healthy_router_is_unaffected(system: System, degraded: str) -> None:
    response = system.post(f'{{ product(upc: "{UPC}") {{ shippingEstimate averageRating }} }}')
    assert response.errors == []
    assert response.data["product"]["shippingEstimate"] is not None


# -- where the errors point ------------------------------------------------------------


def value_at(data: Any, path: list[str | int]) -> Any:
    for key in path:
        data = data[key]
    return data


@pytest.mark.parametrize(
    ("query", "service", "paths"),
    [
        # A root fetch failed: the error is at the root field it nulled.
        pytest.param("{ review(id: 1) { id } }", "reviews", [["review"]], id="root-fetch"),
        # An entity fetch for one object failed: at the object, or at its missing field.
        pytest.param(
            f'{{ product(upc: "{UPC}") {{ name shippingEstimate }} }}',
            "inventory",
            [["product"], ["product", "shippingEstimate"]],
            id="entity-fetch",
        ),
        # A non-null field it could not fetch nulls its parent: the error explains it.
        pytest.param(
            f'{{ product(upc: "{UPC}") {{ name inStock }} }}',
            "inventory",
            [["product"], ["product", "inStock"]],
            id="entity-fetch-non-null",
        ),
    ],
)
def test_subrequest_http_errors_carry_the_client_path(
    system: System, degraded: str, query: str, service: str, paths: list[list[str | int]]
) -> None:
    response = system.post(query, router=degraded)
    error = error_from(response, service)
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert error.get("path") in paths, error


def test_errors_of_a_failed_entity_fetch_point_at_each_object(
    system: System, degraded: str
) -> None:
    response = system.post(
        "{ products(first: 3) { edges { node { upc shippingEstimate } } } }", router=degraded
    )
    nodes = response.data["products"]["edges"]
    assert [n["node"]["shippingEstimate"] for n in nodes] == [None, None, None]
    paths = [e.get("path") for e in response.errors]
    assert all(isinstance(p, list) for p in paths), response.errors
    for path in paths:
        assert isinstance(path, list)
        assert "@" not in path and "_entities" not in path, path
        value_at(response.data, path)  # a real position in the response


# -- errors the subgraphs return, in client terms --------------------------------------


def test_an_entity_field_error_comes_back_at_the_client_path(system: System) -> None:
    """`reviews(first: 500)` is refused by reviews (first is 0..100) inside `_entities`;
    the error's path is the client's (aliases, not `_entities.i`), and the nulls
    propagate from the non-null `reviews` to the nullable user."""
    response = system.post(
        """{
          a: user(id: "3") { id reviews(first: 500) { id } }
          b: user(id: "4") { id reviews(first: 500) { id } }
          c: user(id: "5") { id username }
        }"""
    )
    assert response.status == 200, response.text
    assert response.data == {"a": None, "b": None, "c": {"id": "5", "username": "user5"}}
    errors = sorted((e["path"], e["extensions"]["code"]) for e in response.errors)
    assert errors == [(["a", "reviews"], "BAD_USER_INPUT"), (["b", "reviews"], "BAD_USER_INPUT")]
    assert {e["extensions"]["serviceName"] for e in response.errors} == {"reviews"}


def test_entity_field_errors_in_lists_carry_the_list_indexes(system: System) -> None:
    response = system.post(
        """{ latestReviews(first: 3) { id author { id reviews(first: 500) { id } } } }"""
    )
    assert response.status == 200, response.text
    # Review.author is User! and latestReviews [Review!]!: everything nulls up to data.
    assert response.data is None
    paths = sorted(e["path"] for e in response.errors)
    assert paths, response.errors
    for path in paths:
        assert path[:1] == ["latestReviews"] and path[2:] == ["author", "reviews"], path
        assert isinstance(path[1], int) and 0 <= path[1] < 3
