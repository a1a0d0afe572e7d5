"""@interfaceObject: representations named after the interface (input rewrites), __typename from the real type."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "interface_object"


def test_interface_object_field_from_the_real_interface() -> None:
    query = """
        { accounts { id balance } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                accounts {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "billing") {
                {
                  ... on Account {
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


def test_requires_on_interface_object() -> None:
    query = """
        { accounts { discount } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                accounts {
                  __typename
                  id
                  owner
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "billing") {
                {
                  ... on Account {
                    __typename
                    id
                    owner
                  }
                } =>
                {
                  ... on Account {
                    discount
                  }
                }
              },
            },
          },
        }
        """
    )


def test_typename_and_type_conditions_from_the_interface_object() -> None:
    query = """
        { overdue { __typename balance ... on Business { company } } }
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
                  balance
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
                    ... on Business {
                      company
                    }
                  }
                }
              },
            },
          },
        }
        """
    )
