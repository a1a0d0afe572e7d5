"""The inventory subgraph schema: stock levels and shipping for `Product`, `Warehouse`.

`Product @key(fields: "upc")` is owned by products; inventory adds `inStock`,
`quantity` (units over all warehouses), `stock` (per warehouse) and
`shippingEstimate`, which `@requires(fields: "price { amount } weight")`: the router
fetches price and weight from products and sends them in the representation, so the
estimate is computed without SQL (and without reading the products tables).

`shippingEstimate` is an `Int` in minor units (cents) of the price's currency, like
`Money.amount`; null, with an error, when the representation lacks price or weight.

Shipping rule:
- free when `price.amount >= FREE_SHIPPING_THRESHOLD` (250.00; about half the catalogue);
- otherwise `SHIPPING_BASE` (4.99) plus `SHIPPING_PER_KILOGRAM` (0.99) per started
  kilogram of `weight` (grams): 1 g..1,000 g -> 5.98, 1,001 g..2,000 g -> 6.97, ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import strawberry
from sqlalchemy import Integer, cast, func, select
from strawberry.types import Info

from events import Event
from loaders import AggregateLoader, ForeignKeyLoader, KeyLoader
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import bad_user_input, parse_int_id
from subgraphs._common.live import live_of
from subgraphs._common.pagination import DEFAULT_PAGE_SIZE, check_first
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.seeding import CURRENCY
from subgraphs._common.tags import PARTNER
from subgraphs._common.values import Money
from subgraphs.inventory.models import StockRow, WarehouseRow

InventoryInfo = Info[SubgraphContext, None]

FREE_SHIPPING_THRESHOLD = 25_000
SHIPPING_BASE = 499
SHIPPING_PER_KILOGRAM = 99


def shipping_cost(price_amount: int, weight_grams: int) -> int:
    """The shipping estimate in minor units (see the module docstring for the rule)."""
    if price_amount >= FREE_SHIPPING_THRESHOLD:
        return 0
    kilograms = -(-max(weight_grams, 0) // 1_000)  # started kilograms
    return SHIPPING_BASE + SHIPPING_PER_KILOGRAM * kilograms


def warehouses_by_id(info: InventoryInfo) -> KeyLoader[WarehouseRow, int]:
    return info.context.loaders.by_key(WarehouseRow, WarehouseRow.id)


def stock_by_product(info: InventoryInfo) -> ForeignKeyLoader[StockRow, str]:
    """Each product's stock rows, by warehouse id (one statement for all products)."""
    return info.context.loaders.by_foreign_key(
        StockRow, StockRow.product_upc, order_by=[StockRow.warehouse_id]
    )


def stock_by_warehouse(info: InventoryInfo, limit: int) -> ForeignKeyLoader[StockRow, int]:
    """Each warehouse's first `limit` stock rows, by UPC (one statement)."""
    return info.context.loaders.by_foreign_key(
        StockRow, StockRow.warehouse_id, order_by=[StockRow.product_upc], limit=limit
    )


def quantity_by_product(info: InventoryInfo) -> AggregateLoader[str, int]:
    """Units over all warehouses per UPC (one `GROUP BY` for all products); 0 if none."""
    return info.context.loaders.aggregate(
        StockRow.product_upc, cast(func.sum(StockRow.quantity), Integer), default=0
    )


def _price_amount(price: object) -> int:
    """`price { amount }` from a representation, or a BAD_USER_INPUT error."""
    amount = price.get("amount") if isinstance(price, Mapping) else None
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise bad_user_input(
            "representation of Product has a wrong value for required field 'price': "
            f"expected {{amount: Int}}, got {price!r}"
        )
    return amount


@strawberry.federation.type(
    keys=["upc"],
    description="An item of the catalog, identified by its UPC. Products owns it; inventory, reviews and orders add their facts.",
)
class Product:
    upc: str = strawberry.field(description="The product's 12-digit Universal Product Code.")
    # Owned by products (`price: Money!`, `weight: Int!`); present only when the router
    # sends them for `shippingEstimate`.
    price: Money | None = strawberry.federation.field(
        external=True, default=None, graphql_type=Money
    )
    weight: int | None = strawberry.federation.field(external=True, default=None, graphql_type=int)

    @classmethod
    def resolve_reference(
        cls, upc: str, price: object = None, weight: int | None = None
    ) -> Product:
        """A product of any UPC: one without stock rows has none in stock."""
        money = None if price is None else Money(amount=_price_amount(price), currency=CURRENCY)
        return cls(upc=upc, price=money, weight=weight)

    @strawberry.field(description="Units in stock over every warehouse.")  # type: ignore[untyped-decorator]
    async def quantity(self, info: InventoryInfo) -> int:
        """Units in stock over all warehouses."""
        return await quantity_by_product(info).load(self.upc)

    @strawberry.federation.field(tags=PARTNER, description="Whether any warehouse has a unit.")  # type: ignore[untyped-decorator]
    async def in_stock(self, info: InventoryInfo) -> bool:
        return await quantity_by_product(info).load(self.upc) > 0

    @strawberry.field(description="Units per warehouse.")  # type: ignore[untyped-decorator]
    async def stock(self, info: InventoryInfo) -> list[WarehouseStock]:
        """Stock in each warehouse that carries this product, by warehouse id."""
        rows = await stock_by_product(info).load(self.upc)
        return [WarehouseStock.from_row(row, product=self) for row in rows]

    @strawberry.federation.field(
        requires=["price { amount } weight"],
        description="Shipping cost in cents, from the price and the weight.",
    )  # type: ignore[untyped-decorator]
    def shipping_estimate(self) -> int | None:
        """Minor units: free from 250.00, else 4.99 plus 0.99 per started kilogram."""
        if self.price is None or self.weight is None:
            raise bad_user_input(
                "shippingEstimate needs the product's `price { amount }` and `weight` "
                "in the representation"
            )
        return shipping_cost(self.price.amount, self.weight)


@strawberry.federation.type(keys=["id"], description="A place where stock is kept.")
class Warehouse:
    id: strawberry.ID = strawberry.field(description="The warehouse's id.")
    name: str = strawberry.field(description="The warehouse's name.")
    location: str = strawberry.field(description="Where the warehouse is.")

    @classmethod
    def from_row(cls, row: WarehouseRow) -> Warehouse:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, location=row.location)

    @classmethod
    async def resolve_reference(cls, info: InventoryInfo, id: int) -> Warehouse | None:
        row = await warehouses_by_id(info).load(id)
        return None if row is None else cls.from_row(row)

    @strawberry.field(description="The products this warehouse holds, and how many of each.")  # type: ignore[untyped-decorator]
    async def stock(
        self, info: InventoryInfo, first: int | None = DEFAULT_PAGE_SIZE
    ) -> list[WarehouseStock]:
        """The first `first` (0..100) products this warehouse carries, by UPC."""
        size = check_first(first)
        if not size:
            return []
        rows = await stock_by_warehouse(info, size).load(int(self.id))
        return [WarehouseStock.from_row(row, product=Product(upc=row.product_upc)) for row in rows]


@strawberry.type(description="How many units of a product one warehouse holds.")
class WarehouseStock:
    """Units of one product in one warehouse."""

    product: Product = strawberry.field(description="The product held.")
    quantity: int = strawberry.field(description="Units of it in this warehouse.")
    warehouse_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: StockRow, *, product: Product) -> WarehouseStock:
        return cls(product=product, quantity=row.quantity, warehouse_id=row.warehouse_id)

    @strawberry.field(description="The warehouse holding them.")  # type: ignore[untyped-decorator]
    async def warehouse(self, info: InventoryInfo) -> Warehouse:
        row = await warehouses_by_id(info).load(self.warehouse_id)
        if row is None:  # the foreign key makes this impossible
            raise LookupError(f"stock row of unknown warehouse {self.warehouse_id}")
        return Warehouse.from_row(row)


@strawberry.type
class Query:
    @strawberry.field(description="Every warehouse.")  # type: ignore[untyped-decorator]
    async def warehouses(self, info: InventoryInfo) -> list[Warehouse]:
        rows = await info.context.db.scalars(select(WarehouseRow).order_by(WarehouseRow.id))
        return [Warehouse.from_row(row) for row in rows]

    @strawberry.field(description="The warehouse with this id, if any.")  # type: ignore[untyped-decorator]
    async def warehouse(self, info: InventoryInfo, id: strawberry.ID) -> Warehouse | None:
        return await Warehouse.resolve_reference(info, parse_int_id(id))


STOCK_EVENTS = ("StockReserved", "StockReleased")
"""What changes a product's stock: reservations for orders and their release."""


def _reserved_upcs(event: Event[Any]) -> list[str]:
    return [item.product_upc for item in event.payload.items]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The product's stock now, then after each change of it.")  # type: ignore[untyped-decorator]
    async def stock_changed(self, info: InventoryInfo, upc: str) -> AsyncIterator[Product]:
        context = live_of(info.context)
        live = context.live
        subjects = [live.streams.subject("inventory", name) for name in STOCK_EVENTS]
        # Follow first, then read: a change committed in between is in the queue.
        async with live.require_feed().follow(subjects, _reserved_upcs, upc) as changes:
            async with context.event_session():
                yield Product(upc=upc)
            async for _ in changes:
                async with context.event_session():
                    yield Product(upc=upc)


schema = SubgraphSchema(query=Query, subscription=Subscription, types=[Product])
