"""`/graphql` served straight by the endpoint (app.py's fast path) answers as the
Starlette stack did: streamed and oversized bodies, disconnects, HEAD, a mounted
root path, CORS, repeated headers."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest
from starlette.types import Message

from supergraph.http.app import create_app
from supergraph.http.config import parse_config
from supergraph.http.metrics import Metrics
from tests.executor.test_pipeline import make_router

QUERY = b'{"query": "{ me { username } }"}'
ME = {"data": {"me": {"username": "ada"}}}
JSON = {"content-type": "application/json"}


def _app(config: dict[str, Any] | None = None) -> Any:
    router, _ = make_router()
    return create_app(router, Metrics(["accounts"]), parse_config(config or {}))


def _scope(method: str = "POST", **extra: Any) -> dict[str, Any]:
    headers = [(b"content-type", b"application/json"), (b"accept", b"application/json")]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": headers + extra.pop("headers", []),
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        **extra,
    }


async def _call(app: Any, scope: dict[str, Any], messages: list[Message]) -> list[Message]:
    sent: list[Message] = []
    incoming = iter(messages)

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_body_in_several_messages_is_read_whole() -> None:
    half = len(QUERY) // 2
    parts: list[Message] = [
        {"type": "http.request", "body": QUERY[:half], "more_body": True},
        {"type": "http.request", "body": QUERY[half:], "more_body": False},
    ]
    start, body = await _call(_app(), _scope(), parts)
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-length"] == str(len(body["body"])).encode()
    assert orjson.loads(body["body"]) == ME


async def test_a_streamed_body_over_the_limit_is_413_before_the_rest_is_read() -> None:
    app = _app({"limits": {"max_body_bytes": 10}})
    parts: list[Message] = [
        {"type": "http.request", "body": b"x" * 8, "more_body": True},
        {"type": "http.request", "body": b"x" * 8, "more_body": True},
        # never read: the limit is passed with the second message
    ]
    start, body = await _call(app, _scope(), parts)
    assert start["status"] == 413
    assert orjson.loads(body["body"])["errors"][0]["extensions"]["code"] == (
        "MAX_BODY_SIZE_EXCEEDED"
    )


async def test_a_client_gone_mid_body_gets_no_answer_and_no_error_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parts: list[Message] = [
        {"type": "http.request", "body": QUERY[:5], "more_body": True},
        {"type": "http.disconnect"},
    ]
    with caplog.at_level(logging.ERROR):
        sent = await _call(_app(), _scope(), parts)
    assert sent == []
    assert not caplog.records


async def test_head_and_a_mounted_root_path_take_the_starlette_stack() -> None:
    app = _app()
    head = await _call(app, _scope("HEAD", query_string=b"query=%7B+me+%7B+username+%7D+%7D"), [])
    assert head[0]["status"] == 200
    mounted = _scope(path="/api/graphql", root_path="/api")
    start, body = await _call(app, mounted, [{"type": "http.request", "body": QUERY}])
    assert start["status"] == 200
    assert orjson.loads(body["body"]) == ME


async def test_wrong_methods_still_get_405_with_allow() -> None:
    start, _body = await _call(_app(), _scope("PUT"), [{"type": "http.request", "body": b""}])
    assert start["status"] == 405
    assert dict(start["headers"])[b"allow"] == b"POST"


async def test_cors_headers_on_the_direct_path() -> None:
    app = _app({"cors": {"origins": ["https://app.example.com"]}})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        allowed = await client.post(
            "/graphql", content=QUERY, headers={**JSON, "origin": "https://app.example.com"}
        )
        foreign = await client.post(
            "/graphql", content=QUERY, headers={**JSON, "origin": "https://evil.example.com"}
        )
        same = await client.post("/graphql", content=QUERY, headers=JSON)
    for response in (allowed, foreign, same):
        assert response.status_code == 200
        assert response.json() == ME
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in same.headers


async def test_the_first_of_repeated_headers_counts() -> None:
    # Accept: the first one (406) wins over a later acceptable one, as before.
    scope = _scope(headers=[])
    scope["headers"] = [
        (b"content-type", b"application/json"),
        (b"accept", b"text/html"),
        (b"accept", b"application/json"),
    ]
    start, _body = await _call(_app(), scope, [{"type": "http.request", "body": QUERY}])
    assert start["status"] == 406
