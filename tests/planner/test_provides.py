"""@provides: an @external field is served by the providing subgraph only under the providing path."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_provided_field_stays_in_the_subgraph() -> None:
    query = """
        { latestReviews { author { name } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              latestReviews {
                author {
                  name
                }
              }
            }
          },
        }
        """
    )


def test_not_provided_field_jumps() -> None:
    query = """
        { latestReviews { author { name email } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latestReviews {
                  author {
                    name
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "latestReviews.@.author") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    email
                  }
                }
              },
            },
          },
        }
        """
    )
