"""Placing an order: validation, idempotency, and the one write transaction.

`place_order(context, request)`:

1. An order with the same (user, idempotency key) exists -> it is returned when the
   payload matches (a retry), else a BAD_USER_INPUT error; nothing is written.
2. Unit prices come from the orders-owned price list (`product_prices`, a read model
   of the catalogue fed by products' events); an unknown or discontinued product is a
   BAD_USER_INPUT error before any write.
3. The order, all its items and (events on) its `OrderPlaced` and
   `OrderStatusChanged` (PENDING, version 1) events are written in ONE
   transaction (`db.run`); any failure
   rolls back everything. Two concurrent requests with the same key race on the
   UNIQUE (user_id, idempotency_key) constraint: the loser rolls back and returns the
   winner's order -- never a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, check_text
from subgraphs._common.event_types import ORDER_PLACED, OrderedItem, OrderPlaced
from subgraphs._common.seeding import product_id_for_upc
from subgraphs.orders.models import (
    IDEMPOTENCY_KEY_LENGTH,
    OUTBOX,
    OrderItemRow,
    OrderRow,
    OrderStatus,
    ProductPriceRow,
)
from subgraphs.orders.status import status_changed

MAX_ITEMS = 50
MAX_QUANTITY = 100


@dataclass(frozen=True, slots=True)
class Line:
    product_upc: str
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated placeOrder request."""

    user_id: str
    """The caller's subject (opaque: "7" or an identity provider's UUID)."""
    idempotency_key: str
    lines: tuple[Line, ...]

    @property
    def fingerprint(self) -> str:
        return request_fingerprint(self.lines)


def request_fingerprint(lines: Sequence[Line]) -> str:
    """A digest of the payload (lines in any order), stored with the order.

    A retry under the same idempotency key must carry the same payload; comparing
    digests tells a retry from a different order reusing the key.
    """
    canonical = sorted([line.product_upc, line.quantity] for line in lines)
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def validate_request(
    user_id: str, idempotency_key: str, lines: Sequence[tuple[str, int]]
) -> OrderRequest:
    """The request, or a BAD_USER_INPUT error naming the first bad field (no SQL)."""
    key = check_text(idempotency_key.strip(), field="idempotencyKey")
    if not key or len(key) > IDEMPOTENCY_KEY_LENGTH:
        raise bad_user_input(
            f"idempotencyKey must be 1..{IDEMPOTENCY_KEY_LENGTH} non-blank characters",
            field="idempotencyKey",
        )
    if not 1 <= len(lines) <= MAX_ITEMS:
        raise bad_user_input(
            f"an order needs 1..{MAX_ITEMS} items, got {len(lines)}", field="items"
        )
    seen: set[str] = set()
    for index, (upc, quantity) in enumerate(lines):
        if product_id_for_upc(upc) is None:
            raise bad_user_input(
                f"items[{index}].productUpc must be a 12-digit UPC, got {upc!r}",
                field=f"items[{index}].productUpc",
            )
        if upc in seen:
            raise bad_user_input(
                f"items[{index}] repeats product {upc}: use one item with the total quantity",
                field=f"items[{index}].productUpc",
            )
        seen.add(upc)
        if not 1 <= quantity <= MAX_QUANTITY:
            raise bad_user_input(
                f"items[{index}].quantity must be between 1 and {MAX_QUANTITY}, got {quantity}",
                field=f"items[{index}].quantity",
            )
    return OrderRequest(
        user_id=user_id,
        idempotency_key=key,
        lines=tuple(Line(upc, quantity) for upc, quantity in lines),
    )


async def place_order(context: SubgraphContext, request: OrderRequest) -> OrderRow:
    existing = await _existing_order(context, request)
    if existing is not None:
        return _replayed(existing, request)
    prices = await context.loaders.by_key(ProductPriceRow, ProductPriceRow.product_upc).load_many(
        [line.product_upc for line in request.lines]
    )
    for index, (line, price) in enumerate(zip(request.lines, prices, strict=True)):
        if price is None:
            raise bad_user_input(
                f"items[{index}].productUpc: unknown product {line.product_upc}",
                field=f"items[{index}].productUpc",
            )
        if price.discontinued:
            raise bad_user_input(
                f"items[{index}].productUpc: product {line.product_upc} is discontinued",
                field=f"items[{index}].productUpc",
            )
    priced = [(line, price) for line, price in zip(request.lines, prices, strict=True) if price]
    currencies = {price.currency for _, price in priced}
    if len(currencies) != 1:
        raise bad_user_input(f"all items must share one currency, got {sorted(currencies)}")
    order = OrderRow(
        user_id=request.user_id,
        idempotency_key=request.idempotency_key,
        request_hash=request.fingerprint,
        # With events on, the saga decides: PENDING until inventory reserves or rejects.
        status=(OrderStatus.PENDING if context.events_enabled else OrderStatus.PLACED).value,
        total_amount=sum(line.quantity * price.amount for line, price in priced),
        currency=currencies.pop(),
        placed_at=datetime.now(UTC),
        version=1,
    )

    async def write(session: AsyncSession) -> OrderRow | None:
        try:
            # End the read transaction of the lookups first: on SQLite (WAL) a read
            # snapshot that another writer has moved past cannot become a write
            # ("database is locked" at once, no busy wait). Nothing is expired.
            await session.commit()
            session.add(order)
            await session.flush()  # assigns order.id
            # One executemany INSERT for all items (no RETURNING: ids are not needed).
            await session.execute(
                insert(OrderItemRow),
                build_items(order.id, [(line, price.amount) for line, price in priced]),
            )
            if context.events_enabled:  # in the order's transaction: both or neither
                await OUTBOX.record(
                    session,
                    order_placed(order.id, request),
                    status_changed(order.id, order.user_id, OrderStatus.PENDING, 1),
                )
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return None
        except BaseException:
            await session.rollback()
            raise
        return order

    placed = await context.db.run(write)
    if placed is not None:
        return placed
    # Another request with the same key committed first (or another constraint failed).
    existing = await _existing_order(context, request)
    if existing is None:
        raise RuntimeError("placing the order violated a constraint other than its key")
    return _replayed(existing, request)


def order_placed(order_id: int, request: OrderRequest) -> Event[OrderPlaced]:
    items = tuple(OrderedItem(line.product_upc, line.quantity) for line in request.lines)
    return ORDER_PLACED.create(order_id, OrderPlaced(order_id, request.user_id, items))


def build_items(order_id: int, lines: Sequence[tuple[Line, int]]) -> list[dict[str, Any]]:
    """The item rows of an order, from (line, unit price amount) pairs."""
    return [
        {
            "order_id": order_id,
            "product_upc": line.product_upc,
            "quantity": line.quantity,
            "unit_price_amount": unit_price,
        }
        for line, unit_price in lines
    ]


async def _existing_order(context: SubgraphContext, request: OrderRequest) -> OrderRow | None:
    rows = await context.db.scalars(
        select(OrderRow).where(
            OrderRow.user_id == request.user_id,
            OrderRow.idempotency_key == request.idempotency_key,
        )
    )
    return rows[0] if rows else None


def _replayed(existing: OrderRow, request: OrderRequest) -> OrderRow:
    if existing.request_hash != request.fingerprint:
        raise bad_user_input(
            f"idempotencyKey {request.idempotency_key!r} was already used for order "
            f"{existing.id} with different items; use a new key for a new order",
            field="idempotencyKey",
        )
    return existing
