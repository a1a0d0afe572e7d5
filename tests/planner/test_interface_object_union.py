"""A union's type condition below an @interfaceObject field.

The @interfaceObject subgraph knows no implementations: `... on Party` is asked
of the subgraph with the real interface, and what the fragments inside it select
there (here an @interfaceObject field again) must still be fetched. The fixture
adds a union `Party = Personal | Agency` to the interface_object accounts.
"""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "interface_object_union"


def test_fields_under_a_union_condition_below_an_interface_object_field() -> None:
    # The check that every subgraph able to answer `overdue` may return a Personal
    # read the position's narrowed type (Party, which billing does not know) as the
    # field's type in billing, and left `... on Personal` out of the plan.
    query = """
        { overdue { ... on Party { ... on Personal { balance } } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "billing") {
              {
                overdue {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "overdue.@") {
              Fetch(service: "accounts") {
                {
                  ... on Account {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    __typename
                    ... on Party {
                      __typename
                      ... on Personal {
                        __typename
                        id
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "overdue.@") {
              Fetch(service: "billing") {
                {
                  ... on Personal {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    balance
                  }
                }
              },
            },
          },
        }
        """
    )
