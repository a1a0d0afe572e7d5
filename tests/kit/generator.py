"""A deterministic operation generator over an API schema.

``generate(schema, count, seed, ...)`` returns ``count`` query operations that
graphql-core validates against ``schema``. Each combines, at random but
reproducibly for a given seed:

- one to three root fields, nested selections up to ``max_depth``;
- aliases (unique per operation, so they never clash), ``__typename``;
- inline fragments on interfaces, unions and their possible types, and named
  fragments (``fragment F on T``), sometimes spread inside each other;
- ``@skip``/``@include`` with literals and with Boolean variables;
- arguments as literals or variables, from per-field samples
  (``Type.field`` -> list of argument dicts) or generic values by type;
- sometimes an operation name, sometimes a second operation in the document
  (then ``operation_name`` selects the generated one).

Invalid candidates (for example two fragments selecting one response name with
different shapes) are discarded and drawn again, so every returned operation
is valid; ``GenerationError`` means the schema gave too few valid ones.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)

JSON = Any
Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


class GenerationError(Exception):
    """The generator could not produce enough valid operations."""


@dataclass(frozen=True, slots=True)
class GeneratedOperation:
    """One generated operation, ready to send."""

    query: str
    variables: dict[str, JSON]
    operation_name: str | None


@dataclass(slots=True)
class _Builder:
    schema: GraphQLSchema
    rng: random.Random
    avoid: frozenset[str]
    samples: Mapping[str, Sequence[Mapping[str, JSON]]]
    max_depth: int
    variables: dict[str, JSON] = field(default_factory=dict)
    variable_defs: list[str] = field(default_factory=list)
    fragments: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- values -------------------------------------------------------------

    def variable(self, type_text: str, value: JSON) -> str:
        name = self.fresh("v")
        self.variable_defs.append(f"${name}: {type_text}")
        self.variables[name] = value
        return f"${name}"

    def default_value(self, gql_type: GraphQLInputType) -> JSON:
        if isinstance(gql_type, GraphQLNonNull):
            return self.default_value(gql_type.of_type)
        if isinstance(gql_type, GraphQLList):
            return [self.default_value(gql_type.of_type)]
        if isinstance(gql_type, GraphQLEnumType):
            return self.rng.choice(list(gql_type.values))
        if isinstance(gql_type, GraphQLInputObjectType):
            return {
                name: self.default_value(f.type)
                for name, f in gql_type.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
            }
        scalar = getattr(gql_type, "name", "String")
        return {"Int": 1, "Float": 1.5, "Boolean": True, "ID": "1"}.get(scalar, "x")

    def literal(self, gql_type: GraphQLInputType, value: JSON) -> str:
        named = get_named_type(gql_type)
        if value is None:
            return "null"
        if isinstance(value, list):
            inner = gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type
            item_type = inner.of_type if isinstance(inner, GraphQLList) else inner
            return "[" + ", ".join(self.literal(item_type, v) for v in value) + "]"
        if isinstance(named, GraphQLEnumType):
            return str(value)
        if isinstance(named, GraphQLInputObjectType) and isinstance(value, dict):
            parts = [f"{k}: {self.literal(named.fields[k].type, v)}" for k, v in value.items()]
            return "{" + ", ".join(parts) + "}"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return json.dumps(value)
        return json.dumps(value)

    def arguments(self, coordinate: str, args: Mapping[str, GraphQLArgument]) -> str:
        if not args:
            return ""
        sample = self.samples.get(coordinate)
        if sample:
            values = dict(self.rng.choice(list(sample)))
        else:
            values = {
                name: self.default_value(arg.type)
                for name, arg in args.items()
                if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            }
        parts = []
        for name, value in values.items():
            arg_type = args[name].type
            if self.rng.random() < 0.4:
                parts.append(f"{name}: {self.variable(str(arg_type), value)}")
            else:
                parts.append(f"{name}: {self.literal(arg_type, value)}")
        return f"({', '.join(parts)})" if parts else ""

    # -- selections ---------------------------------------------------------

    def condition(self) -> str:
        roll = self.rng.random()
        if roll > 0.15:
            return ""
        directive = self.rng.choice(["skip", "include"])
        if self.rng.random() < 0.5:
            value = self.rng.random() < 0.5
            return f" @{directive}(if: {'true' if value else 'false'})"
        return f" @{directive}(if: {self.variable('Boolean!', self.rng.random() < 0.5)})"

    def usable_fields(self, parent: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
        return [
            name
            for name in parent.fields
            if not name.startswith("__") and f"{parent.name}.{name}" not in self.avoid
        ]

    def field_selection(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int
    ) -> str | None:
        gql_field: GraphQLField = parent.fields[name]
        target = get_named_type(gql_field.type)
        alias = f"{self.fresh('a')}: " if gql_field.args or self.rng.random() < 0.25 else ""
        head = f"{alias}{name}{self.arguments(f'{parent.name}.{name}', gql_field.args)}"
        head += self.condition()
        if is_leaf_type(target):
            return head
        if depth >= self.max_depth:
            return None
        assert isinstance(target, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        inner = self.selection_set(target, depth + 1)
        return f"{head} {inner}" if inner else None

    def object_fields(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, depth: int, limit: int
    ) -> list[str]:
        names = self.usable_fields(parent)
        self.rng.shuffle(names)
        out: list[str] = []
        for name in names:
            if len(out) >= limit:
                break
            selection = self.field_selection(parent, name, depth)
            if selection is not None:
                out.append(selection)
        return out

    def possible_types(self, parent: Composite) -> list[GraphQLObjectType]:
        if isinstance(parent, GraphQLObjectType):
            return [parent]
        return list(self.schema.get_possible_types(parent))

    def fragment_on(self, type_condition: Composite, depth: int) -> str | None:
        body = self.selection_set(type_condition, depth, allow_fragments=False)
        if not body:
            return None
        if self.rng.random() < 0.35:
            name = self.fresh("F")
            self.fragments[name] = f"fragment {name} on {type_condition.name} {body}"
            return f"...{name}{self.condition()}"
        return f"... on {type_condition.name}{self.condition()} {body}"

    def selection_set(self, parent: Composite, depth: int, allow_fragments: bool = True) -> str:
        selections: list[str] = []
        limit = self.rng.randint(1, 3)
        if self.rng.random() < 0.3 or isinstance(parent, GraphQLUnionType):
            selections.append(
                f"{self.fresh('t') + ': ' if self.rng.random() < 0.2 else ''}__typename"
            )
        if not isinstance(parent, GraphQLUnionType):
            selections += self.object_fields(parent, depth, limit)
        if allow_fragments and (
            not isinstance(parent, GraphQLObjectType) or self.rng.random() < 0.2
        ):
            candidates: list[Composite] = list(self.possible_types(parent))
            if isinstance(parent, GraphQLUnionType | GraphQLObjectType):
                candidates += [
                    i
                    for t in self.possible_types(parent)
                    for i in t.interfaces
                    if not i.name.startswith("_")
                ]
            self.rng.shuffle(candidates)
            for candidate in candidates[: self.rng.randint(1, 2)]:
                fragment = self.fragment_on(candidate, depth)
                if fragment:
                    selections.append(fragment)
        if not selections:
            selections.append("__typename")
        return "{ " + " ".join(selections) + " }"

    def operation(self, index: int) -> GeneratedOperation:
        query_type = self.schema.query_type
        assert query_type is not None
        roots = self.object_fields(query_type, 1, self.rng.randint(1, 3))
        if not roots:
            roots = ["__typename"]
        if self.rng.random() < 0.15:
            roots.insert(0, "__typename")
        named = self.rng.random() < 0.5 or bool(self.variable_defs)
        name = f"Generated{index}" if named else None
        header = "query"
        if name:
            header += f" {name}"
        if self.variable_defs:
            header += f"({', '.join(self.variable_defs)})"
        document = [f"{header} {{ {' '.join(roots)} }}", *self.fragments.values()]
        operation_name = name
        if name and self.rng.random() < 0.15:
            document.append("query Other { __typename }")
        elif not name:
            document[0] = "{ " + " ".join(roots) + " }"
        return GeneratedOperation("\n".join(document), dict(self.variables), operation_name)


def generate(
    schema: GraphQLSchema,
    count: int,
    seed: int = 0,
    avoid: frozenset[str] = frozenset(),
    samples: Mapping[str, Sequence[Mapping[str, JSON]]] | None = None,
    max_depth: int = 4,
) -> list[GeneratedOperation]:
    """``count`` valid operations, the same ones for the same arguments."""
    rng = random.Random(seed)
    out: list[GeneratedOperation] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 20:
            raise GenerationError(f"only {len(out)} valid operations after {attempts} attempts")
        builder = _Builder(schema, rng, avoid, samples or {}, max_depth)
        candidate = builder.operation(len(out))
        if not validate(schema, parse(candidate.query)):
            out.append(candidate)
    return out
