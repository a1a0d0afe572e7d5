"""@shareable: prefer the subgraph already queried, never fetch a field twice."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_shared_root_field_goes_where_most_fields_are() -> None:
    query = """
        { products { name price } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "products") {
            {
              products {
                name
                price
              }
            }
          },
        }
        """
    )


def test_shared_root_field_goes_where_most_fields_are_other_side() -> None:
    query = """
        { products { buyers { name } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "accounts") {
            {
              products {
                buyers {
                  name
                }
              }
            }
          },
        }
        """
    )


def test_shareable_value_type_stays_in_current_subgraph() -> None:
    query = """
        { topCategory { id title } products { category { title } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "products") {
            {
              topCategory {
                id
                title
              }
              products {
                category {
                  title
                }
              }
            }
          },
        }
        """
    )


def test_shared_value_type_root_field_is_split_between_subgraphs() -> None:
    query = """
        { stats { count capacity } }
    """
    assert plan_text("chain", query, None) == expected(
        """
        QueryPlan {
          Parallel {
            Fetch(service: "catalog") {
              {
                stats {
                  count
                }
              }
            },
            Fetch(service: "storage") {
              {
                stats {
                  capacity
                }
              }
            },
          },
        }
        """
    )


def test_value_type_field_is_refetched_from_the_parent_entity() -> None:
    query = """
        { items { title shelf { code temperature } } }
    """
    assert plan_text("chain", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                items {
                  title
                  __typename
                  id
                }
              }
            },
            Flatten(path: "items.@") {
              Fetch(service: "storage") {
                {
                  ... on Item {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Item {
                    shelf {
                      code
                      temperature
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_shared_root_field_joins_the_fetch_another_root_field_needs() -> None:
    # Any subgraph serves `products { id }`; only "name" serves `product { name }`
    # without a jump, so both go there: one fetch, not two.
    query = """
        { products { id } product { name } }
    """
    assert plan_text("shared_root", query) == expected(
        """
        QueryPlan {
          Fetch(service: "name") {
            {
              product {
                name
              }
              products {
                id
              }
            }
          },
        }
        """
    )


def test_shared_root_field_joins_a_subgraph_a_split_field_needs() -> None:
    # `products` is split by subgraph; `product { id }` and the `id` part join
    # the fetch to "name" that the split needs anyway.
    query = """
        { product { id } products { id name price } }
    """
    assert plan_text("shared_root", query) == expected(
        """
        QueryPlan {
          Parallel {
            Fetch(service: "name") {
              {
                product {
                  id
                }
                products {
                  id
                  name
                }
              }
            },
            Fetch(service: "price") {
              {
                products {
                  price
                }
              }
            },
          },
        }
        """
    )


def test_shared_root_field_is_split_below_its_first_level() -> None:
    # No subgraph serves `book { aTitle bTitle }` alone: splitting the shared
    # fields down to the leaves asks each subgraph once, in parallel, instead of
    # one root fetch and an entity fetch per path.
    query = """
        { book { aTitle bTitle } viewer { book { aTitle bTitle } } }
    """
    assert plan_text("shared_split", query) == expected(
        """
        QueryPlan {
          Parallel {
            Fetch(service: "a") {
              {
                book {
                  aTitle
                }
                viewer {
                  book {
                    aTitle
                  }
                }
              }
            },
            Fetch(service: "b") {
              {
                book {
                  bTitle
                }
                viewer {
                  book {
                    bTitle
                  }
                }
              }
            },
          },
        }
        """
    )


def test_shared_root_field_on_equal_cost_goes_where_more_fields_are_served() -> None:
    # "one" and "two" both need one jump: "one" for all of `detail`, "two" only
    # for `weight`. The tie goes to "two", which answers more of the selection.
    query = """
        { item { detail { color size weight } } }
    """
    assert plan_text("root_tie", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "two") {
              {
                item {
                  detail {
                    color
                    size
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "item.detail") {
              Fetch(service: "three") {
                {
                  ... on Detail {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Detail {
                    weight
                  }
                }
              },
            },
          },
        }
        """
    )
