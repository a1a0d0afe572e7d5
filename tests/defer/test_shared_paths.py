"""What the one-body path does around a plan's run, the @defer path does too
(docs/defer.md "Beside the parts"): the entity cache, demand control's actual cost, the
exposed query plan; and @defer in mutations (streamed) and in subscriptions (each
event whole). Real HTTP on loopback, the stub subgraphs of stubs.py counting their
requests, in both wire formats."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import httpx
import pytest

from tests.defer.stack import (
    CURRENT_ACCEPT,
    DEFER_ACCEPT,
    TIMEOUT,
    DeferStack,
    canonical,
    defer_stack,
    deferred,
    merged,
    multipart_parts,
)
from tests.defer.test_defer import HELD_NULLED, STOCK, plain, undeferred
from tests.subscriptions.clients import multipart_parts as subscription_parts
from tests.subscriptions.clients import sse_events
from tests.subscriptions.stack import SUBSCRIPTION, event, stack, until

FORMATS = {"deferSpec=20220824": DEFER_ACCEPT, "incrementalSpec=v0.2": CURRENT_ACCEPT}
CACHE = {"response_cache": {"enabled": True, "subgraph": {"all": {"ttl": "60s"}}}}

REVIEWED = """query {
  products { upc name
    ... @defer(label: "stock") { inStock }
    ... @defer(label: "reviews") { reviews { stars } } } }"""
"""Entity fetches in two deferred branches (inventory, reviews)."""


def metric(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def metrics(client: httpx.AsyncClient, stack: DeferStack) -> str:
    response = await client.get(stack.router.url + "/metrics", timeout=TIMEOUT)
    assert response.status_code == 200
    return response.text


# -- the entity cache ---------------------------------------------------------------------


@pytest.mark.parametrize("form", list(FORMATS))
async def test_a_second_deferred_request_is_answered_from_the_entity_cache(form: str) -> None:
    async with defer_stack(CACHE) as stack, httpx.AsyncClient() as client:
        first = await deferred(client, stack.url, REVIEWED, accept=FORMATS[form])
        assert stack.control.requests == {"products": 1, "inventory": 1, "reviews": 1}
        stack.control.requests.clear()
        second = await deferred(client, stack.url, REVIEWED, accept=FORMATS[form])
        # The root fetch and both deferred entity fetches were hits: no subgraph asked.
        assert sum(stack.control.requests.values()) == 0
        # The same parts' contents (hits land together: the fragments may share a part).
        assert second[0] == first[0] and len(second) >= 2
        assert canonical(merged(second)) == canonical(merged(first))
        text = await metrics(client, stack)
        hits = '{result="hit",type="Product"}'
        assert metric(text, "router_entity_cache_lookups_total", hits) == 6  # 2 fetches, 3 each


async def test_a_deferred_entity_with_an_error_is_not_kept() -> None:
    query = """query { products { upc ... @defer { reviews { body } } } }"""
    async with defer_stack(CACHE) as stack, httpx.AsyncClient() as client:
        first = await deferred(client, stack.url, query)
        stack.control.requests.clear()
        second = await deferred(client, stack.url, query)
        # p3's review body failed: that entity is asked again (the others are hits).
        assert stack.control.requests == {"reviews": 1}
        assert second == first


@pytest.mark.parametrize("form", list(FORMATS))
async def test_the_undeferred_operation_fills_the_cache_the_deferred_one_reads(form: str) -> None:
    async with defer_stack(CACHE) as stack, httpx.AsyncClient() as client:
        whole = await plain(client, stack, undeferred(STOCK))
        assert stack.control.requests == {"products": 1, "inventory": 1}
        stack.control.requests.clear()
        stack.control.gate.clear()  # inventory would hold a request: none comes
        parts = await deferred(client, stack.url, STOCK, accept=FORMATS[form])
        assert sum(stack.control.requests.values()) == 0
        assert stack.control.held == 0
        assert canonical(merged(parts)) == canonical(whole["data"])
        assert len(parts) == 2  # still in parts: the format the client asked for


async def test_a_deferred_partial_hit_asks_only_for_the_missing_entities() -> None:
    async with defer_stack(CACHE) as stack, httpx.AsyncClient() as client:
        one = """query { product(upc: "p2") { upc ... @defer { inStock } } }"""
        parts = await deferred(client, stack.url, one)
        assert parts[1]["incremental"][0]["data"] == {"inStock": False}
        assert stack.control.requests == {"products": 1, "inventory": 1}
        stack.control.requests.clear()
        parts = await deferred(client, stack.url, STOCK)
        # products' root answer is new; inventory is asked for p1 and p3 only.
        assert stack.control.requests == {"products": 1, "inventory": 1}
        items = parts[1]["incremental"]
        assert [i["data"]["inStock"] for i in items] == [True, False, True]


async def test_a_deferred_mutation_never_reads_nor_fills_the_cache() -> None:
    mutation = """mutation { rename(upc: "p1", name: "One") { upc ... @defer { inStock } } }"""
    async with defer_stack(CACHE) as stack, httpx.AsyncClient() as client:
        for _ in range(2):
            parts = await deferred(client, stack.url, mutation)
            assert parts[1]["incremental"][0]["data"] == {"inStock": True}
        assert stack.control.requests == {"products": 2, "inventory": 2}
        assert stack.control.calls == ["rename p1", "rename p1"]


# -- demand control -------------------------------------------------------------------


DEMAND = {
    "demand_control": {
        "enabled": True,
        "mode": "measure",
        "strategy": {"static_estimated": {"list_size": 10, "max": 1000}},
    }
}


@pytest.mark.parametrize("form", list(FORMATS))
async def test_the_actual_cost_of_a_deferred_answer_is_that_of_all_its_parts(form: str) -> None:
    query = """query { products { upc ... @defer { reviews { stars } } } }"""
    async with defer_stack(DEMAND) as stack, httpx.AsyncClient() as client:
        await plain(client, stack, undeferred(query))
        text = await metrics(client, stack)
        # 3 products (1 each) with 2 reviews (1 each): 9, the same with @defer.
        assert metric(text, "cost_actual_sum") == 9
        assert metric(text, "cost_actual_count") == 1
        estimated = metric(text, "cost_estimated_sum", '{cost_result="COST_OK"}')
        parts = await deferred(client, stack.url, query, accept=FORMATS[form])
        assert len(parts) >= 2
        text = await metrics(client, stack)
        assert metric(text, "cost_actual_sum") == 18
        assert metric(text, "cost_actual_count") == 2
        assert metric(text, "cost_estimated_sum", '{cost_result="COST_OK"}') == 2 * estimated
        assert metric(text, 'router_cost_results_total{result="COST_OK"}') == 2


async def test_the_actual_cost_counts_no_object_of_a_fragment_that_came_back_null() -> None:
    query = """query { products { upc ... @defer { reviews { body } } } }"""
    async with defer_stack(DEMAND) as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query)
        nulls = [i for p in parts[1:] for i in p["incremental"] if i["data"] is None]
        assert [i["path"] for i in nulls] == [["products", 2]]
        text = await metrics(client, stack)
        # 3 products, and the 2 reviews of p1 and of p2 (p3's item is null): 7.
        assert metric(text, "cost_actual_sum") == 7


async def test_the_actual_cost_counts_what_the_client_holds_when_a_fragment_fails() -> None:
    """v0.2: p3's failed body fails the fragment instead of nulling `product`, which the
    client holds: the actual cost counts that product, as the client's data has it."""
    async with defer_stack(DEMAND) as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, HELD_NULLED, accept=CURRENT_ACCEPT)
        assert parts[0]["data"] == {"product": {"upc": "p3"}}
        assert "errors" in parts[-1]["completed"][0]
        text = await metrics(client, stack)
        # The held product, once per selection of it (the cost walks the operation's
        # selections over the data); nulled in the copy, it was 0.
        assert metric(text, "cost_actual_sum") == 2


async def test_enforce_refuses_a_deferred_operation_before_any_fetch() -> None:
    enforce = {
        "demand_control": {
            "enabled": True,
            "mode": "enforce",
            "strategy": {"static_estimated": {"list_size": 10, "max": 5}},
        }
    }
    async with defer_stack(enforce) as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url, json={"query": STOCK}, headers={"accept": DEFER_ACCEPT}, timeout=TIMEOUT
        )
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
        assert sum(stack.control.requests.values()) == 0


# -- the exposed query plan -----------------------------------------------------------


EXPOSE = {"plugins": {"experimental.expose_query_plan": True}}


@pytest.mark.parametrize("form", list(FORMATS))
@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("apollo-expose-query-plan", "apolloQueryPlan"),
        ("apollo-query-plan-experimental", "queryPlan"),
    ],
)
async def test_the_exposed_plan_is_in_the_first_part(form: str, header: str, key: str) -> None:
    async with defer_stack(EXPOSE) as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url,
            json={"query": undeferred(STOCK)},
            headers={header: "true"},
            timeout=TIMEOUT,
        )
        whole_plan = response.json()["extensions"][key]
        parts = await _parts(client, stack, STOCK, FORMATS[form], {header: "true"})
    first, *rest = parts
    # The plan that runs: the operation's without @defer (docs/defer.md "Planning").
    assert first["extensions"] == {key: whole_plan}
    assert 'Fetch(service: "inventory")' in whole_plan["text"]
    assert all("extensions" not in part for part in rest)
    assert first["data"]["products"][0] == {"upc": "p1", "name": "Product p1"}


async def test_no_plan_without_the_header_or_with_the_plugin_off() -> None:
    async with defer_stack(EXPOSE) as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, STOCK)
        assert "extensions" not in parts[0]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await _parts(
            client, stack, STOCK, DEFER_ACCEPT, {"apollo-expose-query-plan": "true"}
        )
        assert "extensions" not in parts[0]


async def _parts(
    client: httpx.AsyncClient, stack: DeferStack, query: str, accept: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    async with client.stream(
        "POST",
        stack.url,
        json={"query": query},
        headers={"accept": accept, **headers},
        timeout=TIMEOUT,
    ) as response:
        assert response.status_code == 200
        return [part async for part in multipart_parts(response)]


# -- mutations ------------------------------------------------------------------------


MUTATION = """mutation {
  first: rename(upc: "p1", name: "One") { upc name ... @defer(label: "stock") { inStock } }
  restock(upc: "p2") { upc ... @defer(label: "reviews") { reviews { stars } } }
  last: rename(upc: "p3", name: "Three") { name }
}"""
"""Root fields in products, inventory, products: three fetches in that order."""


@pytest.mark.parametrize("form", list(FORMATS))
async def test_a_mutation_runs_its_root_fields_once_in_order_then_streams(form: str) -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        whole = await plain(client, stack, undeferred(MUTATION))
        without = dict(stack.control.requests)
        assert stack.control.calls == ["rename p1", "restock p2", "rename p3"]
        stack.control.calls.clear()
        stack.control.requests.clear()
        parts = await deferred(client, stack.url, MUTATION, accept=FORMATS[form])
        assert stack.control.calls == ["rename p1", "restock p2", "rename p3"]
        assert dict(stack.control.requests) == without
    first, *rest = parts
    assert first["data"] == {
        "first": {"upc": "p1", "name": "One"},
        "restock": {"upc": "p2"},
        "last": {"name": "Three"},
    }
    assert first["hasNext"] is True and rest and rest[-1]["hasNext"] is False
    assert canonical(merged(parts)) == canonical(whole["data"])
    if form == "deferSpec=20220824":
        items = {item["label"]: item for part in rest for item in part["incremental"]}
        assert items["stock"] == {"data": {"inStock": True}, "path": ["first"], "label": "stock"}
        assert items["reviews"]["path"] == ["restock"]


async def test_a_root_field_of_a_mutation_cannot_be_deferred() -> None:
    # graphql-js 17's rule (DeferStreamDirectiveOnRootField): root fields run serially,
    # deferring one would reorder writes.
    mutation = """mutation {
      first: rename(upc: "p1", name: "One") { name }
      ... @defer(label: "later") { restock(upc: "p2") { inStock } }
    }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url, json={"query": mutation}, headers={"accept": DEFER_ACCEPT}
        )
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "root mutation type" in error["message"]
        assert stack.control.calls == []


async def test_a_client_leaving_mid_mutation_does_not_cut_its_root_fields() -> None:
    mutation = """mutation {
      restock(upc: "p2") { upc ... @defer { reviews { stars } } }
      then: rename(upc: "p1", name: "One") { name }
    }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # restock, the first root field, is held
        request = asyncio.create_task(deferred(client, stack.url, mutation))
        await until(lambda: stack.control.held == 1, "restock to be held")
        request.cancel()  # the client leaves before the first part
        with contextlib.suppress(asyncio.CancelledError):
            await request
        stack.control.gate.set()
        # As without @defer: the mutation runs to its end, each root field once.
        await until(lambda: len(stack.control.calls) == 2, "the mutation to end")
        assert stack.control.calls == ["restock p2", "rename p1"]
        # The whole plan ran, as the same mutation's without @defer would have.
        assert stack.control.requests == {"inventory": 1, "products": 1, "reviews": 1}


async def test_a_deferred_mutations_fetches_never_join_another_requests() -> None:
    # Subgraph de-duplication is on by default: an entity fetch identical to one in
    # flight joins it, unless it follows a mutation (it must see that mutation's write).
    query = """query { product(upc: "p1") { upc ... @defer { inStock } } }"""
    mutation = """mutation { rename(upc: "p1", name: "One") { upc ... @defer { inStock } } }"""
    shared = 'router_subgraph_deduplicated_requests_total{subgraph="inventory"}'
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # the deferred inStock fetches are held
        both = [asyncio.create_task(deferred(client, stack.url, query)) for _ in range(2)]
        for _ in range(200):  # the second one joined the first's flight
            if metric(await metrics(client, stack), shared) == 1:
                break
            await asyncio.sleep(0.05)
        assert metric(await metrics(client, stack), shared) == 1
        stack.control.gate.set()
        answers = await asyncio.gather(*both)
        assert answers[0] == answers[1]
        assert stack.control.requests["inventory"] == 1
        stack.control.gate.clear()
        stack.control.requests.clear()
        both = [asyncio.create_task(deferred(client, stack.url, mutation)) for _ in range(2)]
        # Both held at once: two requests, neither joined the other's.
        await until(lambda: stack.control.held == 2, "both entity fetches at inventory")
        stack.control.gate.set()
        answers = await asyncio.gather(*both)
        assert answers[0] == answers[1]
        assert stack.control.requests["inventory"] == 2
        assert metric(await metrics(client, stack), shared) == 1


async def test_a_mutation_with_defer_over_plain_json_gets_defer_bad_header() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url, json={"query": MUTATION}, headers={"accept": "application/json"}
        )
        assert response.status_code == 406
        assert stack.control.calls == []  # refused before any root field ran


# -- subscriptions ---------------------------------------------------------------------


DEFERRED_SUBSCRIPTION = SUBSCRIPTION.replace(
    "user { name }", '... @defer(label: "user") { user { name } }'
)
SWITCHED_SUBSCRIPTION = SUBSCRIPTION.replace("($id: ID!)", "($id: ID!, $d: Boolean!)").replace(
    "user { name }", '... @defer(if: $d, label: "user") { user { name } }'
)


async def test_a_subscription_with_defer_is_refused_by_validation() -> None:
    # graphql-js 17's DeferStreamDirectiveOnValidOperationsRule; Apollo Router refuses it
    # too ("@defer is not supported on subscriptions").
    assert DEFERRED_SUBSCRIPTION != SUBSCRIPTION
    body = {"query": DEFERRED_SUBSCRIPTION, "variables": {"id": "1"}}
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        for accept in (MULTIPART_SUBSCRIPTION, "text/event-stream"):
            async with http.stream("POST", url, json=body, headers={"accept": accept}) as response:
                assert response.status_code == 200
                text = (await response.aread()).decode()
            assert "GRAPHQL_VALIDATION_FAILED" in text
            assert "Defer directive not supported on subscription operations" in text
        assert running.feed.opened == 0


MULTIPART_SUBSCRIPTION = (
    'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,'
    "multipart/mixed;deferSpec=20220824,application/json"
)


async def test_a_subscription_deferring_by_a_variable_gets_each_event_whole() -> None:
    # Validation lets `if: $d` through (it may be false); when it is true each event is
    # still answered whole: an event's answer is one part of the subscription's stream.
    body = {"query": SWITCHED_SUBSCRIPTION, "variables": {"id": "1", "d": True}}
    async with stack() as running, httpx.AsyncClient(timeout=10) as http:
        url = f"{running.url}/graphql"
        multipart = {"accept": MULTIPART_SUBSCRIPTION}
        async with http.stream("POST", url, json=body, headers=multipart) as response:
            assert response.status_code == 200
            assert 'subscriptionSpec="1.0"' in response.headers["content-type"]
            parts = subscription_parts(response)
            assert await anext(parts) == {"payload": event("1", "PLACED")}
            await running.feed.set("1", "PAID")
            assert await anext(parts) == {"payload": event("1", "PAID")}
        sse = {"accept": "text/event-stream"}
        async with http.stream("POST", url, json=body, headers=sse) as response:
            events = sse_events(response)
            assert await anext(events) == ("next", event("1", "PAID"))
