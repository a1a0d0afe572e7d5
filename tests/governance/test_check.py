"""`supergraph check` on the bundled subgraphs: compose the proposed subgraph, diff, verdict."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from supergraph.__main__ import main
from supergraph.cli.compose import module_sdl
from supergraph.governance.check import affected_coordinates
from supergraph.governance.schema_diff import Change
from supergraph.registry.server import registry_app
from tests.kit.asgi_server import ThreadedASGIServer

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "supergraph.yaml"


def _without_product_by_id(sdl: str) -> str:
    """The products SDL without `Query.productById` (and its description)."""
    removed = re.sub(
        r'(  """(?:(?!""").)*?"""\n)?  productById\(id: ID!\): Product\n',
        "",
        sdl,
        count=1,
        flags=re.S,
    )
    assert removed != sdl
    return removed


@pytest.fixture(scope="module")
def products_sdl() -> str:
    return module_sdl("products", "subgraphs.products.schema:schema")


# Product's own `weight` (CreateProductInput has one too).
PRODUCT_WEIGHT = '  price: Money! @tag(name: "partner")\n\n  """In grams."""\n  weight: Int!\n'


def _check(tmp_path: Path, sdl: str, *extra: str) -> int:
    schema = tmp_path / "products.graphql"
    schema.write_text(sdl)
    args = ["check", "--subgraph", "products", "--schema", str(schema), "--config", str(CONFIG)]
    return main([*args, *extra])


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    report: dict[str, object] = json.loads(capsys.readouterr().out)
    return report


def test_an_unchanged_subgraph_passes(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    supergraph = ["--supergraph", str(ROOT / "schema.graphql")]
    assert _check(tmp_path, products_sdl, *supergraph) == 0
    assert "no change to the API schema" in capsys.readouterr().out


def test_an_added_field_passes_as_safe(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sdl = products_sdl.replace(PRODUCT_WEIGHT, PRODUCT_WEIGHT + "  tags: [String!]!\n", 1)
    assert sdl != products_sdl
    assert _check(tmp_path, sdl, "--json") == 0
    report = _json(capsys)
    assert report["result"] == "PASS"
    assert report["changes"] == [
        {
            "severity": "SAFE",
            "code": "FIELD_ADDED",
            "path": "Product.tags",
            "message": "field Product.tags was added",
            "blocking": False,
        }
    ]


def test_a_removed_field_fails_and_so_do_persisted_operations_using_it(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sdl = _without_product_by_id(products_sdl)
    assert sdl != products_sdl
    manifest = tmp_path / "manifest.json"
    operations = [
        {"id": "byId", "body": 'query ById { productById(id: "1") { name } }', "name": "ById"},
        {"id": "byUpc", "body": 'query ByUpc { product(upc: "1") { name } }', "name": "ByUpc"},
    ]
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    assert _check(tmp_path, sdl, "--json", "--operations", str(manifest)) == 1
    report = _json(capsys)
    assert report["result"] == "FAIL"
    assert report["blocking"] == 2
    changes = report["changes"]
    assert isinstance(changes, list)
    assert [(c["severity"], c["path"]) for c in changes] == [("BREAKING", "Query.productById")]
    assert report["operations"] == {
        "checked": 2,
        "invalid": [
            {
                "id": "byId",
                "messages": [
                    "Cannot query field 'productById' on type 'Query'. "
                    "Did you mean 'product' or 'products'?"
                ],
            }
        ],
    }


def test_a_change_that_does_not_compose_fails_with_the_composition_errors(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sdl = products_sdl.replace(PRODUCT_WEIGHT, PRODUCT_WEIGHT.replace("Int!", "Float"), 1)
    assert _check(tmp_path, sdl, "--json") == 1
    report = _json(capsys)
    assert report["composed"] is False
    errors = report["compositionErrors"]
    assert isinstance(errors, list)
    assert "FIELD_TYPE_MISMATCH" in {e["code"] for e in errors}


def test_the_table_for_people(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sdl = _without_product_by_id(products_sdl)
    assert _check(tmp_path, sdl) == 1
    out = capsys.readouterr().out
    assert "BREAKING   Query.productById  field Query.productById was removed" in out
    assert out.rstrip().endswith("products: FAIL (1 blocking)")


def test_usage_problems_exit_2(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "s.graphql"
    schema.write_text(products_sdl)
    base = ["check", "--schema", str(schema), "--config", str(CONFIG)]
    assert main([*base, "--subgraph", "nope"]) == 2
    assert "no subgraph 'nope'" in capsys.readouterr().err
    assert main([*base, "--subgraph", "products", "--operations", str(tmp_path / "x")]) == 2
    missing = ["check", "--subgraph", "products", "--schema", str(tmp_path / "none.graphql")]
    assert main([*missing, "--config", str(CONFIG)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_the_proposed_schema_from_a_running_subgraph_and_the_current_from_the_registry(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.kit.scenario import Subgraph
    from tests.kit.subgraph_server import SubgraphServer

    registry = ["--registry", f"sqlite:///{tmp_path / 'registry.db'}"]
    assert main(["publish", *registry, "--config", str(CONFIG)]) == 0
    proposed = _without_product_by_id(products_sdl)
    server = SubgraphServer(Subgraph("products", proposed))
    server.start()
    try:
        check = ["check", "--subgraph", "products", "--schema", server.url, *registry]
        capsys.readouterr()
        assert main([*check, "--json"]) == 1
    finally:
        server.stop()
    report = json.loads(capsys.readouterr().out)
    assert [(c["severity"], c["path"]) for c in report["changes"]] == [
        ("BREAKING", "Query.productById")
    ]
    # The same through the registry's HTTP API.
    schema_file = tmp_path / "proposed.graphql"
    schema_file.write_text(proposed)
    api = ThreadedASGIServer(registry_app(registry[1]), "registry", lifespan="on")
    api.start()
    try:
        over_http = ["--schema", str(schema_file), "--registry", api.url, "--json"]
        assert main(["check", "--subgraph", "products", *over_http]) == 1
    finally:
        api.stop()
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert [(c["severity"], c["path"]) for c in changes] == [("BREAKING", "Query.productById")]
    # A version published composed has no subgraphs to compose the proposal with.
    composed = ["--supergraph", str(ROOT / "schema.graphql"), "--graph", "other"]
    assert main(["publish", *registry, *composed]) == 0
    schema = tmp_path / "products.graphql"
    schema.write_text(products_sdl)
    other = ["check", "--subgraph", "products", "--schema", str(schema), *registry]
    assert main([*other, "--graph", "other"]) == 2
    assert "its subgraphs are unknown" in capsys.readouterr().err
    unreachable = ["--schema", "http://127.0.0.1:9/graphql", "--config", str(CONFIG)]
    assert main(["check", "--subgraph", "products", *unreachable]) == 2


def test_an_argument_that_became_required_breaks_the_uses_of_its_field() -> None:
    """Clients that never gave the argument fail validation now: its field is what they
    used (the argument itself they never named)."""
    for code in ("ARG_CHANGED_KIND", "ARG_BECAME_REQUIRED"):
        change = Change("BREAKING", code, "Query.product(locale:)", "", newly_required=True)
        assert affected_coordinates(change) == {"Query.product"}
    field = Change("BREAKING", "FIELD_CHANGED_KIND", "ReviewInput.body", "", True, True)
    assert affected_coordinates(field) == {"ReviewInput.body", "ReviewInput"}


@pytest.mark.parametrize(
    ("change", "coordinates"),
    [
        (("FIELD_REMOVED", "Product.weight", False), {"Product.weight"}),
        (("FIELD_REMOVED", "ReviewInput.body", True), {"ReviewInput.body", "ReviewInput"}),
        (("ARG_REMOVED", "Query.product(locale:)", False), {"Query.product(locale:)"}),
        (("REQUIRED_ARG_ADDED", "Query.search(limit:)", False), {"Query.search"}),
        (("REQUIRED_INPUT_FIELD_ADDED", "ReviewInput.stars", True), {"ReviewInput"}),
        (("VALUE_REMOVED_FROM_ENUM", "Status.RETIRED", False), {"Status.RETIRED", "Status"}),
        (("DIRECTIVE_ARG_REMOVED", "@cached(ttl:)", False), {"@cached"}),
        (("ARG_CHANGED_KIND", "@cached(ttl:)", False), {"@cached"}),
        (("TYPE_REMOVED", "Warehouse", False), {"Warehouse"}),
    ],
)
def test_what_each_breaking_change_breaks(
    change: tuple[str, str, bool], coordinates: set[str]
) -> None:
    code, path, input_field = change
    breaking = Change("BREAKING", code, path, "", input_field)
    assert affected_coordinates(breaking) == coordinates


def test_a_contract_check_sees_what_partners_lose(
    tmp_path: Path, products_sdl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Untagging `Product.price` changes nothing in the full API but removes it from the
    partner contract: checked through the contract it is BREAKING and the partner's
    persisted operation using it is invalid; tagging `weight` adds it there."""
    untagged = products_sdl.replace('price: Money! @tag(name: "partner")', "price: Money!", 1)
    assert untagged != products_sdl
    assert _check(tmp_path, untagged, "--json") == 0
    assert _json(capsys)["changes"] == []
    manifest = tmp_path / "partner.json"
    operations = [
        {"id": "prices", "body": "{ products(first: 2) { edges { node { price { amount } } } } }"},
        {"id": "names", "body": "{ products(first: 2) { edges { node { name } } } }"},
    ]
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    partner = ["--include-tag", "partner", "--operations", str(manifest), "--json"]
    assert _check(tmp_path, untagged, *partner) == 1
    report = _json(capsys)
    assert report["contract"] == {"includeTags": ["partner"], "excludeTags": []}
    # Money, reachable only through price, leaves the contract with it.
    assert [(c["severity"], c["code"], c["path"]) for c in report["changes"]] == [
        ("BREAKING", "TYPE_REMOVED", "Money"),
        ("BREAKING", "FIELD_REMOVED", "Product.price"),
    ]
    assert [op["id"] for op in report["operations"]["invalid"]] == ["prices"]
    tagged = products_sdl.replace(
        PRODUCT_WEIGHT, PRODUCT_WEIGHT.replace("Int!", 'Int! @tag(name: "partner")'), 1
    )
    assert _check(tmp_path, tagged, "--include-tag", "partner", "--json") == 0
    assert [(c["severity"], c["path"]) for c in _json(capsys)["changes"]] == [
        ("SAFE", "Product.weight")
    ]
    # A tag nothing carries is a usage problem, not a verdict.
    assert _check(tmp_path, products_sdl, "--include-tag", "nope") == 2
    assert "no element carries" in capsys.readouterr().err


def test_a_subgraph_to_add_is_checked_with_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new subgraph composes with the others: what it adds is SAFE; one that clashes
    with them does not compose. Without --new an unknown name stays a usage problem
    (a typo must not pass as an addition)."""
    shipping = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@key"])\n'
        "type Query { shippingZones: [String!]! }\n"
    )
    assert _check_named(tmp_path, "shipping", shipping, "--new", "--json") == 0
    report = _json(capsys)
    assert [(c["severity"], c["path"]) for c in report["changes"]] == [
        ("SAFE", "Query.shippingZones")
    ]
    clash = shipping.replace("shippingZones: [String!]!", "me: String")
    assert _check_named(tmp_path, "shipping", clash, "--new", "--json") == 1
    assert _json(capsys)["composed"] is False
    assert _check_named(tmp_path, "shipping", shipping) == 2
    assert "checking a subgraph to add: --new" in capsys.readouterr().err
    assert _check_named(tmp_path, "products", shipping, "--new") == 2
    assert "in the composition already" in capsys.readouterr().err


def _check_named(tmp_path: Path, name: str, sdl: str, *extra: str) -> int:
    schema = tmp_path / f"{name}.graphql"
    schema.write_text(sdl)
    args = ["check", "--subgraph", name, "--schema", str(schema), "--config", str(CONFIG)]
    return main([*args, *extra])
