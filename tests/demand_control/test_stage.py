"""The demand control stage on its own (in-process transport): hostile sizes, the
`@listSize` that cannot be applied, and measure mode's records."""

from __future__ import annotations

import json

from supergraph.compose import SubgraphSource, compose
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.demand_control import CostRecord, DemandControlOptions, Mode
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.types import JSONObject

from .books import books_supergraph

PEOPLE = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@listSize"])
type Query { people(first: Int): [Person] @listSize(slicingArguments: ["first"]) }
type Person { name: String friends: [Person] }
"""


def _answer(_subgraph: str, _request: SubgraphRequest) -> JSONObject:
    return {"data": {"people": []}}


def _router(sdl: str, mode: Mode, records: list[CostRecord], list_size: int = 10) -> Router:
    options = DemandControlOptions(mode, list_size, 1000.0, observer=records.append)
    return Router(
        load_supergraph(sdl),
        MockTransport(_answer),
        RouterOptions(compute_jobs=False, demand_control=options),
    )


def _people_sdl() -> str:
    composed = compose([SubgraphSource("people", "http://people.invalid/graphql", PEOPLE)])
    assert composed.supergraph_sdl is not None, composed.errors
    return composed.supergraph_sdl


async def test_nested_lists_beyond_a_float_are_refused_with_valid_json() -> None:
    # 60 levels of friends, each list 2^32 - 1 long: the estimate overflows to infinity.
    records: list[CostRecord] = []
    router = _router(_people_sdl(), "enforce", records, list_size=2**32 - 1)
    query = "{ people(first: 2147483647) { " + "friends { " * 60 + "name" + " }" * 62
    response = await router.execute(GraphQLRequest(query))
    body = response.body  # type: ignore[union-attr]
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    json.dumps(body, allow_nan=False)  # no Infinity in the answer
    assert router.transport.counts == {}  # type: ignore[attr-defined]
    assert [r.result for r in records] == ["COST_ESTIMATED_TOO_EXPENSIVE"]


async def test_a_negative_slicing_argument_is_an_empty_list() -> None:
    records: list[CostRecord] = []
    router = _router(_people_sdl(), "enforce", records)
    response = await router.execute(GraphQLRequest("{ people(first: -5) { name } }"))
    assert response.body == {"data": {"people": []}}  # type: ignore[union-attr]
    assert [(r.result, r.estimated, r.actual) for r in records] == [("COST_OK", 0.0, 0.0)]


async def test_a_missing_slicing_argument_is_refused_in_enforce_mode_only() -> None:
    query = "{ people { name } }"  # `people` requires exactly one slicing argument
    records: list[CostRecord] = []
    enforce = _router(_people_sdl(), "enforce", records)
    refused = await enforce.execute(GraphQLRequest(query))
    [error] = refused.body["errors"]  # type: ignore[union-attr]
    assert error["extensions"]["code"] == "COST_QUERY_PARSE_FAILURE"
    assert enforce.transport.counts == {}  # type: ignore[attr-defined]
    measure = _router(_people_sdl(), "measure", records)
    answered = await measure.execute(GraphQLRequest(query))
    assert answered.body == {"data": {"people": []}}  # type: ignore[union-attr]
    assert [r.result for r in records] == ["COST_QUERY_PARSE_FAILURE"] * 2
    assert records[1].estimated is None and records[1].actual == 0


async def test_without_demand_control_nothing_is_costed() -> None:
    router = Router(
        load_supergraph(books_supergraph()),
        MockTransport(lambda _s, _r: {"data": {"bestsellers": []}}),
        RouterOptions(compute_jobs=False),
    )
    assert router.demand_control is None
    response = await router.execute(GraphQLRequest("{ bestsellers { title } }"))
    assert response.body == {"data": {"bestsellers": []}}  # type: ignore[union-attr]


async def test_an_empty_list_of_overflowing_items_costs_nothing() -> None:
    records: list[CostRecord] = []
    router = _router(_people_sdl(), "measure", records, list_size=2**32 - 1)
    query = "{ people(first: 0) { " + "friends { " * 60 + "name" + " }" * 62
    await router.execute(GraphQLRequest(query))
    assert [(r.result, r.estimated) for r in records] == [("COST_OK", 0.0)]
