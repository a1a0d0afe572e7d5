"""The fuzzer's own parts, without gateways: the generator's fuzzing features,
harvested argument values, the minimizer, the response walk and the recognisers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from graphql import build_schema, parse, validate

from supergraph.schema import load_supergraph
from tests.kit.apollo_exceptions import (
    all_subfields_skipped,
    completion_errors_dropped,
    merged_field_key_order,
)
from tests.kit.compare import Response
from tests.kit.difference import Case, diff_points, extra_errors
from tests.kit.fuzz import KNOWN, Difference, Report, Target, _examine, compared
from tests.kit.generator import Features, GeneratedOperation, generate
from tests.kit.harvest import Harvest, harvest
from tests.kit.minimize import minimize, one_line
from tests.kit.response_walk import selections_by_path

API = build_schema(
    """
interface Node { id: ID! }
type User implements Node { id: ID! name: String friends(first: Int = 2): [User!]! pet: Pet }
type Dog implements Node { id: ID! barks: Boolean! owner(id: ID): User }
type Cat implements Node { id: ID! lives: Int! }
union Pet = Dog | Cat
enum Order { ASC DESC }
type Query { node(id: ID!): Node user(id: ID!): User users(order: Order!): [User!]! pets: [Pet!]! }
"""
)


class Seen:
    """A ValueSource with fixed values."""

    def values_for(self, argument: str, type_name: str) -> Sequence[Any]:
        return ["u7", "u8"] if type_name == "ID" else []


def test_fuzz_features_are_deterministic_valid_and_all_drawn() -> None:
    operations = generate(API, 120, seed=3, features=Features.all(), values=Seen())
    assert operations == generate(API, 120, seed=3, features=Features.all(), values=Seen())
    for op in operations:
        assert validate(API, parse(op.query)) == [], op.query
    text = "\n".join(o.query for o in operations)
    # A fragment spread or inline fragment inside a named fragment.
    assert re.search(r"fragment F\d+ on \w+ \{[^\n]*\.\.\.", text)
    assert re.search(r"\.\.\. @(skip|include)\(if: ", text), "untyped conditional fragment"
    assert re.search(r"@skip\(if: [^)]+\) @include\(if: ", text), "both conditions"
    assert re.search(r"t\d+: __typename", text), "aliased __typename"
    assert re.search(r"\$v\d+: \w+!? = ", text), "variable with a default"
    assert (
        '"u7"' in text
        or '"u8"' in text
        or any(v in ("u7", "u8") for o in operations for v in o.variables.values())
    ), "harvested values used"
    # The same field twice with different arguments, under two aliases.
    assert any(
        len(set(re.findall(r"a\d+: node\(id: ([^)]+)\)", o.query))) > 1 for o in operations
    ) or any(len(set(re.findall(r"a\d+: user\(id: ([^)]+)\)", o.query))) > 1 for o in operations)
    # A variable declared with a default and left out of `variables`.
    assert any(
        name not in o.variables
        for o in operations
        for name in re.findall(r"\$(v\d+): [^,)]+ = ", o.query)
    )


def test_default_features_draw_what_they_always_drew() -> None:
    # The conformance tests refer to generated operations by index.
    assert (
        generate(API, 5, seed=7)[0].query == generate(API, 5, seed=7, features=Features())[0].query
    )
    assert all(" = " not in o.query for o in generate(API, 40, seed=7))


def test_harvest_collects_values_by_field_and_feeds_arguments() -> None:
    sent: list[str] = []

    def send(query: str) -> dict[str, Any]:
        sent.append(query)
        aliases = dict(re.findall(r"(h\d+): (\w+)", query))
        if "users(" in query:
            root = next(a for a, f in aliases.items() if f == "users")
            ids = [a for a, f in aliases.items() if f == "id"]
            return {"data": {root: [{ids[0]: "u1"}, {ids[0]: "u2"}]}}
        return {"data": None}

    found = harvest(API, send)
    assert found.values_for("id", "ID") == ["u1", "u2"]
    assert found.values_for("userId", "ID") == ["u1", "u2"]
    assert found.values_for("ids", "ID") == ["u1", "u2"]
    assert found.values_for("first", "Int") == []
    # Round two probes the root fields that need an id, with the ids round one found.
    assert any('user(id: "u1")' in q for q in sent)
    assert all(validate(API, parse(q)) == [] for q in sent)


def test_harvest_keeps_a_bounded_ordered_set() -> None:
    values = Harvest()
    for i in [3, 1, 3, *range(20)]:
        values.add("id", "ID", str(i))
    assert values.values_for("id", "ID")[:3] == ["3", "1", "0"]
    assert len(values.values_for("id", "ID")) == 12


def test_minimize_shrinks_to_one_line_and_drops_other_operations() -> None:
    query = (
        "query A($b: Boolean!) { users(order: ASC) { id name @include(if: $b) "
        "...F friends { id } } } fragment F on User { pet { ... on Dog { barks } } } "
        "query B { pets { __typename } }"
    )

    def still_fails(text: str, variables: dict[str, Any]) -> bool:
        return "barks" in text

    smaller, variables = minimize(query, {"b": True}, still_fails, API)
    assert one_line(smaller) == "query A { users(order: ASC) { pet { ... on Dog { barks } } } }"
    assert variables == {}


def test_response_walk_keeps_skipped_selections_and_key_order() -> None:
    query = "query($v: Boolean!) { users(order: ASC) { ... on User { a: name } id @skip(if: $v) } }"
    data = {"users": [{"a": "x"}]}
    found = selections_by_path(API, parse(query), None, {"v": True}, data)
    item = found[("users", 0)]
    assert item.included_keys() == ["a"]
    assert [s.node.name.value for s in item.excluded_fields()] == ["id"]
    assert item.keys["a"][0].conditions == ("User",)


SUPERGRAPH = load_supergraph(
    """
schema @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) { query: Query }
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,
  resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet,
  type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph { A @join__graph(name: "a", url: "http://a") }
type Query @join__type(graph: A) { users: [User!]! }
type User @join__type(graph: A) { id: ID! name: String! friends: [User!]! }
"""
)
USERS = build_schema(
    "type Query { users: [User!]! } type User { id: ID! name: String! friends: [User!]! }"
)


def case(
    query: str,
    ours: dict[str, Any],
    apollo: dict[str, Any],
    variables: dict[str, Any] | None = None,
) -> Case:
    return Case(USERS, SUPERGRAPH, parse(query), None, variables or {}, ours, apollo)


def test_diff_points_and_extra_errors() -> None:
    ours = {"data": {"a": {"b": 1, "c": [1, 2]}}, "errors": [{"message": "x", "path": ["a"]}]}
    apollo = {"data": {"a": {"c": [1, 3], "b": 1}}}
    assert list(diff_points(ours["data"], apollo["data"])) == [(("a", "c", 1), 2, 3)]
    assert extra_errors(ours, apollo) == ([{"message": "x", "path": ["a"]}], [])


def test_key_order_recognised_only_under_a_field_selected_twice() -> None:
    query = "{ users { friends { id } friends { name id } } }"
    ours = {"data": {"users": [{"friends": [{"id": "1", "name": "n"}]}]}}
    apollo = {"data": {"users": [{"friends": [{"name": "n", "id": "1"}]}]}}
    assert merged_field_key_order(case(query, ours, apollo))
    assert not merged_field_key_order(case(query, apollo, ours)), "ours must follow the operation"
    single = "{ users { friends { id name } } }"
    assert not merged_field_key_order(case(single, ours, apollo))


def test_completion_errors_dropped_needs_a_subgraph_error_beside() -> None:
    null_error = {
        "message": "Cannot return null for non-nullable field User.name.",
        "path": ["users", 0, "name"],
    }
    sub_error = {"message": "boom", "path": ["users", 1, "name"]}
    data = {"users": None}
    ours = {"data": data, "errors": [null_error, sub_error]}
    assert completion_errors_dropped(
        case("{ users { name } }", ours, {"data": data, "errors": [sub_error]})
    )
    assert not completion_errors_dropped(
        case("{ users { name } }", {"data": data, "errors": [null_error]}, {"data": data})
    )


def test_all_subfields_skipped_needs_every_subfield_skipped() -> None:
    query = "query($v: Boolean!) { users { friends { id @skip(if: $v) } } }"
    ours: dict[str, Any] = {"data": {"users": [{"friends": [{}]}]}}
    apollo: dict[str, Any] = {
        "data": None,
        "extensions": {"valueCompletion": [{"message": "x", "path": ["users", 0, "friends"]}]},
    }
    assert all_subfields_skipped(case(query, ours, apollo, {"v": True}))
    not_skipped = "{ users { friends { id } } }"
    assert not all_subfields_skipped(case(not_skipped, ours, apollo))


class Alternating:
    """A sender whose Apollo answers change from one send to the next (ours never)."""

    def __init__(self, ours: dict[str, Any], apollo: list[dict[str, Any]]) -> None:
        self.ours = ours
        self.apollo = apollo
        self.sent = 0

    def both(self, query: str, variables: Any, name: str | None) -> tuple[Response, Response]:
        self.sent += 1
        return Response(200, self.ours), Response(200, self.apollo[self.sent % len(self.apollo)])


def _flaky_difference(ours: dict[str, Any], apollo: list[dict[str, Any]]) -> Difference:
    query = "{ users { friends { id } friends { name id } } }"
    target = Target("users", "ours", "apollo", "", USERS, _model=SUPERGRAPH)
    sender = Alternating(ours, apollo)
    first = Response(200, apollo[0])
    mine, theirs, same = compared(Response(200, ours), first)
    assert not same
    op = GeneratedOperation(query, {}, None)
    return _examine(target, sender, 0, op, Response(200, ours), first, mine, theirs, KNOWN, 0)  # type: ignore[arg-type]


def test_flaky_apollo_answers_are_each_classified_against_ours() -> None:
    ours = {"data": {"users": [{"friends": [{"id": "1", "name": "n"}]}]}}
    reordered = {"data": {"users": [{"friends": [{"name": "n", "id": "1"}]}]}}
    wrong = {"data": {"users": [{"friends": [{"id": "2", "name": "n"}]}]}}
    explained = _flaky_difference(ours, [reordered, ours])
    assert explained.flaky == "apollo"
    assert explained.exception == "merged-field-key-order"
    # One of Apollo's answers differs from ours with nothing to explain it: reported.
    hidden = _flaky_difference(ours, [reordered, wrong])
    assert hidden.flaky == "apollo"
    assert hidden.exception is None
    # An answer where Apollo could not reach a subgraph (a transient) is not compared.
    hang_up = {
        "data": None,
        "errors": [{"message": "request to http://a/graphql failed, reason: socket hang up"}],
    }
    transient = _flaky_difference(ours, [reordered, hang_up])
    assert transient.exception == "merged-field-key-order"
    report = Report("users", 1, differences=[explained, hidden])
    assert report.flaky_unexplained == [hidden]
    assert "[UNEXPLAINED]" in report.summary()
