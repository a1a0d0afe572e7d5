"""`supergraph serve --workers N`: real processes on a free port, real HTTP.

Which worker accepts a connection is up to the kernel, so to show that every
worker serves, the test freezes one (SIGSTOP) and the others must answer.
"""

from __future__ import annotations

import os
import signal
import socket
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.http.serve_process import (
    GREETINGS,
    ServeProcess,
    alive,
    supergraph_sdl,
    wait_until,
)
from tests.kit.subgraph_server import SubgraphServer


@pytest.fixture(scope="module")
def greetings() -> Iterator[SubgraphServer]:
    with SubgraphServer(GREETINGS) as server:
        yield server


@pytest.fixture
def supergraph(tmp_path: Path, greetings: SubgraphServer) -> Path:
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph_sdl(("hello",), greetings.url))
    return path


def _samples(metrics_text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
    }


def _plan_lookups(router: ServeProcess) -> float:
    samples = _samples(httpx.get(f"{router.url}/metrics", timeout=5).text)
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "router_cache_lookups_total" and ("cache", "plan") in labels
    )


def test_every_worker_serves_and_metrics_add_up(
    tmp_path: Path, supergraph: Path, greetings: SubgraphServer
) -> None:
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        router.wait_healthy()
        workers = router.children()
        assert len(workers) == 2
        before = greetings.request_count
        for frozen in workers:
            os.kill(frozen, signal.SIGSTOP)
            try:
                for _ in range(3):
                    assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
            finally:
                os.kill(frozen, signal.SIGCONT)
        assert greetings.request_count - before == 6
        # Scraped from whichever worker accepts: each served 3, the sums say 6.
        samples = _samples(httpx.get(f"{router.url}/metrics", timeout=5).text)
        greetings_label = (("subgraph", "greetings"),)
        assert samples["router_subgraph_requests_total", greetings_label] == 6
        ok = (("operation", ""), ("outcome", "ok"))
        assert samples["router_requests_total", ok] == 6
        assert samples["router_request_duration_seconds_count", ok] == 6
        fetched = (("outcome", "ok"), ("subgraph", "greetings"))
        assert samples["router_subgraph_fetch_duration_seconds_count", fetched] == 6
        # Scrape-time counters reach the shared files within a second: 6 plan lookups.
        wait_until(lambda: _plan_lookups(router) == 6, what="6 plan cache lookups")
    finally:
        code = router.stop()
    assert code == 0
    assert not any(alive(pid) for pid in workers), "a worker outlived SIGTERM"


def test_sigterm_lets_requests_in_flight_finish(tmp_path: Path, greetings: SubgraphServer) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("slow",), greetings.url))
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        router.wait_healthy()
        workers = router.children()
        before = greetings.request_count
        with ThreadPoolExecutor(1) as pool:
            answer = pool.submit(router.query, "{ slow }")
            wait_until(lambda: greetings.request_count > before, what="the subgraph request")
            router.process.terminate()
            assert answer.result(timeout=30).json() == {"data": {"slow": "done"}}
        assert router.process.wait(timeout=30) == 0
    finally:
        router.stop()
    assert not any(alive(pid) for pid in workers)


def test_a_dead_worker_is_replaced(tmp_path: Path, supergraph: Path) -> None:
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        router.wait_healthy()
        first, second = router.children()
        # Edited without --hot-reload: the replacement still serves what the others do.
        supergraph.write_text("type Query {")
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: first not in router.children() and len(router.children()) == 2)
        (replacement,) = set(router.children()) - {second}
        os.kill(second, signal.SIGSTOP)  # only the replacement can answer now
        try:
            assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
        finally:
            os.kill(second, signal.SIGCONT)
        assert f"worker {first} exited with code -9; starting a new one" in router.stderr
        workers = router.children()
    finally:
        assert router.stop() == 0
    assert replacement in workers
    assert not any(alive(pid) for pid in workers)


def test_workers_stop_when_the_parent_is_killed(tmp_path: Path, supergraph: Path) -> None:
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        router.wait_healthy()
        workers = router.children()
        runtime = list(
            Path(tempfile.gettempdir()).glob(f"supergraph-workers-{router.process.pid}-*")
        )
        router.process.kill()
        wait_until(lambda: not any(alive(pid) for pid in workers), what="orphaned workers to stop")
    finally:
        router.stop()
    assert len(runtime) == 1 and runtime[0].is_dir()  # left behind: SIGKILL skips clean-up
    successor = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        successor.wait_healthy()
        assert not runtime[0].exists()  # the next supervisor removed the dead one's folder
    finally:
        successor.stop()


def _argument(pid: int, name: str) -> str:
    argv = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    return argv[argv.index(name) + 1]


def test_a_crash_loop_stops_the_router_with_status_1(tmp_path: Path, supergraph: Path) -> None:
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")
    try:
        router.wait_healthy()
        # Replacements start from the parent's snapshot of the files, not from the
        # files: break the snapshot, so they fail to start (exit 2) and, after 5
        # deaths, the parent gives up.
        workers = router.children()
        snapshot = _argument(workers[0], "--supergraph")
        assert snapshot != str(supergraph)
        Path(snapshot).write_text("type Query {")
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        assert router.process.wait(timeout=60) == 1
        assert "bad supergraph" in router.stderr
        assert "workers died 6 times within 60s; stopping" in router.stderr
    finally:
        router.stop()


def test_bad_files_are_reported_once_before_any_worker_starts(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text("type Query {")
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "3")
    assert router.process.wait(timeout=30) == 2
    router.stop()
    assert router.stderr.count("bad supergraph") == 1
    assert "serving on" not in router.stderr


def test_a_port_in_use_is_reported(tmp_path: Path, supergraph: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ("--supergraph", str(supergraph), "--workers", "2")
        router = ServeProcess(tmp_path, *args, port=port)
        assert router.process.wait(timeout=30) == 1
        router.stop()
    assert f"cannot listen on 127.0.0.1:{port}" in router.stderr
    assert "serving on" not in router.stderr
