"""A domain never stores a reference to a product that does not exist.

Each domain answers "does this product exist?" from its own read model of the
catalogue (reviews: `known_products`; orders: `product_prices`), never by reading
the products subgraph's tables (see subgraphs/README.md). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import MetaData, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs import registry
from subgraphs._common.database import Database
from subgraphs._common.seeding import Scale, at, product_upc
from subgraphs.orders.models import OrderItemRow, OrderRow
from subgraphs.reviews.migrations import MIGRATIONS as REVIEWS_MIGRATIONS
from subgraphs.reviews.models import KnownProductRow, ReviewRow
from tests.loaders.backends import Backend
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory
from tests.subgraphs.test_subject_migration import before_subjects

UNKNOWN_UPC = "999999999998"  # 12 digits, like every UPC, but no such product

CREATE_REVIEW = """
mutation($input: CreateReviewInput!) { createReview(input: $input) { id product { upc } } }
"""
PLACE_ORDER = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }
"""


async def _count(harness: Harness, column: Any) -> int:
    async with harness.database.session() as session:
        number = await session.scalar(select(func.count(column)))
    assert isinstance(number, int)
    return number


def _review(upc: str) -> dict[str, Any]:
    return {"input": {"productUpc": upc, "rating": 4, "body": "Works as described."}}


async def test_a_review_of_a_product_that_does_not_exist_is_refused(
    subgraph: SubgraphFactory,
) -> None:
    reviews = await subgraph("reviews", fresh=True)
    before, statements = await _count(reviews, ReviewRow.id), reviews.statements
    refused = await reviews.execute(CREATE_REVIEW, _review(UNKNOWN_UPC), user_id=7)
    assert refused.data is None
    assert refused.errors is not None and len(refused.errors) == 1
    assert refused.errors[0].message == f"productUpc: unknown product {UNKNOWN_UPC}"
    assert refused.errors[0].extensions == {"code": "BAD_USER_INPUT", "field": "productUpc"}
    assert refused.errors[0].path == ["createReview"]
    assert reviews.statements - statements == 1  # the read-model lookup; no INSERT
    assert await _count(reviews, ReviewRow.id) == before
    # A product the catalogue has is reviewed as before.
    last = product_upc(TEST_SCALE.products)
    created = await reviews.execute(CREATE_REVIEW, _review(last), user_id=7)
    assert created.errors is None
    assert created.data == {"createReview": {"id": str(before + 1), "product": {"upc": last}}}
    assert await _count(reviews, ReviewRow.id) == before + 1


async def test_every_stored_review_references_a_known_product(subgraph: SubgraphFactory) -> None:
    reviews = await subgraph("reviews")
    async with reviews.database.session() as session:
        orphans = await session.scalar(
            select(func.count(ReviewRow.id)).where(
                ReviewRow.product_upc.not_in(select(KnownProductRow.product_upc))
            )
        )
        known = await session.scalar(select(func.count(KnownProductRow.product_upc)))
    assert orphans == 0
    assert known == TEST_SCALE.products  # seeded from the shared product facts


async def test_an_order_for_a_product_that_does_not_exist_is_refused(
    subgraph: SubgraphFactory,
) -> None:
    orders = await subgraph("orders", fresh=True)
    counts = (await _count(orders, OrderRow.id), await _count(orders, OrderItemRow.id))
    items = [
        {"productUpc": product_upc(1), "quantity": 1},
        {"productUpc": UNKNOWN_UPC, "quantity": 1},
    ]
    refused = await orders.execute(
        PLACE_ORDER, {"input": {"idempotencyKey": "ri-1", "items": items}}, user_id=7
    )
    assert refused.data is None
    assert refused.errors is not None and len(refused.errors) == 1
    assert refused.errors[0].extensions == {
        "code": "BAD_USER_INPUT",
        "field": "items[1].productUpc",
    }
    assert (await _count(orders, OrderRow.id), await _count(orders, OrderItemRow.id)) == counts


async def test_migrating_an_existing_database_learns_the_products_its_reviews_reference(
    backend: Backend,
) -> None:
    """A database from before the read model: migration 2 fills it from the reviews."""
    reviews_domain = registry.get("reviews").load()
    referenced = [product_upc(3), product_upc(5), product_upc(3)]

    async def seed_version_1(connection: AsyncConnection, _scale: Scale) -> None:
        await connection.execute(
            insert(before_subjects(ReviewRow.__table__, "author_id")),  # an integer author then
            [
                {
                    "id": n,
                    "product_upc": upc,
                    "author_id": 1,
                    "author_username": "user1",
                    "body": "Old review.",
                    "rating": 3,
                    "created_at": at(days=n),
                }
                for n, upc in enumerate(referenced, start=1)
            ],
        )

    # Version 1's tables only (later ones, e.g. the event outbox, do not exist yet).
    metadata_1 = MetaData()
    ReviewRow.__table__.to_metadata(metadata_1)
    version_1 = replace(
        reviews_domain,
        migrations=REVIEWS_MIGRATIONS[:1],
        seed=seed_version_1,
        metadata=metadata_1,
    )
    database = Database("reviews", backend.config("reviews_v1"))
    try:
        await database.prepare(version_1, seed_scale=Scale(1))
        report = await database.prepare(reviews_domain, seed_scale=Scale(1))
        # 3: the read model gains revision and discontinued; 4: authors become subjects
        assert report.applied == (2, 3, 4)
        async with database.session() as session:
            known = set(await session.scalars(select(KnownProductRow.product_upc)))
        assert known == {product_upc(3), product_upc(5)}
    finally:
        await database.dispose()
