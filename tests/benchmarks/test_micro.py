"""Micro-benchmarks of the router's hot stages (pytest-benchmark; `make bench-micro`).

Deselected in the normal run (marker `benchmark`). On a large generated supergraph
(216 entity types across 12 subgraphs, see generated.py):
- planning cold (the planner itself) and cached (the router's prepared-operation
  lookup, target under 50 microseconds);
- shaping a result of about 1 MB;
- parse + validate of a large operation (about 32 KB of text, thousands of fields),
  the router's path and graphql-core's full rule set for reference.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from graphql import OperationDefinitionNode, parse, specified_rules, validate

from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.shaping import ResponseShaper
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.planner import build_query_plan
from supergraph.schema import Supergraph, load_supergraph
from tests.benchmarks import generated, wide_list

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def supergraph() -> Supergraph:
    return load_supergraph(generated.supergraph_sdl())


@pytest.fixture(scope="module")
def router(supergraph: Supergraph) -> Router:
    return Router(supergraph, MockTransport(lambda *_: {"data": {}}))


def test_generated_supergraph_is_large(supergraph: Supergraph) -> None:
    types = [t for t in generated.supergraph_sdl().split("\ntype ") if t[:1] == "T"]
    assert len(types) >= 200
    assert len(supergraph.subgraphs) >= 10


@pytest.mark.parametrize("shape", ["chain", "wide"])
def test_plan_cold(benchmark: Any, supergraph: Supergraph, shape: str) -> None:
    query = generated.chain_query() if shape == "chain" else generated.wide_query()
    document = parse(query)
    assert not validate(supergraph.api_schema, document)
    plan = benchmark(build_query_plan, supergraph, document, None)
    assert plan is not None


@pytest.mark.parametrize("shape", ["chain", "wide"])
def test_plan_cached(benchmark: Any, router: Router, shape: str) -> None:
    query = generated.chain_query() if shape == "chain" else generated.wide_query()
    parsed = router.parse_and_validate(query)
    assert parsed.document is not None
    first = router.prepare(query, parsed.document, None)
    assert isinstance(first, PreparedOperation)

    def cached() -> object:
        # A cached document keeps no AST: the plan cache hit needs none.
        parsed = router.parse_and_validate(query)
        return router.prepare(query, parsed.document, None)

    assert benchmark(cached) is first


def _wide_result(rows: int) -> dict[str, object]:
    """Data for `wide_query()` with `rows` items per root list."""
    data: dict[str, object] = {}
    for s in range(generated.SUBGRAPHS):
        prev = (s - 1) % generated.SUBGRAPHS
        items = []
        for i in range(rows):
            items.append(
                {
                    "id": str(i),
                    "name": f"item {s}/{i}",
                    "value": i,
                    "tags": ["a", "b", "c"],
                    "next": {
                        "id": f"n{i}",
                        "name": f"next {i}",
                        "peers": [{"id": f"p{i}_{k}", "value": k} for k in range(5)],
                    },
                    f"extra{prev}": i * 2,
                    f"link{prev}": {"id": f"l{i}", "name": f"link {i}", "score": 0.5},
                }
            )
        data[f"s{s}"] = items
    return data


def test_shape_1mb(benchmark: Any, supergraph: Supergraph) -> None:
    document = parse(generated.wide_query())
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    shaper = ResponseShaper(supergraph.api_schema, operation, {})
    data = _wide_result(rows=260)
    size = len(orjson.dumps(data))
    assert 900_000 < size < 1_300_000, size

    def shape() -> object:
        errors: list[Any] = []
        shaped = shaper.shape(data, {}, errors)
        assert not errors
        return shaped

    shaped = benchmark(shape)
    assert orjson.dumps(shaped) == orjson.dumps(data)


def test_parse_validate_large_operation(benchmark: Any, router: Router) -> None:
    """The router's own uncached path (the one-pass walk, graphql-core only for the rest)."""
    query = generated.large_operation()
    assert len(query) > 30_000

    def parse_and_validate() -> object:
        parsed = router._parse_and_validate(query, None)  # uncached: a fresh document each time
        assert parsed.document is not None, parsed.errors
        return parsed

    benchmark(parse_and_validate)


def test_parse_validate_large_operation_all_rules(benchmark: Any, supergraph: Supergraph) -> None:
    """Reference: graphql-core running every spec rule (what the router did before)."""
    query = generated.large_operation()

    def parse_and_validate() -> object:
        document = parse(query)
        errors = validate(supergraph.api_schema, document, specified_rules)
        assert not errors
        return document

    benchmark(parse_and_validate)


def test_wide_list_execute(benchmark: Any) -> None:
    """The bench's wide_list end to end in process: plan cache hit, 4 fetches, shaping."""
    router = Router(load_supergraph(wide_list.SCHEMA.read_text()), wide_list.ReplayTransport())
    request = GraphQLRequest(wide_list.QUERY, "WideList")
    loop = asyncio.new_event_loop()

    def execute() -> bytes:
        response = loop.run_until_complete(router.execute(request))
        return orjson.dumps(response.body)

    try:
        body = orjson.loads(benchmark(execute))
    finally:
        loop.close()
    assert "errors" not in body, body["errors"]
    edges = body["data"]["products"]["edges"]
    assert len(edges) == wide_list.PRODUCTS
    first = edges[0]["node"]
    assert list(first) == ["upc", "name", "price", "inStock", "reviews"]
    assert len(first["reviews"]) == wide_list.REVIEWS_PER_PRODUCT
    assert first["reviews"][0]["author"] == {"id": "0", "name": "User 0"}
    assert 60_000 < len(orjson.dumps(body)) < 90_000
