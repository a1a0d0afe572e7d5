"""Every named Apollo exception of the fuzzer (tests/kit/apollo_exceptions.py) still holds.

For each, its example (a written scenario operation) goes to Apollo Gateway and
to our router: Apollo must still answer what the scenario records as its wrong
answer (else the exception is stale: remove it), the exception must explain all
of the difference (and nothing of an answer compared with itself), and our router must
answer the scenario's data: what the subgraphs' own data gives (the spec's
answer), not merely "not Apollo's".
"""

from __future__ import annotations

import pytest

from tests.kit.apollo_exceptions import EXCEPTIONS, ApolloException
from tests.kit.compare import assert_same, expected_of, normalise, ordered
from tests.kit.difference import classify
from tests.kit.fixtures import Stacks
from tests.kit.fuzz import KNOWN, case_of
from tests.kit.fuzz_targets import scenario_target

pytestmark = pytest.mark.node


def test_exception_names_are_unique() -> None:
    assert len({e.name for e in EXCEPTIONS}) == len(EXCEPTIONS)


EXAMPLES = [(e, example) for e in EXCEPTIONS for example in e.examples]


@pytest.mark.parametrize(
    ("exception", "example"), EXAMPLES, ids=[f"{e.name}:{x[1]}" for e, x in EXAMPLES]
)
def test_apollo_exception_still_holds(
    stacks: Stacks, exception: ApolloException, example: tuple[str, str]
) -> None:
    scenario, name = example
    stack = stacks.get(scenario)
    op = stack.scenario.operation(name)
    assert op.apollo, f"{scenario}:{name} must record Apollo's wrong answer (Operation.apollo)"
    ours = stack.run(stack.router().url, op).response
    apollo = stack.run(stack.apollo_url, op).response
    # Ours: the spec's answer, from the subgraphs' data.
    assert_same(normalise(ours), expected_of(op), f"our router on {op.query}")
    # Apollo: still the recorded wrong answer, else the exception is stale.
    assert_same(
        normalise(apollo),
        expected_of(op, apollo=True),
        f"Apollo no longer answers {op.query} as recorded: is {exception.name!r} fixed?",
    )
    assert ordered(normalise(ours)) != ordered(normalise(apollo, value_completion=True))
    target = scenario_target(stack)
    variables = dict(op.variables or {})
    case = case_of(target, op.query, variables, op.operation_name, ours, apollo)
    assert exception.explains(case) == case.atoms(), f"{exception.name} must explain its example"
    assert classify(case, KNOWN) == [exception], "another known difference claims a part of it"
    same = case_of(target, op.query, variables, op.operation_name, ours, ours)
    assert same.atoms() == frozenset()
    assert exception.explains(same) == frozenset(), "it explains an answer compared with itself"
