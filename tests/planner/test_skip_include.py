"""@skip/@include: literals resolved, variables kept and Condition nodes for whole fetches."""

from __future__ import annotations

from tests.planner.support import expected, plan_json, plan_text

FIXTURE = "shop"


def test_literal_conditions_are_resolved() -> None:
    query = """
        { product(id: "1") { name @include(if: false) price @skip(if: false) } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "products") {
            {
              product(id: "1") {
                price
              }
            }
          },
        }
        """
    )


def test_variable_condition_on_a_jump_becomes_a_condition_node() -> None:
    query = """
        query($withStock: Boolean!) { product(id: "1") { name inStock @include(if: $withStock) } }
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
            Include(if: $withStock) {
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
          },
        }
        """
    )


def test_skip_variable_on_a_fragment() -> None:
    query = """
        query($s: Boolean!) { product(id: "1") { name ... @skip(if: $s) { inStock } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              query ($s: Boolean!) {
                product(id: "1") {
                  name
                  ... @skip(if: $s) {
                    __typename
                    sku
                  }
                }
              }
            },
            Skip(if: $s) {
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
          },
        }
        """
    )


def test_conditional_root_field_wraps_its_fetch() -> None:
    query = """
        query($x: Boolean!) { me @include(if: $x) { name } latestReviews { body } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Parallel {
            Include(if: $x) {
              Fetch(service: "accounts") {
                {
                  me {
                    name
                  }
                }
              },
            },
            Fetch(service: "reviews") {
              {
                latestReviews {
                  body
                }
              }
            },
          },
        }
        """
    )


def test_conditional_and_unconditional_content_share_one_fetch() -> None:
    query = """
        query($x: Boolean!) { product(id: "1") { ... @include(if: $x) { inStock } warehouse { city } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              query ($x: Boolean!) {
                product(id: "1") {
                  ... @include(if: $x) {
                    __typename
                    sku
                  }
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
                  ... on Product @include(if: $x) {
                    inStock
                  }
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


def test_fetches_under_contradicting_conditions_are_left_out() -> None:
    # `bin` needs stock under @include(if: $v) inside @skip(if: $v): it can never
    # be fetched, so the plan has no stock fetch (nor anything after it).
    query = """
        query($v: Boolean!) { items @skip(if: $v) { id bin @include(if: $v) { label } } }
    """
    assert plan_text("nested_key", query) == expected(
        """
        QueryPlan {
          Skip(if: $v) {
            Fetch(service: "catalog") {
              {
                items {
                  id
                  __typename
                }
              }
            },
          },
        }
        """
    )


def test_a_fetch_under_a_condition_repeats_neither_it_nor_its_variable() -> None:
    # `name` and `name @include(if: $x)` are one field once `$x` is known true;
    # `$y` is still decided inside the subgraph, so it stays (and is forwarded).
    query = """
        query($x: Boolean!, $y: Boolean!) {
          me @include(if: $x) { name name @include(if: $x) n2: name @include(if: $y) }
        }
    """
    node = plan_json(FIXTURE, query)["node"]
    assert node["condition"] == "x"
    fetch = node["ifClause"]
    assert fetch["operation"] == "query($y:Boolean!){me{name n2:name@include(if:$y)}}"
    assert fetch["variableUsages"] == ["y"]


def test_a_conditional_fetch_joins_an_unconditional_one_to_the_same_place() -> None:
    # `label` needs `isExpensive` in any case; the client's `isExpensive @skip(if: $s)`
    # goes to the same fetch under its condition instead of a second fetch to "b".
    query = "query($s: Boolean!) { product { label isExpensive @skip(if: $s) } }"
    assert plan_text("requires_chain_condition", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                product {
                  __typename
                  id
                  price
                }
              }
            },
            Flatten(path: "product") {
              Fetch(service: "b") {
                {
                  ... on Product {
                    __typename
                    id
                    price
                  }
                } =>
                {
                  ... on Product {
                    isExpensive
                  }
                  ... on Product @skip(if: $s) {
                    isExpensive
                  }
                }
              },
            },
            Flatten(path: "product") {
              Fetch(service: "c") {
                {
                  ... on Product {
                    __typename
                    id
                    isExpensive
                  }
                } =>
                {
                  ... on Product {
                    label
                  }
                }
              },
            },
          },
        }
        """
    )
