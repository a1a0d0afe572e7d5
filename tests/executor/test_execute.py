"""The plan walker on hand-built plans and in-process subgraphs."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from graphql import build_schema

from supergraph.executor.execute import ExecutorOptions, PlanExecutor, selects_anything
from supergraph.executor.mock_transport import MockTransport, SchemaTransport
from supergraph.executor.transport import SubgraphHTTPError, SubgraphRequest
from supergraph.executor.typeinfo import PossibleTypes
from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    KeyRenamer,
    Parallel,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    Sequence,
    ValueSetter,
)
from tests.executor.federated import subgraph_schema

API = build_schema(
    """
    type Query { topProducts: [Product] me: User }
    type Product { upc: String! name: String reviews: [Review] }
    type Review { body: String author: User }
    type User { id: ID! username: String }
    """
)
TYPES = PossibleTypes(API)

PRODUCTS = {"1": "Table", "2": "Couch", "3": "Chair"}
REVIEWS = {"1": [{"body": "good", "author": {"__typename": "User", "id": "u1"}}]}
USERS = {"u1": "ada", "u2": "bob"}


def _subgraphs() -> SchemaTransport:
    products = subgraph_schema(
        "type Query { topProducts: [Product] } type Product { upc: String! name: String }",
        entities={"Product": lambda r: {"name": PRODUCTS.get(r["upc"])}},
        root={
            "topProducts": [
                {"__typename": "Product", "upc": upc, "name": name}
                for upc, name in PRODUCTS.items()
            ]
            + [{"__typename": "Product", "upc": "1", "name": "Table"}]
        },
    )
    reviews = subgraph_schema(
        """type Query { x: Int } type Product { upc: String! reviews: [Review] }
        type Review { body: String author: User } type User { id: ID! }""",
        entities={"Product": lambda r: {"upc": r["upc"], "reviews": REVIEWS.get(r["upc"], [])}},
    )
    accounts = subgraph_schema(
        "type Query { me: User } type User { id: ID! username: String }",
        entities={"User": lambda r: {"id": r["id"], "username": USERS.get(r["id"])}},
        root={"me": {"__typename": "User", "id": "u2", "username": "bob"}},
    )
    return SchemaTransport({"products": products, "reviews": reviews, "accounts": accounts})


KEY_UPC = (RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),)
KEY_ID = (RequiresInlineFragment("User", (RequiresField("__typename"), RequiresField("id"))),)

TOP_PRODUCTS_PLAN = QueryPlan(
    Sequence(
        (
            Fetch("products", "{ topProducts { __typename upc name } }"),
            Flatten(
                ("topProducts", "@"),
                Fetch(
                    "reviews",
                    "query($representations: [_Any!]!) { _entities(representations: $representations)"
                    " { ... on Product { reviews { body author { __typename id } } } } }",
                    requires=KEY_UPC,
                ),
            ),
            Flatten(
                ("topProducts", "@", "reviews", "@", "author"),
                Fetch(
                    "accounts",
                    "query($representations: [_Any!]!) { _entities(representations: $representations)"
                    " { ... on User { username } } }",
                    requires=KEY_ID,
                ),
            ),
        )
    )
)


async def test_sequence_of_root_and_entity_fetches_merges_everything() -> None:
    transport = _subgraphs()
    outcome = await PlanExecutor(transport, TYPES).execute(TOP_PRODUCTS_PLAN, {})
    assert outcome.errors == []
    products = outcome.data["topProducts"]
    assert [p["name"] for p in products] == ["Table", "Couch", "Chair", "Table"]
    assert products[0]["reviews"] == [
        {"body": "good", "author": {"__typename": "User", "id": "u1", "username": "ada"}}
    ]
    assert products[3]["reviews"][0]["author"]["username"] == "ada"
    assert products[1]["reviews"] == []
    # One request per fetch node, whatever the list sizes.
    assert dict(transport.counts) == {"products": 1, "reviews": 1, "accounts": 1}


async def test_entity_representations_are_deduplicated_in_first_seen_order() -> None:
    transport = _subgraphs()
    await PlanExecutor(transport, TYPES).execute(TOP_PRODUCTS_PLAN, {})
    _, request = transport.requests[1]
    assert request.variables["representations"] == [
        {"__typename": "Product", "upc": "1"},
        {"__typename": "Product", "upc": "2"},
        {"__typename": "Product", "upc": "3"},
    ]


async def test_entity_fetch_is_skipped_without_representations() -> None:
    plan = QueryPlan(
        Sequence(
            (
                Fetch("products", "{ topProducts { __typename upc } }"),
                Flatten(("missing", "@"), Fetch("reviews", "q", requires=KEY_UPC)),
            )
        )
    )
    transport = _subgraphs()
    outcome = await PlanExecutor(transport, TYPES).execute(plan, {})
    assert dict(transport.counts) == {"products": 1}
    assert outcome.errors == []


async def test_parallel_fetches_run_concurrently() -> None:
    started: list[str] = []
    both_started = asyncio.Event()

    async def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        started.append(subgraph)
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 1)
        return {"data": {subgraph: True}}

    plan = QueryPlan(Parallel((Fetch("a", "{ a }"), Fetch("b", "{ b }"))))
    outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(plan, {})
    assert outcome.data == {"a": True, "b": True}


async def test_only_used_variables_are_forwarded() -> None:
    transport = MockTransport(lambda _s, _r: {"data": {"x": 1}})
    plan = QueryPlan(Fetch("a", "query($v: Int) { x(v: $v) }", variable_usages=("v",)))
    await PlanExecutor(transport, TYPES).execute(plan, {"v": 1, "secret": 2})
    assert transport.requests[0][1].variables == {"v": 1}


async def test_condition_branches_on_a_boolean_variable() -> None:
    transport = MockTransport(lambda s, _r: {"data": {s: True}})
    plan = QueryPlan(Condition("flag", Fetch("yes", "{ yes }"), Fetch("no", "{ no }")))
    executor = PlanExecutor(transport, TYPES)
    assert (await executor.execute(plan, {"flag": True})).data == {"yes": True}
    assert (await executor.execute(plan, {"flag": False})).data == {"no": True}


async def test_entity_errors_get_client_paths_and_service_name() -> None:
    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "products":
            return {
                "data": {
                    "list": [
                        {"__typename": "User", "id": "a"},
                        None,
                        {"__typename": "User", "id": "b"},
                    ]
                }
            }
        return {
            "data": {"_entities": [{"username": "A"}, None]},
            "errors": [
                {
                    "message": "boom",
                    "path": ["_entities", 1, "username"],
                    "locations": [{"line": 1, "column": 2}],
                }
            ],
        }

    plan = QueryPlan(
        Sequence(
            (
                Fetch("products", "{ list { __typename id } }"),
                Flatten(("list", "@"), Fetch("accounts", "q", requires=KEY_ID)),
            )
        )
    )
    outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(plan, {})
    assert outcome.errors == [
        {
            "message": "boom",
            "path": ["list", 2, "username"],
            "extensions": {"serviceName": "accounts"},
        }
    ]
    assert outcome.data["list"][0]["username"] == "A"
    assert "username" not in outcome.data["list"][2]


async def test_entity_error_of_a_shared_representation_is_reported_at_every_object() -> None:
    # b appears twice: one representation is sent, and its error explains both nulls.
    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "products":
            users = [{"__typename": "User", "id": i} for i in ("a", "b", "c", "b")]
            return {"data": {"list": users}}
        assert len(request.variables["representations"]) == 3
        return {
            "data": {"_entities": [{"username": "A"}, None, {"username": "C"}]},
            "errors": [
                {"message": "gone", "path": ["_entities", 1]},
                {"message": "no path"},
            ],
        }

    plan = QueryPlan(
        Sequence(
            (
                Fetch("products", "{ list { __typename id } }"),
                Flatten(("list", "@"), Fetch("accounts", "q", requires=KEY_ID)),
            )
        )
    )
    outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(plan, {})
    located = [(e["message"], e.get("path")) for e in outcome.errors]
    assert located == [("gone", ["list", 1]), ("gone", ["list", 3]), ("no path", None)]
    assert [u.get("username") for u in outcome.data["list"]] == ["A", None, "C", None]


async def test_failing_subgraph_only_affects_its_fields() -> None:
    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "accounts":
            raise SubgraphHTTPError(
                "HTTP fetch failed from 'accounts': 500: Internal Server Error", 500
            )
        return {"data": {"topProducts": [{"__typename": "Product", "upc": "1"}]}}

    plan = QueryPlan(
        Parallel((Fetch("products", "{ topProducts { upc } }"), Fetch("accounts", "{ me { id } }")))
    )
    outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(plan, {})
    assert outcome.data == {"topProducts": [{"__typename": "Product", "upc": "1"}]}
    assert outcome.errors == [
        {
            "message": "HTTP fetch failed from 'accounts': 500: Internal Server Error",
            "path": ["me"],
            "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "accounts"},
        }
    ]


async def test_slow_subgraph_times_out_per_subgraph() -> None:
    async def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "slow":
            await asyncio.sleep(5)
        return {"data": {subgraph: 1}}

    observed: list[tuple[str, str]] = []
    options = ExecutorOptions(
        default_timeout=5,
        timeouts={"slow": 0.05},
        observer=lambda name, _seconds, outcome: observed.append((name, outcome)),
    )
    plan = QueryPlan(Parallel((Fetch("slow", "{ slow }"), Fetch("fast", "{ fast }"))))
    outcome = await PlanExecutor(MockTransport(handler), TYPES, options).execute(plan, {})
    assert outcome.data == {"fast": 1}
    assert outcome.errors[0]["extensions"] == {"code": "SUBGRAPH_TIMEOUT", "serviceName": "slow"}
    assert sorted(observed) == [("fast", "ok"), ("slow", "timeout")]


async def test_requires_selections_and_rewrites_shape_representations() -> None:
    api = build_schema(
        """
        type Query { media: [Media] }
        interface Media { id: ID! }
        type Book implements Media { id: ID! shape: Shape title: String }
        type Movie implements Media { id: ID! }
        type Shape { w: Int h: Int }
        """
    )
    seen: list[Any] = []

    def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "a":
            return {
                "data": {
                    "media": [
                        {"__typename": "Book", "id": "1", "shape": {"w": 1, "h": 2, "x": 0}},
                        {"__typename": "Movie", "id": "2"},
                    ]
                }
            }
        seen.append(request.variables["representations"])
        return {"data": {"_entities": [{"__typename": "Media", "title__alias": "T"}, None]}}

    requires = (
        RequiresInlineFragment(
            "Media",
            (
                RequiresField("__typename"),
                RequiresField("id"),
                RequiresInlineFragment(
                    "Book",
                    (RequiresField("shape", None, (RequiresField("w"), RequiresField("h"))),),
                ),
            ),
        ),
    )
    fetch = Fetch(
        "b",
        "q",
        requires=requires,
        input_rewrites=(ValueSetter(("... on Media", "__typename"), "Media"),),
        output_rewrites=(
            KeyRenamer(("... on Media", "title__alias"), "title"),
            ValueSetter(("... on Media", "__typename"), "Book"),
        ),
    )
    plan = QueryPlan(
        Sequence((Fetch("a", "{ media { __typename id } }"), Flatten(("media", "@"), fetch)))
    )
    outcome = await PlanExecutor(MockTransport(handler), PossibleTypes(api)).execute(plan, {})
    assert seen == [
        [
            {"__typename": "Media", "id": "1", "shape": {"w": 1, "h": 2}},
            {"__typename": "Media", "id": "2"},
        ]
    ]
    assert outcome.data["media"][0] == {
        "__typename": "Book",
        "id": "1",
        "shape": {"w": 1, "h": 2, "x": 0},
        "title": "T",
    }


async def test_a_split_root_field_failing_in_one_part_is_null_whichever_fetch_ends_last() -> None:
    # `me` split across two subgraphs (each asked for the fields only it has): one fails
    # it, so the field is null beside that error, whether or not the other part lands
    # after it (its object never overwrites the failure).
    for first in ("accounts", "profiles"):
        answered = asyncio.Event()

        async def handler(
            subgraph: str,
            request: SubgraphRequest,
            first: str = first,
            answered: asyncio.Event = answered,
        ) -> dict[str, Any]:
            if subgraph != first:
                await answered.wait()
            answered.set()
            if subgraph == "accounts":
                return {"data": {"me": None}, "errors": [{"message": "down", "path": ["me"]}]}
            return {"data": {"me": {"username": "bob"}}}

        plan = QueryPlan(
            Parallel((Fetch("accounts", "{ me { id } }"), Fetch("profiles", "{ me { username } }")))
        )
        outcome = await PlanExecutor(MockTransport(handler), TYPES).execute(plan, {})
        assert outcome.data == {"me": None}, f"{first} answered first"
        assert [e["path"] for e in outcome.errors] == [["me"]]


def test_an_entity_fetch_whose_every_field_is_skipped_is_not_sent() -> None:
    two = (
        "query($representations: [_Any!]!, $v: Boolean!, $w: Boolean!) "
        "{ _entities(representations: $representations) { ... on Book "
        "{ readingTime @skip(if: $v) ... @include(if: $w) { readingTime } } } }"
    )
    assert not selects_anything(two, {"v": True, "w": False})
    assert selects_anything(two, {"v": False, "w": False})
    assert selects_anything(two, {"v": True, "w": True})
    literal = (
        "query($representations: [_Any!]!, $v: Boolean!) { _entities(representations: "
        "$representations) { ... on Book { a @include(if: false) b @skip(if: $v) } } }"
    )
    assert not selects_anything(literal, {"v": True})
    # A __typename alone (an @interfaceObject's type lookup) is a selection too.
    typename = (
        "query($representations: [_Any!]!, $v: Boolean!) { _entities(representations: "
        "$representations) { ... on Book { __typename a @skip(if: $v) } } }"
    )
    assert selects_anything(typename, {"v": True})


async def test_entity_fetch_with_every_field_skipped_sends_nothing() -> None:
    transport = MockTransport(
        lambda s, _r: {"data": {"topProducts": [{"__typename": "Product", "upc": "1"}]}}
    )
    plan = QueryPlan(
        Sequence(
            (
                Fetch("products", "{ topProducts { __typename upc } }"),
                Flatten(
                    ("topProducts", "@"),
                    Fetch(
                        "reviews",
                        "query($representations: [_Any!]!, $v: Boolean!, $w: Boolean!) "
                        "{ _entities(representations: $representations) { ... on Product "
                        "{ reviews @skip(if: $v) { body } ... @include(if: $w) { reviews { body } } } } }",
                        requires=KEY_UPC,
                        variable_usages=("v", "w"),
                    ),
                ),
            )
        )
    )
    outcome = await PlanExecutor(transport, TYPES).execute(plan, {"v": True, "w": False})
    assert [name for name, _ in transport.requests] == ["products"]
    assert outcome.errors == []


class _BrokenBuilders(PlanExecutor):
    """An executor whose entity fetches fail with a bug (not a subgraph failure)."""

    def representation_builder(self, fetch: Fetch) -> Any:
        raise RuntimeError("a bug while building representations")


def _others() -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


def _hanging_and(broken_branch: bool) -> tuple[QueryPlan, MockTransport, asyncio.Event]:
    """A plan with a fetch that never answers beside another branch (failing with a
    bug when `broken_branch`)."""
    started = asyncio.Event()

    async def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
        if subgraph == "slow":
            started.set()
            await asyncio.Event().wait()  # never answers
        return {"data": {"topProducts": [{"__typename": "Product", "upc": "1"}]}}

    entity = Fetch(
        "reviews",
        "query($representations: [_Any!]!) { _entities(representations: $representations)"
        " { ... on Product { reviews { body } } } }",
        requires=KEY_UPC,
    )
    other = Sequence(
        (
            Fetch("products", "{ topProducts { __typename upc } }"),
            Flatten(("topProducts", "@"), entity),
        )
    )
    branch = other if broken_branch else Fetch("fast", "{ fast }")
    return QueryPlan(Parallel((Fetch("slow", "{ slow }"), branch))), MockTransport(handler), started


async def test_a_fetch_failing_with_a_bug_cancels_its_siblings_and_is_reported_landed() -> None:
    plan, transport, _ = _hanging_and(broken_branch=True)
    before = _others()
    landed: list[tuple[str, bool]] = []
    executor = _BrokenBuilders(transport, TYPES)
    try:
        await executor.execute(
            plan, {}, on_fetch=lambda fetch, failed: landed.append((fetch.service_name, failed))
        )
    except RuntimeError as error:
        assert str(error) == "a bug while building representations"  # itself, not a group
    else:
        raise AssertionError("the bug did not surface")
    # The hanging sibling was cancelled and awaited: no task of the run is left.
    assert _others() - before == set()
    # The failed fetch landed, saying it failed (a @defer part waiting on it must not
    # be built from its half-merged data); the hanging one did not land.
    assert landed == [("products", False), ("reviews", True)]


async def test_a_cancelled_fetch_is_observed_as_cancelled_not_ok() -> None:
    plan, transport, started = _hanging_and(broken_branch=False)
    observed: list[tuple[str, str]] = []
    options = ExecutorOptions(
        observer=lambda name, _seconds, outcome: observed.append((name, outcome))
    )
    run = asyncio.create_task(PlanExecutor(transport, TYPES, options).execute(plan, {}))
    await asyncio.wait_for(started.wait(), 5)
    await until_observed(observed, ("fast", "ok"))
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    assert sorted(observed) == [("fast", "ok"), ("slow", "cancelled")]


async def until_observed(observed: list[tuple[str, str]], item: tuple[str, str]) -> None:
    for _ in range(1000):
        if item in observed:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{item} never observed: {observed}")


async def test_a_cancelled_run_leaves_no_task_behind() -> None:
    plan, transport, started = _hanging_and(broken_branch=False)
    before = _others()
    run = asyncio.create_task(PlanExecutor(transport, TYPES).execute(plan, {}))
    await asyncio.wait_for(started.wait(), 5)
    assert len(_others() - before) >= 2  # the run and its branches
    run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await run
    assert _others() - before == set()
