"""Which subgraph serves a shared root field when @provides on an interface field
competes with a subgraph that holds only @external keys of its implementations."""

from __future__ import annotations

from graphql import parse

from supergraph.operation import Field, normalize_operation
from supergraph.planner.capabilities import Provided, resolves
from supergraph.planner.cost import CostModel
from tests.planner.support import expected, plan_text, supergraph

FIXTURE = "provides_plan_choice"


def test_the_subgraph_providing_an_interface_field_serves_it() -> None:
    # "atlas" and "brief" both serve `shelter`, each needing one more fetch for
    # `Kitten.weight`. atlas has `Pound.residents`, but every `Resident` id there
    # is @external: it would leave `residents` to "care" as well; brief provides
    # `residents { id nick }` and serves them itself (Apollo's planner agrees).
    # The tie-break used to count the interface field `Resident.id` as served by
    # atlas and picked it by name.
    query = """
        { shelter { residents { id ... on Kitten { weight } } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "brief") {
              {
                shelter {
                  __typename
                  residents {
                    __typename
                    id
                  }
                  ... on Pound {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "shelter") {
              Fetch(service: "care") {
                {
                  ... on Pound {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Pound {
                    residents {
                      __typename
                      ... on Kitten {
                        weight
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


def test_an_object_typed_root_field_goes_to_the_providing_subgraph_too() -> None:
    # As above through `Pound`, an object type.
    query = """
        { pound { residents { id ... on Kitten { weight } } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "brief") {
              {
                pound {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "pound") {
              Fetch(service: "care") {
                {
                  ... on Pound {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Pound {
                    residents {
                      __typename
                      id
                      ... on Kitten {
                        weight
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


def test_a_list_root_field_with_aliases() -> None:
    # As above on a list, the client's keys renamed.
    query = """
        { shelters { pets: residents { key: id ... on Kitten { kg: weight } } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "brief") {
              {
                shelters {
                  __typename
                  pets: residents {
                    __typename
                    key: id
                  }
                  ... on Pound {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "shelters.@") {
              Fetch(service: "care") {
                {
                  ... on Pound {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Pound {
                    pets: residents {
                      __typename
                      ... on Kitten {
                        kg: weight
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


def test_fragments_on_several_implementations_refetched_once() -> None:
    # `weight` of both implementations is re-fetched from the `Pound` entity in
    # one fetch to "care": one jump, not one per implementation, so brief's
    # estimate equals atlas's and the tie-break above applies.
    query = """
        { shelter { residents { id ... on Kitten { weight } ... on Puppy { weight } } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "brief") {
              {
                shelter {
                  __typename
                  residents {
                    __typename
                    id
                  }
                  ... on Pound {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "shelter") {
              Fetch(service: "care") {
                {
                  ... on Pound {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Pound {
                    residents {
                      __typename
                      ... on Kitten {
                        weight
                      }
                      ... on Puppy {
                        weight
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


def test_jumps_from_one_position_to_one_subgraph_cost_one() -> None:
    # The estimate behind the plan above: brief re-fetches `weight` for both
    # implementations from `Pound` (one fetch), atlas asks care for `residents`.
    model = supergraph(FIXTURE)
    query = "{ shelter { residents { id ... on Kitten { weight } ... on Puppy { weight } } } }"
    (shelter,) = normalize_operation(model.api_schema, parse(query), None).selections
    assert isinstance(shelter, Field)
    found = resolves(model, "brief", "Query", "shelter", None)
    assert found is not None and found.provides is not None
    cost = CostModel(model)
    assert cost.local_cost("brief", "Kennel", shelter.selections, Provided(found.provides)) == 1
    assert cost.local_cost("atlas", "Kennel", shelter.selections, None) == 1


def test_a_shared_root_field_stays_whole_when_a_split_saves_no_fetch() -> None:
    # `almanac` opens a fetch of atlas; `shelter` could join it for `id` and ask
    # brief for `residents` (a split: two fetches, in parallel), or be asked whole
    # of brief (two fetches, in parallel too). The split asks one object of two
    # subgraphs and needs both copies of `shelter` to answer: it is kept only
    # when it saves a fetch, or a fetch waiting on another.
    query = """
        { almanac { id } shelter { id residents { id } } }
    """
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Parallel {
            Fetch(service: "atlas") {
              {
                almanac {
                  id
                }
              }
            },
            Fetch(service: "brief") {
              {
                shelter {
                  __typename
                  id
                  residents {
                    __typename
                    id
                  }
                }
              }
            },
          },
        }
        """
    )
