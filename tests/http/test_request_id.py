"""Request ids: every /graphql request has one; unexpected errors are logged at ERROR
with their traceback and that id (also sent back in `x-request-id`); expected client
errors are not logged with a traceback."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from supergraph import request_id
from supergraph.http.app import create_app
from supergraph.http.endpoint import GraphQLEndpoint
from supergraph.pipeline.router import Router
from tests.executor.test_pipeline import make_router

GENERATED = re.compile(r"[0-9a-f]{8}-[0-9a-f]+")


def _break(router: Router) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    router._executor.execute = broken  # type: ignore[method-assign, assignment]


@pytest.fixture
async def broken_client() -> AsyncIterator[httpx.AsyncClient]:
    router, _ = make_router()
    _break(router)
    transport = httpx.ASGITransport(app=create_app(router))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        yield client


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_unexpected_error_is_logged_with_its_trace_and_the_incoming_id(
    broken_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await broken_client.post(
        "/graphql",
        json={"query": "{ me { username } }"},
        headers={"x-request-id": "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"},
    )
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    [record] = _errors(caplog)
    assert "4bf92f35-77b3-4da6-a3ce-929d0e0e4736" in record.getMessage()
    assert record.exc_info is not None and "secret internals" in str(record.exc_info[1])
    assert "secret" not in response.text


@pytest.mark.parametrize("incoming", [None, "has spaces", "x" * 200, "a\tb", ""])
async def test_without_a_sane_incoming_id_one_is_made(
    broken_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"x-request-id": incoming}
    response = await broken_client.post(
        "/graphql", json={"query": "{ me { username } }"}, headers=headers
    )
    made = response.headers["x-request-id"]
    assert GENERATED.fullmatch(made)
    [record] = _errors(caplog)
    assert made in record.getMessage()


async def test_each_request_has_its_own_id(broken_client: httpx.AsyncClient) -> None:
    query = {"query": "{ me { username } }"}
    ids = {
        response.headers["x-request-id"]
        for response in await asyncio.gather(
            *(broken_client.post("/graphql", json=query) for _ in range(5))
        )
    }
    assert len(ids) == 5


async def test_an_error_escaping_the_endpoint_is_logged_with_the_id(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(GraphQLEndpoint, "_post", broken)
    router, _ = make_router()
    transport = httpx.ASGITransport(app=create_app(router))
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        response = await client.post(
            "/graphql", json={"query": "{ me { username } }"}, headers={"x-request-id": "req-7"}
        )
    assert (response.status_code, response.headers["x-request-id"]) == (500, "req-7")
    [record] = _errors(caplog)
    assert "req-7" in record.getMessage() and record.exc_info is not None


async def test_expected_client_errors_are_not_logged_with_a_trace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    router, _ = make_router()
    transport = httpx.ASGITransport(app=create_app(router))
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        answers = [
            await client.post("/graphql", content=b"{not json", headers={"content-type": "a/b"}),
            await client.post(
                "/graphql", content=b"{not json", headers={"content-type": "application/json"}
            ),
            await client.post("/graphql", json={"query": "{ nope"}),
            await client.post("/graphql", json={"query": "{ nope }"}),
            await client.post("/graphql", json={"query": "{ me { username } }", "variables": 3}),
            await client.get("/graphql", params={"query": "mutation { x }"}),
        ]
    assert all(400 <= a.status_code < 500 or a.status_code == 200 for a in answers)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING] == []
    # Every answer names its request (what to quote; what the subgraphs logged).
    ids = [a.headers.get("x-request-id") for a in answers]
    assert all(ids) and len(set(ids)) == len(ids), ids


def test_outside_a_request_the_id_is_a_dash() -> None:
    async def read() -> str:
        return request_id.current()

    assert asyncio.run(read()) == "-"
