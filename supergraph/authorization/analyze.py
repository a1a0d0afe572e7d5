"""`analyze`: the guarded field selections of one operation (computed once, cached).

Every `FieldNode` of the operation and of its fragments whose field is guarded
(see `rules.py`) gets a stable index (document order) and its requirements.
A request's decision is then just the set of indexes it may not see. The
requirements keep no node (they are cached with the plan, and a node keeps its
whole subtree alive): `guarded_nodes` numbers the nodes of a parse the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from supergraph.authorization.rules import field_requirements
from supergraph.schema import Authorization, Supergraph


@dataclass(frozen=True, slots=True)
class GuardedField:
    index: int
    name: str
    """The field's name (`guarded_nodes` gives its node in a parsed document)."""
    parent_type: str
    requirements: frozenset[Authorization]


@dataclass(frozen=True, slots=True)
class OperationRequirements:
    fields: tuple[GuardedField, ...]
    policies: frozenset[str]
    """Every policy name the operation's guarded fields mention (the hook decides each)."""

    @property
    def empty(self) -> bool:
        return not self.fields


NO_REQUIREMENTS = OperationRequirements((), frozenset())


def analyze(
    supergraph: Supergraph,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> OperationRequirements:
    """The guarded fields, without their nodes: this lives as long as the cached plan."""
    found = _guarded(supergraph, operation, fragments)
    if not found:
        return NO_REQUIREMENTS  # most operations: no object of their own to cache
    fields = tuple(
        GuardedField(index, sys.intern(node.name.value), parent, requirements)
        for index, (node, parent, requirements) in enumerate(found)
    )
    policies = frozenset(
        policy
        for g in fields
        for requirement in g.requirements
        for group in requirement.policies
        for policy in group
    )
    return OperationRequirements(fields, policies)


def guarded_nodes(
    supergraph: Supergraph,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[FieldNode, ...]:
    """The guarded field nodes of this parse of the operation, by `GuardedField.index`."""
    return tuple(node for node, _, _ in _guarded(supergraph, operation, fragments))


def _guarded(
    supergraph: Supergraph,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[tuple[FieldNode, str, frozenset[Authorization]]]:
    root = {
        "query": supergraph.query_type,
        "mutation": supergraph.mutation_type,
        "subscription": supergraph.subscription_type,
    }[operation.operation.value]
    if root is None:
        return []
    found: list[tuple[FieldNode, str, frozenset[Authorization]]] = []
    stack: list[tuple[SelectionSetNode, str]] = [(operation.selection_set, root)]
    stack.extend((f.selection_set, f.type_condition.name.value) for f in fragments.values())
    while stack:
        selection_set, parent = stack.pop()
        for selection in reversed(selection_set.selections):
            if isinstance(selection, FieldNode):
                name = selection.name.value
                requirements = field_requirements(supergraph, parent, name)
                if requirements:
                    found.append((selection, parent, requirements))
                if selection.selection_set is not None:
                    returned = _field_type(supergraph, parent, name)
                    if returned is not None:
                        stack.append((selection.selection_set, returned))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                stack.append(
                    (selection.selection_set, condition.name.value if condition else parent)
                )
    return found


def _field_type(supergraph: Supergraph, parent: str, field: str) -> str | None:
    parent_type = supergraph.types.get(parent)
    if parent_type is None:
        return None
    definition = parent_type.fields.get(field)
    return None if definition is None else definition.named_type
