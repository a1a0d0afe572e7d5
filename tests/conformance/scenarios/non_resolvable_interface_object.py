"""@interfaceObject types whose key is not resolvable, and interfaces with no object type.

`Node` is an entity interface in catalog that no object type implements
anywhere, and a non-resolvable @interfaceObject in notes: nobody can say
which object a Node is. `Media` has object types (catalog), and notes knows it
only as a non-resolvable @interfaceObject (so with no field of its own:
nothing could fetch it for a Song); `Clip` is the reverse, an interface
in notes and a non-resolvable @interfaceObject in catalog.
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])\n'

MEDIA: dict[str, dict[str, Any]] = {
    "m1": {"__typename": "Song", "id": "m1", "title": "Blue", "artist": "Joni"},
    "m2": {"__typename": "Film", "id": "m2", "title": "Heat", "minutes": 170},
}


def _never(_rep: dict[str, Any]) -> Any:
    raise ValueError("not resolvable here: an interface without object types")


catalog = Subgraph(
    name="catalog",
    sdl=LINK
    + """
interface Node @key(fields: "id") {
  id: ID!
}
interface Media @key(fields: "id") {
  id: ID!
  title: String!
}
type Song implements Media @key(fields: "id") {
  id: ID!
  title: String!
  artist: String!
}
type Film implements Media @key(fields: "id") {
  id: ID!
  title: String!
  minutes: Int!
}
type Clip @key(fields: "id", resolvable: false) @interfaceObject {
  id: ID!
}
type Query {
  node: Node
  clip: Clip!
}
""",
    resolvers={
        "Query": {
            "node": lambda _o, _i: {"__typename": "Node", "id": "n1"},
            "clip": lambda _o, _i: {"__typename": "Clip", "id": "c1"},
        }
    },
    references={
        "Node": _never,
        "Media": lambda rep: MEDIA.get(rep["id"]),
        "Song": lambda rep: MEDIA.get(rep["id"]),
        "Film": lambda rep: MEDIA.get(rep["id"]),
    },
)

CLIPS: dict[str, dict[str, Any]] = {
    "c1": {"__typename": "Trailer", "id": "c1", "seconds": 90},
}

notes = Subgraph(
    name="notes",
    sdl=LINK
    + """
type Node @key(fields: "id", resolvable: false) @interfaceObject {
  id: ID!
  text: String
}
type Media @key(fields: "id", resolvable: false) @interfaceObject {
  id: ID!
}
interface Clip @key(fields: "id") {
  id: ID!
}
type Trailer implements Clip @key(fields: "id") {
  id: ID!
  seconds: Int!
}
type Query {
  pinned: Node
  pins: [Node!]!
  featured: Media
}
""",
    resolvers={
        "Query": {
            "pinned": lambda _o, _i: {"__typename": "Node", "id": "n1"},
            "pins": lambda _o, _i: [
                {"__typename": "Node", "id": "n1"},
                {"__typename": "Node", "id": "n2"},
            ],
            "featured": lambda _o, _i: {"__typename": "Media", "id": "m2"},
        },
        "Node": {"text": lambda obj, _i: f"note on {obj['id']}"},
    },
    references={
        "Node": _never,
        "Clip": lambda rep: CLIPS.get(rep["id"]),
        "Trailer": lambda rep: CLIPS.get(rep["id"]),
    },
)

PINNED = {"text": "note on n1", "id": "n1"}
PINS = [PINNED, {"text": "note on n2", "id": "n2"}]

# Apollo Gateway 2.14 refuses to plan these ("Cannot add fragment of condition
# "Node" (runtimes: []) to parent type "_Entity""): a request error for a valid
# operation. Only the `__typename` of a Node cannot be answered, so only that
# object is an error, and it is null.
APOLLO_PLAN_FAILS = (
    "Apollo Gateway 2.14 fails the whole request when `__typename` of an interface "
    "without object types is selected; only that field's object is in error"
)

OPERATIONS = (
    Operation(
        name="interface-object-fields",
        query="{ pinned { id text } }",
        data={"pinned": {"id": "n1", "text": "note on n1"}},
        requests={"notes": 1, "catalog": 0},
    ),
    Operation(
        name="type-condition-on-the-interface-itself",
        query="{ pinned { text ... on Node { id } } }",
        data={"pinned": PINNED},
        requests={"notes": 1, "catalog": 0},
    ),
    Operation(
        name="type-condition-on-the-interface-itself-in-a-list",
        query="{ pins { text ... on Node { id } } }",
        data={"pins": PINS},
    ),
    Operation(
        name="type-condition-on-the-interface-itself-alone",
        query="{ pinned { ... on Node { id } } }",
        data={"pinned": {"id": "n1"}},
        requests={"notes": 1, "catalog": 0},
    ),
    Operation(
        name="named-fragment-on-the-interface-itself",
        query="query { pinned { ...Pin } pins { text ...Pin } } fragment Pin on Node { id }",
        data={"pinned": {"id": "n1"}, "pins": PINS},
        requests={"notes": 1, "catalog": 0},
    ),
    Operation(
        name="conditional-type-condition-on-the-interface-itself",
        query="query($a: Boolean!) { pins { text ... on Node @include(if: $a) { id } } }",
        variables={"a": True},
        data={"pins": PINS},
    ),
    Operation(
        name="typename-of-an-interface-without-object-types",
        query="{ pinned { t: __typename text } }",
        data={"pinned": None},
        errors=(ExpectedError(("pinned",)),),
        requests={"notes": 1, "catalog": 0},
        apollo=APOLLO_PLAN_FAILS,
        apollo_data=None,
        apollo_errors=(ExpectedError(None),),
    ),
    Operation(
        name="typename-of-interfaces-without-object-types-in-a-non-null-list",
        query="{ pins { __typename id } }",
        data=None,
        errors=(ExpectedError(("pins", 0)),),
        apollo=APOLLO_PLAN_FAILS,
        apollo_data=None,
        apollo_errors=(ExpectedError(None),),
    ),
    Operation(
        name="field-no-subgraph-can-fetch",
        query="{ node { text } }",
        data=None,
        errors=(ExpectedError(None, "QUERY_PLANNING_FAILED"),),
        # A request error (200 for application/json): the operation asks what this
        # supergraph cannot serve there, which no retry changes; never a 500.
        status=200,
        apollo=(
            "Apollo Gateway 2.14 plans no fetch for `text` (only notes has it, on a "
            "non-resolvable @interfaceObject) and answers node: null without an error"
        ),
        apollo_data={"node": None},
        apollo_errors=(),
    ),
    Operation(
        name="conditional-fragment-beside-a-field-no-subgraph-can-fetch",
        # `id` can be asked of catalog, whose node can only be null (no object type
        # implements Node there): `text` is never evaluated, whatever `$v` is, and
        # the answer is catalog's (its error for a Node it cannot type).
        query="query($v: Boolean!) { node { text ... @skip(if: $v) { id } } }",
        variables={"v": True},
        data={"node": None},
        errors=(ExpectedError(("node",)),),
        requests={"catalog": 1, "notes": 0},
    ),
    Operation(
        name="skipped-field-no-subgraph-can-fetch",
        # `text` is skipped, so never evaluated: `node` is, and catalog fails it (no
        # object type implements Node).
        query="{ node { text @skip(if: true) } }",
        data={"node": None},
        errors=(ExpectedError(("node",)),),
        requests={"catalog": 1, "notes": 0},
        apollo=(
            "Apollo Gateway 2.14 plans no fetch for `node`, whose only field `text` no "
            "subgraph can fetch (skipped), and answers node: null without the error "
            "catalog gives for it"
        ),
        apollo_data={"node": None},
        apollo_errors=(),
    ),
    Operation(
        name="typename-through-a-non-resolvable-interface-object",
        query="{ featured { t: __typename ... on Film { minutes } } }",
        data={"featured": {"t": "Film", "minutes": 170}},
    ),
    Operation(
        name="fields-of-the-interface-through-a-non-resolvable-interface-object",
        query="{ featured { id title } }",
        data={"featured": {"id": "m2", "title": "Heat"}},
    ),
    Operation(
        name="type-condition-with-fields-the-interface-object-has",
        query="{ clip { id ... on Trailer { __typename a1: id } } }",
        data={"clip": {"id": "c1", "__typename": "Trailer", "a1": "c1"}},
        apollo=(
            "Apollo Gateway 2.14 drops the `... on Trailer` selection of a Clip from "
            "catalog, where Clip is a non-resolvable @interfaceObject (c1 is a Trailer)"
        ),
        apollo_data={"clip": {"id": "c1"}},
    ),
    Operation(
        name="type-condition-whose-fields-are-all-skipped",
        query="query($v: Boolean!) { clip { id ... on Trailer { seconds @include(if: $v) } } }",
        variables={"v": False},
        data={"clip": {"id": "c1"}},
        # The lookup of the object type serves only the fragment: it is skipped with it.
        requests={"catalog": 1, "notes": 0},
    ),
    Operation(
        name="typename-from-the-subgraph-with-the-interface",
        query="{ clip { t: __typename id ... on Trailer { seconds } } }",
        data={"clip": {"t": "Trailer", "id": "c1", "seconds": 90}},
    ),
)

SCENARIO = Scenario(
    name="non_resolvable_interface_object",
    description=(
        "non-resolvable @interfaceObject types: Node (no object type anywhere), Media "
        "(object types in catalog), Clip (object types in notes)"
    ),
    subgraphs=(catalog, notes),
    # `node` fails in catalog on purpose. Generated operations select
    # `__typename` anywhere, and on a Node Apollo Gateway fails the request
    # (typename-of-an-interface-without-object-types): they stay off Nodes.
    generator_avoid=frozenset({"Query.node", "Query.pinned", "Query.pins"}),
    apollo_wrong_generated=dict.fromkeys(
        (26, 29),
        "a type condition on a Clip from catalog: see "
        "type-condition-with-fields-the-interface-object-has",
    ),
    # Their correct data, worked out from the data above (c1 is a Trailer).
    apollo_wrong_generated_data={
        26: {
            "clip": {"id": "c1", "__typename": "Trailer", "a1": "c1"},
            "a3": {"__typename": "Film", "a4": "m2", "minutes": 170, "title": "Heat"},
        },
        29: {
            "__typename": "Query",
            "a1": {"a2": "c1", "__typename": "Trailer", "seconds": 90},
            "a3": {"id": "m2", "__typename": "Film", "minutes": 170},
        },
    },
    operations=OPERATIONS,
)
