"""@requires back into a subgraph whose keys for the type are mostly resolvable: false.

The entity fetch that carries the required field must use a key the subgraph can
resolve (`id code`), not one it declares with `resolvable: false`."""

from __future__ import annotations

from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, SubgraphError

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@external", "@requires"])\n'

PARCELS: dict[str, dict[str, Any]] = {
    "p1": {"id": "p1", "code": "C-1", "tag": "T-1", "weight": 7},
    "p2": {"id": "p2", "code": "C-2", "tag": "T-2", "weight": 3},
}
ROUTE = {"id": "r1", "parcels": ["p1"]}


def _parcel_for_depot(parcel_id: str) -> dict[str, Any]:
    row = PARCELS[parcel_id]
    return {"__typename": "Parcel", "id": row["id"], "code": row["code"], "tag": row["tag"]}


def _depot_parcel(rep: dict[str, Any]) -> dict[str, Any] | None:
    # Only `id code` is resolvable here: a representation without `id` finds nothing.
    row = PARCELS.get(str(rep.get("id")))
    if row is None:
        return None
    return {
        **_parcel_for_depot(row["id"]),
        **({"weight": rep["weight"]} if "weight" in rep else {}),
    }


def _label(obj: dict[str, Any], _info: Any) -> str:
    if "weight" not in obj:
        raise SubgraphError("Parcel.weight was not provided")
    return f"{obj['code']}: {obj['weight']} kg"


depot = Subgraph(
    name="depot",
    sdl=LINK
    + """
type Query {
  route: Route
}
type Route @key(fields: "id") {
  id: ID!
  parcels: [Parcel!]!
}
type Parcel
  @key(fields: "tag", resolvable: false)
  @key(fields: "id code", resolvable: true)
  @key(fields: "id", resolvable: false) {
  id: ID!
  code: String!
  tag: String!
  weight: Int! @external
  label: String! @requires(fields: "weight")
}
""",
    resolvers={
        "Query": {"route": lambda _o, _i: ROUTE},
        "Route": {"parcels": lambda obj, _i: [_parcel_for_depot(p) for p in obj["parcels"]]},
        "Parcel": {"label": _label},
    },
    references={"Parcel": _depot_parcel},
)

scale = Subgraph(
    name="scale",
    sdl=LINK
    + """
type Parcel @key(fields: "id") @key(fields: "tag", resolvable: false) {
  id: ID!
  tag: String!
  weight: Int!
}
""",
    references={"Parcel": lambda rep: PARCELS.get(str(rep.get("id")))},
)

SCENARIO = Scenario(
    name="requires_key_choice",
    description="@requires into a subgraph with non-resolvable keys listed before its resolvable one",
    subgraphs=(depot, scale),
    operations=(
        Operation(
            name="requires-fetch-uses-a-non-resolvable-key",
            query="{ route { parcels { label } } }",
            data={"route": {"parcels": [{"label": "C-1: 7 kg"}]}},
            apollo=(
                "Apollo Gateway sends the representation carrying `weight` back to depot "
                "by the key `tag`, which depot declares resolvable: false; depot cannot find "
                "the parcel, `label` fails and the non-null error nulls `route`"
            ),
            apollo_data={"route": None},
            apollo_errors=(),  # its error is in extensions.valueCompletion
        ),
    ),
    generated=10,
    generator_avoid=frozenset({"Parcel.label"}),
)
