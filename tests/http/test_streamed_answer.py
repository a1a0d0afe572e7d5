"""The edge answers a streamed response (`StreamedResponse`: @defer, subscriptions)
as multipart/mixed parts, each sent as it comes. No stage streams yet: the router's
answer is replaced here, so the edge's side is ready before the first one does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import StreamedResponse
from supergraph.types import JSONObject
from tests.http.edge import PREFLIGHT, edge_app

FIRST: JSONObject = {"data": {"me": {"id": "1"}}, "hasNext": True}
SUBGRAPH_ERROR: JSONObject = {
    "message": "SELECT * FROM users failed",
    "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "accounts"},
}
LAST: JSONObject = {
    "incremental": [{"data": {"name": None}, "path": ["me"], "errors": [SUBGRAPH_ERROR]}],
    "hasNext": False,
}


def streaming_app(config: dict[str, object] | None = None, fail: bool = False) -> Any:
    """The edge over a router answering FIRST then LAST (`fail`: FIRST, then its
    source raises)."""
    app = edge_app(config)

    async def parts() -> AsyncIterator[JSONObject]:
        yield FIRST
        if fail:
            raise RuntimeError("the plan's run failed with a bug")
        yield LAST

    async def execute(request: GraphQLRequest, **_: object) -> StreamedResponse:
        return StreamedResponse(parts(), operation_name="Me")

    app.state.holder.router.execute = execute
    return app


async def post(app: Any, payload: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        return await client.post("/graphql", json=payload, headers=PREFLIGHT)


def parts_of(body: bytes) -> list[object]:
    assert body.startswith(b"\r\n---\r\n")
    assert body.endswith(b"\r\n-----\r\n")
    chunks = body[: -len(b"\r\n-----\r\n")].split(b"\r\n---\r\n")[1:]
    out = []
    for chunk in chunks:
        head, _, json = chunk.partition(b"\r\n\r\n")
        assert head == b"content-type: application/json; charset=utf-8"
        out.append(orjson.loads(json))
    return out


async def test_a_streamed_response_is_sent_as_multipart_parts() -> None:
    response = await post(streaming_app(), {"query": "{ me { id } }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith('multipart/mixed; boundary="-"')
    assert "content-length" not in response.headers
    assert parts_of(response.content) == [FIRST, LAST]


async def test_each_part_is_masked_like_a_body() -> None:
    response = await post(streaming_app({"mask_subgraph_errors": True}), {"query": "{ me { id } }"})
    [first, last] = parts_of(response.content)
    assert first == FIRST
    [error] = last["incremental"][0]["errors"]  # type: ignore[index]
    assert error == {
        "message": "Subgraph errors redacted",
        "extensions": {"code": "SUBREQUEST_HTTP_ERROR"},
    }


async def test_errors_in_completed_entries_are_masked_too() -> None:
    app = edge_app({"mask_subgraph_errors": True})
    current: JSONObject = {
        "hasNext": False,
        "completed": [{"id": "0", "errors": [SUBGRAPH_ERROR]}, {"id": "1"}],
    }

    async def parts() -> AsyncIterator[JSONObject]:
        yield {**FIRST, "pending": [{"id": "0", "path": ["me"]}, {"id": "1", "path": ["me"]}]}
        yield current

    async def execute(request: GraphQLRequest, **_: object) -> StreamedResponse:
        return StreamedResponse(parts(), operation_name="Me")

    app.state.holder.router.execute = execute
    response = await post(app, {"query": "{ me { id } }"})
    [_, last] = parts_of(response.content)
    assert last == {
        "hasNext": False,
        "completed": [
            {
                "id": "0",
                "errors": [
                    {
                        "message": "Subgraph errors redacted",
                        "extensions": {"code": "SUBREQUEST_HTTP_ERROR"},
                    }
                ],
            },
            {"id": "1"},
        ],
    }


@pytest.mark.parametrize("size", [1, 2])
async def test_a_batch_answers_a_stream_with_an_error(size: int) -> None:
    app = streaming_app({"batching": {"enabled": True}})
    response = await post(app, [{"query": "{ me { id } }"}] * size)
    assert response.status_code == 200
    bodies = response.json()
    assert len(bodies) == size
    assert all(body["errors"][0]["extensions"]["code"] == "BAD_REQUEST" for body in bodies)


async def test_a_source_failing_after_the_status_ends_with_a_coded_last_part() -> None:
    response = await post(streaming_app(fail=True), {"query": "{ me { id } }"})
    assert response.status_code == 200  # sent before the failure
    # parts_of checks the closing delimiter: the client is not left waiting for more.
    assert parts_of(response.content) == [
        FIRST,
        {
            "hasNext": False,
            "errors": [
                {
                    "message": "Internal server error",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                }
            ],
        },
    ]
    assert b"bug" not in response.content  # no internals
