"""The entity cache (router.yaml `response_cache`) over real HTTP, against the real Redis.

A router with the cache on, in front of the bundled subgraphs (which send a
Cache-Control per type and root field, subgraphs/*/app.py): what a second query
costs is counted in the subgraphs' own SQL statement counters and in the requests
(and representations) they receive. Each router here has its own Redis namespace,
so tests (and other suites sharing the server) never see each other's entries.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import nats
import pytest

from tests.e2e.system import System, parse_metrics
from tests.kit.asgi_server import ThreadedASGIServer
from tests.kit.redis_namespace import REDIS_URL, RedisNamespace

SHARED_KEY = "test-invalidation-key"

LATEST = """
query Latest($n: Int!) {
  latestReviews(first: $n) { id rating product { upc name price { amount currency } } }
}
"""

RATINGS = """
query Ratings($n: Int!) { products(first: $n) { edges { node { upc averageRating } } } }
"""

ME = "{ me { id username email } }"


def cache_config(namespace: str, **invalidation: Any) -> dict[str, Any]:
    return {
        "response_cache": {
            "enabled": True,
            "invalidation": {"path": "/invalidation", **invalidation},
            "subgraph": {
                "all": {
                    "ttl": "60s",
                    "redis": {"urls": [REDIS_URL], "namespace": namespace},
                    "invalidation": {"enabled": True, "shared_key": SHARED_KEY},
                }
            },
        }
    }


@pytest.fixture
def namespace() -> Iterator[str]:
    with RedisNamespace("cache") as name:
        yield name


@pytest.fixture
def cached(system: System, namespace: str) -> str:
    """A router with the entity cache on, in Redis."""
    return system.start_router(extra=cache_config(namespace))


def representations(system: System, subgraph: str, mark: int) -> list[list[Any]]:
    """The `representations` of each `_entities` request `subgraph` got since `mark`."""
    return [
        body["variables"]["representations"]
        for body in system.counters[subgraph].since(mark)
        if isinstance(body, dict) and "representations" in (body.get("variables") or {})
    ]


def lookups(system: System, router: str) -> dict[tuple[str, str], float]:
    response = system.client.get(f"{router}/metrics")
    counts: dict[tuple[str, str], float] = {}
    for (name, labels), value in parse_metrics(response.text).items():
        if name == "router_entity_cache_lookups_total":
            label = dict(labels)
            counts[label["type"], label["result"]] = value
    return counts


def test_a_second_identical_query_costs_no_sql_statement(system: System, cached: str) -> None:
    first = system.post(LATEST, {"n": 5}, router=cached)
    assert first.status == 200 and not first.errors, first.body
    with system.measure() as second_cost:
        second = system.post(LATEST, {"n": 5}, router=cached)
    assert second.body == first.body
    assert second_cost.statements["reviews"] == 0
    assert second_cost.statements["products"] == 0
    assert second_cost.requests["reviews"] == 0 and second_cost.requests["products"] == 0
    # The same query without the cache does cost statements: the counters can tell.
    with system.measure() as uncached_cost:
        system.post(LATEST, {"n": 5})
    assert uncached_cost.statements["reviews"] >= 1 and uncached_cost.statements["products"] >= 1


def test_the_response_carries_the_minimum_cache_control(system: System, cached: str) -> None:
    response = system.client.post(
        f"{cached}/graphql", json={"query": LATEST, "variables": {"n": 3}}
    )
    # latestReviews: max-age=10 (reviews), Product: 60 (products): the minimum, public.
    assert response.headers["cache-control"] == "max-age=10,public"
    again = system.client.post(f"{cached}/graphql", json={"query": LATEST, "variables": {"n": 3}})
    age = again.headers["cache-control"]
    assert age.endswith(",public") and 1 <= int(age.split(",")[0].split("=")[1]) <= 10


def test_a_partial_hit_fetches_only_the_missing_entities(system: System, cached: str) -> None:
    two = system.post(RATINGS, {"n": 2}, router=cached)
    assert not two.errors, two.body
    first_two = [edge["node"]["upc"] for edge in two.data["products"]["edges"]]
    mark = system.counters["reviews"].count
    four = system.post(RATINGS, {"n": 4}, router=cached)
    assert not four.errors, four.body
    upcs = [edge["node"]["upc"] for edge in four.data["products"]["edges"]]
    assert upcs[:2] == first_two
    sent = representations(system, "reviews", mark)
    # One request, with only the two products the first query did not ask about.
    assert [[rep["upc"] for rep in reps] for reps in sent] == [upcs[2:]]
    uncached = system.post(RATINGS, {"n": 4})
    assert four.data == uncached.data


def test_private_data_of_one_user_is_never_served_to_another(system: System, cached: str) -> None:
    seven = system.post(ME, router=cached, headers=system.as_user(7))
    eight = system.post(ME, router=cached, headers=system.as_user(8))
    assert seven.data["me"]["id"] == "7" and eight.data["me"]["id"] == "8"
    with system.measure() as again:
        seven_again = system.post(ME, router=cached, headers=system.as_user(7))
        eight_again = system.post(ME, router=cached, headers=system.as_user(8))
    assert seven_again.body == seven.body and eight_again.body == eight.body
    assert again.statements["accounts"] == 0  # each one's own entry, from the cache
    anonymous = system.post(ME, router=cached)
    assert anonymous.data == {"me": None}
    response = system.client.post(
        f"{cached}/graphql", json={"query": ME}, headers=system.as_user(7)
    )
    assert response.headers["cache-control"].endswith(",private")


def test_invalidation_by_type_and_key_through_the_endpoint(system: System, cached: str) -> None:
    first = system.post(LATEST, {"n": 5}, router=cached)
    upc = first.data["latestReviews"][0]["product"]["upc"]
    url = f"{cached}/invalidation"
    body = [{"kind": "entity", "subgraph": "products", "type": "Product", "key": {"upc": upc}}]
    refused = system.client.post(url, json=body, headers={"authorization": "wrong"})
    assert refused.status_code == 401
    bad = system.client.post(url, json=[{"kind": "entity"}], headers={"authorization": SHARED_KEY})
    assert bad.status_code == 400
    mark = system.counters["products"].count
    done = system.client.post(url, json=body, headers={"authorization": SHARED_KEY})
    assert done.status_code == 200 and done.json()["count"] >= 1
    again = system.post(LATEST, {"n": 5}, router=cached)
    assert again.body == first.body
    # Only the invalidated product was asked again.
    assert [[rep["upc"] for rep in reps] for reps in representations(system, "products", mark)] == [
        [upc]
    ]


def test_redis_down_degrades_to_fetching(system: System, namespace: str) -> None:
    config = cache_config(namespace)
    config["response_cache"]["subgraph"]["all"]["redis"]["urls"] = ["redis://127.0.0.1:1"]
    router = system.start_router(extra=config)
    with system.measure() as cost:
        response = system.post(LATEST, {"n": 2}, router=router)
        again = system.post(LATEST, {"n": 2}, router=router)
    assert response.status == 200 and not response.errors, response.body
    assert again.body == response.body
    assert cost.requests["reviews"] == 2  # nothing could be cached: both fetched


def test_metrics_count_hits_and_misses_per_type(system: System, cached: str) -> None:
    system.post(LATEST, {"n": 1}, router=cached)
    before = lookups(system, cached)
    system.post(LATEST, {"n": 1}, router=cached)
    after = lookups(system, cached)
    assert after[("Query", "hit")] - before.get(("Query", "hit"), 0) == 1
    assert after.get(("Product", "hit"), 0) - before.get(("Product", "hit"), 0) == 1


# -- invalidation from domain events ------------------------------------------------------

NATS_URL = "nats://127.0.0.1:4222"
PRICE = "query Price($upc: String!) { product(upc: $upc) { upc price { amount } } }"
UPDATE = """
mutation Update($upc: String!, $amount: Int!) {
  updateProduct(input: {upc: $upc, priceAmount: $amount}) { upc price { amount } }
}
"""


@pytest.fixture
def events_prefix() -> Iterator[str]:
    prefix = f"t{secrets.token_hex(5)}"
    yield prefix
    asyncio.run(_delete_streams(prefix))


async def _delete_streams(prefix: str) -> None:
    client = await nats.connect(NATS_URL)
    try:
        for stream in await client.jetstream().streams_info():
            if stream.config.name and stream.config.name.startswith(prefix.upper() + "_"):
                await client.jetstream().delete_stream(stream.config.name)
    finally:
        await client.close()


def products_with_events(system: System, prefix: str) -> ThreadedASGIServer:
    """One more products subgraph on the same SQLite file, with its outbox relayed to
    NATS (the shared system's subgraphs run without events)."""
    from events.config import EventsConfig
    from events.streams import Streams
    from subgraphs import registry
    from subgraphs._common.app import create_subgraph_app
    from subgraphs._common.config import DatabaseConfig
    from subgraphs._common.identity import SubgraphIdentity

    env = {
        "SUBGRAPHS_DATA_DIR": str(system.workdir / "data"),
        "SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE": str(system.workdir / "keys" / "router.pub"),
        "SUBGRAPHS_REQUIRE_IDENTITY": "1",
    }
    app = create_subgraph_app(
        registry.get("products").load(),
        DatabaseConfig.from_env("products", env),
        seed_scale=None,
        identity=SubgraphIdentity.from_env(env),
        events=EventsConfig(servers=(NATS_URL,), streams=Streams(prefix=prefix)),
    )
    server = ThreadedASGIServer(app, "products-events", lifespan="on")
    server.start()
    return server


def event_invalidations(system: System, router: str) -> float | None:
    """`router_entity_cache_invalidations_total{type=Product,origin=event}` (None: no event yet)."""
    samples = parse_metrics(system.client.get(f"{router}/metrics").text)
    key = ("router_entity_cache_invalidations_total", (("origin", "event"), ("type", "Product")))
    return samples.get(key)


def wait_for(check: Any, what: str) -> Any:
    """Polls `check` (bounded): the events travel through NATS, on a loaded machine."""
    for _ in range(300):
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _publish(subject: str, payload: dict[str, Any]) -> None:
    client = await nats.connect(NATS_URL)
    try:
        await client.publish(subject, json.dumps({"type": "probe", "payload": payload}).encode())
        await client.flush()
    finally:
        await client.close()


def test_a_product_update_event_invalidates_its_entries(
    system: System, namespace: str, events_prefix: str
) -> None:
    products = products_with_events(system, events_prefix)
    subject = f"{events_prefix}.products.ProductUpdated"
    rules = [{"subject": subject, "type": "Product", "key": {"upc": "upc"}}]
    config = cache_config(namespace, events={"urls": [NATS_URL], "rules": rules})
    router = system.start_router(urls={"products": f"{products.url}/graphql"}, extra=config)
    staff = system.as_user(2, ("catalog:write",))
    product = system.post(RATINGS, {"n": 1}, router=router).data["products"]["edges"][0]
    target = product["node"]["upc"]
    before = system.post(PRICE, {"upc": target}, router=router)
    price = before.data["product"]["price"]["amount"]
    try:
        # The router listens once a probe event reaches it (its subscription is up).
        def probed() -> bool:
            asyncio.run(_publish(subject, {"upc": "no-such-product"}))
            return event_invalidations(system, router) is not None

        wait_for(probed, "the router's event subscription")
        with system.measure() as cached_cost:
            assert system.post(PRICE, {"upc": target}, router=router).body == before.body
        assert cached_cost.statements["products"] == 0  # from the cache now
        counted = event_invalidations(system, router) or 0
        updated = system.post(
            UPDATE, {"upc": target, "amount": price + 100}, router=router, headers=staff
        )
        assert not updated.errors, updated.body
        wait_for(lambda: (event_invalidations(system, router) or 0) > counted, "the event")
        # No waiting for the TTL (60 s): the next query has the new price.
        after = system.post(PRICE, {"upc": target}, router=router)
        assert after.data["product"]["price"]["amount"] == price + 100
    finally:
        restored = system.post(
            UPDATE, {"upc": target, "amount": price}, router=router, headers=staff
        )
        products.stop()
    assert not restored.errors, restored.body
