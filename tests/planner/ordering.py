"""Check a plan's data flow: every field a fetch needs in its representations was
fetched, at that response path, by a fetch that runs strictly before it."""

from __future__ import annotations

from graphql import FieldNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode, parse

from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    RequiresField,
    RequiresSelection,
    Sequence,
)

Paths = set[tuple[str, ...]]


def unmet_requirements(plan: QueryPlan) -> list[tuple[str, tuple[str, ...]]]:
    """(service, missing path) for each required field no earlier fetch provides."""
    problems: list[tuple[str, tuple[str, ...]]] = []
    _run(plan.node, set(), (), problems)
    return problems


def _run(
    node: PlanNode | None,
    before: Paths,
    path: tuple[str, ...],
    problems: list[tuple[str, tuple[str, ...]]],
) -> Paths:
    match node:
        case None:
            return before
        case Fetch():
            base = tuple(p for p in path if p != "@")
            if node.requires is not None:
                for missing in sorted(_required(node.requires, base) - before):
                    problems.append((node.service_name, missing))
            return before | _fetched(node, base)
        case Flatten():
            return _run(node.node, before, node.path, problems)
        case Sequence():
            current = before
            for child in node.nodes:
                current = _run(child, current, path, problems)
            return current
        case Parallel():
            out = set(before)
            for child in node.nodes:
                out |= _run(child, before, path, problems)
            return out
        case Condition():
            return _run(node.if_clause, before, path, problems) | _run(
                node.else_clause, before, path, problems
            )


def _fetched(fetch: Fetch, base: tuple[str, ...]) -> Paths:
    operation = parse(fetch.operation).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    selection_set = operation.selection_set
    if fetch.requires is not None:
        entities = selection_set.selections[0]
        assert isinstance(entities, FieldNode) and entities.selection_set is not None
        selection_set = entities.selection_set
    out: Paths = set()
    _walk(selection_set, base, out)
    return out


def _walk(selection_set: SelectionSetNode, prefix: tuple[str, ...], out: Paths) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            out.add((*prefix, key))
            if selection.selection_set is not None:
                _walk(selection.selection_set, (*prefix, key), out)
        elif isinstance(selection, InlineFragmentNode):
            _walk(selection.selection_set, prefix, out)


def _required(selections: tuple[RequiresSelection, ...], base: tuple[str, ...]) -> Paths:
    out: Paths = set()
    for selection in selections:
        if isinstance(selection, RequiresField):
            key = selection.response_name
            if key != "__typename":
                out.add((*base, key))
            out |= _required(selection.selections, (*base, key))
        else:
            out |= _required(selection.selections, base)
    return out
