"""Schema changes and their classification: a table of cases, each verified, and
graphql-core's findBreakingChanges/findDangerousChanges agreeing on every one."""

from __future__ import annotations

import pytest
from graphql import build_schema, find_breaking_changes, find_dangerous_changes

from supergraph.governance.schema_diff import diff_schemas

BASE = """
"A product." type Product implements Node { id: ID! name: String! weight: Int
  tags: [String!] reviews(first: Int = 10, after: String): [Review!]!
  oldName: String @deprecated(reason: "Use name.") }
type Review implements Node { id: ID! rating: Int! }
interface Node { id: ID! }
interface Entity implements Node { id: ID! label: String }
type Warehouse { id: ID! }
union SearchResult = Product | Review
enum Status { ACTIVE RETIRED }
input ReviewInput { productId: ID! rating: Int! body: String = "" lang: String! = "en" }
type Query { product(id: ID!, locale: String): Product search(text: String!): [SearchResult!]!
  status: Status top(limit: Int! = 5): [Product!]! }
type Mutation { review(input: ReviewInput!): Review }
directive @cached(ttl: Int) repeatable on QUERY | FIELD
"""

# (name, old fragment, new fragment, {(severity, code, path)}) over BASE: the new schema
# is BASE with `old` replaced by `new`.
CASES: list[tuple[str, str, str, set[tuple[str, str, str]]]] = [
    # -- BREAKING -----------------------------------------------------------------
    ("field removed", " weight: Int\n", " ", {("BREAKING", "FIELD_REMOVED", "Product.weight")}),
    (
        "type removed",
        "type Warehouse { id: ID! }\n",
        "",
        {("BREAKING", "TYPE_REMOVED", "Warehouse")},
    ),
    (
        "union member removed",
        "union SearchResult = Product | Review",
        "union SearchResult = Product",
        {("BREAKING", "TYPE_REMOVED_FROM_UNION", "SearchResult")},
    ),
    (
        "enum value removed",
        "enum Status { ACTIVE RETIRED }",
        "enum Status { ACTIVE }",
        {("BREAKING", "VALUE_REMOVED_FROM_ENUM", "Status.RETIRED")},
    ),
    (
        "output nullable to list",
        " weight: Int\n",
        " weight: [Int]\n",
        {("BREAKING", "FIELD_CHANGED_KIND", "Product.weight")},
    ),
    (
        "output non-null to nullable",
        " name: String!",
        " name: String",
        {("BREAKING", "FIELD_CHANGED_KIND", "Product.name")},
    ),
    (
        "output named type changed",
        " weight: Int\n",
        " weight: Float\n",
        {("BREAKING", "FIELD_CHANGED_KIND", "Product.weight")},
    ),
    (
        "list items non-null to nullable",
        "tags: [String!]",
        "tags: [String]",
        {("BREAKING", "FIELD_CHANGED_KIND", "Product.tags")},
    ),
    (
        "argument removed",
        "product(id: ID!, locale: String)",
        "product(id: ID!)",
        {("BREAKING", "ARG_REMOVED", "Query.product(locale:)")},
    ),
    (
        "required argument added",
        "search(text: String!)",
        "search(text: String!, limit: Int!)",
        {("BREAKING", "REQUIRED_ARG_ADDED", "Query.search(limit:)")},
    ),
    (
        "argument nullable to non-null",
        "product(id: ID!, locale: String)",
        "product(id: ID!, locale: String!)",
        {("BREAKING", "ARG_CHANGED_KIND", "Query.product(locale:)")},
    ),
    (
        "argument type changed",
        "search(text: String!)",
        "search(text: ID!)",
        {("BREAKING", "ARG_CHANGED_KIND", "Query.search(text:)")},
    ),
    (
        "input field removed",
        'body: String = ""',
        "",
        {("BREAKING", "FIELD_REMOVED", "ReviewInput.body")},
    ),
    (
        "required input field added",
        "rating: Int! body",
        "rating: Int! stars: Int! body",
        {("BREAKING", "REQUIRED_INPUT_FIELD_ADDED", "ReviewInput.stars")},
    ),
    (
        "input field nullable to non-null",
        'body: String = ""',
        "body: String!",
        {("BREAKING", "FIELD_CHANGED_KIND", "ReviewInput.body")},
    ),
    (
        "interface no longer implemented",
        "type Review implements Node {",
        "type Review {",
        {("BREAKING", "IMPLEMENTED_INTERFACE_REMOVED", "Review")},
    ),
    (
        "type changed kind",
        "enum Status { ACTIVE RETIRED }",
        "scalar Status",
        {("BREAKING", "TYPE_CHANGED_KIND", "Status")},
    ),
    (
        "directive removed",
        "directive @cached(ttl: Int) repeatable on QUERY | FIELD",
        "",
        {("BREAKING", "DIRECTIVE_REMOVED", "@cached")},
    ),
    (
        "directive location removed",
        "on QUERY | FIELD",
        "on QUERY",
        {("BREAKING", "DIRECTIVE_LOCATION_REMOVED", "@cached")},
    ),
    (
        "directive argument removed",
        "@cached(ttl: Int)",
        "@cached",
        {("BREAKING", "DIRECTIVE_ARG_REMOVED", "@cached(ttl:)")},
    ),
    (
        "required directive argument added",
        "@cached(ttl: Int)",
        "@cached(ttl: Int, scope: String!)",
        {("BREAKING", "REQUIRED_DIRECTIVE_ARG_ADDED", "@cached(scope:)")},
    ),
    (
        "deprecated field removed",
        ' oldName: String @deprecated(reason: "Use name.")',
        "",
        {("BREAKING", "FIELD_REMOVED", "Product.oldName")},
    ),
    (
        "interface field removed",
        " label: String }",
        " }",
        {("BREAKING", "FIELD_REMOVED", "Entity.label")},
    ),
    (
        "interface no longer implemented by an interface",
        "interface Entity implements Node {",
        "interface Entity {",
        {("BREAKING", "IMPLEMENTED_INTERFACE_REMOVED", "Entity")},
    ),
    (
        "output single value to list",
        "tags: [String!]",
        "tags: String",
        {("BREAKING", "FIELD_CHANGED_KIND", "Product.tags")},
    ),
    (
        "argument single value to list",
        "locale: String)",
        "locale: [String])",
        {("BREAKING", "ARG_CHANGED_KIND", "Query.product(locale:)")},
    ),
    (
        "input field type changed",
        "rating: Int! body",
        "rating: Float! body",
        {("BREAKING", "FIELD_CHANGED_KIND", "ReviewInput.rating")},
    ),
    (
        "directive argument type changed",
        "@cached(ttl: Int)",
        "@cached(ttl: String)",
        {("BREAKING", "ARG_CHANGED_KIND", "@cached(ttl:)")},
    ),
    (
        "directive no longer repeatable",
        "repeatable on",
        "on",
        {("BREAKING", "DIRECTIVE_REPEATABLE_REMOVED", "@cached")},
    ),
    (
        "root operation type removed",
        "type Mutation { review(input: ReviewInput!): Review }\n",
        "",
        {("BREAKING", "TYPE_REMOVED", "Mutation"), ("BREAKING", "ROOT_TYPE_CHANGED", "Mutation")},
    ),
    (
        "non-null argument's default removed",
        "top(limit: Int! = 5)",
        "top(limit: Int!)",
        {("BREAKING", "ARG_BECAME_REQUIRED", "Query.top(limit:)")},
    ),
    (
        "non-null input field's default removed",
        'lang: String! = "en"',
        "lang: String!",
        {("BREAKING", "INPUT_FIELD_BECAME_REQUIRED", "ReviewInput.lang")},
    ),
    # -- DANGEROUS ----------------------------------------------------------------
    (
        "non-null argument's default changed",
        "top(limit: Int! = 5)",
        "top(limit: Int! = 9)",
        {("DANGEROUS", "ARG_DEFAULT_VALUE_CHANGE", "Query.top(limit:)")},
    ),
    (
        "enum value added",
        "enum Status { ACTIVE RETIRED }",
        "enum Status { ACTIVE RETIRED DRAFT }",
        {("DANGEROUS", "VALUE_ADDED_TO_ENUM", "Status.DRAFT")},
    ),
    (
        "union member added",
        "union SearchResult = Product | Review",
        "union SearchResult = Product | Review | Other\ntype Other { id: ID! }",
        {
            ("DANGEROUS", "TYPE_ADDED_TO_UNION", "SearchResult"),
            ("SAFE", "TYPE_ADDED", "Other"),
        },
    ),
    (
        "interface added to an object",
        "type Review implements Node {",
        "interface Rated { rating: Int! }\ntype Review implements Node & Rated {",
        {
            ("DANGEROUS", "IMPLEMENTED_INTERFACE_ADDED", "Review"),
            ("SAFE", "TYPE_ADDED", "Rated"),
        },
    ),
    (
        "optional argument added",
        "search(text: String!)",
        "search(text: String!, limit: Int)",
        {("DANGEROUS", "OPTIONAL_ARG_ADDED", "Query.search(limit:)")},
    ),
    (
        "required argument with a default added",
        "search(text: String!)",
        "search(text: String!, limit: Int! = 10)",
        {("DANGEROUS", "OPTIONAL_ARG_ADDED", "Query.search(limit:)")},
    ),
    (
        "argument default changed",
        "reviews(first: Int = 10,",
        "reviews(first: Int = 20,",
        {("DANGEROUS", "ARG_DEFAULT_VALUE_CHANGE", "Product.reviews(first:)")},
    ),
    (
        "argument default removed",
        "reviews(first: Int = 10,",
        "reviews(first: Int,",
        {("DANGEROUS", "ARG_DEFAULT_VALUE_CHANGE", "Product.reviews(first:)")},
    ),
    (
        "optional input field added",
        "rating: Int! body",
        "rating: Int! title: String body",
        {("DANGEROUS", "OPTIONAL_INPUT_FIELD_ADDED", "ReviewInput.title")},
    ),
    (
        "input field default changed",
        'body: String = ""',
        'body: String = "none"',
        {("DANGEROUS", "INPUT_FIELD_DEFAULT_VALUE_CHANGE", "ReviewInput.body")},
    ),
    # -- SAFE ---------------------------------------------------------------------
    (
        "field added",
        " weight: Int\n",
        " weight: Int\n sku: String\n",
        {("SAFE", "FIELD_ADDED", "Product.sku")},
    ),
    (
        "type added",
        "enum Status",
        "type Depot { id: ID! }\nenum Status",
        {("SAFE", "TYPE_ADDED", "Depot")},
    ),
    (
        "output nullable to non-null",
        " weight: Int\n",
        " weight: Int!\n",
        {("SAFE", "FIELD_TYPE_NARROWED", "Product.weight")},
    ),
    (
        "argument non-null to nullable",
        "search(text: String!)",
        "search(text: String)",
        {("SAFE", "ARG_TYPE_WIDENED", "Query.search(text:)")},
    ),
    (
        "input field non-null to nullable",
        "rating: Int! body",
        "rating: Int body",
        {("SAFE", "INPUT_FIELD_TYPE_WIDENED", "ReviewInput.rating")},
    ),
    (
        "field deprecated",
        " weight: Int\n",
        ' weight: Int @deprecated(reason: "Use grams.")\n',
        {("SAFE", "DEPRECATION_ADDED", "Product.weight")},
    ),
    (
        "enum value deprecated",
        "RETIRED }",
        'RETIRED @deprecated(reason: "gone") }',
        {("SAFE", "DEPRECATION_ADDED", "Status.RETIRED")},
    ),
    (
        "description changed",
        '"A product."',
        '"An item of the catalog."',
        {("SAFE", "DESCRIPTION_CHANGED", "Product")},
    ),
    (
        "directive added",
        "directive @cached",
        "directive @trace on FIELD\ndirective @cached",
        {("SAFE", "DIRECTIVE_ADDED", "@trace")},
    ),
    (
        "output list made non-null",
        "tags: [String!]",
        "tags: [String!]!",
        {("SAFE", "FIELD_TYPE_NARROWED", "Product.tags")},
    ),
    (
        "deprecation removed",
        ' @deprecated(reason: "Use name.")',
        "",
        {("SAFE", "DEPRECATION_REMOVED", "Product.oldName")},
    ),
    (
        "field description added",
        "tags: [String!]",
        '"Its tags." tags: [String!]',
        {("SAFE", "DESCRIPTION_CHANGED", "Product.tags")},
    ),
    ("nothing changed", "enum Status", "enum Status", set()),
]


def test_the_table_covers_every_category_with_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    severities = {severity for *_, expected in CASES for severity, _, _ in expected}
    assert severities == {"BREAKING", "DANGEROUS", "SAFE"}


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_change_is_classified(
    name: str, old: str, new: str, expected: set[tuple[str, str, str]]
) -> None:
    assert old in BASE, name
    before = build_schema(BASE)
    after = build_schema(BASE.replace(old, new, 1))
    found = {(c.severity, c.code, c.path) for c in diff_schemas(before, after)}
    assert found == expected


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_graphql_core_agrees_on_breaking_and_dangerous(
    name: str, old: str, new: str, expected: set[tuple[str, str, str]]
) -> None:
    before = build_schema(BASE)
    after = build_schema(BASE.replace(old, new, 1))
    breaking = {c.type.name for c in find_breaking_changes(before, after)}
    dangerous = {c.type.name for c in find_dangerous_changes(before, after)}
    ours = diff_schemas(before, after)
    # Stricter checks of ours: graphql-core does not weigh the root operation types, and
    # calls a non-null value's removed default (now required) a dangerous default change.
    became_required = {
        "ARG_BECAME_REQUIRED": "ARG_DEFAULT_VALUE_CHANGE",
        "INPUT_FIELD_BECAME_REQUIRED": "INPUT_FIELD_DEFAULT_VALUE_CHANGE",
    }
    ours_dangerous = {c.code for c in ours if c.severity == "DANGEROUS"}
    ours_dangerous |= {became_required[c.code] for c in ours if c.code in became_required}
    ours_breaking = {c.code for c in ours if c.severity == "BREAKING"}
    ours_breaking -= {"ROOT_TYPE_CHANGED", *became_required}
    assert ours_breaking == breaking
    assert ours_dangerous == dangerous


def test_changes_come_most_severe_first() -> None:
    after = BASE.replace(" weight: Int\n", " ").replace("RETIRED }", "RETIRED DRAFT }")
    after = after.replace("type Query {", "type Query { hello: String ")
    changes = diff_schemas(build_schema(BASE), build_schema(after))
    assert [c.severity for c in changes] == ["BREAKING", "DANGEROUS", "SAFE"]
    assert changes[0].as_json() == {
        "severity": "BREAKING",
        "code": "FIELD_REMOVED",
        "path": "Product.weight",
        "message": "field Product.weight was removed",
    }
