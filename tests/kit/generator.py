"""A deterministic operation generator over an API schema.

``generate(schema, count, seed, ...)`` returns ``count`` query operations that
graphql-core validates against ``schema``. Each combines, at random but
reproducibly for a given seed:

- one to three root fields, nested selections up to ``max_depth``;
- aliases (unique per operation, so they never clash), ``__typename``;
- inline fragments on interfaces, unions and their possible types, and named
  fragments (``fragment F on T``);
- ``@skip``/``@include`` with literals and with Boolean variables;
- arguments as literals or variables, from per-field samples
  (``Type.field`` -> list of argument dicts) or generic values by type;
- sometimes an operation name, sometimes a second operation in the document
  (then ``operation_name`` selects the generated one).

``features=Features.all()`` (the differential fuzzer, tests/kit/fuzz.py) adds:

- fragments nested in fragments, named fragments spread again elsewhere,
  inline fragments without a type condition (``... @include(if: $b) { }``),
  fragments on the parent's own type and at the root;
- the same field twice: under two aliases with different arguments, or under
  one response name with different sub-selections (merged);
- ``__typename``, often aliased, at every level (root and fragments too);
- ``@skip`` and ``@include`` together, Boolean variables used more than once,
  variables with default values (sometimes left out of ``variables``);
- optional arguments set now and then, and argument values from a
  ``ValueSource`` (tests/kit/harvest.py: values seen in real answers, such as
  the ids of existing entities).

The default ``Features()`` draws exactly the operations it always drew: the
conformance tests refer to generated operations by index.

Invalid candidates (for example two fragments selecting one response name with
different shapes) are discarded and drawn again, so every returned operation
is valid; ``GenerationError`` means the schema gave too few valid ones.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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
_ALIAS = re.compile(r"a\d+: ")


class GenerationError(Exception):
    """The generator could not produce enough valid operations."""


class ValueSource(Protocol):
    """Argument values worth trying (tests/kit/harvest.py collects them from answers)."""

    def values_for(self, argument: str, type_name: str) -> Sequence[JSON]:
        """Values for an argument of this name whose named (scalar) type is ``type_name``."""
        ...


@dataclass(frozen=True, slots=True)
class Features:
    """Constructs drawn beyond the basic ones (all off by default)."""

    nested_fragments: bool = False
    """Fragments inside fragments, named fragments spread twice, untyped inline fragments."""
    duplicate_fields: bool = False
    """A field twice: two aliases with different arguments, or one name merged."""
    typename_everywhere: bool = False
    """``__typename`` more often and often aliased, at the root too."""
    rich_conditions: bool = False
    """``@skip`` with ``@include``, Boolean variables reused, variables with defaults."""
    optional_arguments: bool = False
    """Arguments that have a default or are nullable are sometimes set."""

    @classmethod
    def all(cls) -> Features:
        return cls(True, True, True, True, True)


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
    features: Features = field(default_factory=Features)
    values: ValueSource | None = None
    variables: dict[str, JSON] = field(default_factory=dict)
    variable_defs: list[str] = field(default_factory=list)
    fragments: dict[str, str] = field(default_factory=dict)
    fragment_types: dict[str, Composite] = field(default_factory=dict)
    boolean_variables: list[str] = field(default_factory=list)
    fragment_depth: int = 0
    counter: int = 0
    size: int = 0
    max_size: int | None = None
    """With any feature on: stop adding fields and fragments past this many selections."""

    def exhausted(self) -> bool:
        return self.max_size is not None and self.size >= self.max_size

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- values -------------------------------------------------------------

    def variable(self, type_text: str, value: JSON) -> str:
        name = self.fresh("v")
        if self.features.rich_conditions and self.rng.random() < 0.3:
            # A default: the variable's type may then be nullable even where the
            # position is non-null, and the client may leave the value out.
            nullable = type_text.removesuffix("!")
            declared = nullable if self.rng.random() < 0.5 else type_text
            default = self.default_for(nullable, value)
            self.variable_defs.append(f"${name}: {declared} = {default}")
            if self.rng.random() < 0.5:
                return f"${name}"
            if not type_text.endswith("!") and self.rng.random() < 0.2:
                value = None  # an explicit null, not the default
            self.variables[name] = value
            return f"${name}"
        self.variable_defs.append(f"${name}: {type_text}")
        self.variables[name] = value
        return f"${name}"

    def default_for(self, type_text: str, value: JSON) -> str:
        """The literal of a variable's default (its value, or the other Boolean)."""
        if type_text == "Boolean" and self.rng.random() < 0.5:
            return "false" if value else "true"
        gql_type = self.schema.get_type(type_text.strip("[]!"))
        if gql_type is None:
            return json.dumps(value)
        wrapped: GraphQLInputType = gql_type  # type: ignore[assignment]
        for _ in range(type_text.count("[")):
            wrapped = GraphQLList(wrapped)
        return self.literal(wrapped, value)

    def scalar_value(self, gql_type: GraphQLInputType, argument: str) -> JSON:
        scalar = getattr(gql_type, "name", "String")
        if self.values is not None:
            seen = self.values.values_for(argument, scalar)
            if seen and self.rng.random() < 0.85:
                return self.rng.choice(list(seen))
        return {"Int": 1, "Float": 1.5, "Boolean": True, "ID": "1"}.get(scalar, "x")

    def default_value(self, gql_type: GraphQLInputType, argument: str = "") -> JSON:
        if isinstance(gql_type, GraphQLNonNull):
            return self.default_value(gql_type.of_type, argument)
        if isinstance(gql_type, GraphQLList):
            return [self.default_value(gql_type.of_type, argument)]
        if isinstance(gql_type, GraphQLEnumType):
            return self.rng.choice(list(gql_type.values))
        if isinstance(gql_type, GraphQLInputObjectType):
            return {
                name: self.default_value(f.type, name)
                for name, f in gql_type.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
            }
        return self.scalar_value(gql_type, argument)

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

    def argument_values(
        self, coordinate: str, args: Mapping[str, GraphQLArgument]
    ) -> dict[str, JSON]:
        sample = self.samples.get(coordinate)
        if sample:
            return dict(self.rng.choice(list(sample)))
        values: dict[str, JSON] = {}
        for name, arg in args.items():
            required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            if required or (self.features.optional_arguments and self.rng.random() < 0.25):
                values[name] = self.default_value(arg.type, name)
        return values

    def render_arguments(
        self, args: Mapping[str, GraphQLArgument], values: Mapping[str, JSON]
    ) -> str:
        parts = []
        for name, value in values.items():
            arg_type = args[name].type
            if self.rng.random() < 0.4:
                parts.append(f"{name}: {self.variable(str(arg_type), value)}")
            else:
                parts.append(f"{name}: {self.literal(arg_type, value)}")
        return f"({', '.join(parts)})" if parts else ""

    # -- conditions ---------------------------------------------------------

    def condition(self) -> str:
        if self.features.rich_conditions:
            return self.rich_condition()
        roll = self.rng.random()
        if roll > 0.15:
            return ""
        directive = self.rng.choice(["skip", "include"])
        if self.rng.random() < 0.5:
            value = self.rng.random() < 0.5
            return f" @{directive}(if: {'true' if value else 'false'})"
        return f" @{directive}(if: {self.variable('Boolean!', self.rng.random() < 0.5)})"

    def rich_condition(self) -> str:
        roll = self.rng.random()
        if roll > 0.2:
            return ""
        directives = ["skip", "include"] if roll < 0.03 else [self.rng.choice(["skip", "include"])]
        return "".join(f" @{d}(if: {self.boolean()})" for d in directives)

    def boolean(self) -> str:
        roll = self.rng.random()
        if roll < 0.35:
            return "true" if self.rng.random() < 0.5 else "false"
        if roll < 0.6 and self.boolean_variables:
            return self.rng.choice(self.boolean_variables)
        name = self.variable("Boolean!", self.rng.random() < 0.5)
        self.boolean_variables.append(name)
        return name

    # -- selections ---------------------------------------------------------

    def usable_fields(self, parent: GraphQLObjectType | GraphQLInterfaceType) -> list[str]:
        return [
            name
            for name in parent.fields
            if not name.startswith("__") and f"{parent.name}.{name}" not in self.avoid
        ]

    def field_selection(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int
    ) -> tuple[str, dict[str, JSON]] | None:
        """The field's selection and the argument values it got."""
        gql_field: GraphQLField = parent.fields[name]
        values = (
            self.argument_values(f"{parent.name}.{name}", gql_field.args) if gql_field.args else {}
        )
        alias_odds = 0.3 if self.features.duplicate_fields else 0.25
        alias = f"{self.fresh('a')}: " if gql_field.args or self.rng.random() < alias_odds else ""
        head = f"{alias}{name}{self.render_arguments(gql_field.args, values)}{self.condition()}"
        selection = self.with_selection(gql_field, head, depth)
        return None if selection is None else (selection, values)

    def with_selection(self, gql_field: GraphQLField, head: str, depth: int) -> str | None:
        target = get_named_type(gql_field.type)
        if is_leaf_type(target):
            return head
        if depth >= self.max_depth:
            return None
        assert isinstance(target, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        inner = self.selection_set(target, depth + 1)
        return f"{head} {inner}" if inner else None

    def duplicate(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        name: str,
        first: tuple[str, dict[str, JSON]],
        depth: int,
    ) -> str | None:
        """The field once more: other arguments under another alias, or (no
        arguments) the same response name, merged with its own sub-selection."""
        gql_field: GraphQLField = parent.fields[name]
        selection, values = first
        if gql_field.args:
            coordinate = f"{parent.name}.{name}"
            other = next(
                (
                    v
                    for v in (self.argument_values(coordinate, gql_field.args) for _ in range(4))
                    if v != values
                ),
                None,
            )
            if other is None:
                return None
            arguments = self.render_arguments(gql_field.args, other)
            head = f"{self.fresh('a')}: {name}{arguments}{self.condition()}"
        else:
            alias = _ALIAS.match(selection)
            head = f"{alias.group(0) if alias else ''}{name}{self.condition()}"
        return self.with_selection(gql_field, head, depth)

    def object_fields(
        self, parent: GraphQLObjectType | GraphQLInterfaceType, depth: int, limit: int
    ) -> list[str]:
        names = self.usable_fields(parent)
        self.rng.shuffle(names)
        out: list[str] = []
        for name in names:
            if len(out) >= limit or (out and self.exhausted()):
                break
            self.size += 1
            selected = self.field_selection(parent, name, depth)
            if selected is not None:
                out.append(selected[0])
                if self.features.duplicate_fields and self.rng.random() < 0.15:
                    again = self.duplicate(parent, name, selected, depth)
                    if again is not None:
                        out.append(again)
        return out

    def possible_types(self, parent: Composite) -> list[GraphQLObjectType]:
        if isinstance(parent, GraphQLObjectType):
            return [parent]
        return list(self.schema.get_possible_types(parent))

    def fragment_on(self, type_condition: Composite, depth: int) -> str | None:
        nested = self.features.nested_fragments and self.fragment_depth < 2
        self.fragment_depth += 1
        try:
            body = self.selection_set(type_condition, depth, allow_fragments=nested)
        finally:
            self.fragment_depth -= 1
        if not body:
            return None
        if self.rng.random() < 0.35:
            name = self.fresh("F")
            self.fragments[name] = f"fragment {name} on {type_condition.name} {body}"
            self.fragment_types[name] = type_condition
            return f"...{name}{self.condition()}"
        return f"... on {type_condition.name}{self.condition()} {body}"

    def untyped_fragment(self, parent: Composite, depth: int) -> str | None:
        """``... @include(if: $b) { ... }``: a fragment without a type condition."""
        self.fragment_depth += 1
        try:
            body = self.selection_set(parent, depth, allow_fragments=self.fragment_depth < 2)
        finally:
            self.fragment_depth -= 1
        condition = self.condition()
        if not condition and self.rng.random() < 0.8:
            condition = f" @include(if: {self.boolean()})"
        return f"...{condition} {body}"

    def spread_again(self, parent: Composite) -> str | None:
        """A named fragment defined earlier that may apply to ``parent``."""
        possible = set(self.possible_types(parent))
        names = [
            name
            for name, on in self.fragment_types.items()
            if possible & set(self.possible_types(on))
        ]
        if not names:
            return None
        return f"...{self.rng.choice(names)}{self.condition()}"

    def typename(self) -> str:
        if not self.features.typename_everywhere:
            return f"{self.fresh('t') + ': ' if self.rng.random() < 0.2 else ''}__typename"
        return f"{self.fresh('t') + ': ' if self.rng.random() < 0.4 else ''}__typename"

    def fragment_candidates(self, parent: Composite) -> list[Composite]:
        candidates: list[Composite] = list(self.possible_types(parent))
        if isinstance(parent, GraphQLUnionType | GraphQLObjectType):
            candidates += [
                i
                for t in self.possible_types(parent)
                for i in t.interfaces
                if not i.name.startswith("_")
            ]
        if self.features.nested_fragments:
            if isinstance(parent, GraphQLInterfaceType):
                candidates += [
                    parent,
                    *(i for i in parent.interfaces if not i.name.startswith("_")),
                ]
            elif isinstance(parent, GraphQLUnionType):
                candidates.append(parent)
            # One interface listed once, whichever way it was reached.
            candidates = list(dict.fromkeys(candidates))
        return candidates

    def fragments_of(self, parent: Composite, depth: int) -> list[str]:
        out: list[str] = []
        if self.exhausted():
            return out
        candidates = self.fragment_candidates(parent)
        self.rng.shuffle(candidates)
        for candidate in candidates[: self.rng.randint(1, 2)]:
            fragment = self.fragment_on(candidate, depth)
            if fragment:
                out.append(fragment)
        if self.features.nested_fragments:
            if self.rng.random() < 0.2:
                again = self.spread_again(parent)
                if again:
                    out.append(again)
            if self.rng.random() < 0.1:
                untyped = self.untyped_fragment(parent, depth)
                if untyped:
                    out.append(untyped)
        return out

    def selection_set(self, parent: Composite, depth: int, allow_fragments: bool = True) -> str:
        selections: list[str] = []
        limit = self.rng.randint(1, 3)
        typename_odds = 0.45 if self.features.typename_everywhere else 0.3
        if self.rng.random() < typename_odds or isinstance(parent, GraphQLUnionType):
            selections.append(self.typename())
        if not isinstance(parent, GraphQLUnionType):
            selections += self.object_fields(parent, depth, limit)
        fragment_odds = 0.35 if self.features.nested_fragments else 0.2
        if allow_fragments and (
            not isinstance(parent, GraphQLObjectType) or self.rng.random() < fragment_odds
        ):
            selections += self.fragments_of(parent, depth)
        if not selections:
            selections.append("__typename")
        return "{ " + " ".join(selections) + " }"

    def root_selections(self) -> list[str]:
        query_type = self.schema.query_type
        assert query_type is not None
        roots = self.object_fields(query_type, 1, self.rng.randint(1, 3))
        if not roots:
            roots = ["__typename"]
        if self.features.typename_everywhere:
            if self.rng.random() < 0.25:
                roots.insert(self.rng.randint(0, len(roots)), self.typename())
        elif self.rng.random() < 0.15:
            roots.insert(0, "__typename")
        if self.features.nested_fragments and self.rng.random() < 0.12:
            # A fragment on the root type, or one without a type condition.
            self.fragment_depth += 1
            try:
                body = self.selection_set(query_type, 1, allow_fragments=False)
            finally:
                self.fragment_depth -= 1
            on = f" on {query_type.name}" if self.rng.random() < 0.5 else ""
            roots.append(f"...{on}{self.rich_condition()} {body}")
        return roots

    def operation(self, index: int) -> GeneratedOperation:
        roots = self.root_selections()
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
    features: Features | None = None,
    values: ValueSource | None = None,
    max_size: int = 40,
) -> list[GeneratedOperation]:
    """``count`` valid operations, the same ones for the same arguments (and values)."""
    rng = random.Random(seed)
    out: list[GeneratedOperation] = []
    attempts = 0
    while len(out) < count:
        attempts += 1
        if attempts > count * 20:
            raise GenerationError(f"only {len(out)} valid operations after {attempts} attempts")
        builder = _Builder(
            schema, rng, avoid, samples or {}, max_depth, features or Features(), values
        )
        if builder.features != Features():
            builder.max_size = rng.randint(4, max_size)
        candidate = builder.operation(len(out))
        if not validate(schema, parse(candidate.query)):
            out.append(candidate)
    return out
