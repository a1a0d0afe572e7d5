"""Federated subscriptions through the router (docs/subscriptions.md), over real
loopback sockets: the `graphql-ws` npm client, graphql-transport-ws by hand, an SSE
client and a multipart client subscribe to `orderStatusChanged`, whose events carry
fields from three stub subgraphs (stubs.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets
from graphql import parse
from prometheus_client.parser import text_string_to_metric_families
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin, Subprotocol

from auth.dev import DEV_KEY_ENV, dev_token_signer, load_or_create_dev_key
from supergraph.compose import SubgraphSource, compose
from supergraph.errors import (
    MAX_OPENED_SUBSCRIPTIONS_EXCEEDED,
    MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED,
    SUBSCRIPTION_JWT_EXPIRED,
    SUBSCRIPTION_NOT_STREAMABLE,
    SUBSCRIPTION_SCHEMA_RELOAD,
    SUBSCRIPTION_SHUTDOWN,
    SUBSCRIPTION_UPSTREAM_ERROR,
    SUBSCRIPTIONS_DISABLED,
    UNAUTHORIZED_FIELD_OR_TYPE,
)
from supergraph.http.listener import RouterServer
from supergraph.http.metrics import Metrics
from supergraph.http.protocol import uvicorn_config
from supergraph.http.reload import ReloadingApp
from supergraph.pipeline.subscribe import open_subscriptions
from supergraph.planner import build_query_plan
from supergraph.planner.plan import fetch_nodes
from supergraph.planner.subscription import split_subscription, subscription_plan_json
from supergraph.schema import load_supergraph
from tests.subscriptions.clients import (
    multipart_parts,
    node_subscriber,
    read_line,
    sse_events,
    ws_client,
)
from tests.subscriptions.stack import SUBSCRIPTION, Stack, event, sdl_of, stack, subgraphs, until
from tests.subscriptions.stubs import Feed, accounts_schema, orders_schema, products_schema

SSE = {"accept": "text/event-stream"}
MULTIPART = {"accept": 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'}
BODY = {"query": SUBSCRIPTION, "variables": {"id": "1"}}


def codes(part: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in part.get("errors", [])]


async def closed_upstream(running: Stack) -> None:
    """Every upstream subscription closed, in the router and in the subgraph."""
    await until(
        lambda: (
            running.upstream.connections == 0
            and running.feed.open == 0
            and open_subscriptions() == 0
        ),
        "the upstream subscription to close",
    )


async def sse_refused(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> list[str]:
    """The codes of a refusal over graphql-sse: as the protocol asks, a `next` event
    with the errors, then `complete`, on an accepted (200) stream."""
    async with http.stream("POST", url, json=body, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [item async for item in sse_events(response)]
    [(kind, refusal), complete] = events
    assert kind == "next" and "data" not in refusal and complete == ("complete", None), events
    return codes(refusal)


def test_a_subscription_plan_is_the_query_plan_split_at_its_root_fetch() -> None:
    feed = Feed()
    sources = [
        SubgraphSource(name, f"http://{name}/graphql", sdl_of(schema))
        for name, schema in (
            ("orders", orders_schema(feed)),
            ("products", products_schema()),
            ("accounts", accounts_schema()),
        )
    ]
    sdl = compose(sources).supergraph_sdl
    assert sdl is not None
    plan = build_query_plan(load_supergraph(sdl), parse(SUBSCRIPTION), None)
    split = split_subscription(plan)
    assert split.primary.service_name == "orders"
    assert split.primary.operation_kind == "subscription"
    assert sorted(fetch.service_name for fetch in fetch_nodes(split.rest)) == [
        "accounts",
        "products",
    ]
    rendered = subscription_plan_json(split)["node"]
    assert rendered["kind"] == "Subscription"
    assert rendered["primary"]["serviceName"] == "orders"


async def test_the_graphql_ws_client_receives_events_with_fields_from_three_subgraphs() -> None:
    async with stack() as running:
        node = await node_subscriber(running.ws_url, SUBSCRIPTION, {"id": "1"}, 3)
        try:
            assert await read_line(node) == {"result": event("1", "PLACED")}
            await running.feed.set("1", "PAID")
            assert await read_line(node) == {"result": event("1", "PAID")}
            await running.feed.set("1", "SHIPPED")
            assert await read_line(node) == {"result": event("1", "SHIPPED")}
            assert await read_line(node) == {"done": "completed", "seen": 3}
        finally:
            await asyncio.wait_for(node.wait(), 10)
        # The client disposed of its subscription: the router closed the subgraph's.
        await closed_upstream(running)
        assert running.feed.opened == 1


async def test_several_subscriptions_share_a_websocket_and_complete_one_by_one() -> None:
    async with stack() as running, ws_client(running.ws_url) as client:
        assert await client.receive() == {"type": "connection_ack"}
        await client.subscribe("a", SUBSCRIPTION, {"id": "1"})
        await client.subscribe("b", SUBSCRIPTION, {"id": "2"})
        first = {
            (m["id"], m["payload"]["data"]["orderStatusChanged"]["status"])
            for m in [await client.receive(), await client.receive()]
        }
        assert first == {("a", "PLACED"), ("b", "PLACED")}
        await client.send({"id": "a", "type": "complete"})
        await until(lambda: running.feed.open == 1, "subscription a to close upstream")
        await running.feed.set("2", "PAID")
        assert await client.receive() == {"id": "b", "type": "next", "payload": event("2", "PAID")}
        assert running.upstream.connections == 1


async def test_an_sse_client_receives_events_and_its_disconnect_closes_the_upstream() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        tasks_before = len(asyncio.all_tasks())
        async with http.stream(
            "POST", f"{running.url}/graphql", json=BODY, headers=SSE
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = sse_events(response)
            assert await anext(events) == ("next", event("1", "PLACED"))
            await running.feed.set("1", "SHIPPED")
            assert await anext(events) == ("next", event("1", "SHIPPED"))
            assert running.upstream.connections == 1
        # The client went away mid-stream.
        await closed_upstream(running)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the stream's tasks to end")


async def test_a_multipart_client_receives_apollo_payload_parts() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=MULTIPART) as response:
            assert response.status_code == 200
            assert 'subscriptionSpec="1.0"' in response.headers["content-type"]
            parts = multipart_parts(response)
            assert await anext(parts) == {"payload": event("1", "PLACED")}
            await running.feed.set("1", "DELIVERED")
            assert await anext(parts) == {"payload": event("1", "DELIVERED")}
        await closed_upstream(running)


async def test_a_subscription_over_plain_json_is_refused_with_a_code() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        response = await http.post(f"{running.url}/graphql", json=BODY)
        assert codes(response.json()) == [SUBSCRIPTION_NOT_STREAMABLE]
        assert running.feed.opened == 0


async def test_subscriptions_can_be_turned_off() -> None:
    async with stack({"subscription": {"enabled": False}}) as running:
        async with httpx.AsyncClient(timeout=10) as http:
            refused = await sse_refused(http, f"{running.url}/graphql", BODY, SSE)
        assert refused == [SUBSCRIPTIONS_DISABLED]
        assert running.feed.opened == 0


async def test_a_websocket_that_drops_closes_every_upstream_subscription() -> None:
    async with stack() as running:
        tasks_before = len(asyncio.all_tasks())
        async with ws_client(running.ws_url) as client:
            assert await client.receive() == {"type": "connection_ack"}
            for index in range(3):
                await client.subscribe(str(index), SUBSCRIPTION, {"id": "1"})
            for _ in range(3):
                assert (await client.receive())["type"] == "next"
            assert running.upstream.connections == 3
            assert running.feed.open == 3
            client.socket.transport.abort()  # no close frame: the TCP connection just ends
        await closed_upstream(running)
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the connection's tasks")


async def test_one_connection_holds_at_most_its_cap_of_subscriptions() -> None:
    config = {"subscription": {"max_subscriptions_per_connection": 2}}
    async with stack(config) as running, ws_client(running.ws_url) as client:
        assert await client.receive() == {"type": "connection_ack"}
        for index in range(3):
            await client.subscribe(str(index), SUBSCRIPTION, {"id": "1"})
        messages = [await client.receive() for _ in range(3)]
        refused = [m for m in messages if m["type"] == "error"]
        assert [(m["id"], codes({"errors": m["payload"]})) for m in refused] == [
            ("2", [MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED])
        ]
        assert running.feed.opened == 2


async def test_the_process_holds_at_most_max_opened_subscriptions() -> None:
    config = {"subscription": {"max_opened_subscriptions": 1}}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=SSE) as response:
            events = sse_events(response)
            assert await anext(events) == ("next", event("1", "PLACED"))
            # The router is full (503, retry later): an HTTP answer, not a stream.
            second = await http.post(url, json=BODY, headers=SSE)
            assert second.status_code == 503
            assert codes(second.json()) == [MAX_OPENED_SUBSCRIPTIONS_EXCEEDED]
        await closed_upstream(running)
        third = await http.post(url, json={"query": '{ order(id: "1") { status } }'})
        assert third.json() == {"data": {"order": {"status": "PLACED"}}}
        assert running.feed.opened == 1


async def test_a_dropped_upstream_websocket_ends_the_subscription_with_a_code() -> None:
    async with stack() as running, ws_client(running.ws_url) as client:
        assert await client.receive() == {"type": "connection_ack"}
        await client.subscribe("a", SUBSCRIPTION, {"id": "1"})
        assert (await client.receive())["payload"] == event("1", "PLACED")
        await running.feed.drop("1")
        last = await client.receive()
        assert last["type"] == "next"
        assert "data" not in last["payload"]
        assert codes(last["payload"]) == [SUBSCRIPTION_UPSTREAM_ERROR]
        assert await client.receive() == {"id": "a", "type": "complete"}
        await closed_upstream(running)


async def test_a_token_in_connection_init_is_verified_and_the_identity_forwarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    signer = dev_token_signer(load_or_create_dev_key())
    config = {
        "authentication": {"development": True, "required": True},
        "identity": {"development": True},
    }
    async with stack(config) as running:
        async with ws_client(running.ws_url, {"Authorization": "Bearer nope"}) as client:
            with pytest.raises(ConnectionClosed) as closed:
                await client.receive()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4403
        node = await node_subscriber(
            running.ws_url, SUBSCRIPTION, {"id": "1"}, 1, signer.sign("ada", ["orders"])
        )
        assert await read_line(node) == {"result": event("1", "PLACED")}
        assert await read_line(node) == {"done": "completed", "seen": 1}
        await asyncio.wait_for(node.wait(), 10)
        [headers] = running.feed.headers
        assert headers["x-supergraph-identity"].count(".") == 2  # the router's signed JWT
        async with httpx.AsyncClient(timeout=10) as http:
            anonymous = await http.post(f"{running.url}/graphql", json=BODY, headers=SSE)
        assert anonymous.status_code == 401


async def test_a_connection_init_entry_no_header_can_carry_is_left_out() -> None:
    """connectionParams are the client's free-form JSON: a value (or name) that is not
    Latin-1 cannot be a request header, so it is ignored; before, encoding it killed
    the connection without a close code."""
    init = {"apollographql-client-name": "caf€", "x-ok": "yes", "headers": {"x-€": "1"}}
    async with stack() as running, ws_client(running.ws_url, init) as client:
        assert await client.receive() == {"type": "connection_ack"}
        await client.subscribe("a", SUBSCRIPTION, {"id": "1"})
        assert await client.receive() == {
            "id": "a",
            "type": "next",
            "payload": event("1", "PLACED"),
        }


async def test_an_expiring_token_ends_the_subscription_with_a_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    signer = dev_token_signer(load_or_create_dev_key())
    config = {"authentication": {"development": True, "required": True, "leeway": 0}}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        token = signer.sign("ada", ttl=2)
        headers = {**SSE, "authorization": f"Bearer {token}"}
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=headers) as response:
            received = [item async for item in sse_events(response)]
        # The events until the expiry (no timing asserted), then the coded end.
        *events, (last_kind, last), complete = received
        assert all(item == ("next", event("1", "PLACED")) for item in events)
        assert last_kind == "next"
        assert codes(last) == [SUBSCRIPTION_JWT_EXPIRED]
        assert complete == ("complete", None)
        await closed_upstream(running)


async def test_a_token_within_the_leeway_opens_a_subscription_that_gets_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expiry ends a subscription when the verifier would refuse its token (`exp`
    plus the leeway, 30 s by default), not at `exp`: one accepted 5 s past it runs."""
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    signer = dev_token_signer(load_or_create_dev_key())
    config = {"authentication": {"development": True, "required": True}}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        token = signer.sign("ada", ttl=-5)
        headers = {**SSE, "authorization": f"Bearer {token}"}
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=headers) as response:
            assert response.status_code == 200
            async for item in sse_events(response):
                assert item == ("next", event("1", "PLACED"))
                break
        await closed_upstream(running)


async def test_a_hot_reload_ends_open_subscriptions_with_a_code_clients_can_retry_on(
    tmp_path: Path,
) -> None:
    feed = Feed()
    async with subgraphs(feed) as sdl:
        path = tmp_path / "supergraph.graphql"
        path.write_text(sdl)
        reloading = ReloadingApp(str(path), None, Metrics(), interval=3600, log=lambda _: None)
        async with (
            _served(reloading) as url,
            ws_client(url.replace("http", "ws") + "/graphql") as client,
        ):
            assert await client.receive() == {"type": "connection_ack"}
            await client.subscribe("a", SUBSCRIPTION, {"id": "1"})
            assert (await client.receive())["payload"] == event("1", "PLACED")
            assert await reloading.reload()
            last = await client.receive()
            assert codes(last["payload"]) == [SUBSCRIPTION_SCHEMA_RELOAD]
            assert await client.receive() == {"id": "a", "type": "complete"}
            await until(lambda: feed.open == 0, "the old router's upstream to close")
            # The retry lands on the new router.
            await client.subscribe("b", SUBSCRIPTION, {"id": "1"})
            assert (await client.receive())["payload"] == event("1", "PLACED")
            assert feed.opened == 2


async def test_shutdown_ends_open_subscriptions_with_a_code() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=SSE) as response:
            events = sse_events(response)
            assert await anext(events) == ("next", event("1", "PLACED"))
            running.server.should_exit = True
            assert codes((await anext(events))[1]) == [SUBSCRIPTION_SHUTDOWN]
            assert await anext(events) == ("complete", None)
        await until(lambda: running.feed.open == 0, "the upstream to close")


def _served(app: Any) -> Any:
    import socket
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def serving() -> Any:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        server = RouterServer(uvicorn_config(app, lifespan="on"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        await until(lambda: server.started, "the router to start")
        try:
            yield f"http://127.0.0.1:{sock.getsockname()[1]}"
        finally:
            server.should_exit = True
            await task
            sock.close()

    return serving()


async def test_idle_streams_get_heartbeats_on_every_protocol() -> None:
    config = {"subscription": {"keep_alive_interval": 0.05}}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=SSE) as response:
            lines = response.aiter_lines()
            comments = 0
            while comments < 2:  # after the first event, nothing happens: heartbeats
                comments += (await anext(lines)).startswith(":")
        async with http.stream("POST", url, json=BODY, headers=MULTIPART) as response:
            parts = multipart_parts(response)
            received = [await anext(parts)]
            while received[-1] != {} or {"payload": event("1", "PLACED")} not in received:
                received.append(await anext(parts))
            # Apollo's heartbeat part, `{}`, whenever nothing else was sent for a while.
            assert {"payload": event("1", "PLACED")} in received
        async with ws_client(running.ws_url) as client:
            assert await client.receive() == {"type": "connection_ack"}
            raw = orjson.loads(await asyncio.wait_for(client.socket.recv(), 10))
            assert raw == {"type": "ping"}
        await closed_upstream(running)


async def test_metrics_count_open_subscriptions_and_events() -> None:
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        before = _metrics(await http.get(f"{running.url}/metrics"))
        async with http.stream("POST", url, json=BODY, headers=SSE) as response:
            events = sse_events(response)
            await anext(events)
            await running.feed.set("1", "PAID")
            await anext(events)
            during = _metrics(await http.get(f"{running.url}/metrics"))
        await closed_upstream(running)
        after = _metrics(await http.get(f"{running.url}/metrics"))
    assert during["router_opened_subscriptions"] == 1
    assert after["router_opened_subscriptions"] == 0
    assert (
        during["router_subscription_events_total"] - before["router_subscription_events_total"] == 2
    )
    assert (
        after["router_subscriptions_opened_total"] - before["router_subscriptions_opened_total"]
        == 1
    )


def _metrics(response: httpx.Response) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if "subscription" in sample.name
    }


async def test_a_page_of_another_origin_cannot_open_a_websocket_unless_cors_allows_it() -> None:
    config = {"cors": {"origins": ["https://shop.example"]}}
    async with stack(config) as running:
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(
                running.ws_url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                origin=Origin("https://evil.example"),
            ):
                pass
        assert refused.value.response.status_code == 403
        async with websockets.connect(
            running.ws_url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            origin=Origin("https://shop.example"),
        ) as socket:
            await socket.send('{"type": "connection_init"}')
            assert orjson.loads(await asyncio.wait_for(socket.recv(), 10)) == {
                "type": "connection_ack"
            }
        assert running.feed.opened == 0


PLACED = "subscription { orderPlaced { id user { name email } } }"


async def test_authorization_applies_to_the_root_field_and_to_every_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    token = dev_token_signer(load_or_create_dev_key()).sign("ada")
    config = {"authentication": {"development": True}}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        # Anonymous: the subscription field itself is @authenticated.
        refused = await sse_refused(http, url, {"query": PLACED}, SSE)
        assert refused == [UNAUTHORIZED_FIELD_OR_TYPE]
        # Anonymous: an @authenticated field inside each event is null, with its error.
        query = SUBSCRIPTION.replace("user { name }", "user { name email }")
        body = {"query": query, "variables": {"id": "1"}}
        async with http.stream("POST", url, json=body, headers=SSE) as response:
            _, first = await anext(sse_events(response))
        assert first["data"]["orderStatusChanged"]["user"] == {"name": "User u1", "email": None}
        assert codes(first) == [UNAUTHORIZED_FIELD_OR_TYPE]
        # Signed in: both.
        signed_in = {**SSE, "authorization": f"Bearer {token}"}
        async with http.stream("POST", url, json={"query": PLACED}, headers=signed_in) as response:
            _, placed = await anext(sse_events(response))
        assert placed == {
            "data": {
                "orderPlaced": {"id": "1", "user": {"name": "User u1", "email": "u1@example.com"}}
            }
        }
        await closed_upstream(running)
