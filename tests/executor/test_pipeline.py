"""The request pipeline with a stand-in planner and in-process subgraphs."""

from __future__ import annotations

import gc
import types
from typing import Any

import orjson
import pytest
from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    get_introspection_query,
    print_ast,
)

from supergraph.executor.introspection import IntrospectionCache, IntrospectionResult
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest
from supergraph.limits import OperationLimits
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.planner import PlanningError
from supergraph.planner.plan import (
    Fetch,
    Flatten,
    QueryPlan,
    RequiresField,
    RequiresInlineFragment,
    Sequence,
)
from supergraph.schema import Supergraph, load_supergraph
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL

SUPERGRAPH = load_supergraph(SUPERGRAPH_SDL)

PLANS: dict[str, QueryPlan] = {
    "{ me { username } }": QueryPlan(Fetch("accounts", "{ me { username } }")),
    "{ topProducts { name status reviews { body } } }": QueryPlan(
        Sequence(
            (
                Fetch("products", "{ topProducts { __typename upc name status } }"),
                Flatten(
                    ("topProducts", "@"),
                    Fetch(
                        "reviews",
                        "query($representations:[_Any!]!){_entities(representations:$representations){...on Product{reviews{body}}}}",
                        requires=(
                            RequiresInlineFragment(
                                "Product", (RequiresField("__typename"), RequiresField("upc"))
                            ),
                        ),
                    ),
                ),
            )
        )
    ),
    "query($n: Int = 1) { topProducts(first: $n) { name } }": QueryPlan(
        Fetch("products", "query($n:Int){topProducts(first:$n){name}}", variable_usages=("n",))
    ),
    "query($n: Int) { topProducts(first: $n) { name } }": QueryPlan(
        Fetch(
            "products",
            "query($n:Int){topProducts(first:$n){name}}",
            variable_usages=("n",),
        )
    ),
}
planned: list[str] = []


def fake_planner(supergraph: Supergraph, document: DocumentNode, name: str | None) -> QueryPlan:
    text = print_ast(document).replace("\n", " ").replace("  ", " ")
    planned.append(text)
    for query, plan in PLANS.items():
        if _normal(query) == _normal(text):
            return plan
    if "addProduct" in text:
        return QueryPlan(
            Fetch("products", 'mutation { addProduct(name: "x") { name } }', "mutation")
        )
    if "__schema" in text:
        return QueryPlan(None)
    raise PlanningError(f"no plan for {text}")


def _normal(text: str) -> str:
    return "".join(text.split())


def handler(subgraph: str, request: SubgraphRequest) -> dict[str, Any]:
    if subgraph == "accounts":
        return {"data": {"me": {"username": "ada"}}}
    if subgraph == "products":
        if "addProduct" in request.query:
            return {"data": {"addProduct": {"name": "x"}}}
        first = request.variables.get("n")
        products = [
            {"__typename": "Product", "upc": "1", "name": "Table", "status": "ACTIVE"},
            {"__typename": "Product", "upc": "2", "name": "Couch", "status": "SECRET"},
        ]
        return {"data": {"topProducts": products[:first] if first else products}}
    return {
        "data": {"_entities": [{"reviews": [{"body": "nice"}]}, None]},
        "errors": [{"message": "no reviews", "path": ["_entities", 1, "reviews"]}],
    }


def make_router(**options: Any) -> tuple[Router, MockTransport]:
    transport = MockTransport(handler)
    return Router(SUPERGRAPH, transport, RouterOptions(**options), planner=fake_planner), transport


async def test_simple_query_end_to_end() -> None:
    router, _ = make_router()
    response = await router.execute(GraphQLRequest("{ me { username } }"))
    assert response.kind == "ok"
    assert response.body == {"data": {"me": {"username": "ada"}}}


async def test_partial_data_enum_and_entity_errors() -> None:
    router, _ = make_router()
    response = await router.execute(
        GraphQLRequest("{ topProducts { name status reviews { body } } }")
    )
    assert response.body["data"] == {
        "topProducts": [
            {"name": "Table", "status": "ACTIVE", "reviews": [{"body": "nice"}]},
            {"name": "Couch", "status": None, "reviews": None},
        ]
    }
    assert response.body["errors"] == [
        {
            "message": "no reviews",
            "path": ["topProducts", 1, "reviews"],
            "extensions": {"serviceName": "reviews"},
        },
        {
            "message": 'Enum "Status" cannot represent value: "SECRET"',
            "path": ["topProducts", 1, "status"],
            "extensions": {"code": "RESPONSE_VALIDATION_FAILED"},
        },
    ]


async def test_parse_error_has_code_and_location() -> None:
    router, _ = make_router()
    response = await router.execute(GraphQLRequest("{ me { "))
    assert response.kind == "request_error"
    [error] = response.body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["locations"] == [{"line": 1, "column": 8}]
    assert "data" not in response.body


@pytest.mark.parametrize("query", ["{ }", "{ me { } }", "query Q { me { id } ... on Query { } }"])
async def test_empty_selection_sets_are_syntax_errors(query: str) -> None:
    """The spec's grammar is `{ Selection+ }`; graphql-core 3.3 would accept `{ }`."""
    router, transport = make_router()
    response = await router.execute(GraphQLRequest(query))
    assert response.kind == "request_error"
    [error] = response.body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert transport.requests == []


async def test_validation_error_has_code_and_location() -> None:
    router, _ = make_router()
    response = await router.execute(GraphQLRequest("{ me { nope } }"))
    [error] = response.body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["locations"] == [{"line": 1, "column": 8}]


async def test_missing_operation_name_with_several_operations() -> None:
    router, _ = make_router()
    response = await router.execute(GraphQLRequest("query A { me { id } } query B { me { id } }"))
    assert response.kind == "request_error"
    assert response.body["errors"][0]["message"].startswith("Must provide operation name")


async def test_bad_variables_are_bad_user_input() -> None:
    router, _ = make_router()
    query = "query($n: Int) { topProducts(first: $n) { name } }"
    response = await router.execute(GraphQLRequest(query, variables={"n": "many"}))
    assert response.kind == "request_error"
    assert response.body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    good = await router.execute(GraphQLRequest(query, variables={"n": 1, "unused": 2}))
    assert good.body == {"data": {"topProducts": [{"name": "Table"}]}}


async def test_cached_operations_keep_no_ast_but_errors_have_locations() -> None:
    # The AST of every cached operation would stay alive as long as its plan.
    router, _ = make_router()
    query = "query($n: Int) {\n  topProducts(first: $n) { name }\n}"
    fresh = router.parse_and_validate(query).document
    assert fresh is not None and fresh.loc is None and fresh.definitions[0].loc is None
    await router.execute(GraphQLRequest(query, variables={"n": 1}))
    assert router.parse_and_validate(query).document is None
    prepared = router.plans.get((query, None))
    assert prepared is not None
    kept = {type(n).__name__ for n in _reachable(prepared, stop=(router.schema, SUPERGRAPH))}
    assert (
        kept & {"DocumentNode", "OperationDefinitionNode", "SelectionSetNode", "FieldNode"} == set()
    )
    again = await router.execute(GraphQLRequest(query, variables={"n": 1}))
    assert again.body == {"data": {"topProducts": [{"name": "Table"}]}}
    bad = await router.execute(GraphQLRequest(query, variables={"n": "many"}))
    assert bad.body["errors"][0]["locations"] == [{"line": 1, "column": 7}]
    invalid = await router.execute(GraphQLRequest("{\n  topProducts { nope }\n}"))
    assert invalid.body["errors"][0]["locations"] == [{"line": 2, "column": 17}]


async def test_plan_cache_miss_on_a_cached_document_parses_again() -> None:
    router, _ = make_router(plan_cache_size=1)
    first, second = "{ me { username } }", "{ topProducts { name status reviews { body } } }"
    # The second operation takes the one plan slot once it is used more than the first
    # (the cache's admission); the first's plan is then gone, its document still cached.
    for query in (first, second, second, first):
        response = await router.execute(GraphQLRequest(query))
        assert response.kind == "ok" and response.body["data"] is not None
    assert router.documents.hits == 2 and router.plans.misses == 4


_SHARED = (type, types.ModuleType, types.FunctionType, types.FrameType, types.CoroutineType)


def _reachable(root: object, stop: tuple[object, ...]) -> list[object]:
    """Objects reachable from `root` without passing through `stop` (shared schema data)
    nor code, modules and frames (through which anything alive is reachable)."""
    seen = {id(s) for s in stop}
    out: list[object] = []
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, _SHARED):
            continue
        seen.add(id(item))
        out.append(item)
        stack.extend(gc.get_referents(item))
    return out


async def test_plans_and_documents_are_cached() -> None:
    router, transport = make_router()
    planned.clear()
    for _ in range(3):
        await router.execute(GraphQLRequest("{ me { username } }"))
    assert len(planned) == 1
    assert router.documents.hits == 2
    assert transport.counts["accounts"] == 3


async def test_mutations_can_be_refused() -> None:
    router, transport = make_router()
    query = 'mutation { addProduct(name: "x") { name } }'
    refused = await router.execute(GraphQLRequest(query), allow_mutations=False)
    assert refused.kind == "method_not_allowed"
    assert transport.counts["products"] == 0
    allowed = await router.execute(GraphQLRequest(query))
    assert allowed.body == {"data": {"addProduct": {"name": "x"}}}


async def test_query_plan_only_when_enabled_and_requested() -> None:
    router, _ = make_router(expose_query_plan=True)
    plain = await router.execute(GraphQLRequest("{ me { username } }"))
    assert "extensions" not in plain.body
    asked = await router.execute(
        GraphQLRequest("{ me { username } }", extensions={"includeQueryPlan": True})
    )
    assert asked.body["extensions"]["queryPlan"]["object"]["node"]["serviceName"] == "accounts"
    disabled, _ = make_router()
    hidden = await disabled.execute(GraphQLRequest("{ me { username } }", include_query_plan=True))
    assert "extensions" not in hidden.body


async def test_introspection_needs_no_subgraph() -> None:
    router, transport = make_router()
    response = await router.execute(
        GraphQLRequest("{ __typename __schema { queryType { name } } }")
    )
    assert response.body == {
        "data": {"__typename": "Query", "__schema": {"queryType": {"name": "Query"}}}
    }
    assert sum(transport.counts.values()) == 0


async def test_planning_failure_is_an_error_not_a_crash() -> None:
    router, _ = make_router()
    response = await router.execute(GraphQLRequest("{ me { id } }"))
    assert response.body["errors"][0]["extensions"]["code"] == "QUERY_PLANNING_FAILED"


async def test_deeply_nested_operation_is_refused_not_crashed() -> None:
    router, _ = make_router()
    query = "{ me " + "{ id " * 3000 + "}" * 3001
    response = await router.execute(GraphQLRequest(query))
    assert response.kind == "request_error"
    assert response.body["errors"][0]["extensions"]["code"] in (
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
    )


async def test_subgraphs_get_client_values_and_operation_defaults() -> None:
    router, transport = make_router()
    query = "query($n: Int = 1) { topProducts(first: $n) { name } }"
    await router.execute(GraphQLRequest(query))
    assert transport.requests[-1][1].variables == {"n": 1}


class NoAliases(ASTValidationRule):
    def enter_field(self, node: FieldNode, *_args: object) -> None:
        if node.alias is not None:
            self.report_error(
                GraphQLError("No aliases", node, extensions={"code": "MAX_ALIASES_EXCEEDED"})
            )


async def test_extra_validation_rules_keep_their_code() -> None:
    router, _ = make_router(extra_rules=(NoAliases,))
    response = await router.execute(GraphQLRequest("{ me { name: username } }"))
    assert response.kind == "request_error"
    assert response.body["errors"][0]["extensions"] == {"code": "MAX_ALIASES_EXCEEDED"}


async def test_wrong_variables_on_a_cached_operation_are_located_without_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cached operation keeps where its variable definitions are (found once, with
    the lexer): wrong values afterwards cost what right ones do, no parse."""
    router, transport = make_router()
    query = "query(\n  $n: Int = 1\n) { topProducts(first: $n) { name } }"
    assert (await router.execute(GraphQLRequest(query, variables={"n": 1}))).kind == "ok"
    parses: list[str] = []
    parse = router._parse

    def counted(text: str, **options: Any) -> Any:
        parses.append(text)
        return parse(text, **options)

    monkeypatch.setattr(router, "_parse", counted)
    for _ in range(2):
        bad = await router.execute(GraphQLRequest(query, variables={"n": "many"}))
        assert bad.kind == "request_error"
        [error] = bad.body["errors"]
        assert error["locations"] == [{"line": 2, "column": 3}]
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert parses == []
    assert transport.counts["products"] == 1


async def test_aliased_introspection_is_executed_once_and_cached() -> None:
    router, transport = make_router()
    selection = "__schema { queryType { name } types { name } }"
    query = "{ " + " ".join(f"a{n}: {selection}" for n in range(50)) + " }"
    response = await router.execute(GraphQLRequest(query))
    answers = list(response.body["data"].values())
    assert len(answers) == 50 and all(a == answers[0] for a in answers)
    assert router.introspection.executions == 1
    renamed = query.replace("a1:", "b1:")
    assert (await router.execute(GraphQLRequest(renamed))).body["data"]["b1"] == answers[0]
    assert router.introspection.executions == 1
    assert sum(transport.counts.values()) == 0


async def test_introspection_conditions_and_variables() -> None:
    router, _ = make_router()
    query = (
        "query($show: Boolean!, $name: String!) {"
        " t: __type(name: $name) @include(if: $show) { name }"
        " s: __schema @skip(if: $show) { queryType { name } } }"
    )
    shown = await router.execute(GraphQLRequest(query, variables={"show": True, "name": "User"}))
    assert shown.body == {"data": {"t": {"name": "User"}}}
    other = await router.execute(GraphQLRequest(query, variables={"show": True, "name": "Product"}))
    assert other.body == {"data": {"t": {"name": "Product"}}}
    hidden = await router.execute(GraphQLRequest(query, variables={"show": False, "name": "User"}))
    assert hidden.body == {"data": {"s": {"queryType": {"name": "Query"}}}}
    assert router.introspection.executions == 3


async def test_large_introspection_data_is_refused_before_any_fetch() -> None:
    router, transport = make_router(limits=OperationLimits(introspection_max_bytes=200))
    small = await router.execute(GraphQLRequest("{ __schema { queryType { name } } }"))
    assert small.kind == "ok"
    big = await router.execute(GraphQLRequest("{ me { username } __schema { types { name } } }"))
    assert big.kind == "request_error"
    [error] = big.body["errors"]
    assert error["extensions"] == {"code": "MAX_INTROSPECTION_BYTES_EXCEEDED"}
    assert "the limit is 200." in error["message"]
    assert sum(transport.counts.values()) == 0


async def test_the_automatic_introspection_limit_is_twice_the_full_query() -> None:
    """`auto` (the default): twice what the full introspection query answers, at least
    1 MB; GraphiQL's query always fits."""
    router, _ = make_router()
    full = await router.execute(GraphQLRequest(get_introspection_query(True, True, True)))
    assert full.kind == "ok"
    size = len(orjson.dumps(full.body["data"]))
    assert router.batch_budget().introspection_bytes == max(1_000_000, 2 * size)
    tiny, _ = make_router(limits=OperationLimits(introspection_max_bytes=size))
    assert (
        await tiny.execute(GraphQLRequest(get_introspection_query(True, True, True)))
    ).kind == "ok"


async def test_a_batch_budget_is_shared_by_its_operations() -> None:
    router, _ = make_router(limits=OperationLimits(max_tokens=20))
    budget = router.batch_budget()
    first = await router.execute(GraphQLRequest("{ me { username } }"), budget=budget)
    assert first.kind == "ok"  # 6 tokens
    second = await router.execute(GraphQLRequest("{ me { username } }"), budget=budget)
    assert second.kind == "ok"  # cached: its 6 tokens count all the same
    third_query = "{ me { username username username username } }"  # 9 tokens > 8 left
    third = await router.execute(GraphQLRequest(third_query), budget=budget)
    assert third.body["errors"][0]["extensions"] == {"code": "BATCH_LIMIT_EXCEEDED"}
    assert "8 tokens were left" in third.body["errors"][0]["message"]
    # The parser spent what was left on it: a fourth operation gets no tokens at all.
    fourth = await router.execute(GraphQLRequest("{ me { id } }"), budget=budget)
    assert "0 tokens were left" in fourth.body["errors"][0]["message"]
    # Stopped by the batch's budget, not by its own limit: nothing was cached about it.
    alone = await router.execute(GraphQLRequest(third_query))
    assert alone.body["errors"][0]["extensions"] == {"code": "QUERY_PLANNING_FAILED"}  # stub


@pytest.mark.parametrize(
    ("length", "code"),
    [(197, None), (198, "MAX_RECURSION_EXCEEDED"), (1_800, "MAX_RECURSION_EXCEEDED")],
)
async def test_fragment_chains_are_measured_never_recursed(length: int, code: str | None) -> None:
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length))
    query = f"{{ ...F0 }} {fragments} fragment F{length} on Query {{ me {{ username }} }}"
    router, _ = make_router()
    parsed = router.parse_and_validate(query)
    if code is None:
        assert parsed.errors == () and parsed.document is not None
    else:
        [error] = parsed.errors
        assert error["extensions"] == {"code": code}
        assert f"{length + 3} levels deep" in error["message"]


def test_the_introspection_cache_is_bounded_by_its_own_byte_count() -> None:
    cache = IntrospectionCache(max_entries=3, max_bytes=1_000)
    for n in range(5):
        cache.put(f"k{n}", IntrospectionResult({"n": n}, (), 100))
    assert len(cache) == 3 and cache.bytes == 3 * (100 + 2)
    assert cache.get("k0") is None and cache.get("k4") is not None
    cache.put("huge", IntrospectionResult("x" * 600, (), 600))  # over half the budget
    assert cache.get("huge") is None and len(cache) == 3
    for n in range(5, 9):
        cache.put(f"k{n}", IntrospectionResult({"n": n}, (), 400))
    assert cache.bytes <= 1_000 and len(cache) == 2
