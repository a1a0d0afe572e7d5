"""`analyze`: the guarded field selections of one operation (computed once, cached).

Every `FieldNode` of the operation and of its fragments whose field is guarded
(see `rules.py`) gets a stable index (document order) and its requirements.
A request's decision is then just the set of indexes it may not see.
"""

from __future__ import annotations

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
    node: FieldNode
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
    root = {
        "query": supergraph.query_type,
        "mutation": supergraph.mutation_type,
        "subscription": supergraph.subscription_type,
    }[operation.operation.value]
    if root is None:
        return NO_REQUIREMENTS
    found: list[GuardedField] = []
    stack: list[tuple[SelectionSetNode, str]] = [(operation.selection_set, root)]
    stack.extend((f.selection_set, f.type_condition.name.value) for f in fragments.values())
    while stack:
        selection_set, parent = stack.pop()
        for selection in reversed(selection_set.selections):
            if isinstance(selection, FieldNode):
                name = selection.name.value
                requirements = field_requirements(supergraph, parent, name)
                if requirements:
                    found.append(GuardedField(0, selection, parent, requirements))
                if selection.selection_set is not None:
                    returned = _field_type(supergraph, parent, name)
                    if returned is not None:
                        stack.append((selection.selection_set, returned))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                stack.append(
                    (selection.selection_set, condition.name.value if condition else parent)
                )
    fields = tuple(
        GuardedField(index, g.node, g.parent_type, g.requirements) for index, g in enumerate(found)
    )
    policies = frozenset(
        policy
        for g in fields
        for requirement in g.requirements
        for group in requirement.policies
        for policy in group
    )
    return OperationRequirements(fields, policies)


def _field_type(supergraph: Supergraph, parent: str, field: str) -> str | None:
    parent_type = supergraph.types.get(parent)
    if parent_type is None:
        return None
    definition = parent_type.fields.get(field)
    return None if definition is None else definition.named_type
