"""Malformed, invalid and hostile operations over HTTP: coded errors with locations, never a 500.

Request errors come back before any subgraph is asked: 400 with
`application/graphql-response+json` (200 with `application/json`, as GraphQL over
HTTP says), no `data`, and the router keeps serving.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.system import Response, System

SEVERAL = """
query A { users(first: 1) { edges { node { id } } } }
query B { products(first: 1) { edges { node { upc } } } }
"""


def nested_fields(depth: int) -> str:
    return "{ " + "a { " * depth + "b" + " }" * depth + " }"


def nested_list_argument(depth: int) -> str:
    return "{ users(first: " + "[" * depth + "1" + "]" * depth + ") { edges { node { id } } } }"


def user_orders_chain(levels: int) -> str:
    """`users -> orders -> user -> orders -> ...`: valid, and exponential if executed."""
    inner = "id"
    for _ in range(levels):
        inner = f"orders(first: 5) {{ id user {{ {inner} }} }}"
    return f"{{ users(first: 5) {{ edges {{ node {{ {inner} }} }} }} }}"


CASES: dict[str, tuple[str, dict[str, Any] | None, str | None, str, bool]] = {
    # name: (query, variables, operationName, code, has locations)
    "syntax-error": ("{ users(first: 2) { edges ", None, None, "GRAPHQL_PARSE_FAILED", True),
    "stray-token": ("query { users } }", None, None, "GRAPHQL_PARSE_FAILED", True),
    "unknown-field": (
        "{ users { edges { node { id nope } } } }",
        None,
        None,
        "GRAPHQL_VALIDATION_FAILED",
        True,
    ),
    "missing-selection": ("{ users }", None, None, "GRAPHQL_VALIDATION_FAILED", True),
    "wrong-argument-type": (
        '{ users(first: "two") { edges { node { id } } } }',
        None,
        None,
        "GRAPHQL_VALIDATION_FAILED",
        True,
    ),
    "wrong-variable-type": (
        "query Q($n: Int!) { users(first: $n) { edges { node { id } } } }",
        {"n": "two"},
        None,
        "BAD_USER_INPUT",
        True,
    ),
    "missing-variable": (
        "query Q($n: Int!) { users(first: $n) { edges { node { id } } } }",
        {},
        None,
        "BAD_USER_INPUT",
        True,
    ),
    "several-operations-without-a-name": (
        SEVERAL,
        None,
        None,
        "GRAPHQL_VALIDATION_FAILED",
        False,
    ),
    "unknown-operation-name": (SEVERAL, None, "C", "GRAPHQL_VALIDATION_FAILED", False),
    "nested-3000-deep": (nested_fields(3000), None, None, "GRAPHQL_PARSE_FAILED", False),
    "nested-list-3000-deep": (
        nested_list_argument(3000),
        None,
        None,
        "GRAPHQL_PARSE_FAILED",
        False,
    ),
    "nested-400-deep": (nested_fields(400), None, None, "GRAPHQL_PARSE_FAILED", True),
    "nested-150-deep": (nested_fields(150), None, None, "GRAPHQL_VALIDATION_FAILED", True),
}


@pytest.fixture
def no_subgraph_requests(system: System) -> Iterator[None]:
    before = system.subgraph_requests()
    yield
    assert system.subgraph_requests() == before
    assert system.client.get(f"{system.router_url}/health").json() == {"status": "UP"}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.usefixtures("no_subgraph_requests")
def test_bad_operations_get_coded_errors_with_locations(system: System, case: str) -> None:
    query, variables, operation_name, code, has_locations = CASES[case]
    response = system.post(query, variables, operation_name)
    assert response.status == 400, response.text[:500]
    assert "data" not in response.body
    assert response.errors, response.text[:500]
    assert set(response.codes()) == {code}, response.errors[:3]
    for error in response.errors:
        assert isinstance(error["message"], str) and error["message"]
        assert "Traceback" not in error["message"]
        if has_locations:
            [*locations] = error["locations"]
            assert locations and all(loc["line"] >= 1 and loc["column"] >= 1 for loc in locations)


@pytest.mark.usefixtures("no_subgraph_requests")
def test_legacy_json_clients_get_the_same_errors_with_200(system: System) -> None:
    response = system.client.post(
        f"{system.router_url}/graphql",
        json={"query": "{ users { edges { node { nope } } } }"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 26}]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="invalid-json"),
        pytest.param(b'{"query": 1}', id="query-not-a-string"),
        pytest.param(b'{"query": "{ me { id } }", "variables": "x"}', id="variables-not-an-object"),
        pytest.param(b'[{"query": "{ me { id } }"}]', id="batch-when-batching-is-off"),
        pytest.param(b'"just a string"', id="not-an-object"),
        pytest.param(b"", id="empty-body"),
    ],
)
@pytest.mark.usefixtures("no_subgraph_requests")
def test_malformed_requests_are_4xx_never_500(system: System, content: bytes) -> None:
    response = system.client.post(
        f"{system.router_url}/graphql",
        content=content,
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.json()["errors"][0]["message"]


@pytest.fixture(scope="module")
def limited_router(system: System) -> str:
    return system.start_router(limits={"max_depth": 15})


def test_a_configured_depth_limit_refuses_a_deep_valid_query_before_any_fetch(
    system: System, limited_router: str
) -> None:
    before = system.subgraph_requests()
    response: Response = system.post(user_orders_chain(20), router=limited_router)
    assert response.status == 400, response.text[:500]
    assert response.codes() == ["MAX_DEPTH_EXCEEDED"]
    assert system.subgraph_requests() == before
    shallow = system.post(user_orders_chain(2), router=limited_router, headers=system.as_staff())
    assert shallow.errors == [] and shallow.data["users"]["edges"]


def test_a_mutation_over_get_is_refused(system: System) -> None:
    response = httpx.get(
        f"{system.router_url}/graphql",
        params={
            "query": 'mutation { createReview(input: {productUpc: "1", rating: 1, body: "x"}) { id } }'
        },
        headers={"accept": "application/json", "apollo-require-preflight": "true"},
    )
    assert response.status_code == 405, response.text
    assert response.json()["errors"]
