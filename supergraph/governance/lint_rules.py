"""The schema design rules of `supergraph lint`, each with its meaning and an example.

A rule reads the schema (`LintSchema`) with its settings (options from the lint
configuration) and yields findings: the element's coordinate, a message, the
position. `python -m supergraph.governance.lint_rules --markdown` prints
docs/lint.md from `RULES`; tests/governance/test_lint.py checks the file is
current and runs every rule's bad and good example.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import OperationType

from supergraph.schema.sdl import named_type

from .lint_model import (
    Element,
    LintSchema,
    Position,
    argument_value,
    is_list,
    lists_with_nullable_items,
    tags_of,
    without_non_null,
)

Severity = Literal["error", "warning", "off"]


@dataclass(frozen=True, slots=True)
class Finding:
    coordinate: str
    message: str
    position: Position | None


Check = Callable[[LintSchema, Mapping[str, Any]], Iterator[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    """The default severity."""
    summary: str
    why: str
    bad: str
    """SDL that breaks the rule (with its default options)."""
    good: str
    """The same SDL following it."""
    check: Check
    options: Mapping[str, Any]
    """Option names and their defaults (the configuration may set them)."""


def _finding(element: Element, message: str) -> Finding:
    return Finding(element.coordinate, message, element.position)


def _elements(schema: LintSchema, *kinds: str) -> Iterator[Element]:
    return (e for e in schema.elements if e.kind in kinds)


def _pattern_check(kinds: tuple[str, ...], what: str) -> Check:
    def check(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
        pattern = re.compile(options["pattern"])
        for element in _elements(schema, *kinds):
            if not pattern.fullmatch(element.name):
                yield _finding(
                    element, f'{what} "{element.name}" does not match {options["pattern"]}'
                )

    return check


def _input_suffix(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    suffix: str = options["suffix"]
    for element in _elements(schema, "type"):
        if element.type_kind == "input" and not element.name.endswith(suffix):
            yield _finding(element, f'input type "{element.name}" does not end in "{suffix}"')


_DESCRIBED_KINDS = {
    "types": "type",
    "fields": "field",
    "input-fields": "input-field",
    "arguments": "argument",
    "enum-values": "enum-value",
}


def _descriptions(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    unknown = set(options["kinds"]) - set(_DESCRIBED_KINDS)
    if unknown:
        raise ValueError(f"descriptions.kinds: unknown {sorted(unknown)}")
    kinds = {_DESCRIBED_KINDS[k] for k in options["kinds"]}
    roots = schema.root_names()
    for element in schema.elements:
        if element.kind not in kinds or (element.description or "").strip():
            continue
        if element.kind == "type" and (element.extension or element.name in roots):
            continue  # an extension cannot carry one; Query/Mutation say nothing
        if element.directive("external") is not None:
            continue  # described where it is resolved
        yield _finding(element, f"{element.kind} {element.coordinate} has no description")


def _deprecation_reason(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    for element in schema.elements:
        deprecated = element.directive("deprecated")
        if deprecated is None:
            continue
        reason = argument_value(deprecated, "reason")
        if not isinstance(reason, str) or not reason.strip():
            yield _finding(
                element, f"{element.coordinate} is @deprecated without a reason (say what to use)"
            )


def _paginated_lists(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    arguments = set(options["arguments"])
    roots_only: bool = options["roots-only"]
    connection: str = options["connection-suffix"]
    roots = schema.root_names()
    for element in _elements(schema, "field"):
        assert element.type_node is not None
        if not is_list(element.type_node) or (element.owner or "").endswith(connection):
            continue  # a connection's edges are what its field's arguments page
        if schema.kind_of(named_type(element.type_node)) not in ("object", "interface", "union"):
            continue
        if roots_only and element.owner not in roots:
            continue
        if arguments.isdisjoint(element.argument_names):
            yield _finding(
                element,
                f"{element.coordinate} returns an unbounded list of "
                f"{named_type(element.type_node)}: take one of "
                f"{', '.join(options['arguments'])} or return a connection",
            )


def _id_fields(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    pattern = re.compile(options["pattern"])
    for element in _elements(schema, "field", "input-field", "argument"):
        if not pattern.fullmatch(element.name):
            continue
        assert element.type_node is not None
        type_name = named_type(element.type_node)
        if type_name != "ID" and schema.kind_of(type_name) == "scalar":
            yield _finding(
                element,
                f"{element.coordinate} names an identifier but is of type "
                f"{named_type(element.type_node)}, not ID",
            )


def _nullable_list_items(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    marker = options["allow_tag"]
    for element in _elements(schema, "field", "input-field", "argument"):
        assert element.type_node is not None
        if marker and marker in tags_of(element):
            continue  # marked in the schema: null items mean something here
        if lists_with_nullable_items(element.type_node):
            yield _finding(
                element,
                f"{element.coordinate} is a list with nullable items: make them non-null "
                "(a null item says nothing a client can act on)",
            )


def _no_get_prefix(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    query = schema.roots.get(OperationType.QUERY)
    for element in _elements(schema, "field"):
        if element.owner == query and re.fullmatch(r"get[A-Z0-9].*", element.name):
            suggestion = element.name[3].lower() + element.name[4:]
            yield _finding(
                element, f'{element.coordinate}: a query field names a thing: "{suggestion}"'
            )


def _mutation_input(schema: LintSchema, options: Mapping[str, Any]) -> Iterator[Finding]:
    mutation = schema.roots.get(OperationType.MUTATION)
    by_coordinate = {e.coordinate: e for e in _elements(schema, "argument")}
    for element in _elements(schema, "field"):
        if element.owner != mutation or not element.argument_names:
            continue
        names = element.argument_names
        only = by_coordinate.get(f"{element.coordinate}({names[0]}:)")
        if (
            len(names) == 1
            and only is not None
            and only.type_node is not None
            and schema.kind_of(named_type(only.type_node)) == "input"
            and not is_list(without_non_null(only.type_node))
        ):
            continue
        yield _finding(
            element,
            f"{element.coordinate} takes {len(names)} argument(s) ({', '.join(names)}): "
            "take one input object, so fields can be added without breaking clients",
        )


CAMEL = r"[a-z][a-zA-Z0-9]*"

RULES: tuple[Rule, ...] = (
    Rule(
        "type-names",
        "error",
        "Type names are PascalCase.",
        "Clients generate classes from them; one convention keeps generated code idiomatic.",
        "type order_line { id: ID! }",
        "type OrderLine { id: ID! }",
        _pattern_check(("type",), "type"),
        {"pattern": r"[A-Z][a-zA-Z0-9]*"},
    ),
    Rule(
        "field-names",
        "error",
        "Field and input field names are camelCase.",
        "Fields become properties in every client language; one convention across subgraphs "
        "keeps the supergraph reading as one API.",
        "type Order { placed_at: String }",
        "type Order { placedAt: String }",
        _pattern_check(("field", "input-field"), "field"),
        {"pattern": CAMEL},
    ),
    Rule(
        "argument-names",
        "error",
        "Argument names are camelCase.",
        "As fields: one convention across the graph.",
        "type Query { orders(first_n: Int): [String!]! }",
        "type Query { orders(firstN: Int): [String!]! }",
        _pattern_check(("argument",), "argument"),
        {"pattern": CAMEL},
    ),
    Rule(
        "enum-values",
        "error",
        "Enum values are UPPER_SNAKE_CASE.",
        "They read as constants in clients, and the spec's own (`__TypeKind`) are.",
        "enum OrderStatus { pending shipped }",
        "enum OrderStatus { PENDING SHIPPED }",
        _pattern_check(("enum-value",), "enum value"),
        {"pattern": r"[A-Z][A-Z0-9_]*"},
    ),
    Rule(
        "input-type-suffix",
        "error",
        'Input object types end in "Input".',
        "An input and the output type it mirrors need different names; the suffix says "
        "which is which.",
        "input NewReview { body: String! }",
        "input NewReviewInput { body: String! }",
        _input_suffix,
        {"suffix": "Input"},
    ),
    Rule(
        "descriptions",
        "error",
        "Types and fields have descriptions (configurable: `kinds`).",
        "The description is the API's documentation in GraphiQL and generated clients. Root "
        "types, `extend type`s and `@external` fields are exempt: they are described where "
        "they are defined.",
        "type Review { rating: Int! }",
        '"A customer\'s review of a product." type Review { "From 1 to 5." rating: Int! }',
        _descriptions,
        {"kinds": ["types", "fields"]},
    ),
    Rule(
        "deprecation-reason",
        "error",
        "`@deprecated` says why and what to use instead.",
        "The reason is what a client team reads when the field turns yellow in their IDE.",
        "type Product { sku: String @deprecated }",
        'type Product { sku: String @deprecated(reason: "Use `upc`.") }',
        _deprecation_reason,
        {},
    ),
    Rule(
        "paginated-lists",
        "error",
        "A field returning a list of objects takes pagination arguments or returns a connection.",
        "An unbounded list grows with the data: one day it answers 100,000 items. Lists "
        "that are bounded by nature (an order's lines) go in `ignore`.",
        "type Query { reviews: [Review!]! } type Review { id: ID! }",
        "type Query { reviews(first: Int!): [Review!]! } type Review { id: ID! }",
        _paginated_lists,
        {
            "arguments": ["first", "last", "limit", "after", "before", "offset", "page"],
            "roots-only": False,
            "connection-suffix": "Connection",
        },
    ),
    Rule(
        "id-fields",
        "error",
        "Scalar identifiers (`id`, `...Id`, `...Ids`) are of type ID.",
        "ID tells clients (and caches such as Apollo Client's) that the value identifies "
        "and is opaque: never compared as a number or shown.",
        "type Order { id: Int! customerId: String! }",
        "type Order { id: ID! customerId: ID! }",
        _id_fields,
        {"pattern": r"id|[a-z][a-zA-Z0-9]*I[dD]s?"},
    ),
    Rule(
        "nullable-list-items",
        "error",
        "List items are non-null (`[T!]`).",
        "A null item in a list tells a client nothing it can act on and forces a null check "
        "on every item; a failed item should fail its field. Where a null item does mean "
        "something (a batch lookup answering null for an unknown key), mark the element "
        '`@tag(name: "nullable-items")` (option `allow_tag`): the mark is in the schema, '
        "next to the type, and survives composition.",
        "type Order { lines: [String] }",
        'type Order { lines: [String!] products(upcs: [ID!]!): [Product] @tag(name: "nullable-items") }\n'
        "type Product { upc: ID! }",
        _nullable_list_items,
        {"allow_tag": "nullable-items"},
    ),
    Rule(
        "no-get-prefix",
        "error",
        'Query fields name what they return, without "get".',
        "A query field is a noun the client selects (`product`), not a call (`getProduct`).",
        "type Query { getProduct(upc: ID!): String }",
        "type Query { product(upc: ID!): String }",
        _no_get_prefix,
        {},
    ),
    Rule(
        "mutation-input",
        "error",
        "A mutation takes one input object argument (`input: XInput!`).",
        "Fields can then be added to the input without breaking a client, and clients pass "
        "one variable.",
        "type Mutation { rate(upc: ID!, stars: Int!): Boolean }",
        "type Mutation { rate(input: RateInput!): Boolean } "
        "input RateInput { upc: ID! stars: Int! }",
        _mutation_input,
        {},
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def markdown() -> str:
    """docs/lint.md: every rule with its default, meaning and example."""
    lines = [
        "# Schema lint rules",
        "",
        "<!-- Generated by `python -m supergraph.governance.lint_rules --markdown`;"
        " tests/governance/test_lint.py checks it is current. -->",
        "",
        "`supergraph lint [--config FILE] [--subgraphs supergraph.yaml] [--json] SDL...`"
        " checks subgraph SDL files (as written) and supergraphs (their API schema)"
        " against these rules. Exit status: 0 no error (warnings allowed), 1 errors,"
        " 2 a usage problem (unreadable file, invalid SDL or configuration).",
        "",
        "The configuration (YAML) sets each rule's severity (`error`, `warning`, `off`),"
        " its options and the schema coordinates it ignores (`fnmatch` patterns such as"
        " `Query.*`); a top-level `ignore` applies to every rule:",
        "",
        "```yaml",
        "rules:",
        "  descriptions:",
        "    severity: warning",
        "    kinds: [types, fields, arguments]",
        "  paginated-lists:",
        "    ignore: [Order.items]   # bounded by the order",
        "  no-get-prefix: off",
        "ignore: [Legacy*]",
        "```",
        "",
        "The project's own configuration is `lint.yaml`; the bundled subgraphs pass it"
        " (`make lint` runs `supergraph lint --config lint.yaml --subgraphs supergraph.yaml`).",
        "",
        "| rule | default | what it asks |",
        "|---|---|---|",
    ]
    for rule in RULES:
        lines.append(f"| `{rule.id}` | {rule.severity} | {rule.summary} |")
    for rule in RULES:
        lines += ["", f"## `{rule.id}`", "", rule.summary, "", rule.why, ""]
        if rule.options:
            options = ", ".join(
                f"`{name}` (default `{value!r}`)" for name, value in rule.options.items()
            )
            lines += [f"Options: {options}.", ""]
        lines += ["Breaks it:", "", "```graphql", rule.bad, "```", "", "Follows it:", ""]
        lines += ["```graphql", rule.good, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        print("usage: python -m supergraph.governance.lint_rules --markdown", file=sys.stderr)
        sys.exit(2)
    sys.stdout.write(markdown())
