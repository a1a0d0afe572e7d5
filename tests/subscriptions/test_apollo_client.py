"""Apollo Client (Node, tests/node/apollo-client.mjs) subscribes through the router to
`orderStatusChanged`, whose events carry fields from three stub subgraphs: with its
HttpLink (`multipart/mixed;subscriptionSpec=1.0`, Apollo's multipart subscriptions) and
with GraphQLWsLink (graphql-transport-ws). When the application unsubscribes, the
client aborts the request or sends `complete`: the router must close the subgraph's
subscription and keep no task of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.subscriptions.clients import apollo_client, read_line
from tests.subscriptions.stack import SUBSCRIPTION, event, stack, until
from tests.subscriptions.test_subscriptions import closed_upstream

pytestmark = pytest.mark.node

TYPES = {"orderStatusChanged": "Order", "product": "Product", "user": "User"}


def typed(value: dict[str, Any]) -> dict[str, Any]:
    """An event as Apollo Client hands it over: its cache adds `__typename` to every
    selection set of the operation it sends, so the router answers them too."""
    result: dict[str, Any] = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            typename = {"__typename": TYPES[key]} if key in TYPES else {}
            result[key] = {**typename, **typed(inner)}
        else:
            result[key] = inner
    return result


@pytest.mark.parametrize("mode", ["subscribe-http", "subscribe-ws"])
async def test_apollo_client_receives_federated_events_and_unsubscribes(mode: str) -> None:
    async with stack() as running:
        url = running.ws_url if mode == "subscribe-ws" else f"{running.url}/graphql"
        tasks_before = len(asyncio.all_tasks())
        client = await apollo_client(mode, url, SUBSCRIPTION, {"id": "2"}, 3)
        try:
            assert await read_line(client) == {"result": typed(event("2", "PLACED"))}
            assert running.feed.open == 1
            await running.feed.set("2", "PAID")
            assert await read_line(client) == {"result": typed(event("2", "PAID"))}
            await running.feed.set("2", "SHIPPED")
            assert await read_line(client) == {"result": typed(event("2", "SHIPPED"))}
            assert await read_line(client) == {"done": "completed", "seen": 3}
            assert await asyncio.wait_for(client.wait(), 10) == 0
        finally:
            if client.returncode is None:
                client.kill()
        # Unsubscribed (HTTP: the fetch aborted; WebSocket: `complete`, then closed).
        await closed_upstream(running)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the stream's tasks to end")
        assert running.feed.opened == 1
        headers = running.feed.headers[0]
        assert headers["sec-websocket-protocol"] == "graphql-transport-ws"


async def test_a_client_killed_mid_stream_leaves_no_upstream_and_no_task() -> None:
    """The client process dies while no event is flowing (SIGKILL: no abort, the
    kernel closes its socket): the router notices the multipart stream's end, closes
    the subgraph's subscription and ends every task it started for the stream. (A
    WebSocket that drops: test_subscriptions.py.)"""
    mode = "subscribe-http"
    async with stack() as running:
        url = f"{running.url}/graphql"
        tasks_before = len(asyncio.all_tasks())
        client = await apollo_client(mode, url, SUBSCRIPTION, {"id": "1"}, 10)
        assert await read_line(client) == {"result": typed(event("1", "PLACED"))}
        assert running.feed.open == 1 and len(asyncio.all_tasks()) > tasks_before
        client.kill()
        await client.wait()
        await closed_upstream(running)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the stream's tasks to end")
        # The router still serves new subscriptions after the abrupt end.
        again = await apollo_client(mode, url, SUBSCRIPTION, {"id": "1"}, 1)
        assert await read_line(again) == {"result": typed(event("1", "PLACED"))}
        assert await read_line(again) == {"done": "completed", "seen": 1}
        await again.wait()
        await closed_upstream(running)
