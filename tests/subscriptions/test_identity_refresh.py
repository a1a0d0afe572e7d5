"""A subscription outlives the router-signed identity token it started with
(`identity.ttl`, 60 s by default): each event's entity fetches carry an identity
token signed for that event, and a WebSocket authenticates each operation again, so
an operation started after the caller's token expired is refused and one started
after the identity token expired carries a fresh one.

`identity.ttl` is 1 s here and the tests wait (by the tokens' own `exp`, never
asserting a duration) until the first identity token has expired."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from auth.dev import DEV_KEY_ENV, dev_token_signer, load_or_create_dev_key
from supergraph.errors import UNAUTHENTICATED
from tests.subscriptions.clients import sse_events, ws_client
from tests.subscriptions.stack import SUBSCRIPTION, Stack, event, stack

IDENTITY = "x-supergraph-identity"
SSE = {"accept": "text/event-stream"}
BODY = {"query": SUBSCRIPTION, "variables": {"id": "1"}}


def expiry(token: str) -> int:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"])


def identities(running: Stack, subgraph: str) -> list[str]:
    return [headers[IDENTITY] for name, headers in running.feed.fetches if name == subgraph]


async def past(exp: int) -> None:
    """Until the clock is past `exp` (a token's expiry, in whole seconds)."""
    await asyncio.sleep(max(0.0, exp + 1.1 - time.time()))


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv(DEV_KEY_ENV, str(tmp_path / "dev.pem"))
    return {
        "authentication": {"development": True, "required": True, "leeway": 0},
        "identity": {"development": True, "ttl": 1},
    }


async def test_each_event_s_entity_fetches_carry_an_identity_token_of_their_own(
    config: dict[str, Any],
) -> None:
    token = dev_token_signer(load_or_create_dev_key()).sign("ada")
    headers = {**SSE, "authorization": f"Bearer {token}"}
    async with stack(config) as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        async with http.stream("POST", url, json=BODY, headers=headers) as response:
            events = sse_events(response)
            assert await anext(events) == ("next", event("1", "PLACED"))
            [first] = identities(running, "products")
            await past(expiry(first))
            await running.feed.set("1", "SHIPPED")
            assert await anext(events) == ("next", event("1", "SHIPPED"))
        [_, second] = identities(running, "products")
        # Signed for the second event: it expires later than the first one did
        # (before, the first, expired token was sent again).
        assert expiry(second) > expiry(first)
        [_, accounts] = identities(running, "accounts")
        assert expiry(accounts) > expiry(first)


async def test_a_websocket_authenticates_each_operation_again(config: dict[str, Any]) -> None:
    signer = dev_token_signer(load_or_create_dev_key())
    async with stack(config) as running:
        # Valid beyond the first identity token (1 s) and the wait past it.
        token = signer.sign("ada", ttl=5)
        init = {"Authorization": f"Bearer {token}"}
        async with ws_client(running.ws_url, init) as client:
            assert await client.receive() == {"type": "connection_ack"}
            await client.send({"id": "q1", "type": "subscribe", "payload": {"query": QUERY}})
            assert await client.receive() == {"id": "q1", "type": "next", "payload": ORDER}
            assert await client.receive() == {"id": "q1", "type": "complete"}
            [first] = identities(running, "orders")
            await past(expiry(first))
            # The identity token signed at connection_init has expired: a later
            # operation gets one of its own.
            await client.send({"id": "q2", "type": "subscribe", "payload": {"query": QUERY}})
            assert await client.receive() == {"id": "q2", "type": "next", "payload": ORDER}
            assert await client.receive() == {"id": "q2", "type": "complete"}
            [_, second] = identities(running, "orders")
            assert expiry(second) > expiry(first)
            # The caller's own token has expired: the next operation is refused as an
            # HTTP request with that token would be, and reaches no subgraph.
            await past(expiry(token))
            fetched = len(running.feed.fetches)
            await client.send({"id": "q3", "type": "subscribe", "payload": {"query": QUERY}})
            refused = await client.receive()
            assert refused["id"] == "q3" and refused["type"] == "error", refused
            assert [e["extensions"]["code"] for e in refused["payload"]] == [UNAUTHENTICATED]
            assert len(running.feed.fetches) == fetched


QUERY = '{ order(id: "1") { status } }'
ORDER = {"data": {"order": {"status": "PLACED"}}}
