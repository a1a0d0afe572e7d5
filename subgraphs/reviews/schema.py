"""The reviews subgraph schema.

- `Review @key(fields: "id")` with `author: User! @provides(fields: "username")` (the
  row keeps the author's username) and `product: Product!`.
- Stubs of entities owned elsewhere: `User @key(fields: "id")` (`username @external`,
  plus `reviews(first)`) and `Product @key(fields: "upc")` (plus `reviews(first)` and
  `averageRating`).
- `Query.review(id)`, `Query.latestReviews(first)`, `Mutation.createReview(input)`.

`createReview @authenticated` (issue 6) writes for the signed-in caller only: the input
has no author argument, the author is the verified identity's `sub`. It refuses a
product that does not exist or is discontinued (BAD_USER_INPUT, nothing written), as
reviews' own read model of the catalogue (`known_products`, fed by products'
events) says.

Every relationship and aggregate goes through the request's loaders: one statement
per batch, whatever the number of parents.
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from sqlalchemy import Float, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from loaders import AggregateLoader, ForeignKeyLoader, KeyLoader
from subgraphs._common.access import require_user
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, check_text, parse_int_id
from subgraphs._common.pagination import check_first
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.seeding import product_id_for_upc, username
from subgraphs._common.tags import PARTNER
from subgraphs.reviews.models import USERNAME_LENGTH, KnownProductRow, ReviewRow

ReviewsInfo = Info[SubgraphContext, None]

DEFAULT_REVIEWS = 5
MIN_RATING, MAX_RATING = 1, 5
MAX_BODY_LENGTH = 2_000
# Newest first; the loaders append the primary key as the tie-breaker.
NEWEST_FIRST = (ReviewRow.created_at.desc(),)


# -- loaders (one per lookup; the registry returns the same one within a request) ------


def reviews_by_id(info: ReviewsInfo) -> KeyLoader[ReviewRow, int]:
    return info.context.loaders.by_key(ReviewRow, ReviewRow.id)


def reviews_by_product(info: ReviewsInfo, first: int) -> ForeignKeyLoader[ReviewRow, str]:
    return info.context.loaders.by_foreign_key(
        ReviewRow, ReviewRow.product_upc, order_by=NEWEST_FIRST, limit=first
    )


def reviews_by_author(info: ReviewsInfo, first: int) -> ForeignKeyLoader[ReviewRow, str]:
    return info.context.loaders.by_foreign_key(
        ReviewRow, ReviewRow.author_id, order_by=NEWEST_FIRST, limit=first
    )


def known_products(info: ReviewsInfo) -> KeyLoader[KnownProductRow, str]:
    return info.context.loaders.by_key(KnownProductRow, KnownProductRow.product_upc)


def average_rating_by_product(info: ReviewsInfo) -> AggregateLoader[str, float | None]:
    return info.context.loaders.aggregate(
        ReviewRow.product_upc, cast(func.avg(ReviewRow.rating), Float), default=None
    )


# -- entities --------------------------------------------------------------------------


@strawberry.federation.type(
    keys=["id"],
    description="A customer account. Accounts owns it; other domains add what they know of the user.",
)
class User:
    """A user (owned by accounts); reviews adds the reviews they wrote."""

    id: strawberry.ID = strawberry.field(description="The user's id.")
    # Owned by accounts (`@shareable` there); resolvable here only below
    # `Review.author`, which provides it. The SDL says `String!` like the owner's.
    username: str | None = strawberry.federation.field(
        external=True, default=None, graphql_type=str
    )

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=strawberry.ID(str(id)))

    @strawberry.field(description="The user's reviews, newest first.")  # type: ignore[untyped-decorator]
    async def reviews(self, info: ReviewsInfo, first: int = DEFAULT_REVIEWS) -> list[Review]:
        """The user's newest reviews (`first` 0..100)."""
        rows = await reviews_by_author(info, check_first(first)).load(str(self.id))
        return [Review.from_row(row) for row in rows]


@strawberry.federation.type(
    keys=["upc"],
    description="An item of the catalog, identified by its UPC. Products owns it; inventory, reviews and orders add their facts.",
)
class Product:
    """A product (owned by products); reviews adds its reviews and average rating."""

    upc: str = strawberry.field(description="The product's 12-digit Universal Product Code.")

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        return cls(upc=upc)

    @strawberry.field(description="The product's reviews, newest first.")  # type: ignore[untyped-decorator]
    async def reviews(self, info: ReviewsInfo, first: int = DEFAULT_REVIEWS) -> list[Review]:
        """The product's newest reviews (`first` 0..100)."""
        rows = await reviews_by_product(info, check_first(first)).load(self.upc)
        return [Review.from_row(row) for row in rows]

    @strawberry.federation.field(
        tags=PARTNER, description="The mean rating of the product's reviews; null without reviews."
    )  # type: ignore[untyped-decorator]
    async def average_rating(self, info: ReviewsInfo) -> float | None:
        """The mean rating (1..5) of all its reviews; null when it has none."""
        return await average_rating_by_product(info).load(self.upc)


@strawberry.federation.type(
    keys=["id"], description="A customer's review of a product: a rating and a text."
)
class Review:
    id: strawberry.ID = strawberry.field(description="The review's id.")
    body: str = strawberry.field(description="What the reviewer wrote.")
    rating: int = strawberry.field(description="From 1 to 5.")
    created_at: datetime = strawberry.field(description="When the review was written.")
    author: User = strawberry.federation.field(
        description="Who wrote the review.", provides=["username"]
    )
    product: Product = strawberry.field(description="The product reviewed.")

    @classmethod
    def from_row(cls, row: ReviewRow) -> Review:
        return cls(
            id=strawberry.ID(str(row.id)),
            body=row.body,
            rating=row.rating,
            created_at=row.created_at,
            author=User(id=strawberry.ID(row.author_id), username=row.author_username),
            product=Product(upc=row.product_upc),
        )

    @classmethod
    async def resolve_reference(cls, info: ReviewsInfo, id: int) -> Review | None:
        row = await reviews_by_id(info).load(id)
        return None if row is None else cls.from_row(row)


# -- operations ------------------------------------------------------------------------


@strawberry.input(description="What a signed-in customer writes to review a product.")
class CreateReviewInput:
    product_upc: str
    rating: int
    body: str


def _validated(input: CreateReviewInput) -> tuple[str, int, str]:
    """(upc, rating, trimmed body), or a BAD_USER_INPUT error naming the field."""
    if product_id_for_upc(input.product_upc) is None:
        raise bad_user_input(
            f"productUpc must be a 12-digit UPC, got {input.product_upc!r}",
            field="productUpc",
        )
    if not MIN_RATING <= input.rating <= MAX_RATING:
        raise bad_user_input(
            f"rating must be between {MIN_RATING} and {MAX_RATING}, got {input.rating}",
            field="rating",
        )
    body = check_text(input.body.strip(), field="body")
    if not body:
        raise bad_user_input("body must not be blank", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise bad_user_input(
            f"body must be at most {MAX_BODY_LENGTH} characters, got {len(body)}",
            field="body",
        )
    return input.product_upc, input.rating, body


@strawberry.type
class Query:
    @strawberry.field(description="The review with this id, if any.")  # type: ignore[untyped-decorator]
    async def review(self, info: ReviewsInfo, id: strawberry.ID) -> Review | None:
        return await Review.resolve_reference(info, parse_int_id(id))

    @strawberry.field(description="The newest reviews of any product.")  # type: ignore[untyped-decorator]
    async def latest_reviews(self, info: ReviewsInfo, first: int = 10) -> list[Review]:
        """The newest reviews of all products (`first` 0..100), one SELECT."""
        size = check_first(first)
        statement = select(ReviewRow).order_by(*NEWEST_FIRST, ReviewRow.id.desc()).limit(size)
        rows = await info.context.db.scalars(statement) if size else []
        return [Review.from_row(row) for row in rows]


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(
        authenticated=True, description="Review a product as the signed-in user."
    )  # type: ignore[untyped-decorator]
    async def create_review(self, info: ReviewsInfo, input: CreateReviewInput) -> Review:
        """Review a product as the acting user: rating 1..5, a non-blank body."""
        author_id = require_user(info)  # the review is always the caller's own
        upc, rating, body = _validated(input)
        known = await known_products(info).load(upc)
        if known is None:
            raise bad_user_input(f"productUpc: unknown product {upc}", field="productUpc")
        if known.discontinued:
            raise bad_user_input(f"productUpc: product {upc} is discontinued", field="productUpc")
        row = ReviewRow(
            product_upc=upc,
            author_id=author_id,
            # The router's identity token carries only `sub` and `scope` (auth/signing.py),
            # no username claim; accounts derives usernames from ids with this same shared
            # fact, so the provided `username` always agrees with the owner's. (A subject
            # that is no accounts id, a UUID, has no account: its derived name is clipped
            # to the column.)
            author_username=username(author_id)[:USERNAME_LENGTH],
            body=body,
            rating=rating,
            created_at=datetime.now(UTC),
        )

        async def insert(session: AsyncSession) -> ReviewRow:
            try:
                # End the lookup's read snapshot first: on SQLite (WAL) a stale one
                # cannot become a write while the events consumer writes too.
                await session.commit()
                session.add(row)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            return row

        return Review.from_row(await info.context.db.run(insert))


schema = SubgraphSchema(query=Query, mutation=Mutation, types=[User, Product, Review])
