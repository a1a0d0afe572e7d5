"""Stage: coerce the request's variables by the operation's definitions.

    (variable definitions, raw values) -> the values subgraphs get | VariablesInvalid

Subgraphs get the client's own values (they coerce them by their own schema,
defaults included); coerced values only fill in operation defaults. Errors are
located at their definitions, found in the text the first time (the cached
operation keeps no AST with locations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import GraphQLError, GraphQLSchema, VariableDefinitionNode
from graphql.execution.values import get_variable_values

from supergraph.errors import BAD_USER_INPUT
from supergraph.operation.locate import Position, variable_locations
from supergraph.pipeline.response import error_json
from supergraph.types import JSONObject


class VariablesInvalid(Exception):
    """Values that do not fit their definitions: the errors (code BAD_USER_INPUT)."""

    def __init__(self, errors: list[JSONObject]) -> None:
        super().__init__(errors[0].get("message") if errors else "")
        self.errors = errors


class VariableLocations:
    """Line and column of an operation's variable definitions: a few integers, found
    in the text the first time a request's variables are wrong (the cached operation
    keeps no AST with locations, nor tokens)."""

    __slots__ = ("definition", "found")

    def __init__(self, definition: int) -> None:
        self.definition = definition
        """The operation's index among the document's definitions."""
        self.found: tuple[Position, ...] | None = None

    def of(self, query: str) -> tuple[Position, ...]:
        if self.found is None:
            self.found = variable_locations(query, self.definition)
        return self.found


def coerce(
    schema: GraphQLSchema,
    definitions: Sequence[VariableDefinitionNode],
    raw: Mapping[str, Any],
    query: str,
    locations: VariableLocations | None,
) -> dict[str, Any]:
    """The values to run with: the client's, and the defaults of those it left out."""
    coerced = get_variable_values(schema, definitions, dict(raw))
    if isinstance(coerced, list):
        raise VariablesInvalid(_located(query, definitions, locations, coerced))
    values: dict[str, Any] = coerced.coerced
    return {name: raw.get(name, value) for name, value in values.items()}


def _located(
    query: str,
    definitions: Sequence[VariableDefinitionNode],
    locations: VariableLocations | None,
    errors: list[GraphQLError],
) -> list[JSONObject]:
    positions = locations.of(query) if locations is not None else ()
    where = (
        {id(node): position for node, position in zip(definitions, positions, strict=True)}
        if len(positions) == len(definitions)
        else {}
    )
    out = []
    for error in errors:
        formatted = error_json(error, BAD_USER_INPUT)
        found = [where[id(node)] for node in error.nodes or () if id(node) in where]
        if found:
            located: JSONObject = {"message": formatted.pop("message")}
            located["locations"] = [{"line": line, "column": column} for line, column in found]
            located.update(formatted)
            formatted = located
        out.append(formatted)
    return out
