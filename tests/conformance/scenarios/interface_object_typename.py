"""`__typename` of objects reached through an @interfaceObject, under any alias.

An @interfaceObject subgraph knows only the interface: its `__typename` is the
interface's name, which is never the answer (the spec wants the object type).
The router asks a subgraph with the real interface, and when that lookup
fails the `__typename` cannot be determined: a field error, and the null
propagates like any other.
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, SubgraphError

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject", "@shareable"])\n'

# a3's `isMain` fails in `members`; a9 is unknown there (its lookup answers null).
MEMBERS: dict[str, dict[str, Any]] = {
    "a1": {"__typename": "Admin", "id": "a1", "name": "Ada", "isMain": True},
    "a2": {"__typename": "Regular", "id": "a2", "name": "Bob", "level": 2},
    "a3": {"__typename": "Admin", "id": "a3", "name": "Cy", "isMain": None},
}


def _is_main(obj: dict[str, Any], _info: Any) -> bool:
    value = MEMBERS[obj["id"]]["isMain"]
    if value is None:
        raise SubgraphError("isMain is unknown for a3")
    return bool(value)


members = Subgraph(
    name="members",
    sdl=LINK
    + """
interface Account @key(fields: "id") {
  id: ID!
  name: String!
}
type Admin implements Account @key(fields: "id") {
  id: ID!
  name: String!
  isMain: Boolean!
}
type Regular implements Account @key(fields: "id") {
  id: ID!
  name: String!
  level: Int!
}
type Query {
  admins: [Admin!]!
}
""",
    resolvers={
        "Query": {"admins": lambda _o, _i: [m for m in MEMBERS.values() if m["id"] == "a1"]},
        "Admin": {"isMain": _is_main},
    },
    references={
        "Account": lambda rep: MEMBERS.get(rep["id"]),
        "Admin": lambda rep: MEMBERS.get(rep["id"]),
        "Regular": lambda rep: MEMBERS.get(rep["id"]),
    },
)

BALANCES = {"a1": 10, "a2": 20, "a3": 30, "a9": 90}
REFERRERS = {"a1": "a2", "a2": "a1", "a3": None, "a9": "a1"}


def _account(id: str | None) -> dict[str, Any] | None:
    return None if id is None else {"__typename": "Account", "id": id}


billing = Subgraph(
    name="billing",
    sdl=LINK
    + """
type Account @key(fields: "id") @interfaceObject {
  id: ID!
  balance: Int!
  referrer: Account
}
type Query {
  accounts: [Account!]! @shareable
  ledger: [Account]
  account(id: ID!): Account
}
""",
    resolvers={
        "Query": {
            "accounts": lambda _o, _i: [_account("a1"), _account("a2")],
            "ledger": lambda _o, _i: [_account("a1"), _account("a3"), _account("a9")],
            "account": lambda _o, _i, id: _account(id) if id in BALANCES else None,
        },
        "Account": {
            "balance": lambda obj, _i: BALANCES[obj["id"]],
            "referrer": lambda obj, _i: _account(REFERRERS[obj["id"]]),
        },
    },
)

TICKETS = {"a1": 1, "a2": 2, "a3": 3, "a9": 9}

support = Subgraph(
    name="support",
    sdl=LINK
    + """
type Account @key(fields: "id") @interfaceObject {
  id: ID!
  tickets: Int!
}
type Query {
  accounts: [Account!]! @shareable
  newest: Account
}
""",
    resolvers={
        "Query": {
            "accounts": lambda _o, _i: [_account("a1"), _account("a2")],
            "newest": lambda _o, _i: _account("a2"),
        },
        "Account": {"tickets": lambda obj, _i: TICKETS[obj["id"]]},
    },
)

ADMIN_A1 = {"id": "a1", "t": "Admin"}
REGULAR_A2 = {"id": "a2", "t": "Regular"}

# Apollo Gateway 2.14 nulls such an object without any error (the spec wants one
# for every null it produces).
APOLLO_SILENT_NULL = (
    "Apollo Gateway 2.14 nulls an object whose object type no subgraph resolved "
    "(selected `__typename`) without an error"
)

OPERATIONS = (
    Operation(
        name="aliased-typename",
        query="{ accounts { id t: __typename } }",
        data={"accounts": [ADMIN_A1, REGULAR_A2]},
        requests={"members": 1},
    ),
    Operation(
        name="aliased-typename-alone",
        query="{ accounts { t: __typename } }",
        data={"accounts": [{"t": "Admin"}, {"t": "Regular"}]},
    ),
    Operation(
        name="typename-and-its-aliases",
        query="{ accounts { __typename t: __typename u: __typename } }",
        data={
            "accounts": [
                {"__typename": "Admin", "t": "Admin", "u": "Admin"},
                {"__typename": "Regular", "t": "Regular", "u": "Regular"},
            ]
        },
        requests={"members": 1},
    ),
    Operation(
        name="aliased-typename-nested",
        query="{ accounts { balance referrer { referrer { t: __typename id } } } }",
        data={
            "accounts": [
                {"balance": 10, "referrer": {"referrer": {"t": "Admin", "id": "a1"}}},
                {"balance": 20, "referrer": {"referrer": {"t": "Regular", "id": "a2"}}},
            ]
        },
    ),
    Operation(
        name="aliased-typename-in-fragment-on-the-interface",
        query="{ accounts { ... on Account { id t: __typename } } }",
        data={"accounts": [ADMIN_A1, REGULAR_A2]},
    ),
    Operation(
        name="aliased-typename-in-named-fragments",
        query="""
        query { accounts { ...Kind } }
        fragment Kind on Account { kind: __typename ... on Admin { admin: __typename isMain } ...Plain }
        fragment Plain on Regular { plain: __typename level }
        """,
        data={
            "accounts": [
                {"kind": "Admin", "admin": "Admin", "isMain": True},
                {"kind": "Regular", "plain": "Regular", "level": 2},
            ]
        },
    ),
    Operation(
        name="aliased-typename-under-conditions",
        query=(
            "query($a: Boolean!, $b: Boolean!) { accounts { id"
            " ... @include(if: $a) { t: __typename } u: __typename @skip(if: $b) } }"
        ),
        variables={"a": True, "b": True},
        data={"accounts": [ADMIN_A1, REGULAR_A2]},
    ),
    Operation(
        name="aliased-typename-skipped",
        query=(
            "query($a: Boolean!, $b: Boolean!) { accounts { id"
            " ... @include(if: $a) { t: __typename } u: __typename @skip(if: $b) } }"
        ),
        variables={"a": False, "b": True},
        data={"accounts": [{"id": "a1"}, {"id": "a2"}]},
    ),
    Operation(
        name="aliased-typename-with-two-interface-objects",
        query="{ accounts { tickets balance t: __typename } }",
        data={
            "accounts": [
                {"tickets": 1, "balance": 10, "t": "Admin"},
                {"tickets": 2, "balance": 20, "t": "Regular"},
            ]
        },
    ),
    Operation(
        name="aliased-typename-at-a-root-of-the-second-interface-object",
        query="{ newest { tickets t: __typename ... on Regular { level } } }",
        data={"newest": {"tickets": 2, "t": "Regular", "level": 2}},
    ),
    Operation(
        name="aliased-typename-below-an-object",
        query="{ admins { t: __typename referrer { t: __typename ... on Regular { level } } } }",
        data={"admins": [{"t": "Admin", "referrer": {"t": "Regular", "level": 2}}]},
    ),
    Operation(
        name="unknown-account-beside-admins",
        query='{ admins { __typename balance name } account(id: "a4") { id ... on Admin { balance } } }',
        data={
            "admins": [{"__typename": "Admin", "balance": 10, "name": "Ada"}],
            "account": None,
        },
        apollo=(
            'Apollo Gateway 2.14 answers `{"data": null}` without an error (found by the '
            "generator; without `__typename` under `admins` it answers right)"
        ),
        apollo_data=None,
    ),
    Operation(
        name="no-typename-needs-no-lookup",
        query="{ ledger { id balance } }",
        data={
            "ledger": [
                {"id": "a1", "balance": 10},
                {"id": "a3", "balance": 30},
                {"id": "a9", "balance": 90},
            ]
        },
        requests={"members": 0},
    ),
    Operation(
        name="typename-of-failed-lookups",
        query="{ ledger { __typename ... on Admin { isMain } } }",
        # a3's lookup fails on its non-null isMain (the subgraph's error explains
        # its null); a9 is unknown to members: nobody can say what it is.
        data={"ledger": [{"__typename": "Admin", "isMain": True}, None, None]},
        errors=(ExpectedError(("ledger", 1, "isMain")), ExpectedError(("ledger", 2))),
        apollo=APOLLO_SILENT_NULL,
        apollo_data={"ledger": [{"__typename": "Admin", "isMain": True}, None, None]},
        apollo_errors=(ExpectedError(("ledger", 1, "isMain")),),
    ),
    Operation(
        name="type-condition-of-a-failed-lookup",
        query="{ ledger { id ... on Admin { isMain } } }",
        # a3 is an Admin whose non-null isMain fails in members, which answers null
        # for the whole entity: its type stays unknown, but the error says what it
        # is, and an Admin whose isMain failed is null. a9's lookup fails without
        # an error: nothing says it is an Admin, its type conditions do not apply.
        data={"ledger": [{"id": "a1", "isMain": True}, None, {"id": "a9"}]},
        errors=(ExpectedError(("ledger", 1, "isMain")),),
        apollo=(
            "Apollo Gateway 2.14 reports a3's isMain error and still answers a3 as an "
            "object without it (`{id: a3}`): a non-null field of it failed"
        ),
        apollo_data={"ledger": [{"id": "a1", "isMain": True}, {"id": "a3"}, {"id": "a9"}]},
        apollo_errors=(ExpectedError(("ledger", 1, "isMain")),),
    ),
    Operation(
        name="aliased-typename-of-a-failed-lookup",
        query="{ ledger { id t: __typename } }",
        data={"ledger": [ADMIN_A1, {"id": "a3", "t": "Admin"}, None]},
        errors=(ExpectedError(("ledger", 2)),),
        apollo=APOLLO_SILENT_NULL,
        apollo_data={"ledger": [ADMIN_A1, {"id": "a3", "t": "Admin"}, None]},
        apollo_errors=(),
    ),
    Operation(
        name="aliased-typename-of-a-failed-lookup-at-the-root",
        query='{ account(id: "a9") { t: __typename balance } }',
        data={"account": None},
        errors=(ExpectedError(("account",)),),
        apollo=APOLLO_SILENT_NULL,
        apollo_data={"account": None},
        apollo_errors=(),
    ),
)

SCENARIO = Scenario(
    name="interface_object_typename",
    description=(
        "interface Account (members: Admin, Regular) as an @interfaceObject in billing and "
        "support; __typename aliased, nested, in fragments, and when the lookup fails"
    ),
    subgraphs=(members, billing, support),
    # No generated operations: every field here but `admins` returns an object
    # of an @interfaceObject, where Apollo Gateway 2.14 drops type conditions
    # without `__typename` (abstract_types: interface-object-type-condition) or
    # answers `{"data": null}` (unknown-account-beside-admins): 18 of 30
    # generated operations differed, all by Apollo's mistakes.
    generated=0,
    operations=OPERATIONS,
)
