"""Remove denied field selections from a document, so no subgraph is ever asked for them.

A selection set left empty gets `__typename`, keeping the document valid. The
original document is not modified (it is cached and shared by all requests).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
)

from supergraph.types import ResponsePath


def remove_fields(document: DocumentNode, denied: Collection[FieldNode]) -> DocumentNode:
    """A copy of `document` without the `denied` field nodes (compared by identity)."""
    ids = {id(node) for node in denied}
    definitions = tuple(
        replace(definition, selection_set=_filter(definition.selection_set, ids))
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
        else definition
        for definition in document.definitions
    )
    return replace(document, definitions=definitions)


def _filter(selection_set: SelectionSetNode, ids: set[int]) -> SelectionSetNode:
    kept: list[SelectionNode] = []
    for selection in selection_set.selections:
        if id(selection) in ids:
            continue
        if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
            selection = replace(selection, selection_set=_filter(selection.selection_set, ids))
        kept.append(selection)
    if not kept:
        kept.append(FieldNode(name=NameNode(value="__typename"), directives=(), arguments=()))
    return replace(selection_set, selections=tuple(kept))


def denied_paths(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    denied: Collection[FieldNode],
) -> list[ResponsePath]:
    """Response-key paths (no list indexes) of every denied selection, in document order."""
    ids = {id(node) for node in denied}
    paths: list[ResponsePath] = []

    def walk(selection_set: SelectionSetNode, path: ResponsePath, seen: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                if id(selection) in ids:
                    paths.append([*path, key])
                elif selection.selection_set is not None:
                    walk(selection.selection_set, [*path, key], seen)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, path, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    walk(fragment.selection_set, path, seen | {name})

    walk(operation.selection_set, [], frozenset())
    unique: list[ResponsePath] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique
