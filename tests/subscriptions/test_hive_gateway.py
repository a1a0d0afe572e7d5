"""Subscriptions differentially against Hive Gateway (`@graphql-hive/gateway`, started
by tests/kit/processes.py; subgraph subscriptions over graphql-transport-ws, as ours):
the same `orderStatusChanged` on the same supergraph and stub subgraphs, subscribed to
on both at once, so each event of the feed reaches both.

- Server-Sent Events (graphql-sse, distinct connections) and graphql-transport-ws (the
  `graphql-ws` npm client): the same events, equal to the federated result.
- Apollo's multipart subscriptions (`subscriptionSpec=1.0`): Hive Gateway 2.15.1 does
  not speak them (406 Not Acceptable); we do (tests/subscriptions/test_apollo_client.py).
- When the client leaves, both close the subgraph's subscription.
- A validation error over SSE: both send it as a `next` event of an accepted stream,
  then `complete` (the graphql-sse protocol's rule), with the same code; the messages'
  words differ (ours are Apollo Router's: 'nope', graphql-js's: "nope").
- The subgraph's WebSocket drops: both send one last `next` with errors and no data,
  then `complete`; ours carries SUBSCRIPTION_UPSTREAM_ERROR and a message, Hive
  Gateway's error has neither (only `locations`: not a valid GraphQL error).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.kit.processes import hive_gateway
from tests.subscriptions.clients import node_subscriber, read_line, sse_events
from tests.subscriptions.stack import SUBSCRIPTION, event, stack, until
from tests.subscriptions.test_subscriptions import MULTIPART, SSE, sse_refused

pytestmark = pytest.mark.node


async def test_subscriptions_match_hive_gateway(tmp_path: Path) -> None:
    async with (
        stack() as running,
        hive_gateway(running.supergraph, tmp_path) as hive,
        httpx.AsyncClient(timeout=30) as http,
    ):
        ours_url = f"{running.url}/graphql"
        body = {"query": SUBSCRIPTION, "variables": {"id": "1"}}
        async with (
            http.stream("POST", ours_url, json=body, headers=SSE) as ours,
            http.stream("POST", hive, json=body, headers=SSE) as theirs,
        ):
            assert ours.status_code == theirs.status_code == 200
            streams = [sse_events(ours), sse_events(theirs)]
            for status in ("PLACED", "PAID", "SHIPPED"):
                if status != "PLACED":
                    await running.feed.set("1", status)
                got = [await asyncio.wait_for(anext(events), 10) for events in streams]
                assert got == [("next", event("1", status))] * 2, status
            assert running.feed.open == 2
        await until(lambda: running.feed.open == 0, "both gateways to close the upstream")

        clients = [
            await node_subscriber(url, SUBSCRIPTION, {"id": "2"}, 2)
            for url in (running.ws_url, hive.replace("http://", "ws://"))
        ]
        for status in ("PLACED", "PAID"):
            if status != "PLACED":
                await running.feed.set("2", status)
            lines = [await read_line(client) for client in clients]
            assert lines == [{"result": event("2", status)}] * 2, status
        for client in clients:
            assert await read_line(client) == {"done": "completed", "seen": 2}
            assert await asyncio.wait_for(client.wait(), 10) == 0
        await until(lambda: running.feed.open == 0, "both gateways to close the upstream")
        assert running.feed.opened == 4

        refused = await http.post(hive, json=body, headers=MULTIPART)
        assert refused.status_code == 406
        async with http.stream("POST", ours_url, json=body, headers=MULTIPART) as response:
            assert response.status_code == 200
            assert 'subscriptionSpec="1.0"' in response.headers["content-type"]

        invalid = {"query": 'subscription { orderStatusChanged(orderId: "1") { nope } }'}
        assert await sse_refused(http, ours_url, invalid, SSE) == ["GRAPHQL_VALIDATION_FAILED"]
        assert await sse_refused(http, hive, invalid, SSE) == ["GRAPHQL_VALIDATION_FAILED"]

        async def last_events(url: str) -> list[tuple[str, Any]]:
            async with http.stream("POST", url, json=body, headers=SSE) as response:
                events = sse_events(response)
                assert await anext(events) == ("next", event("1", "SHIPPED"))
                opened.set()
                return [item async for item in events]

        opened = asyncio.Event()
        ours_end = asyncio.create_task(last_events(ours_url))
        await opened.wait()
        opened.clear()
        theirs_end = asyncio.create_task(last_events(hive))
        await opened.wait()
        await running.feed.drop("1")
        [(ours_kind, ours_last), ours_complete] = await asyncio.wait_for(ours_end, 10)
        [(their_kind, their_last), their_complete] = await asyncio.wait_for(theirs_end, 10)
        assert ours_kind == their_kind == "next"
        assert ours_complete == their_complete == ("complete", None)
        assert "data" not in ours_last and "data" not in their_last
        [ours_error] = ours_last["errors"]
        assert ours_error["extensions"]["code"] == "SUBSCRIPTION_UPSTREAM_ERROR"
        assert ours_error["message"] == "The WebSocket to subgraph 'orders' closed (1011)."
        [their_error] = their_last["errors"]
        assert "message" not in their_error and "extensions" not in their_error
