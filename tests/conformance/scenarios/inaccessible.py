"""@inaccessible fields, types, arguments and enum values: hidden from clients, usable inside."""

from __future__ import annotations

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@inaccessible", "@external", "@requires"])\n'

USERS = [
    {"id": "1", "name": "Ann", "internalScore": 7, "tier": "GOLD", "secret": {"token": "t1"}},
    {"id": "2", "name": "Ben", "internalScore": 2, "tier": "LEGACY", "secret": {"token": "t2"}},
]

users = Subgraph(
    name="users",
    sdl=LINK
    + """
type User @key(fields: "id") {
  id: ID!
  name: String!
  internalScore: Int! @inaccessible
  tier: Tier
  secret: Secret @inaccessible
}
type Secret @inaccessible {
  token: String!
}
enum Tier {
  GOLD
  SILVER
  LEGACY @inaccessible
}
type Query {
  users(includeHidden: Boolean @inaccessible): [User!]!
}
""",
    resolvers={"Query": {"users": lambda _o, _i, includeHidden=None: USERS}},
    references={"User": by_key(USERS, "id")},
)

perks = Subgraph(
    name="perks",
    sdl=LINK
    + """
type User @key(fields: "id") {
  id: ID!
  internalScore: Int! @external
  perk: String! @requires(fields: "internalScore")
}
""",
    resolvers={"User": {"perk": lambda obj, _i: "lounge" if obj["internalScore"] > 5 else "none"}},
)

SCENARIO = Scenario(
    name="inaccessible",
    description="@inaccessible field, type, argument and enum value; an inaccessible field still feeds @requires",
    subgraphs=(users, perks),
    operations=(
        Operation(
            name="requires-an-inaccessible-field",
            query="{ users { name perk } }",
            data={"users": [{"name": "Ann", "perk": "lounge"}, {"name": "Ben", "perk": "none"}]},
            requests={"users": 1, "perks": 1},
        ),
        Operation(
            name="inaccessible-field-is-unknown",
            query="{ users { name internalScore } }",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"),),
            status=None,
            requests={"users": 0},
        ),
        Operation(
            name="inaccessible-argument-is-unknown",
            query="{ users(includeHidden: true) { name } }",
            data=None,
            errors=(ExpectedError(None, "GRAPHQL_VALIDATION_FAILED"),),
            status=None,
        ),
        Operation(
            name="inaccessible-enum-value-is-null-with-error",
            query="{ users { name tier } }",
            data={"users": [{"name": "Ann", "tier": "GOLD"}, {"name": "Ben", "tier": None}]},
            errors=(ExpectedError(("users", 1, "tier")),),
            apollo=(
                "Apollo Gateway nulls the inaccessible enum value but reports the error "
                "only in extensions.valueCompletion, not in errors"
            ),
            apollo_data={"users": [{"name": "Ann", "tier": "GOLD"}, {"name": "Ben", "tier": None}]},
            apollo_errors=(),
        ),
        Operation(
            name="inaccessible-type-not-introspectable",
            query='{ __type(name: "Secret") { name } user: __type(name: "User") { fields { name } } }',
            # Field order is the supergraph's (composition puts perk before name).
            data={
                "__type": None,
                "user": {
                    "fields": [{"name": "id"}, {"name": "perk"}, {"name": "name"}, {"name": "tier"}]
                },
            },
        ),
    ),
    generator_avoid=frozenset({"User.tier"}),
)
