"""Two @requires of one external interface field, one through a type condition.

geo's `Member.town` requires `address { id }`, `Member.nation` only
`address { ... on OfficeAddress { id } }`. The member's address is a
HomeAddress, so nation's requirement selects nothing of it: geo sees no address
id and answers nation null (the federation audit's requires-interface suite
expects the same). A skipped `town` must not change that: it is not executed, so
its requirement is not part of what nation's fetch sends.
"""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@external", "@requires", "@shareable"])\n'
)

MEMBER = {"__typename": "Member", "id": "m1", "name": "Ada"}
ADDRESSES: dict[str, dict[str, Any]] = {
    "h1": {"__typename": "HomeAddress", "id": "h1", "town": "Lyon", "nation": "France"},
}
ADDRESS_OF = {"m1": "h1"}

ADDRESS_TYPES = """
interface Address {
  id: ID!
}
type HomeAddress implements Address @key(fields: "id") {
  id: ID!
}
type OfficeAddress implements Address @key(fields: "id") {
  id: ID!
}
"""


def _address(member: dict[str, Any], _info: Any) -> dict[str, Any]:
    return ADDRESSES[ADDRESS_OF[member["id"]]]


def _of_address(field: str) -> Any:
    def resolve(member: dict[str, Any], _info: Any) -> Any:
        # Only what the gateway put in the representation: no address id, no answer.
        address_id = (member.get("address") or {}).get("id")
        row = ADDRESSES.get(address_id) if address_id else None
        return row[field] if row else None

    return resolve


def _by_id(rows: dict[str, dict[str, Any]]) -> Any:
    return lambda representation: rows.get(representation["id"])


directory = Subgraph(
    name="directory",
    sdl=LINK
    + ADDRESS_TYPES
    + """
type Query {
  member: Member
}
type Member @key(fields: "id") {
  id: ID!
  name: String! @shareable
  address: Address
}
""",
    resolvers={"Query": {"member": lambda _o, _i: MEMBER}, "Member": {"address": _address}},
    references={
        "Member": lambda rep: MEMBER if rep["id"] == MEMBER["id"] else None,
        "HomeAddress": _by_id(ADDRESSES),
        "OfficeAddress": _by_id(ADDRESSES),
    },
)

geo = Subgraph(
    name="geo",
    sdl=LINK
    + ADDRESS_TYPES
    + """
type Member @key(fields: "id") {
  id: ID!
  name: String! @shareable
  address: Address @external
  town: String @requires(fields: "address { id }")
  nation: String @requires(fields: "address { ... on OfficeAddress { id } }")
}
""",
    resolvers={"Member": {"town": _of_address("town"), "nation": _of_address("nation")}},
    # The required fields come in the representation; the key finds the member.
    references={
        "Member": lambda rep: {**MEMBER, **rep} if rep["id"] == MEMBER["id"] else None,
        "HomeAddress": _by_id(ADDRESSES),
        "OfficeAddress": _by_id(ADDRESSES),
    },
)

SCENARIO = Scenario(
    name="requires_interface_condition",
    description="a skipped @requires field beside another whose requirement is under a type condition",
    subgraphs=(directory, geo),
    operations=(
        Operation(
            name="requirement-under-a-type-condition",
            query="{ member { nation } }",
            data={"member": {"nation": None}},
        ),
        # Both selected: one representation per member carries both requirements (each
        # gateway sends one fetch to geo), so geo sees the id for nation too.
        Operation(
            name="requirement-of-the-whole-interface",
            query="{ member { town nation } }",
            data={"member": {"town": "Lyon", "nation": "France"}},
        ),
        Operation(
            name="skipped-requires-field-beside-one-with-a-type-condition",
            query=(
                "{ m: member @include(if: false) { town } m: member { address { id } nation } }"
            ),
            data={"m": {"address": {"id": "h1"}, "nation": None}},
            apollo=(
                "Apollo Gateway sends the skipped `town`'s requirement `address { id }` in the "
                "representation of nation's fetch: geo then sees the HomeAddress's id and "
                "answers its nation, which nation's own requirement (only an OfficeAddress's "
                "id) never gives it"
            ),
            apollo_data={"m": {"address": {"id": "h1"}, "nation": "France"}},
        ),
    ),
    generated=10,
)
