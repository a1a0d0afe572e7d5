"""@context / @fromContext: a clean UNSUPPORTED_FEATURE error, never a supergraph without them."""

from __future__ import annotations

from supergraph.compose import SubgraphSource, compose

_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", import: ["@key", {name: "@context", as: "@ctx"}, "@fromContext"])
type Query { users: [User!]! }
type User @key(fields: "id") @ctx(name: "user") { id: ID! lang: String! posts: [Post!]! }
type Post @key(fields: "id") {
  id: ID!
  title(lang: String @fromContext(field: "$user { lang }")): String!
}
"""


def test_context_directives_are_refused_by_name() -> None:
    result = compose([SubgraphSource("users", "http://users/graphql", _SDL)])
    assert result.supergraph_sdl is None
    assert [(e.code, e.message.split(" is not")[0]) for e in result.errors] == [
        ("UNSUPPORTED_FEATURE", "[users] @context"),
        ("UNSUPPORTED_FEATURE", "[users] @fromContext"),
    ]


def test_a_directive_named_context_outside_federation_is_not_refused() -> None:
    sdl = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
        "directive @context(name: String!) on OBJECT\n"
        'type Query { a: A }\ntype A @context(name: "x") { id: ID! }'
    )
    result = compose([SubgraphSource("a", "http://a/graphql", sdl)])
    assert not [e for e in result.errors if e.code == "UNSUPPORTED_FEATURE"]
