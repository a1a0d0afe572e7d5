"""Resolve `@skip`/`@include` with literal arguments; keep the variable ones.

A selection whose literal condition excludes it disappears; a satisfied
literal condition is dropped; conditions on variables stay on the selection
so the planner can forward them (or turn them into `Condition` nodes).
A fragment left with no selection disappears; a field left with none selects
`__typename` (it is still resolved, and a subgraph query needs a selection).
"""

from __future__ import annotations

from dataclasses import replace

from graphql import BooleanValueNode, DirectiveNode

from supergraph.operation.tree import Field, InlineFragment, Selection


def resolve_conditions(selections: tuple[Selection, ...]) -> tuple[Selection, ...]:
    out: list[Selection] = []
    for selection in selections:
        kept = _kept_directives(selection.directives)
        if kept is None:
            continue
        inner = resolve_conditions(selection.selections)
        match selection:
            case Field():
                if selection.selections and not inner:
                    # Every subfield is excluded, yet the field is still resolved
                    # (`{}` for the client): the subgraph query needs a selection,
                    # and shaping, which reads the client's own selections, drops it.
                    inner = (_typename(selection.type_name),)
                out.append(replace(selection, directives=kept, selections=inner))
            case InlineFragment():
                if inner:
                    # A fragment left empty selects nothing: dropped, never sent as `{}`.
                    out.append(replace(selection, directives=kept, selections=inner))
    return tuple(out)


def _typename(parent_type: str) -> Field:
    return Field(
        name="__typename", alias=None, parent_type=parent_type, type_name="String", list_depth=0
    )


def _kept_directives(directives: tuple[DirectiveNode, ...]) -> tuple[DirectiveNode, ...] | None:
    """The directives to keep, or None when a literal condition excludes the selection."""
    kept: list[DirectiveNode] = []
    for directive in directives:
        name = directive.name.value
        if name not in {"skip", "include"}:
            kept.append(directive)
            continue
        value = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if isinstance(value, BooleanValueNode):
            if value.value == (name == "skip"):
                return None
            continue
        kept.append(directive)
    return tuple(kept)


def variable_condition(directive: DirectiveNode) -> tuple[str, bool] | None:
    """(`variable`, `include when true?`) for `@include(if: $v)` / `@skip(if: $v)`."""
    name = directive.name.value
    if name not in {"skip", "include"}:
        return None
    for argument in directive.arguments or ():
        if argument.name.value == "if":
            variable = getattr(argument.value, "name", None)
            if variable is not None:
                return variable.value, name == "include"
    return None
