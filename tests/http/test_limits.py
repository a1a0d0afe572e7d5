"""Each operation limit at its boundary: the largest allowed passes, the next is refused
with its own code, before planning (no subgraph is asked). Plus body size (413) and
the introspection switch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from supergraph.http.config import parse_config
from supergraph.limits import count_limits
from supergraph.planner import DEFAULT_MAX_STEPS
from tests.http.edge import edge_client

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


async def _post(config: dict[str, Any], query: str) -> httpx.Response:
    async with edge_client(config) as client:
        return await client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


# depth 3: topProducts (1) > reviews (2) > body (3)
DEEP = "{ topProducts { reviews { body } } }"
# depth 4, the extra level through a fragment
DEEPER = "{ topProducts { ...R } } fragment R on Product { reviews { author { id } } }"


BOUNDARIES = [
    ({"max_depth": 3}, DEEP, DEEPER, "MAX_DEPTH_EXCEEDED"),
    (
        {"max_aliases": 2},
        "{ a: me { id } b: me { username } }",
        "{ a: me { id } b: me { username } c: me { id } }",
        "MAX_ALIASES_EXCEEDED",
    ),
    (
        {"max_root_fields": 2},
        "{ me { id } topProducts { name } }",
        "{ me { id } topProducts { name } ...on Query { __typename } }",
        "MAX_ROOT_FIELDS_EXCEEDED",
    ),
    (
        {"max_expanded_fields": 3},
        "{ topProducts { ...P } } fragment P on Product { name upc }",
        "{ topProducts { ...P ... on Product { ...P } } } fragment P on Product { name upc }",
        "MAX_EXPANDED_FIELDS_EXCEEDED",
    ),
    # products, then reviews for them: two fetches
    ({"max_fetches": 1}, "{ topProducts { name } }", DEEP, "MAX_FETCHES_EXCEEDED"),
    # planning `topProducts { name }` takes 3 steps, DEEP 11 (supergraph/planner/budget.py)
    (
        {"max_planning_steps": 10},
        "{ topProducts { name } }",
        DEEP,
        "MAX_PLANNING_STEPS_EXCEEDED",
    ),
    # named fragments count at each spread; `if: false` counts too (the bound is static)
    (
        {"max_deferred_fragments": 1},
        "{ topProducts { name ... @defer(if: false) { upc } } }",
        "{ topProducts { ...P @defer(if: false) } me { id } topProducts { ...P } }"
        " fragment P on Product { name ... @defer(if: false) { upc } }",
        "MAX_DEFERRED_FRAGMENTS_EXCEEDED",
    ),
    # `{ me { id } }` is 6 tokens: { me { id } } (the end of input does not count).
    ({"parser_max_tokens": 6}, "{ me { id } }", "{ me { id username } }", "MAX_TOKENS_EXCEEDED"),
    # `{ me { id } }` is 13 characters
    ({"max_query_length": 13}, "{ me { id } }", "{ me { id  } }", "MAX_QUERY_LENGTH_EXCEEDED"),
]


def test_every_counting_limit_has_its_boundary_case() -> None:
    """A new limit in OperationLimits is a router.yaml key at once: it must be shown
    here, refused at its boundary with its own code."""
    keys = {key for limits, *_ in BOUNDARIES for key in limits}
    assert keys == {limit.key for limit in count_limits()}


@pytest.mark.parametrize(("limits", "allowed", "refused", "code"), BOUNDARIES)
async def test_limit_boundary(
    limits: dict[str, int], allowed: str, refused: str, code: str
) -> None:
    ok = await _post({"limits": limits}, allowed)
    assert ok.status_code == 200, ok.text
    assert "errors" not in ok.json()
    bad = await _post({"limits": limits}, refused)
    assert bad.status_code == 400
    assert _code(bad) == code
    assert "data" not in bad.json()
    assert str(next(iter(limits.values()))) in bad.json()["errors"][0]["message"]


async def test_limits_are_off_by_default() -> None:
    assert (await _post({}, DEEPER)).status_code == 200


async def test_an_operation_over_the_planning_budget_leaves_the_router_healthy() -> None:
    """Refused as a request error (400 for graphql-response+json, 200 with
    application/json), not cached as a plan: the same router answers the next
    operation, and the refused one again the same way."""
    async with edge_client({"limits": {"max_planning_steps": 10}}) as client:
        for _ in range(2):
            bad = await client.post("/graphql", json={"query": DEEP}, headers=GRAPHQL_RESPONSE)
            assert (bad.status_code, _code(bad)) == (400, "MAX_PLANNING_STEPS_EXCEEDED")
            assert bad.json()["errors"][0]["message"] == (
                "planning the operation takes more than 10 steps"
            )
            plain = await client.post("/graphql", json={"query": DEEP})
            assert (plain.status_code, _code(plain)) == (200, "MAX_PLANNING_STEPS_EXCEEDED")
            ok = await client.post(
                "/graphql", json={"query": "{ topProducts { name } }"}, headers=GRAPHQL_RESPONSE
            )
            assert ok.status_code == 200, ok.text
            assert ok.json()["data"]["topProducts"]
        health = await client.get("/health")
        assert health.status_code == 200


async def test_the_planning_budget_is_on_by_default_and_can_be_switched_off() -> None:
    assert parse_config({}).limits.max_planning_steps == DEFAULT_MAX_STEPS
    off = parse_config({"limits": {"max_planning_steps": None}})
    assert off.limits.max_planning_steps is None
    assert (await _post({"limits": {"max_planning_steps": None}}, DEEPER)).status_code == 200


async def test_body_size_boundary() -> None:
    limit = 200
    body = b'{"query": "{ me { id } }"}'
    padded = body[:-1] + b" " * (limit - len(body)) + b"}"
    assert len(padded) == limit
    async with edge_client({"limits": {"max_body_bytes": limit}}) as client:
        headers = {"content-type": "application/json"}
        ok = await client.post("/graphql", content=padded, headers=headers)
        assert ok.status_code == 200, ok.text
        too_big = await client.post("/graphql", content=padded + b" ", headers=headers)
        assert too_big.status_code == 413
        assert _code(too_big) == "MAX_BODY_SIZE_EXCEEDED"

        async def chunks() -> Any:  # no Content-Length: refused while streaming
            yield padded
            yield b" "

        streamed = await client.post("/graphql", content=chunks(), headers=headers)
        assert streamed.status_code == 413


async def test_introspection_switch() -> None:
    query = "{ __schema { queryType { name } } }"
    on = await _post({}, query)
    assert on.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    off = await _post({"introspection": False}, query)
    assert (off.status_code, _code(off)) == (400, "INTROSPECTION_DISABLED")
    typename = await _post({"introspection": False}, "{ __typename }")
    assert typename.json() == {"data": {"__typename": "Query"}}


async def test_the_token_limit_is_on_by_default() -> None:
    """Unconfigured, the parser still stops at 15,000 tokens (Apollo Router's default)."""
    # Braces (2) + 14,998 `__typename` (1 each) = 15,000 (one response name: they merge).
    allowed = "{ " + "__typename " * 14_998 + "}"
    refused = "{ " + "__typename " * 14_999 + "}"
    assert (await _post({}, allowed)).status_code == 200
    bad = await _post({}, refused)
    assert bad.status_code == 400
    assert _code(bad) == "MAX_TOKENS_EXCEEDED"


async def test_a_fragment_bomb_is_refused_by_default() -> None:
    """2**30 fields once expanded: refused before validation and planning."""
    fragments = " ".join(
        f"fragment F{i} on Product {{ a: reviews {{ product {{ ...F{i + 1} }} }}"
        f" b: reviews {{ product {{ ...F{i + 1} }} }} }}"
        for i in range(30)
    )
    query = f"{{ topProducts {{ ...F0 }} }} {fragments} fragment F30 on Product {{ name }}"
    bad = await _post({}, query)
    assert (bad.status_code, _code(bad)) == (400, "MAX_EXPANDED_FIELDS_EXCEEDED")


async def test_an_alias_flood_of_fetches_is_refused_by_default() -> None:
    """Each alias of `author` is its own entity fetch: 2 + 1,000 fetches > 1,000. By
    default the alias limit (100) refuses it first, before validation and planning."""
    authors = " ".join(f"a{n}: author {{ username }}" for n in range(1_000))
    query = "{ topProducts { reviews { " + authors + " } } }"
    first = await _post({}, query)
    assert (first.status_code, _code(first)) == (400, "MAX_ALIASES_EXCEEDED")
    no_alias_limit = {"limits": {"max_aliases": None}}
    bad = await _post(no_alias_limit, query)
    assert (bad.status_code, _code(bad)) == (400, "MAX_FETCHES_EXCEEDED")
    assert "1002 subgraph fetches" in bad.json()["errors"][0]["message"]
    fewer = " ".join(f"a{n}: author {{ username }}" for n in range(998))
    ok = await _post(no_alias_limit, "{ topProducts { reviews { " + fewer + " } } }")
    assert ok.status_code == 200, ok.text
