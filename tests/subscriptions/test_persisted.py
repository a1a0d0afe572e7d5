"""Persisted queries on every subscription protocol, by the rules of HTTP
(docs/subscriptions.md "Persisted queries"): automatic persisted queries register
and hit over the WebSocket (the `graphql-ws` npm client, and by hand with Python
`websockets`), graphql-sse and multipart; a safelisting router runs listed
operations by id and refuses free-form ones with the coded error HTTP gives."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from supergraph.errors import (
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    QUERY_NOT_IN_SAFELIST,
)
from tests.subscriptions.clients import (
    NODE_DIR,
    multipart_parts,
    read_all,
    read_line,
    sse_events,
    ws_client,
)
from tests.subscriptions.stack import SUBSCRIPTION, Stack, event, stack

SSE = {"accept": "text/event-stream"}
MULTIPART = {"accept": 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'}
UNLISTED = """
subscription Unlisted($id: ID!) { orderStatusChanged(orderId: $id) { id status } }"""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [error["extensions"]["code"] for error in errors]


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "manifest.json"
    operation = {"id": "order-status", "name": "Status", "type": "subscription"}
    path.write_bytes(
        orjson.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{**operation, "body": SUBSCRIPTION}],
            }
        )
    )
    return str(path)


def safelisting(manifest: str, **extra: Any) -> dict[str, Any]:
    return {
        "persisted_queries": {
            "enabled": True,
            "local_manifests": [manifest],
            "safelist": {"enabled": True},
            **extra,
        }
    }


async def persisted_subscriber(
    running: Stack, mode: str, query: str, count: int, client_name: str | None = None
) -> list[dict[str, Any]]:
    """Every line of tests/node/graphql-ws-persisted.mjs (the graphql-ws client)."""
    return await read_all(await persisted_process(running, mode, query, count, client_name))


async def persisted_process(
    running: Stack, mode: str, query: str, count: int, client_name: str | None = None
) -> asyncio.subprocess.Process:
    """tests/node/graphql-ws-persisted.mjs (the graphql-ws client) started."""
    args = [running.ws_url, mode, query, '{"id": "1"}', str(count)]
    process = await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        str(NODE_DIR / "graphql-ws-persisted.mjs"),
        *args,
        *([client_name] if client_name else []),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=NODE_DIR,
    )
    return process


async def test_the_graphql_ws_client_registers_an_apq_hash_then_runs_it_by_hash() -> None:
    async with stack() as running:
        first = await persisted_subscriber(running, "apq", SUBSCRIPTION, 1)
        # The hash alone is unknown: the coded error of HTTP, as an `error` message;
        # the client re-sends with the query, which registers it.
        assert first[0] == {"attempt": "hash"}, first
        assert "after" in first[1], first
        assert codes(first[1]["after"]) == [PERSISTED_QUERY_NOT_FOUND]
        assert first[1:] == [
            {"attempt": "query", "after": first[1]["after"]},
            {"result": event("1", "PLACED")},
            {"done": "completed", "seen": 1},
        ]
        second = await persisted_process(running, "apq", SUBSCRIPTION, 2)
        assert await read_line(second) == {"attempt": "hash"}
        assert await read_line(second) == {"result": event("1", "PLACED")}
        await running.feed.set("1", "PAID")
        assert await read_all(second) == [
            {"result": event("1", "PAID")},
            {"done": "completed", "seen": 2},
        ]
        counts = running.app.state.persisted.counts
        assert (counts.misses, counts.registered, counts.hits) == (1, 1, 1)


async def test_an_apq_registration_is_shared_by_the_websocket_sse_and_multipart() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with ws_client(running.ws_url) as client:
            assert await client.receive() == {"type": "connection_ack"}
            payload = {
                "query": SUBSCRIPTION,
                "variables": {"id": "1"},
                "extensions": apq(SUBSCRIPTION),
            }
            await client.send({"id": "r", "type": "subscribe", "payload": payload})
            assert await client.receive() == {
                "id": "r",
                "type": "next",
                "payload": event("1", "PLACED"),
            }
        by_hash = {"variables": {"id": "1"}, "extensions": apq(SUBSCRIPTION)}
        async with http.stream("POST", url, json=by_hash, headers=SSE) as response:
            assert response.status_code == 200
            assert await anext(sse_events(response)) == ("next", event("1", "PLACED"))
        async with http.stream("POST", url, json=by_hash, headers=MULTIPART) as response:
            assert response.status_code == 200
            assert await anext(multipart_parts(response)) == {"payload": event("1", "PLACED")}


async def test_apq_refusals_over_the_websocket_are_the_coded_errors_of_http() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with ws_client(running.ws_url) as client:
            assert await client.receive() == {"type": "connection_ack"}
            unknown = {"variables": {"id": "1"}, "extensions": apq(SUBSCRIPTION)}
            await client.send({"id": "a", "type": "subscribe", "payload": unknown})
            miss = await client.receive()
            http_miss = (await http.post(url, json=unknown)).json()
            assert miss == {"id": "a", "type": "error", "payload": http_miss["errors"]}
            assert codes(miss["payload"]) == [PERSISTED_QUERY_NOT_FOUND]
            wrong = {"query": UNLISTED, "variables": {"id": "1"}, "extensions": apq(SUBSCRIPTION)}
            await client.send({"id": "b", "type": "subscribe", "payload": wrong})
            mismatch = await client.receive()
            assert mismatch["type"] == "error"
            assert codes(mismatch["payload"]) == [PERSISTED_QUERY_HASH_MISMATCH]
            # The connection stays usable after refusals, and nothing went upstream.
            await client.send({"id": "c", "type": "ping"})
            assert await client.receive() == {"type": "pong"}
        assert running.feed.opened == 0
        assert running.app.state.persisted.counts.registered == 0


async def test_a_safelisting_router_runs_listed_ids_over_every_protocol(manifest: str) -> None:
    async with stack(safelisting(manifest)) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        lines = await persisted_subscriber(running, "id:order-status", "", 1)
        assert lines == [{"result": event("1", "PLACED")}, {"done": "completed", "seen": 1}]
        listed = {"documentId": "order-status", "variables": {"id": "1"}}
        async with http.stream("POST", url, json=listed, headers=SSE) as response:
            assert await anext(sse_events(response)) == ("next", event("1", "PLACED"))
        # graphql-sse over GET: the id in the query string (CSRF wants a preflight header).
        params = {"documentId": "order-status", "variables": '{"id": "1"}'}
        get_headers = {**SSE, "apollo-require-preflight": "true"}
        async with http.stream("GET", url, params=params, headers=get_headers) as response:
            assert await anext(sse_events(response)) == ("next", event("1", "PLACED"))
        async with http.stream("POST", url, json=listed, headers=MULTIPART) as response:
            assert await anext(multipart_parts(response)) == {"payload": event("1", "PLACED")}
        # The listed text is allowed free-form too (Apollo's safelist without require_id).
        lines = await persisted_subscriber(running, "query", SUBSCRIPTION, 1)
        assert lines == [{"result": event("1", "PLACED")}, {"done": "completed", "seen": 1}]


async def test_a_safelisting_router_refuses_free_form_operations_on_every_protocol(
    manifest: str,
) -> None:
    async with stack(safelisting(manifest)) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        free_form = {"query": UNLISTED, "variables": {"id": "1"}}
        over_http = await http.post(url, json=free_form)
        [refusal] = over_http.json()["errors"]
        assert refusal["extensions"]["code"] == QUERY_NOT_IN_SAFELIST
        lines = await persisted_subscriber(running, "query", UNLISTED, 1)
        assert lines == [{"done": "error", "errors": [refusal]}]
        # A registration is no way around the list, over the WebSocket either.
        lines = await persisted_subscriber(running, "apq", UNLISTED, 1)
        assert lines[0] == {"attempt": "hash"}
        assert lines[1]["attempt"] == "query"
        assert lines[2:] == [{"done": "error", "errors": [refusal]}]
        assert running.app.state.persisted.counts.registered == 0
        unknown_id = {"documentId": "nope", "variables": {"id": "1"}}
        async with ws_client(running.ws_url) as client:
            assert await client.receive() == {"type": "connection_ack"}
            await client.send({"id": "x", "type": "subscribe", "payload": unknown_id})
            not_listed = await client.receive()
        assert not_listed["type"] == "error"
        assert codes(not_listed["payload"]) == [PERSISTED_QUERY_NOT_IN_LIST]
        async with http.stream("POST", url, json=free_form, headers=SSE) as response:
            events = [item async for item in sse_events(response)]
        assert events == [("next", {"errors": [refusal]}), ("complete", None)]
        refused = await http.post(url, json=free_form, headers=MULTIPART)
        assert refused.headers["content-type"].startswith("application/json")
        assert refused.json() == {"errors": [refusal]}
        assert running.feed.opened == 0


async def test_a_free_form_client_named_in_connection_init_may_send_any_operation(
    manifest: str,
) -> None:
    config = safelisting(manifest, free_form_clients=["staff-tool"])
    async with stack(config) as running:
        lines = await persisted_subscriber(running, "query", UNLISTED, 1, "staff-tool")
        assert lines == [
            {"result": {"data": {"orderStatusChanged": {"id": "1", "status": "PLACED"}}}},
            {"done": "completed", "seen": 1},
        ]
        lines = await persisted_subscriber(running, "query", UNLISTED, 1, "web")
        assert codes(lines[0]["errors"]) == [QUERY_NOT_IN_SAFELIST]
