"""`supergraph serve --hot-reload`: new files are picked up, bad ones are not, and
requests already running finish on the app they started on."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import GraphQLSchema
from prometheus_client.parser import text_string_to_metric_families
from starlette.requests import Request
from starlette.responses import Response

from supergraph.http.metrics import Metrics
from supergraph.http.reload import FileWatch, ReloadingApp
from tests.http.loopback import GraphQLApp, serve
from tests.http.serve_process import (
    GREETINGS,
    ServeProcess,
    free_port,
    supergraph_sdl,
    wait_until,
)
from tests.kit.subgraph_server import SubgraphServer, build_subgraph_schema

HELLO_WORLD = {"data": {"hello": "hi", "world": "earth"}}


@pytest.fixture(scope="module")
def greetings() -> Iterator[SubgraphServer]:
    with SubgraphServer(GREETINGS) as server:
        yield server


def _reloads(router: ServeProcess) -> tuple[float, float]:
    """router_reloads_total (success, failure), summed over workers."""
    metrics = httpx.get(f"{router.url}/metrics", timeout=5).text
    counts = {"success": 0.0, "failure": 0.0}
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            if sample.name == "router_reloads_total":
                counts[sample.labels["outcome"]] = sample.value
    return counts["success"], counts["failure"]


def _everywhere(router: ServeProcess, query: str, data: object) -> bool:
    """Whether every worker answers `query` with `data`: with several, each in turn
    is the only one not frozen (SIGSTOP), so it must accept the connection."""
    workers = router.children()
    if len(workers) < 2:
        return bool(router.query(query).json().get("data") == data)
    for serving in workers:
        frozen = [pid for pid in workers if pid != serving]
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            answer = router.query(query).json().get("data")
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        if answer != data:
            return False
    return True


@pytest.mark.parametrize("workers", ["1", "2"])
def test_new_supergraph_is_served_and_a_bad_one_is_not(
    tmp_path: Path, greetings: SubgraphServer, workers: str
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
    args = ("--supergraph", str(supergraph), "--hot-reload", "--reload-interval", "0.1")
    router = ServeProcess(tmp_path, *args, "--workers", workers)
    try:
        router.wait_healthy()
        wait_until(lambda: _everywhere(router, "{ hello }", {"hello": "hi"}))
        assert "errors" in router.query("{ hello world }").json()  # not in supergraph A

        supergraph.write_text(supergraph_sdl(("hello", "world"), greetings.url))
        wait_until(lambda: _everywhere(router, "{ hello world }", HELLO_WORLD["data"]), what="B")

        supergraph.write_text("type Query {")
        # Every worker counts the failure; with workers, the parent (which watches
        # the files for them all) logs it, once.
        wait_until(lambda: _reloads(router)[1] == int(workers), what="a failed reload")
        assert router.stderr.count("hot reload failed") == 1
        failure = next(line for line in router.stderr.splitlines() if "hot reload failed" in line)
        assert "still serving the previous supergraph" in failure
        assert f"bad supergraph {supergraph}" in failure
        assert "Syntax Error" in failure
        assert _everywhere(router, "{ hello world }", HELLO_WORLD["data"])
        health = httpx.get(f"{router.url}/health", timeout=5)
        assert (health.status_code, health.json()) == (200, {"status": "UP"})

        # A good file after a bad one is picked up again.
        # (C drops `world` again: a field that B also had would not tell them apart.)
        supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
        wait_until(lambda: _everywhere(router, "{ hello world }", None), what="C")
        assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
        assert _reloads(router)[0] >= 2
    finally:
        assert router.stop() == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_changed_config_is_reloaded(
    tmp_path: Path, greetings: SubgraphServer, workers: str
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
    config = tmp_path / "router.yaml"
    # Nothing listens there: the subgraph fetch fails until the override is gone.
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"
    config.write_text(f"subgraphs:\n  greetings:\n    url: {nowhere}\n")
    args = ("--supergraph", str(supergraph), "--config", str(config), "--hot-reload")
    router = ServeProcess(tmp_path, *args, "--reload-interval", "0.1", "--workers", workers)
    try:
        router.wait_healthy()
        wait_until(lambda: _everywhere(router, "{ hello }", {"hello": None}))
        assert router.query("{ hello }").json()["data"] == {"hello": None}

        config.write_text("subgraph_timeout: soon\n")
        wait_until(lambda: "hot reload failed" in router.stderr)
        assert f"bad configuration: {config}: subgraph_timeout: expected" in router.stderr
        assert router.query("{ hello }").json()["data"] == {"hello": None}

        config.write_text("subgraph_timeout: 5\n")
        wait_until(lambda: _everywhere(router, "{ hello }", {"hello": "hi"}))
    finally:
        assert router.stop() == 0


class _Announcing(GraphQLApp):
    def __init__(self, schema: GraphQLSchema, delay: float) -> None:
        super().__init__(schema, delay)
        self.received = asyncio.Event()

    async def handle(self, request: Request) -> Response:
        self.received.set()
        return await super().handle(request)


async def test_requests_in_flight_finish_on_the_app_they_started_on(tmp_path: Path) -> None:
    subgraph = _Announcing(build_subgraph_schema(GREETINGS), delay=0.3)
    async with serve(subgraph.app) as base:
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(supergraph_sdl(("hello",), f"{base}/graphql"))
        app = ReloadingApp(str(supergraph), None, Metrics(), interval=3600)
        old = app.app
        closed: list[str] = []
        close_old = old.state.aclose

        async def record_close() -> None:
            closed.append("old")
            await close_old()

        old.state.aclose = record_close
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
            slow = asyncio.create_task(client.post("/graphql", json={"query": "{ hello }"}))
            async with asyncio.timeout(10):
                await subgraph.received.wait()  # the request now waits on the subgraph
            supergraph.write_text(supergraph_sdl(("hello", "world"), f"{base}/graphql"))
            assert await app.reload()
            assert app.app is not old
            assert closed == []  # still serving the slow request
            new = await client.post("/graphql", json={"query": "{ hello world }"})
            assert new.json() == HELLO_WORLD
            assert (await slow).json() == {"data": {"hello": "hi"}}
            assert closed == ["old"]
            await app.app.state.aclose()


def test_file_watch_sees_settled_content_changes_not_touches(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text("A")
    watch = FileWatch([str(path)])
    assert watch.changed() == []
    os.utime(path, ns=(1, 1))  # touched: same content
    assert watch.changed() == []
    assert watch.changed() == []
    path.write_text("B")
    os.utime(path, ns=(2, 2))
    assert watch.changed() == []  # maybe still being written
    path.write_text("BC")
    os.utime(path, ns=(3, 3))
    assert watch.changed() == []  # it was: not settled yet
    assert watch.changed() == [str(path)]
    assert watch.changed() == []
    path.unlink()
    assert watch.changed() == []
    assert watch.changed() == [str(path)]
    assert watch.changed() == []
