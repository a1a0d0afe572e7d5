"""Non-resolvable @interfaceObject types, and an interface with no object type at all.

Fixture `non_resolvable_interface_object`: Node is an entity interface in catalog
that no object type implements, and a non-resolvable @interfaceObject in notes;
Media has object types in catalog and is a non-resolvable @interfaceObject in
notes; Clip is the reverse (object types in notes).
"""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "non_resolvable_interface_object"


def test_type_condition_on_the_interface_itself_is_its_fields() -> None:
    # `... on Node` inside a Node always applies, though no object type implements Node: its fields
    # are asked with the others (they were dropped, so `pinned` came back null without an error).
    query = """
        { pinned { text ... on Node { id } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "notes") {
            {
              pinned {
                text
                id
              }
            }
          },
        }
        """
    )


def test_named_fragment_on_the_interface_itself_needs_no_entity_fetch() -> None:
    # No `_entities { ... on Node }` to catalog: it has no object type of Node (an invalid query there).
    query = """
        query { pinned { ...Pin } pins { text ...Pin } } fragment Pin on Node { id }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "notes") {
            {
              pinned {
                id
              }
              pins {
                text
                id
              }
            }
          },
        }
        """
    )


def test_conditional_type_condition_on_the_interface_itself_is_kept() -> None:
    query = """
        query($a: Boolean!) { pins { text ... on Node @include(if: $a) { id } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "notes") {
            query ($a: Boolean!) {
              pins {
                text
                ... @include(if: $a) {
                  id
                }
              }
            }
          },
        }
        """
    )


def test_typename_of_an_interface_without_object_types_is_not_looked_up() -> None:
    # No subgraph can say what a Node is: the interface object's own `__typename` is asked (a query
    # needs it anyway) and the shaper answers each Node with an error, never with "Node".
    query = """
        { pinned { t: __typename text } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "notes") {
            {
              pinned {
                __typename
                text
              }
            }
          },
        }
        """
    )


def test_typename_through_a_non_resolvable_interface_object() -> None:
    # Media has object types in catalog, whose key is resolvable: the lookup goes there.
    query = """
        { featured { t: __typename ... on Film { minutes } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "notes") {
              {
                featured {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "featured") {
              Fetch(service: "catalog") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    __typename
                    ... on Film {
                      minutes
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_lookup_for_a_fragment_whose_fields_are_all_conditional_is_conditional() -> None:
    # The lookup of the object type serves only the fragment, which asks nothing unless $v.
    query = """
        query($v: Boolean!) { clip { id ... on Trailer { seconds @include(if: $v) } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                clip {
                  id
                  __typename
                }
              }
            },
            Include(if: $v) {
              Flatten(path: "clip") {
                Fetch(service: "notes") {
                  {
                    ... on Clip {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Clip {
                      __typename
                      ... on Trailer {
                        seconds
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
