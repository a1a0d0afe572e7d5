"""What one operation (or one batch) may cost before planning, over real HTTP.

Issue 12 measured on main: 700 aliased `__schema` selections cost 2.8 s of CPU and
answered 5.4 MB (ten of them in a batch: 34 s, 53.7 MB); a linear chain of 489
fragments answered HTTP 500 (a RecursionError) and shorter chains "Validation
aborted."; a cached document with wrong variables was parsed again to locate the
error. Each case here is one of those requests (or the worst we found within the
default limits): the coded answer it gets, what the router did not do (counted),
and that the router still answers a simple query afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from supergraph.pipeline.router import Router
from tests.e2e.system import Response, System, parse_metrics, post
from tests.kit.asgi_server import ThreadedASGIServer

INTROSPECTION = "__schema { types { name fields { name type { name } args { name } } } }"
SIMPLE = "{ products(first: 1) { edges { node { upc } } } }"


def aliased_introspection(copies: int) -> str:
    return "{ " + " ".join(f"a{n}: {INTROSPECTION}" for n in range(copies)) + " }"


def fragment_chain(length: int) -> str:
    """`query { ...F0 }`, F_i spreading F_(i+1), F_length selecting `__typename`."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length))
    return f"query {{ ...F0 }} {fragments} fragment F{length} on Query {{ __typename }}"


PRODUCT = (
    "upc name description weight inStock price { amount currency }"
    " category { slug name } reviews(first: 2) { id body rating author { id username } }"
)


def large_operation(copies: int = 195) -> str:
    """A fresh ~32 KB valid operation of about 3,000 fields: one product selection
    repeated without aliases (they merge: one response name), plus one `__type`."""
    selection = f'product(upc: "000000000001") {{ {PRODUCT} }}'
    repeated = " ".join(selection for _ in range(copies))
    return f'{{ {repeated} __type(name: "Product") {{ name fields {{ name }} }} }}'


@dataclass
class Served:
    url: str
    router: Router
    client: httpx.Client

    def post(self, query: str, variables: dict[str, Any] | None = None) -> Response:
        return post(self.client, f"{self.url}/graphql", query, variables)

    def batch(self, operations: list[dict[str, Any]]) -> tuple[int, Any, int]:
        response = self.client.post(
            f"{self.url}/graphql",
            json=operations,
            headers={"accept": "application/json"},
        )
        return response.status_code, response.json(), len(response.content)


@pytest.fixture(scope="module")
def served(system: System) -> Iterator[Served]:
    """A router of our own (batching on, every limit at its default), so that its
    counters (introspection executions, parses) can be read."""
    raw = {**system.security_config(), "batching": {"enabled": True}}
    app = build_app(system.supergraph_sdl, parse_config(raw))
    server = ThreadedASGIServer(app, "operations-router", lifespan="on")
    server.start()
    try:
        with httpx.Client(timeout=60) as client:
            yield Served(server.url, app.state.holder.router, client)
    finally:
        server.stop()


def assert_healthy(url: str, client: httpx.Client) -> None:
    assert client.get(f"{url}/health").json() == {"status": "UP"}
    simple = post(client, f"{url}/graphql", SIMPLE)
    assert simple.status == 200 and simple.errors == [], simple.text[:300]
    assert simple.data["products"]["edges"][0]["node"]["upc"]


def refused(response: Response, code: str) -> None:
    assert response.status == 400, response.text[:500]
    assert "data" not in response.body
    assert response.codes() == [code], response.errors


# -- introspection ----------------------------------------------------------------------


def test_700_aliased_introspections_are_refused_before_any_execution(served: Served) -> None:
    before = served.router.introspection.executions
    response = served.post(aliased_introspection(700))
    refused(response, "MAX_ALIASES_EXCEEDED")
    assert "the limit is 100" in response.errors[0]["message"]
    assert len(response.text) < 1_000
    assert served.router.introspection.executions == before
    assert_healthy(served.url, served.client)


def test_graphiqls_introspection_query_is_answered(served: Served) -> None:
    """The query GraphiQL and Apollo's tooling send (nested `ofType`, descriptions,
    deprecations): answered in full, and from the cache the second time."""
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    first = served.post(query)
    assert first.status == 200 and first.errors == [], first.text[:300]
    names = {t["name"] for t in first.data["__schema"]["types"]}
    assert {"Query", "Product", "Review", "__Schema"} <= names
    executions = served.router.introspection.executions
    again = served.post(query)
    assert again.body == first.body
    assert served.router.introspection.executions == executions


def test_aliased_copies_of_one_selection_are_executed_once(served: Served) -> None:
    """90 aliases (within the limit) of one selection: one execution, 90 equal answers;
    the same selection under other aliases later: none."""
    before = served.router.introspection.executions
    response = served.post(aliased_introspection(90))
    assert response.status == 200 and response.errors == [], response.text[:300]
    answers = list(response.data.values())
    assert len(answers) == 90 and all(answer == answers[0] for answer in answers)
    assert served.router.introspection.executions == before + 1
    renamed = "{ " + " ".join(f"b{n}: {INTROSPECTION}" for n in range(5)) + " }"
    assert served.post(renamed).status == 200
    assert served.router.introspection.executions == before + 1


def test_introspection_variables_key_the_cached_answers(served: Served) -> None:
    query = "query T($name: String!) { __type(name: $name) { name kind } }"
    product = served.post(query, {"name": "Product"})
    review = served.post(query, {"name": "Review"})
    assert product.data == {"__type": {"name": "Product", "kind": "OBJECT"}}
    assert review.data == {"__type": {"name": "Review", "kind": "OBJECT"}}


def test_deeply_nested_introspection_is_refused(served: Served) -> None:
    """graphql-js's MaxIntrospectionDepthRule (Apollo Router: limits.introspection_max_depth)."""
    deep = '{ __type(name: "Product") { fields { type { fields { type { fields { name } } } } } } }'
    response = served.post(deep)
    refused(response, "GRAPHQL_VALIDATION_FAILED")
    assert response.errors[0]["message"] == "Maximum introspection depth exceeded"
    assert_healthy(served.url, served.client)


def test_large_introspection_responses_are_refused_with_their_own_code(system: System) -> None:
    """Past `introspection_max_bytes`, before any subgraph is asked (the query also
    selects a subgraph field)."""
    url = system.start_router(limits={"introspection_max_bytes": 100_000})
    full = get_introspection_query(descriptions=True)
    # About 52 KB (every field of the bundled graph has a description); the 40 copies
    # below are several times the limit.
    assert system.post(full, router=url).status == 200
    before = system.subgraph_requests()
    copies = " ".join(f"s{n}: __schema {{ types {{ name description }} }}" for n in range(40))
    response = system.post(
        f"{{ products(first: 1) {{ edges {{ cursor }} }} {copies} }}", router=url
    )
    refused(response, "MAX_INTROSPECTION_BYTES_EXCEEDED")
    assert "the limit is 100000" in response.errors[0]["message"]
    assert system.subgraph_requests() == before
    assert_healthy(url, system.client)


# -- batches ----------------------------------------------------------------------------


def test_a_batch_of_ten_heavy_introspections_is_refused_by_its_total_work(served: Served) -> None:
    """Issue 12's batch: ten 700-alias requests. The first is parsed and refused by
    its own alias limit; it used the batch's tokens, so the parser stops the others
    where the budget ends. Nothing is executed; the answer is a few KB."""
    before = served.router.introspection.executions
    operations = [{"query": aliased_introspection(700) + " " * n} for n in range(10)]
    status, bodies, size = served.batch(operations)
    assert status == 200 and len(bodies) == 10
    codes = [body["errors"][0]["extensions"]["code"] for body in bodies]
    assert codes[0] == "MAX_ALIASES_EXCEEDED"
    assert set(codes[1:]) == {"BATCH_LIMIT_EXCEEDED"}
    assert all("data" not in body for body in bodies)
    assert size < 10_000
    assert served.router.introspection.executions == before
    assert_healthy(served.url, served.client)


def test_a_batch_within_per_request_limits_is_bounded_by_its_sum(served: Served) -> None:
    """Ten operations that each fit a request (90 aliases, about 700 KB of introspection
    each) do not fit one together: the first is answered, the rest refused."""
    operations = [{"query": aliased_introspection(90) + " " * n} for n in range(10)]
    status, bodies, size = served.batch(operations)
    assert status == 200 and len(bodies) == 10
    assert "errors" not in bodies[0] and len(bodies[0]["data"]) == 90
    for body in bodies[1:]:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BATCH_LIMIT_EXCEEDED"]
    assert size < 2 * len(str(bodies[0]))  # one answer's worth, not ten


def test_a_small_batch_is_answered_in_full(served: Served) -> None:
    operations = [{"query": SIMPLE}, {"query": "{ __typename }"}, {"query": "{ me { id } }"}]
    status, bodies, _ = served.batch(operations)
    assert status == 200
    assert bodies[0]["data"]["products"]["edges"]
    assert bodies[1] == {"data": {"__typename": "Query"}}
    assert bodies[2] == {"data": {"me": None}}


# -- fragment chains and recursion ------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "code"),
    [
        (198, None),  # nests 200: the most graphql-core's validation takes, answered
        (200, "MAX_RECURSION_EXCEEDED"),
        (489, "MAX_RECURSION_EXCEEDED"),
        (5_000, "MAX_TOKENS_EXCEEDED"),
    ],
)
def test_fragment_chains_get_an_answer_or_a_code_never_a_500(
    served: Served, length: int, code: str | None
) -> None:
    response = served.post(fragment_chain(length))
    if code is None:
        assert response.status == 200, response.text[:300]
        assert response.body == {"data": {"__typename": "Query"}}
    else:
        refused(response, code)
    assert "Validation aborted" not in response.text
    assert_healthy(served.url, served.client)


def test_a_chain_of_2000_fragments_within_the_token_limit_is_refused_by_nesting(
    system: System,
) -> None:
    url = system.start_router(limits={"max_tokens": 20_000})
    response = system.post(fragment_chain(2_000), router=url)
    refused(response, "MAX_RECURSION_EXCEEDED")
    assert "2002 levels deep" in response.errors[0]["message"]
    assert_healthy(url, system.client)


# -- large operations and variables -----------------------------------------------------


def test_a_large_fresh_valid_operation_is_answered(served: Served) -> None:
    query = large_operation()
    assert 30_000 < len(query) < 40_000
    response = served.post(query)
    assert response.status == 200 and response.errors == [], response.text[:500]
    assert response.data["product"]["upc"] == "000000000001"
    assert response.data["__type"]["name"] == "Product"


def test_a_large_response_is_shaped_off_the_event_loop(served: Served) -> None:
    """Its ~3,000 fields are more than the loop's budget (1,000): its shaping runs on the
    compute worker, known from the operation's size before any run (so never started on
    the loop); a simple query's small answer stays on the loop."""
    router = served.router
    before = (router.shaped_off_loop, router.shaping_restarts, router.jobs.prompt)
    response = served.post(large_operation(196))  # fresh: not the other test's text
    assert response.status == 200 and response.errors == [], response.text[:500]
    assert response.data["product"]["upc"] == "000000000001"
    after = (router.shaped_off_loop, router.shaping_restarts, router.jobs.prompt)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 0, 1]
    assert_healthy(served.url, served.client)
    assert router.shaped_off_loop == after[0]  # the simple query was shaped on the loop
    samples = parse_metrics(served.client.get(f"{served.url}/metrics").text)
    started = samples["router_off_loop_shaping_total", (("started", "worker"),)]
    assert started == router.shaped_off_loop - router.shaping_restarts >= 1


def test_wrong_variables_on_a_cached_document_are_located_without_parsing(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "query Cached(\n  $first: Int\n  $upc: String!\n) {\n" + large_operation()[1:]
    query = query.replace('product(upc: "000000000001")', "product(upc: $upc)").replace(
        "reviews(first: 2)", "reviews(first: $first)"
    )
    # Twice: its prepared operation is heavy (over 1/256 of the plan cache's budget),
    # cached from its second use on.
    for _ in range(2):
        assert served.post(query, {"first": 1, "upc": "000000000001"}).status == 200
    assert served.router.plans.peek((query, None)) is not None
    parses = 0
    parse = served.router._parse

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal parses
        parses += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(served.router, "_parse", counted)
    response = served.post(query, {"first": "many", "upc": None})
    assert response.status == 400
    assert "data" not in response.body
    assert set(response.codes()) == {"BAD_USER_INPUT"}
    assert [e["locations"] for e in response.errors] == [
        [{"line": 2, "column": 3}],
        [{"line": 3, "column": 3}],
    ]
    assert parses == 0
    assert_healthy(served.url, served.client)


# -- the worst documents within the default limits --------------------------------------

WORST = {
    "one name 15,000 times": "{ " + "__typename " * 14_998 + "}",
    "one object 3,700 times": "{ " + " ".join("me { id }" for _ in range(3_700)) + " }",
    "a conflict among 1,600 copies": "{ "
    + " ".join('product(upc: "000000000001") { upc }' for _ in range(1_600))
    + ' product(upc: "2") { upc } }',
    "1,400 operations sharing fragments": " ".join(f"query Q{i} {{ ...A }}" for i in range(1_400))
    + " fragment A on Query { "
    + " ".join(f"...B{i}" for i in range(300))
    + " } "
    + " ".join(f"fragment B{i} on Query {{ __typename }}" for i in range(300)),
    "7,000 unknown fields": "{ me { " + " ".join(f"nope{i}" for i in range(7_000)) + " } }",
    "a 262,000-character string": '{ search(text: "'
    + "x" * 262_000
    + '", first: 1) { __typename } }',
    "a longer document": "#" + "x" * 300_000 + "\n{ __typename }",
    "lists nested 190 deep": "{ products(first: "
    + "[" * 190
    + "1"
    + "]" * 190
    + ") { edges { cursor } } }",
    "950 variables in conditions": "query V("
    + " ".join(f"$v{i}: Boolean = true" for i in range(950))
    + ") { "
    + " ".join(f"__typename @include(if: $v{i})" for i in range(950))
    + " }",
}


@pytest.mark.parametrize("name", sorted(WORST))
def test_the_worst_documents_get_an_answer_or_a_code(served: Served, name: str) -> None:
    response = served.post(WORST[name])
    assert response.status in (200, 400), (response.status, response.text[:300])
    if response.status == 400:
        assert response.codes() and None not in response.codes(), response.errors
    assert_healthy(served.url, served.client)


# -- @defer -------------------------------------------------------------------------------


def doubling_defers(depth: int) -> str:
    """Each named fragment spreads the next twice, both deferred: 2 + 4 + ... + 2**depth
    deferred fragments from a few hundred bytes of text."""
    fragments = " ".join(
        f"fragment F{i} on Product {{ ...F{i + 1} @defer ...F{i + 1} @defer(if: true) }}"
        for i in range(depth)
    )
    return (
        "{ products(first: 1) { edges { node { ...F0 } } } } "
        f"{fragments} fragment F{depth} on Product {{ upc }}"
    )


def test_multiplied_deferred_fragments_are_refused_before_planning(served: Served) -> None:
    response = served.client.post(
        f"{served.url}/graphql",
        json={"query": doubling_defers(8)},
        headers={"accept": "multipart/mixed;deferSpec=20220824,application/json"},
    )
    assert response.status_code == 200  # a request error, application/json
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["MAX_DEFERRED_FRAGMENTS_EXCEEDED"]
    assert "defers 510 fragments; at most 32" in body["errors"][0]["message"]
    assert_healthy(served.url, served.client)
