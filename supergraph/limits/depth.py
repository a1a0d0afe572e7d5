"""MAX_DEPTH_EXCEEDED: a root field is depth 1, each nested selection set adds one."""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from supergraph.limits.walk import DocumentFragments, Fragments

MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED"


def max_depth_rule(limit: int) -> type[ASTValidationRule]:
    class MaxDepthRule(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _Depth(self.context).of(node.selection_set, frozenset())
            if depth > limit:
                self.report_error(
                    GraphQLError(
                        f"The operation is {depth} levels deep; the limit is {limit}.",
                        node,
                        extensions={"code": MAX_DEPTH_EXCEEDED},
                    )
                )

        @classmethod
        def passes(cls, document: DocumentNode) -> bool:
            fragments = DocumentFragments(document)
            depth = _Depth(fragments)
            return all(
                depth.of(op.selection_set, frozenset()) <= limit for op in fragments.operations()
            )

    return MaxDepthRule


class _Depth:
    """Depth with each fragment measured once: a fragment used many times (a
    "fragment bomb") must not make the check itself exponential."""

    def __init__(self, context: Fragments) -> None:
        self.context = context
        self.fragments: dict[str, int] = {}

    def of(self, selection_set: SelectionSetNode, seen: frozenset[str]) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = self.of(selection.selection_set, seen) if selection.selection_set else 0
                deepest = max(deepest, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.of(selection.selection_set, seen))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment(selection.name.value, seen))
        return deepest

    def _fragment(self, name: str, seen: frozenset[str]) -> int:
        if name in self.fragments:
            return self.fragments[name]
        fragment = self.context.get_fragment(name)
        if fragment is None or name in seen:  # unknown or cyclic: the spec rules report it
            return 0
        depth = self.of(fragment.selection_set, seen | {name})
        self.fragments[name] = depth
        return depth
