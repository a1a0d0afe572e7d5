"""Subscriptions differentially against Hive Gateway (`@graphql-hive/gateway`, started
by tests/kit/processes.py; subgraph subscriptions over graphql-transport-ws, as ours):
the same `orderStatusChanged` on the same supergraph and stub subgraphs, subscribed to
on both at once, so each event of the feed reaches both.

- Server-Sent Events (graphql-sse, distinct connections) and graphql-transport-ws (the
  `graphql-ws` npm client): the same events, equal to the federated result.
- Apollo's multipart subscriptions (`subscriptionSpec=1.0`): Hive Gateway 2.15.1 does
  not speak them (406 Not Acceptable); we do (tests/subscriptions/test_apollo_client.py).
- When the client leaves, both close the subgraph's subscription.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.kit.processes import hive_gateway
from tests.subscriptions.clients import node_subscriber, read_line, sse_events
from tests.subscriptions.stack import SUBSCRIPTION, event, stack, until
from tests.subscriptions.test_subscriptions import MULTIPART, SSE

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
