"""Which parts of a deferred answer each fetch of a finished plan serves. Pure.

An operation with @defer is planned whole (operation/defer.py strips the
directive), so fetches start as soon as their inputs exist; a part is sent once
every fetch serving it has landed. A fetch serves the parts owning the client
fields it selects: its selections are matched to the owner tree at the fetch's
response path (aliases the planner chose are read back through the fetch's
renames). Fields that match nothing are the planner's own (keys, `@requires`
inputs, `__typename`): the fetch that needs them comes after it in the plan, so
waiting for that one waits for them. A fetch matching no client field at all
(only keys for a later jump) serves the owners of its position.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from supergraph.operation.defer import Owned
from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    KeyRenamer,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)


def fetch_owners(plan: QueryPlan, tree: Owned) -> dict[int, frozenset[int]]:
    """By `id(fetch)`: the parts each fetch of `plan` serves."""
    owners: dict[int, frozenset[int]] = {}
    for fetch, path in _fetches(plan.node, ()):
        node: Owned | None = tree
        for step in path:
            if node is None:
                break
            if step == "@" or step.startswith(("...", "|")) or " " in step:
                continue
            node = node.children.get(step)
        found: set[int] = set()
        if node is not None:
            renames = {
                r.path[-1]: r.rename_key_to
                for r in fetch.output_rewrites
                if isinstance(r, KeyRenamer) and r.path
            }
            document = _parsed(fetch.operation)
            selection = _top(document, fetch.requires is not None)
            if selection is not None:
                _match(selection, node, renames, _fragments(document), found)
            if not found:
                found = set(node.owners)
        owners[id(fetch)] = frozenset(found) if found else frozenset(tree.owners)
    return owners


def executed_fetches(node: PlanNode | None, variables: Mapping[str, object]) -> Iterator[Fetch]:
    """The fetches a run of the plan makes with these variables (conditions decided)."""
    if node is None:
        return
    match node:
        case Fetch():
            yield node
        case Flatten(node=child):
            yield from executed_fetches(child, variables)
        case Sequence(nodes=children) | Parallel(nodes=children):
            for child in children:
                yield from executed_fetches(child, variables)
        case Condition(condition=name, if_clause=yes, else_clause=no):
            yield from executed_fetches(yes if variables.get(name) else no, variables)


def _fetches(
    node: PlanNode | None, path: tuple[str, ...]
) -> Iterator[tuple[Fetch, tuple[str, ...]]]:
    if node is None:
        return
    match node:
        case Fetch():
            yield node, path
        case Flatten(path=at, node=child):
            yield from _fetches(child, (*path, *(str(step) for step in at)))
        case Sequence(nodes=children) | Parallel(nodes=children):
            for child in children:
                yield from _fetches(child, path)
        case Condition(if_clause=yes, else_clause=no):
            yield from _fetches(yes, path)
            yield from _fetches(no, path)


@lru_cache(maxsize=1024)
def _parsed(operation: str) -> DocumentNode:
    return parse(operation, no_location=True)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _top(document: DocumentNode, entity: bool) -> SelectionSetNode | None:
    operation = next(
        (d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None
    )
    if operation is None:
        return None
    if not entity:
        return operation.selection_set
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value == "_entities":
            return selection.selection_set
    return None


def _match(
    selset: SelectionSetNode,
    node: Owned,
    renames: Mapping[str, str],
    fragments: Mapping[str, FragmentDefinitionNode],
    found: set[int],
) -> None:
    for selection in selset.selections:
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            child = node.children.get(renames.get(key, key))
            if child is None:
                continue
            found |= child.owners
            if selection.selection_set is not None:
                _match(selection.selection_set, child, renames, fragments, found)
        elif isinstance(selection, InlineFragmentNode):
            _match(selection.selection_set, node, renames, fragments, found)
        elif isinstance(selection, FragmentSpreadNode):
            definition = fragments.get(selection.name.value)
            if definition is not None:
                _match(definition.selection_set, node, renames, fragments, found)
