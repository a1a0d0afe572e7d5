"""Walks shared by the limit rules: fields with fragments expanded, and every field.

The rules run inside graphql-core's validation (a context gives fragments by
name) and, when the spec rules are proven silent, straight on the document
(`passes`, see __init__.py): both only need `get_fragment`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


class Fragments(Protocol):
    def get_fragment(self, name: str) -> FragmentDefinitionNode | None: ...


class DocumentFragments:
    """A document's fragments by name, as a validation context gives them."""

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def get_fragment(self, name: str) -> FragmentDefinitionNode | None:
        return self.fragments.get(name)

    def operations(self) -> Iterator[OperationDefinitionNode]:
        for definition in self.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                yield definition


def fields(
    context: Fragments,
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


def document_fields(document: DocumentNode) -> Iterator[FieldNode]:
    """Every field node of the document once (fragments where they are defined)."""
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode))
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
                if selection.selection_set is not None:
                    stack.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                stack.append(selection.selection_set)
