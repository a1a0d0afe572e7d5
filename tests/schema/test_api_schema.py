"""The API schema clients see: no join/link machinery, no @inaccessible elements."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, print_schema

from supergraph.schema import load_supergraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs"


def _api(name: str) -> str:
    sdl = (FIXTURES / name / "supergraph.graphql").read_text(encoding="utf-8")
    return print_schema(load_supergraph(sdl).api_schema)


def test_join_and_link_machinery_is_removed() -> None:
    api = _api("shop")
    for hidden in ("join__", "link__", "@link", "@join", "join__Graph", "@inaccessible"):
        assert hidden not in api


def test_inaccessible_field_is_removed() -> None:
    sdl = (FIXTURES / "shop" / "supergraph.graphql").read_text(encoding="utf-8")
    model = load_supergraph(sdl)
    product = model.api_schema.get_type("Product")
    assert isinstance(product, GraphQLObjectType)
    assert "secret" not in product.fields
    assert "name" in product.fields
    # the model still knows it (the router must never expose it)
    assert model.types["Product"].fields["secret"].inaccessible


def test_auth_directives_are_not_shown_to_clients() -> None:
    api = _api("shop")
    assert "@authenticated" not in api
    assert "@requiresScopes" not in api


def test_federation_1_core_machinery_is_removed() -> None:
    api = _api("fed1")
    assert "@core" not in api
    assert "join__" not in api
    assert "type User {" in api


def test_descriptions_and_deprecations_are_kept() -> None:
    sdl = (FIXTURES / "fed1" / "supergraph.graphql").read_text(encoding="utf-8")
    sdl = sdl.replace(
        "  username: String\n",
        '  "The handle"\n  username: String @deprecated(reason: "use name")\n',
    )
    api = print_schema(load_supergraph(sdl).api_schema)
    assert '"""The handle"""' in api or '"The handle"' in api
    assert '@deprecated(reason: "use name")' in api
