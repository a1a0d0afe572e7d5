"""A valid operation asking a field no subgraph can resolve where it is asked: a request
error (QUERY_PLANNING_FAILED), never a 500 (the router has no fault to report)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from supergraph.executor.mock_transport import MockTransport
from supergraph.http.app import create_app
from supergraph.http.metrics import Metrics
from supergraph.pipeline.router import Router
from supergraph.types import JSONObject
from tests.planner.support import supergraph

# `Node.text` lives only on notes' non-resolvable @interfaceObject; catalog's `node`
# can give no key for it (no object type implements Node anywhere).
UNSATISFIABLE = "{ node { text } }"


def _catalog(_subgraph: str, _request: object) -> JSONObject:
    return {"data": {"node": None}}


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, MockTransport]]:
    transport = MockTransport(_catalog)
    router = Router(supergraph("non_resolvable_interface_object"), transport)
    app = create_app(router, Metrics(["catalog", "notes"]))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://router"
    ) as http:
        yield http, transport


async def test_a_field_no_subgraph_can_resolve_is_a_request_error(
    client: tuple[httpx.AsyncClient, MockTransport],
) -> None:
    http, transport = client
    legacy = await http.post("/graphql", json={"query": UNSATISFIABLE})
    assert legacy.status_code == 200
    body = legacy.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_PLANNING_FAILED"]
    assert 'cannot plan field "Node.text" at path "node"' in body["errors"][0]["message"]
    accept = {"accept": "application/graphql-response+json"}
    modern = await http.post("/graphql", json={"query": UNSATISFIABLE}, headers=accept)
    assert modern.status_code == 400
    assert modern.json() == body
    assert sum(transport.counts.values()) == 0


async def test_the_same_field_beside_one_a_subgraph_answers_is_planned(
    client: tuple[httpx.AsyncClient, MockTransport],
) -> None:
    # catalog's node can only be null: `text` is never evaluated there.
    http, transport = client
    response = await http.post("/graphql", json={"query": "{ node { text id } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"node": None}}
    assert transport.counts == {"catalog": 1}
