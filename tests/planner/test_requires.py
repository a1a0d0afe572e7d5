"""@requires: required fields are fetched first and passed in the representations."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_required_fields_come_from_the_owner_first() -> None:
    query = """
        { product(id: "1") { shippingEstimate } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                product(id: "1") {
                  __typename
                  sku
                  weight
                  price
                }
              }
            },
            Flatten(path: "product") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku
                    weight
                    price
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_with_other_fields_of_the_same_subgraph() -> None:
    query = """
        { products { name inStock shippingEstimate } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                products {
                  name
                  __typename
                  sku
                  weight
                  price
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku
                    weight
                    price
                  }
                } =>
                {
                  ... on Product {
                    inStock
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_below_an_entity_jump() -> None:
    query = """
        { latestReviews { product { shippingEstimate } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latestReviews {
                  product {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "latestReviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    sku
                    weight
                    price
                  }
                }
              },
            },
            Flatten(path: "latestReviews.@.product") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku
                    weight
                    price
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


def test_required_field_from_a_third_subgraph_through_another_key() -> None:
    query = """
        { latestReviews { product { buyHint } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latestReviews {
                  product {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "latestReviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    sku
                  }
                }
              },
            },
            Flatten(path: "latestReviews.@.product") {
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
            Flatten(path: "latestReviews.@.product") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    id
                    inStock
                  }
                } =>
                {
                  ... on Product {
                    buyHint
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_with_inline_fragments_on_an_interface() -> None:
    query = """
        { entity { verdict } }
    """
    assert plan_text("requires_fragments", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                entity {
                  __typename
                  id
                  data {
                    __typename
                    kind
                    ... on Small {
                      size
                    }
                    ... on Big {
                      weight
                    }
                  }
                }
              }
            },
            Flatten(path: "entity") {
              Fetch(service: "b") {
                {
                  ... on Entity {
                    __typename
                    id
                    data {
                      __typename
                      kind
                      ... on Small {
                        size
                      }
                      ... on Big {
                        weight
                      }
                    }
                  }
                } =>
                {
                  ... on Entity {
                    verdict
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_satisfied_in_the_same_fetch_when_the_client_also_asks() -> None:
    query = """
        { entity { verdict data { kind } } }
    """
    assert plan_text("requires_fragments", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                entity {
                  data {
                    __typename
                    kind
                    ... on Small {
                      size
                    }
                    ... on Big {
                      weight
                    }
                  }
                  __typename
                  id
                }
              }
            },
            Flatten(path: "entity") {
              Fetch(service: "b") {
                {
                  ... on Entity {
                    __typename
                    id
                    data {
                      __typename
                      kind
                      ... on Small {
                        size
                      }
                      ... on Big {
                        weight
                      }
                    }
                  }
                } =>
                {
                  ... on Entity {
                    verdict
                  }
                }
              },
            },
          },
        }
        """
    )


def test_required_field_with_arguments_next_to_the_same_field_with_other_arguments() -> None:
    query = """
        query($n: Int!) { posts { topAuthor comments(limit: $n) { id } } }
    """
    assert plan_text("requires_args", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "blog") {
              query ($n: Int!) {
                posts {
                  comments(limit: $n) {
                    id
                  }
                  __typename
                  id
                  comments__afd6b046: comments(limit: 3) {
                    authorId
                  }
                }
              }
            },
            Flatten(path: "posts.@") {
              Fetch(service: "insights") {
                {
                  ... on Post {
                    __typename
                    id
                    comments__afd6b046: comments {
                      authorId
                    }
                  }
                } =>
                {
                  ... on Post {
                    topAuthor
                  }
                }
              },
            },
          },
        }
        """
    )


def test_requires_with_conflicting_arguments_use_separate_fetches() -> None:
    query = """
        { posts { costUSD costEUR } }
    """
    assert plan_text("requires_args", query, None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "blog") {
              {
                posts {
                  __typename
                  id
                  price__caabf824: price(currency: "USD")
                  price__03b31672: price(currency: "EUR")
                }
              }
            },
            Parallel {
              Flatten(path: "posts.@") {
                Fetch(service: "insights") {
                  {
                    ... on Post {
                      __typename
                      id
                      price__caabf824: price
                    }
                  } =>
                  {
                    ... on Post {
                      costUSD
                    }
                  }
                },
              },
              Flatten(path: "posts.@") {
                Fetch(service: "insights") {
                  {
                    ... on Post {
                      __typename
                      id
                      price__03b31672: price
                    }
                  } =>
                  {
                    ... on Post {
                      costEUR
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_fetch_after_a_requires_fetch_merges_into_the_one_before() -> None:
    # `author { name }` and the required `author { years }` both need posts at
    # feed.@.author: one fetch, under the authors fetch that selects the author
    # first (the @requires fetch waits for it, so it cannot go under that one).
    query = """
        { feed { author { name } novice } }
    """
    assert plan_text("requires_cycle", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "posts") {
              {
                feed {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "feed.@") {
              Fetch(service: "authors") {
                {
                  ... on Post {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Post {
                    author {
                      __typename
                      id
                    }
                  }
                }
              },
            },
            Flatten(path: "feed.@.author") {
              Fetch(service: "posts") {
                {
                  ... on Author {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Author {
                    years
                    name
                  }
                }
              },
            },
            Flatten(path: "feed.@") {
              Fetch(service: "authors") {
                {
                  ... on Post {
                    __typename
                    id
                    author {
                      years
                    }
                  }
                } =>
                {
                  ... on Post {
                    novice
                  }
                }
              },
            },
          },
        }
        """
    )
