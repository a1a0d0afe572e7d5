"""The benchmark operations, one per shape named in issue 7 (growing shape)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Operation:
    key: str
    title: str
    query: str
    variables: dict[str, object] = field(default_factory=dict)

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"query": self.query}
        if self.variables:
            body["variables"] = self.variables
        return body


ONE_SUBGRAPH = Operation(
    "one_subgraph",
    "one subgraph, 5 products",
    """query OneSubgraph {
  products(first: 5) {
    edges { node { upc name price { amount currency } category { slug name } } }
  }
}""",
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
)

WIDE_LIST = Operation(
    "wide_list",
    "wide list: 100 products x 5 reviews, each with its author (4 subgraphs)",
    """query WideList {
  products(first: 100) {
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
}""",
)

DEEP_CHAIN = Operation(
    "deep_chain",
    "deep chain: 5 entity hops (accounts>orders>reviews>products>inventory>reviews)",
    # Only the caller's own orders: the orders subgraph refuses anyone else's.
    """query DeepChain {
  user(id: "1") {
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
}""",
)

REQUIRES = Operation(
    "requires",
    "@requires: shippingEstimate of 20 products (needs price and weight from products)",
    """query Requires {
  products(first: 20) { edges { node { upc name shippingEstimate } } }
}""",
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
