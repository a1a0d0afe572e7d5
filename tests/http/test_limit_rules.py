"""The limit checks and the persisted-query pieces on their own (no HTTP)."""

from __future__ import annotations

import time

import pytest
from graphql import parse

from supergraph.http.config import ConfigError, RouterConfig, parse_config
from supergraph.http.envsubst import EnvError, expand
from supergraph.limits import OperationLimits, measure
from supergraph.limits.budget import WorkBudget
from supergraph.limits.fetches import count_fetches
from supergraph.pipeline.persisted.manifest import ManifestError, parse_manifest
from supergraph.planner.plan import Condition, Fetch, Flatten, Parallel, QueryPlan, Sequence


def codes(query: str, limits: OperationLimits) -> list[str]:
    refused = limits.check(measure(parse(query)))
    return [] if refused is None else [str((refused.extensions or {})["code"])]


def test_depth_counts_through_inline_and_named_fragments() -> None:
    query = "{ a { ... on Query { a { ...F } } } } fragment F on Query { n }"
    assert codes(query, OperationLimits(max_depth=3)) == []
    assert codes(query, OperationLimits(max_depth=2)) == ["MAX_DEPTH_EXCEEDED"]


def test_fragment_cycles_count_nothing() -> None:
    """Validation reports cycles; the measure must only terminate and not count them."""
    query = "{ a { ...F } } fragment F on Query { a { ...G } } fragment G on Query { ...F }"
    assert codes(query, OperationLimits(max_depth=10, max_root_fields=1)) == []
    assert measure(parse(query)).operations[0][1].depth == 2  # a > a, then the cycle


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


def test_aliases_count_every_use_of_a_fragment() -> None:
    query = "{ x: a { y: n } z: n }"
    assert codes(query, OperationLimits(max_aliases=3)) == []
    assert codes(query, OperationLimits(max_aliases=2)) == ["MAX_ALIASES_EXCEEDED"]
    # Each spread costs the work of its aliases again: counted per use.
    spread = "{ ...F ...F } fragment F on Query { a: n b: m }"
    assert measure(parse(spread)).operations[0][1].aliases == 4


def test_expanded_fields_count_every_use_of_a_fragment() -> None:
    query = "{ a { ...F ...F } n } fragment F on Query { n b { m } }"
    assert measure(parse(query)).expanded_fields == 2 + 2 * 3
    # Every operation counts (validation walks them all); unknown and cyclic spreads
    # count nothing.
    query = "query A { n } query B { n m ...X ...G } fragment G on Query { a { ...G } }"
    assert measure(parse(query)).expanded_fields == 1 + 3


def test_expanded_fields_of_a_fragment_bomb_are_counted_not_walked() -> None:
    fragments = " ".join(
        f"fragment F{i} on Query {{ a {{ ...F{i + 1} }} b {{ ...F{i + 1} }} }}" for i in range(40)
    )
    query = f"{{ ...F0 }} {fragments} fragment F40 on Query {{ n }}"
    assert measure(parse(query)).expanded_fields == 2**41 - 2 + 2**40


def chain(length: int) -> str:
    """Issue 12's linear chain: `{ ...F0 }`, F_i spreading F_(i+1), F_length a field."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(length))
    return f"query {{ ...F0 }} {fragments} fragment F{length} on Query {{ __typename }}"


@pytest.mark.parametrize("length", [10, 198, 199, 489, 20_000])
def test_nesting_counts_fragment_spreads_as_graphql_core_does(length: int) -> None:
    """One level per selection set and per spread followed (graphql-core's
    FragmentNestingVisitor): a chain of N+1 fragments nests N+2 deep. Measured
    without recursion, whatever the length."""
    measured = measure(parse(chain(length)))
    assert measured.nesting == length + 2
    assert measured.expanded_fields == 1
    refused = OperationLimits().check(measured)
    if length + 2 <= 200:
        assert refused is None
    else:
        assert refused is not None and refused.extensions == {"code": "MAX_RECURSION_EXCEEDED"}


def test_nesting_adds_selection_sets_and_spreads() -> None:
    query = "{ a { ...F } } fragment F on Query { b { ... on Query { ...G } } } fragment G on Query { n }"
    # { (1) a { (2) ...F -> F's { (3) b { (4) ... on Query { (5) ...G -> G's { (6)
    assert measure(parse(query)).nesting == 6
    assert codes(query, OperationLimits(parser_max_recursion=5)) == ["MAX_RECURSION_EXCEEDED"]
    assert codes(query, OperationLimits(parser_max_recursion=6)) == []


def test_the_recursion_limit_is_at_most_graphql_cores() -> None:
    with pytest.raises(ValueError, match="1 to 200"):
        OperationLimits(parser_max_recursion=201)


def test_introspection_switch_sees_fragments_and_unused_definitions() -> None:
    off = OperationLimits(introspection=False)
    assert codes("{ __typename n }", off) == []
    assert codes("{ ...F } fragment F on Query { a { __schema { queryType { name } } } }", off) == [
        "INTROSPECTION_DISABLED"
    ]
    assert codes('{ n } fragment F on Query { __type(name: "Q") { name } }', off) == [
        "INTROSPECTION_DISABLED"
    ]


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


def test_the_limits_config_defaults() -> None:
    limits = RouterConfig().limits
    assert (limits.max_aliases, limits.parser_max_recursion, limits.max_query_length) == (
        100,
        200,
        262_144,
    )
    assert limits.introspection_max_depth is True
    assert limits.introspection_max_bytes == "auto"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"parser_max_recursion": 201}, "limits.parser_max_recursion: at most 200"),
        ({"parser_max_recursion": None}, "limits.parser_max_recursion: expected a positive"),
        ({"introspection_max_bytes": "big"}, "limits.introspection_max_bytes: expected a positive"),
        ({"introspection_max_depth": 1}, "limits.introspection_max_depth: expected true or false"),
        ({"max_query_length": 0}, "limits.max_query_length: expected a positive"),
    ],
)
def test_bad_limits_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"limits": raw})


def test_limits_can_be_switched_off_or_set() -> None:
    limits = parse_config(
        {
            "limits": {
                "max_aliases": None,
                "introspection_max_bytes": None,
                "parser_max_recursion": 50,
            }
        }
    ).limits
    assert (limits.max_aliases, limits.introspection_max_bytes, limits.parser_max_recursion) == (
        None,
        None,
        50,
    )
    assert (
        parse_config({"limits": {"introspection_max_bytes": 5000}}).limits.introspection_max_bytes
        == 5000
    )


def test_a_batch_budget_is_consumed_and_says_what_ran_out() -> None:
    budget = WorkBudget(characters=100, tokens=50, fields=10, introspection_bytes=1_000)
    assert budget.take_text(60) is None
    assert budget.take_text(60) == (
        "The operations of this batch together exceed the request's limits:"
        " 40 characters of GraphQL text were left for this one."
    )
    assert budget.take(30, 6) is None
    assert "4 fields" in (budget.take(10, 5) or "")
    assert budget.tokens == 20  # a refusal takes nothing
    assert "20 tokens" in (budget.take(21, 0) or "")
    assert budget.take_introspection(1_000) is None
    assert "0 bytes of introspection data" in (budget.take_introspection(1) or "")
    unlimited = WorkBudget()
    assert unlimited.take_text(10**9) is None and unlimited.take(10**9, 10**9) is None
