"""A `@requires` field under @skip/@include beside an unconditional field of the same entity fetch.

The fixture supergraph tests/fixtures/supergraphs/conditional_requires (these
subgraphs): `Article.relatedReviews` (reviews) requires `related { id }`
(catalog); `reviewCount` needs only the key. When both are asked at one place,
one reviews fetch serves them, and the required `related { id }` is fetched only
under the condition of `relatedReviews`: with the condition off, the objects
must still be represented by their key for `reviewCount`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

SUBGRAPHS = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "supergraphs"
    / "conditional_requires"
    / "subgraphs"
)

ARTICLES: list[dict[str, Any]] = [
    {"__typename": "Article", "id": "a1", "title": "Tides", "related": ["a2", "a3"]},
    {"__typename": "Article", "id": "a2", "title": "Moons", "related": ["a1"]},
    {"__typename": "Article", "id": "a3", "title": "Orbits", "related": ["a1", "a2"]},
]
BY_ID = {a["id"]: a for a in ARTICLES}
PODCAST = {"__typename": "Podcast", "id": "p1", "minutes": 42}
REVIEWS: dict[str, list[str]] = {"a1": ["r1", "r2"], "a2": ["r3"], "a3": []}


def _related(article: dict[str, Any], _info: Any) -> list[dict[str, Any]]:
    return [BY_ID[i] for i in article["related"]]


def _reviews_of_related(article: dict[str, Any], _info: Any) -> list[dict[str, Any]]:
    # The representation carries `related { id }` only when the gateway fetched it.
    related = article["related"]
    return [
        {"id": review, "body": f"on {item['id']}"}
        for item in related
        for review in REVIEWS[item["id"]]
    ]


catalog = Subgraph(
    name="catalog",
    sdl=(SUBGRAPHS / "catalog.graphql").read_text(encoding="utf-8"),
    resolvers={
        "Query": {
            "featured": lambda _o, _i: ARTICLES[:2],
            "search": lambda _o, _i: [ARTICLES[0], PODCAST],
        },
        "Article": {"related": _related},
    },
    references={"Article": by_key(ARTICLES, "id")},
)

reviews = Subgraph(
    name="reviews",
    sdl=(SUBGRAPHS / "reviews.graphql").read_text(encoding="utf-8"),
    resolvers={
        "Article": {
            "reviewCount": lambda article, _i: len(REVIEWS[article["id"]]),
            "relatedReviews": _reviews_of_related,
        }
    },
)

SCENARIO = Scenario(
    name="conditional_requires",
    description="a conditional @requires field and an unconditional field in one entity fetch",
    subgraphs=(catalog, reviews),
    apollo_wrong_generated={
        2: "@include(if: $false) on relatedReviews drops the whole reviews fetch: see include-false-on-the-requires-field",
        8: "@include(if: $false) on relatedReviews drops the whole reviews fetch: see include-false-on-the-requires-field",
    },
    # From ARTICLES, REVIEWS and PODCAST above: reviewCount counts REVIEWS[id],
    # relatedReviews lists the reviews of the related articles.
    apollo_wrong_generated_data={
        2: {
            "featured": [
                {"__typename": "Article", "id": "a1", "a2": 2, "a3": "a1"},
                {"__typename": "Article", "id": "a2", "a2": 1, "a3": "a2"},
            ],
            "a4": [
                {
                    "a5": "a1",
                    "related": [{"title": "Moons"}, {"title": "Orbits"}],
                    "relatedReviews": [{"id": "r3"}],
                    "reviewCount": 2,
                },
                {"a5": "p1"},
            ],
        },
        8: {
            "featured": [
                {"__typename": "Article", "a3": "Tides", "a4": 2, "id": "a1"},
                {"__typename": "Article", "a3": "Moons", "a4": 1, "id": "a2"},
            ]
        },
    },
    operations=(
        Operation(
            name="include-fragment-true",
            query="query($b: Boolean!) { featured { related { reviewCount } ... @include(if: $b) { related { relatedReviews { id } } } } }",
            variables={"b": True},
            data={
                "featured": [
                    {
                        "related": [
                            {"reviewCount": 1, "relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {
                                "reviewCount": 0,
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                            },
                        ]
                    },
                    {"related": [{"reviewCount": 2, "relatedReviews": [{"id": "r3"}]}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="include-fragment-false",
            query="query($b: Boolean!) { featured { related { reviewCount } ... @include(if: $b) { related { relatedReviews { id } } } } }",
            variables={"b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="skip-fragment-true",
            query="query($b: Boolean!) { featured { related { reviewCount } ... @skip(if: $b) { related { relatedReviews { id } } } } }",
            variables={"b": True},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="skip-fragment-false",
            query="query($b: Boolean!) { featured { related { reviewCount } ... @skip(if: $b) { related { relatedReviews { id } } } } }",
            variables={"b": False},
            data={
                "featured": [
                    {
                        "related": [
                            {"reviewCount": 1, "relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {
                                "reviewCount": 0,
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                            },
                        ]
                    },
                    {"related": [{"reviewCount": 2, "relatedReviews": [{"id": "r3"}]}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="typed-fragment-on-interface-true",
            query="query($b: Boolean!) { search { ... on Article { related { reviewCount } ... on Article @include(if: $b) { related { relatedReviews { id } } } } } }",
            variables={"b": True},
            data={
                "search": [
                    {
                        "related": [
                            {"reviewCount": 1, "relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {
                                "reviewCount": 0,
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                            },
                        ]
                    },
                    {},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="typed-fragment-on-interface-false",
            query="query($b: Boolean!) { search { ... on Article { related { reviewCount } ... on Article @include(if: $b) { related { relatedReviews { id } } } } } }",
            variables={"b": False},
            data={"search": [{"related": [{"reviewCount": 1}, {"reviewCount": 0}]}, {}]},
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="conditional-part-first-true",
            query="query($b: Boolean!) { featured { ... on Article @include(if: $b) { related { relatedReviews { id } } } related { reviewCount title } } }",
            variables={"b": True},
            data={
                "featured": [
                    {
                        "related": [
                            {
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}],
                                "reviewCount": 1,
                                "title": "Moons",
                            },
                            {
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                                "reviewCount": 0,
                                "title": "Orbits",
                            },
                        ]
                    },
                    {
                        "related": [
                            {"relatedReviews": [{"id": "r3"}], "reviewCount": 2, "title": "Tides"}
                        ]
                    },
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="conditional-part-first-false",
            query="query($b: Boolean!) { featured { ... on Article @include(if: $b) { related { relatedReviews { id } } } related { reviewCount title } } }",
            variables={"b": False},
            data={
                "featured": [
                    {
                        "related": [
                            {"reviewCount": 1, "title": "Moons"},
                            {"reviewCount": 0, "title": "Orbits"},
                        ]
                    },
                    {"related": [{"reviewCount": 2, "title": "Tides"}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="named-spread-include-true",
            query="query($b: Boolean!) { featured { related { reviewCount } ...Reviews @include(if: $b) } } fragment Reviews on Article { related { relatedReviews { id body } } }",
            variables={"b": True},
            data={
                "featured": [
                    {
                        "related": [
                            {
                                "reviewCount": 1,
                                "relatedReviews": [
                                    {"id": "r1", "body": "on a1"},
                                    {"id": "r2", "body": "on a1"},
                                ],
                            },
                            {
                                "reviewCount": 0,
                                "relatedReviews": [
                                    {"id": "r1", "body": "on a1"},
                                    {"id": "r2", "body": "on a1"},
                                    {"id": "r3", "body": "on a2"},
                                ],
                            },
                        ]
                    },
                    {
                        "related": [
                            {"reviewCount": 2, "relatedReviews": [{"id": "r3", "body": "on a2"}]}
                        ]
                    },
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="named-spread-include-false",
            query="query($b: Boolean!) { featured { related { reviewCount } ...Reviews @include(if: $b) } } fragment Reviews on Article { related { relatedReviews { id body } } }",
            variables={"b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="field-carrying-the-path-true",
            query="query($b: Boolean!) { featured { related { reviewCount } related @include(if: $b) { relatedReviews { id } } } }",
            variables={"b": True},
            data={
                "featured": [
                    {
                        "related": [
                            {"reviewCount": 1, "relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {
                                "reviewCount": 0,
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                            },
                        ]
                    },
                    {"related": [{"reviewCount": 2, "relatedReviews": [{"id": "r3"}]}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="field-carrying-the-path-false",
            query="query($b: Boolean!) { featured { related { reviewCount } related @include(if: $b) { relatedReviews { id } } } }",
            variables={"b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="fragment-beside-the-field-false",
            query="query($b: Boolean!) { featured { related { reviewCount ... @include(if: $b) { relatedReviews { id } } } } }",
            variables={"b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="nested-conditions-on",
            query="query($a: Boolean!, $b: Boolean!) { featured { related { reviewCount } ... @include(if: $a) { ... @skip(if: $b) { related { relatedReviews { id } } } } } }",
            variables={"a": True, "b": False},
            data={
                "featured": [
                    {
                        "related": [
                            {"reviewCount": 1, "relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {
                                "reviewCount": 0,
                                "relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}],
                            },
                        ]
                    },
                    {"related": [{"reviewCount": 2, "relatedReviews": [{"id": "r3"}]}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="nested-conditions-inner-off",
            query="query($a: Boolean!, $b: Boolean!) { featured { related { reviewCount } ... @include(if: $a) { ... @skip(if: $b) { related { relatedReviews { id } } } } } }",
            variables={"a": True, "b": True},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="nested-conditions-outer-off",
            query="query($a: Boolean!, $b: Boolean!) { featured { related { reviewCount } ... @include(if: $a) { ... @skip(if: $b) { related { relatedReviews { id } } } } } }",
            variables={"a": False, "b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="two-variables-first-on",
            query="query($a: Boolean!, $b: Boolean!) { featured { ... @include(if: $a) { related { reviewCount } } ... @include(if: $b) { related { relatedReviews { id } } } } }",
            variables={"a": True, "b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="two-variables-second-on",
            query="query($a: Boolean!, $b: Boolean!) { featured { ... @include(if: $a) { related { reviewCount } } ... @include(if: $b) { related { relatedReviews { id } } } } }",
            variables={"a": False, "b": True},
            data={
                "featured": [
                    {
                        "related": [
                            {"relatedReviews": [{"id": "r1"}, {"id": "r2"}]},
                            {"relatedReviews": [{"id": "r1"}, {"id": "r2"}, {"id": "r3"}]},
                        ]
                    },
                    {"related": [{"relatedReviews": [{"id": "r3"}]}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="include-false-on-the-requires-field",
            query="query($b: Boolean!) { featured { related { reviewCount relatedReviews @include(if: $b) { id } } } }",
            variables={"b": False},
            data={
                "featured": [
                    {"related": [{"reviewCount": 1}, {"reviewCount": 0}]},
                    {"related": [{"reviewCount": 2}]},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
            apollo=(
                "Apollo Gateway 2.14 skips the whole reviews fetch, reviewCount's too, "
                "when the @requires field in it is off: data is null, with valueCompletion "
                "errors only in extensions (as requires:include-false-on-requires-field)"
            ),
            apollo_data=None,
        ),
        Operation(
            name="condition-on-one-of-two-selections-of-the-parent-field",
            query=(
                "query($v: Boolean!) { featured @skip(if: $v) { relatedReviews { body } }"
                " featured { reviewCount } }"
            ),
            variables={"v": True},
            data={"featured": [{"reviewCount": 2}, {"reviewCount": 1}]},
            requests={"catalog": 1, "reviews": 1},
        ),
        Operation(
            name="condition-on-one-of-two-selections-of-the-parent-field-on",
            query=(
                "query($v: Boolean!) { featured @skip(if: $v) { relatedReviews { body } }"
                " featured { reviewCount } }"
            ),
            variables={"v": False},
            data={
                "featured": [
                    {"relatedReviews": [{"body": "on a2"}], "reviewCount": 2},
                    {"relatedReviews": [{"body": "on a1"}, {"body": "on a1"}], "reviewCount": 1},
                ]
            },
            requests={"catalog": 1, "reviews": 1},
        ),
    ),
)
