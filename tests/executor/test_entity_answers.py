"""The executor checks what subgraphs answer before merging it: `_entities`, root data, failures."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema

from supergraph.executor.execute import ExecutorOptions, PlanExecutor
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest, SubgraphResponseTooLarge
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import (
    Fetch,
    Flatten,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    Sequence,
)

API = build_schema(
    """
    type Query { list: [User] me: User other: String }
    type User { id: ID! username: String }
    """
)
TYPES = PossibleTypes(API)
KEY_ID = (RequiresInlineFragment("User", (RequiresField("__typename"), RequiresField("id"))),)
USERS = [{"__typename": "User", "id": i} for i in ("a", "b", "c", "b")]
"""Four objects, three representations: b stands for list.1 and list.3."""
PLAN = QueryPlan(
    Sequence(
        (
            Fetch("products", "{ list { __typename id } }"),
            Flatten(("list", "@"), Fetch("accounts", "q", requires=KEY_ID)),
        )
    )
)
ENTITIES = [{"username": "A"}, {"username": "B"}, {"username": "C"}]
VALIDATION = "RESPONSE_VALIDATION_FAILED"


async def run(answer: dict[str, Any]) -> tuple[list[object], list[tuple[Any, Any, Any]]]:
    """The usernames merged, and (path, code, serviceName) of each error."""

    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "products":
            return {"data": {"list": [dict(u) for u in USERS]}}
        assert len(request.variables["representations"]) == 3
        return answer

    outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(PLAN, {})
    names = [u.get("username") for u in outcome.data["list"]]
    located = [
        (
            e.get("path"),
            e.get("extensions", {}).get("code"),
            e.get("extensions", {}).get("serviceName"),
        )
        for e in outcome.errors
    ]
    return names, located


EVERY_OBJECT = [(["list", i], VALIDATION, "accounts") for i in range(4)]


@pytest.mark.parametrize(
    "entities",
    [ENTITIES[:2], [*ENTITIES, ENTITIES[0]], [], {"0": ENTITIES[0]}, None, "x", 3],
    ids=["short", "long", "empty", "object", "null", "string", "number"],
)
async def test_entities_that_are_not_one_per_representation_fail_every_object(
    entities: object,
) -> None:
    names, located = await run({"data": {"_entities": entities}})
    assert names == [None, None, None, None]  # nothing merged: the order cannot be trusted
    assert sorted(located) == EVERY_OBJECT


async def test_no_data_at_all_without_errors_fails_every_object() -> None:
    names, located = await run({"data": None})
    assert names == [None] * 4
    assert sorted(located) == EVERY_OBJECT


async def test_the_subgraphs_own_errors_are_not_contradicted() -> None:
    # The whole field failed: its error reaches every object, and nothing is added.
    answer = {"data": None, "errors": [{"message": "down", "path": ["_entities"]}]}
    names, located = await run(answer)
    assert names == [None] * 4
    assert sorted(located) == [(["list", i], None, "accounts") for i in range(4)]
    # One representation failed: its objects get that error, the others ours.
    answer = {"data": None, "errors": [{"message": "b failed", "path": ["_entities", 1]}]}
    _, located = await run(answer)
    assert sorted(located) == [
        (["list", 0], VALIDATION, "accounts"),
        (["list", 1], None, "accounts"),
        (["list", 2], VALIDATION, "accounts"),
        (["list", 3], None, "accounts"),
    ]


async def test_an_item_that_is_no_object_fails_only_the_objects_it_stands_for() -> None:
    names, located = await run({"data": {"_entities": [ENTITIES[0], 7, ENTITIES[2]]}})
    assert names == ["A", None, "C", None]
    assert located == [(["list", 1], VALIDATION, "accounts"), (["list", 3], VALIDATION, "accounts")]


async def test_a_null_item_is_an_entity_the_subgraph_does_not_know() -> None:
    # Its fields stay missing; shaping reports the non-null ones (tests/shaping).
    names, located = await run({"data": {"_entities": [ENTITIES[0], None, ENTITIES[2]]}})
    assert names == ["A", None, "C", None]
    assert located == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"data": ["x"]}, [(["me"], VALIDATION), (["other"], VALIDATION)]),
        ({"data": "x"}, [(["me"], VALIDATION), (["other"], VALIDATION)]),
        ({"data": None}, [(["me"], VALIDATION), (["other"], VALIDATION)]),
        ({"data": None, "errors": [{"message": "no path"}]}, [(None, None)]),
        (
            {"data": ["x"], "errors": [{"message": "me", "path": ["me"]}]},
            [(["me"], None), (["other"], VALIDATION)],
        ),
        ({"data": {"me": None, "other": "o"}}, []),
    ],
)
async def test_root_data_that_is_no_object_fails_each_root_field(
    answer: dict[str, Any], expected: list[tuple[Any, Any]]
) -> None:
    plan = QueryPlan(Fetch("accounts", "{ me { id } other }"))
    outcome = await PlanExecutor(MockTransport(lambda *_: answer), TYPES).execute(plan, {})
    located = [(e.get("path"), e.get("extensions", {}).get("code")) for e in outcome.errors]
    assert sorted(located, key=repr) == sorted(expected, key=repr)


async def test_an_answer_over_its_size_limit_fails_the_fetch_with_its_own_outcome() -> None:
    seen: list[tuple[str, str]] = []

    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        raise SubgraphResponseTooLarge(subgraph, 1000)

    options = ExecutorOptions(observer=lambda name, _seconds, outcome: seen.append((name, outcome)))
    plan = QueryPlan(Fetch("accounts", "{ me { id } }"))
    outcome = await PlanExecutor(MockTransport(handler), TYPES, options).execute(plan, {})
    assert seen == [("accounts", "response_too_large")]
    assert outcome.errors == [
        {
            "message": "HTTP fetch failed from 'accounts': the response is larger than 1000 bytes"
            " (limits.subgraph http_max_response_bytes)",
            "path": ["me"],
            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "accounts"},
        }
    ]
