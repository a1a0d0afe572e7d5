"""Our router vs Apollo Gateway on every scenario operation (written and generated).

They compare normalised responses (tests/kit/compare.py: data exactly, errors by
path and client-facing code; Apollo's errors in `extensions.valueCompletion`
count as errors, where the spec and our router put them) and, where a scenario
fixes them, the number of requests each subgraph receives. Where Apollo is wrong by the spec
(``Operation.apollo``, ``Scenario.apollo_wrong_generated``), our router must return the
scenario's ``data`` (``apollo_wrong_generated_data`` for generated operations).

The ``*_requests_*`` tests are counting assertions: for each operation our
router must not send more subgraph requests in total than Apollo Gateway
(except where Apollo's count cannot be a yardstick: ``REQUEST_COUNT_EXCLUDED``).
"""

from __future__ import annotations

import pytest

from tests.conformance.cases import (
    CASE_IDS,
    GENERATED_CASES,
    GENERATED_REQUEST_COUNT_CASES,
    OPERATION_CASES,
    REQUEST_COUNT_CASES,
    REQUEST_COUNT_EXCLUDED,
)
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
        # Apollo is wrong here (the reason names the written operation): the
        # scenario's data says what the answer is.
        correct = {"data": stack.scenario.apollo_wrong_generated_data[index], "errors": []}
        assert_same(normalise(ours.response), correct, op.query)
    else:
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


@pytest.mark.parametrize(("scenario", "operation"), REQUEST_COUNT_CASES)
def test_router_requests_not_more_than_apollo(
    stacks: Stacks, scenario: str, operation: str
) -> None:
    op = stacks.get(scenario).scenario.operation(operation)
    _requests_not_more_than_apollo(stacks, scenario, op)


@pytest.mark.parametrize(("scenario", "index"), GENERATED_REQUEST_COUNT_CASES)
def test_router_requests_not_more_than_apollo_generated(
    stacks: Stacks, generated: dict[str, list[GeneratedOperation]], scenario: str, index: int
) -> None:
    op = generated[scenario][index]
    operation = Operation(f"gen{index}", op.query, None, op.variables or None, op.operation_name)
    _requests_not_more_than_apollo(stacks, scenario, operation)


def test_request_count_exclusions_name_cases_and_reasons() -> None:
    assert set(REQUEST_COUNT_EXCLUDED) <= CASE_IDS
    assert all(reason.strip() for reason in REQUEST_COUNT_EXCLUDED.values())
