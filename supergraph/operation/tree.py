"""The normalised operation: typed selection trees the planner walks.

Fragments are expanded (named fragments become inline fragments), every
field knows its parent type and named output type, and the directives kept
are those the subgraphs must still see (variable `@skip`/`@include`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from graphql import ArgumentNode, DirectiveNode, VariableDefinitionNode

OperationKind: TypeAlias = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    alias: str | None
    parent_type: str
    type_name: str
    """Named output type (list and non-null wrappers removed)."""
    list_depth: int
    """How many list wrappers the output type has (each becomes "@" in plan paths)."""
    arguments: tuple[ArgumentNode, ...] = ()
    directives: tuple[DirectiveNode, ...] = ()
    selections: tuple[Selection, ...] = ()

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class InlineFragment:
    type_condition: str
    """Always set: a fragment without a condition gets its parent type."""
    directives: tuple[DirectiveNode, ...] = ()
    selections: tuple[Selection, ...] = ()


Selection: TypeAlias = Field | InlineFragment


@dataclass(frozen=True, slots=True)
class Operation:
    kind: OperationKind
    name: str | None
    root_type: str
    selections: tuple[Selection, ...]
    variable_definitions: tuple[VariableDefinitionNode, ...] = ()
