"""Type conditions below a union whose members differ between the subgraphs able to serve it.

Fixture `partial_union`: `Shelf` is an entity in catalog and archive, both serve
the @shareable `Shelf.display { items }`; `items` is `Note | Photo` in catalog
and `Note | Scan` in archive. A type condition is planned only when every
subgraph that could answer the position (directly, or through a key of an
enclosing entity) can return that member: the response must not depend on
which of them the planner picks. Apollo Gateway plans the same; the object's
`__typename` still comes back and the dropped fragment's fields are null.
"""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "partial_union"
ITEMS = "items { __typename ... on Note { text } ... on Photo { url } ... on Scan { dpi } }"


def test_member_one_alternative_lacks_is_left_out() -> None:
    # archive could serve `display` through Shelf's key and knows no Photo.
    assert plan_text(FIXTURE, f"{{ featured {{ display {{ {ITEMS} }} }} }}") == expected(
        """
        QueryPlan {
          Fetch(service: "catalog") {
            {
              featured {
                display {
                  items {
                    __typename
                    ... on Note {
                      text
                    }
                  }
                }
              }
            }
          },
        }
        """
    )


def test_field_only_one_subgraph_has_uses_its_members() -> None:
    # Only archive serves `vault`: its members are the ones planned.
    assert plan_text(FIXTURE, f"{{ featured {{ vault {{ {ITEMS} }} }} }}") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                featured {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "featured") {
              Fetch(service: "archive") {
                {
                  ... on Shelf {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Shelf {
                    vault {
                      items {
                        __typename
                        ... on Note {
                          text
                        }
                        ... on Scan {
                          dpi
                        }
                      }
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_no_key_above_means_no_alternative() -> None:
    # `loose` returns the value type `Display` from catalog alone: no subgraph
    # else can answer below it, so catalog's own members all stay.
    query = "{ loose { items { __typename ... on Photo { url } ... on Scan { dpi } } } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "catalog") {
            {
              loose {
                items {
                  __typename
                  ... on Photo {
                    url
                  }
                }
              }
            }
          },
        }
        """
    )


def test_shared_root_field_keeps_only_common_members() -> None:
    query = "{ everywhere { display { items { ... on Note { text } ... on Photo { url } } } } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "archive") {
            {
              everywhere {
                display {
                  items {
                    __typename
                    ... on Note {
                      text
                    }
                  }
                }
              }
            }
          },
        }
        """
    )
