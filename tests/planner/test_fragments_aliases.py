"""Named and inline fragments, aliases, and the same field with different arguments."""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "shop"


def test_named_fragments_are_expanded() -> None:
    query = """
        query Q { products { ...P } } fragment P on Product { name ...S } fragment S on Product { inStock }
    """
    assert plan_text(FIXTURE, query, "Q") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              query Q__products__0 {
                products {
                  name
                  __typename
                  sku
                }
              }
            },
            Flatten(path: "products.@") {
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


def test_aliases_are_kept() -> None:
    query = """
        { cheap: products(first: 1) { label: name } all: products { name } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "products") {
            {
              cheap: products(first: 1) {
                label: name
              }
              all: products {
                name
              }
            }
          },
        }
        """
    )


def test_same_field_different_arguments_in_an_entity_fetch() -> None:
    query = """
        { product(id: "1") { few: reviews(first: 1) { body } many: reviews(first: 10) { body } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                product(id: "1") {
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
                    few: reviews(first: 1) {
                      body
                    }
                    many: reviews(first: 10) {
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


def test_client_alias_clashing_with_a_key_field() -> None:
    query = """
        { product(id: "1") { sku: name inStock } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                product(id: "1") {
                  sku: name
                  __typename
                  sku__planner: sku
                }
              }
            },
            Flatten(path: "product") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku__planner: sku
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
