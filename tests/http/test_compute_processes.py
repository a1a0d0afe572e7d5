"""`compute_jobs.processes`: a served router compiles fresh operations in a child
process (executor/compute_process.py), one per loaded supergraph; a hot reload
replaces it with one that loaded the new supergraph. Over real HTTP on loopback;
the process table says which children exist (counting, no timing)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from supergraph.http.config import ComputeJobsConfig, ConfigError, RouterConfig, parse_config
from supergraph.http.server import router_options
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


def test_a_reload_replaces_the_compile_process_with_one_of_the_new_supergraph(
    tmp_path: Path, greetings: SubgraphServer
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
    router = ServeProcess(
        tmp_path, "--supergraph", str(supergraph), "--hot-reload", "--reload-interval", "0.1"
    )
    try:
        router.wait_healthy()
        assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
        wait_until(lambda: len(router.compile_processes()) == 1, what="one compile process")
        [first] = router.compile_processes()
        refused = router.query("{ hello world }").json()
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

        supergraph.write_text(supergraph_sdl(("hello", "world"), greetings.url))
        # A fresh document, compiled by the new router's child: it knows `world`.
        wait_until(
            lambda: (
                router.query("{ world hello }").json().get("data")
                == {"world": "earth", "hello": "hi"}
            ),
            what="the new supergraph",
        )
        wait_until(lambda: not alive(first), what="the old compile process to exit")
        # The new router's child starts in the background (its first jobs run on its
        # thread meanwhile).
        wait_until(lambda: len(router.compile_processes()) == 1, what="the new compile process")
        [second] = router.compile_processes()
        assert second != first
        metrics = httpx.get(f"{router.url}/metrics", timeout=5).text
        assert 'router_compute_jobs_total{outcome="failed"} 0.0' in metrics
    finally:
        assert router.stop() == 0
    wait_until(lambda: not alive(second), what="the compile process to exit with the router")


def test_processes_zero_compiles_on_the_thread(tmp_path: Path, greetings: SubgraphServer) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
    config = tmp_path / "router.yaml"
    config.write_text("compute_jobs:\n  processes: 0\n")
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--config", str(config))
    try:
        router.wait_healthy()
        assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
        assert router.compile_processes() == []
    finally:
        assert router.stop() == 0


def test_the_config_key_and_its_default() -> None:
    assert RouterConfig().compute_jobs == ComputeJobsConfig(None)
    assert parse_config({"compute_jobs": {"processes": 2}}).compute_jobs.processes == 2
    for bad in (-1, 33, True, "1"):
        message = f"compute_jobs.processes: expected 0 to 32, got {bad!r}"
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_config({"compute_jobs": {"processes": bad}})
    with pytest.raises(ConfigError, match=r"compute_jobs\.threads: unknown key"):
        parse_config({"compute_jobs": {"threads": 1}})
    # Unset: one process, none under --workers (whose metrics are file-backed).
    single: Any = SimpleNamespace(multiprocess_dir=None, on_fetch=None)
    worker: Any = SimpleNamespace(multiprocess_dir="/tmp/x", on_fetch=None)
    assert router_options(RouterConfig(), single).compute_processes == 1
    assert router_options(RouterConfig(), worker).compute_processes == 0
    chosen = RouterConfig(compute_jobs=ComputeJobsConfig(2))
    assert router_options(chosen, worker).compute_processes == 2
