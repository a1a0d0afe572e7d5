"""Apollo Gateway on each scenario answers what the scenario says.

This validates the scenarios and the kit (subgraph servers, composition,
gateway start-up) against the reference gateway, independently of our router.
"""

from __future__ import annotations

import pytest

from tests.conformance.cases import OPERATION_CASES
from tests.kit.compare import assert_same, expected_of, normalise
from tests.kit.fixtures import Stacks

pytestmark = pytest.mark.node


@pytest.mark.parametrize(("scenario", "operation"), OPERATION_CASES)
def test_apollo_answers_as_expected(stacks: Stacks, scenario: str, operation: str) -> None:
    stack = stacks.get(scenario)
    op = stack.scenario.operation(operation)
    result = stack.run(stack.apollo_url, op)
    if op.status is not None and not op.apollo:
        assert result.response.status == op.status, result.response.body
    assert_same(normalise(result.response), expected_of(op, apollo=True), op.query)
    if op.requests is not None and not op.apollo:
        counted = {name: result.requests[name] for name in op.requests}
        assert counted == dict(op.requests), f"subgraph requests for {op.query}"


def test_apollo_exposes_query_plans(stacks: Stacks) -> None:
    stack = stacks.get("keys")
    op = stack.scenario.operation("jump-through-second-key")
    text = stack.apollo_plan(op)
    assert isinstance(text, str)
    assert 'Fetch(service: "pricing")' in text
    plan = stack.apollo_plan(op, as_json=True)
    assert plan["kind"] == "QueryPlan"
