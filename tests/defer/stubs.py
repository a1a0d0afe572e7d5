"""Three small Strawberry subgraphs for the router's @defer tests: `products`
(the root fields, `Product.name`/`price`, a union, the mutation `rename`),
`reviews` (`Product.reviews`, and `Product.featured`: p1's reviews, none for the others;
product p3's review has a null `body`, a non-null field) and `inventory`
(`Product.inStock`, answered only while the test's gate is open: a slow subgraph
the test controls without timing; the mutation `restock`, also held by the gate). Mutations record their
calls, in order, and change nothing. Each counts the requests it gets, and answers
HTTP 500 while named in `broken`."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

import strawberry
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

UPCS = ("p1", "p2", "p3")


@dataclass
class Control:
    requests: Counter[str] = field(default_factory=Counter)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    """Inventory answers while it is set (set at the start)."""
    held: int = 0
    """Inventory resolvers waiting at the gate now."""
    delay: float = 0.0
    """Seconds inventory takes for each answer (bench/defer.py: a slow subgraph)."""
    broken: set[str] = field(default_factory=set)
    """The subgraphs answering every request with HTTP 500."""
    calls: list[str] = field(default_factory=list)
    """The mutations' root fields resolved, in order (`rename p1`, `restock p2`)."""

    def __post_init__(self) -> None:
        self.gate.set()


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID
    name: str
    price: int

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> Product:
        return _product(upc)


def _product(upc: str) -> Product:
    return Product(upc=strawberry.ID(upc), name=f"Product {upc}", price=10 * (UPCS.index(upc) + 1))


@strawberry.type
class Article:
    id: strawberry.ID
    title: str


SearchResult = Annotated[Product | Article, strawberry.union("SearchResult")]


def products_schema(control: Control | None = None) -> strawberry.federation.Schema:
    calls = control.calls if control is not None else []

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def rename(self, upc: strawberry.ID, name: str) -> Product:
            calls.append(f"rename {upc}")
            return Product(upc=upc, name=name, price=_product(upc).price)

    @strawberry.type
    class Query:
        @strawberry.field
        def products(self) -> list[Product]:
            return [_product(upc) for upc in UPCS]

        @strawberry.field
        def product(self, upc: strawberry.ID) -> Product | None:
            return _product(upc) if upc in UPCS else None

        @strawberry.field
        def search(self) -> list[SearchResult]:
            return [_product("p1"), Article(id=strawberry.ID("a1"), title="On defer")]

    return strawberry.federation.Schema(query=Query, mutation=Mutation, types=[Product, Article])


@strawberry.type
class Review:
    id: strawberry.ID
    stars: int | None

    @strawberry.field
    def body(self) -> str:
        if self.id.startswith("p3"):
            raise ValueError("review body unavailable")
        return f"Review {self.id}"


@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewedProduct:
    upc: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return _reviews(self.upc)

    @strawberry.field
    def featured(self) -> list[Review]:
        """p1's reviews; none for the others (an empty list beside full ones)."""
        return _reviews(self.upc) if self.upc == "p1" else []

    @classmethod
    def resolve_reference(cls, upc: strawberry.ID) -> ReviewedProduct:
        return cls(upc=upc)


def _reviews(upc: str) -> list[Review]:
    return [Review(id=strawberry.ID(f"{upc}-r{i}"), stars=i) for i in (1, 2)]


def reviews_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(types=[ReviewedProduct])


def inventory_schema(control: Control) -> strawberry.federation.Schema:
    @strawberry.federation.type(keys=["upc"], name="Product")
    class StockedProduct:
        upc: strawberry.ID

        @strawberry.field
        async def in_stock(self) -> bool:
            control.held += 1
            try:
                if control.delay:
                    await asyncio.sleep(control.delay)
                await control.gate.wait()
            finally:
                control.held -= 1
            return self.upc != "p2"

        @classmethod
        def resolve_reference(cls, upc: strawberry.ID) -> StockedProduct:
            return cls(upc=upc)

    @strawberry.type
    class Mutation:
        # Named by value: a local class is no name annotations (postponed) resolve.
        @strawberry.mutation(graphql_type=StockedProduct)  # type: ignore[untyped-decorator]
        async def restock(self, upc: strawberry.ID) -> StockedProduct:
            control.held += 1
            try:
                await control.gate.wait()
            finally:
                control.held -= 1
            control.calls.append(f"restock {upc}")
            return StockedProduct(upc=upc)

    return strawberry.federation.Schema(mutation=Mutation, types=[StockedProduct])


class _Counting:
    """The subgraph's GraphQL app, counting each HTTP request it serves."""

    def __init__(self, name: str, app: GraphQL, control: Control) -> None:
        self.name, self.app, self.control = name, app, control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.control.requests[self.name] += 1
            if self.name in self.control.broken:
                await PlainTextResponse(f"{self.name} is down", status_code=500)(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


def subgraph_app(name: str, schema: strawberry.federation.Schema, control: Control) -> Starlette:
    return Starlette(
        routes=[Route("/graphql", _Counting(name, GraphQL(schema), control), methods=["POST"])]
    )
