"""What both response walkers (invariant.py, response_walk.py) read from an operation.

The operation a request names, its fragments, its variables as execution sees
them, and whether `@skip`/`@include` keep a selection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionNode,
    VariableNode,
)
from graphql.execution.values import get_variable_values


def operation_named(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation `name` picks (without a name: the only one), as execution does."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def variable_values(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The variables as execution sees them (defaults filled in); the raw ones if invalid."""
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(raw or {}))
    if isinstance(coerced, list):
        return dict(raw or {})
    # graphql-core 3.3 returns VariableValues(sources, coerced); 3.2 a plain dict.
    values: dict[str, Any] = coerced if isinstance(coerced, dict) else coerced.coerced
    return values


def is_included(node: SelectionNode, variables: Mapping[str, Any]) -> bool:
    """`@skip`/`@include` of a selection, with literal or variable `if`."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        argument = next((a for a in directive.arguments or () if a.name.value == "if"), None)
        if argument is None:
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            condition = variables.get(value.name.value) is True
        else:
            condition = isinstance(value, BooleanValueNode) and value.value
        if condition == (name == "skip"):
            return False
    return True
