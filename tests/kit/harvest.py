"""Argument values harvested from real answers.

Generic argument values (``"1"``, ``"x"``) mostly find nothing: a fuzzer that
only ever asks for entity ``"1"`` never walks past a null. ``harvest`` asks the
gateway a few wide operations first (``probes``: every root field, with every
scalar field below it to a small depth, each under a unique alias so the
answer maps back to field names without a schema walk) and collects the
scalar values seen, by field name and scalar type. ``Harvest.values_for``
then offers them for arguments: an argument ``id: ID!`` gets the ids that
``id`` fields answered, ``upc`` the ``upc`` values, ``productId`` the ids,
any other ``ID`` or ``String`` argument the values of that type. Root fields
whose required arguments the first round could not fill are probed again in a
second round with what it found.

The result is deterministic when the subgraphs' data is: values keep the order
of the answers, and each probe is sent once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
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
Send = Callable[[str], Mapping[str, Any]]
"""Sends a query (no variables) and returns the response body."""

MAX_VALUES = 12
"""Values kept per (field, scalar type): enough variety, short enough to draw from."""

_CAMEL_TAIL = re.compile(r"[A-Z][a-z0-9]*$")


@dataclass(slots=True)
class Harvest:
    """Scalar values seen in answers, by (field name, scalar type) and by scalar type."""

    by_field: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    by_type: dict[str, list[JSON]] = field(default_factory=dict)

    def add(self, field_name: str, type_name: str, value: JSON) -> None:
        if value is None or isinstance(value, dict | list | bool):
            return
        for values in (
            self.by_field.setdefault((field_name, type_name), []),
            self.by_type.setdefault(type_name, []),
        ):
            if value not in values and len(values) < MAX_VALUES:
                values.append(value)

    def values_for(self, argument: str, type_name: str) -> Sequence[JSON]:
        """Values for an argument: same field name first, then ``id`` for
        ``*Id``/``ids``, then (``ID`` and ``String`` only) any of the type."""
        for name in _field_names_for(argument):
            found = self.by_field.get((name, type_name))
            if found:
                return found
        if type_name in ("ID", "String"):
            return self.by_type.get(type_name, [])
        return []

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_field.values())


def _field_names_for(argument: str) -> Iterator[str]:
    yield argument
    if argument.endswith("s"):
        yield argument[:-1]  # ids -> id, upcs -> upc
    tail = _CAMEL_TAIL.search(argument)
    if tail and tail.start() > 0:
        word = tail.group(0).lower()
        yield word.removesuffix("s")  # productId -> id, userIds -> id
    if argument.lower().endswith("id"):
        yield "id"


@dataclass(slots=True)
class _Probe:
    """Builds one wide probe, remembering what each alias selects."""

    schema: GraphQLSchema
    avoid: frozenset[str]
    harvest: Harvest
    max_depth: int = 3
    max_fields: int = 300
    leaves: dict[str, tuple[str, str]] = field(default_factory=dict)
    counter: int = 0

    def alias(self) -> str:
        self.counter += 1
        return f"h{self.counter}"

    def selection(self, parent_type: Any, depth: int) -> str:
        parts = ["__typename"]
        if isinstance(parent_type, GraphQLObjectType | GraphQLInterfaceType):
            parts += self.fields(parent_type, depth)
        if isinstance(parent_type, GraphQLInterfaceType | GraphQLUnionType):
            for possible in self.schema.get_possible_types(parent_type):
                inner = self.fields(possible, depth)
                if inner:
                    parts.append(f"... on {possible.name} {{ {' '.join(inner)} }}")
        return "{ " + " ".join(parts) + " }"

    def fields(self, parent: GraphQLObjectType | GraphQLInterfaceType, depth: int) -> list[str]:
        out = []
        for name, gql_field in parent.fields.items():
            if f"{parent.name}.{name}" in self.avoid or len(self.leaves) >= self.max_fields:
                continue
            if any(_required(a) for a in gql_field.args.values()):
                continue
            target = get_named_type(gql_field.type)
            alias = self.alias()
            if is_leaf_type(target):
                self.leaves[alias] = (name, target.name)
                out.append(f"{alias}: {name}")
            elif depth < self.max_depth:
                out.append(f"{alias}: {name} {self.selection(target, depth + 1)}")
        return out

    def root(self, name: str, gql_field: GraphQLField, arguments: str) -> str:
        target = get_named_type(gql_field.type)
        alias = self.alias()
        if is_leaf_type(target):
            self.leaves[alias] = (name, target.name)
            return f"{alias}: {name}{arguments}"
        return f"{alias}: {name}{arguments} {self.selection(target, 1)}"


def _required(argument: GraphQLArgument) -> bool:
    return isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined


def _literal(gql_type: GraphQLInputType, value: JSON) -> str:
    if isinstance(gql_type, GraphQLNonNull):
        return _literal(gql_type.of_type, value)
    if isinstance(gql_type, GraphQLList):
        return f"[{_literal(gql_type.of_type, value)}]"
    if isinstance(gql_type, GraphQLEnumType):
        return str(value)
    return json.dumps(value)


def _argument_sets(
    coordinate: str,
    gql_field: GraphQLField,
    samples: Mapping[str, Sequence[Mapping[str, JSON]]],
    harvest: Harvest,
) -> list[str] | None:
    """Argument texts to probe a root field with; None when a required one has no value."""
    if coordinate in samples:
        return [
            "("
            + ", ".join(f"{k}: {_literal(gql_field.args[k].type, v)}" for k, v in s.items())
            + ")"
            for s in samples[coordinate]
        ]
    required = {n: a for n, a in gql_field.args.items() if _required(a)}
    if not required:
        return [""]
    choices: dict[str, Sequence[JSON]] = {}
    for name, argument in required.items():
        named = get_named_type(argument.type)
        if isinstance(named, GraphQLEnumType):
            choices[name] = list(named.values)
        elif isinstance(named, GraphQLInputObjectType):
            return None
        else:
            choices[name] = harvest.values_for(name, named.name)
        if not choices[name]:
            return None
    out = []
    for index in range(min(3, max(len(c) for c in choices.values()))):
        parts = [
            f"{name}: {_literal(required[name].type, values[index % len(values)])}"
            for name, values in choices.items()
        ]
        out.append(f"({', '.join(parts)})")
    return out


def probes(
    schema: GraphQLSchema,
    avoid: frozenset[str],
    samples: Mapping[str, Sequence[Mapping[str, JSON]]],
    harvest: Harvest,
    done: set[str],
) -> list[tuple[str, dict[str, tuple[str, str]]]]:
    """One probe per root field (and argument set) not in ``done``, with its alias map."""
    query_type = schema.query_type
    assert query_type is not None
    out = []
    for name, gql_field in query_type.fields.items():
        coordinate = f"{query_type.name}.{name}"
        if coordinate in avoid or coordinate in done:
            continue
        argument_sets = _argument_sets(coordinate, gql_field, samples, harvest)
        if argument_sets is None:
            continue
        done.add(coordinate)
        for arguments in argument_sets:
            probe = _Probe(schema, avoid, harvest)
            query = f"{{ {probe.root(name, gql_field, arguments)} }}"
            if not validate(schema, parse(query)):
                out.append((query, probe.leaves))
    return out


def _collect(value: JSON, leaves: Mapping[str, tuple[str, str]], harvest: Harvest) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, leaves, harvest)
        return
    if not isinstance(value, dict):
        return
    for key, inner in value.items():
        leaf = leaves.get(key)
        if leaf is None:
            _collect(inner, leaves, harvest)
        elif isinstance(inner, list):
            for item in inner:
                harvest.add(*leaf, item)
        else:
            harvest.add(*leaf, inner)


def harvest(
    schema: GraphQLSchema,
    send: Send,
    avoid: frozenset[str] = frozenset(),
    samples: Mapping[str, Sequence[Mapping[str, JSON]]] | None = None,
    rounds: int = 2,
) -> Harvest:
    """Values seen in the answers to ``rounds`` rounds of probes (see the module doc)."""
    found = Harvest()
    done: set[str] = set()
    for _ in range(rounds):
        batch = probes(schema, avoid, samples or {}, found, done)
        if not batch:
            break
        for query, leaves in batch:
            body = send(query)
            _collect(body.get("data"), leaves, found)
    return found
