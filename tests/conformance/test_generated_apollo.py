"""Generated operations: valid against each scenario's API schema, answered by Apollo without errors.

The generator (tests/kit/generator.py) combines fragments, aliases, abstract
types, @skip/@include and variables; fields that fail on purpose are excluded
per scenario, so any error here is a kit, scenario or Apollo problem.
"""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate

from tests.conformance.cases import GENERATED_CASES, SCENARIOS
from tests.kit.compose import Composition, CompositionError
from tests.kit.fixtures import Stacks
from tests.kit.generator import GeneratedOperation
from tests.kit.scenario import Operation

pytestmark = pytest.mark.node


def test_at_least_200_generated_operations() -> None:
    assert sum(s.generated for s in SCENARIOS) >= 200


def test_generated_operations_are_valid(
    generated: dict[str, list[GeneratedOperation]],
    compositions: dict[str, Composition | CompositionError],
) -> None:
    for name, operations in generated.items():
        composition = compositions[name]
        assert isinstance(composition, Composition)
        schema = build_schema(composition.api_sdl)
        for operation in operations:
            assert validate(schema, parse(operation.query)) == [], operation.query


@pytest.mark.parametrize(("scenario", "index"), GENERATED_CASES)
def test_apollo_answers_generated(
    stacks: Stacks, generated: dict[str, list[GeneratedOperation]], scenario: str, index: int
) -> None:
    stack = stacks.get(scenario)
    op = generated[scenario][index]
    operation = Operation(f"gen{index}", op.query, None, op.variables or None, op.operation_name)
    result = stack.run(stack.apollo_url, operation)
    assert result.response.status == 200, result.response.body
    body = result.response.body
    if index in stack.scenario.apollo_wrong_generated:
        # A known Apollo bug: the scenario names it and the written operation
        # it points to checks the correct answer. Nothing more to check here.
        return
    assert result.response.errors == [], f"{op.query}\n{op.variables}\n{body}"
    assert isinstance(result.response.data, dict), body
