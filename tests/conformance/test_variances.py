"""SPEC_VARIANCES (tests/kit/variances.py) still occur, and are still recognised.

Each entry's example must still make our router and Apollo Gateway answer apart
in the way its recogniser describes, and both answers' data must be the same:
a variance is about what the spec leaves open, never about the data. An entry
whose example no longer differs fails here and must be removed.
"""

from __future__ import annotations

import pytest

from tests.kit.compare import post
from tests.kit.difference import classify
from tests.kit.fixtures import Stacks
from tests.kit.fuzz import KNOWN, case_of, compared
from tests.kit.fuzz_targets import scenario_target
from tests.kit.variances import SPEC_VARIANCES, Variance

pytestmark = pytest.mark.node


@pytest.mark.parametrize("variance", SPEC_VARIANCES, ids=[v.name for v in SPEC_VARIANCES])
def test_variance_still_occurs(stacks: Stacks, variance: Variance) -> None:
    scenario, query, variables = variance.example
    stack = stacks.get(scenario)
    ours = post(stack.router().url, query, dict(variables) or None, client=stack.client)
    apollo = post(stack.apollo_url, query, dict(variables) or None, client=stack.client)
    _, _, same = compared(ours, apollo)
    assert not same, f"{variance.name!r} no longer occurs: remove it from SPEC_VARIANCES"
    case = case_of(scenario_target(stack), query, dict(variables), None, ours, apollo)
    if not variance.subgraphs_disagree:
        assert case.ours_data == case.apollo_data, "a variance never changes the data"
    assert variance.explains(case) == case.atoms(), f"{variance.name} must explain its example"
    found = classify(case, KNOWN)
    assert found == [variance], "another known difference claims a part of it"
