"""Random small subgraph sets for differential testing (seeded, so every run sees the same sets).

Each set has one to three subgraphs mixing entities (single or composite keys,
sometimes `resolvable: false`), value types, enums, input objects, an
interface, and the directives composition must handle: `@shareable`,
`@external` + `@requires`, `@provides`, `@override`, `@inaccessible`, `@tag`,
`@requiresScopes`, `@authenticated`. Many sets are invalid on purpose: both
composers must then reject them for a shared reason.
"""

from __future__ import annotations

import random

HEADER = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", '
    '"@shareable", "@external", "@override", "@requires", "@provides", "@inaccessible", '
    '"@interfaceObject", "@tag", "@authenticated", "@requiresScopes", "@policy"])\n'
)
_FIELDS = (("name", "String"), ("price", "Int"), ("tags", "[String!]"), ("owner", "User"))


def generate_sets(seed: int, count: int) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(seed)
    return {f"gen{seed}-{i:03d}": _subgraph_set(rng) for i in range(count)}


def _subgraph_set(rng: random.Random) -> list[dict[str, str]]:
    names = [f"s{i}" for i in range(rng.randint(1, 3))]
    world = _World(
        entities=["User", "Product"][: rng.randint(1, 2)],
        money=rng.random() < 0.6,
        color=rng.random() < 0.5,
        filter=rng.random() < 0.4,
        node=rng.random() < 0.3,
    )
    return [
        {
            "name": name,
            "url": f"http://{name}/graphql",
            "sdl": HEADER + world.subgraph(rng, i, names),
        }
        for i, name in enumerate(names)
    ]


class _World:
    def __init__(
        self, entities: list[str], money: bool, color: bool, filter: bool, node: bool
    ) -> None:
        self.entities = entities
        self.money = money
        self.color = color
        self.filter = filter
        self.node = node

    def subgraph(self, rng: random.Random, index: int, names: list[str]) -> str:
        parts: list[str] = []
        roots: list[str] = []
        for entity in self.entities:
            if rng.random() < 0.7:
                parts += self._entity(rng, entity, names)
                if rng.random() < 0.5:
                    provides = ' @provides(fields: "name")' if rng.random() < 0.2 else ""
                    roots.append(f"{entity.lower()}{index}: {entity}{provides}")
        if self.money and rng.random() < 0.5:
            currency = " currency: String" if rng.random() < 0.5 else ""
            shareable = "@shareable " if rng.random() < 0.8 else ""
            parts.append(f"type Money {shareable}{{ amount: Int{currency} }}")
            if rng.random() < 0.5:
                roots.append(f"money{index}: Money" + (" @shareable" if rng.random() < 0.5 else ""))
        if self.color and rng.random() < 0.6:
            values = rng.sample(["RED", "GREEN", "BLUE"], rng.randint(1, 3))
            parts.append(f"enum Color {{ {' '.join(values)} }}")
            if rng.random() < 0.5:
                roots.append(f"pick{index}(c: Color): Int")
            if rng.random() < 0.5:
                roots.append(f"color{index}: Color")
        if self.filter and rng.random() < 0.6:
            fields = rng.sample(["q: String", "limit: Int", "strict: Boolean!"], rng.randint(1, 3))
            parts.append(f"input Filter {{ {' '.join(fields)} }}")
            roots.append(f"search{index}(f: Filter): Int")
        if rng.random() < 0.3:
            required = "!" if rng.random() < 0.3 else ""
            roots.append(f"shared(x: Int{required}): Int @shareable")
        if roots or index == 0:
            parts.append("type Query { " + " ".join(roots or [f"ping{index}: Int"]) + " }")
        return "\n".join(parts)

    def _entity(self, rng: random.Random, entity: str, names: list[str]) -> list[str]:
        key = rng.choice(["id", "id", "id sku"])
        resolvable = ", resolvable: false" if rng.random() < 0.1 else ""
        fields = ["id: ID!"] + (["sku: String!"] if "sku" in key else [])
        for name, type_ in _FIELDS:
            if entity == "User" and name == "owner":
                continue
            roll = rng.random()
            if roll < 0.35:
                fields.append(
                    f"{name}: {self._maybe_non_null(rng, type_)}{self._directives(rng, names)}"
                )
            elif roll < 0.45:
                fields.append(f"{name}: {type_} @external")
        external = [f.split(":")[0] for f in fields if "@external" in f]
        if external and rng.random() < 0.2:
            fields.append(f'derived: Int @requires(fields: "{external[0]}")')
        if self.money and rng.random() < 0.3:
            fields.append("cost: Money" + (" @shareable" if rng.random() < 0.5 else ""))
        if self.color and rng.random() < 0.3:
            fields.append("color: Color")
        implements = " implements Node" if self.node and rng.random() < 0.5 else ""
        parts = [
            f'type {entity}{implements} @key(fields: "{key}"{resolvable}) {{ {" ".join(fields)} }}'
        ]
        if implements:
            parts.append("interface Node { id: ID! }")
        return parts

    @staticmethod
    def _maybe_non_null(rng: random.Random, type_: str) -> str:
        return type_ + "!" if rng.random() < 0.15 else type_

    @staticmethod
    def _directives(rng: random.Random, names: list[str]) -> str:
        applied = ""
        if rng.random() < 0.5:
            applied += " @shareable"
        if rng.random() < 0.1:
            applied += f' @override(from: "{rng.choice(names)}")'
        if rng.random() < 0.1:
            applied += " @inaccessible"
        if rng.random() < 0.1:
            applied += ' @tag(name: "x")'
        if rng.random() < 0.1:
            applied += f' @requiresScopes(scopes: [["{rng.choice("ab")}"]])'
        if rng.random() < 0.05:
            applied += " @authenticated"
        return applied


def generate_fed1_sets(seed: int, count: int) -> dict[str, list[dict[str, str]]]:
    """Federation 1 sets: owners define entities, others `extend type` / `@extends` them."""
    rng = random.Random(seed)
    return {f"fed1-{seed}-{i:03d}": _fed1_set(rng) for i in range(count)}


def _fed1_set(rng: random.Random) -> list[dict[str, str]]:
    subgraphs = []
    for index in range(rng.randint(2, 3)):
        parts: list[str] = []
        roots: list[str] = []
        for position, entity in enumerate(("User", "Product")):
            if rng.random() >= 0.7:
                continue
            if index == position:
                parts.append(_fed1_owner(rng, entity))
            else:
                parts.append(_fed1_extension(rng, entity, index))
            if rng.random() < 0.6:
                roots.append(f"{entity.lower()}{index}: {entity}")
        if rng.random() < 0.5:
            parts.append("type Point { x: Int" + (" y: Int" if rng.random() < 0.3 else "") + " }")
            roots.append(f"p{index}: Point")
        if rng.random() < 0.3:
            roots.append("common: Int")
        if roots:
            keyword = "extend type" if rng.random() < 0.5 else "type"
            parts.append(f"{keyword} Query {{ {' '.join(roots)} }}")
        sdl = "\n".join(parts) or "type Query { z: Int }"
        subgraphs.append({"name": f"s{index}", "url": f"http://s{index}/graphql", "sdl": sdl})
    return subgraphs


def _fed1_owner(rng: random.Random, entity: str) -> str:
    fields = ["id: ID!"] + [
        f for f in ("name: String", "price: Int", "tags: [String]") if rng.random() < 0.7
    ]
    keyword = "type" if rng.random() < 0.8 else "extend type"
    return f'{keyword} {entity} @key(fields: "id") {{ {" ".join(fields)} }}'


def _fed1_extension(rng: random.Random, entity: str, index: int) -> str:
    external = [f for f in ("name: String @external", "price: Int @external") if rng.random() < 0.4]
    fields = ["id: ID! @external", *external]
    if external and rng.random() < 0.7:
        fields.append(f'derived{index}: Int @requires(fields: "{external[0].split(":")[0]}")')
    fields.append(f"extra{index}: Int")
    if rng.random() < 0.7:
        return f'extend type {entity} @key(fields: "id") {{ {" ".join(fields)} }}'
    return f'type {entity} @extends @key(fields: "id") {{ {" ".join(fields)} }}'
