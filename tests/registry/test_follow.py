"""`supergraph serve --supergraph-url`: a router follows the registry, switching to a
newly published supergraph under load without dropping a request, and starting from its
cache when the registry is down."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from supergraph.registry.server import registry_app
from supergraph.registry.store import Registry
from tests.http.serve_process import ServeProcess, greetings_server, supergraph_sdl, wait_until
from tests.kit.asgi_server import ThreadedASGIServer


@pytest.fixture(scope="module")
def greetings() -> Iterator[str]:
    with greetings_server() as url:
        yield url


def _publish(dsn: str, fields: tuple[str, ...], subgraph_url: str) -> None:
    async def run() -> None:
        registry = await Registry.open(dsn)
        try:
            await registry.publish("main", supergraph_sdl(fields, subgraph_url), [], "ci")
        finally:
            await registry.close()

    asyncio.run(run())


class _Load:
    """One client sending `{ hello }` over a keep-alive connection until stopped."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[tuple[int, object]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                response = client.post(f"{self.url}/graphql", json={"query": "{ hello }"})
                self.answers.append((response.status_code, response.json()))

    def __enter__(self) -> _Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=20)


def test_a_published_version_is_picked_up_under_load_without_dropping_requests(
    tmp_path: Path, greetings: str
) -> None:
    dsn = f"sqlite:///{tmp_path / 'registry.db'}"
    _publish(dsn, ("hello",), greetings)
    registry = ThreadedASGIServer(registry_app(dsn), "registry", lifespan="on")
    registry.start()
    cache = tmp_path / "cache.graphql"
    source = ["--supergraph-url", f"{registry.url}/graphs/main/supergraph"]
    router = ServeProcess(
        tmp_path, *source, "--supergraph-cache", str(cache), "--reload-interval", "0.2"
    )
    try:
        router.wait_healthy()
        invalid = router.query("{ world }").json()  # not in version 1
        assert invalid["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        with _Load(router.url) as load:
            wait_until(lambda: len(load.answers) >= 20, what="load before publishing")
            _publish(dsn, ("hello", "world"), greetings)
            wait_until(
                lambda: router.query("{ world }").json().get("data") == {"world": "earth"},
                what="version 2 served",
            )
            seen = len(load.answers)
            wait_until(lambda: len(load.answers) >= seen + 20, what="load after the switch")
        assert len(load.answers) >= 40
        assert all(answer == (200, {"data": {"hello": "hi"}}) for answer in load.answers)
        assert "registry: version 2 of" in router.stderr
        assert cache.read_text() == supergraph_sdl(("hello", "world"), greetings)
    finally:
        router.stop()
        registry.stop()
    # The registry is down now: a new router starts from the cache, serving version 2.
    again = ServeProcess(tmp_path, *source, "--supergraph-cache", str(cache))
    try:
        again.wait_healthy()
        assert again.query("{ world }").json() == {"data": {"world": "earth"}}
        assert "registry unavailable" in again.stderr
    finally:
        again.stop()


def test_no_registry_and_no_cache_is_a_start_up_error(tmp_path: Path) -> None:
    router = ServeProcess(
        tmp_path,
        "--supergraph-url",
        "http://127.0.0.1:9/graphs/main/supergraph",
        "--supergraph-cache",
        str(tmp_path / "none.graphql"),
    )
    try:
        assert router.process.wait(timeout=30) == 2
        expected = "supergraph serve: http://127.0.0.1:9/graphs/main/supergraph: ConnectError"
        assert expected in router.stderr
    finally:
        router.stop()
