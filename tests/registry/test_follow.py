"""`supergraph serve --supergraph-url`: a router follows the registry, switching to each
newly published supergraph while clients send requests, none failing (counted), starting
from its cache when the registry is down; and check -> publish -> pick up on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from supergraph.__main__ import main
from supergraph.registry.server import registry_app
from supergraph.registry.store import Registry
from tests.http.serve_process import ServeProcess, greetings_server, supergraph_sdl, wait_until
from tests.kit.asgi_server import ThreadedASGIServer
from tests.kit.postgres import fresh_database


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
    """`clients` threads, each sending `{ hello }` over its keep-alive connection until
    stopped; every answer that is not 200 `{"data": {"hello": "hi"}}`, and every
    transport error, is a failure."""

    def __init__(self, url: str, clients: int = 4) -> None:
        self.url = url
        self.answered = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.post(f"{self.url}/graphql", json={"query": "{ hello }"})
                    ok = response.status_code == 200 and response.json() == {
                        "data": {"hello": "hi"}
                    }
                    failure = "" if ok else f"{response.status_code} {response.text}"
                except httpx.HTTPError as error:
                    failure = f"{type(error).__name__}: {error}"
                with self._lock:
                    self.answered += 1
                    if failure:
                        self.failures.append(failure)

    def wait_for_more(self, count: int, what: str) -> None:
        seen = self.answered
        wait_until(lambda: self.answered >= seen + count, timeout=60, what=what)

    def __enter__(self) -> _Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in self._threads)


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
            load.wait_for_more(20, "load before publishing")
            _publish(dsn, ("hello", "world"), greetings)
            wait_until(
                lambda: router.query("{ world }").json().get("data") == {"world": "earth"},
                what="version 2 served",
            )
            load.wait_for_more(20, "load after the first switch")
            _publish(dsn, ("hello", "world", "slow"), greetings)
            wait_until(
                lambda: router.query("{ slow }").json().get("data") == {"slow": "done"},
                what="version 3 served",
            )
            load.wait_for_more(20, "load after the second switch")
        assert load.answered >= 60
        assert load.failures == []
        assert "registry: version 2 of" in router.stderr
        assert "registry: version 3 of" in router.stderr
        assert cache.read_text() == supergraph_sdl(("hello", "world", "slow"), greetings)
    finally:
        router.stop()
        registry.stop()
    # The registry is down now: a new router starts from the cache, serving version 3.
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


GREETINGS_V1 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
    "type Query { hello: String }\n"
)


@pytest.fixture
def postgres() -> Iterator[str]:
    with fresh_database("registry_follow") as url:
        yield url


@pytest.mark.postgres
def test_check_publish_and_a_router_picks_it_up_from_postgresql(
    tmp_path: Path, greetings: str, postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The deployment the issue asks for, each step by its command: `supergraph check`
    against the registry, `supergraph publish` to PostgreSQL, the router switching."""
    graph = f"follow-{uuid.uuid4().hex[:8]}"
    registry = ["--registry", postgres, "--graph", graph]
    sdl = tmp_path / "greetings.graphql"
    sdl.write_text(GREETINGS_V1)
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        f"subgraphs:\n  greetings:\n    routing_url: {greetings}\n    schema:\n      file: {sdl}\n"
    )
    publish = ["publish", *registry, "--config", str(config), "--author", "ci"]
    assert main(publish) == 0
    api = ThreadedASGIServer(registry_app(postgres), "registry", lifespan="on")
    api.start()
    source = ["--supergraph-url", f"{api.url}/graphs/{graph}/supergraph"]
    cache = ["--supergraph-cache", str(tmp_path / "cache.graphql")]
    router = ServeProcess(tmp_path, *source, *cache, "--reload-interval", "0.2")
    try:
        router.wait_healthy()
        proposed = tmp_path / "proposed.graphql"
        proposed.write_text(GREETINGS_V1.replace("hello: String", "hello: String world: String"))
        check = ["check", "--subgraph", "greetings", "--schema", str(proposed)]
        capsys.readouterr()
        assert main([*check, "--registry", api.url, "--graph", graph, "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert [(c["severity"], c["path"]) for c in report["changes"]] == [("SAFE", "Query.world")]
        sdl.write_text(proposed.read_text())
        with _Load(router.url) as load:
            load.wait_for_more(20, "load before publishing")
            assert main(publish) == 0
            wait_until(
                lambda: router.query("{ world }").json().get("data") == {"world": "earth"},
                what="version 2 served",
            )
            load.wait_for_more(20, "load after the switch")
        assert load.failures == []
    finally:
        router.stop()
        api.stop()
    capsys.readouterr()
    assert main(["registry", "history", *registry, "--json"]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["author"]) for v in versions] == [(2, "ci"), (1, "ci")]
