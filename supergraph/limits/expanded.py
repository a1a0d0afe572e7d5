"""MAX_EXPANDED_FIELDS_EXCEEDED: fields of an operation with every fragment spread expanded.

The planner and the executor work on the expanded operation: a few hundred
bytes of fragments that each spread the previous one twice (a "fragment bomb")
expand to millions of fields and as many subgraph fetches. Counting is cheap
(each fragment is counted once and its count reused), so the check runs before
validation and planning and turns such a document away in microseconds.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

MAX_EXPANDED_FIELDS_EXCEEDED = "MAX_EXPANDED_FIELDS_EXCEEDED"


def expanded_fields(document: DocumentNode) -> int:
    """The largest operation's field count, each fragment spread counting its
    fragment's fields again. Unknown or cyclic spreads count 0 (validation reports them)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    counter = _Counter(fragments)
    return max(
        (
            counter.of(d.selection_set)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        ),
        default=0,
    )


def check_expanded_fields(document: DocumentNode, limit: int) -> GraphQLError | None:
    count = expanded_fields(document)
    if count <= limit:
        return None
    return GraphQLError(
        f"The operation has {count} fields with its fragments expanded; the limit is {limit}.",
        extensions={"code": MAX_EXPANDED_FIELDS_EXCEEDED},
    )


class _Counter:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.counts: dict[str, int] = {}
        self.open: set[str] = set()

    def of(self, selection_set: SelectionSetNode) -> int:
        total = 0
        # An explicit stack: nesting is bounded by the parser, but fragments chain freely.
        stack = [selection_set]
        while stack:
            for selection in stack.pop().selections:
                if isinstance(selection, FieldNode):
                    total += 1
                    if selection.selection_set is not None:
                        stack.append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    stack.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    total += self._fragment(selection.name.value)
        return total

    def _fragment(self, name: str) -> int:
        count = self.counts.get(name)
        if count is not None:
            return count
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:
            return 0
        self.open.add(name)
        count = self.of(fragment.selection_set)
        self.open.discard(name)
        self.counts[name] = count
        return count
