"""Shrink a failing operation to a small one that still fails.

``minimize(query, still_fails, schema)`` removes one selection at a time
(fields, inline fragments, fragment spreads), drops fragments and variables
left unused, keeps only candidates that graphql-core validates, and keeps a
removal whenever ``still_fails(candidate)`` stays true; it stops when no
single removal keeps the failure.

As a command, it starts a scenario, runs generated operation INDEX through
Apollo Gateway and our router, and prints the smallest operation on which
their normalised answers still differ:

    .venv/bin/python -m tests.kit.minimize SCENARIO INDEX
"""

from __future__ import annotations

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
    OperationDefinitionNode,
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


def _selection_sets(document: DocumentNode) -> list[SelectionSetNode]:
    found: list[SelectionSetNode] = []

    class Collect(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            found.append(node)

    visit(document, Collect())
    return found


def _without(document: DocumentNode, target: SelectionSetNode, index: int) -> DocumentNode:
    class Remove(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> Any:
            if node is target:
                kept = tuple(s for i, s in enumerate(node.selections) if i != index)
                return SelectionSetNode(selections=kept)
            return None

    result: DocumentNode = visit(document, Remove())
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


def _candidates(document: DocumentNode) -> Iterator[DocumentNode]:
    for selection_set in _selection_sets(document):
        for index in range(len(selection_set.selections)):
            yield _prune(_without(document, selection_set, index))


def minimize(
    query: str,
    variables: Mapping[str, Any],
    still_fails: Predicate,
    schema: GraphQLSchema,
) -> tuple[str, dict[str, Any]]:
    """The smallest (query, variables) found for which ``still_fails`` holds."""
    document = parse(query)
    current_vars = dict(variables)
    improved = True
    while improved:
        improved = False
        for candidate in _candidates(document):
            # graphql-core prints and even parses `{}`; GraphQL does not allow it.
            if any(not s.selections for s in _selection_sets(candidate)):
                continue
            if validate(schema, candidate):
                continue
            text = print_ast(candidate)
            used = {k: v for k, v in current_vars.items() if f"${k}" in text}
            if still_fails(text, used):
                document, current_vars, improved = candidate, used, True
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
