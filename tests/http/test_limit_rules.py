"""The limit rules and the persisted-query pieces on their own (no HTTP)."""

from __future__ import annotations

import time

import pytest
from graphql import build_schema, parse, specified_rules, validate

from supergraph.http.envsubst import EnvError, expand
from supergraph.limits import OperationLimits
from supergraph.limits.expanded import expanded_fields
from supergraph.limits.fetches import count_fetches
from supergraph.persisted.manifest import ManifestError, parse_manifest
from supergraph.planner.plan import Condition, Fetch, Flatten, Parallel, QueryPlan, Sequence

SCHEMA = build_schema("type Query { a: Query b: Query n: Int m: Int k: Int }")


def codes(query: str, limits: OperationLimits) -> list[str]:
    errors = validate(SCHEMA, parse(query), (*specified_rules, *limits.rules()))
    return [str((e.extensions or {}).get("code", "SPEC")) for e in errors]


def test_depth_counts_through_inline_and_named_fragments() -> None:
    query = "{ a { ... on Query { a { ...F } } } } fragment F on Query { n }"
    assert codes(query, OperationLimits(max_depth=3)) == []
    assert codes(query, OperationLimits(max_depth=2)) == ["MAX_DEPTH_EXCEEDED"]


def test_fragment_cycles_are_left_to_the_spec_rule() -> None:
    query = "{ a { ...F } } fragment F on Query { a { ...G } } fragment G on Query { ...F }"
    found = codes(query, OperationLimits(max_depth=10, max_root_fields=1))
    assert "MAX_DEPTH_EXCEEDED" not in found
    assert "SPEC" in found  # NoFragmentCyclesRule


def test_fragment_bomb_is_measured_in_linear_time() -> None:
    # Each fragment spreads the next twice: 2**40 paths if expanded naively.
    fragments = " ".join(
        f"fragment F{i} on Query {{ a {{ ...F{i + 1} }} b {{ ...F{i + 1} }} }}" for i in range(40)
    )
    query = f"{{ ...F0 }} {fragments} fragment F40 on Query {{ n }}"
    started = time.perf_counter()
    assert codes(query, OperationLimits(max_depth=100)) == []
    assert codes(query, OperationLimits(max_depth=40)) == ["MAX_DEPTH_EXCEEDED"]
    assert time.perf_counter() - started < 5  # a guard against exponential walks, not a benchmark


def test_root_fields_count_per_operation_through_fragments() -> None:
    query = "query A { n m } query B { ...R } fragment R on Query { n m k }"
    assert codes(query, OperationLimits(max_root_fields=2)) == ["MAX_ROOT_FIELDS_EXCEEDED"]
    assert codes(query, OperationLimits(max_root_fields=3)) == []


def test_aliases_count_in_the_whole_document() -> None:
    query = "{ x: a { y: n } z: n }"
    assert codes(query, OperationLimits(max_aliases=3)) == []
    assert codes(query, OperationLimits(max_aliases=2)) == ["MAX_ALIASES_EXCEEDED"]


def test_expanded_fields_count_every_use_of_a_fragment() -> None:
    query = "{ a { ...F ...F } n } fragment F on Query { n b { m } }"
    assert expanded_fields(parse(query)) == 2 + 2 * 3
    # The largest operation counts; unknown and cyclic spreads count nothing.
    query = "query A { n } query B { n m ...X ...G } fragment G on Query { a { ...G } }"
    assert expanded_fields(parse(query)) == 3


def test_expanded_fields_of_a_fragment_bomb_are_counted_not_walked() -> None:
    fragments = " ".join(
        f"fragment F{i} on Query {{ a {{ ...F{i + 1} }} b {{ ...F{i + 1} }} }}" for i in range(40)
    )
    query = f"{{ ...F0 }} {fragments} fragment F40 on Query {{ n }}"
    assert expanded_fields(parse(query)) == 2**41 - 2 + 2**40


def test_count_fetches_sees_every_branch() -> None:
    def fetch() -> Fetch:
        return Fetch("s", "{ a }")

    node = Sequence(
        (
            fetch(),
            Parallel((Flatten(("a",), fetch()), Condition("v", fetch(), fetch()))),
            Condition("w", None, fetch()),
        )
    )
    assert count_fetches(QueryPlan(node)) == 5
    assert count_fetches(QueryPlan(None)) == 0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "format"),
        ({"format": "apollo-persisted-query-manifest", "version": 2}, "version"),
        ({"format": "apollo-persisted-query-manifest", "version": 1}, "operations"),
        (
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": 1}]},
            "operations[0]",
        ),
    ],
)
def test_bad_manifests(raw: object, message: str) -> None:
    with pytest.raises(ManifestError, match=message.replace("[", r"\[")):
        parse_manifest(raw)


def test_env_expansion() -> None:
    env = {"HOST": "redis", "PORT": "6380"}
    raw = {"a": "redis://${env.HOST}:${env.PORT}/0", "b": ["${env.PORT}"], "c": "${env.X:-}"}
    assert expand(raw, env) == {"a": "redis://redis:6380/0", "b": [6380], "c": ""}
    with pytest.raises(EnvError, match=r"^a\.b: environment variable X"):
        expand({"a": {"b": "${env.X}"}}, env)


LIMIT_DOCUMENTS = [
    "{ n }",
    "{ a { a { n } } m }",
    "{ x: a { y: n } z: n }",
    "{ ...F } fragment F on Query { a { ...G } k } fragment G on Query { w: n }",
    "query A { n m } query B { ...R } fragment R on Query { n m k }",
    "{ a { ... on Query { a { ...F } } } } fragment F on Query { n }",
    "{ __typename a { __schema { queryType { name } } } }",
    '{ ...F } fragment F on Query { a { __type(name: "Query") { name } } }',
]


@pytest.mark.parametrize("query", LIMIT_DOCUMENTS)
@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4])
def test_direct_checks_agree_with_the_rules(query: str, limit: int) -> None:
    """`passes(document)` is the rule's own verdict without graphql-core's visit."""
    document = parse(query)
    limits = OperationLimits(
        max_depth=limit, max_aliases=limit, max_root_fields=limit, introspection=False
    )
    for rule in limits.rules():
        assert rule.passes(document) == (validate(SCHEMA, document, [rule]) == []), rule  # type: ignore[attr-defined]
