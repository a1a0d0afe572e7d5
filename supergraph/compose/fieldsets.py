"""Field sets (`@key`, `@requires`, `@provides` `fields:`) of a subgraph: walk them over its types.

Parsed by the supergraph model's parser (`supergraph.schema.fieldset`), so a
field set means the same to composition as to the router that plans with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from supergraph.schema.errors import SupergraphError
from supergraph.schema.fieldset import parse_field_set
from supergraph.schema.model import FieldSet, FieldSetField
from supergraph.schema.sdl import named_type

from .subgraph import Subgraph


@lru_cache(maxsize=1024)
def parse_fieldset(fields: str) -> FieldSet | None:
    """`fields` parsed, or None when it is not a field set (the rules say why where it matters)."""
    try:
        # Its message is not used: each rule words the problem in the reference's terms.
        return parse_field_set(fields, "a subgraph")
    except SupergraphError:
        return None


def top_level_fields(fields: str) -> set[str]:
    """The fields `fields` selects at its top (not those under an inline fragment)."""
    return field_names(parse_fieldset(fields) or ())


def field_names(field_set: FieldSet) -> set[str]:
    return {item.name for item in field_set if isinstance(item, FieldSetField)}


@dataclass(frozen=True, slots=True)
class Selected:
    """One field a field set selects, resolved against a subgraph."""

    type_name: str
    field_name: str
    # Below an @external field: its subfields are what the other subgraph answers
    # for it, so they need no @external of their own.
    under_external: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a field set does not fit the subgraph, in the reference's words."""

    message: str


def walk_fieldset(
    subgraph: Subgraph, type_name: str, fields: str
) -> tuple[list[Selected], list[Problem]]:
    """Every (type, field) the set selects, and what is wrong with it."""
    field_set = parse_fieldset(fields)
    if field_set is None:
        return [], [Problem(f'Syntax error in field set "{fields}"')]
    if not field_set:
        # graphql-core accepts `{}`; a field set must select something.
        return [], [Problem('Syntax Error: Expected Name, found "}".')]
    problems: list[Problem] = []
    selected = list(_walk(subgraph, type_name, field_set, problems))
    return selected, problems


def _walk(
    subgraph: Subgraph,
    type_name: str,
    field_set: FieldSet,
    problems: list[Problem],
    under_external: bool = False,
) -> Iterator[Selected]:
    owner = subgraph.types.get(type_name)
    for item in field_set:
        if not isinstance(item, FieldSetField):
            target = item.type_condition or type_name
            if target not in subgraph.types:
                problems.append(Problem(f'Unknown type "{target}"'))
                continue
            yield from _walk(subgraph, target, item.selections, problems, under_external)
            continue
        if item.name == "__typename":
            continue
        field = None if owner is None else owner.fields.get(item.name)
        if field is None:
            problems.append(Problem(f'Cannot query field "{item.name}" on type "{type_name}"'))
            continue
        yield Selected(type_name, item.name, under_external)
        if item.selections:
            inner = named_type(field.type)
            below = under_external or field.external
            yield from _walk(subgraph, inner, item.selections, problems, below)
