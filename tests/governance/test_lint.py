"""`supergraph lint`: every rule on its own examples, the configuration, the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from supergraph.__main__ import main
from supergraph.governance.lint import lint, read_schema
from supergraph.governance.lint_config import LintConfig, LintConfigError, parse_lint_config
from supergraph.governance.lint_model import Position, from_sdl
from supergraph.governance.lint_rules import RULES, Rule, markdown

ROOT = Path(__file__).resolve().parents[2]


def _rule_ids(sdl: str, config: LintConfig | None = None) -> list[str]:
    return [v.rule for v in lint(from_sdl(sdl, "t.graphql"), config or LintConfig())]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_flags_its_bad_example_and_passes_its_good_one(rule: Rule) -> None:
    assert rule.id in _rule_ids(rule.bad)
    assert rule.id not in _rule_ids(rule.good)


def test_docs_list_every_rule_as_the_registry_says() -> None:
    assert (ROOT / "docs" / "lint.md").read_text(encoding="utf-8") == markdown()


def test_findings_point_at_the_line_and_column_of_the_element() -> None:
    sdl = '"Orders."\ntype Order {\n  "Its id."\n  id: ID!\n  "Lines."\n  lines: [String]\n}\n'
    (violation,) = lint(from_sdl(sdl, "orders.graphql"), LintConfig())
    assert (violation.rule, violation.coordinate) == ("nullable-list-items", "Order.lines")
    assert violation.position == Position(6, 3)
    assert violation.as_text().startswith("orders.graphql:6:3: error [nullable-list-items] ")


def test_coordinates_of_arguments_enum_values_and_input_fields() -> None:
    sdl = (
        "type Query { orders(first_n: Int): [String!]! }\n"
        "enum Status { pending }\n"
        "input PlaceInput { item_count: Int }\n"
    )
    found = {
        (v.rule, v.coordinate)
        for v in lint(from_sdl(sdl, "t"), parse_lint_config("rules: {descriptions: off}"))
    }
    assert found == {
        ("argument-names", "Query.orders(first_n:)"),
        ("enum-values", "Status.pending"),
        ("field-names", "PlaceInput.item_count"),
    }


def test_federation_machinery_is_not_the_schemas_design() -> None:
    sdl = """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    scalar _Any
    scalar link__Import
    scalar FieldSet
    union _Entity = Product
    type _Service { sdl: String }
    directive @custom on FIELD_DEFINITION
    "A product."
    type Product @key(fields: "upc") {
      "Its UPC."
      upc: ID!
    }
    "Entry points."
    type Query { _entities(representations: [_Any!]!): [_Entity]! _service: _Service! }
    """
    assert _rule_ids(sdl) == []


def test_extensions_and_external_fields_need_no_description() -> None:
    sdl = (
        'extend type Product @key(fields: "upc") { upc: ID! @external '
        '"Its reviews." reviews(first: Int!): [Review!]! }\n'
        '"A review." type Review { "Its id." id: ID! }'
    )
    assert _rule_ids(sdl) == []


def test_a_supergraph_is_linted_through_its_api_schema() -> None:
    sdl = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    schema = read_schema(sdl, "schema.graphql")
    names = {e.coordinate for e in schema.elements}
    assert "Product.upc" in names
    assert not any(n.startswith(("join__", "link__")) for n in names)
    assert all(e.position is None for e in schema.elements)


def test_configuration_sets_severity_options_and_ignores() -> None:
    sdl = "type Query { items: [Item!]! legacyItems: [Item!]! } type Item { id: ID! }"
    config = parse_lint_config(
        """
        rules:
          descriptions: off
          paginated-lists:
            severity: warning
            arguments: [limit]
            ignore: [Query.legacy*]
        """
    )
    (violation,) = lint(from_sdl(sdl, "t"), config)
    assert (violation.rule, violation.severity, violation.coordinate) == (
        "paginated-lists",
        "warning",
        "Query.items",
    )
    assert "limit" in violation.message
    everywhere = parse_lint_config("ignore: ['*']")
    assert lint(from_sdl(sdl, "t"), everywhere) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: {no-such-rule: error}", "rules.no-such-rule: no such rule"),
        ("rules: {descriptions: loud}", "rules.descriptions: severity is one of"),
        ("rules: {descriptions: {colour: red}}", "rules.descriptions.colour: no such option"),
        ("rules: {descriptions: {kinds: types}}", "rules.descriptions.kinds: expected list"),
        ("rules: {paginated-lists: {roots-only: 1}}", "roots-only: expected bool"),
        ("ignore: Query", "ignore: a list of coordinate patterns"),
        ("rule: {}", "unknown key(s) ['rule']"),
        ("- 1", "a mapping"),
    ],
)
def test_invalid_configuration_is_refused_with_the_key(text: str, message: str) -> None:
    with pytest.raises(LintConfigError, match=re.escape(message)):
        parse_lint_config(text)


def test_bare_off_turns_a_rule_off() -> None:
    config = parse_lint_config("rules:\n  nullable-list-items: off\n  descriptions: off\n")
    assert _rule_ids("type Query { a: [String] }", config) == []


def test_cli_exit_status_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.graphql"
    good.write_text('"Entry points." type Query { "A greeting." hello: String! }')
    bad = tmp_path / "bad.graphql"
    bad.write_text('"Entry points." type Query { "Names." getNames: [String] }')
    assert main(["lint", str(good)]) == 0
    assert main(["lint", "--json", str(good), str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {(v["rule"], v["severity"], v["path"]) for v in report["violations"]} == {
        ("no-get-prefix", "ERROR", "Query.getNames"),
        ("nullable-list-items", "ERROR", "Query.getNames"),
    }
    config = tmp_path / "lint.yaml"
    config.write_text("rules: {no-get-prefix: warning, nullable-list-items: warning}")
    assert main(["lint", "--config", str(config), str(bad)]) == 0
    assert "warning [no-get-prefix]" in capsys.readouterr().out


def test_cli_usage_problems_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("type Query {")
    assert main(["lint", str(broken)]) == 2
    assert main(["lint", str(tmp_path / "missing.graphql")]) == 2
    config = tmp_path / "lint.yaml"
    config.write_text("rules: {typo: off}")
    assert main(["lint", "--config", str(config), str(broken)]) == 2
    assert main(["lint"]) == 2
    assert "nothing to lint" in capsys.readouterr().err


def test_the_bundled_subgraphs_and_supergraph_pass_the_project_rules() -> None:
    args = ["--config", str(ROOT / "lint.yaml"), "--subgraphs", str(ROOT / "supergraph.yaml")]
    assert main(["lint", *args, str(ROOT / "schema.graphql")]) == 0


def test_the_bundled_subgraphs_fail_without_the_projects_exemptions() -> None:
    found = lint(read_schema((ROOT / "schema.graphql").read_text(), "s"), LintConfig())
    assert {v.coordinate for v in found if v.rule == "paginated-lists"} >= {"Order.items"}


def test_nullable_list_items_marked_in_the_schema_pass_in_the_subgraph_and_the_supergraph(
    tmp_path: Path,
) -> None:
    """`@tag(name: "nullable-items")` marks where null items mean something; the mark
    survives composition, so the supergraph's API schema passes too."""
    from supergraph.compose import SubgraphSource, compose

    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key", "@tag"])\n'
        "type Query {\n"
        '  productsByUpc(upcs: [ID!]!): [Product] @tag(name: "nullable-items")\n'
        "  lines(ids: [ID]): [String!]!\n"
        "}\n"
        'type Product @key(fields: "upc") { upc: ID! }\n'
    )
    config = parse_lint_config("rules: {descriptions: off, paginated-lists: off}")
    found = {(v.rule, v.coordinate) for v in lint(from_sdl(sdl, "p.graphql"), config)}
    assert found == {("nullable-list-items", "Query.lines(ids:)")}
    result = compose([SubgraphSource("p", "http://p/graphql", sdl)])
    assert result.supergraph_sdl is not None
    supergraph = {
        (v.rule, v.coordinate)
        for v in lint(read_schema(result.supergraph_sdl, "supergraph.graphql"), config)
    }
    assert supergraph == {("nullable-list-items", "Query.lines(ids:)")}
    # Another marker by configuration; the default one is then no mark.
    other = parse_lint_config(
        "rules: {descriptions: off, paginated-lists: off, nullable-list-items: {allow_tag: lookup}}"
    )
    assert {v.coordinate for v in lint(from_sdl(sdl, "p.graphql"), other)} == {
        "Query.productsByUpc",
        "Query.lines(ids:)",
    }
