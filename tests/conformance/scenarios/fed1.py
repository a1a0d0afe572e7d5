"""Federation 1 subgraphs: `extend type`, @external keys, @requires and @provides in fed1 style."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

BOOKS: list[dict[str, Any]] = [
    {"isbn": "111", "title": "Ubik", "year": 1969},
    {"isbn": "222", "title": "Solaris", "year": 1961},
]

books = Subgraph(
    name="books",
    sdl="""
type Book @key(fields: "isbn") {
  isbn: String!
  title: String
  year: Int
}
type Query {
  books: [Book]
}
""",
    resolvers={"Query": {"books": lambda _o, _i: BOOKS}},
    references={"Book": by_key(BOOKS, "isbn")},
)

REVIEWS = {"111": ["Mind-bending"], "222": ["Oceanic", "Slow"]}
TITLES = {"111": "Ubik", "222": "Solaris"}

reviews = Subgraph(
    name="reviews",
    sdl="""
extend type Book @key(fields: "isbn") {
  isbn: String! @external
  title: String @external
  reviews: [Review]
  summary: String @requires(fields: "title")
}
type Review {
  body: String
  book: Book @provides(fields: "title")
}
extend type Query {
  latestReview: Review
}
""",
    resolvers={
        "Query": {
            "latestReview": lambda _o, _i: {
                "body": "Slow",
                "book": {"isbn": "222", "title": "Solaris"},
            }
        },
        "Book": {
            "reviews": lambda obj, _i: [
                # Review.book @provides title: this subgraph must know it.
                {"body": body, "book": {"isbn": obj["isbn"], "title": TITLES[obj["isbn"]]}}
                for body in REVIEWS[obj["isbn"]]
            ],
            "summary": lambda obj, _i: f"{obj['title']} ({len(REVIEWS[obj['isbn']])} reviews)",
        },
    },
)

SCENARIO = Scenario(
    name="fed1",
    description="Federation 1 subgraphs (no @link): extend type with @external key, @requires, @provides",
    subgraphs=(books, reviews),
    operations=(
        Operation(
            name="extension-fields",
            query="{ books { title reviews { body } } }",
            data={
                "books": [
                    {"title": "Ubik", "reviews": [{"body": "Mind-bending"}]},
                    {"title": "Solaris", "reviews": [{"body": "Oceanic"}, {"body": "Slow"}]},
                ]
            },
            requests={"books": 1, "reviews": 1},
        ),
        Operation(
            name="fed1-requires",
            query="{ books { summary } }",
            data={"books": [{"summary": "Ubik (1 reviews)"}, {"summary": "Solaris (2 reviews)"}]},
        ),
        Operation(
            name="fed1-provides",
            query="{ latestReview { body book { title } } }",
            data={"latestReview": {"body": "Slow", "book": {"title": "Solaris"}}},
            requests={"reviews": 1, "books": 0},
        ),
        Operation(
            name="fed1-round-trip",
            query="{ latestReview { book { year reviews { book { isbn } } } } }",
            data={
                "latestReview": {
                    "book": {
                        "year": 1961,
                        "reviews": [{"book": {"isbn": "222"}}, {"book": {"isbn": "222"}}],
                    }
                }
            },
        ),
    ),
)
