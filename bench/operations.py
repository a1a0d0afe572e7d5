"""The benchmark operations, one per shape named in issue 7 (growing shape).

`--variation varied` sends, instead of one body, VARIANTS requests in turn (the
same shape and the same amount of work, other keys: a page further along the
product list, or another caller): concurrent requests then ask their subgraphs
different things, so in-flight de-duplication of identical subgraph requests has
nothing to share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from subgraphs._common.pagination import encode_cursor

VARIANTS = 64
"""More than the 32 requests wrk keeps in flight."""

VARIED_SCALE = 21
"""The seed scale of `--variation varied` runs (same: 10). wide_list's 64 pages of 100
products (after product 0..63) need 163 products (scale 17); at 21 every product also
has at least 5 reviews, so every page holds 500 reviews as the one at scale 10 does
(at 17-20 a product with 3 or 4 reviews sits in some or all pages)."""

USER = "1"
"""The caller (`x-user-id`) of every request but deep_chain's varied ones."""

CALLERS = tuple(str(user) for user in range(2, 2 + VARIANTS))
"""deep_chain's varied callers; the bench places their two newest orders (bench/callers.py)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request wrk sends: the JSON body and the caller's `x-user-id`."""

    body: dict[str, object]
    user: str = USER


@dataclass(frozen=True, slots=True)
class Variation:
    """The operation's shape with a variable that changes every subgraph request."""

    query: str
    variables: Callable[[int], dict[str, object]]
    user: Callable[[int], str] = lambda index: USER
    min_scale: int = 1
    """The smallest seed scale with VARIANTS variants of the same size."""


@dataclass(frozen=True, slots=True)
class Operation:
    key: str
    title: str
    query: str
    variables: dict[str, object] = field(default_factory=dict)
    varied: Variation | None = None
    """None: `--variation varied` sends the same body (mutation: never shared anyway)."""

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"query": self.query}
        if self.variables:
            body["variables"] = self.variables
        return body

    def requests(self, variation: str) -> list[Request]:
        """The requests wrk sends in turn under `--variation` same or varied."""
        if variation == "same" or self.varied is None:
            return [Request(self.body())]
        varied = self.varied
        return [
            Request({"query": varied.query, "variables": varied.variables(i)}, varied.user(i))
            for i in range(VARIANTS)
        ]


def _page(index: int) -> dict[str, object]:
    # Variant 0 starts after product 0: the same page as no cursor, but its own body.
    return {"after": encode_cursor(index)}


ONE_SUBGRAPH = Operation(
    "one_subgraph",
    "one subgraph, 5 products",
    """query OneSubgraph {
  products(first: 5) {
    edges { node { upc name price { amount currency } category { slug name } } }
  }
}""",
    varied=Variation(
        """query OneSubgraph($after: String) {
  products(first: 5, after: $after) {
    edges { node { upc name price { amount currency } category { slug name } } }
  }
}""",
        _page,
    ),
)

SMALL_JOIN = Operation(
    "small_join",
    "small join: 10 products x 3 reviews + stock (products, reviews, inventory)",
    """query SmallJoin {
  products(first: 10) {
    edges {
      node {
        upc
        name
        inStock
        reviews(first: 3) { rating author { username } }
      }
    }
  }
}""",
    varied=Variation(
        """query SmallJoin($after: String) {
  products(first: 10, after: $after) {
    edges {
      node {
        upc
        name
        inStock
        reviews(first: 3) { rating author { username } }
      }
    }
  }
}""",
        _page,
    ),
)

_WIDE_LIST_PAGE = """{
    edges {
      node {
        upc
        name
        price { amount currency }
        inStock
        reviews(first: 5) { id rating body author { id name } }
      }
    }
  }
}"""

WIDE_LIST = Operation(
    "wide_list",
    "wide list: 100 products x 5 reviews, each with its author (4 subgraphs)",
    f"query WideList {{\n  products(first: 100) {_WIDE_LIST_PAGE}",
    varied=Variation(
        f"query WideList($after: String) {{\n  products(first: 100, after: $after) {_WIDE_LIST_PAGE}",
        _page,
        min_scale=17,
    ),
)

_DEEP_CHAIN_USER = """{
    username
    orders(first: 2) {
      items {
        product {
          name
          reviews(first: 3) {
            author {
              name
              reviews(first: 2) {
                product { shippingEstimate stock { quantity product { averageRating } } }
              }
            }
          }
        }
      }
    }
  }
}"""

DEEP_CHAIN = Operation(
    "deep_chain",
    "deep chain: 5 entity hops (accounts>orders>reviews>products>inventory>reviews)",
    # Only the caller's own orders: the orders subgraph refuses anyone else's.
    f'query DeepChain {{\n  user(id: "{USER}") {_DEEP_CHAIN_USER}',
    varied=Variation(
        f"query DeepChain($id: ID!) {{\n  user(id: $id) {_DEEP_CHAIN_USER}",
        lambda index: {"id": CALLERS[index]},
        lambda index: CALLERS[index],
        min_scale=4,  # CALLERS are users 2..65 (20 per scale)
    ),
)

REQUIRES = Operation(
    "requires",
    "@requires: shippingEstimate of 20 products (needs price and weight from products)",
    """query Requires {
  products(first: 20) { edges { node { upc name shippingEstimate } } }
}""",
    varied=Variation(
        """query Requires($after: String) {
  products(first: 20, after: $after) { edges { node { upc name shippingEstimate } } }
}""",
        _page,
    ),
)

MUTATION = Operation(
    "mutation",
    "mutation: placeOrder (idempotent replay) with user and product names",
    """mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    id
    status
    total { amount currency }
    user { id username }
    items { quantity product { upc name } }
  }
}""",
    {
        "input": {
            "idempotencyKey": "bench-order-1",
            "items": [
                {"productUpc": "000000000001", "quantity": 2},
                {"productUpc": "000000000002", "quantity": 1},
            ],
        }
    },
)

OPERATIONS: tuple[Operation, ...] = (
    ONE_SUBGRAPH,
    SMALL_JOIN,
    WIDE_LIST,
    DEEP_CHAIN,
    REQUIRES,
    MUTATION,
)
