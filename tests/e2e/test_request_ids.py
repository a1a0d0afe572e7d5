"""The router's request id reaches every subgraph it asks, and their log lines.

Real processes over real HTTP (tests/kit/traced_stack.py, tracing off): the id
the client gets back in `x-request-id` (its own when it sent a sane one, else
the router's) is the one each subgraph logs on its access line for the request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.kit.traced_stack import TracedStack

QUERY = """query LatestReviews {
  latestReviews(first: 3) { body author { name } product { name inStock } }
}"""
DOMAINS = ("reviews", "accounts", "products", "inventory")
"""The subgraphs LatestReviews reaches."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TracedStack]:
    running = TracedStack(tmp_path_factory.mktemp("request-ids"), None, {})
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _logged_by(stack: TracedStack, rid: str, timeout: float = 30.0) -> dict[str, list[str]]:
    """Each subgraph's log lines naming `rid`, once every one of DOMAINS has some."""
    deadline = time.monotonic() + timeout
    while True:
        found = {
            name: [line for line in stack.log(name).splitlines() if f"request_id={rid}" in line]
            for name in (*DOMAINS, "orders")
        }
        if all(found[name] for name in DOMAINS) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_the_routers_own_id_reaches_each_subgraphs_log(stack: TracedStack) -> None:
    response = stack.post(QUERY)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    rid = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", rid), rid  # made by the router

    logged = _logged_by(stack, rid)
    for name in DOMAINS:
        assert any("POST /graphql" in line for line in logged[name]), (
            name,
            stack.log(name)[-2000:],
        )
    assert logged["orders"] == []  # not asked by this query


def test_a_clients_id_is_forwarded_as_it_came(stack: TracedStack) -> None:
    rid = "client-7f3a:retry@2"
    response = stack.post(QUERY, headers={"x-request-id": rid})
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == rid

    logged = _logged_by(stack, rid)
    for name in DOMAINS:
        assert logged[name], (name, stack.log(name)[-2000:])


def test_each_request_has_its_own_id(stack: TracedStack) -> None:
    first = stack.post(QUERY).headers["x-request-id"]
    second = stack.post(QUERY).headers["x-request-id"]
    assert first != second
    for rid in (first, second):
        assert all(_logged_by(stack, rid)[name] for name in DOMAINS)
