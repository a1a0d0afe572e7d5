"""DeduplicatingTransport in process: who shares, timeouts, cancellation, private copies."""

from __future__ import annotations

import asyncio
from types import FunctionType
from typing import Any

import pytest

from supergraph import compiled
from supergraph.executor.dedup import DeduplicatingTransport, answer_copier, unshared_requests
from supergraph.executor.execute import ExecutorOptions
from supergraph.executor.merge import copy_tree
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL

QUERY = SubgraphRequest("query Q { topProducts { upc } }", {"n": 1}, "Q", {"x-tenant": "a"})


class Gated:
    """An inner transport whose requests wait for `gate`; counts starts and cancellations."""

    def __init__(self, answer: JSONObject | Exception | None = None) -> None:
        self.gate = asyncio.Event()
        self.answer = answer if answer is not None else {"data": {"topProducts": [{"upc": "1"}]}}
        self.cancelled = 0
        self.mock = MockTransport(self._handle)

    async def _handle(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    @property
    def sent(self) -> int:
        return len(self.mock.requests)


async def settle() -> None:
    """Let every ready task run until it waits on something."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_identical_requests_in_flight_share_one() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    calls = [asyncio.create_task(dedup.send("products", QUERY)) for _ in range(4)]
    await settle()
    inner.gate.set()
    results = await asyncio.gather(*calls)
    assert inner.sent == 1
    assert all(r == {"data": {"topProducts": [{"upc": "1"}]}} for r in results)
    assert dedup.counts() == [(("products",), 3.0)]
    assert dedup.in_flight == 0


async def test_each_requester_gets_its_own_copy() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    calls = [asyncio.create_task(dedup.send("products", QUERY)) for _ in range(3)]
    await settle()
    inner.gate.set()
    results: list[Any] = await asyncio.gather(*calls)
    results[0]["data"]["topProducts"][0]["name"] = "changed by one consumer"
    assert results[1] == results[2] == {"data": {"topProducts": [{"upc": "1"}]}}
    assert len({id(r) for r in results}) == 3


async def test_a_finished_request_is_not_reused() -> None:
    inner = Gated()
    inner.gate.set()
    dedup = DeduplicatingTransport(inner.mock)
    await dedup.send("products", QUERY)
    await dedup.send("products", QUERY)
    assert inner.sent == 2
    assert dedup.counts() == []


@pytest.mark.parametrize(
    "other",
    [
        SubgraphRequest(QUERY.query, {"n": 2}, "Q", QUERY.headers),
        SubgraphRequest(QUERY.query, QUERY.variables, "Q", {"x-tenant": "b"}),
        SubgraphRequest(QUERY.query, QUERY.variables, "Q", None),
        SubgraphRequest(QUERY.query, QUERY.variables, None, QUERY.headers),
    ],
    ids=["variables", "header value", "no headers", "operation name"],
)
async def test_requests_that_differ_are_sent_separately(other: SubgraphRequest) -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    calls = [
        asyncio.create_task(dedup.send("products", QUERY)),
        asyncio.create_task(dedup.send("products", other)),
        asyncio.create_task(dedup.send("reviews", QUERY)),
    ]
    await settle()
    inner.gate.set()
    await asyncio.gather(*calls)
    assert inner.sent == 3


async def test_mutations_unshared_blocks_and_other_subgraphs_are_not_shared() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock, subgraphs=["products"])
    mutation = SubgraphRequest('mutation { addProduct(name: "x") { upc } }')

    async def unshared() -> JSONObject:
        with unshared_requests():
            return await dedup.send("products", QUERY)

    calls = [
        *(asyncio.create_task(dedup.send("products", mutation)) for _ in range(2)),
        *(asyncio.create_task(unshared()) for _ in range(2)),
        *(asyncio.create_task(dedup.send("reviews", QUERY)) for _ in range(2)),
    ]
    await settle()
    inner.gate.set()
    await asyncio.gather(*calls)
    assert inner.sent == 6
    assert dedup.counts() == [(("products",), 0.0)]  # present at 0: nothing shared


async def test_an_error_reaches_every_requester() -> None:
    inner = Gated(SubgraphHTTPError("HTTP fetch failed from 'products': 502: Bad Gateway", 502))
    dedup = DeduplicatingTransport(inner.mock)
    calls = [asyncio.create_task(dedup.send("products", QUERY)) for _ in range(3)]
    await settle()
    inner.gate.set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert inner.sent == 1
    assert [type(r) for r in results] == [SubgraphHTTPError] * 3
    assert all(isinstance(r, SubgraphHTTPError) and r.status == 502 for r in results)


async def test_a_cancelled_first_requester_does_not_cancel_the_others() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    first = asyncio.create_task(dedup.send("products", QUERY))
    await settle()
    later = asyncio.create_task(dedup.send("products", QUERY))
    await settle()
    first.cancel()
    await settle()
    inner.gate.set()
    assert await later == {"data": {"topProducts": [{"upc": "1"}]}}
    assert first.cancelled()
    assert (inner.sent, inner.cancelled) == (1, 0)


async def test_the_last_requester_to_leave_stops_the_request() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    calls = [asyncio.create_task(dedup.send("products", QUERY)) for _ in range(2)]
    await settle()
    for call in calls:
        call.cancel()
    await settle()
    assert (inner.sent, inner.cancelled, dedup.in_flight) == (1, 1, 0)
    # A new request after that starts its own flight.
    inner.gate.set()
    await dedup.send("products", QUERY)
    assert inner.sent == 2


async def test_a_timeout_reaches_every_operation_and_stops_the_request() -> None:
    inner = Gated()
    dedup = DeduplicatingTransport(inner.mock)
    options = RouterOptions(executor=ExecutorOptions(default_timeout=0.05))
    router = Router(load_supergraph(SUPERGRAPH_SDL), dedup, options)
    request = GraphQLRequest("query Top { topProducts { upc } }")
    # gather starts every operation in one turn of the loop: all join before any timer fires.
    responses = await asyncio.gather(*(router.execute(request) for _ in range(4)))
    assert inner.sent == 1
    for response in responses:
        codes = [e["extensions"]["code"] for e in response.body["errors"]]
        assert (response.body["data"], codes) == ({"topProducts": None}, ["SUBGRAPH_TIMEOUT"])
    await settle()
    assert (inner.cancelled, dedup.in_flight) == (1, 0)


def test_answers_are_copied_structurally_where_the_copy_is_compiled() -> None:
    # Compiled, copy_tree is twice as fast as decoding the answer again; interpreted,
    # twice as slow: the de-duplicator takes it only from the compiled build.
    merge_compiled = "supergraph.executor.merge" in compiled.loaded()
    assert answer_copier() is (copy_tree if merge_compiled else None)
    assert merge_compiled == (compiled.status().compiled and type(copy_tree) is not FunctionType)
