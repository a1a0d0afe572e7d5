"""Aliases only the subgraph query needs, and the output rewrites that undo them.

Fixture `shape_alias`: `Member.handle` is `ID!` in social (`ID` in directory),
`Bot.handle` is `ID`; ranking's `Member.reach` requires `contacts { ... on Bot {
handle } ... on Member { handle } }`. A subgraph rejects `... on Bot { handle }
... on Member { handle }` (one response key, two shapes): the planner aliases the
second (`handle__shape_1`) and the fetch renames it back (a `KeyRenamer`), in root
and entity fetches, under client aliases, and for its own `@requires` inputs,
which the representation then reads under their names.

The planner's own fields (keys, `@requires` inputs) also keep clear of a client
response key holding another field at that position (`handle: nickname`): they
get a key of their own there (`handle__planner`), which the representation
reads, so the client's value and the key never overwrite each other.
"""

from __future__ import annotations

from typing import Any

import pytest

from supergraph.planner.errors import PlanningError
from supergraph.planner.groups import FetchGroup
from supergraph.planner.plan import KeyRenamer
from supergraph.planner.restored import check_restored
from supergraph.planner.selection import SelectionSet, shape_conflict
from tests.planner.support import expected, plan_json, plan_text

FIXTURE = "shape_alias"


def _fetches(node: dict[str, Any]) -> list[dict[str, Any]]:
    match node["kind"]:
        case "Fetch":
            return [node]
        case "Flatten":
            return _fetches(node["node"])
        case "Sequence" | "Parallel":
            return [f for n in node["nodes"] for f in _fetches(n)]
    raise AssertionError(node["kind"])


def _renames(query: str) -> list[list[tuple[tuple[str, ...], str]]]:
    """Each fetch's KeyRenamer output rewrites as (path, key), in plan order."""
    return [
        [
            (tuple(r["path"]), r["renameKeyTo"])
            for r in fetch.get("outputRewrites", [])
            if r["kind"] == "KeyRenamer"
        ]
        for fetch in _fetches(plan_json(FIXTURE, query)["node"])
    ]


def test_root_fetch_aliases_the_second_shape_and_renames_it_back() -> None:
    query = "{ contacts { ... on Bot { handle } ... on Member { handle } } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Fetch(service: "social") {
            {
              contacts {
                __typename
                ... on Bot {
                  handle
                }
                ... on Member {
                  handle__shape_1: handle
                }
              }
            }
          },
        }
        """
    )
    assert _renames(query) == [[(("contacts", "... on Member", "handle__shape_1"), "handle")]]


def test_entity_fetch_renames_under_its_type_condition() -> None:
    query = "{ members { contacts { ... on Bot { handle } ... on Member { handle } } } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "directory") {
              {
                members {
                  __typename
                  handle
                }
              }
            },
            Flatten(path: "members.@") {
              Fetch(service: "social") {
                {
                  ... on Member {
                    __typename
                    handle
                  }
                } =>
                {
                  ... on Member {
                    contacts {
                      __typename
                      ... on Bot {
                        handle
                      }
                      ... on Member {
                        handle__shape_1: handle
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
    path = ("... on Member", "contacts", "... on Member", "handle__shape_1")
    assert _renames(query) == [[], [(path, "handle")]]


def test_nested_lists_and_client_aliases() -> None:
    query = (
        "{ members { contacts { ... on Member { contacts"
        " { ... on Bot { h: handle } ... on Member { h: handle } } } } } }"
    )
    inner = ("... on Member", "contacts", "... on Member", "contacts", "... on Member")
    assert _renames(query) == [[], [((*inner, "h__shape_1"), "h")]]


def test_same_field_twice_under_two_aliases() -> None:
    query = (
        "{ members { contacts { ... on Bot { a: handle b: handle }"
        " ... on Member { b: handle a: handle } } } }"
    )
    (_, entity) = _fetches(plan_json(FIXTURE, query)["node"])
    assert "...on Member{b__shape_2:handle a__shape_3:handle}" in entity["operation"]
    at = ("... on Member", "contacts", "... on Member")
    assert _renames(query) == [[], [((*at, "b__shape_2"), "b"), ((*at, "a__shape_3"), "a")]]


def test_requires_input_is_renamed_back_and_read_under_its_name() -> None:
    query = "{ members { handle reach } }"
    assert plan_text(FIXTURE, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "directory") {
              {
                members {
                  handle
                  __typename
                }
              }
            },
            Flatten(path: "members.@") {
              Fetch(service: "social") {
                {
                  ... on Member {
                    __typename
                    handle
                  }
                } =>
                {
                  ... on Member {
                    contacts {
                      __typename
                      ... on Bot {
                        handle
                      }
                      ... on Member {
                        handle__shape_1: handle
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "members.@") {
              Fetch(service: "ranking") {
                {
                  ... on Member {
                    __typename
                    handle
                    contacts {
                      __typename
                      ... on Bot {
                        handle
                      }
                      ... on Member {
                        handle
                      }
                    }
                  }
                } =>
                {
                  ... on Member {
                    reach
                  }
                }
              },
            },
          },
        }
        """
    )
    path = ("... on Member", "contacts", "... on Member", "handle__shape_1")
    assert _renames(query) == [[], [(path, "handle")], []]


def test_key_beside_a_client_alias_of_its_name_gets_a_key_of_its_own() -> None:
    # Whichever comes first: the key never takes the client's response key.
    for query in (
        "{ contacts { ... on Member { reach handle: nickname } } }",
        "{ contacts { ... on Member { handle: nickname reach } } }",
    ):
        root, ranking = _fetches(plan_json(FIXTURE, query)["node"])
        assert "handle:nickname" in root["operation"]
        assert "handle__planner:handle" in root["operation"]
        (representation,) = ranking["requires"]
        assert {"kind": "Field", "name": "handle", "alias": "handle__planner"} in representation[
            "selections"
        ]
        renamed = {key for path, key in _renames(query)[0]}
        assert renamed == {"handle"}  # only the contacts' shape alias, not the key


def test_requires_input_beside_a_client_alias_of_its_name() -> None:
    query = "{ members { reach contacts: nickname } }"
    _, social, ranking = _fetches(plan_json(FIXTURE, query)["node"])
    assert "contacts__planner:contacts{" in social["operation"]
    assert "contacts:nickname" in social["operation"]
    (representation,) = ranking["requires"]
    fields = {s.get("alias") or s["name"] for s in representation["selections"]}
    assert "contacts__planner" in fields


def test_the_same_client_key_of_the_same_field_is_shared() -> None:
    # `handle` is the client's and the key's: one field, no key of the planner's own.
    root, _ = _fetches(
        plan_json(FIXTURE, "{ contacts { ... on Member { handle reach } } }")["node"]
    )
    assert "__planner" not in root["operation"]


def test_two_fetches_aliasing_apart_in_another_order_conflict() -> None:
    # Merged, they would select `handle` as ID! and as ID: merge.py keeps them apart.
    member_first, bot_first = SelectionSet(), SelectionSet()
    for selection, order in ((member_first, ("Member", "Bot")), (bot_first, ("Bot", "Member"))):
        for type_name, alias in zip(order, (None, "handle__shape_1"), strict=True):
            item, _ = selection.add_fragment(type_name).sub.add_field(
                "handle", alias, (), (), False, internal=False
            )
            item.shape = "ID!" if type_name == "Member" else "ID"
    assert not shape_conflict(member_first, member_first)
    assert shape_conflict(member_first, bot_first)


def test_an_alias_without_its_rename_fails_planning() -> None:
    group = FetchGroup(id=0, service="social", is_entity=False, path=(), parent=None)
    item, _ = group.selection.add_fragment("Member").sub.add_field(
        "handle", "handle__shape_1", (), (), False, internal=False
    )
    item.own_key = "handle"
    with pytest.raises(PlanningError, match="handle__shape_1"):
        check_restored(group)
    group.output_rewrites.append(
        KeyRenamer(path=("... on Member", "handle__shape_1"), rename_key_to="handle")
    )
    check_restored(group)
