"""Changing the catalogue: create, update, discontinue a product (staff only).

Each change bumps the product's `revision` and (events on) records its event in
the same transaction: `ProductCreated` / `ProductUpdated` with the facts other
domains keep (`ProductFacts`), `ProductDiscontinued`. Invalid input is a
BAD_USER_INPUT error naming the field, before anything is written; a discontinued
product cannot be changed any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from events import Event
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, check_text
from subgraphs._common.event_types import (
    PRODUCT_CREATED,
    PRODUCT_DISCONTINUED,
    PRODUCT_UPDATED,
    ProductDiscontinued,
    ProductFacts,
)
from subgraphs._common.seeding import CURRENCY, product_id_for_upc
from subgraphs.products.models import OUTBOX, CategoryRow, ProductRow

CATALOG_SCOPE = "catalog:write"
"""Lets a caller (staff) create, update and discontinue products."""

MAX_NAME, MAX_DESCRIPTION = 200, 2_000
MAX_PRICE, MAX_WEIGHT = 100_000_000, 10_000_000


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """What a create (all set) or an update (None: unchanged) says."""

    name: str | None = None
    description: str | None = None
    price_amount: int | None = None
    weight: int | None = None
    category_slug: str | None = None


def facts(row: ProductRow) -> ProductFacts:
    return ProductFacts(
        row.upc, row.name, row.price_amount, row.price_currency, row.category_slug, row.revision
    )


def checked(changes: ProductChanges) -> ProductChanges:
    """The changes with trimmed text, or a BAD_USER_INPUT error naming the field."""
    name = changes.name
    if name is not None:
        name = check_text(name.strip(), field="name")
        if not 1 <= len(name) <= MAX_NAME:
            raise bad_user_input(f"name must be 1..{MAX_NAME} characters", field="name")
    description = changes.description
    if description is not None:
        description = check_text(description.strip(), field="description")
        if len(description) > MAX_DESCRIPTION:
            raise bad_user_input(
                f"description must be at most {MAX_DESCRIPTION} characters", field="description"
            )
    for field, value, top in [
        ("priceAmount", changes.price_amount, MAX_PRICE),
        ("weight", changes.weight, MAX_WEIGHT),
    ]:
        if value is not None and not 1 <= value <= top:
            raise bad_user_input(f"{field} must be between 1 and {top}", field=field)
    return ProductChanges(
        name, description, changes.price_amount, changes.weight, changes.category_slug
    )


async def _check_category(context: SubgraphContext, slug: str | None) -> None:
    if slug is None:
        return
    if await context.loaders.by_key(CategoryRow, CategoryRow.slug).load(slug) is None:
        raise bad_user_input(f"categorySlug: unknown category {slug!r}", field="categorySlug")


async def _write(context: SubgraphContext, row: ProductRow, event: Event[Any] | None) -> bool:
    """Add or flush `row` with its event in one transaction; False on a unique conflict."""

    async def work(session: AsyncSession) -> bool:
        try:
            # End the lookups' read snapshot first (SQLite WAL cannot upgrade a stale one).
            await session.commit()
            session.add(row)
            await session.flush()
            if event is not None:
                await OUTBOX.record(session, event)
            await session.commit()
        except (IntegrityError, StaleDataError):  # a duplicate UPC / changed meanwhile
            await session.rollback()
            return False
        except BaseException:
            await session.rollback()
            raise
        return True

    return await context.db.run(work)


async def create_product(context: SubgraphContext, upc: str, new: ProductChanges) -> ProductRow:
    if product_id_for_upc(upc) is None:
        raise bad_user_input(f"upc must be a 12-digit UPC, got {upc!r}", field="upc")
    new = checked(new)
    missing = [
        f for f in ("name", "price_amount", "weight", "category_slug") if getattr(new, f) is None
    ]
    if missing:
        raise bad_user_input(f"a new product needs {', '.join(missing)}", field=missing[0])
    await _check_category(context, new.category_slug)
    assert new.name and new.price_amount and new.weight and new.category_slug
    row = ProductRow(
        upc=upc,
        name=new.name,
        description=new.description or "",
        price_amount=new.price_amount,
        price_currency=CURRENCY,
        weight=new.weight,
        category_slug=new.category_slug,
        revision=1,
        discontinued_at=None,
    )
    event = PRODUCT_CREATED.create(upc, facts(row)) if context.events_enabled else None
    if not await _write(context, row, event):
        raise bad_user_input(f"upc: product {upc} already exists", field="upc")
    return row


async def _current(context: SubgraphContext, upc: str) -> ProductRow:
    rows = await context.db.scalars(select(ProductRow).where(ProductRow.upc == upc))
    if not rows:
        raise bad_user_input(f"upc: unknown product {upc}", field="upc")
    row = rows[0]
    if row.discontinued_at is not None:
        raise bad_user_input(f"upc: product {upc} is discontinued", field="upc")
    return row


async def update_product(context: SubgraphContext, upc: str, changes: ProductChanges) -> ProductRow:
    changes = checked(changes)
    await _check_category(context, changes.category_slug)
    row = await _current(context, upc)
    for field in ("name", "description", "price_amount", "weight", "category_slug"):
        value = getattr(changes, field)
        if value is not None:
            setattr(row, field, value)
    row.revision += 1
    event = PRODUCT_UPDATED.create(upc, facts(row)) if context.events_enabled else None
    if not await _write(context, row, event):
        raise _changed_meanwhile(upc)
    return row


async def discontinue_product(context: SubgraphContext, upc: str) -> ProductRow:
    row = await _current(context, upc)
    row.discontinued_at = datetime.now(UTC)
    row.revision += 1
    event = (
        PRODUCT_DISCONTINUED.create(upc, ProductDiscontinued(upc, row.revision))
        if context.events_enabled
        else None
    )
    if not await _write(context, row, event):
        raise _changed_meanwhile(upc)
    return row


def _changed_meanwhile(upc: str) -> Exception:
    return bad_user_input(f"upc: product {upc} was changed meanwhile; read it again", field="upc")
