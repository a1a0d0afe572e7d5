"""The registry's HTTP API: the latest SDL with its ETag (304 when unchanged), the
history, one version, the diff between two."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from supergraph.registry.server import registry_app
from supergraph.registry.store import Registry
from tests.http.serve_process import supergraph_sdl
from tests.kit.asgi_server import ThreadedASGIServer

URL = "http://127.0.0.1:1/graphql"


def _publish(dsn: str, *versions: tuple[str, ...]) -> None:
    async def run() -> None:
        registry = await Registry.open(dsn)
        try:
            for fields in versions:
                await registry.publish("main", supergraph_sdl(fields, URL), [], "ci")
        finally:
            await registry.close()

    asyncio.run(run())


@contextmanager
def _serving(dsn: str) -> Iterator[httpx.Client]:
    server = ThreadedASGIServer(registry_app(dsn), "registry", lifespan="on")
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def test_the_latest_supergraph_with_etag_and_304(tmp_path: Path) -> None:
    dsn = f"sqlite:///{tmp_path / 'r.db'}"
    _publish(dsn, ("hello",), ("hello", "world"))
    with _serving(dsn) as client:
        latest = client.get("/graphs/main/supergraph")
        assert latest.status_code == 200
        assert latest.text == supergraph_sdl(("hello", "world"), URL)
        assert latest.headers["x-supergraph-version"] == "2"
        etag = latest.headers["etag"]
        unchanged = client.get("/graphs/main/supergraph", headers={"If-None-Match": etag})
        assert (unchanged.status_code, unchanged.content) == (304, b"")
        other = client.get("/graphs/main/supergraph", headers={"If-None-Match": '"x", W/"y"'})
        assert other.status_code == 200
        assert client.get("/graphs/nope/supergraph").status_code == 404


def test_history_versions_and_diff(tmp_path: Path) -> None:
    dsn = f"sqlite:///{tmp_path / 'r.db'}"
    _publish(dsn, ("hello", "world"), ("hello",))
    with _serving(dsn) as client:
        history = client.get("/graphs/main/versions").json()["versions"]
        assert [v["version"] for v in history] == [2, 1]
        assert {"digest", "author", "createdAt", "message", "subgraphs"} <= set(history[0])
        assert len(client.get("/graphs/main/versions?limit=1").json()["versions"]) == 1
        assert client.get("/graphs/main/versions?limit=x").status_code == 400
        first = client.get("/graphs/main/versions/1")
        assert first.text == supergraph_sdl(("hello", "world"), URL)
        assert client.get("/graphs/main/versions/9").status_code == 404
        assert client.get("/graphs/main/versions/x").status_code == 400
        diff = client.get("/graphs/main/diff?from=1&to=2").json()
        assert diff["changes"] == [
            {
                "severity": "BREAKING",
                "code": "FIELD_REMOVED",
                "path": "Query.world",
                "message": "field Query.world was removed",
            }
        ]
        assert [g["version"] for g in client.get("/graphs").json()["graphs"]] == [2]
        assert client.get("/graphs/main/subgraphs").json() == {"version": 2, "subgraphs": []}
        assert client.get("/graphs/nope/subgraphs").status_code == 404
        assert client.get("/health").json() == {"status": "UP"}
