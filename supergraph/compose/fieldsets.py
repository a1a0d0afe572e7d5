"""Field sets (`@key`, `@requires`, `@provides` `fields:`): parse them and walk them over a subgraph."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import GraphQLSyntaxError, parse
from graphql.language import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from supergraph.schema.sdl import named_type

from .subgraph import Subgraph


@lru_cache(maxsize=1024)
def parse_fieldset(fields: str) -> SelectionSetNode | None:
    try:
        document = parse("{" + fields + "}", no_location=True)
    except GraphQLSyntaxError:
        return None
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def top_level_fields(fields: str) -> set[str]:
    selection = parse_fieldset(fields)
    if selection is None:
        return set()
    return {s.name.value for s in selection.selections if isinstance(s, FieldNode)}


@dataclass(frozen=True, slots=True)
class Selected:
    """One field a field set selects, resolved against a subgraph."""

    type_name: str
    field_name: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a field set does not fit the subgraph, in the reference's words."""

    message: str


def walk_fieldset(
    subgraph: Subgraph, type_name: str, fields: str
) -> tuple[list[Selected], list[Problem]]:
    """Every (type, field) the set selects, and what is wrong with it."""
    selection = parse_fieldset(fields)
    if selection is None:
        return [], [Problem(f'Syntax error in field set "{fields}"')]
    if not selection.selections:
        # graphql-core accepts `{}`; a field set must select something.
        return [], [Problem('Syntax Error: Expected Name, found "}".')]
    selected: list[Selected] = []
    problems: list[Problem] = []
    for item in _walk(subgraph, type_name, selection, problems):
        selected.append(item)
    return selected, problems


def _walk(
    subgraph: Subgraph, type_name: str, selection: SelectionSetNode, problems: list[Problem]
) -> Iterator[Selected]:
    owner = subgraph.types.get(type_name)
    for node in selection.selections:
        if isinstance(node, InlineFragmentNode):
            target = node.type_condition.name.value if node.type_condition else type_name
            if target not in subgraph.types:
                problems.append(Problem(f'Unknown type "{target}"'))
                continue
            yield from _walk(subgraph, target, node.selection_set, problems)
            continue
        if not isinstance(node, FieldNode):
            continue
        name = node.name.value
        if name == "__typename":
            continue
        field = None if owner is None else owner.fields.get(name)
        if field is None:
            problems.append(Problem(f'Cannot query field "{name}" on type "{type_name}"'))
            continue
        yield Selected(type_name, name)
        if node.selection_set is not None:
            yield from _walk(subgraph, named_type(field.type), node.selection_set, problems)
