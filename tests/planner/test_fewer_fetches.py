"""Plans that fetch less where our estimates used to cost a fetch too many."""

from __future__ import annotations

from graphql import parse

from supergraph.planner import build_query_plan
from supergraph.planner.groups import FetchGroup
from supergraph.planner.optimize import merge_siblings
from supergraph.planner.render import plan_to_text
from supergraph.schema import load_supergraph
from tests.planner.support import JOIN_V03_PREAMBLE, expected

# `featured` is in "catalog" and, with `title` provided, in "edge"; `weight`
# only in "details". Asked of "catalog" (already queried for `count`), one
# entity fetch to "details" gives both fields; the estimate counted one jump
# per field, and split the root field across "catalog" and "edge".
_SPLIT = """
enum join__Graph {
  CATALOG @join__graph(name: "catalog", url: "http://catalog")
  DETAILS @join__graph(name: "details", url: "http://details")
  EDGE @join__graph(name: "edge", url: "http://edge")
}

type Item
  @join__type(graph: CATALOG, key: "id")
  @join__type(graph: DETAILS, key: "id")
  @join__type(graph: EDGE, key: "id")
{
  id: ID!
  title: String @join__field(graph: DETAILS) @join__field(graph: EDGE, external: true)
  weight: Int @join__field(graph: DETAILS)
}

type Query
  @join__type(graph: CATALOG)
  @join__type(graph: DETAILS)
  @join__type(graph: EDGE)
{
  featured: Item @join__field(graph: CATALOG) @join__field(graph: EDGE, provides: "title")
  count: Int @join__field(graph: CATALOG)
}
"""

# `Book.similar` narrows `Similar.similar: [Product]` to `[Book]`: a
# `... on Magazine` selected through `Similar` never applies under a Book.
_NARROW = """
enum join__Graph {
  EXTRA @join__graph(name: "extra", url: "http://extra")
  SHOP @join__graph(name: "shop", url: "http://shop")
}

interface Product
  @join__type(graph: SHOP)
{
  id: ID!
}

interface Similar
  @join__type(graph: SHOP)
{
  similar: [Product]
}

type Book implements Product & Similar
  @join__implements(graph: SHOP, interface: "Product")
  @join__implements(graph: SHOP, interface: "Similar")
  @join__type(graph: SHOP, key: "id")
{
  id: ID!
  similar: [Book]
}

type Magazine implements Product
  @join__implements(graph: SHOP, interface: "Product")
  @join__type(graph: EXTRA, key: "id")
  @join__type(graph: SHOP, key: "id")
{
  id: ID!
  issue: Int @join__field(graph: EXTRA)
}

type Query
  @join__type(graph: EXTRA)
  @join__type(graph: SHOP)
{
  books: [Book] @join__field(graph: SHOP)
}
"""


# `first` is in "alpha" and "beta", `tag` only in "beta", `chosen` only in
# "beta" (whose key needs `code` from "alpha"). Planned after `chosen`,
# `first` goes whole into the "beta" fetch at `shelf`; planned first, it went
# to "alpha" and needed one more fetch for `tag`.
_DEEP = """
enum join__Graph {
  ALPHA @join__graph(name: "alpha", url: "http://alpha")
  BETA @join__graph(name: "beta", url: "http://beta")
  ROOT @join__graph(name: "root", url: "http://root")
}

type Shelf
  @join__type(graph: ALPHA, key: "id")
  @join__type(graph: BETA, key: "id code")
  @join__type(graph: ROOT, key: "id")
{
  id: ID!
  code: String @join__field(graph: ALPHA) @join__field(graph: BETA)
  first: Item @join__field(graph: ALPHA) @join__field(graph: BETA)
  chosen: Item @join__field(graph: BETA)
}

type Item
  @join__type(graph: ALPHA, key: "id")
  @join__type(graph: BETA, key: "id")
{
  id: ID!
  tag: String @join__field(graph: BETA)
}

type Query
  @join__type(graph: ALPHA)
  @join__type(graph: BETA)
  @join__type(graph: ROOT)
{
  shelf: Shelf @join__field(graph: ROOT)
}
"""


# `box` is in "home" and "other", `color` only in "other": the part of the
# conditional fragment "home" lacks goes into the "other" fetch opened for
# `label`, the rest stays (before, the whole fragment made one more fetch).
_FRAGMENT = """
enum join__Graph {
  HOME @join__graph(name: "home", url: "http://home")
  OTHER @join__graph(name: "other", url: "http://other")
}

type Parcel
  @join__type(graph: HOME, key: "id")
  @join__type(graph: OTHER, key: "id")
{
  id: ID!
  label: String @join__field(graph: OTHER)
  box: Box @join__field(graph: HOME) @join__field(graph: OTHER)
}

type Box
  @join__type(graph: HOME, key: "id")
  @join__type(graph: OTHER, key: "id")
{
  id: ID!
  size: Int @join__field(graph: HOME)
  color: String @join__field(graph: OTHER)
}

type Query
  @join__type(graph: HOME)
  @join__type(graph: OTHER)
{
  parcel: Parcel @join__field(graph: HOME)
}
"""


def _plan(sdl: str, query: str) -> str:
    return plan_to_text(
        build_query_plan(load_supergraph(JOIN_V03_PREAMBLE + sdl), parse(query), None)
    )


def test_shared_root_field_stays_whole_when_that_saves_a_fetch() -> None:
    assert _plan(_SPLIT, "{ count featured { title weight } }") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "catalog") {
              {
                count
                featured {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "featured") {
              Fetch(service: "details") {
                {
                  ... on Item {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Item {
                    title
                    weight
                  }
                }
              },
            },
          },
        }
        """
    )


def test_shared_root_field_split_when_no_fetch_more() -> None:
    # Without `count`, "edge" for `title` and "catalog" for the rest are
    # two fetches in parallel, as many as one subgraph and a jump.
    plan = _plan(_SPLIT, "{ featured { title weight } }")
    assert plan.count("Fetch(") == 2
    assert 'Fetch(service: "edge")' in plan


def test_type_condition_under_a_narrowed_field_type_is_left_out() -> None:
    query = "{ books { ... on Similar { similar { id ... on Magazine { issue } } } } }"
    assert _plan(_NARROW, query) == expected(
        """
        QueryPlan {
          Fetch(service: "shop") {
            {
              books {
                similar {
                  __typename
                  id
                }
              }
            }
          },
        }
        """
    )


def _entity_group(
    group_id: int, conditions: tuple[tuple[str, bool], ...], field: str
) -> FetchGroup:
    group = FetchGroup(id=group_id, service="more", is_entity=True, path=("things", "@"), parent=0)
    group.deps = {0}
    group.conditions = conditions
    inner = group.selection.add_fragment("Thing").sub
    inner.add_field(field, None, (), (), False, False)
    representation = group.requires.add_fragment("Thing").sub
    for key in ("__typename", "id"):
        representation.add_field(key, None, (), (), False, True)
    return group


def test_fetches_under_unrelated_conditions_merge_with_equal_representations() -> None:
    root = FetchGroup(id=0, service="home", is_entity=False, path=(), parent=None)
    a = _entity_group(1, (("x", True),), "a")
    b = _entity_group(2, (("y", False),), "b")
    merged = merge_siblings([root, a, b])
    assert [g.id for g in merged] == [0, 1]
    assert merged[1].conditions == ()
    assert merged[1].selection.print() == (
        "{...on Thing@include(if:$x){a} ...on Thing@skip(if:$y){b}}"
    )


def test_fetches_under_unrelated_conditions_keep_apart_when_representations_differ() -> None:
    root = FetchGroup(id=0, service="home", is_entity=False, path=(), parent=None)
    a = _entity_group(1, (("x", True),), "a")
    b = _entity_group(2, (("y", False),), "b")
    b.requires.add_fragment("Thing").sub.add_field("w", None, (), (), False, True)
    assert [g.id for g in merge_siblings([root, a, b])] == [0, 1, 2]


def test_field_whose_subtree_needs_jumps_uses_a_fetch_its_siblings_open() -> None:
    assert _plan(_DEEP, "{ shelf { first { id tag } chosen { id } } }") == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "root") {
              {
                shelf {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "shelf") {
              Fetch(service: "alpha") {
                {
                  ... on Shelf {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Shelf {
                    code
                  }
                }
              },
            },
            Flatten(path: "shelf") {
              Fetch(service: "beta") {
                {
                  ... on Shelf {
                    __typename
                    id
                    code
                  }
                } =>
                {
                  ... on Shelf {
                    chosen {
                      id
                    }
                    first {
                      id
                      tag
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_fragment_split_between_the_subgraph_and_a_sibling_fetch() -> None:
    query = "query($v: Boolean!) { parcel { label box { size ... @skip(if: $v) { size color } } } }"
    assert _plan(_FRAGMENT, query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "home") {
              query ($v: Boolean!) {
                parcel {
                  __typename
                  id
                  box {
                    size
                    ... @skip(if: $v) {
                      size
                    }
                  }
                }
              }
            },
            Flatten(path: "parcel") {
              Fetch(service: "other") {
                {
                  ... on Parcel {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Parcel {
                    label
                    box {
                      ... @skip(if: $v) {
                        color
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
