"""@skip/@include on fragments whose fields all live in another subgraph.

The fixture supergraph tests/fixtures/supergraphs/conditional_fragments (these
subgraphs): `Shelf` is a value type, so `Shelf.location` (library) is fetched by
re-fetching `shelf` through the ancestor `Book`'s key. The catalog's operation
must not keep the emptied conditional fragment (`... @include(if: $b) {}` is a
syntax error), and the library fetch must run under the condition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

SUBGRAPHS = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "supergraphs"
    / "conditional_fragments"
    / "subgraphs"
)

BOOKS: list[dict[str, Any]] = [
    {"id": "b1", "title": "Dune", "shelf": "s1"},
    {"id": "b2", "title": "Emma", "shelf": None},
    {"id": "b3", "title": "Ulysses", "shelf": "s2"},
]
SHELVES: dict[str, dict[str, Any]] = {
    "s1": {"name": "Fiction", "location": {"room": "R1", "floor": 2}},
    "s2": {"name": "Classics", "location": None},
}


def _catalog_shelf(book: dict[str, Any], _info: Any) -> dict[str, Any] | None:
    shelf = book["shelf"]
    return None if shelf is None else {"name": SHELVES[shelf]["name"]}


def _library_shelf(book: dict[str, Any], _info: Any) -> dict[str, Any] | None:
    shelf = book["shelf"]
    return None if shelf is None else {"location": SHELVES[shelf]["location"]}


catalog = Subgraph(
    name="catalog",
    sdl=(SUBGRAPHS / "catalog.graphql").read_text(encoding="utf-8"),
    resolvers={"Query": {"books": lambda _o, _i: BOOKS}, "Book": {"shelf": _catalog_shelf}},
    references={"Book": by_key(BOOKS, "id")},
)

library = Subgraph(
    name="library",
    sdl=(SUBGRAPHS / "library.graphql").read_text(encoding="utf-8"),
    resolvers={"Book": {"shelf": _library_shelf}},
    references={"Book": by_key(BOOKS, "id")},
)


SCENARIO = Scenario(
    name="conditional_fragments",
    description="@skip/@include on fragments whose fields another subgraph serves, through the ancestor entity",
    subgraphs=(catalog, library),
    operations=(
        Operation(
            name="include-fragment-true",
            query="query($b: Boolean!) { books { shelf { name ... @include(if: $b) { location { room } } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="include-fragment-false",
            query="query($b: Boolean!) { books { shelf { name ... @include(if: $b) { location { room } } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="skip-fragment-true",
            query="query($b: Boolean!) { books { shelf { name ... @skip(if: $b) { location { room } } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="skip-fragment-false",
            query="query($b: Boolean!) { books { shelf { name ... @skip(if: $b) { location { room } } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="typed-fragment-skip-true",
            query="query($b: Boolean!) { books { shelf { name ... on Shelf @skip(if: $b) { location { room floor } } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="typed-fragment-skip-false",
            query="query($b: Boolean!) { books { shelf { name ... on Shelf @skip(if: $b) { location { room floor } } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1", "floor": 2}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="nested-conditions-on",
            query="query($a: Boolean!, $b: Boolean!) { books { shelf { name ... @include(if: $a) { ... @skip(if: $b) { location { room } } } } } }",
            variables={"a": True, "b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="nested-conditions-inner-off",
            query="query($a: Boolean!, $b: Boolean!) { books { shelf { name ... @include(if: $a) { ... @skip(if: $b) { location { room } } } } } }",
            variables={"a": True, "b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="nested-conditions-outer-off",
            query="query($a: Boolean!, $b: Boolean!) { books { shelf { name ... @include(if: $a) { ... @skip(if: $b) { location { room } } } } } }",
            variables={"a": False, "b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="named-spread-include-true",
            query="query($b: Boolean!) { books { shelf { name ...Where @include(if: $b) } } } fragment Where on Shelf { location { room } }",
            variables={"b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="named-spread-include-false",
            query="query($b: Boolean!) { books { shelf { name ...Where @include(if: $b) } } } fragment Where on Shelf { location { room } }",
            variables={"b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="field-carrying-the-fetch-true",
            query="query($b: Boolean!) { books { shelf { name location @include(if: $b) { room } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="field-carrying-the-fetch-false",
            query="query($b: Boolean!) { books { shelf { name location @include(if: $b) { room } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"shelf": {"name": "Fiction"}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics"}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="only-conditional-content-true",
            query="query($b: Boolean!) { books { title shelf { ... @include(if: $b) { name location { room } } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"title": "Dune", "shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"title": "Emma", "shelf": None},
                    {"title": "Ulysses", "shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="only-conditional-content-false",
            query="query($b: Boolean!) { books { title shelf { ... @include(if: $b) { name location { room } } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"title": "Dune", "shelf": {}},
                    {"title": "Emma", "shelf": None},
                    {"title": "Ulysses", "shelf": {}},
                ]
            },
            # Apollo sends the library fetch anyway; ours runs under the condition.
        ),
        Operation(
            name="both-branches-true",
            query="query($b: Boolean!) { books { id shelf { name ... @include(if: $b) { location { room } } ... @skip(if: $b) { location { floor } } } } }",
            variables={"b": True},
            data={
                "books": [
                    {"id": "b1", "shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"id": "b2", "shelf": None},
                    {"id": "b3", "shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="both-branches-false",
            query="query($b: Boolean!) { books { id shelf { name ... @include(if: $b) { location { room } } ... @skip(if: $b) { location { floor } } } } }",
            variables={"b": False},
            data={
                "books": [
                    {"id": "b1", "shelf": {"name": "Fiction", "location": {"floor": 2}}},
                    {"id": "b2", "shelf": None},
                    {"id": "b3", "shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
        Operation(
            name="default-value",
            query="query($b: Boolean! = true) { books { shelf { name ... @include(if: $b) { location { room } } } } }",
            variables={},
            data={
                "books": [
                    {"shelf": {"name": "Fiction", "location": {"room": "R1"}}},
                    {"shelf": None},
                    {"shelf": {"name": "Classics", "location": None}},
                ]
            },
            requests={"catalog": 1, "library": 1},
        ),
    ),
)
