"""Cache sizes in /metrics: gauges read at scrape time, summed over live workers.

router_cache_bytes / router_cache_max_bytes / router_cache_entries {cache} (gauges),
router_cache_evictions_total {cache} and router_cache_rejections_total {cache, reason}.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from supergraph.executor.mock_transport import MockTransport
from supergraph.http.app import create_app
from supergraph.http.metrics import Metrics
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from tests.http.serve_process import GREETINGS, ServeProcess, supergraph_sdl, wait_until
from tests.kit.subgraph_server import SubgraphServer

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _cache(samples: Samples, name: str, cache: str) -> float:
    return samples[name, (("cache", cache),)]


async def test_cache_gauges_and_counters_are_read_from_the_caches_at_scrape_time() -> None:
    sdl = supergraph_sdl(("hello",), "http://127.0.0.1:1/graphql")
    options = RouterOptions(plan_cache_size=3, plan_cache_bytes=1 << 20)
    router = Router(load_supergraph(sdl), MockTransport(lambda *_: {"data": {}}), options)
    metrics = Metrics()
    create_app(router, metrics)
    for index in range(10):
        await router.execute(GraphQLRequest(f"{{ a{index}: hello }}"))
    samples = _samples(metrics.render().decode())
    assert _cache(samples, "router_cache_entries", "plan") == len(router.plans) == 3
    assert _cache(samples, "router_cache_bytes", "plan") == router.plans.bytes > 0
    assert _cache(samples, "router_cache_max_bytes", "plan") == 1 << 20
    assert _cache(samples, "router_cache_entries", "document") == 10
    assert _cache(samples, "router_cache_bytes", "apq") == 0  # the in-memory store, empty
    refused = (
        _cache(samples, "router_cache_evictions_total", "plan")
        + samples["router_cache_rejections_total", (("cache", "plan"), ("reason", "admission"))]
    )
    assert refused == 7
    # A reloaded app's caches replace the old ones in the gauges (nothing carried).
    fresh = Router(load_supergraph(sdl), MockTransport(lambda *_: {"data": {}}), options)
    create_app(fresh, metrics)
    samples = _samples(metrics.render().decode())
    assert _cache(samples, "router_cache_entries", "document") == 0
    assert _cache(samples, "router_cache_evictions_total", "plan") >= 0


def test_a_long_operation_name_is_not_kept_as_a_key() -> None:
    metrics = Metrics()
    name = "Op" + "x" * 100_000
    metrics.on_request(name, "ok", 0.01)
    assert all(len(operation or "") <= 64 for operation, _ in metrics._request_children)
    samples = _samples(metrics.render().decode())
    assert samples["router_requests_total", (("operation", "invalid"), ("outcome", "ok"))] == 1


@pytest.fixture(scope="module")
def greetings() -> Iterator[SubgraphServer]:
    with SubgraphServer(GREETINGS) as server:
        yield server


def test_worker_gauges_are_summed_and_a_dead_workers_are_dropped(
    tmp_path: Path, greetings: SubgraphServer
) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), greetings.url))
    router = ServeProcess(tmp_path, "--supergraph", str(supergraph), "--workers", "2")

    def documents() -> float:
        text = httpx.get(f"{router.url}/metrics", timeout=5).text
        return _cache(_samples(text), "router_cache_entries", "document")

    try:
        router.wait_healthy()
        idle, serving = router.children()
        os.kill(idle, signal.SIGSTOP)  # every request goes to `serving`
        try:
            for index in range(5):
                assert router.query(f"{{ a{index}: hello }}").json() == {
                    "data": {f"a{index}": "hi"}
                }
        finally:
            os.kill(idle, signal.SIGCONT)
        # Synced within a second, whichever worker answers the scrape: 5 + 0.
        wait_until(lambda: documents() == 5, what="5 cached documents over both workers")
        os.kill(serving, signal.SIGKILL)
        wait_until(lambda: len(set(router.children()) - {idle}) == 1, what="a replacement")
        wait_until(lambda: documents() == 0, what="the dead worker's gauges dropped")
    finally:
        assert router.stop() == 0
