"""Our router vs Apollo Gateway on every scenario operation (written and generated).

They compare normalised responses (tests/kit/compare.py: data exactly, errors by
path and client-facing code; Apollo's errors in `extensions.valueCompletion`
count as errors, where the spec and our router put them) and, where a scenario
fixes them, the number of requests each subgraph receives. Where Apollo is wrong by the spec
(``Operation.apollo``), our router must return the scenario's ``data``.

The ``*_requests_*`` tests are counting assertions: for each operation our
router must not send more subgraph requests in total than Apollo Gateway.
"""

from __future__ import annotations

import pytest

from tests.conformance.cases import GENERATED_CASES, OPERATION_CASES
from tests.kit.compare import assert_same, expected_of, normalise
from tests.kit.fixtures import Stacks
from tests.kit.generator import GeneratedOperation
from tests.kit.scenario import Operation

pytestmark = pytest.mark.node


@pytest.mark.parametrize(("scenario", "operation"), OPERATION_CASES)
def test_router_matches_apollo(stacks: Stacks, scenario: str, operation: str) -> None:
    stack = stacks.get(scenario)
    op = stack.scenario.operation(operation)
    ours = stack.run(stack.router().url, op)
    if op.status is not None:
        assert ours.response.status == op.status, ours.response.body
    if op.apollo:
        # Apollo is wrong here (op.apollo says why): compare with the scenario instead.
        assert_same(normalise(ours.response), expected_of(op), op.query)
    else:
        apollo = stack.run(stack.apollo_url, op)
        theirs = normalise(apollo.response, value_completion=True)
        assert_same(normalise(ours.response), theirs, op.query)
        assert_same(normalise(ours.response), expected_of(op), op.query)
    if op.requests is not None:
        counted = {name: ours.requests[name] for name in op.requests}
        assert counted == dict(op.requests), f"subgraph requests for {op.query}"


@pytest.mark.parametrize(("scenario", "index"), GENERATED_CASES)
def test_router_matches_apollo_generated(
    stacks: Stacks, generated: dict[str, list[GeneratedOperation]], scenario: str, index: int
) -> None:
    stack = stacks.get(scenario)
    op = generated[scenario][index]
    operation = Operation(f"gen{index}", op.query, None, op.variables or None, op.operation_name)
    ours = stack.run(stack.router().url, operation)
    assert ours.response.status == 200, ours.response.body
    if index in stack.scenario.apollo_wrong_generated:
        # Apollo is wrong here; the written operation it names checks the answer.
        assert ours.response.errors == [], ours.response.body
        assert isinstance(ours.response.data, dict), ours.response.body
        return
    apollo = stack.run(stack.apollo_url, operation)
    theirs = normalise(apollo.response, value_completion=True)
    assert_same(normalise(ours.response), theirs, op.query)


def _requests_not_more_than_apollo(stacks: Stacks, scenario: str, operation: Operation) -> None:
    stack = stacks.get(scenario)
    apollo = stack.run(stack.apollo_url, operation).requests
    ours = stack.run(stack.router().url, operation).requests
    assert sum(ours.values()) <= sum(apollo.values()), (
        f"{operation.query}\nsubgraph requests: ours {ours}, Apollo {apollo}"
    )


@pytest.mark.parametrize(("scenario", "operation"), OPERATION_CASES)
def test_router_requests_not_more_than_apollo(
    stacks: Stacks, scenario: str, operation: str
) -> None:
    op = stacks.get(scenario).scenario.operation(operation)
    if op.apollo or op.query.lstrip().startswith("mutation"):
        return  # Apollo's count is wrong there / mutations change state between runs
    _requests_not_more_than_apollo(stacks, scenario, op)


@pytest.mark.parametrize(("scenario", "index"), GENERATED_CASES)
def test_router_requests_not_more_than_apollo_generated(
    stacks: Stacks, generated: dict[str, list[GeneratedOperation]], scenario: str, index: int
) -> None:
    if index in stacks.get(scenario).scenario.apollo_wrong_generated:
        return
    op = generated[scenario][index]
    operation = Operation(f"gen{index}", op.query, None, op.variables or None, op.operation_name)
    _requests_not_more_than_apollo(stacks, scenario, operation)
