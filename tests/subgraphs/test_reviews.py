"""The reviews subgraph over SQLite and PostgreSQL: SDL, entities, batching, mutations.

createReview (issue 6) only for a signed-in caller, always as themself.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Integer, cast, func, select
from strawberry.types import ExecutionResult

from auth import Claims
from subgraphs._common.context import SubgraphContext
from subgraphs._common.seeding import product_upc, username
from subgraphs.reviews.models import ReviewRow
from subgraphs.reviews.schema import MAX_BODY_LENGTH
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory

REVIEW_FIELDS = "id body rating createdAt author { id username } product { upc }"


@pytest.fixture
async def reviews(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("reviews")


def _data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


async def _as(
    harness: Harness, claims: Claims | None, query: str, variables: dict[str, Any] | None = None
) -> ExecutionResult:
    """Run `query` with the verified `claims` (None: anonymous) in a fresh context."""
    async with harness.database.session() as session:
        context = SubgraphContext.create(session, claims=claims)
        return await harness.domain.schema.execute(
            query, variable_values=variables, context_value=context
        )


async def _rows(harness: Harness) -> list[ReviewRow]:
    async with harness.database.session() as session:
        return list((await session.scalars(select(ReviewRow).order_by(ReviewRow.id))).all())


async def test_sdl_has_the_keys_and_federation_directives(reviews: Harness) -> None:
    sdl = _data(await reviews.execute("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@authenticated", "@external", "@key", "@provides", "@tag"])'
    )
    assert 'type Review @key(fields: "id") {' in sdl
    assert 'type Product @key(fields: "upc") {' in sdl
    assert 'type User @key(fields: "id") {' in sdl
    for field in (
        "body: String!",
        "rating: Int!",
        "createdAt: DateTime!",
        'author: User! @provides(fields: "username")',
        "product: Product!",
        "username: String! @external",
        "reviews(first: Int! = 5): [Review!]!",
        'averageRating: Float @tag(name: "partner")',
    ):
        assert f"  {field}\n" in sdl
    assert "createReview(input: CreateReviewInput!): Review! @authenticated\n" in sdl
    assert "union _Entity = Product | Review | User" in sdl


async def test_review_entities_in_order_with_null_for_missing(reviews: Harness) -> None:
    result = await reviews.entities(
        [
            {"__typename": "Review", "id": "3"},
            {"__typename": "Review", "id": "999999"},
            {"__typename": "Review", "id": 1},
        ],
        f"... on Review {{ {REVIEW_FIELDS} }}",
    )
    first, missing, last = _data(result)["_entities"]
    assert missing is None
    assert (first["id"], last["id"]) == ("3", "1")
    for review in (first, last):
        assert 1 <= review["rating"] <= 5
        assert review["body"]
        assert review["createdAt"].endswith("+00:00")
        # @provides: the username comes from the review row, consistent with accounts.
        assert review["author"]["username"] == username(int(review["author"]["id"]))
        assert 1 <= int(review["author"]["id"]) <= TEST_SCALE.users
        assert review["product"]["upc"] in {product_upc(i) for i in range(1, 251)}


async def test_product_and_user_entities_add_their_reviews(reviews: Harness) -> None:
    rows = await _rows(reviews)
    upc = rows[0].product_upc
    author = rows[0].author_id
    result = await reviews.entities(
        [{"__typename": "Product", "upc": upc}, {"__typename": "User", "id": str(author)}],
        "... on Product { upc reviews(first: 100) { id rating } averageRating }"
        " ... on User { id reviews(first: 100) { id author { id } } }",
    )
    product, user = _data(result)["_entities"]
    for_product = [row for row in rows if row.product_upc == upc]
    newest = sorted(for_product, key=lambda row: (row.created_at, row.id), reverse=True)
    assert [r["id"] for r in product["reviews"]] == [str(row.id) for row in newest]
    expected = sum(row.rating for row in for_product) / len(for_product)
    assert product["averageRating"] == pytest.approx(expected)
    assert {r["id"] for r in user["reviews"]} == {str(r.id) for r in rows if r.author_id == author}
    assert {r["author"]["id"] for r in user["reviews"]} == {str(author)}


async def test_a_product_without_reviews(reviews: Harness) -> None:
    result = await reviews.entities(
        [{"__typename": "Product", "upc": "999999999999"}],
        "... on Product { reviews { id } averageRating }",
    )
    assert _data(result)["_entities"] == [
        {"__typename": "Product", "reviews": [], "averageRating": None}
    ]


@pytest.mark.parametrize("size", [10, 500])
async def test_product_entities_cost_two_statements_whatever_the_batch_size(
    reviews: Harness, size: int
) -> None:
    # Products beyond the seeded 250 have no reviews: still in the same two batches.
    representations = [{"__typename": "Product", "upc": product_upc(i)} for i in range(1, size + 1)]
    before = reviews.statements
    result = await reviews.entities(
        representations, "... on Product { reviews { body author { id username } } averageRating }"
    )
    # One ROW_NUMBER() SELECT for the reviews, one GROUP BY for the averages; the
    # author's username is provided by the review row (no third statement).
    assert reviews.statements - before == 2
    entities = _data(result)["_entities"]
    assert len(entities) == size
    assert all(len(e["reviews"]) <= 5 for e in entities)
    assert sum(len(e["reviews"]) for e in entities) > 0
    assert all(
        r["author"]["username"] == username(int(r["author"]["id"]))
        for e in entities
        for r in e["reviews"]
    )


async def test_different_first_values_are_one_statement_each(reviews: Harness) -> None:
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, 101)]
    before = reviews.statements
    result = await reviews.entities(
        representations, "... on User { a: reviews(first: 1) { id } b: reviews(first: 3) { id } }"
    )
    assert reviews.statements - before == 2
    for user in _data(result)["_entities"]:
        assert user["a"] == user["b"][:1]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"__typename": "Nope", "upc": "1"}, "'Nope' is not an entity type of this subgraph"),
        ({"upc": product_upc(1)}, "representation has no __typename"),
        ({"__typename": "Product"}, "representation of Product is missing key field 'upc'"),
        ({"__typename": "Review"}, "representation of Review is missing key field 'id'"),
        (
            {"__typename": "Review", "id": "abc"},
            "wrong type for key field 'id': expected an integer, got 'abc'",
        ),
        (
            {"__typename": "Product", "upc": ["x"]},
            "wrong type for key field 'upc': expected a string",
        ),
        (
            {"__typename": "User", "id": False},  # user ids are subjects: strings
            "wrong type for key field 'id': expected a string, got False",
        ),
        (7, "a representation must be an object"),
    ],
)
async def test_a_bad_representation_fails_only_its_own_entry(
    reviews: Harness, bad: Any, message: str
) -> None:
    good = {"__typename": "Review", "id": "2"}
    result = await reviews.entities([good, bad, good], "... on Review { id }")
    assert result.data == {
        "_entities": [
            {"__typename": "Review", "id": "2"},
            None,
            {"__typename": "Review", "id": "2"},
        ]
    }
    assert result.errors is not None and len(result.errors) == 1
    assert message in result.errors[0].message
    assert result.errors[0].path == ["_entities", 1]
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}


async def test_review_and_latest_reviews(reviews: Harness) -> None:
    one = _data(await reviews.execute('{ review(id: "7") { id author { username } } }'))
    assert one["review"]["id"] == "7"
    assert _data(await reviews.execute('{ review(id: "0") { id } }')) == {"review": None}
    before = reviews.statements
    latest = _data(await reviews.execute("{ latestReviews(first: 3) { id createdAt } }"))
    assert reviews.statements - before == 1
    rows = sorted(await _rows(reviews), key=lambda row: (row.created_at, row.id), reverse=True)
    assert [r["id"] for r in latest["latestReviews"]] == [str(row.id) for row in rows[:3]]
    result = await reviews.execute("{ latestReviews(first: 101) { id } }")
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "argumentName": "first"}


CREATE = """
mutation($input: CreateReviewInput!) {
  createReview(input: $input) { id body rating createdAt author { id username } product { upc } }
}
"""


async def test_create_review_stores_it_for_the_acting_user(subgraph: SubgraphFactory) -> None:
    reviews = await subgraph("reviews", fresh=True)
    upc = product_upc(3)
    created = _data(
        await reviews.execute(
            CREATE,
            {"input": {"productUpc": upc, "rating": 4, "body": "  Solid kettle.  "}},
            user_id=42,
        )
    )["createReview"]
    assert int(created["id"]) == TEST_SCALE.reviews + 1
    assert created["body"] == "Solid kettle."
    assert created["author"] == {"id": "42", "username": username(42)}
    assert created["product"] == {"upc": upc}
    # Visible to the relationship fields of later requests.
    result = await reviews.entities(
        [{"__typename": "User", "id": "42"}], "... on User { reviews(first: 1) { id body } }"
    )
    assert _data(result)["_entities"][0]["reviews"] == [
        {"id": created["id"], "body": "Solid kettle."}
    ]


@pytest.mark.parametrize(
    ("input", "message", "field"),
    [
        ({"rating": 0}, "rating must be between 1 and 5, got 0", "rating"),
        ({"rating": 6}, "rating must be between 1 and 5, got 6", "rating"),
        ({"body": "   "}, "body must not be blank", "body"),
        (
            {"body": "x" * (MAX_BODY_LENGTH + 1)},
            f"body must be at most {MAX_BODY_LENGTH} characters, got {MAX_BODY_LENGTH + 1}",
            "body",
        ),
        ({"productUpc": "kettle"}, "productUpc must be a 12-digit UPC, got 'kettle'", "productUpc"),
    ],
)
async def test_create_review_rejects_bad_input(
    subgraph: SubgraphFactory, input: dict[str, Any], message: str, field: str
) -> None:
    reviews = await subgraph("reviews")  # nothing is written: the shared database is fine
    before = reviews.statements
    variables = {"input": {"productUpc": product_upc(1), "rating": 5, "body": "Great."} | input}
    result = await reviews.execute(CREATE, variables, user_id=1)
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].message == message
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": field}
    assert result.errors[0].path == ["createReview"]
    assert reviews.statements == before


async def test_create_review_needs_a_user(reviews: Harness) -> None:
    variables = {"input": {"productUpc": product_upc(1), "rating": 5, "body": "Great."}}
    # Anonymous, and the router's identity of an anonymous caller (no subject).
    for claims in (None, Claims(subject=None, scopes=frozenset({"reviews:write"}))):
        before = reviews.statements
        result = await _as(reviews, claims, CREATE, variables)
        assert result.data is None
        assert result.errors is not None and len(result.errors) == 1
        assert result.errors[0].message == "you must be signed in"
        assert result.errors[0].extensions == {"code": "UNAUTHENTICATED"}
        assert result.errors[0].path == ["createReview"]
        assert reviews.statements == before


async def test_create_review_is_always_by_the_verified_caller(subgraph: SubgraphFactory) -> None:
    reviews = await subgraph("reviews", fresh=True)
    variables: dict[str, Any] = {
        "input": {"productUpc": product_upc(5), "rating": 3, "body": "Fine."}
    }
    created = _data(await _as(reviews, Claims(subject="17"), CREATE, variables))["createReview"]
    # The author is the identity's subject; the username the shared fact accounts uses
    # (the router's identity carries no username claim).
    assert created["author"] == {"id": "17", "username": username(17)}
    stored = [row for row in await _rows(reviews) if str(row.id) == created["id"]]
    assert [(row.author_id, row.author_username) for row in stored] == [("17", username(17))]
    # There is no way to name another author: the input has no such field.
    variables["input"]["authorId"] = "18"
    before = reviews.statements
    refused = await _as(reviews, Claims(subject="17"), CREATE, variables)
    assert refused.data is None and refused.errors is not None
    assert "authorId" in refused.errors[0].message
    assert reviews.statements == before


async def test_seed_size_and_ranges(reviews: Harness) -> None:
    async with reviews.database.session() as session:
        count, authors, ratings = (
            await session.execute(
                select(
                    func.count(ReviewRow.id),
                    func.max(cast(ReviewRow.author_id, Integer)),  # subjects: seeded ids
                    func.count(func.distinct(ReviewRow.rating)),
                )
            )
        ).one()
    assert count == TEST_SCALE.reviews
    assert authors <= TEST_SCALE.users
    assert ratings == 5
