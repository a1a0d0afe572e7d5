"""The orders subgraph schema.

- `Order @key(fields: "id")` with `user: User!`, `items: [OrderItem!]!` (`product`,
  `quantity`, `unitPrice: Money!`), `total: Money!`, `status`, `placedAt`.
- Stubs of entities owned elsewhere: `User @key(fields: "id")` (plus `orders(first)`,
  nullable so that a refusal nulls only that field) and `Product @key(fields: "upc")`.
- `Query.order(id)`, `Mutation.placeOrder(input)` (see `placing.py`),
  `Mutation.cancelOrder(input: {id})` (see `cancelling.py`).

Row-level rules (issue 6, `docs/auth.md`), on the caller's verified identity:

- `User.orders @authenticated` and `Order @authenticated`: only for the order's owner,
  or a caller with scope `orders:read`; anyone else gets `FORBIDDEN` (`UNAUTHENTICATED`
  when anonymous) at the field's path, with `null` in its place.
- `placeOrder @authenticated`: always for the signed-in caller (there is no user
  argument, so nobody can place an order for someone else).
- `cancelOrder @authenticated`: the order's owner, or a caller with scope
  `orders:write` (staff); FORBIDDEN otherwise.

The checks compare ids the loaders already returned: they add no SQL statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from events import Event
from loaders import ForeignKeyLoader, KeyLoader
from subgraphs._common.access import require_owner, require_user
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, forbidden, parse_int_id, unauthenticated
from subgraphs._common.event_types import OrderStatusChanged
from subgraphs._common.live import live_of
from subgraphs._common.pagination import check_first
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.values import Money
from subgraphs.orders.cancelling import cancel_order
from subgraphs.orders.models import OrderItemRow, OrderRow, OrderStatus
from subgraphs.orders.placing import place_order, validate_request

OrdersInfo = Info[SubgraphContext, None]

DEFAULT_ORDERS = 5

ORDERS_SCOPE = "orders:read"
"""Lets a caller read every user's orders (otherwise: only their own)."""

ORDERS_STAFF_SCOPE = "orders:write"
"""Lets a caller (staff) cancel any user's order (otherwise: only their own)."""

strawberry.enum(
    OrderStatus, description="Where an order stands."
)  # registers the status enum with Strawberry


# -- loaders ---------------------------------------------------------------------------


def orders_by_id(info: OrdersInfo) -> KeyLoader[OrderRow, int]:
    return info.context.loaders.by_key(OrderRow, OrderRow.id)


def orders_by_user(info: OrdersInfo, first: int) -> ForeignKeyLoader[OrderRow, str]:
    return info.context.loaders.by_foreign_key(
        OrderRow, OrderRow.user_id, order_by=[OrderRow.placed_at.desc()], limit=first
    )


def items_by_order(info: OrdersInfo) -> ForeignKeyLoader[OrderItemRow, int]:
    return info.context.loaders.by_foreign_key(OrderItemRow, OrderItemRow.order_id)


# -- entities --------------------------------------------------------------------------


@strawberry.federation.type(
    keys=["id"],
    description="A customer account. Accounts owns it; other domains add what they know of the user.",
)
class User:
    """A user (owned by accounts); orders adds the orders they placed."""

    id: strawberry.ID = strawberry.field(description="The user's id.")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=strawberry.ID(str(id)))

    @strawberry.federation.field(
        authenticated=True,
        description="The user's orders, newest first (for the user themself, or with orders:read).",
    )  # type: ignore[untyped-decorator]
    async def orders(self, info: OrdersInfo, first: int = DEFAULT_ORDERS) -> list[Order] | None:
        """The user's newest orders (`first` 0..100): for the user or scope `orders:read`."""
        # Nullable (like accounts' `email`): a refusal nulls this field, not the whole user.
        # Checked before the load: a refused caller costs no statement, the others share
        # one batch.
        require_owner(info, str(self.id), ORDERS_SCOPE)
        rows = await orders_by_user(info, check_first(first)).load(str(self.id))
        return [Order.from_row(row) for row in rows]


@strawberry.federation.type(
    keys=["upc"],
    description="An item of the catalog, identified by its UPC. Products owns it; inventory, reviews and orders add their facts.",
)
class Product:
    """A product (owned by products), as referenced by order items."""

    upc: str = strawberry.field(description="The product's 12-digit Universal Product Code.")

    @classmethod
    def resolve_reference(cls, upc: str) -> Product:
        return cls(upc=upc)


@strawberry.type(description="One line of an order: a product, how many, at what unit price.")
class OrderItem:
    product: Product = strawberry.field(description="The product ordered.")
    quantity: int = strawberry.field(description="How many units.")
    unit_price: Money = strawberry.field(description="The price of one unit when ordered.")

    @classmethod
    def from_row(cls, row: OrderItemRow, currency: str) -> OrderItem:
        return cls(
            product=Product(upc=row.product_upc),
            quantity=row.quantity,
            unit_price=Money(amount=row.unit_price_amount, currency=currency),
        )


@strawberry.federation.type(
    keys=["id"],
    authenticated=True,
    description="An order placed by a customer: its items, total and status.",
)
class Order:
    id: strawberry.ID = strawberry.field(description="The order's id.")
    user: User = strawberry.field(description="Who placed the order.")
    total: Money = strawberry.field(description="What the order costs in all.")
    status: OrderStatus = strawberry.field(
        description="Where the order is in its life (PENDING, CONFIRMED, ...)."
    )
    placed_at: datetime = strawberry.field(description="When the order was placed.")
    status_reason: str | None = strawberry.field(
        description="Why the order has its status, when known (e.g. which items inventory could not reserve)."
    )

    @classmethod
    def from_row(cls, row: OrderRow, *, status: OrderStatusChanged | None = None) -> Order:
        """The order as stored; with `status`, as of that change of its status."""
        return cls(
            id=strawberry.ID(str(row.id)),
            user=User(id=strawberry.ID(row.user_id)),
            total=Money(amount=row.total_amount, currency=row.currency),
            status=OrderStatus(row.status if status is None else status.status),
            placed_at=row.placed_at,
            status_reason=row.status_reason if status is None else status.reason,
        )

    @classmethod
    async def resolve_reference(cls, info: OrdersInfo, id: int) -> Order | None:
        row = await orders_by_id(info).load(id)
        if row is None:
            return None
        # Per entry: another user's order is null with FORBIDDEN, the batch stays one SELECT.
        require_owner(info, row.user_id, ORDERS_SCOPE)
        return cls.from_row(row)

    @strawberry.field(description="The order's lines.")  # type: ignore[untyped-decorator]
    async def items(self, info: OrdersInfo) -> list[OrderItem]:
        rows = await items_by_order(info).load(int(self.id))
        return [OrderItem.from_row(row, self.total.currency) for row in rows]


# -- operations ------------------------------------------------------------------------


@strawberry.input(description="One line of an order being placed.")
class OrderItemInput:
    product_upc: str
    quantity: int


@strawberry.input(description="An order being placed: its lines and an idempotency key.")
class PlaceOrderInput:
    idempotency_key: str
    items: list[OrderItemInput]


@strawberry.input(description="The order to cancel.")
class CancelOrderInput:
    id: strawberry.ID


@strawberry.type
class Query:
    @strawberry.field(description="The order with this id, for its owner or with orders:read.")  # type: ignore[untyped-decorator]
    async def order(self, info: OrdersInfo, id: strawberry.ID) -> Order | None:
        """The order, for its owner or scope `orders:read` (checked by `resolve_reference`)."""
        return await Order.resolve_reference(info, parse_int_id(id))


@strawberry.type
class Mutation:
    @strawberry.federation.mutation(
        authenticated=True,
        description="Place an order for the signed-in user (idempotent by its key).",
    )  # type: ignore[untyped-decorator]
    async def place_order(self, info: OrdersInfo, input: PlaceOrderInput) -> Order:
        """Place an order for the acting user, in one transaction.

        A retry with the same `idempotencyKey` and items returns the first order;
        the same key with other items is an error.
        """
        user_id = require_user(info)  # the order is always the caller's own
        request = validate_request(
            user_id,
            input.idempotency_key,
            [(item.product_upc, item.quantity) for item in input.items],
        )
        return Order.from_row(await place_order(info.context, request))

    @strawberry.federation.mutation(
        authenticated=True, description="Cancel one of the signed-in user's orders."
    )  # type: ignore[untyped-decorator]
    async def cancel_order(self, info: OrdersInfo, input: CancelOrderInput) -> Order:
        """Cancel a CONFIRMED order (its owner, or scope `orders:write`); its stock is released.

        Any other status is a BAD_USER_INPUT error and changes nothing.
        """
        order_id = parse_int_id(input.id)
        row = await orders_by_id(info).load(order_id)
        if row is None:
            raise bad_user_input(f"order {order_id} does not exist", field="id")
        require_owner(info, row.user_id, ORDERS_STAFF_SCOPE)
        return Order.from_row(await cancel_order(info.context, row))


def _order_keys(event: Event[Any]) -> list[str]:
    return [str(event.payload.order_id)]


def _everything(_event: Event[Any]) -> list[str]:
    return [ALL]


ALL = "*"


@strawberry.type
class Subscription:
    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        is_subscription=True,
        authenticated=True,
        description="The order now, then at each change of its status (its owner, or scope orders:read).",
    )
    async def order_status_changed(
        self, info: OrdersInfo, order_id: strawberry.ID
    ) -> AsyncIterator[Order]:
        """The order now, then at each change of its status (its owner, or scope
        `orders:read`): a client that subscribes right after placing an order never
        misses its outcome."""
        context = live_of(info.context)
        live = context.live
        feed = live.require_feed()
        order = parse_int_id(order_id, what="orderId")
        subject = live.streams.keyed_subject("orders", "OrderStatusChanged", str(order))
        # Follow first, then read: a change committed in between is in the queue.
        async with feed.follow([subject], _order_keys, str(order)) as changes:
            async with context.event_session():
                row = await orders_by_id(info).load(order)
                if row is None:
                    raise bad_user_input(f"order {order} does not exist", field="orderId")
                require_owner(info, row.user_id, ORDERS_SCOPE)
                seen = row.version
                yield Order.from_row(row)
            async for event in changes:
                changed: OrderStatusChanged = event.payload
                if changed.version <= seen:
                    continue  # already in what was read
                seen = changed.version
                async with context.event_session():
                    row = await orders_by_id(info).load(order)
                    if row is None:
                        return
                    # This change's status, even when the row has moved on since: the
                    # next events bring the later ones, in order.
                    yield Order.from_row(row, status=changed)

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        is_subscription=True,
        requires_scopes=[[ORDERS_SCOPE]],
        description="Every order placed from now on (staff: scope orders:read).",
    )
    async def order_placed(self, info: OrdersInfo) -> AsyncIterator[Order]:
        """Every order placed from now on (staff: scope `orders:read`)."""
        if ORDERS_SCOPE not in info.context.scopes:
            raise forbidden() if info.context.subject is not None else unauthenticated()
        context = live_of(info.context)
        live = context.live
        subject = live.streams.subject("orders", "OrderPlaced")
        async with live.require_feed().follow([subject], _everything, ALL) as placed:
            async for event in placed:
                async with context.event_session():
                    row = await orders_by_id(info).load(event.payload.order_id)
                    if row is not None:
                        yield Order.from_row(row)


schema = SubgraphSchema(
    query=Query, mutation=Mutation, subscription=Subscription, types=[User, Product, Order]
)
