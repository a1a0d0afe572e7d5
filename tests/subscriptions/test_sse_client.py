"""A third-party Server-Sent Events client (`httpx-sse`, EventSource parsing: event,
data, id, retry fields, comments ignored) subscribes through the router with the
graphql-sse protocol (distinct connections): by POST, and by GET with the operation
in the query string (with a CSRF preflight header, docs/subscriptions.md: a browser's
bare EventSource GET is refused as Apollo Router refuses any such GET). Events carry fields from three
stub subgraphs; leaving closes the upstream subscription."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.subscriptions.stack import SUBSCRIPTION, event, stack, until
from tests.subscriptions.test_subscriptions import closed_upstream


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_an_eventsource_client_receives_federated_events(method: str) -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        variables = {"id": "2"}
        if method == "POST":
            request = {"json": {"query": SUBSCRIPTION, "variables": variables}}
        else:
            request = {
                "params": {"query": SUBSCRIPTION, "variables": json.dumps(variables)},
                "headers": {"apollo-require-preflight": "true"},
            }
        tasks_before = len(asyncio.all_tasks())
        async with aconnect_sse(http, method, url, **request) as source:
            assert source.response.status_code == 200, await source.response.aread()
            events = source.aiter_sse()
            first = await anext(events)
            assert (first.event, first.json()) == ("next", event("2", "PLACED"))
            await running.feed.set("2", "DELIVERED")
            second = await anext(events)
            assert (second.event, second.json()) == ("next", event("2", "DELIVERED"))
        await closed_upstream(running)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the stream's tasks to end")
        assert running.feed.opened == 1
