"""Each fetch forwards only the variables its operation uses, with their definitions."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_variables_split_between_fetches() -> None:
    query = """
        query Q($id: ID!, $n: Int = 2) { product(id: $id) { name reviews(first: $n) { body } } }
    """
    assert plan_text(FIXTURE, query, "Q") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              query Q__products__0($id: ID!) {
                product(id: $id) {
                  name
                  __typename
                  id
                }
              }
            },
            Flatten(path: "product") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    reviews(first: $n) {
                      body
                    }
                  }
                }
              },
            },
          },
        }
        """
    )
