"""The bundled subgraphs' subscription through the router: `orderStatusChanged` from
orders (fed by its domain events on the real NATS JetStream), each event completed
with `Product.name` from products, `Product.inStock` from inventory and `User.name`
from accounts; the caller's token goes in `connection_init`, the router forwards its
signed identity to the subgraphs, which check the order is the caller's. Apollo Client
(Node, HttpLink: multipart subscriptions, the token in its headers) subscribes beside
the graphql-transport-ws client and gets the same events."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth import TokenSigner, TokenVerifier, VerifierSettings
from auth.dev import (
    DEV_KEY_ENV,
    ROUTER_ISSUER,
    SUBGRAPH_AUDIENCE,
    dev_token_signer,
    dev_verification_key,
    load_or_create_dev_key,
)
from events import EventsConfig, Streams
from subgraphs import registry
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.identity import SubgraphIdentity
from subgraphs._common.seeding import Scale, product_upc
from tests.events.conftest import NATS_URL
from tests.http.loopback import serve
from tests.kit.bundled import graph_names, with_urls
from tests.loaders.backends import Backend
from tests.subscriptions.clients import apollo_client, read_line, ws_client
from tests.subscriptions.stack import Stack, router, until
from tests.subscriptions.stubs import Feed

ROOT = Path(__file__).resolve().parents[2]
USER = "3"
STATUS = """subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) {
    id status total { amount }
    items { quantity product { name inStock } }
    user { name }
  }
}"""
PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }"
CANCEL = "mutation($id: ID!) { cancelOrder(input: {id: $id}) { status } }"


@asynccontextmanager
async def bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: Streams
) -> AsyncIterator[tuple[Stack, TokenSigner]]:
    """The bundled subgraphs (SQLite, real JetStream, identity checked) behind the
    router; a signer of tokens the router accepts."""
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    key = load_or_create_dev_key()
    settings = VerifierSettings(
        keys=(dev_verification_key(key),), issuer=(ROUTER_ISSUER,), audience=(SUBGRAPH_AUDIENCE,)
    )
    backend = Backend("sqlite", tmp_path)
    supergraph = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    config = {
        "authentication": {"development": True, "required": True},
        "identity": {"development": True},
    }
    async with AsyncExitStack() as exits:
        urls: dict[str, str] = {}
        for name in graph_names(supergraph):
            app = create_subgraph_app(
                registry.get(name).load(),
                backend.config(f"bundled_{name}"),
                seed_scale=Scale(1),
                identity=SubgraphIdentity(TokenVerifier(settings), required=True),
                events=EventsConfig((NATS_URL,), streams),
            )
            urls[name] = await exits.enter_async_context(serve(app)) + "/graphql"
        running = await exits.enter_async_context(
            router(with_urls(supergraph, urls), Feed(), config)
        )
        yield running, dev_token_signer(key)


async def post_as(running: Stack, token: str, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=60, headers=headers) as http:
        response = await http.post(
            f"{running.url}/graphql", json={"query": query, "variables": variables}
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def test_order_status_events_through_the_router_carry_fields_from_four_subgraphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: Streams
) -> None:
    async with AsyncExitStack() as exits:
        running, signer = await exits.enter_async_context(bundled(tmp_path, monkeypatch, streams))
        token = signer.sign(USER)

        async def post(query: str, **variables: Any) -> dict[str, Any]:
            return await post_as(running, token, query, **variables)

        upc = product_upc(1)
        items = [{"productUpc": upc, "quantity": 1}]
        placed = await post(PLACE, input={"idempotencyKey": secrets.token_hex(6), "items": items})
        order = placed["data"]["placeOrder"]["id"]
        apollo = await apollo_client(
            "subscribe-http", f"{running.url}/graphql", STATUS, {"id": order}, 10, token
        )
        seen = [(await read_line(apollo))["result"]["data"]["orderStatusChanged"]]
        async with ws_client(running.ws_url, {"Authorization": f"Bearer {token}"}) as client:
            assert await client.receive() == {"type": "connection_ack"}
            await client.subscribe("s", STATUS, {"id": order})
            first = await client.receive()
            assert first["type"] == "next" and "errors" not in first["payload"], first
            now = first["payload"]["data"]["orderStatusChanged"]
            [item] = now["items"]
            assert item["quantity"] == 1
            assert isinstance(item["product"]["name"], str) and item["product"]["name"]
            assert isinstance(item["product"]["inStock"], bool)
            assert isinstance(now["user"]["name"], str) and now["user"]["name"]
            statuses = [now["status"]]
            while statuses[-1] == "PENDING":  # the saga may settle it before or after
                message = await client.receive()
                statuses.append(message["payload"]["data"]["orderStatusChanged"]["status"])
            assert statuses in (["PENDING", "CONFIRMED"], ["CONFIRMED"])
            await post(CANCEL, id=order)
            cancelled = (await client.receive())["payload"]["data"]["orderStatusChanged"]
            assert cancelled["status"] == "CANCELLED"
            assert cancelled["user"] == now["user"] and cancelled["total"] == now["total"]
            # Apollo Client saw the same statuses, each event with the same fields (and
            # the `__typename`s its cache asks for).
            while seen[-1]["status"] != "CANCELLED":
                seen.append((await read_line(apollo))["result"]["data"]["orderStatusChanged"])
            assert [e["status"] for e in seen] in (
                ["PENDING", "CONFIRMED", "CANCELLED"],
                ["CONFIRMED", "CANCELLED"],
            )
            assert seen[-1]["__typename"] == "Order"
            assert seen[-1]["user"] == {"__typename": "User", **now["user"]}
            [apollo_item] = seen[-1]["items"]
            assert apollo_item["product"] == {"__typename": "Product", **item["product"]}
            assert running.upstream.connections == 2
            apollo.kill()
            await apollo.wait()
            await until(lambda: running.upstream.connections == 1, "Apollo's upstream to close")
            await client.send({"id": "s", "type": "complete"})
            await until(lambda: running.upstream.connections == 0, "the upstream to close")


PLACED = """subscription {
  orderPlaced { id status user { name } items { quantity product { name } } }
}"""
STOCK = "subscription ($upc: String!) { stockChanged(upc: $upc) { upc name quantity } }"


async def test_order_placed_is_for_staff_and_stock_changed_follows_a_reservation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: Streams
) -> None:
    async with bundled(tmp_path, monkeypatch, streams) as (running, signer):
        customer = signer.sign(USER)
        staff = signer.sign("1", ["orders:read"])
        upc = product_upc(2)
        # A customer may not follow every order: refused by the router (orderPlaced
        # is @requiresScopes orders:read), no upstream opened.
        async with ws_client(running.ws_url, {"Authorization": f"Bearer {customer}"}) as client:
            assert await client.receive() == {"type": "connection_ack"}
            await client.subscribe("p", PLACED, {})
            refused = await client.receive()
            assert refused["type"] == "error", refused
            codes = [error["extensions"]["code"] for error in refused["payload"]]
            assert codes == ["UNAUTHORIZED_FIELD_OR_TYPE"]
            assert running.upstream.connections == 0
        async with ws_client(running.ws_url, {"Authorization": f"Bearer {staff}"}) as client:
            assert await client.receive() == {"type": "connection_ack"}
            await client.subscribe("s", STOCK, {"upc": upc})
            first = await client.receive()
            assert first["id"] == "s" and "errors" not in first["payload"], first
            before = first["payload"]["data"]["stockChanged"]
            assert before["upc"] == upc and before["name"]  # name: from products
            await client.subscribe("p", PLACED, {})
            await until(lambda: running.upstream.connections == 2, "both upstreams to open")
            items = [{"productUpc": upc, "quantity": 2}]
            key = secrets.token_hex(6)
            placed = await post_as(
                running, customer, PLACE, input={"idempotencyKey": key, "items": items}
            )
            order = placed["data"]["placeOrder"]["id"]
            seen: dict[str, Any] = {}
            while len(seen) < 2:  # one event of each, in whichever order they come
                message = await client.receive()
                assert message["type"] == "next" and "errors" not in message["payload"], message
                seen.setdefault(message["id"], message["payload"]["data"])
            new = seen["p"]["orderPlaced"]
            assert new["id"] == order and new["user"]["name"]  # user.name: from accounts
            [item] = new["items"]
            assert item["quantity"] == 2 and item["product"]["name"] == before["name"]
            after = seen["s"]["stockChanged"]
            assert after == {**before, "quantity": before["quantity"] - 2}
            await client.send({"id": "p", "type": "complete"})
            await client.send({"id": "s", "type": "complete"})
            await until(lambda: running.upstream.connections == 0, "the upstreams to close")
