"""A conditional `@requires` field in an entity fetch with unconditional ones (issue 13, class 5).

In the fixture `conditional_requires`, `Article.relatedReviews` (reviews)
requires `related { id }` (catalog) and `reviewCount` (reviews) needs only the
key. Asked at one place, one reviews fetch serves both; `related { id }` is
fetched only under the condition of `relatedReviews`. The representation lists
what each part needs apart, so with the condition off the objects are still
represented by their key for `reviewCount` (executor/representations.py takes
each fragment whole or not at all), as Apollo's plans do.
"""

from __future__ import annotations

from supergraph.planner.plan import RequiresField, RequiresInlineFragment, json_fetch_nodes
from supergraph.planner.render import plan_to_json
from tests.planner.support import expected, plan, plan_text

FIXTURE = "conditional_requires"


def test_the_conditional_part_lists_its_representation_apart() -> None:
    query = (
        "query($b: Boolean!) { featured { related { reviewCount }"
        " ... @include(if: $b) { related { relatedReviews { id } } } } }"
    )
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              query ($b: Boolean!) {
                featured {
                  ... @include(if: $b) {
                    related {
                      __typename
                      id
                      related {
                        id
                      }
                    }
                  }
                  related {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "featured.@.related.@") {
              Fetch(service: "reviews") {
                {
                  ... on Article {
                    __typename
                    id
                  }
                  ... on Article {
                    __typename
                    id
                    related {
                      id
                    }
                  }
                } =>
                {
                  ... on Article @include(if: $b) {
                    relatedReviews {
                      id
                    }
                  }
                  ... on Article {
                    reviewCount
                  }
                }
              },
            },
          },
        }
        """
    )


def test_a_type_condition_with_a_directive_under_an_interface() -> None:
    query = (
        "query($b: Boolean!) { search { ... on Article { related { reviewCount }"
        " ... on Article @include(if: $b) { related { relatedReviews { id } } } } } }"
    )
    reviews = [f for f in _fetches(query) if f["serviceName"] == "reviews"]
    assert len(reviews) == 1
    assert reviews[0]["requires"] == _json_alternatives(
        ("__typename", "id"), ("__typename", "id", "related")
    )


def test_requires_fetched_with_the_key_need_no_alternative() -> None:
    # The field's own @include applies in the reviews fetch only: `related { id }`
    # is selected beside the key, unconditionally (as Apollo's plan does).
    query = "query($b: Boolean!) { featured { related { reviewCount relatedReviews @include(if: $b) { id } } } }"
    reviews = [f for f in _fetches(query) if f["serviceName"] == "reviews"]
    assert reviews[0]["requires"] == _json_alternatives(("__typename", "id", "related"))


def test_parts_under_different_variables_each_list_their_own() -> None:
    query = (
        "query($a: Boolean!, $b: Boolean!) { featured { ... @include(if: $a) { related { reviewCount } }"
        " ... @include(if: $b) { related { relatedReviews { id } } } } }"
    )
    reviews = [f for f in _fetches(query) if f["serviceName"] == "reviews"]
    assert len(reviews) == 1
    assert reviews[0]["requires"] == _json_alternatives(
        ("__typename", "id"), ("__typename", "id", "related")
    )


def test_parts_needing_the_same_fields_share_one_fragment() -> None:
    query = (
        "query($a: Boolean!, $b: Boolean!) { featured { ... @include(if: $a) { related { reviewCount } }"
        " ... @skip(if: $b) { related { reviewCount title } } } }"
    )
    reviews = [f for f in _fetches(query) if f["serviceName"] == "reviews"]
    assert reviews[0]["requires"] == _json_alternatives(("__typename", "id"))


def test_the_executor_representation_of_the_plan() -> None:
    query = (
        "query($b: Boolean!) { featured { related { reviewCount }"
        " ... @include(if: $b) { related { relatedReviews { id } } } } }"
    )
    node = plan(FIXTURE, query).node
    assert node is not None
    fetch = node.nodes[1].node  # type: ignore[attr-defined]
    assert fetch.requires == (
        RequiresInlineFragment("Article", (RequiresField("__typename"), RequiresField("id"))),
        RequiresInlineFragment(
            "Article",
            (
                RequiresField("__typename"),
                RequiresField("id"),
                RequiresField("related", selections=(RequiresField("id"),)),
            ),
        ),
    )


def _fetches(query: str) -> list[dict[str, object]]:
    return [dict(f) for f in json_fetch_nodes(plan_to_json(plan(FIXTURE, query))["node"])]


def _json_alternatives(*alternatives: tuple[str, ...]) -> list[dict[str, object]]:
    """`... on Article { ... }` per alternative, `related` with `{ id }`, in the JSON plan shape."""

    def field(name: str) -> dict[str, object]:
        if name == "related":
            return {
                "kind": "Field",
                "name": "related",
                "selections": [{"kind": "Field", "name": "id"}],
            }
        return {"kind": "Field", "name": name}

    return [
        {
            "kind": "InlineFragment",
            "typeCondition": "Article",
            "selections": [field(name) for name in names],
        }
        for names in alternatives
    ]


def test_a_condition_on_one_of_two_selections_of_the_parent_stays_in_the_entity_fetch() -> None:
    # Both `featured` selections share the reviews fetch, which runs whatever $v is:
    # the fields under the skipped one keep their @skip inside it (and the representation
    # its alternative without `related`, which the catalog fetches only then).
    query = (
        "query($v: Boolean!) { featured @skip(if: $v) { relatedReviews { body } }"
        " featured { reviewCount } }"
    )
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              query ($v: Boolean!) {
                featured @skip(if: $v) {
                  __typename
                  id
                  related {
                    id
                  }
                }
                featured {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "featured.@") {
              Fetch(service: "reviews") {
                {
                  ... on Article {
                    __typename
                    id
                  }
                  ... on Article {
                    __typename
                    id
                    related {
                      id
                    }
                  }
                } =>
                {
                  ... on Article @skip(if: $v) {
                    relatedReviews {
                      body
                    }
                  }
                  ... on Article {
                    reviewCount
                  }
                }
              },
            },
          },
        }
        """
    )
