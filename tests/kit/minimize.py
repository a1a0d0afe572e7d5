"""Shrink a failing operation to a small one that still fails.

``minimize(query, variables, still_fails, schema)`` tries, from the largest
step to the smallest: dropping the other operations of the document, removing
one selection (field, inline fragment, fragment spread), replacing a fragment
by its own selections, removing a ``@skip``/``@include``, removing an alias.
After each step it drops the fragments and variables left unused, keeps only
candidates that graphql-core validates, and keeps a step whenever
``still_fails(candidate, variables)`` stays true; it stops when no single step
keeps the failure. ``one_line`` prints the result on one line.

As a command, it starts a scenario, runs generated operation INDEX through
Apollo Gateway and our router, and prints the smallest operation on which
their normalised answers still differ:

    .venv/bin/python -m tests.kit.minimize SCENARIO INDEX
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    build_schema,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.language import Visitor

Predicate = Callable[[str, dict[str, Any]], bool]
_Selection = FieldNode | InlineFragmentNode | FragmentSpreadNode


def one_line(document: str | DocumentNode) -> str:
    """The document printed on one line (print_ast breaks lines only between tokens)."""
    text = print_ast(document) if isinstance(document, DocumentNode) else document
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _copy(node: Node, **changes: Any) -> Any:
    values = {key: getattr(node, key) for key in node.keys if key != "loc"}
    values.update(changes)
    return type(node)(**values)


def _selection_sets(document: DocumentNode) -> list[SelectionSetNode]:
    found: list[SelectionSetNode] = []

    class Collect(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            found.append(node)

    visit(document, Collect())
    return found


def _with_selections(
    document: DocumentNode, target: SelectionSetNode, selections: tuple[SelectionNode, ...]
) -> DocumentNode:
    class Replace(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> Any:
            if node is target:
                return SelectionSetNode(selections=selections)
            return None

    result: DocumentNode = visit(document, Replace())
    return result


def _replaced(document: DocumentNode, target: Node, replacement: Node) -> DocumentNode:
    class Replace(Visitor):
        def enter(self, node: Node, *_args: Any) -> Any:
            return replacement if node is target else None

    result: DocumentNode = visit(document, Replace())
    return result


class _Uses(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.spreads: set[str] = set()
        self.variables: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        self.spreads.add(node.name.value)

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        self.variables.add(node.name.value)


def _prune(document: DocumentNode) -> DocumentNode:
    """Drop fragment definitions and variable definitions nothing uses any more."""
    while True:
        uses = _Uses()
        for d in document.definitions:
            if isinstance(d, OperationDefinitionNode):
                visit(d.selection_set, uses)
                for directive in d.directives or ():
                    visit(directive, uses)
            else:
                visit(d, uses)
        spreads, variables = uses.spreads, uses.variables
        definitions = []
        for d in document.definitions:
            if isinstance(d, FragmentDefinitionNode) and d.name.value not in spreads:
                continue
            if isinstance(d, OperationDefinitionNode):
                kept = tuple(
                    v for v in d.variable_definitions or () if v.variable.name.value in variables
                )
                d = OperationDefinitionNode(
                    operation=d.operation,
                    name=d.name,
                    variable_definitions=kept,
                    directives=d.directives,
                    selection_set=d.selection_set,
                )
            definitions.append(d)
        pruned = DocumentNode(definitions=tuple(definitions))
        if print_ast(pruned) == print_ast(document):
            return pruned
        document = pruned


def _single_operation(document: DocumentNode) -> Iterator[DocumentNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) < 2:
        return
    for keep in operations:
        yield DocumentNode(
            definitions=tuple(
                d
                for d in document.definitions
                if d is keep or isinstance(d, FragmentDefinitionNode)
            )
        )


def _removals(document: DocumentNode) -> Iterator[DocumentNode]:
    for selection_set in _selection_sets(document):
        selections = selection_set.selections
        for index in range(len(selections)):
            kept = tuple(s for i, s in enumerate(selections) if i != index)
            yield _with_selections(document, selection_set, kept)


def _unwrapped(document: DocumentNode) -> Iterator[DocumentNode]:
    """A fragment (inline or spread) replaced by its selections in place."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    for selection_set in _selection_sets(document):
        selections = selection_set.selections
        for index, selection in enumerate(selections):
            if isinstance(selection, InlineFragmentNode):
                inner = selection.selection_set.selections
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
                inner = fragments[selection.name.value].selection_set.selections
            else:
                continue
            replaced = (*selections[:index], *inner, *selections[index + 1 :])
            yield _with_selections(document, selection_set, tuple(replaced))


def _simplified(document: DocumentNode) -> Iterator[DocumentNode]:
    """One directive or one alias less."""
    nodes: list[_Selection] = []

    class Collect(Visitor):
        def enter(self, node: Node, *_args: Any) -> None:
            if isinstance(node, _Selection):
                nodes.append(node)

    visit(document, Collect())
    for node in nodes:
        directives = tuple(node.directives or ())
        for index in range(len(directives)):
            kept = tuple(d for i, d in enumerate(directives) if i != index)
            yield _replaced(document, node, _copy(node, directives=kept))
        if isinstance(node, FieldNode) and node.alias is not None:
            yield _replaced(document, node, _copy(node, alias=None))


def _candidates(document: DocumentNode) -> Iterator[DocumentNode]:
    for step in (_single_operation, _removals, _unwrapped, _simplified):
        for candidate in step(document):
            yield _prune(candidate)


def _used_variables(text: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in variables.items() if re.search(rf"\${re.escape(k)}\b", text)}


def minimize(
    query: str,
    variables: Mapping[str, Any],
    still_fails: Predicate,
    schema: GraphQLSchema,
    max_attempts: int = 2000,
) -> tuple[str, dict[str, Any]]:
    """The smallest (query, variables) found for which ``still_fails`` holds
    (after at most ``max_attempts`` calls of ``still_fails``)."""
    document = parse(query)
    current_vars = dict(variables)
    attempts = 0
    improved = True
    while improved and attempts < max_attempts:
        improved = False
        seen: set[str] = set()
        for candidate in _candidates(document):
            # graphql-core prints and even parses `{}`; GraphQL does not allow it.
            if any(not s.selections for s in _selection_sets(candidate)):
                continue
            text = print_ast(candidate)
            if text in seen or text == print_ast(document):
                continue
            seen.add(text)
            if validate(schema, candidate):
                continue
            used = _used_variables(text, current_vars)
            attempts += 1
            if still_fails(text, used):
                document, current_vars, improved = candidate, used, True
                break
            if attempts >= max_attempts:
                break
    return print_ast(document), current_vars


def main(argv: list[str]) -> int:
    from tests.conformance.cases import generator_seed
    from tests.conformance.scenarios import all_scenarios
    from tests.kit.compare import Response, normalise, post
    from tests.kit.compose import CompositionError, compose_scenarios
    from tests.kit.fixtures import Stacks
    from tests.kit.generator import generate

    if len(argv) != 2:
        print(__doc__)
        return 2
    name, index = argv[0], int(argv[1])
    scenarios = {s.name: s for s in all_scenarios()}
    compositions = compose_scenarios(list(scenarios.values()))
    composition = compositions[name]
    if isinstance(composition, CompositionError):
        raise composition
    scenario = scenarios[name]
    schema = build_schema(composition.api_sdl)
    op = generate(
        schema,
        scenario.generated,
        seed=generator_seed(scenario),
        avoid=scenario.generator_avoid,
        samples=scenario.generator_samples,
    )[index]
    with tempfile.TemporaryDirectory() as root:
        stacks = Stacks(scenarios, compositions, Path(root))
        try:
            stack = stacks.get(name)
            router_url = stack.router().url

            def send(url: str, query: str, variables: dict[str, Any]) -> Response:
                return post(url, query, variables or None, op.operation_name)

            def differs(query: str, variables: dict[str, Any]) -> bool:
                ours = normalise(send(router_url, query, variables))
                return ours != normalise(send(stack.apollo_url, query, variables))

            if not differs(op.query, op.variables):
                print("our router and Apollo agree on this operation")
                return 1
            query, variables = minimize(op.query, op.variables, differs, schema)
            print(query)
            print(f"variables: {variables}")
            print(f"ours:   {send(router_url, query, variables).body}")
            print(f"apollo: {send(stack.apollo_url, query, variables).body}")
        finally:
            stacks.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
