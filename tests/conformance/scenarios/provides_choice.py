"""Which subgraph serves a shared root field: the one whose @provides covers the
interface field, not one that only holds its implementations' keys as @external.

The subgraphs are the fixture `provides_plan_choice` (tests/planner/test_plan_choice.py
has its plans): "atlas" and "brief" both serve `shelter`; atlas has `Pound.residents`
but every `Resident` id there is @external, brief provides `residents { id nick }`;
"care" has everything by key. Both choices cost two fetches, but atlas leaves the
residents to care where brief serves them itself (as Apollo's planner chooses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.kit.scenario import Operation, Scenario, Subgraph, by_key

_SDL = Path(__file__).resolve().parents[2] / "fixtures/supergraphs/provides_plan_choice/subgraphs"

RESIDENTS: list[dict[str, Any]] = [
    {"__typename": "Puppy", "id": "r1", "nick": "Rex", "weight": 12},
    {"__typename": "Kitten", "id": "r2", "nick": "Tom", "weight": 4},
]
KENNELS: list[dict[str, Any]] = [
    {"__typename": "Pound", "id": "k1", "residents": ["r1", "r2"]},
    {"__typename": "Pound", "id": "k2", "residents": ["r2"]},
]
VISITS: list[dict[str, Any]] = [{"id": "v1", "kennel": "k2"}]


def _sdl(name: str) -> str:
    return (_SDL / f"{name}.graphql").read_text(encoding="utf-8")


def _residents(kennel: dict[str, Any], *fields: str) -> list[dict[str, Any]]:
    found = next(k for k in KENNELS if k["id"] == kennel["id"])
    rows = [next(r for r in RESIDENTS if r["id"] == i) for i in found["residents"]]
    return [{"__typename": r["__typename"], **{f: r[f] for f in fields}} for r in rows]


def _kennel(kennel_id: str, *resident_fields: str) -> dict[str, Any]:
    kennel = next(k for k in KENNELS if k["id"] == kennel_id)
    if not resident_fields:
        return {"__typename": "Pound", "id": kennel["id"]}
    return {
        "__typename": "Pound",
        "id": kennel["id"],
        "residents": _residents(kennel, *resident_fields),
    }


def _visit(representation: dict[str, Any], *resident_fields: str) -> dict[str, Any] | None:
    visit = next((v for v in VISITS if v["id"] == representation.get("id")), None)
    if visit is None:
        return None
    return {"id": visit["id"], "kennel": _kennel(visit["kennel"], *resident_fields)}


atlas = Subgraph(
    name="atlas",
    sdl=_sdl("atlas"),
    resolvers={
        "Query": {
            "shelter": lambda _o, _i: _kennel("k1"),
            "shelters": lambda _o, _i: [_kennel(k["id"]) for k in KENNELS],
            "pound": lambda _o, _i: _kennel("k1"),
        },
        "Pound": {"residents": lambda obj, _i: _residents(obj, "id")},
    },
    references={"Pound": by_key(KENNELS, "id"), "Visit": _visit},
)

brief = Subgraph(
    name="brief",
    sdl=_sdl("brief"),
    resolvers={
        "Query": {
            "shelter": lambda _o, _i: _kennel("k1", "id", "nick"),
            "shelters": lambda _o, _i: [_kennel(k["id"], "id", "nick") for k in KENNELS],
            "pound": lambda _o, _i: _kennel("k1", "id", "nick"),
        },
    },
    references={"Visit": lambda representation: _visit(representation, "id", "nick")},
)

care = Subgraph(
    name="care",
    sdl=_sdl("care"),
    resolvers={"Pound": {"residents": lambda obj, _i: _residents(obj, "id", "nick", "weight")}},
    references={
        "Pound": by_key(KENNELS, "id"),
        "Puppy": by_key(RESIDENTS, "id"),
        "Kitten": by_key(RESIDENTS, "id"),
    },
)

desk = Subgraph(
    name="desk",
    sdl=_sdl("desk"),
    resolvers={"Query": {"visit": lambda _o, _i: {"id": VISITS[0]["id"]}}},
    references={"Visit": by_key(VISITS, "id")},
)

_K1 = [{"id": "r1"}, {"id": "r2", "weight": 4}]
_NOT_ATLAS = {"atlas": 0, "brief": 1, "care": 1, "desk": 0}

SCENARIO = Scenario(
    name="provides_choice",
    description="a shared root field goes to the subgraph whose @provides serves the interface field",
    subgraphs=(atlas, brief, care, desk),
    operations=(
        Operation(
            name="interface-field-provided",
            query="{ shelter { residents { id ... on Kitten { weight } } } }",
            data={"shelter": {"residents": _K1}},
            requests=_NOT_ATLAS,
        ),
        Operation(
            name="interface-field-provided-with-nick",
            query="{ shelter { id residents { id nick ... on Kitten { weight } } } }",
            data={
                "shelter": {
                    "id": "k1",
                    "residents": [
                        {"id": "r1", "nick": "Rex"},
                        {"id": "r2", "nick": "Tom", "weight": 4},
                    ],
                }
            },
            requests=_NOT_ATLAS,
        ),
        Operation(
            name="object-typed-root-field",
            query="{ pound { residents { id ... on Kitten { weight } } } }",
            data={"pound": {"residents": _K1}},
            requests=_NOT_ATLAS,
        ),
        Operation(
            name="list-root-field-with-aliases",
            query="{ shelters { pets: residents { key: id ... on Kitten { kg: weight } } } }",
            data={
                "shelters": [
                    {"pets": [{"key": "r1"}, {"key": "r2", "kg": 4}]},
                    {"pets": [{"key": "r2", "kg": 4}]},
                ]
            },
            requests=_NOT_ATLAS,
        ),
        Operation(
            name="fragments-on-several-implementations",
            query="{ shelter { residents { id ... on Kitten { weight } ... on Puppy { weight } } } }",
            data={
                "shelter": {"residents": [{"id": "r1", "weight": 12}, {"id": "r2", "weight": 4}]}
            },
            requests=_NOT_ATLAS,
        ),
        Operation(
            name="provided-below-an-entity-jump",
            query="{ visit { id kennel { id residents { id nick } } } }",
            data={
                "visit": {
                    "id": "v1",
                    "kennel": {"id": "k2", "residents": [{"id": "r2", "nick": "Tom"}]},
                }
            },
            requests={"atlas": 0, "brief": 1, "care": 0, "desk": 1},
        ),
    ),
)
