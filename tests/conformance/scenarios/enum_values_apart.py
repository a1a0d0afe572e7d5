"""A shared enum whose subgraphs know different values: one's value is @inaccessible, the
other lacks it. A value the client schema lacks is a field error, never a silent null."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import ExpectedError, Operation, Scenario, Subgraph, by_key

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@inaccessible"])\n'

MEMBERS: list[dict[str, Any]] = [
    {"__typename": "Member", "id": "m1", "role": "STAFF"},
    {"__typename": "Member", "id": "m2", "role": "VISITOR"},
]

desk = Subgraph(
    name="desk",
    sdl=LINK
    + """
type Query {
  staff: [Member!]
}
type Member @key(fields: "id") {
  id: ID
  role: Role @shareable
}
enum Role {
  VISITOR @inaccessible
  STAFF
}
""",
    resolvers={"Query": {"staff": lambda _o, _i: MEMBERS}},
    references={"Member": by_key(MEMBERS, "id")},
)

hall = Subgraph(
    name="hall",
    sdl=LINK
    + """
type Query {
  members: [Member]
}
type Member @key(fields: "id") {
  id: ID
  role: Role @shareable
}
enum Role {
  STAFF
}
""",
    resolvers={"Query": {"members": lambda _o, _i: MEMBERS}},
    references={"Member": by_key(MEMBERS, "id")},
)

SCENARIO = Scenario(
    name="enum_values_apart",
    description="an enum value @inaccessible in one subgraph and unknown to the other",
    subgraphs=(desk, hall),
    operations=(
        Operation(
            name="enum-value-error-dropped-beside-a-subgraph-error",
            query="{ staff { role } members { role } }",
            data={
                "staff": [{"role": "STAFF"}, {"role": None}],
                "members": [{"role": "STAFF"}, {"role": None}],
            },
            errors=(ExpectedError(("staff", 1, "role")), ExpectedError(("members", 1, "role"))),
            apollo=(
                "Apollo Gateway nulls the enum value the client schema lacks (VISITOR, "
                "@inaccessible in desk) and, as hall reported an error in the same operation, "
                "drops its own error for it (alone, it is in extensions.valueCompletion)"
            ),
            apollo_data={
                "staff": [{"role": "STAFF"}, {"role": None}],
                "members": [{"role": "STAFF"}, {"role": None}],
            },
            apollo_errors=(ExpectedError(("members", 1, "role")),),
        ),
        Operation(
            name="unknown-enum-value-fails-in-the-subgraph",
            query="{ members { id role } }",
            data={"members": [{"id": "m1", "role": "STAFF"}, {"id": "m2", "role": None}]},
            errors=(ExpectedError(("members", 1, "role")),),
        ),
    ),
    generated=10,
    generator_avoid=frozenset({"Member.role"}),
)
