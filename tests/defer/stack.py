"""The router over the @defer stub subgraphs (stubs.py), on free loopback ports, and a
client of `multipart/mixed;deferSpec=20220824` reading parts as they arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from supergraph.compose import SubgraphSource, compose
from tests.defer.stubs import (
    Control,
    inventory_schema,
    products_schema,
    reviews_schema,
    subgraph_app,
)
from tests.http.loopback import serve
from tests.subscriptions.stack import Stack, router, sdl_of
from tests.subscriptions.stubs import Feed

DEFER_ACCEPT = "multipart/mixed;deferSpec=20220824;q=1.1,application/graphql-response+json,application/json;q=0.9"
CURRENT_ACCEPT = (
    "multipart/mixed;incrementalSpec=v0.2,application/graphql-response+json,application/json;q=0.9"
)
"""What Apollo Client 4's GraphQL17Alpha9Handler sends: the working group's format."""
TIMEOUT = 30.0


@dataclass
class DeferStack:
    router: Stack
    control: Control

    @property
    def url(self) -> str:
        return self.router.url + "/graphql"


@asynccontextmanager
async def defer_stack(config: dict[str, Any] | None = None) -> AsyncIterator[DeferStack]:
    control = Control()
    async with AsyncExitStack() as stack:
        sources = []
        for name, schema in (
            ("products", products_schema(control)),
            ("reviews", reviews_schema()),
            ("inventory", inventory_schema(control)),
        ):
            url = await stack.enter_async_context(serve(subgraph_app(name, schema, control)))
            sources.append(SubgraphSource(name, f"{url}/graphql", sdl_of(schema)))
        composition = compose(sources)
        assert composition.supergraph_sdl is not None, composition.errors
        running = await stack.enter_async_context(
            router(composition.supergraph_sdl, Feed(), config)
        )
        # First on the way out: a held inventory answer must not hold the shutdown.
        stack.callback(control.gate.set)
        yield DeferStack(running, control)


async def multipart_parts(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Each JSON part of a `multipart/mixed; boundary="-"` body, as soon as it is whole
    (a part is whole when the next delimiter arrives)."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while True:
            start = buffer.find(b"\r\n---")
            if start < 0:
                break
            end = buffer.find(b"\r\n---", start + 5)
            if end < 0:
                break
            part = buffer[start + 5 : end]
            buffer = buffer[end:]
            _head, _, body = part.partition(b"\r\n\r\n")
            if body.strip():
                yield orjson.loads(body)
    assert buffer.strip() == b"\r\n-----".strip() or buffer.endswith(b"-----\r\n"), buffer


async def deferred(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    accept: str = DEFER_ACCEPT,
) -> list[dict[str, Any]]:
    """Every part of the answer to `query`, asking for incremental delivery."""
    body = {"query": query, "variables": variables or {}}
    async with client.stream(
        "POST", url, json=body, headers={"accept": accept}, timeout=TIMEOUT
    ) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("multipart/mixed"), response.headers
        return [part async for part in multipart_parts(response)]


def merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The data a client holds once every part is merged (Apollo Client's merge), in
    either format."""
    if "pending" in parts[0]:
        return merged_current(parts)
    data: Any = parts[0]["data"]
    for part in parts[1:]:
        for item in part.get("incremental", []):
            target = data
            for step in item["path"]:
                target = target[step]
            if item["data"] is None:
                continue
            _merge(target, item["data"])
    return data  # type: ignore[no-any-return]


def merged_current(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The merge of `incrementalSpec=v0.2` parts (graphql-js 17 / Apollo Client 4's
    GraphQL17Alpha9Handler), checking the protocol on the way: every id is announced
    once, completed once, and only announced ids get data."""
    data: Any = parts[0]["data"]
    paths: dict[str, list[str | int]] = {}
    done: set[str] = set()
    for part in parts:
        for pending in part.get("pending", []):
            assert pending["id"] not in paths, pending
            paths[pending["id"]] = pending["path"]
        for item in part.get("incremental", []):
            assert item["id"] in paths and item["id"] not in done, item
            target = data
            for step in [*paths[item["id"]], *item.get("subPath", [])]:
                target = target[step]
            _merge(target, item["data"])
        for completed in part.get("completed", []):
            assert completed["id"] in paths and completed["id"] not in done, completed
            done.add(completed["id"])
    assert done == set(paths), (done, paths)  # nothing left pending
    return data  # type: ignore[no-any-return]


def _merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        held = target.get(key)
        if isinstance(held, dict) and isinstance(value, dict):
            _merge(held, value)
        elif isinstance(held, list) and isinstance(value, list) and len(held) == len(value):
            for mine, theirs in zip(held, value, strict=True):
                if isinstance(mine, dict) and isinstance(theirs, dict):
                    _merge(mine, theirs)
        else:
            target[key] = value


def canonical(data: Any) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
