"""The one-pass walk leaves out only rules that graphql-core would find silent.

The property checked on every document: graphql-core's full validation and a
validation with only `rules_to_run(...)` give the same errors (messages,
locations, order). Documents: hand-written cases per rule on a schema with
every kind of type, the conformance scenarios' own operations, generated
operations on several schemas, and many small random edits of those (most of
them invalid in one way or another).
"""

from __future__ import annotations

import contextlib
import random
import re
from functools import cache

import pytest
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OverlappingFieldsCanBeMergedRule,
    build_schema,
    parse,
    specified_rules,
    validate,
)

from supergraph.compose import SubgraphSource, compose
from supergraph.operation.fast_validation import (
    BoundedOverlappingFieldsRule,
    _Unsure,
    _Walk,
    bounded_rules,
    explain_abort,
    rules_to_run,
)
from supergraph.schema import load_supergraph
from tests.benchmarks import generated as bench
from tests.conformance.scenarios import all_scenarios
from tests.kit.generator import generate

SDL = """
schema { query: Query mutation: Mutation }
scalar JSON
enum Color { RED GREEN }
input Filter { color: Color! limit: Int = 10 tags: [String!] nested: Filter }
input OneOf @oneOf { a: Int b: String }
interface Node { id: ID! }
interface Named { name: String }
type User implements Node & Named { id: ID! name: String friends(first: Int = 5): [User!]! best: User
  age: Int! color: Color }
type Bot implements Node & Named { id: ID! name: String! version: Float }
union Thing = User | Bot
type Query {
  node(id: ID!): Node
  user(id: ID!, color: Color): User
  users(filter: Filter, ids: [ID!], first: Int! = 3): [User!]!
  things: [Thing!]!
  search(text: String!, limit: Int): [Named!]!
  json(value: JSON): JSON
  pick(by: OneOf!): User
  flag(on: Boolean!): Boolean
}
type Mutation { rename(id: ID!, name: String!): User }
"""

CASES = [
    # valid ones the walk must prove (checked separately below)
    "{ user(id: 1) { id name friends { id } best { ...F } } } fragment F on User { age }",
    "query Q($id: ID!, $c: Color = RED) { user(id: $id, color: $c) { id color } }",
    "query ($s: Boolean!) { things { __typename ... on User { id @skip(if: $s) } ... on Bot { id } } }",
    "{ node(id: 1) { id ... on User { age } ... on Bot { version } } }",
    '{ users(filter: {color: RED, tags: ["a"]}, ids: [1, "2"]) { id } }',
    'mutation M { rename(id: 1, name: "x") { id } }',
    "{ a: user(id: 1) { id } b: user(id: 2) { id } }",
    "{ user(id: 1) { ...A ...B } } fragment A on User { id name } fragment B on User { id }",
    # one error per rule (and some combinations)
    "{ node(id: 1) { id ... on User { name } ... on Bot { name version } } }",
    "{ user(id: 1) { nope } }",
    "{ user(id: 1) }",
    "{ user(id: 1) { id { x } } }",
    "{ user { id } }",
    "{ user(id: 1, id: 2) { id } }",
    "{ user(id: 1, other: 2) { id } }",
    "{ user(id: 1, color: BLUE) { id } }",
    "{ users(first: null) { id } }",
    "{ users(filter: {limit: 1}) { id } }",
    "{ users(filter: {color: RED, color: GREEN}) { id } }",
    "{ users(filter: {color: RED, extra: 1}) { id } }",
    "{ flag(on: 1) }",
    "{ json(value: {a: [1, {b: $v}]}) }",
    "query ($v: Int) { json(value: {a: [1, {b: $v}]}) }",
    '{ pick(by: {a: 1, b: "x"}) { id } }',
    "query ($a: Int) { pick(by: {a: $a}) { id } }",
    "query Q($id: ID!) { user(id: 1) { id } }",
    "query Q { user(id: $id) { id } }",
    "query Q($id: String) { user(id: $id) { id } }",
    "query Q($id: ID) { user(id: $id) { id } }",
    "query Q($id: ID = 1) { user(id: $id) { id } }",
    "query Q($f: Int) { users(first: $f) { id } }",
    "query Q($id: ID!, $id: ID!) { user(id: $id) { id } }",
    "query Q($u: User) { user(id: 1) { id } }",
    "query Q($u: Nope) { user(id: 1) { id } }",
    "query Q($c: Color = BLUE) { user(id: 1, color: $c) { id } }",
    "query Q { a: user(id: 1) { id } } query Q { user(id: 2) { id } }",
    "{ user(id: 1) { id } } query Other { user(id: 1) { id } }",
    "fragment F on User { id }",
    "{ user(id: 1) { ...F } } fragment F on User { id } fragment F on User { name }",
    "{ user(id: 1) { ...Missing } }",
    "{ user(id: 1) { ...F } } fragment F on User { ...G } fragment G on User { ...F }",
    "{ user(id: 1) { ...F } } fragment F on Bot { id }",
    "{ user(id: 1) { ...F } } fragment F on Nope { id }",
    "{ user(id: 1) { ...F } } fragment F on Color { id }",
    "{ user(id: 1) { ... on Bot { id } } }",
    "{ user(id: 1) { ... on Int { id } } }",
    "{ user(id: 1) { id @skip(if: true) @skip(if: false) } }",
    "{ user(id: 1) { id @skip } }",
    "{ user(id: 1) { id @skip(if: true, unless: false) } }",
    "{ user(id: 1) { id @deprecated } }",
    "{ user(id: 1) { id @unknown } }",
    "query @skip(if: true) { user(id: 1) { id } }",
    '{ user(id: 1) { id @include(if: "yes") } }',
    "{ user(id: 1) { x: id x: name } }",
    "{ user(id: 1) { id: name id } }",
    "{ user(id: 1) { friends(first: 1) { id } friends(first: 2) { id } } }",
    "{ user(id: 1) { friends { id } friends { name } } }",
    "{ user(id: 1) { best { x: id } best { x: name } } }",
    "{ things { ... on User { name } ... on Bot { name } } }",
    "{ things { ... on User { v: age } ... on Bot { v: version } } }",
    "{ node(id: 1) { ... on Named { name } ... on Bot { name } } }",
    "{ user(id: 1) { ...A ...B } } fragment A on User { x: id } fragment B on User { x: name }",
    "{ __typename user(id: 1) { __typename } }",
    "{ __typename(x: 1) }",
    "{ __schema { types { name } } }",
    '{ __type(name: "User") { fields { type { fields { type { fields { name } } } } } } }',
    "subscription { user(id: 1) { id } }",
    "{ things { id } }",
    "{ things { __typename name } }",
    '{ search(text: "a") { name ... on User { id } } }',
    "{ user(id: 1) { ...F ...F } } fragment F on User { id best { id } }",
    "{ user(id: 1) { id ... @defer { name } } }",
    "{ users @stream { id } }",
    "{ user(id: 1) { ...F(x: 1) } } fragment F on User { id }",
    # an unknown spread inside a fragment that an earlier fragment expands
    "{ user(id: 1) { ...A } } fragment A on User { ...B } fragment B on User { ...Missing }",
    "{ user(id: 1) { ...A } } fragment A on User { ...B } fragment B on User { ... on Nope { id } }",
    "{ user(id: 1) { ...A } } fragment A on User { ...B } fragment B on Nope { id }",
    "{ users(first: 2147483648) { id } }",
    "{ user(id: 1.5) { id } }",
    "{ users(ids: [1, null]) { id } }",
    # overlapping fields (overlap.py): merges, conflicts at any depth, abstract parents
    "{ user(id: 1) { ...A ...B } } fragment A on User { best { x: id } } fragment B on User { best { x: id } }",
    "{ user(id: 1) { ...A ...B } } fragment A on User { best { x: id } } fragment B on User { best { x: name } }",
    "{ user(id: 1) { best { friends(first: 1) { id } } best { friends(first: 1) { name } } } }",
    "{ user(id: 1) { best { friends(first: 1) { id } } best { friends(first: 2) { id } } } }",
    '{ users(filter: {color: RED, tags: ["a"]}) { id } users(filter: {tags: ["a"], color: RED}) { id } }',
    '{ users(filter: {tags: ["a"]}) { id } users(filter: {tags: ["b"]}) { id } }',
    '{ json(value: "a") json(value: """a""") }',
    "{ things { ... on User { best { id } } ... on Bot { best: id } } }",
    "{ node(id: 1) { ... on Named { name } ... on User { name } } }",
    "{ node(id: 1) { ... on User { n: name } ... on Bot { n: name } ... on Named { n: name } } }",
    "{ node(id: 1) { ... on User { n: age } ... on Named { n: name } } }",
    '{ search(text: "a") { ... on User { v: age } ... on Bot { v: name } } }',
    "{ __typename t: __typename __typename }",
    "{ t: __typename t: __schema { queryType { name } } }",
    # introspection (proven by the walk too)
    "{ __schema { queryType { name } types { name fields(includeDeprecated: true) { name } } } }",
    '{ a: __type(name: "User") { name } b: __type(name: "Bot") { name } }',
    '{ __type(name: "User") { n: name } __type(name: "User") { n: kind } }',
    '{ __type(name: "User") { name } __type(name: "Bot") { name } }',
    "{ __type { name } }",
    "{ user(id: 1) { __schema { queryType { name } } } }",
    "{ __schema { types { fields { type { fields { name } } } } } }",
    "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } fragment U on __Type { fields { type { fields { name } } } }",
    "{ __schema { types { ...T } } } fragment T on __Type { interfaces { possibleTypes { name } } }",
    # variables inside list and object literals
    'query ($c: Color!, $t: String!) { users(filter: {color: $c, tags: [$t, "x"]}) { id } }',
    "query ($c: Color, $t: [String!]) { users(filter: {color: $c, tags: $t}) { id } }",
    "query ($c: Color!) { users(filter: {nested: {color: $c}}) { id } }",
    "query ($t: String) { users(filter: {color: RED, tags: [$t]}) { id } }",
    "query ($i: ID!) { users(ids: [$i, 2]) { id } }",
    "query ($i: ID) { users(ids: [$i]) { id } }",
    "query ($l: Int) { users(filter: {color: RED, limit: $l}) { id } }",
    "query ($l: Int!) { users(filter: {limit: $l}) { id } }",
    "query ($a: Int!) { pick(by: {a: $a}) { id } }",
    "query ($v: Int, $w: Int) { json(value: [$v, {x: $w}]) }",
    "query ($c: Color!, $u: Int) { users(filter: {color: $c}) { id } }",
    "query ($c: Color!) { users(filter: {color: $c, color: $c}) { id } }",
    "query ($c: Color!) { users(filter: {color: $c, extra: $c}) { id } }",
]


@cache
def _test_schema() -> GraphQLSchema:
    return build_schema(SDL)


@cache
def _schemas() -> dict[str, GraphQLSchema]:
    schemas = {"test": _test_schema(), "bench": load_supergraph(bench.supergraph_sdl()).api_schema}
    for scenario in all_scenarios():
        sources = [
            SubgraphSource(s.name, f"http://{s.name}/graphql", s.sdl) for s in scenario.subgraphs
        ]
        result = compose(sources)
        if result.supergraph_sdl is not None:
            schemas[scenario.name] = load_supergraph(result.supergraph_sdl).api_schema
    return schemas


def _errors(errors: list[GraphQLError]) -> list[object]:
    return [(e.message, e.locations, e.extensions) for e in errors]


def _assert_same(schema: GraphQLSchema, query: str) -> tuple[object, ...] | None:
    """Checks the property on `query`; returns the rules left to run (None: no parse)."""
    try:
        document = parse(query, allow_empty_selection_sets=False)
    except GraphQLError:
        return None
    with contextlib.suppress(_Unsure, RecursionError):  # any other fault fails the test
        _Walk(schema, document).run()
    remaining = rules_to_run(schema, document)
    full = validate(schema, document, specified_rules)
    narrowed = validate(schema, document, remaining) if remaining else []
    assert _errors(narrowed) == _errors(full), (query, [r.__name__ for r in remaining])
    return remaining


@pytest.mark.parametrize("query", CASES)
def test_hand_written_cases(query: str) -> None:
    _assert_same(_test_schema(), query)


def test_the_valid_cases_are_proven() -> None:
    for query in CASES[:8]:
        assert _assert_same(_test_schema(), query) == (), query


def test_a_conflicting_response_name_leaves_only_the_overlap_rule() -> None:
    query = "{ user(id: 1) { friends(first: 1) { id } friends(first: 2) { id } } }"
    assert _assert_same(_test_schema(), query) == (OverlappingFieldsCanBeMergedRule,)


def test_repeated_selections_that_merge_are_proven() -> None:
    """Same field, same arguments, sub-selections merged: no rule left to run."""
    assert _assert_same(_test_schema(), "{ user(id: 1) { friends { id } friends { name } } }") == ()


def test_thousands_of_copies_of_one_selection_are_proven_not_compared() -> None:
    """graphql-core's overlap rule compares the copies pairwise: past its budget, a valid
    document got "Validation aborted.". The linear proof leaves no rule to run."""
    schema = _test_schema()
    copies = " ".join("user(id: 1) { id friends(first: 2) { name } ...F }" for _ in range(3_000))
    query = f"{{ {copies} }} fragment F on User {{ best {{ id }} }}"
    document = parse(query)
    assert rules_to_run(schema, document) == ()
    assert any(e.message == "Validation aborted." for e in validate(schema, document))


def test_a_conflict_among_copies_is_reported_even_past_the_bounded_budget() -> None:
    schema = _test_schema()
    copies = " ".join("user(id: 1) { id }" for _ in range(2_000))
    document = parse(f"{{ {copies} user(id: 2) {{ id }} }}")
    rules = bounded_rules(rules_to_run(schema, document))
    assert rules == (BoundedOverlappingFieldsRule,)
    errors = explain_abort(schema, document, validate(schema, document, rules))
    assert [e.message for e in errors] == [
        "Fields 'user' conflict because they have differing arguments."
        " Use different aliases on the fields to fetch both if this was intentional.",
        "Validation aborted.",
    ]
    assert errors[0].locations is not None and len(errors[0].locations) == 2


def test_the_benchmark_operations_are_proven() -> None:
    schema = load_supergraph(bench.supergraph_sdl()).api_schema
    for query in (bench.large_operation(), bench.chain_query(), bench.wide_query()):
        assert _assert_same(schema, query) == ()


def test_conformance_scenario_operations() -> None:
    schemas = _schemas()
    checked = 0
    for scenario in all_scenarios():
        schema = schemas.get(scenario.name)
        if schema is None:
            continue
        for operation in scenario.operations:
            if _assert_same(schema, operation.query) is not None:
                checked += 1
    assert checked > 50


_NAME = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")


def _edits(query: str, rng: random.Random, names: list[str]) -> list[str]:
    """Small random edits: a name swapped, a piece dropped or doubled, a literal changed."""
    out = []
    tokens = list(_NAME.finditer(query))
    for _ in range(6):
        if tokens:
            match = rng.choice(tokens)
            swapped = rng.choice(names)
            out.append(query[: match.start()] + swapped + query[match.end() :])
        a, b = sorted(rng.sample(range(len(query) + 1), 2))
        out.append(query[:a] + query[b:])
        out.append(query[:b] + " " + query[a:b] + " " + query[b:])
        spreads = list(re.finditer(r"\.\.\.\s*([A-Za-z_]\w*)", query))
        if spreads:  # a spread to another (or an unknown) fragment
            match = rng.choice(spreads)
            other = rng.choice([*names, "Missing"])
            out.append(query[: match.start(1)] + other + query[match.end(1) :])
        literal = rng.choice(["true", '"x"', "1.5", "null", "$v"])
        out.append(re.sub(r"\b\d+\b", literal, query, count=1))
    return out


def test_generated_operations_and_random_edits() -> None:
    rng = random.Random(7)
    proven = 0
    total = 0
    for name, schema in _schemas().items():
        names = sorted(set(_NAME.findall(SDL if name == "test" else "")) | set(schema.type_map))
        operations = generate(schema, 10, seed=3, max_depth=3)
        for operation in operations:
            names.extend(_NAME.findall(operation.query))
        for operation in operations:
            remaining = _assert_same(schema, operation.query)
            total += 1
            proven += remaining == ()
            for edited in _edits(operation.query, rng, names):
                _assert_same(schema, edited)
    # The point of the walk: generated (valid) operations rarely need graphql-core's rules.
    assert proven > total // 2, (proven, total)


def test_a_schema_redefining_skip_is_left_to_graphql_core() -> None:
    schema = build_schema("directive @skip(if: Boolean!) on FIELD\ntype Query { a: Int }")
    remaining = _assert_same(schema, "{ ... @skip(if: true) { a } }")
    # Every rule but the overlap rule, which is proven on its own (overlap.py).
    assert remaining == tuple(
        r for r in specified_rules if r is not OverlappingFieldsCanBeMergedRule
    )
