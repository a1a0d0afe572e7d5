"""Interfaces and unions across subgraphs, entity interfaces and @interfaceObject."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@interfaceObject", "@external"])\n'

MEDIA: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "m1", "title": "Dune", "author": "Herbert"},
    {"__typename": "Movie", "id": "m2", "title": "Alien", "director": "Scott"},
    {"__typename": "Book", "id": "m3", "title": "Emma", "author": "Austen"},
]


def _media(id: str) -> dict[str, Any] | None:
    return next((m for m in MEDIA if m["id"] == id), None)


media = Subgraph(
    name="media",
    sdl=LINK
    + """
interface Media @key(fields: "id") {
  id: ID!
  title: String!
}
type Book implements Media @key(fields: "id") {
  id: ID!
  title: String!
  author: String!
}
type Movie implements Media @key(fields: "id") {
  id: ID!
  title: String!
  director: String!
}
type Person @key(fields: "id", resolvable: false) {
  id: ID!
}
union SearchResult = Book | Movie | Person
type Query {
  library: [Media!]!
  media(id: ID!): Media
  search(term: String!): [SearchResult!]!
}
""",
    resolvers={
        "Query": {
            "library": lambda _o, _i: MEDIA,
            "media": lambda _o, _i, id: _media(id),
            "search": lambda _o, _i, term: [
                *(m for m in MEDIA if term.lower() in m["title"].lower()),
                *({"__typename": "Person", "id": p} for p in ("p1", "p2") if term == "people"),
            ],
        }
    },
    references={
        "Media": lambda rep: _media(rep["id"]),
        "Book": lambda rep: _media(rep["id"]),
        "Movie": lambda rep: _media(rep["id"]),
    },
)

RATINGS = {"m1": 4.5, "m2": 4.8, "m3": 3.9}

ratings = Subgraph(
    name="ratings",
    sdl=LINK
    + """
type Media @key(fields: "id") @interfaceObject {
  id: ID!
  rating: Float!
  similar: [Media!]!
}
type Query {
  topRated: [Media!]!
}
""",
    resolvers={
        "Query": {
            "topRated": lambda _o, _i: [
                {"__typename": "Media", "id": i}
                for i, _ in sorted(RATINGS.items(), key=lambda kv: -kv[1])[:2]
            ]
        },
        "Media": {
            "rating": lambda obj, _i: RATINGS[obj["id"]],
            "similar": lambda obj, _i: [
                {"__typename": "Media", "id": i} for i in RATINGS if i != obj["id"]
            ][:1],
        },
    },
)


def _media_ref(id: str) -> dict[str, Any] | None:
    found = _media(id)
    return {"__typename": found["__typename"], "id": id} if found else None


PEOPLE = {"p1": {"name": "Frank", "favorite": "m1"}, "p2": {"name": "Ridley", "favorite": "m2"}}

people = Subgraph(
    name="people",
    sdl=LINK
    + """
type Person @key(fields: "id") {
  id: ID!
  name: String!
  favorite: Media
}
interface Media @key(fields: "id") {
  id: ID!
}
type Book implements Media @key(fields: "id") {
  id: ID!
}
type Movie implements Media @key(fields: "id") {
  id: ID!
}
""",
    resolvers={
        "Person": {
            "name": lambda obj, _i: PEOPLE[obj["id"]]["name"],
            "favorite": lambda obj, _i: _media_ref(PEOPLE[obj["id"]]["favorite"]),
        }
    },
    references={"Media": lambda rep: _media_ref(rep["id"])},
)

SCENARIO = Scenario(
    name="abstract_types",
    description="entity interface Media (media), @interfaceObject Media (ratings), union with a member owned elsewhere (Person)",
    subgraphs=(media, ratings, people),
    generator_samples={
        "Query.media": ({"id": "m1"}, {"id": "m2"}, {"id": "m3"}, {"id": "m9"}),
        "Query.search": ({"term": "e"}, {"term": "people"}, {"term": "dune"}),
    },
    # Apollo Gateway 2.14 drops (or nulls, without an error) selections under
    # type conditions on objects reached through the @interfaceObject field
    # `similar`; the smallest case found is interface-object-type-condition.
    apollo_wrong_generated=dict.fromkeys(
        (1, 2, 4, 6, 9, 19, 22, 29),
        "type conditions under @interfaceObject fields: see interface-object-type-condition",
    ),
    operations=(
        Operation(
            name="interface-with-fragments",
            query="{ library { __typename id title ... on Book { author } ... on Movie { director } } }",
            data={
                "library": [
                    {"__typename": "Book", "id": "m1", "title": "Dune", "author": "Herbert"},
                    {"__typename": "Movie", "id": "m2", "title": "Alien", "director": "Scott"},
                    {"__typename": "Book", "id": "m3", "title": "Emma", "author": "Austen"},
                ]
            },
        ),
        Operation(
            name="interface-object-field",
            query="{ library { title rating } }",
            data={
                "library": [
                    {"title": "Dune", "rating": 4.5},
                    {"title": "Alien", "rating": 4.8},
                    {"title": "Emma", "rating": 3.9},
                ]
            },
            requests={"media": 1, "ratings": 1},
        ),
        Operation(
            name="interface-object-root",
            query="{ topRated { __typename id title ... on Movie { director } rating } }",
            data={
                "topRated": [
                    {
                        "__typename": "Movie",
                        "id": "m2",
                        "title": "Alien",
                        "director": "Scott",
                        "rating": 4.8,
                    },
                    {"__typename": "Book", "id": "m1", "title": "Dune", "rating": 4.5},
                ]
            },
        ),
        Operation(
            name="interface-object-nested",
            query='{ media(id: "m3") { title similar { id title ... on Book { author } } } }',
            data={
                "media": {
                    "title": "Emma",
                    "similar": [{"id": "m1", "title": "Dune", "author": "Herbert"}],
                }
            },
        ),
        Operation(
            name="union-across-subgraphs",
            query="""
            query Search($term: String!) {
              search(term: $term) {
                __typename
                ... on Media { title }
                ... on Person { name favorite { title ... on Movie { director } } }
              }
            }
            """,
            variables={"term": "people"},
            data={
                "search": [
                    {"__typename": "Person", "name": "Frank", "favorite": {"title": "Dune"}},
                    {
                        "__typename": "Person",
                        "name": "Ridley",
                        "favorite": {"title": "Alien", "director": "Scott"},
                    },
                ]
            },
        ),
        Operation(
            name="union-typename-only",
            query='{ search(term: "e") { __typename ... on Book { id } } }',
            data={
                "search": [
                    {"__typename": "Book", "id": "m1"},
                    {"__typename": "Movie"},
                    {"__typename": "Book", "id": "m3"},
                ]
            },
        ),
        Operation(
            name="interface-object-type-condition",
            query='{ search(term: "e") { ... on Media { id similar { id ... on Book { __typename similar { id } } } } } }',
            data={
                "search": [
                    {"id": "m1", "similar": [{"id": "m2"}]},
                    {
                        "id": "m2",
                        "similar": [{"id": "m1", "__typename": "Book", "similar": [{"id": "m2"}]}],
                    },
                    {
                        "id": "m3",
                        "similar": [{"id": "m1", "__typename": "Book", "similar": [{"id": "m2"}]}],
                    },
                ]
            },
            apollo=(
                "Apollo Gateway 2.14 drops the `... on Book` selection of objects reached "
                "through the @interfaceObject field `similar` (m1 is a Book)"
            ),
            apollo_data={
                "search": [
                    {"id": "m1", "similar": [{"id": "m2"}]},
                    {"id": "m2", "similar": [{"id": "m1"}]},
                    {"id": "m3", "similar": [{"id": "m1"}]},
                ]
            },
        ),
        Operation(
            name="conditions-on-fragment-and-field",
            query=(
                "query($a: Boolean!, $b: Boolean!) { library { id"
                " ... on Book @include(if: $a) { similar @include(if: $b) { id rating } } } }"
            ),
            variables={"a": True, "b": True},
            data={
                "library": [
                    {"id": "m1", "similar": [{"id": "m2", "rating": 4.8}]},
                    {"id": "m2"},
                    {"id": "m3", "similar": [{"id": "m1", "rating": 4.5}]},
                ]
            },
        ),
        Operation(
            name="same-condition-on-fragment-and-field",
            query=(
                'query($a: Boolean!) { media(id: "m1") {'
                " ... on Book @include(if: $a) { title similar @include(if: $a) { id } } } }"
            ),
            variables={"a": True},
            data={"media": {"title": "Dune", "similar": [{"id": "m2"}]}},
        ),
        Operation(
            name="same-field-with-and-without-a-condition",
            query=(
                'query($a: Boolean!) { media(id: "m2") {'
                " similar { id } similar @include(if: $a) { title } } }"
            ),
            variables={"a": True},
            data={"media": {"similar": [{"id": "m1", "title": "Dune"}]}},
        ),
        Operation(
            name="root-fragment-and-field-conditions",
            query=(
                "query($a: Boolean!, $b: Boolean!) { ... @include(if: $a) {"
                " topRated @include(if: $b) { id } library @skip(if: $b) { title } } }"
            ),
            variables={"a": True, "b": True},
            data={"topRated": [{"id": "m2"}, {"id": "m1"}]},
        ),
        Operation(
            name="nested-skips",
            query=(
                "query($a: Boolean!, $b: Boolean!) { library {"
                " ... @skip(if: $a) { similar @skip(if: $b) { id } } } }"
            ),
            variables={"a": False, "b": False},
            data={
                "library": [
                    {"similar": [{"id": "m2"}]},
                    {"similar": [{"id": "m1"}]},
                    {"similar": [{"id": "m1"}]},
                ]
            },
        ),
    ),
)
