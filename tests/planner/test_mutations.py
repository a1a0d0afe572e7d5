"""Mutation root fields run strictly in document order."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_mutations_run_in_sequence() -> None:
    query = """
        mutation { a: createProduct(name: "x") { id } r: addReview(productId: "1", body: "b") { id } b: deleteProduct(id: "1") }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              mutation {
                a: createProduct(name: "x") {
                  id
                }
              }
            },
            Fetch(service: "reviews") {
              mutation {
                r: addReview(productId: "1", body: "b") {
                  id
                }
              }
            },
            Fetch(service: "products") {
              mutation {
                b: deleteProduct(id: "1")
              }
            },
          },
        }
        """
    )


def test_consecutive_mutations_on_one_subgraph_share_a_fetch() -> None:
    query = """
        mutation { a: createProduct(name: "x") { id name inStock } b: deleteProduct(id: "1") }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              mutation {
                a: createProduct(name: "x") {
                  id
                  name
                  __typename
                  sku
                }
                b: deleteProduct(id: "1")
              }
            },
            Flatten(path: "a") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku
                  }
                } =>
                {
                  ... on Product {
                    inStock
                  }
                }
              },
            },
          },
        }
        """
    )
