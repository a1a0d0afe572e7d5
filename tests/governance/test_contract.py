"""Contracts: which elements a tag filter shows, what follows from hiding them, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import GraphQLSchema, print_schema

from supergraph.__main__ import main
from supergraph.compose import SubgraphSource, compose
from supergraph.governance.contract import ContractError, derive_contract
from supergraph.schema import load_supergraph

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
    'import: ["@key", "@tag", "@shareable"])\n'
)
CATALOG = (
    LINK
    + """
type Query {
  product(upc: ID!): Product @tag(name: "partner")
  products(first: Int!, filter: Filter): [Product!]! @tag(name: "partner")
  secret: Secret
  audit(entry: AuditInput!): Boolean @tag(name: "partner")
  search(kind: Kind = ALL, text: String @tag(name: "internal")): [Found!]! @tag(name: "partner")
}
type Product @key(fields: "upc") @tag(name: "partner") {
  upc: ID!
  name: String!
  cost: Int @tag(name: "internal")
  supplier: Supplier
}
type Supplier @tag(name: "internal") { id: ID! name: String! }
type Secret { code: String! }
type Brand @tag(name: "partner") { name: String! }
union Found = Product | Brand | Supplier
enum Kind { ALL PRODUCTS SUPPLIERS @tag(name: "internal") }
input Filter { name: String maxCost: Int @tag(name: "internal") }
input AuditInput @tag(name: "internal") { note: String! }
type Mutation { reset: Boolean }
"""
)
REVIEWS = (
    LINK
    + """
type Product @key(fields: "upc") { upc: ID! rating: Int @tag(name: "partner") reviewer: String }
"""
)


@pytest.fixture(scope="module")
def supergraph_sdl() -> str:
    result = compose(
        [
            SubgraphSource("catalog", "http://catalog/graphql", CATALOG),
            SubgraphSource("reviews", "http://reviews/graphql", REVIEWS),
        ]
    )
    assert result.supergraph_sdl is not None, result.errors
    return result.supergraph_sdl


def _members(api: GraphQLSchema, type_name: str, kind: str) -> set[str]:
    """The names of a type's fields, enum values or union members."""
    members = getattr(api.type_map[type_name], kind)
    return {m if isinstance(m, str) else m.name for m in members}


def _api(sdl: str) -> GraphQLSchema:
    return load_supergraph(sdl).api_schema


def test_include_and_exclude_with_what_follows(supergraph_sdl: str) -> None:
    contract = derive_contract(supergraph_sdl, include=["partner"], exclude=["internal"])
    api = _api(contract.supergraph_sdl)
    query = api.query_type
    assert query is not None
    # Tagged fields of the root; `audit` needs an input type that is excluded.
    assert set(query.fields) == {"product", "products", "search"}
    # A tagged type shows its fields (from every subgraph) but excluded ones, and a field
    # of an excluded type goes; so does an untagged field of an untagged type (reviewer
    # is on the tagged Product: it stays).
    assert _members(api, "Product", "fields") == {"upc", "name", "rating", "reviewer"}
    assert "Supplier" not in api.type_map and "Secret" not in api.type_map
    # An excluded optional argument goes; the union loses its hidden member.
    assert set(query.fields["search"].args) == {"kind"}
    assert _members(api, "Found", "types") == {"Product", "Brand"}
    assert _members(api, "Kind", "values") == {"ALL", "PRODUCTS"}
    assert _members(api, "Filter", "fields") == {"name"}
    # No mutation field is tagged: the contract has no mutations at all.
    assert api.mutation_type is None
    assert "Query.audit" in contract.hidden and "Supplier" in contract.hidden


def test_the_router_still_plans_with_what_the_contract_hides(supergraph_sdl: str) -> None:
    contract = derive_contract(supergraph_sdl, exclude=["internal"])
    supergraph = load_supergraph(contract.supergraph_sdl)
    # The hidden field is gone from the API but not from the supergraph the planner reads.
    assert "cost" not in _members(supergraph.api_schema, "Product", "fields")
    assert "cost" in _members(supergraph.schema, "Product", "fields")


def test_exclude_only_keeps_untagged_elements(supergraph_sdl: str) -> None:
    api = _api(derive_contract(supergraph_sdl, exclude=["internal"]).supergraph_sdl)
    assert api.query_type is not None
    assert set(api.query_type.fields) == {"product", "products", "secret", "search"}
    assert api.mutation_type is not None
    assert "Supplier" not in api.type_map


def test_unreachable_types_go_unless_kept(supergraph_sdl: str) -> None:
    hidden_secret = derive_contract(supergraph_sdl, exclude=["internal"])
    assert "Secret" in _api(hidden_secret.supergraph_sdl).type_map
    no_secret_field = CATALOG.replace("  secret: Secret\n", "")
    result = compose(
        [
            SubgraphSource("catalog", "http://c/graphql", no_secret_field),
            SubgraphSource("reviews", "http://r/graphql", REVIEWS),
        ]
    )
    assert result.supergraph_sdl is not None
    unreachable = derive_contract(result.supergraph_sdl, exclude=["internal"])
    assert "Secret" not in _api(unreachable.supergraph_sdl).type_map
    kept = derive_contract(result.supergraph_sdl, exclude=["internal"], hide_unreachable=False)
    assert "Secret" in _api(kept.supergraph_sdl).type_map


def test_a_contract_of_a_contract_changes_nothing_more(supergraph_sdl: str) -> None:
    once = derive_contract(supergraph_sdl, include=["partner"], exclude=["internal"])
    twice = derive_contract(once.supergraph_sdl, include=["partner"], exclude=["internal"])
    assert print_schema(_api(twice.supergraph_sdl)) == print_schema(_api(once.supergraph_sdl))


def test_filters_that_leave_nothing_or_name_no_tag_are_refused(supergraph_sdl: str) -> None:
    with pytest.raises(ContractError, match=r"no element carries the tag\(s\) \['nope'\]"):
        derive_contract(supergraph_sdl, include=["nope"])
    # The internal elements hold no Query field.
    with pytest.raises(ContractError, match="no Query field"):
        derive_contract(supergraph_sdl, include=["internal"], exclude=["partner"])


def test_cli_writes_the_contract_and_checks_partner_operations(
    supergraph_sdl: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "supergraph.graphql"
    source.write_text(supergraph_sdl)
    output = tmp_path / "partner.graphql"
    manifest = tmp_path / "manifest.json"
    operations = [
        {"id": "ok", "body": "{ products(first: 2) { upc name rating } }"},
        {"id": "cost", "body": "{ products(first: 2) { cost } }"},
    ]
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    base = ["contract", "--supergraph", str(source), "--output", str(output)]
    assert main([*base, "--include-tag", "partner", "--exclude-tag", "internal"]) == 0
    assert "cost" not in print_schema(_api(output.read_text()))
    assert main([*base, "--exclude-tag", "internal", "--operations", str(manifest)]) == 1
    out = capsys.readouterr().out
    assert "operation cost: Cannot query field 'cost' on type 'Product'." in out
    assert "1 of 2 operation(s) valid" in out
    assert main(["contract", "--supergraph", str(source), "--output", str(output)]) == 2
    assert main([*base, "--include-tag", "nope"]) == 2
