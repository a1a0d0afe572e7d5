"""`__typename` through an @interfaceObject: asked, unaliased, of a subgraph with the real interface.

The shaper answers every `__typename` of an object (whatever its alias) from the
object's one `__typename` key, so the entity fetch that looks the object type up
must overwrite that key: `t: __typename` sent as such would leave the interface's
name there (fixture `interface_object_typename`: Account is an interface in
members, an @interfaceObject in billing and support).
"""

from __future__ import annotations

from tests.planner.support import expected, plan_text

FIXTURE = "interface_object_typename"


def test_aliased_typename_looks_the_object_type_up_unaliased() -> None:
    query = """
        { accounts { id t: __typename } }
    """
    # Same plan as unaliased `__typename`.
    assert plan_text(FIXTURE, query) == plan_text(FIXTURE, "{ accounts { id __typename } }")
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "billing") {
              {
                accounts {
                  id
                  __typename
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "members") {
                {
                  ... on Account {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    __typename
                  }
                }
              },
            },
          },
        }
        """
    )


def test_aliased_typename_under_skip_looks_up_only_when_asked() -> None:
    query = """
        query($s: Boolean!) { accounts { id t: __typename @skip(if: $s) } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "billing") {
              {
                accounts {
                  id
                  __typename
                }
              }
            },
            Skip(if: $s) {
              Flatten(path: "accounts.@") {
                Fetch(service: "members") {
                  {
                    ... on Account {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Account {
                      __typename
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_aliased_typenames_in_a_named_fragment_and_below_it() -> None:
    query = """
        query { accounts { ...Kind } } fragment Kind on Account { kind: __typename balance referrer { t: __typename } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "billing") {
              {
                accounts {
                  __typename
                  id
                  balance
                  referrer {
                    __typename
                    id
                  }
                }
              }
            },
            Parallel {
              Flatten(path: "accounts.@") {
                Fetch(service: "members") {
                  {
                    ... on Account {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Account {
                      __typename
                    }
                  }
                },
              },
              Flatten(path: "accounts.@.referrer") {
                Fetch(service: "members") {
                  {
                    ... on Account {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Account {
                      __typename
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


def test_aliased_typename_from_the_second_interface_object() -> None:
    query = """
        { accounts { tickets t: __typename } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "support") {
              {
                accounts {
                  tickets
                  __typename
                  id
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "members") {
                {
                  ... on Account {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    __typename
                  }
                }
              },
            },
          },
        }
        """
    )
