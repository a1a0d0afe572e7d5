"""Interfaces and unions whose implementations live in different subgraphs."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "abstract"


def test_interface_field_asked_directly() -> None:
    query = """
        { library { id title } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "media") {
            {
              library {
                __typename
                id
                title
              }
            }
          },
        }
        """
    )


def test_type_condition_with_a_field_from_another_subgraph() -> None:
    query = """
        { library { title ... on Book { stars } ... on Movie { minutes } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "media") {
              {
                library {
                  __typename
                  title
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Movie {
                    minutes
                  }
                }
              }
            },
            Flatten(path: "library.@") {
              Fetch(service: "ratings") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    stars
                  }
                }
              },
            },
          },
        }
        """
    )


def test_union_members_unknown_to_a_subgraph_are_dropped() -> None:
    query = """
        { trending { __typename ... on Podcast { host } ... on Movie { title } ... on Book { title pages } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "ratings") {
              {
                trending {
                  __typename
                  ... on Podcast {
                    host
                  }
                  ... on Book {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "trending.@") {
              Fetch(service: "media") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    title
                    pages
                  }
                }
              },
            },
          },
        }
        """
    )


def test_union_spread_on_interface() -> None:
    query = """
        { search(term: "x") { ... on Media { title } ... on Author { name } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "media") {
            {
              search(term: "x") {
                __typename
                ... on Media {
                  __typename
                  title
                }
                ... on Author {
                  name
                }
              }
            }
          },
        }
        """
    )


def test_interface_field_fetched_once_from_an_interface_object() -> None:
    query = """
        { accounts { owner balance } }
    """
    assert plan_text("interface_object", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                accounts {
                  __typename
                  owner
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
