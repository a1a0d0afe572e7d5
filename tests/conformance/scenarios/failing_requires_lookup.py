"""A field resolved with @requires in a subgraph whose entity lookups fail (reader):
where the operation skips that field, by one variable or under conditions on two (which
no plan Condition expresses), nothing is asked of reader, so nothing can fail. Where it
is selected, reader's failure is reported at each book its fetch was for."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])\n'

BOOKS: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "pages": 120},
    {"__typename": "Book", "id": "b2", "pages": 300},
]


def _lookup_down(_representation: dict[str, Any]) -> Any:
    raise SubgraphError("reader's lookups are down")


shelf = Subgraph(
    name="shelf",
    sdl=LINK
    + """
type Query {
  books: [Book]
}
type Book @key(fields: "id") {
  id: ID!
  pages: Int
}
""",
    resolvers={"Query": {"books": lambda _o, _i: BOOKS}},
    references={"Book": by_key(BOOKS, "id")},
)

reader = Subgraph(
    name="reader",
    sdl=LINK
    + """
type Book @key(fields: "id") {
  id: ID!
  pages: Int @external
  readingTime: Int @requires(fields: "pages")
}
""",
    resolvers={"Book": {"readingTime": lambda obj, _i: int(obj["pages"]) // 60}},
    references={"Book": _lookup_down},
)

SKIPPED_DATA = {"books": [{"id": "b1"}, {"id": "b2"}]}

SCENARIO = Scenario(
    name="failing_requires_lookup",
    description="a skipped @requires field in a subgraph whose entity lookups fail",
    subgraphs=(shelf, reader),
    operations=(
        Operation(
            name="requires-field-skipped-under-two-variables",
            query=(
                "query Q($v: Boolean!, $w: Boolean!) "
                "{ books { id readingTime @skip(if: $v) ... @include(if: $w) { readingTime } } }"
            ),
            variables={"v": True, "w": False},
            data=SKIPPED_DATA,
            requests={"shelf": 1, "reader": 0},
        ),
        Operation(
            name="every-lookup-fails",
            query="{ books { id readingTime } }",
            data={"books": [{"id": "b1", "readingTime": None}, {"id": "b2", "readingTime": None}]},
            # reader fails its whole `_entities` field: its error names no entity, so it
            # is the error of each book the fetch was for.
            errors=(ExpectedError(("books", 0)), ExpectedError(("books", 1))),
            requests={"shelf": 1, "reader": 1},
            apollo=(
                "Apollo Gateway reports reader's error once at the fetch's plan path "
                "`books.@._entities`, which is no path of the response"
            ),
            apollo_data={
                "books": [{"id": "b1", "readingTime": None}, {"id": "b2", "readingTime": None}]
            },
            apollo_errors=(ExpectedError(("books", "@", "_entities")),),
        ),
        Operation(
            name="shelf-alone",
            query="{ books { id pages } }",
            data={"books": [{"id": "b1", "pages": 120}, {"id": "b2", "pages": 300}]},
        ),
    ),
    generated=0,
)
