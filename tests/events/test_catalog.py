"""Product catalog facts: products' events feed reviews' and orders' read models.

Real NATS, SQLite and PostgreSQL. A product created by staff is refused by
createReview / placeOrder until its event is applied, accepted after; a
discontinued one is refused again (BAD_USER_INPUT, nothing written). Facts apply
newest-revision-first whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from events import Event, Streams
from subgraphs._common.event_types import (
    PRODUCT_CREATED,
    PRODUCT_DISCONTINUED,
    PRODUCT_UPDATED,
    ProductDiscontinued,
    ProductFacts,
)
from subgraphs._common.eventing import EventsRuntime
from subgraphs._common.seeding import Scale
from subgraphs.orders.models import OrderRow, ProductPriceRow
from subgraphs.products.catalog import CATALOG_SCOPE
from subgraphs.products.models import ProductRow
from subgraphs.reviews import events as reviews_events
from subgraphs.reviews.models import KnownProductRow, ReviewRow
from tests.events.saga_kit import Side, running, until
from tests.loaders.backends import Backend

NEW_UPC = "000000777001"
CREATE = """mutation($i: CreateProductInput!) {
  createProduct(input: $i) { upc name price { amount } discontinued } }"""
UPDATE = """mutation($i: UpdateProductInput!) {
  updateProduct(input: $i) { upc price { amount } } }"""
DISCONTINUE = (
    "mutation($upc: String!) { discontinueProduct(input: {upc: $upc}) { upc discontinued } }"
)
REVIEW = "mutation($i: CreateReviewInput!) { createReview(input: $i) { id } }"
PLACE = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }"
STAFF: dict[str, Any] = {"user_id": 1, "scopes": [CATALOG_SCOPE]}


@pytest.fixture
async def catalog(backend: Backend, streams: Streams) -> AsyncIterator[dict[str, Side]]:
    async with running(backend, streams, ["products", "reviews", "orders"], Scale(1)) as sides:
        yield sides


def new_product(upc: str = NEW_UPC) -> dict[str, Any]:
    return {
        "i": {
            "upc": upc,
            "name": "Folding Bike",
            "priceAmount": 49_900,
            "weight": 12_000,
            "categorySlug": "sports",
        }
    }


async def review(reviews: Side, upc: str) -> Any:
    body = {"productUpc": upc, "rating": 5, "body": "Folds in seconds."}
    return await reviews.execute(REVIEW, {"i": body}, user_id=4)


async def order(orders: Side, upc: str, key: str) -> Any:
    variables = {"i": {"idempotencyKey": key, "items": [{"productUpc": upc, "quantity": 1}]}}
    return await orders.execute(PLACE, variables, user_id=4)


async def count(side: Side, column: Any) -> int:
    async with side.database.session() as session:
        number = await session.scalar(select(func.count(column)))
    assert isinstance(number, int)
    return number


def refused(result: Any, message: str) -> None:
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert message in result.errors[0].message


async def known(side: Side, model: Any, upc: str, revision: int) -> bool:
    async with side.database.session() as session:
        row = await session.get(model, upc)
    return row is not None and row.revision >= revision


async def test_a_new_product_is_accepted_once_its_event_is_applied_and_refused_when_discontinued(
    catalog: dict[str, Side], streams: Streams
) -> None:
    products, reviews, orders = catalog["products"], catalog["reviews"], catalog["orders"]
    # Hold reviews' consumer back: the product exists, reviews has not heard of it yet.
    await reviews.runtime.stop()
    created = await products.data(CREATE, new_product(), **STAFF)
    assert created["createProduct"] == {
        "upc": NEW_UPC,
        "name": "Folding Bike",
        "price": {"amount": 49_900},
        "discontinued": False,
    }
    reviews_before = await count(reviews, ReviewRow.id)
    refused(await review(reviews, NEW_UPC), f"unknown product {NEW_UPC}")
    assert await count(reviews, ReviewRow.id) == reviews_before

    assert reviews.domain.events is not None
    reviews.runtime = EventsRuntime(
        "reviews", reviews.domain.events, reviews.runtime.config, reviews.database.engine
    )
    await reviews.runtime.start()  # the durable consumer resumes where it stopped
    await until(lambda: known(reviews, KnownProductRow, NEW_UPC, 1), "reviews knows it")
    await until(lambda: known(orders, ProductPriceRow, NEW_UPC, 1), "orders prices it")
    assert (await review(reviews, NEW_UPC)).errors is None
    assert (await order(orders, NEW_UPC, "bike-1")).errors is None

    # A price change reaches orders' price list.
    await products.data(UPDATE, {"i": {"upc": NEW_UPC, "priceAmount": 39_900}}, **STAFF)
    await until(lambda: known(orders, ProductPriceRow, NEW_UPC, 2), "orders has the new price")
    async with orders.database.session() as session:
        price = await session.get(ProductPriceRow, NEW_UPC)
    assert price is not None and price.amount == 39_900

    gone = await products.data(DISCONTINUE, {"upc": NEW_UPC}, **STAFF)
    assert gone["discontinueProduct"] == {"upc": NEW_UPC, "discontinued": True}
    await until(lambda: known(reviews, KnownProductRow, NEW_UPC, 3), "reviews hears of it")
    await until(lambda: known(orders, ProductPriceRow, NEW_UPC, 3), "orders hears of it")
    reviews_before, orders_before = (
        await count(reviews, ReviewRow.id),
        await count(orders, OrderRow.id),
    )
    refused(await review(reviews, NEW_UPC), f"product {NEW_UPC} is discontinued")
    refused(await order(orders, NEW_UPC, "bike-2"), f"product {NEW_UPC} is discontinued")
    assert await count(reviews, ReviewRow.id) == reviews_before
    assert await count(orders, OrderRow.id) == orders_before
    # products itself refuses to change a discontinued product.
    again = await products.execute(UPDATE, {"i": {"upc": NEW_UPC, "name": "Bike"}}, **STAFF)
    refused(again, "is discontinued")


async def test_catalog_changes_are_staff_only_and_checked(catalog: dict[str, Side]) -> None:
    products = catalog["products"]
    before = await count(products, ProductRow.id)
    customer = await products.execute(CREATE, new_product(), user_id=4)
    assert customer.errors is not None and customer.errors[0].extensions == {"code": "FORBIDDEN"}
    anonymous = await products.execute(DISCONTINUE, {"upc": "000000000001"})
    assert anonymous.errors is not None
    assert anonymous.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    bad = new_product()
    bad["i"]["categorySlug"] = "nope"
    refused(await products.execute(CREATE, bad, **STAFF), "unknown category")
    existing = new_product("000000000001")
    refused(await products.execute(CREATE, existing, **STAFF), "already exists")
    assert await count(products, ProductRow.id) == before


async def test_facts_apply_newest_revision_first_in_any_order(
    backend: Backend, streams: Streams
) -> None:
    async with running(backend, streams, ["reviews"], Scale(1)) as sides:
        reviews = sides["reviews"]
        upc = "000000777002"
        facts = ProductFacts(upc, "Lamp", 100, "USD", "home", 1)
        created = PRODUCT_CREATED.create(upc, facts)
        updated = PRODUCT_UPDATED.create(upc, ProductFacts(upc, "Lamp", 90, "USD", "home", 2))
        gone = PRODUCT_DISCONTINUED.create(upc, ProductDiscontinued(upc, 3))
        handlers = {
            "ProductCreated": reviews_events.on_product_facts,
            "ProductUpdated": reviews_events.on_product_facts,
            "ProductDiscontinued": reviews_events.on_product_discontinued,
        }
        newest_first: list[Event[Any]] = [gone, updated, created]
        for event in newest_first:  # newest first: the older ones change nothing
            async with reviews.database.session() as session:
                await handlers[event.type](session, event)
                await session.commit()
        async with reviews.database.session() as session:
            row = await session.get(KnownProductRow, upc)
        assert row is not None and (row.revision, row.discontinued) == (3, True)
