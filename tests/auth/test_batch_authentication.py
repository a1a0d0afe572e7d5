"""A batched request is authenticated once: its operations share the request's
headers, so one token verification answers them all (router + two subgraphs on
loopback, tests/auth/test_enforcement.py's stack with batching on)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from auth import Claims, TokenVerifier
from supergraph.pipeline.persisted import PersistedQueries
from supergraph.pipeline.request import GraphQLRequest
from tests.auth import tokens
from tests.auth.test_enforcement import Stack, start, user

BATCHING = {"batching": {"enabled": True, "max_size": 10}}
ME = "{ me { id name } }"
PERSISTED_MISS = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start(exits, tmp_path, extra=BATCHING)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token the router verifies, in order."""
    seen: list[str] = []
    verify = TokenVerifier.verify

    async def counted(self: TokenVerifier, token: str) -> Claims:
        seen.append(token)
        return await verify(self, token)

    monkeypatch.setattr(TokenVerifier, "verify", counted)
    return seen


async def post(stack: Stack, body: Any, token: str) -> tuple[int, Any]:
    response = await stack.client.post(
        "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


async def test_a_batch_verifies_its_token_once(stack: Stack, verifications: list[str]) -> None:
    token = user("1")
    status, bodies = await post(stack, [{"query": ME}] * 4, token)
    assert status == 200
    assert bodies == [{"data": {"me": {"id": "1", "name": "Ada"}}}] * 4
    assert verifications == [token]


async def test_a_bad_token_refuses_the_batch_as_it_refuses_one_operation(
    stack: Stack, verifications: list[str]
) -> None:
    expired = tokens.token(exp=1, iat=0, nbf=0)
    single = await post(stack, {"query": ME}, expired)
    assert single[0] == 401
    assert [e["extensions"]["code"] for e in single[1]["errors"]] == ["UNAUTHENTICATED"]
    verifications.clear()
    batch = await post(stack, [{"query": ME}] * 4, expired)
    assert batch == single  # the whole request refused, with the single operation's body
    assert verifications == [expired]
    assert stack.accounts.queries == []


async def test_operations_refused_before_authentication_keep_their_own_errors(
    stack: Stack, verifications: list[str]
) -> None:
    """As alone: a malformed entry or a persisted-query miss is answered in its place
    without the token being read, even a bad one."""
    status, bodies = await post(stack, [{"operationName": 1}, PERSISTED_MISS], "not.a.token")
    assert status == 200
    assert [body["errors"][0]["extensions"]["code"] for body in bodies] == [
        "BAD_REQUEST",
        "PERSISTED_QUERY_NOT_FOUND",
    ]
    assert verifications == []


async def test_a_single_persisted_query_is_authenticated_before_its_lookup(
    stack: Stack, verifications: list[str]
) -> None:
    """As Apollo Router: a bad token is 401 even when the hash is unknown; without a
    token (anonymous allowed here) the miss is answered as before."""
    status, body = await post(stack, PERSISTED_MISS, "not.a.token")
    assert status == 401
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert verifications == ["not.a.token"]
    anonymous = await stack.client.post("/graphql", json=PERSISTED_MISS)
    assert anonymous.status_code == 200
    codes = [e["extensions"]["code"] for e in anonymous.json()["errors"]]
    assert codes == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_a_refused_batch_stops_its_other_operations(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first 401 ends the request: an operation still at its persisted-query
    lookup is cancelled there, so it registers nothing (and runs nothing) after."""
    query = "{ __typename }"
    apq = {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    release = asyncio.Event()
    outcomes: list[str] = []
    resolve = PersistedQueries.resolve

    async def held(self: PersistedQueries, request: GraphQLRequest, **named: Any) -> Any:
        try:
            await release.wait()
        except asyncio.CancelledError:
            outcomes.append("cancelled")
            raise
        outcomes.append("resumed")
        return await resolve(self, request, **named)

    monkeypatch.setattr(PersistedQueries, "resolve", held)
    expired = tokens.token(exp=1, iat=0, nbf=0)
    batch = [{"query": ME}, {"query": query, "extensions": {"persistedQuery": apq}}]
    status, _ = await post(stack, batch, expired)
    assert status == 401
    release.set()
    for _ in range(1000):  # the held operation's turn, if it is still alive
        if outcomes:
            break
        await asyncio.sleep(0)
    assert outcomes == ["cancelled"]
    monkeypatch.setattr(PersistedQueries, "resolve", resolve)
    miss = await stack.client.post("/graphql", json={"extensions": {"persistedQuery": apq}})
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert stack.accounts.queries == []
