"""Entity jumps through @key: multiple keys, composite and nested keys, non-resolvable keys."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_jump_through_the_key_the_target_resolves() -> None:
    query = """
        { product(id: "1") { name inStock } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                product(id: "1") {
                  name
                  __typename
                  sku
                }
              }
            },
            Flatten(path: "product") {
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


def test_list_items_flatten_with_at() -> None:
    query = """
        { products { name reviews { body } } }
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


def test_non_resolvable_key_jumps_back_to_the_owner() -> None:
    query = """
        { latestReviews { body author { email } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latestReviews {
                  body
                  author {
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


def test_two_targets_at_one_path_run_in_parallel() -> None:
    query = """
        { product(id: "1") { inStock buyers { name } } }
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
                  id
                }
              }
            },
            Parallel {
              Flatten(path: "product") {
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
              Flatten(path: "product") {
                Fetch(service: "accounts") {
                  {
                    ... on Product {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Product {
                      buyers {
                        name
                      }
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_nested_entity_chain() -> None:
    query = """
        { latestReviews { product { name warehouse { city } } } }
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
                    name
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
                    warehouse {
                      city
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_nested_key_subfields_come_with_the_entity_jump_a_sibling_needs() -> None:
    # `label` needs a jump to rooms through the Bin key `room { code } slot`;
    # `room { city }` then comes from that same fetch (rooms resolves Bin.room),
    # not from a second one through the Room key.
    query = """
        { items { bin { slot label room { city } } } }
    """
    assert plan_text("nested_key", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                items {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "items.@") {
              Fetch(service: "stock") {
                {
                  ... on Item {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Item {
                    bin {
                      slot
                      __typename
                      room {
                        code
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "items.@.bin") {
              Fetch(service: "rooms") {
                {
                  ... on Bin {
                    __typename
                    room {
                      code
                    }
                    slot
                  }
                } =>
                {
                  ... on Bin {
                    label
                    room {
                      city
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_nested_key_field_is_split_between_here_and_a_siblings_entity_jump() -> None:
    # stock serves `room { capacity }`; `room { city }` goes with the Bin jump
    # to rooms that `label` needs anyway, not through a second jump by Room key.
    query = """
        { items { bin { label room { city capacity } } } }
    """
    assert plan_text("nested_key", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                items {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "items.@") {
              Fetch(service: "stock") {
                {
                  ... on Item {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Item {
                    bin {
                      __typename
                      room {
                        code
                        capacity
                      }
                      slot
                    }
                  }
                }
              },
            },
            Flatten(path: "items.@.bin") {
              Fetch(service: "rooms") {
                {
                  ... on Bin {
                    __typename
                    room {
                      code
                    }
                    slot
                  }
                } =>
                {
                  ... on Bin {
                    label
                    room {
                      city
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_field_comes_through_an_entity_fetch_whose_key_is_already_paid() -> None:
    # picks is asked for `best` through the Box key `items { id code }` anyway;
    # `listed: items { code }` comes from that fetch too, instead of an entity
    # fetch to codes per item (the key's own jumps are paid once).
    query = """
        { top { listed: items { code } best { code } } }
    """
    assert plan_text("covered_key", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "store") {
              {
                top {
                  __typename
                  items {
                    id
                    __typename
                  }
                }
              }
            },
            Flatten(path: "top.items.@") {
              Fetch(service: "codes") {
                {
                  ... on Item {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Item {
                    code
                  }
                }
              },
            },
            Flatten(path: "top") {
              Fetch(service: "picks") {
                {
                  ... on Box {
                    __typename
                    items {
                      id
                      code
                    }
                  }
                } =>
                {
                  ... on Box {
                    best {
                      code
                    }
                    listed: items {
                      code
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_field_outside_the_subgraph_comes_through_a_key_that_contains_it() -> None:
    # extras resolves `pick { name }` from the Box key `id pick { id }` (pick's id
    # from lists): one entity fetch at `top`, rather than one at `top.pick`
    # whose Item key `id color` first needs a fetch of color from store.
    query = """
        { top { pick { name } } }
    """
    assert plan_text("key_field_jump", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "store") {
              {
                top {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "top") {
              Fetch(service: "lists") {
                {
                  ... on Box {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Box {
                    pick {
                      id
                    }
                  }
                }
              },
            },
            Flatten(path: "top") {
              Fetch(service: "extras") {
                {
                  ... on Box {
                    __typename
                    id
                    pick {
                      id
                    }
                  }
                } =>
                {
                  ... on Box {
                    pick {
                      name
                    }
                  }
                }
              },
            },
          },
        }
        """
    )
