"""The public gateway benchmark's four subgraphs, written again as small Strawberry schemas.

graphql-hive/graphql-gateways-benchmark serves `accounts`, `inventory`, `products`
and `reviews` (Rust, async-graphql, federation v1) with a few constant rows each.
These are our own implementations of the same schema and the same rows, so that
its query (bench/public.py) gives the same answer through any gateway; speed does
not matter here, the benchmark puts the replaying stubs (bench/stub.py) in front.

    python -m bench.public_subgraphs --listen accounts=PORT [--listen ...]

One process, one port per subgraph (stdlib threading HTTP server), `POST` on any
path executes a GraphQL request, `GET /health` answers UP. Ready: `SUBGRAPHS READY`.

What the answers keep from the original, on purpose:
- `Review.author` is always user 1 (`urigo`) with the first two reviews, and a
  `User` entity from the reviews subgraph has username `user` and the same two
  reviews, whatever its id.
- `shippingEstimate` is always null: the original resolves the inventory entity from
  its own rows, where price and weight are unset, and ignores the ones the gateway
  sends (`@requires(fields: "price weight")`); the gateway still has to fetch them.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import strawberry
from strawberry.federation import Schema

from subgraphs._common.schema import FEDERATION_VERSION

# -- data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    name: str
    username: str


USER_ROWS = (
    UserRow("1", "Uri Goldshtein", "urigo"),
    UserRow("2", "Dotan Simha", "dotansimha"),
    UserRow("3", "Kamil Kisiela", "kamilkisiela"),
    UserRow("4", "Arda Tanrikulu", "ardatan"),
    UserRow("5", "Gil Gardosh", "gilgardosh"),
    UserRow("6", "Laurin Quast", "laurin"),
)
BIRTHDAY = 1234567890

# upc, name, price, weight
PRODUCT_ROWS = (
    ("1", "Table", 899, 100),
    ("2", "Couch", 1299, 1000),
    ("3", "Glass", 15, 20),
    ("4", "Chair", 499, 100),
    ("5", "TV", 1299, 1000),
    ("6", "Lamp", 6999, 300),
    ("7", "Grill", 3999, 2000),
    ("8", "Fridge", 100000, 6000),
    ("9", "Sofa", 9999, 800),
)
IN_STOCK = {"1": True, "2": False, "3": False, "4": False, "5": True}
IN_STOCK.update({"6": True, "7": True, "8": False, "9": True})

_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"
    " incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud"
    " exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure"
    " dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."
    " Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt"
    " mollit anim id est laborum."
)
_SED_UT = (
    "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque"
    " laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi"
    " architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas"
    " sit aspernatur aut odit aut fugi"
)
_SED_QUIA = (
    "sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque"
    " porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit,"
    " sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam"
    " quaerat voluptatem."
)
_UT_ENIM = (
    "Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit"
    " laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem"
)
_AT_VERO = (
    "At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium"
    " voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint"
    " occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt"
    " mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et"
    " expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque"
    " nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas"
    " assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis"
    " debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et"
    " molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut"
    " reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores"
    " repellat."
)
# id, body, product upc
REVIEW_ROWS = (
    ("1", _LOREM, "1"),
    ("2", _SED_UT, "1"),
    ("3", _SED_QUIA, "1"),
    ("4", _UT_ENIM, "1"),
    ("5", _LOREM, "2"),
    ("6", _SED_UT, "2"),
    ("7", _SED_QUIA, "2"),
    ("8", _UT_ENIM, "2"),
    ("9", _UT_ENIM, "3"),
    ("10", _UT_ENIM, "4"),
    ("11", _AT_VERO, "4"),
)


# -- accounts ----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], name="User")
class AccountsUser:
    id: strawberry.ID
    name: str | None
    # @shareable: the reviews subgraph provides it (`Review.author @provides`).
    username: str | None = strawberry.federation.field(shareable=True)
    birthday: int | None = BIRTHDAY

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> AccountsUser:
        return _account(str(id))


def _account(user_id: str) -> AccountsUser:
    row = next(row for row in USER_ROWS if row.id == user_id)
    return AccountsUser(id=strawberry.ID(row.id), name=row.name, username=row.username)


@strawberry.type(name="Query")
class AccountsQuery:
    @strawberry.field
    def me(self) -> AccountsUser | None:
        return _account("1")

    @strawberry.field
    def user(self, id: strawberry.ID) -> AccountsUser | None:
        return next((_account(row.id) for row in USER_ROWS if row.id == id), None)

    @strawberry.field
    def users(self) -> list[AccountsUser | None] | None:
        return [_account(row.id) for row in USER_ROWS]


# -- products ----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductsProduct:
    upc: str
    name: str | None
    price: int | None
    weight: int | None

    @classmethod
    def resolve_reference(cls, upc: str) -> ProductsProduct:
        return _product(upc)


def _product(upc: str) -> ProductsProduct:
    row = next(row for row in PRODUCT_ROWS if row[0] == upc)
    return ProductsProduct(upc=row[0], name=row[1], price=row[2], weight=row[3])


@strawberry.type(name="Query")
class ProductsQuery:
    @strawberry.field
    def top_products(self, first: int | None = 5) -> list[ProductsProduct | None] | None:
        return [_product(row[0]) for row in PRODUCT_ROWS[: 5 if first is None else first]]


# -- inventory ---------------------------------------------------------------------------------


@strawberry.federation.type(keys=["upc"], name="Product")
class InventoryProduct:
    upc: str
    weight: int | None = strawberry.federation.field(external=True)
    price: int | None = strawberry.federation.field(external=True)
    in_stock: bool | None = None

    @strawberry.federation.field(requires=["price", "weight"])  # type: ignore[untyped-decorator]
    def shipping_estimate(self) -> int | None:
        if self.price is None:
            return None
        if self.price > 1000:
            return 0
        return None if self.weight is None else self.weight // 2

    @classmethod
    def resolve_reference(
        cls, upc: str, price: int | None = None, weight: int | None = None
    ) -> InventoryProduct:
        # The representation's price and weight are not used (see the module's docstring).
        del price, weight
        return InventoryProduct(upc=upc, weight=None, price=None, in_stock=IN_STOCK[upc])


# -- reviews -----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], name="Review")
class Review:
    id: strawberry.ID
    body: str | None
    product: ReviewsProduct | None

    @strawberry.federation.field(provides=["username"])  # type: ignore[untyped-decorator]
    def author(self) -> ReviewsUser | None:
        return ReviewsUser(id=strawberry.ID("1"), username="urigo")


@strawberry.federation.type(keys=["id"], name="User")
class ReviewsUser:
    id: strawberry.ID
    username: str | None = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review | None] | None:
        return [_review(row) for row in REVIEW_ROWS[:2]]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewsUser:
        return ReviewsUser(id=id, username="user")


@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewsProduct:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review | None] | None:
        return [_review(row) for row in REVIEW_ROWS if row[2] == self.upc]

    @classmethod
    def resolve_reference(cls, upc: str) -> ReviewsProduct:
        return ReviewsProduct(upc=upc)


def _review(row: tuple[str, str, str]) -> Review:
    return Review(id=strawberry.ID(row[0]), body=row[1], product=ReviewsProduct(upc=row[2]))


accounts = Schema(query=AccountsQuery, federation_version=FEDERATION_VERSION)
products = Schema(query=ProductsQuery, federation_version=FEDERATION_VERSION)
# No root fields of their own: entities only.
inventory = Schema(types=[InventoryProduct], federation_version=FEDERATION_VERSION)
reviews = Schema(types=[Review, ReviewsUser, ReviewsProduct], federation_version=FEDERATION_VERSION)
SCHEMAS: dict[str, Schema] = {
    "accounts": accounts,
    "inventory": inventory,
    "products": products,
    "reviews": reviews,
}
MODULES = {name: f"{__name__}:{name}" for name in SCHEMAS}
"""Where `supergraph compose` and bench/grafbase.py find each subgraph's SDL."""


# -- server ------------------------------------------------------------------------------------


def _handler(schema: Schema) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._send(200, b"UP", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request: dict[str, Any] = json.loads(self.rfile.read(length))
            result = schema.execute_sync(
                request["query"],
                variable_values=request.get("variables"),
                operation_name=request.get("operationName"),
            )
            payload: dict[str, object] = {"data": result.data}
            if result.errors:
                payload["errors"] = [error.formatted for error in result.errors]
            self._send(200, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.public_subgraphs")
    parser.add_argument("--listen", action="append", default=[], help="NAME=PORT")
    args = parser.parse_args(argv)
    servers = []
    for spec in args.listen:
        name, _, port = str(spec).partition("=")
        server = ThreadingHTTPServer(("127.0.0.1", int(port)), _handler(SCHEMAS[name]))
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("SUBGRAPHS READY", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
