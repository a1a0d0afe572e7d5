"""`incrementalSpec=v0.2` differentially against its reference implementation,
graphql-js 17.0.0-alpha.9 (npm alias `graphql17` in tests/node), which runs each
operation over the stub subgraphs' API schema with the same data
(tests/node/graphql17-incremental.mjs).

Per shape, the same: which fields the first part delivers, which each deferred
fragment delivers at which response path (so no field twice, and `subPath` where
graphql-js uses it), the objects announced in `pending` (label, path), and the ones
completed, with or without errors. Left out, as the format allows: the ids, the
order of entries, and how they are grouped into payloads (graphql-js sends what is
ready together as we do, but its ready moments are its resolvers', not subgraph
fetches)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.defer.stack import CURRENT_ACCEPT, DeferStack, canonical, defer_stack, deferred, merged
from tests.defer.test_defer import (
    CASES,
    HELD_LIST_NULLED,
    HELD_NULLED,
    NESTED_UNDER_NULL,
    NULLS,
    OVERLAPS,
    PER_OBJECT,
)
from tests.subscriptions.clients import NODE_DIR

pytestmark = pytest.mark.node

SHAPES = {
    **CASES,
    **OVERLAPS,
    "a null in a deferred fragment": NULLS,
    "nested under a null": NESTED_UNDER_NULL,
    "a null reaching an object held": HELD_NULLED,
    "a null reaching a list item held": HELD_LIST_NULLED,
    "announced per object": PER_OBJECT,
}

Event = tuple[Any, ...]


def delivery(parts: list[dict[str, Any]]) -> list[Event]:
    """What the parts say, without ids or grouping: ("field", who, path) for each field
    delivered (who: "initial" or the fragment's label), ("pending", label, path),
    ("completed", label, path, failed)."""
    events: list[Event] = []

    def walk(value: Any, at: tuple[str | int, ...], who: str) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*at, index), who)
        elif isinstance(value, dict):
            for key, item in value.items():
                events.append(("field", who, (*at, key)))
                walk(item, (*at, key), who)

    walk(parts[0].get("data"), (), "initial")
    announced: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    for part in parts:
        for pending in part.get("pending", []):
            announced[pending["id"]] = (pending["label"], tuple(pending["path"]))
            events.append(("pending", pending["label"], tuple(pending["path"])))
        for item in part.get("incremental", []):
            label, path = announced[item["id"]]
            walk(item["data"], (*path, *item.get("subPath", [])), label)
        for completed in part.get("completed", []):
            label, path = announced[completed["id"]]
            events.append(("completed", label, path, "errors" in completed))
    return sorted(events, key=repr)


@pytest.fixture(scope="module")
def reference() -> dict[str, list[dict[str, Any]]]:
    """graphql-js's payloads per shape (one Node process for all)."""
    done = subprocess.run(
        ["node", str(NODE_DIR / "graphql17-incremental.mjs"), json.dumps(list(SHAPES.values()))],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=NODE_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(SHAPES)
    return dict(zip(SHAPES, answers, strict=True))


@pytest.fixture
async def stack() -> AsyncIterator[DeferStack]:
    async with defer_stack() as running:
        yield running


@pytest.mark.parametrize("name", list(SHAPES))
async def test_the_current_format_delivers_what_graphql_js_delivers(
    name: str, reference: dict[str, list[dict[str, Any]]], stack: DeferStack
) -> None:
    theirs = reference[name]
    async with httpx.AsyncClient() as client:
        ours = await deferred(client, stack.url, SHAPES[name], accept=CURRENT_ACCEPT)
    assert delivery(ours) == delivery(theirs), (ours, theirs)
    if len(theirs) > 1:  # one payload: graphql-js sends no `pending` then
        assert canonical(merged(ours)) == canonical(merged(theirs))
