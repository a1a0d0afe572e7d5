"""Apollo Client (Node, tests/node/apollo-client.mjs) runs @defer queries (and a
mutation) through the router with each of its two incremental handlers:
Defer20220824Handler asks for
`multipart/mixed;deferSpec=20220824`, GraphQL17Alpha9Handler for
`multipart/mixed;incrementalSpec=v0.2`; either reads our parts and merges them. What it
hands the application must be what it gets without @defer, and its first result must
come before the slow subgraph has answered."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.defer.stack import canonical, defer_stack
from tests.defer.stubs import UPCS
from tests.defer.test_defer import (
    ALL_HELD,
    CASES,
    NULLS,
    OVERLAPS,
    STOCK,
    _running_plans,
    undeferred,
)
from tests.defer.test_shared_paths import MUTATION
from tests.subscriptions.clients import apollo_client, read_all, read_line
from tests.subscriptions.stack import until

pytestmark = pytest.mark.node

HANDLERS = ["20220824", "graphql17Alpha9"]
"""Apollo Client's incremental handlers (the .mjs script's `defer:HANDLER` mode)."""
handlers = pytest.mark.parametrize("handler", HANDLERS)


def by_query(lines: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("query") == index]


def assert_incremental_stream(handler: str, name: str, parts: list[dict[str, Any]]) -> None:
    """Apollo Client read a real incremental stream in its handler's format: a primary
    part, then parts with more data, the last one saying there is nothing more."""
    assert len(parts) >= 2, (name, parts)
    assert parts[0]["hasNext"] is True and "data" in parts[0], (name, parts)
    assert parts[-1]["hasNext"] is False, (name, parts)
    if handler == "20220824":
        assert all("incremental" in part for part in parts[1:]), (name, parts)
        return
    # incrementalSpec=v0.2: each announced id is completed exactly once, by a later part.
    announced = [p["id"] for part in parts for p in part.get("pending", [])]
    completed = [c["id"] for part in parts[1:] for c in part.get("completed", [])]
    assert parts[0]["pending"] and sorted(announced) == sorted(completed), (name, parts)
    assert len(set(announced)) == len(announced), (name, parts)


@handlers
async def test_apollo_client_merges_deferred_parts_into_the_undeferred_result(
    handler: str,
) -> None:
    # With the fragments that select fields the client holds: v0.2 sends those once,
    # and Apollo Client's merge must still give the undeferred result.
    shapes = {**CASES, **OVERLAPS}
    names = list(shapes)
    # Each case deferred, then without @defer, all in one Node process (one start-up).
    queries = [text for name in names for text in (shapes[name], undeferred(shapes[name]))]
    queries.append(NULLS)  # last: a deferred item that is null, with its error
    async with defer_stack() as stack:
        client = await apollo_client(f"defer:{handler}", stack.url, json.dumps(queries), {})
        lines = await read_all(client)
    assert lines[-1] == {"done": "completed"}
    for index, name in enumerate(names):
        with_defer = by_query(lines, 2 * index)
        without = by_query(lines, 2 * index + 1)
        assert with_defer[-1] == {"query": 2 * index, "end": "completed"}, (name, with_defer)
        assert without[-1] == {"query": 2 * index + 1, "end": "completed"}, (name, without)
        parts = [line["part"] for line in with_defer if "part" in line]
        results = [line for line in with_defer if "result" in line]
        if handler == "graphql17Alpha9" and name in ALL_HELD:
            # Nothing deferred is new: one part, nothing pending.
            assert [(p["pending"], p["hasNext"]) for p in parts] == [([], False)], parts
        else:
            assert_incremental_stream(handler, name, parts)
            # The application saw the partial result first, then the merged one.
            assert results[0]["state"] == "streaming", (name, results)
        assert results[-1]["state"] == "complete", (name, results)
        assert "error" not in results[-1], (name, results)
        [whole] = [line for line in without if "result" in line]
        assert whole["state"] == "complete" and [
            line["part"] for line in without if "part" in line
        ] == [{"data": whole["result"]}], (name, without)
        assert canonical(results[-1]["result"]) == canonical(whole["result"]), name
    # The deferred item's error reaches the application (errorPolicy none: as an
    # error, the data as it stood before that part).
    nulls = by_query(lines, len(queries) - 1)
    assert nulls[-1] == {"query": len(queries) - 1, "end": "error"}, nulls
    last = [line for line in nulls if "result" in line][-1]
    assert last["error"] == "CombinedGraphQLErrors: review body unavailable", nulls
    assert [product["upc"] for product in last["result"]["products"]] == list(UPCS)


@handlers
async def test_apollo_client_shows_the_fast_part_while_the_slow_subgraph_holds(
    handler: str,
) -> None:
    async with defer_stack() as stack:
        stack.control.gate.clear()  # inventory holds its answer until the test opens it
        client = await apollo_client(f"defer:{handler}", stack.url, json.dumps([STOCK]), {})
        lines = [await read_line(client)]
        while "part" not in lines[-1]:
            lines.append(await read_line(client))
        lines.append(await read_line(client))
        assert lines[-1]["state"] == "streaming"
        names = [{"__typename": "Product", "upc": upc, "name": f"Product {upc}"} for upc in UPCS]
        assert lines[-1]["result"] == {"products": names}
        assert stack.control.held == 3  # the application has it while inventory holds
        stack.control.gate.set()
        rest = await read_all(client)
    final = [line for line in rest if "result" in line][-1]
    assert final["state"] == "complete"
    stock = {"p1": True, "p2": False, "p3": True}
    assert final["result"] == {
        "products": [{**name, "inStock": stock[name["upc"]]} for name in names]
    }


@handlers
async def test_apollo_client_killed_before_the_deferred_part_leaves_no_task(handler: str) -> None:
    """The client dies after the first part (SIGKILL, its socket closed by the kernel)
    while the deferred fetch is held: the router cancels the plan's run before the held
    subgraph answers, and once that subgraph's own (in-process) handler is let go, no
    task of the request is left anywhere."""
    async with defer_stack() as stack:
        tasks_before = len(asyncio.all_tasks())
        stack.control.gate.clear()
        client = await apollo_client(f"defer:{handler}", stack.url, json.dumps([STOCK]), {})
        line = await read_line(client)
        while line.get("state") != "streaming":
            line = await read_line(client)
        assert stack.control.held == 3 and len(asyncio.all_tasks()) > tasks_before
        client.kill()
        await client.wait()
        await until(lambda: _running_plans() == 0, "the plan's run to be cancelled")
        assert stack.control.held == 3  # still held: the run ended without its answer
        stack.control.gate.set()
        await until(lambda: len(asyncio.all_tasks()) <= tasks_before, "the request's tasks to end")


@handlers
async def test_apollo_client_mutates_with_defer_and_gets_the_undeferred_result(
    handler: str,
) -> None:
    async with defer_stack() as stack:
        queries = [MUTATION, undeferred(MUTATION)]
        client = await apollo_client(f"defer:{handler}", stack.url, json.dumps(queries), {})
        lines = await read_all(client)
        # Each root field once per mutation, in order.
        assert stack.control.calls == ["rename p1", "restock p2", "rename p3"] * 2
    assert lines[-1] == {"done": "completed"}, lines
    with_defer, without = by_query(lines, 0), by_query(lines, 1)
    assert with_defer[-1] == {"query": 0, "end": "completed"}, with_defer
    parts = [line["part"] for line in with_defer if "part" in line]
    assert_incremental_stream(handler, "mutation", parts)
    [merged] = [line["result"] for line in with_defer if "result" in line]
    [whole] = [line["result"] for line in without if "result" in line]
    assert canonical(merged) == canonical(whole)
    assert merged["first"]["inStock"] is True and merged["restock"]["reviews"]
