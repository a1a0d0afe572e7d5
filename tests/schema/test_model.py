"""The supergraph model: subgraphs, per-graph fields and keys, Federation 1, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from supergraph.schema import Key, SupergraphError, load_supergraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs"


def _load(name: str) -> str:
    return (FIXTURES / name / "supergraph.graphql").read_text(encoding="utf-8")


def test_subgraphs_are_keyed_by_name_with_urls() -> None:
    model = load_supergraph(_load("shop"))
    assert sorted(model.subgraphs) == ["accounts", "inventory", "products", "reviews"]
    assert model.subgraphs["inventory"].url == "http://inventory"
    assert model.subgraphs["inventory"].enum_value == "INVENTORY"
    assert model.join_version == "0.3" or model.join_version.startswith("0.")


def test_keys_per_graph_with_resolvable_flags() -> None:
    model = load_supergraph(_load("shop"))
    product = model.types["Product"]
    products_keys = product.in_graph("products")
    assert products_keys is not None
    assert [k.fields for k in products_keys.keys] == ["id", "sku"]
    user_in_reviews = model.types["User"].in_graph("reviews")
    assert user_in_reviews is not None
    assert user_in_reviews.keys[0].resolvable is False
    accounts_user = model.types["User"].in_graph("accounts")
    assert accounts_user is not None
    composite = accounts_user.keys[1]
    assert isinstance(composite, Key)
    assert composite.fields == "email org { id }"
    assert composite.selections[1].selections[0].name == "id"  # type: ignore[union-attr]


def test_field_metadata_requires_provides_external_override() -> None:
    model = load_supergraph(_load("shop"))
    estimate = {f.graph: f for f in model.types["Product"].fields["shippingEstimate"].graphs}
    assert estimate["inventory"].requires_text == "weight price"
    weight = {f.graph: f for f in model.types["Product"].fields["weight"].graphs}
    assert weight["inventory"].external is True
    assert weight["products"].external is False
    author = {f.graph: f for f in model.types["Review"].fields["author"].graphs}
    assert author["reviews"].provides_text == "name"
    rating = {f.graph: f for f in model.types["Review"].fields["rating"].graphs}
    assert rating["reviews"].override == "accounts"


def test_authorization_directives_are_kept_in_the_model() -> None:
    model = load_supergraph(_load("shop"))
    assert model.types["Query"].fields["me"].authorization.authenticated is True
    private = model.types["User"].fields["private"].authorization
    assert private.scopes == (("read:private",),)


def test_interface_object_and_implementations() -> None:
    model = load_supergraph(_load("interface_object"))
    account = model.types["Account"]
    billing = account.in_graph("billing")
    assert billing is not None and billing.is_interface_object
    assert model.possible_types("Account") == ("Personal", "Business")
    assert model.possible_types_in("billing", "Account") == ()


def test_union_members_per_graph() -> None:
    model = load_supergraph(_load("abstract"))
    assert set(model.possible_types("SearchResult")) == {"Book", "Movie", "Author", "Podcast"}
    assert model.possible_types_in("ratings", "SearchResult") == ("Book", "Podcast")


def test_federation_1_owner_and_implicit_key_fields() -> None:
    model = load_supergraph(_load("fed1"))
    assert model.is_fed1
    user = model.types["User"]
    assert user.owner == "accounts"
    assert [f.graph for f in user.fields["name"].graphs] == ["accounts"]
    # the extending subgraph can return the key fields it declares @external
    assert {f.graph for f in user.fields["id"].graphs} == {"accounts", "reviews"}
    assert [f.graph for f in user.fields["reviews"].graphs] == ["reviews"]


@pytest.mark.parametrize(
    ("sdl", "message"),
    [
        ("type Query { a: Int", "not valid GraphQL"),
        ("type Query { a: Int }", "join spec"),
        (
            'schema @link(url: "https://specs.apollo.dev/link/v1.0") '
            '@link(url: "https://specs.apollo.dev/join/v0.9", for: EXECUTION) { query: Query } '
            "type Query { a: Int }",
            "unsupported join spec version v0.9",
        ),
        (
            'schema @link(url: "https://specs.apollo.dev/link/v1.0") '
            '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) '
            '@link(url: "https://example.com/magic/v1.0", for: SECURITY) { query: Query } '
            "type Query { a: Int }",
            "https://example.com/magic/v1.0",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(sdl: str, message: str) -> None:
    with pytest.raises(SupergraphError, match=message.replace("(", r"\(")):
        load_supergraph(sdl)


def test_unknown_graph_in_a_join_directive_names_the_element() -> None:
    sdl = _load("shop").replace(
        "type Warehouse @join__type(graph: INVENTORY",
        "type Warehouse @join__type(graph: NOWHERE",
    )
    with pytest.raises(SupergraphError, match=r"@join__type on Warehouse.*NOWHERE"):
        load_supergraph(sdl)


def test_missing_graph_enum_is_refused() -> None:
    sdl = _load("fed1").replace("enum join__Graph", "enum other__Graph")
    with pytest.raises(SupergraphError):
        load_supergraph(sdl)


def test_join_v05_context_arguments_and_override_labels() -> None:
    model = load_supergraph(_load("context"))
    assert model.join_version == "0.5"
    (title,) = model.types["Post"].fields["title"].graphs
    assert title.context_arguments[0].name == "lang"
    assert title.context_arguments[0].context == "users__userCtx"
    score = {f.graph: f for f in model.types["User"].fields["score"].graphs}
    assert score["scores"].override == "users"
    assert score["scores"].override_label == "percent(25)"
