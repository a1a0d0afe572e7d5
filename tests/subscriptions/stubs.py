"""Three small Strawberry subgraphs with a subscription, for the router's subscription
tests: `orders` owns `Subscription.orderStatusChanged(orderId)` (the current status
first, then each change the test makes) and `Order.product`/`Order.user` keys;
`products` owns `Product.name`/`inStock`, `accounts` owns `User.name`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types import Info


@dataclass
class Feed:
    """The orders subgraph's state, changed by the test; what its subscriptions saw."""

    statuses: dict[str, str] = field(default_factory=lambda: {"1": "PLACED", "2": "PLACED"})
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    open: int = 0
    """Subscriptions running in the subgraph now."""
    opened: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)
    """The upgrade request's headers of each subscription."""
    fetches: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """(subgraph, headers) of each HTTP request the subgraphs answered (entity fetches)."""
    dropping: set[str] = field(default_factory=set)
    """Orders whose subscriptions close their WebSocket abruptly (a subgraph failure)."""

    async def drop(self, order_id: str) -> None:
        async with self.changed:
            self.dropping.add(order_id)
            self.changed.notify_all()

    async def set(self, order_id: str, status: str) -> None:
        async with self.changed:
            self.statuses[order_id] = status
            self.changed.notify_all()


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product:
        return cls(upc=upc)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    status: str
    product: Product
    user: User


def _order(feed: Feed, order_id: str) -> Order:
    return Order(
        id=strawberry.ID(order_id),
        status=feed.statuses[order_id],
        product=Product(upc=strawberry.ID(f"p{order_id}")),
        user=User(id=strawberry.ID(f"u{order_id}")),
    )


def orders_schema(feed: Feed) -> strawberry.federation.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def order(self, id: strawberry.ID) -> Order | None:
            return _order(feed, id) if id in feed.statuses else None

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def order_status_changed(
            self, info: Info[Any, Any], order_id: strawberry.ID
        ) -> AsyncGenerator[Order, None]:
            request = info.context["request"]
            feed.headers.append({k.lower(): v for k, v in request.headers.items()})
            feed.open += 1
            feed.opened += 1
            try:
                sent = [feed.statuses[order_id]]
                yield _order(feed, order_id)
                while True:
                    async with feed.changed:
                        await feed.changed.wait_for(
                            lambda: feed.statuses[order_id] != sent[-1] or order_id in feed.dropping
                        )
                        sent.append(feed.statuses[order_id])
                    if order_id in feed.dropping:
                        await request.close(1011)
                        return
                    yield _order(feed, order_id)
            finally:
                feed.open -= 1

        @strawberry.federation.field(authenticated=True, is_subscription=True)  # type: ignore[untyped-decorator]
        async def order_placed(self) -> AsyncGenerator[Order, None]:
            """Signed-in callers only (@authenticated): order 1, then nothing."""
            yield _order(feed, "1")
            await asyncio.Event().wait()

    return strawberry.federation.Schema(query=Query, subscription=Subscription, types=[Order])


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductDetails:
    upc: strawberry.ID
    name: str
    in_stock: bool

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> ProductDetails:
        return cls(upc=upc, name=f"Product {upc}", in_stock=True)


def products_schema() -> strawberry.federation.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def product(self, upc: strawberry.ID) -> ProductDetails:
            return ProductDetails.resolve_reference(upc)

    return strawberry.federation.Schema(query=Query)


@strawberry.federation.type(keys=["id"], name="User")
class UserDetails:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.federation.field(authenticated=True, default=None)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> UserDetails:
        return cls(id=id, name=f"User {id}", email=f"{id}@example.com")


def accounts_schema() -> strawberry.federation.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def user(self, id: strawberry.ID) -> UserDetails:
            return UserDetails.resolve_reference(id)

    return strawberry.federation.Schema(query=Query)
