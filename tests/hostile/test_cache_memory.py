"""Memory held for anonymous clients: every cache keyed by client text is bounded by bytes.

On main, 150 distinct operations each carrying a 1.5 MB string argument took the
router from 86 to 954 MiB (the document and plan caches were bounded by entry
count only). Here a router on the hostile system runs with small budgets
(`supergraph.query_planning.cache.in_memory`: 100 entries, 2 MiB per cache; APQ
1 MiB), so that scaled-down attacks overrun them many times within seconds;
what the caches hold is read from `/metrics` (`router_cache_bytes`, their own
accounting) and from the router object itself, never from RSS. One test sends
real 1.5 MB operations to the system's router with the default budgets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from subgraphs._common.seeding import product_upc
from supergraph.http.config import ConfigError, parse_config
from supergraph.http.server import build_app
from supergraph.pipeline.router import Router
from tests.e2e.system import System, parse_metrics
from tests.kit.asgi_server import ThreadedASGIServer

BUDGET = 2 << 20
APQ_BUDGET = 1 << 20
LIMIT = 100
CACHES = ("document", "plan", "authorized_plan", "apq")


class SmallRouter:
    def __init__(self, system: System) -> None:
        raw: dict[str, Any] = {
            **system.security_config(),
            "supergraph": {
                "query_planning": {"cache": {"in_memory": {"limit": LIMIT, "max_bytes": BUDGET}}}
            },
            "persisted_queries": {"memory_max_bytes": APQ_BUDGET},
        }
        self.system = system
        self.app = build_app(system.supergraph_sdl, parse_config(raw))
        self.server = ThreadedASGIServer(self.app, "router-small-caches", lifespan="on")
        self.server.start()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def router(self) -> Router:
        router = self.app.state.holder.router
        assert isinstance(router, Router)
        return router

    def post(self, query: str, **kwargs: Any) -> Any:
        return self.system.post(query, router=self.url, **kwargs)

    def post_hash(self, sha256: str) -> dict[str, Any]:
        """An APQ request with the hash only (no `query` key at all)."""
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
        response = self.system.client.post(f"{self.url}/graphql", json={"extensions": extensions})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = self.system.client.get(f"{self.url}/metrics")
        assert response.status_code == 200
        return parse_metrics(response.text)


@pytest.fixture(scope="module")
def small(system: System) -> Iterator[SmallRouter]:
    router = SmallRouter(system)
    try:
        yield router
    finally:
        router.server.stop()


def _gauge(samples: dict[Any, float], name: str, cache: str) -> float:
    return samples[name, (("cache", cache),)]


def _lookups(samples: dict[Any, float], cache: str, result: str) -> float:
    return samples["router_cache_lookups_total", (("cache", cache), ("result", result))]


def _search(tag: str, size: int) -> str:
    """The attack of issue 12: a distinct string argument of `size` bytes (the products
    subgraph refuses texts over 200 characters, after parsing them)."""
    return f'{{ search(text: "{tag}{"x" * size}", first: 1) {{ __typename }} }}'


def _lookup(tag: str, size: int) -> str:
    """The same weight for the router at less cost for the subgraph: an unknown upc."""
    return f'{{ product(upc: "{tag}{"x" * size}") {{ upc }} }}'


def _assert_within_budgets(small: SmallRouter) -> dict[Any, float]:
    samples = small.metrics()
    for cache in CACHES:
        held = _gauge(samples, "router_cache_bytes", cache)
        budget = _gauge(samples, "router_cache_max_bytes", cache)
        assert held <= budget, f"{cache}: {held} > {budget}"
        assert _gauge(samples, "router_cache_entries", cache) <= (
            LIMIT if cache != "apq" else 10_000
        )
    router = small.router
    for cache in (router.documents, router.plans, router.authorized_plans):
        assert cache.bytes <= BUDGET and len(cache) <= LIMIT
    return samples


def _healthy(small: SmallRouter) -> None:
    upc = product_upc(1)
    response = small.post(f'{{ product(upc: "{upc}") {{ upc name }} }}')
    assert response.status == 200 and response.body["data"]["product"]["upc"] == upc


def test_150_distinct_large_operations_leave_the_caches_within_their_budget(
    small: SmallRouter,
) -> None:
    # 50 KB each (1/40 of the budget), each sent twice: documents of 50 KB and plans of
    # 100 KB are heavy (over 1/256 of the budget), stored from their second use on, so
    # the attack fills the caches and then pushes on them.
    first_use = (("cache", "document"), ("reason", "first_use"))
    before = small.metrics()["router_cache_rejections_total", first_use]
    for index in range(150):
        for _ in range(2):
            response = small.post(_lookup(f"big-{index:04d}-", 50_000))
            assert response.status == 200 and response.body["data"] == {"product": None}
    samples = _assert_within_budgets(small)
    assert samples["router_cache_rejections_total", first_use] - before == 150
    # Held by the caches' own accounting: near the budget, not the 22 MB sent.
    held = sum(_gauge(samples, "router_cache_bytes", cache) for cache in ("document", "plan"))
    assert held <= 2 * BUDGET
    assert _gauge(samples, "router_cache_bytes", "document") > 0.5 * BUDGET  # it was used
    refused = (
        samples["router_cache_evictions_total", (("cache", "plan"),)]
        + samples["router_cache_rejections_total", (("cache", "plan"), ("reason", "admission"))]
    )
    assert refused > 0
    _healthy(small)


def test_entries_heavier_than_a_sixteenth_of_the_budget_are_not_cached(
    small: SmallRouter,
) -> None:
    before = small.metrics()
    oversize = (("cache", "document"), ("reason", "oversize"))
    for index in range(5):
        response = small.post(_lookup(f"huge-{index}-", 150_000))  # > 128 KiB
        assert response.status == 200
    after = _assert_within_budgets(small)
    assert (
        after["router_cache_rejections_total", oversize]
        - before["router_cache_rejections_total", oversize]
        == 5
    )
    assert not any(text.startswith('{ product(upc: "huge-') for text in small.router.documents)


def test_a_hot_set_stays_cached_while_a_flood_of_one_shot_operations_passes(
    small: SmallRouter,
) -> None:
    hot = [
        f'query Hot{n} {{ product(upc: "{product_upc(n % 5 + 1)}") {{ upc name }} }}'
        for n in range(20)
    ]
    for _ in range(3):
        for query in hot:
            assert small.post(query).status == 200
    before = small.metrics()
    sent = 0
    for index in range(150):
        # One-shot operations heavier than the hot ones (20 KB): 150 of them are 9 MB
        # of documents and plans for caches of 100 entries and 2 MiB each.
        assert small.post(_lookup(f"flood-{index:04d}-", 20_000)).status == 200
        if index % 5 == 0:
            query = hot[index // 5 % len(hot)]
            response = small.post(query)
            assert response.status == 200 and response.body["data"]["product"]["name"]
            sent += 1
    after = _assert_within_budgets(small)
    for cache in ("document", "plan"):
        hits = _lookups(after, cache, "hit") - _lookups(before, cache, "hit")
        assert hits == sent, f"{cache}: {hits} of the hot set's {sent} lookups hit"
    # Refused at their first use (heavy: over 16 KiB) or, had they been lighter, by
    # admission when they left the window.
    flood_refused = sum(
        after["router_cache_rejections_total", (("cache", "plan"), ("reason", reason))]
        - before["router_cache_rejections_total", (("cache", "plan"), ("reason", reason))]
        for reason in ("admission", "first_use")
    )
    assert flood_refused >= 100


def test_the_apq_memory_store_stays_within_its_budget_under_large_registrations(
    small: SmallRouter,
) -> None:
    normal = f'{{ product(upc: "{product_upc(2)}") {{ name }} }}'
    normal_hash = hashlib.sha256(normal.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": normal_hash}}
    assert small.post(normal, extensions=persisted).status == 200  # registered
    for _ in range(2):
        assert small.post_hash(normal_hash)["data"]["product"]["name"]
    for index in range(60):
        query = _lookup(f"apq-{index:03d}-", 40_000)  # 40 KB: admissible (max 64 KiB)
        digest = hashlib.sha256(query.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        assert small.post(query, extensions=extensions).status == 200
        if index % 10 == 0:  # the normal client's registration keeps working
            assert small.post_hash(normal_hash)["data"]["product"]["name"]
    samples = _assert_within_budgets(small)
    assert _gauge(samples, "router_cache_bytes", "apq") <= APQ_BUDGET
    assert samples["router_persisted_queries_total", (("result", "registered"),)] >= 61
    store = small.app.state.persisted.store
    assert store.queries.bytes <= APQ_BUDGET and normal_hash in store.queries


def _document_counts(router_url: str, client: Any) -> tuple[float, float]:
    """Plans refused as oversize, and the bytes the document cache holds (/metrics)."""
    samples = parse_metrics(client.get(f"{router_url}/metrics").text)
    oversize = samples["router_cache_rejections_total", (("cache", "plan"), ("reason", "oversize"))]
    return oversize, samples["router_cache_bytes", (("cache", "document"),)]


def test_a_1_5_mb_document_is_refused_unparsed_and_never_cached(system: System) -> None:
    """The default `limits.max_query_length` (256 Ki characters) refuses the Why's
    1.5 MB operations before the parser; the refusal is not kept under their text."""
    _, document_bytes = _document_counts(system.router_url, system.client)
    for index in range(4):
        response = system.post(_search(f"default-{index}-", 1_500_000))
        assert response.status == 400
        assert response.codes() == ["MAX_QUERY_LENGTH_EXCEEDED"]
    assert _document_counts(system.router_url, system.client)[1] == document_bytes


def test_the_default_budget_takes_a_1_5_mb_document_but_not_its_plan(system: System) -> None:
    """With the length limit raised, the default cache budgets (32 MiB a cache,
    entries up to 2 MiB) keep a 1.5 MB document (sent twice: a heavy entry is stored
    from its second use on) but not its plan."""
    url = system.start_router(limits={"max_query_length": 2_000_000})
    oversize, document_bytes = _document_counts(url, system.client)
    for index in range(4):
        for _ in range(2):
            response = system.post(_search(f"raised-{index}-", 1_500_000), router=url)
            assert response.status == 200
    after_oversize, after_bytes = _document_counts(url, system.client)
    # Each plan (the 1.5 MB text and a subgraph operation carrying it) is over 2 MiB.
    assert after_oversize - oversize == 8
    assert 4 * 1_500_000 <= after_bytes - document_bytes <= 4 * 1_600_000
    samples = parse_metrics(system.client.get(f"{url}/metrics").text)
    assert samples["router_cache_max_bytes", (("cache", "document"),)] == 32 << 20


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"supergraph": {"query_planning": {"cache": {"in_memory": {"max_bytes": 1000}}}}},
            "supergraph.query_planning.cache.in_memory.max_bytes: expected a number of bytes",
        ),
        (
            {"supergraph": {"query_planning": {"cache": {"in_memory": {"limit": 0}}}}},
            "supergraph.query_planning.cache.in_memory.limit: expected a positive whole number",
        ),
        (
            {
                "supergraph": {
                    "query_planning": {"cache": {"in_memory": {"max_bytes": "32 parsecs"}}}
                }
            },
            "supergraph.query_planning.cache.in_memory.max_bytes",
        ),
        (
            {"supergraph": {"query_planning": {"cache": {"redis": {}}}}},
            "supergraph.query_planning.cache.redis: unknown key",
        ),
        (
            {"supergraph": {"query_planning": []}},
            "supergraph.query_planning: expected a mapping",
        ),
        (
            {"persisted_queries": {"memory_max_bytes": -1}},
            "persisted_queries.memory_max_bytes: expected a number of bytes",
        ),
    ],
)
def test_cache_budgets_are_validated_with_errors_naming_the_key(
    raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config(raw)


def test_cache_budgets_have_safe_defaults_and_can_be_set() -> None:
    default = parse_config({})
    assert default.supergraph.query_planning_cache.limit == 2_000
    assert default.supergraph.query_planning_cache.max_bytes == 32 << 20
    assert default.persisted_queries.memory_max_bytes == 16 << 20
    raw = {
        "supergraph": {"query_planning": {"cache": {"in_memory": {"max_bytes": 1 << 20}}}},
        "persisted_queries": {"memory_max_bytes": 1 << 20},
    }
    config = parse_config(raw)
    assert config.supergraph.query_planning_cache.max_bytes == 1 << 20
    assert config.supergraph.query_planning_cache.limit == 2_000
    assert config.persisted_queries.memory_max_bytes == 1 << 20


def test_cache_budgets_take_apollo_routers_size_spelling() -> None:
    raw = {"supergraph": {"query_planning": {"cache": {"in_memory": {"max_bytes": "64MiB"}}}}}
    assert parse_config(raw).supergraph.query_planning_cache.max_bytes == 64 << 20
    apq = parse_config({"persisted_queries": {"memory_max_bytes": "1mb"}}).persisted_queries
    assert apq.memory_max_bytes == 1_000_000
