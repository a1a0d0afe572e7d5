"""@defer through the router (docs/defer.md), over real loopback sockets: three stub
subgraphs (stubs.py), the router's own server, a multipart client reading each part
as it arrives."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from typing import Any
from unittest.mock import ANY

import httpx
import pytest

from supergraph.errors import (
    DEFER_BAD_HEADER,
    INTERNAL_SERVER_ERROR,
    MAX_DEFERRED_FRAGMENTS_EXCEEDED,
    SUBGRAPH_TIMEOUT,
    SUBREQUEST_HTTP_ERROR,
)
from supergraph.executor.execute import PlanExecutor, _Run
from supergraph.http.graphiql import GRAPHIQL_ACCEPT, graphiql_html
from supergraph.planner.plan import Fetch
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
from tests.subscriptions.stack import until

STOCK = """
query {
  products {
    upc
    name
    ... @defer(label: "stock") { inStock }
  }
}"""

CASES = {
    "entity fetch deferred": STOCK,
    "two fragments, two subgraphs": """
        query { products { upc ... @defer(label: "stock") { inStock }
                            ... @defer(label: "reviews") { reviews { stars } } } }""",
    "nested": """
        query { product(upc: "p1") { name
          ... @defer(label: "outer") { price reviews { stars ... @defer(label: "inner") { body } } }
        } }""",
    "same subgraph": """
        query { products { upc ... @defer(label: "price") { name price } } }""",
    "root fields": """
        query { product(upc: "p2") { name } ... @defer(label: "all") { products { upc inStock } } }""",
    "abstract type": """
        query { search { __typename
          ... on Product @defer(label: "product") { name inStock }
          ... on Article { title } } }""",
    "named fragment": """
        query { products { upc ...Stock @defer(label: "named") } }
        fragment Stock on Product { inStock name }""",
    "beside introspection": """
        query { __schema { queryType { name } } __type(name: "Product") { name }
                products { upc ... @defer(label: "stock") { inStock } } }""",
}

OVERLAPS = {
    "same field in primary and deferred": """
        query { products { upc name ... @defer(label: "again") { name inStock } } }""",
    "new fields under a held object": """
        query { product(upc: "p1") { name reviews { stars }
          ... @defer(label: "bodies") { reviews { stars body } } } }""",
    "overlapping fragments": """
        query { products { upc ... @defer(label: "a") { name price }
                            ... @defer(label: "b") { price inStock } } }""",
    "nothing new": """
        query { products { upc name ... @defer(label: "none") { name } } }""",
    "nested overlap": """
        query { product(upc: "p2") { name
          ... @defer(label: "outer") { price reviews { stars }
                ... @defer(label: "inner") { price reviews { stars body } } } } }""",
    "root field held": """
        query { products { upc } ... @defer(label: "root") { products { upc name } } }""",
    "nothing new around a deferred fragment": """
        query { product(upc: "p3") { name
          ... @defer(label: "held") { name ... @defer(label: "inside") { price } } } }""",
}
"""Deferred fragments selecting fields the client holds already (from the first part or
an earlier fragment): incrementalSpec=v0.2 sends each field once."""

ALL_HELD = {"nothing new"}
"""v0.2 answers these in one part: no fragment has a field of its own."""

NULLS = """query { products { upc ... @defer(label: "reviews") { reviews { body } } } }"""
"""p3's review body (non-null) is null: without @defer the null reaches `data`."""

HELD_NULLED = """query { product(upc: "p3") { upc }
  ... @defer(label: "a") { product(upc: "p3") { reviews { body } } } }"""
"""The fragment's non-null body nulls `product`, which the client holds already: the
null cannot reach it, the fragment fails instead (graphql-js)."""
HELD_LIST_NULLED = """query { products { upc }
  ... @defer(label: "a") { products { reviews { body } } } }"""
"""The same through a list: p3's null reaches the list item (and the list) the client holds."""
PER_OBJECT = """query { products { upc featured { id }
  ... @defer(label: "f") { featured { body } } } }"""
"""Only p1 has featured reviews: the client lacks something of the fragment on p1
alone, so only p1 is announced (graphql-js decides per object)."""


def undeferred(query: str) -> str:
    return re.sub(r"@defer(\([^)]*\))?", "", query)


async def plain(client: httpx.AsyncClient, stack: DeferStack, query: str) -> dict[str, Any]:
    response = await client.post(stack.url, json={"query": query}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in errors]


async def test_first_part_is_sent_while_the_deferred_subgraph_is_still_answering() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # inventory holds every answer
        body = {"query": STOCK}
        async with client.stream(
            "POST", stack.url, json=body, headers={"accept": DEFER_ACCEPT}, timeout=TIMEOUT
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == (
                'multipart/mixed; boundary="-"; deferSpec=20220824'
            )
            parts = multipart_parts(response)
            first = await anext(parts)
            # The first part arrived while inventory is still holding its answer.
            assert stack.control.held == 3  # its three products, in one request
            assert first == {
                "data": {
                    "products": [
                        {"upc": "p1", "name": "Product p1"},
                        {"upc": "p2", "name": "Product p2"},
                        {"upc": "p3", "name": "Product p3"},
                    ]
                },
                "hasNext": True,
            }
            stack.control.gate.set()
            rest = [part async for part in parts]
        assert rest == [
            {
                "hasNext": False,
                "incremental": [
                    {"data": {"inStock": True}, "path": ["products", 0], "label": "stock"},
                    {"data": {"inStock": False}, "path": ["products", 1], "label": "stock"},
                    {"data": {"inStock": True}, "path": ["products", 2], "label": "stock"},
                ],
            }
        ]
        # One request per subgraph, as without @defer.
        assert stack.control.requests == {"products": 1, "inventory": 1}


FORMATS = {"deferSpec=20220824": DEFER_ACCEPT, "incrementalSpec=v0.2": CURRENT_ACCEPT}


@pytest.mark.parametrize("form", list(FORMATS))
@pytest.mark.parametrize("name", [*CASES, *OVERLAPS])
async def test_merged_parts_equal_the_answer_without_defer(name: str, form: str) -> None:
    query = {**CASES, **OVERLAPS}[name]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        whole = await plain(client, stack, undeferred(query))
        without = dict(stack.control.requests)
        stack.control.requests.clear()
        parts = await deferred(client, stack.url, query, accept=FORMATS[form])
        with_defer = dict(stack.control.requests)
    assert ("pending" in parts[0]) is (form == "incrementalSpec=v0.2")
    if form == "incrementalSpec=v0.2" and name in ALL_HELD:
        assert [(part["pending"], part["hasNext"]) for part in parts] == [([], False)]
    else:
        assert parts[0]["hasNext"] is True
        assert parts[-1]["hasNext"] is False
        assert all(part["hasNext"] for part in parts[:-1])
        assert len(parts) >= 2
    assert canonical(merged(parts)) == canonical(whole["data"])
    assert with_defer == without  # the same fetches: the plan is the whole operation's


async def test_nested_fragment_follows_its_parent() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, CASES["nested"])
    labels = [item.get("label") for part in parts[1:] for item in part.get("incremental", [])]
    assert labels.index("outer") < labels.index("inner")
    assert parts[0] == {"data": {"product": {"name": "Product p1"}}, "hasNext": True}
    inner = [i for p in parts[1:] for i in p.get("incremental", []) if i.get("label") == "inner"]
    assert [i["path"] for i in inner] == [
        ["product", "reviews", 0],
        ["product", "reviews", 1],
    ]
    assert inner[0]["data"] == {"body": "Review p1-r1"}


async def test_errors_and_nulls_stay_in_their_part() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, NULLS)
        whole = await plain(client, stack, undeferred(NULLS))
    first, *rest = parts
    assert "errors" not in first  # the primary part is whole: p3's review is not in it
    assert [p["upc"] for p in first["data"]["products"]] == ["p1", "p2", "p3"]
    items = [item for part in rest for item in part.get("incremental", [])]
    by_path = {tuple(item["path"]): item for item in items}
    assert set(by_path) == {("products", 0), ("products", 1), ("products", 2)}
    assert "errors" not in by_path[("products", 0)]
    failed = by_path[("products", 2)]
    # body is non-null: its null reaches the fragment's object, and stops there.
    assert failed["data"] is None
    assert failed["errors"][0]["path"] == ["products", 2, "reviews", 0, "body"]
    # Without @defer the same null propagates to the root: products is [Product!]!.
    assert whole["data"] is None
    assert whole["errors"][0]["path"] == ["products", 2, "reviews", 0, "body"]


async def test_defer_if_false_is_not_deferred() -> None:
    query = """query ($d: Boolean!) {
      products { upc ... @defer(if: $d, label: "stock") { inStock } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        # Not deferred: one JSON body, whatever the client accepts.
        for accept in (DEFER_ACCEPT, "application/json"):
            response = await client.post(
                stack.url,
                json={"query": query, "variables": {"d": False}},
                headers={"accept": accept},
                timeout=TIMEOUT,
            )
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/")
            assert response.json()["data"]["products"][1] == {"upc": "p2", "inStock": False}
        parts = await deferred(client, stack.url, query, {"d": True})
        assert parts[0]["data"]["products"][1] == {"upc": "p2"}
        assert parts[1]["incremental"][0]["label"] == "stock"


async def test_a_client_without_multipart_gets_defer_bad_header() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url, json={"query": STOCK}, headers={"accept": "application/json"}
        )
        assert response.status_code == 406
        assert codes(response.json()["errors"]) == [DEFER_BAD_HEADER]
        # Nothing was fetched for it.
        assert sum(stack.control.requests.values()) == 0


async def test_a_batch_cannot_defer() -> None:
    async with defer_stack({"batching": {"enabled": True}}) as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url,
            json=[{"query": STOCK}, {"query": undeferred(STOCK)}],
            headers={"accept": DEFER_ACCEPT},
        )
        assert response.status_code == 200
        first, second = response.json()
        assert codes(first["errors"]) == [DEFER_BAD_HEADER]
        assert second["data"]["products"][0]["inStock"] is True


async def test_defer_support_off_answers_in_one_body() -> None:
    config = {"supergraph": {"defer_support": False}}
    async with defer_stack(config) as stack, httpx.AsyncClient() as client:
        for accept in (DEFER_ACCEPT, "application/json"):
            response = await client.post(
                stack.url, json={"query": STOCK}, headers={"accept": accept}, timeout=TIMEOUT
            )
            assert response.status_code == 200
            assert response.json()["data"]["products"][0] == {
                "upc": "p1",
                "name": "Product p1",
                "inStock": True,
            }


async def test_too_many_deferred_fragments_are_refused() -> None:
    config = {"limits": {"max_deferred_fragments": 1}}
    async with defer_stack(config) as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url,
            json={"query": CASES["two fragments, two subgraphs"]},
            headers={"accept": DEFER_ACCEPT},
        )
        assert response.status_code == 400  # a request error, graphql-response+json
        assert codes(response.json()["errors"]) == [MAX_DEFERRED_FRAGMENTS_EXCEEDED]
        assert sum(stack.control.requests.values()) == 0
        parts = await deferred(client, stack.url, STOCK)  # one is allowed
        assert len(parts) == 2


INVENTORY_TIMEOUT = {"traffic_shaping": {"subgraphs": {"inventory": {"timeout": "1s"}}}}


async def test_a_deferred_part_times_out_with_its_subgraph() -> None:
    async with defer_stack(INVENTORY_TIMEOUT) as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # inventory never answers
        parts = await deferred(client, stack.url, STOCK)
        stack.control.gate.set()
    assert parts[0]["data"]["products"][0] == {"upc": "p1", "name": "Product p1"}
    items = parts[1]["incremental"]
    assert [item["data"] for item in items] == [None, None, None]  # inStock is non-null
    # Each item says why it is null: the timeout at its own object.
    for item in items:
        timeouts = [e for e in item["errors"] if e["extensions"]["code"] == SUBGRAPH_TIMEOUT]
        assert [e["path"] for e in timeouts] == [item["path"]], item


@pytest.mark.parametrize("failure", ["null in a non-null field", "subgraph timeout"])
async def test_every_null_item_carries_its_errors(failure: str) -> None:
    """The response invariant per part: a null where the schema says non-null carries
    an error, in the item that holds the null."""
    timeout = failure == "subgraph timeout"
    async with (
        defer_stack(INVENTORY_TIMEOUT if timeout else None) as stack,
        httpx.AsyncClient() as client,
    ):
        if timeout:
            stack.control.gate.clear()
        parts = await deferred(client, stack.url, STOCK if timeout else NULLS)
        stack.control.gate.set()
    items = [item for part in parts[1:] for item in part.get("incremental", [])]
    nulls = [item for item in items if item["data"] is None]
    assert nulls, items  # the case does yield null items
    for item in nulls:
        assert item["errors"], item
        assert all(_under(e["path"], item["path"]) for e in item["errors"]), item


def _under(path: list[Any], prefix: list[Any]) -> bool:
    return path[: len(prefix)] == prefix


async def test_a_failed_deferred_fetch_reports_its_error_in_the_items_it_leaves_empty() -> None:
    query = """query { products { upc ... @defer(label: "stock") { inStock }
                                  ... @defer(label: "reviews") { reviews { stars } } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.broken.add("inventory")
        parts = await deferred(client, stack.url, query)
    assert "errors" not in parts[0]  # the primary part lacks nothing
    items = [item for part in parts[1:] for item in part.get("incremental", [])]
    stock = [item for item in items if item["label"] == "stock"]
    assert [item["path"] for item in stock] == [["products", i] for i in range(3)]
    for item in stock:
        assert item["data"] is None
        assert [(e["path"], e["extensions"]["code"]) for e in item["errors"]][:1] == [
            (item["path"], SUBREQUEST_HTTP_ERROR)
        ], item
    reviews = [item for item in items if item["label"] == "reviews"]
    assert [item["data"]["reviews"][0] for item in reviews] == [{"stars": 1}] * 3
    assert all("errors" not in item for item in reviews)


NESTED_UNDER_NULL = """query { products { upc
  ... @defer(label: "outer") { reviews { body } ... @defer(label: "inner") { name } } } }"""
"""p3's outer item is null (its review body): the inner fragment is not sent there."""


async def test_a_nested_fragment_is_not_sent_under_a_parent_item_that_came_back_null() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, NESTED_UNDER_NULL)
    items = [item for part in parts[1:] for item in part.get("incremental", [])]
    outer = {tuple(i["path"]): i["data"] for i in items if i["label"] == "outer"}
    assert outer[("products", 2)] is None
    inner = [i for i in items if i["label"] == "inner"]
    assert [i["path"] for i in inner] == [["products", 0], ["products", 1]]
    assert inner[0]["data"] == {"name": "Product p1"}


async def test_a_null_primary_part_ends_the_stream_without_waiting_for_deferred_fetches() -> None:
    query = """query { products { upc reviews { body } ... @defer(label: "stock") { inStock } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # inventory holds: the stream must not wait for it
        parts = await deferred(client, stack.url, query)
        assert len(parts) == 1
        (only,) = parts
        assert only["data"] is None  # p3's review body reached the root
        assert only["hasNext"] is False
        assert [e["path"] for e in only["errors"]] == [["products", 2, "reviews", 0, "body"]]
        # The held inventory fetch was cancelled with the stream.
        await until(lambda: _running_plans() == 0, "the plan's run to be cancelled")
        stack.control.gate.set()


def _running_plans() -> int:
    return sum(
        1
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == PlanExecutor.execute.__qualname__
    )


async def test_the_client_going_away_cancels_pending_fetches() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        async with client.stream(
            "POST", stack.url, json={"query": STOCK}, headers={"accept": DEFER_ACCEPT}
        ) as response:
            first = await anext(multipart_parts(response))
            assert first["hasNext"] is True
            assert _running_plans() == 1  # the deferred fetch is pending
        # The client left before the deferred part: the router's run of the plan ends.
        await until(lambda: _running_plans() == 0, "the plan's run to be cancelled")
        stack.control.gate.set()


async def test_the_current_format_announces_each_object_and_completes_it() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        async with client.stream(
            "POST", stack.url, json={"query": STOCK}, headers={"accept": CURRENT_ACCEPT}
        ) as response:
            assert response.headers["content-type"] == (
                'multipart/mixed; boundary="-"; incrementalSpec=v0.2'
            )
            parts = multipart_parts(response)
            first = await anext(parts)
            assert stack.control.held == 3  # sent while inventory holds its answer
            stack.control.gate.set()
            rest = [part async for part in parts]
    assert first == {
        "data": {"products": [{"upc": u, "name": f"Product {u}"} for u in ("p1", "p2", "p3")]},
        "pending": [{"id": str(i), "path": ["products", i], "label": "stock"} for i in range(3)],
        "hasNext": True,
    }
    assert rest == [
        {
            "hasNext": False,
            "incremental": [
                {"id": "0", "data": {"inStock": True}},
                {"id": "1", "data": {"inStock": False}},
                {"id": "2", "data": {"inStock": True}},
            ],
            "completed": [{"id": "0"}, {"id": "1"}, {"id": "2"}],
        }
    ]


async def test_the_current_format_reports_a_fragment_failed_on_an_object_in_completed() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, NULLS, accept=CURRENT_ACCEPT)
    ids = {tuple(p["path"]): p["id"] for p in parts[0]["pending"]}
    failed = ids[("products", 2)]
    incremental = [i for part in parts[1:] for i in part.get("incremental", [])]
    completed = {c["id"]: c for part in parts[1:] for c in part.get("completed", [])}
    assert failed not in [i["id"] for i in incremental]  # no data for it
    assert completed[failed]["errors"][0]["path"] == ["products", 2, "reviews", 0, "body"]
    assert all("errors" not in completed[ids[("products", i)]] for i in (0, 1))
    assert merged(parts)["products"][0]["reviews"] == [
        {"body": "Review p1-r1"},
        {"body": "Review p1-r2"},
    ]


async def test_the_current_format_never_announces_a_fragment_under_a_failed_object() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, NESTED_UNDER_NULL, accept=CURRENT_ACCEPT)
    announced = [(p["label"], p["path"]) for part in parts for p in part.get("pending", [])]
    assert announced == [
        *[("outer", ["products", i]) for i in range(3)],
        ("inner", ["products", 0]),
        ("inner", ["products", 1]),
    ]
    assert merged(parts)["products"][1]["name"] == "Product p2"


async def test_the_current_format_ends_at_a_null_first_part() -> None:
    query = """query { products { upc reviews { body } ... @defer(label: "stock") { inStock } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        parts = await deferred(client, stack.url, query, accept=CURRENT_ACCEPT)
        stack.control.gate.set()
    [only] = parts
    assert (only["data"], only["pending"], only["hasNext"]) == (None, [], False)


def delivered_fields(parts: list[dict[str, Any]]) -> list[tuple[str | int, ...]]:
    """The response path of every field in v0.2 parts, each time a part delivers it
    (the first part's, then each `incremental` entry's at its id's path + subPath)."""
    found: list[tuple[str | int, ...]] = []

    def walk(value: Any, at: tuple[str | int, ...]) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*at, index))
        elif isinstance(value, dict):
            for key, item in value.items():
                found.append((*at, key))
                walk(item, (*at, key))

    walk(parts[0]["data"], ())
    paths = {p["id"]: p["path"] for part in parts for p in part.get("pending", [])}
    for part in parts[1:]:
        for item in part.get("incremental", []):
            walk(item["data"], (*paths[item["id"]], *item.get("subPath", [])))
    return found


@pytest.mark.parametrize("name", [*CASES, *OVERLAPS])
async def test_the_current_format_delivers_each_field_once(name: str) -> None:
    """graphql-js 17.0.0-alpha.9's rule: a field the client holds (from the first part
    or an earlier fragment) is not sent again; the merge is still the whole answer."""
    query = {**CASES, **OVERLAPS}[name]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        whole = await plain(client, stack, undeferred(query))
        parts = await deferred(client, stack.url, query, accept=CURRENT_ACCEPT)
    fields = delivered_fields(parts)
    assert sorted(path for path, count in Counter(fields).items() if count > 1) == [], parts
    assert canonical(merged(parts)) == canonical(whole["data"])


@pytest.mark.parametrize("query", [HELD_NULLED, HELD_LIST_NULLED])
async def test_a_null_reaching_what_the_client_holds_fails_the_fragment(query: str) -> None:
    """graphql-js 17.0.0-alpha.9: the null cannot take back what the first part sent;
    the fragment is completed with its errors and sends none of its data, so the
    client keeps what it holds and no field reaches it twice."""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query, accept=CURRENT_ACCEPT)
    assert [part.get("incremental") for part in parts[1:]] == [None]
    [completed] = parts[-1]["completed"]
    assert [e["message"] for e in completed["errors"]] == ["review body unavailable"]
    assert sorted(path for path, n in Counter(delivered_fields(parts)).items() if n > 1) == []
    assert merged(parts) == parts[0]["data"]


async def test_new_fields_under_an_object_the_client_holds_come_at_their_sub_path() -> None:
    query = OVERLAPS["new fields under a held object"]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query, accept=CURRENT_ACCEPT)
    assert parts == [
        {
            "data": {"product": {"name": "Product p1", "reviews": [{"stars": 1}, {"stars": 2}]}},
            "pending": [{"id": "0", "path": ["product"], "label": "bodies"}],
            "hasNext": True,
        },
        {
            "hasNext": False,
            "incremental": [
                {"id": "0", "subPath": ["reviews", 0], "data": {"body": "Review p1-r1"}},
                {"id": "0", "subPath": ["reviews", 1], "data": {"body": "Review p1-r2"}},
            ],
            "completed": [{"id": "0"}],
        },
    ]


async def test_overlapping_and_empty_fragments_send_only_what_is_new() -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # `b` waits on inventory: `a` goes first, with `price`
        async with client.stream(
            "POST",
            stack.url,
            json={"query": OVERLAPS["overlapping fragments"]},
            headers={"accept": CURRENT_ACCEPT},
            timeout=TIMEOUT,
        ) as response:
            stream = multipart_parts(response)
            overlapping = [await anext(stream), await anext(stream)]
            stack.control.gate.set()
            overlapping.extend([part async for part in stream])
        empty = await deferred(client, stack.url, OVERLAPS["nothing new"], accept=CURRENT_ACCEPT)
    prices = {"p1": 10, "p2": 20, "p3": 30}
    assert [part.get("incremental") for part in overlapping[1:]] == [
        [
            {"id": str(i), "data": {"name": f"Product {upc}", "price": prices[upc]}}
            for i, upc in enumerate(prices)
        ],
        [{"id": str(3 + i), "data": {"inStock": upc != "p2"}} for i, upc in enumerate(prices)],
    ]
    # Every field of `none` is in the first part: nothing is pending (graphql-js
    # announces only fragments with fields of their own).
    assert empty == [
        {
            "data": {"products": [{"upc": u, "name": f"Product {u}"} for u in prices]},
            "pending": [],
            "hasNext": False,
        }
    ]


async def test_a_fragment_with_nothing_new_gives_way_to_the_fragments_inside_it() -> None:
    query = OVERLAPS["nothing new around a deferred fragment"]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query, accept=CURRENT_ACCEPT)
    assert parts == [
        {
            "data": {"product": {"name": "Product p3"}},
            "pending": [{"id": "0", "path": ["product"], "label": "inside"}],
            "hasNext": True,
        },
        {
            "hasNext": False,
            "incremental": [{"id": "0", "data": {"price": 30}}],
            "completed": [{"id": "0"}],
        },
    ]


async def test_the_legacy_format_still_sends_a_fragment_whole() -> None:
    """deferSpec=20220824 is unchanged: each item is the fragment's data at its path."""
    query = OVERLAPS["same field in primary and deferred"]
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query)
    assert [item["data"] for item in parts[1]["incremental"]] == [
        {"name": f"Product {upc}", "inStock": upc != "p2"} for upc in ("p1", "p2", "p3")
    ]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (
            "multipart/mixed;deferSpec=20220824;q=0.5, multipart/mixed;incrementalSpec=v0.2",
            "incrementalSpec=v0.2",
        ),
        (
            "multipart/mixed;deferSpec=20220824, multipart/mixed;incrementalSpec=v0.2;q=0.5",
            "deferSpec=20220824",
        ),
        ('multipart/mixed; incrementalSpec="v0.2", application/json', "incrementalSpec=v0.2"),
    ],
)
async def test_the_format_is_negotiated_from_accept(accept: str, expected: str) -> None:
    async with (
        defer_stack() as stack,
        httpx.AsyncClient() as client,
        client.stream(
            "POST", stack.url, json={"query": STOCK}, headers={"accept": accept}, timeout=TIMEOUT
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == f'multipart/mixed; boundary="-"; {expected}'
        parts = [part async for part in multipart_parts(response)]
    assert parts[-1]["hasNext"] is False


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "multipart/mixed, application/json",  # names no format
        "multipart/mixed;incrementalSpec=v0.1, application/json",
        "multipart/mixed;incrementalSpec=v0.2;q=0, application/json",
    ],
)
async def test_a_client_reading_neither_format_gets_defer_bad_header(accept: str) -> None:
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        response = await client.post(stack.url, json={"query": STOCK}, headers={"accept": accept})
        assert response.status_code == 406
        assert codes(response.json()["errors"]) == [DEFER_BAD_HEADER]
        assert sum(stack.control.requests.values()) == 0


async def test_a_fragment_nested_in_a_type_condition_applies_to_that_type_only() -> None:
    query = """query { search { __typename
      ... on Product { upc ... @defer(label: "stock") { inStock } } ... on Article { title } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, query)
        whole = await plain(client, stack, undeferred(query))
    items = [item for part in parts[1:] for item in part.get("incremental", [])]
    # search[1] is an Article: the fragment (on Product, by where it stands) skips it.
    assert items == [{"data": {"inStock": True}, "path": ["search", 0], "label": "stock"}]
    assert canonical(merged(parts)) == canonical(whole["data"])


async def test_the_bundled_graphiql_asks_for_a_format_it_merges() -> None:
    page = graphiql_html(cdn=False, client_name_header="apollographql-client-name")
    assert json.dumps(GRAPHIQL_ACCEPT) in page  # its fetcher's headers override its default
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        parts = await deferred(client, stack.url, STOCK, accept=GRAPHIQL_ACCEPT)
        assert [part["hasNext"] for part in parts] == [True, False]
        assert "pending" not in parts[0]  # GraphiQL merges `incremental` items by path
        response = await client.post(
            stack.url, json={"query": undeferred(STOCK)}, headers={"accept": GRAPHIQL_ACCEPT}
        )
        assert response.headers["content-type"].startswith("application/json")


async def test_an_error_for_several_parts_is_sent_once_when_the_first_part_is_null() -> None:
    """The products root fetch serves the first part and the fragment (one subgraph):
    its failure is an error of both; the first part is null, nothing follows, and the
    error is in it once."""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.broken.add("products")
        parts = await deferred(client, stack.url, CASES["same subgraph"])
    [only] = parts
    assert (only["data"], only["hasNext"]) == (None, False)
    assert [(e["path"], e["extensions"]["code"]) for e in only["errors"]] == [
        (["products"], SUBREQUEST_HTTP_ERROR)
    ]


TWO_FRAGMENTS = CASES["two fragments, two subgraphs"]


def _merge_raising_for(monkeypatch: pytest.MonkeyPatch, subgraph: str) -> list[tuple[str, ...]]:
    """`subgraph`'s entity merge fails with a bug (not a subgraph failure) half way:
    its answer is never merged. Returns the calls seen, for the test to assert on."""
    calls: list[tuple[str, ...]] = []
    merge = _Run.merge_entities

    def broken(self: _Run, fetch: Fetch, *args: Any) -> None:
        if fetch.service_name == subgraph:
            calls.append((subgraph,))
            raise RuntimeError(f"a bug merging {subgraph}'s entities")
        merge(self, fetch, *args)

    monkeypatch.setattr(_Run, "merge_entities", broken)
    return calls


@pytest.mark.parametrize("form", list(FORMATS))
async def test_a_fetch_failing_with_a_bug_sends_no_part_built_from_its_half_data(
    monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    """reviews' merge raises while inventory still holds (the run's task group is
    cancelling it): no "reviews" part with made-up nulls goes out, only the failure."""
    calls = _merge_raising_for(monkeypatch, "reviews")
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()  # inventory holds: the run is not done when reviews fails
        parts = await deferred(client, stack.url, TWO_FRAGMENTS, accept=FORMATS[form])
        stack.control.gate.set()
    assert calls == [("reviews",)]
    first, *rest = parts
    assert first["hasNext"] is True and "errors" not in first
    assert [part["hasNext"] for part in rest] == [False]
    assert "incremental" not in rest[0], rest  # nothing built from the failed fetch
    assert "Cannot return null" not in json.dumps(parts)


async def test_a_run_failing_mid_stream_completes_every_pending_id_in_the_current_format(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """v0.2 has no top-level errors after the first part: the last part completes each
    id still pending with the internal error, so the client waits on none."""
    _merge_raising_for(monkeypatch, "reviews")
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        parts = await deferred(client, stack.url, TWO_FRAGMENTS, accept=CURRENT_ACCEPT)
        stack.control.gate.set()
    first, last = parts
    assert len(first["pending"]) == 6  # stock and reviews on each of three products
    assert set(last) == {"hasNext", "completed"}
    assert last["hasNext"] is False
    assert sorted(c["id"] for c in last["completed"]) == sorted(p["id"] for p in first["pending"])
    for completed in last["completed"]:
        assert codes(completed["errors"]) == [INTERNAL_SERVER_ERROR], completed
    merged(parts)  # checks every announced id is completed once


async def test_a_run_failing_mid_stream_ends_the_legacy_format_with_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _merge_raising_for(monkeypatch, "reviews")
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        parts = await deferred(client, stack.url, TWO_FRAGMENTS)
        stack.control.gate.set()
    assert parts[1:] == [{"hasNext": False, "errors": [{"message": ANY, "extensions": ANY}]}]
    assert codes(parts[1]["errors"]) == [INTERNAL_SERVER_ERROR]


async def test_a_run_raising_while_cancelled_sends_no_second_last_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first part is null: the stream ends and cancels the run, whose held inventory
    fetch raises a real exception when cancelled. Logged, not a second last part."""
    fetch_entities = _Run.entity_fetch
    raised: list[str] = []

    async def raising_on_cancel(self: _Run, fetch: Fetch, *args: Any) -> None:
        try:
            await fetch_entities(self, fetch, *args)
        except asyncio.CancelledError:
            if fetch.service_name == "inventory":
                raised.append(fetch.service_name)
                raise RuntimeError("a bug while cancelled") from None
            raise

    monkeypatch.setattr(_Run, "entity_fetch", raising_on_cancel)
    query = """query { products { upc reviews { body } ... @defer(label: "stock") { inStock } } }"""
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        stack.control.gate.clear()
        for accept in FORMATS.values():
            parts = await deferred(client, stack.url, query, accept=accept)
            assert [(p["data"], p["hasNext"]) for p in parts] == [(None, False)]
            assert codes(parts[0]["errors"]) != [INTERNAL_SERVER_ERROR]
        stack.control.gate.set()
    assert raised == ["inventory", "inventory"]  # the case did raise while cancelled


INTROSPECTION_ERROR = """query ($name: String = "Product") { __type(name: $name) { name }
  products { upc ... @defer(label: "stock") { inStock } } }"""
"""An explicit null for `$name` reaches `__type(name: String!)`: a field error."""


@pytest.mark.parametrize("form", list(FORMATS))
async def test_introspection_errors_are_in_the_first_part(form: str) -> None:
    null_name = {"name": None}
    async with defer_stack() as stack, httpx.AsyncClient() as client:
        response = await client.post(
            stack.url,
            json={"query": undeferred(INTROSPECTION_ERROR), "variables": null_name},
            timeout=TIMEOUT,
        )
        whole = response.json()
        parts = await deferred(
            client, stack.url, INTROSPECTION_ERROR, null_name, accept=FORMATS[form]
        )
    assert [e["path"] for e in whole["errors"]] == [["__type"]]  # the case does fail
    first = parts[0]
    assert first["data"]["__type"] is None
    assert first["errors"] == whole["errors"]
    assert canonical(merged(parts)) == canonical(whole["data"])
