"""Same-named fields of different nullability in sibling type conditions (internal aliases).

`Member.handle` is `ID!` in social and `ID` in directory; `Bot.handle` is `ID`. The
supergraph merges both to `ID`, so a client may select `... on Bot { handle }
... on Member { handle }`; the subgraph may not (its fields differ in shape), so
the planner aliases one of them (`handle__shape_1: handle`) and maps the answer back
to the client's key. Every variant here must come back under the client's key:
root and entity fetches, nested lists, client aliases (also the same field twice),
named fragments, a `@requires` input that selects such a pair, and the key field
itself.

The planner's own fields (the key `handle`, the `@requires` input `contacts`) also
keep clear of a client response key holding another field there (`handle:
nickname`, `contacts: nickname`): they get a key of their own in the merged data,
so neither the client's value nor the representation is overwritten. Apollo
Gateway gets those wrong (the key's value replaces the client's alias; the
client's value is sent as the required input).
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires"])\n'

MEMBERS: list[dict[str, Any]] = [
    {"__typename": "Member", "handle": "ada", "nickname": "A"},
    {"__typename": "Member", "handle": "bob", "nickname": None},
]
BOTS: list[dict[str, Any]] = [
    {"__typename": "Bot", "handle": "helper", "nickname": "H"},
    {"__typename": "Bot", "handle": None, "nickname": "anon"},
]
CONTACTS: dict[str | None, list[dict[str, Any]]] = {
    "ada": [MEMBERS[1], BOTS[0]],
    "bob": [BOTS[1], MEMBERS[0]],
    "helper": [MEMBERS[0]],
    None: [],
}

directory = Subgraph(
    name="directory",
    sdl=LINK
    + """
type Member {
  handle: ID @shareable
}
type Query {
  members: [Member!]!
}
""",
    resolvers={"Query": {"members": lambda _o, _i: [{"handle": m["handle"]} for m in MEMBERS]}},
)

social = Subgraph(
    name="social",
    sdl=LINK
    + """
union Contact = Member | Bot
type Member @key(fields: "handle") {
  handle: ID!
  nickname: String
  contacts: [Contact!]!
}
type Bot {
  handle: ID
  nickname: String @shareable
  contacts: [Contact!]!
}
type Query {
  contacts: [Contact!]!
}
""",
    resolvers={
        "Query": {"contacts": lambda _o, _i: [*MEMBERS, *BOTS]},
        "Member": {"contacts": lambda obj, _i: CONTACTS[obj["handle"]]},
        "Bot": {"contacts": lambda obj, _i: CONTACTS[obj["handle"]]},
    },
    references={"Member": by_key(MEMBERS, "handle")},
)


def _reach(obj: dict[str, Any]) -> str:
    """What ranking computes from the required contacts: their handles, in order."""
    return ",".join(str(c.get("handle")) for c in obj["contacts"])


ranking = Subgraph(
    name="ranking",
    sdl=LINK
    + """
union Contact = Member | Bot
type Member @key(fields: "handle") {
  handle: ID!
  contacts: [Contact!]! @external
  reach: String! @requires(fields: "contacts { ... on Bot { handle } ... on Member { handle } }")
}
type Bot {
  handle: ID @external
}
""",
    resolvers={"Member": {"reach": lambda obj, _i: _reach(obj)}},
)

_KEY_OVER_ALIAS = (
    "Apollo selects the key `handle` and the client's `handle: nickname` under one "
    "response key: the key's value replaces the client's nickname"
)
_INPUT_FROM_ALIAS = (
    "Apollo reads the @requires input `contacts` from the client's `contacts: nickname` "
    "(a string): ranking fails on the second member, whose nickname is null"
)

ADA_CONTACTS = [{"handle": "bob"}, {"handle": "helper"}]
BOB_CONTACTS = [{"handle": None}, {"handle": "ada"}]

SCENARIO = Scenario(
    name="shape_aliases",
    description="handle: ID! on Member and ID on Bot in sibling type conditions: internal aliases mapped back",
    subgraphs=(directory, social, ranking),
    generated=30,
    operations=(
        Operation(
            name="root-fetch",
            query="{ contacts { ... on Bot { handle } ... on Member { handle } } }",
            data={
                "contacts": [
                    {"handle": "ada"},
                    {"handle": "bob"},
                    {"handle": "helper"},
                    {"handle": None},
                ]
            },
        ),
        Operation(
            name="entity-fetch",
            query="{ members { contacts { ... on Bot { handle } ... on Member { handle } } } }",
            data={"members": [{"contacts": ADA_CONTACTS}, {"contacts": BOB_CONTACTS}]},
        ),
        Operation(
            name="member-first",
            query="{ members { contacts { ... on Member { handle } ... on Bot { handle } } } }",
            data={"members": [{"contacts": ADA_CONTACTS}, {"contacts": BOB_CONTACTS}]},
        ),
        Operation(
            name="client-alias",
            query="{ members { contacts { ... on Bot { h: handle } ... on Member { h: handle } } } }",
            data={
                "members": [
                    {"contacts": [{"h": "bob"}, {"h": "helper"}]},
                    {"contacts": [{"h": None}, {"h": "ada"}]},
                ]
            },
        ),
        Operation(
            name="same-field-twice-under-two-aliases",
            query=(
                "{ members { contacts { ... on Bot { a: handle b: handle nickname }"
                " ... on Member { b: handle a: handle nickname } } } }"
            ),
            data={
                "members": [
                    {
                        "contacts": [
                            {"b": "bob", "a": "bob", "nickname": None},
                            {"a": "helper", "b": "helper", "nickname": "H"},
                        ]
                    },
                    {
                        "contacts": [
                            {"a": None, "b": None, "nickname": "anon"},
                            {"b": "ada", "a": "ada", "nickname": "A"},
                        ]
                    },
                ]
            },
        ),
        Operation(
            name="aliased-and-unaliased",
            query=(
                "{ members { handle contacts { ... on Bot { handle h: handle }"
                " ... on Member { h: handle handle } } } }"
            ),
            data={
                "members": [
                    {
                        "handle": "ada",
                        "contacts": [
                            {"h": "bob", "handle": "bob"},
                            {"handle": "helper", "h": "helper"},
                        ],
                    },
                    {
                        "handle": "bob",
                        "contacts": [
                            {"handle": None, "h": None},
                            {"h": "ada", "handle": "ada"},
                        ],
                    },
                ]
            },
        ),
        Operation(
            name="nested-lists",
            query=(
                "{ members { contacts { __typename"
                " ... on Member { contacts { ... on Bot { handle } ... on Member { handle } } }"
                " ... on Bot { contacts { ... on Member { handle } ... on Bot { handle } } } } } }"
            ),
            data={
                "members": [
                    {
                        "contacts": [
                            {"__typename": "Member", "contacts": BOB_CONTACTS},
                            {"__typename": "Bot", "contacts": [{"handle": "ada"}]},
                        ]
                    },
                    {
                        "contacts": [
                            {"__typename": "Bot", "contacts": []},
                            {"__typename": "Member", "contacts": ADA_CONTACTS},
                        ]
                    },
                ]
            },
        ),
        Operation(
            name="named-fragments-under-parent-aliases",
            query=(
                "{ people: members { friends: contacts { ...OnBot ...OnMember } } }"
                " fragment OnBot on Bot { id: handle } fragment OnMember on Member { id: handle }"
            ),
            data={
                "people": [
                    {"friends": [{"id": "bob"}, {"id": "helper"}]},
                    {"friends": [{"id": None}, {"id": "ada"}]},
                ]
            },
        ),
        Operation(
            name="requires-input",
            query="{ members { handle reach } }",
            data={
                "members": [
                    {"handle": "ada", "reach": "bob,helper"},
                    {"handle": "bob", "reach": "None,ada"},
                ]
            },
        ),
        Operation(
            name="key-beside-a-client-alias-of-its-name",
            query="{ contacts { ... on Member { reach handle: nickname } } }",
            data={
                "contacts": [
                    {"reach": "bob,helper", "handle": "A"},
                    {"reach": "None,ada", "handle": None},
                    {},
                    {},
                ]
            },
            apollo=_KEY_OVER_ALIAS,
            apollo_data={
                "contacts": [
                    {"reach": "bob,helper", "handle": "ada"},
                    {"reach": "None,ada", "handle": "bob"},
                    {},
                    {},
                ]
            },
        ),
        Operation(
            name="client-alias-of-the-key-name-first",
            query="{ contacts { ... on Member { handle: nickname reach } } }",
            data={
                "contacts": [
                    {"handle": "A", "reach": "bob,helper"},
                    {"handle": None, "reach": "None,ada"},
                    {},
                    {},
                ]
            },
            apollo=_KEY_OVER_ALIAS,
            apollo_data={
                "contacts": [
                    {"handle": "ada", "reach": "bob,helper"},
                    {"handle": "bob", "reach": "None,ada"},
                    {},
                    {},
                ]
            },
        ),
        Operation(
            name="key-in-an-entity-fetch-beside-a-client-alias",
            query="{ members { reach handle: nickname } }",
            data={
                "members": [
                    {"reach": "bob,helper", "handle": "A"},
                    {"reach": "None,ada", "handle": None},
                ]
            },
        ),
        Operation(
            name="requires-input-beside-a-client-alias-of-its-name",
            query="{ members { reach contacts: nickname } }",
            data={
                "members": [
                    {"reach": "bob,helper", "contacts": "A"},
                    {"reach": "None,ada", "contacts": None},
                ]
            },
            apollo=_INPUT_FROM_ALIAS,
            apollo_data=None,
            apollo_errors=(ExpectedError(("members", 1, "reach")),),
        ),
        Operation(
            name="client-alias-of-a-requires-input-name-first",
            query="{ members { contacts: nickname reach } }",
            data={
                "members": [
                    {"contacts": "A", "reach": "bob,helper"},
                    {"contacts": None, "reach": "None,ada"},
                ]
            },
            apollo=_INPUT_FROM_ALIAS,
            apollo_data=None,
            apollo_errors=(ExpectedError(("members", 1, "reach")),),
        ),
        Operation(
            name="requires-input-beside-the-client-selection",
            query=(
                "{ contacts { ... on Member { reach contacts { ... on Member { handle }"
                " ... on Bot { handle } } } } }"
            ),
            data={
                "contacts": [
                    {"reach": "bob,helper", "contacts": ADA_CONTACTS},
                    {"reach": "None,ada", "contacts": BOB_CONTACTS},
                    {},
                    {},
                ]
            },
        ),
    ),
)
