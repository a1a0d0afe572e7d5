"""The fields of a selection set with fragment spreads and inline fragments expanded."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from graphql.validation import ASTValidationContext


def fields(
    context: ASTValidationContext,
    selection_set: SelectionSetNode,
    seen: frozenset[str] = frozenset(),
) -> Iterator[FieldNode]:
    """Fields directly in `selection_set`; `seen` guards against fragment cycles
    (the spec rule reports those, but our rules run in the same pass)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from fields(context, selection.selection_set, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is not None and name not in seen:
                yield from fields(context, fragment.selection_set, seen | {name})
