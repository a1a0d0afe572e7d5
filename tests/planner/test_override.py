"""@override: the overriding subgraph resolves the field."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_overridden_field_comes_from_the_new_owner() -> None:
    query = """
        { latestReviews { rating } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              latestReviews {
                rating
              }
            }
          },
        }
        """
    )


def test_overridden_field_through_an_entity_jump() -> None:
    query = """
        { me { name } products { reviews { rating } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  name
                }
                products {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    reviews {
                      rating
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_progressive_override_applies_above_half_and_not_below() -> None:
    query = """
        { users { score rank } }
    """
    assert plan_text("context", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "users") {
              {
                users {
                  score
                  __typename
                  id
                }
              }
            },
            Flatten(path: "users.@") {
              Fetch(service: "scores") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    rank
                  }
                }
              },
            },
          },
        }
        """
    )
