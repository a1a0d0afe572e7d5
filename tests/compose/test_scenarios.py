"""The conformance scenarios (tests/conformance/scenarios) composed by us.

For each scenario: our supergraph means the same as the reference composition
the conformance kit uses, and Apollo Gateway running on OUR supergraph answers
every written operation as the scenario expects (what it answers on the
reference supergraph). This ties composition to the router's conformance tests.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from supergraph.compose import SubgraphSource, compose
from tests.conformance.cases import OPERATION_CASES, SCENARIOS
from tests.kit.compare import assert_same, expected_of, normalise
from tests.kit.compose import Composition, CompositionError, compose_scenarios, placeholder_url
from tests.kit.fixtures import Stacks
from tests.kit.scenario import Scenario

from .normalize import semantic_diff

pytestmark = pytest.mark.node


def _ours(scenario: Scenario) -> str | None:
    sources = [SubgraphSource(s.name, placeholder_url(s.name), s.sdl) for s in scenario.subgraphs]
    return compose(sources).supergraph_sdl


@pytest.fixture(scope="module")
def reference() -> dict[str, Composition | CompositionError]:
    return compose_scenarios(SCENARIOS)


@pytest.fixture(scope="module")
def our_stacks(reference: dict[str, Composition | CompositionError]) -> Iterator[Stacks]:
    """Scenario stacks whose Apollo Gateway runs on our supergraph (started on demand)."""
    ours: dict[str, Composition | CompositionError] = {}
    for scenario in SCENARIOS:
        sdl = _ours(scenario)
        theirs = reference[scenario.name]
        if sdl is None or isinstance(theirs, CompositionError):
            ours[scenario.name] = CompositionError(f"{scenario.name} does not compose")
        else:
            ours[scenario.name] = Composition(sdl, theirs.api_sdl)
    with tempfile.TemporaryDirectory(prefix="compose-scenarios-") as root:
        manager = Stacks({s.name: s for s in SCENARIOS}, ours, Path(root))
        try:
            yield manager
        finally:
            manager.stop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_composes_like_reference(
    scenario: Scenario, reference: dict[str, Composition | CompositionError]
) -> None:
    theirs = reference[scenario.name]
    ours = compose(
        [SubgraphSource(s.name, placeholder_url(s.name), s.sdl) for s in scenario.subgraphs]
    )
    if isinstance(theirs, CompositionError):
        assert ours.errors, f"the reference rejects {scenario.name}: {theirs}"
        return
    assert not ours.errors, "\n".join(str(e) for e in ours.errors)
    assert ours.supergraph_sdl is not None
    diff = semantic_diff(ours.supergraph_sdl, theirs.supergraph_sdl)
    assert not diff, "ours (+) vs reference (-):\n" + "\n".join(diff)


@pytest.mark.parametrize(("scenario", "operation"), OPERATION_CASES)
def test_apollo_gateway_on_our_supergraph(
    our_stacks: Stacks, scenario: str, operation: str
) -> None:
    stack = our_stacks.get(scenario)
    op = stack.scenario.operation(operation)
    result = stack.run(stack.apollo_url, op)
    # Same checks as tests/conformance/test_apollo_scenarios.py on the reference supergraph.
    status = getattr(op, "status", 200)
    if status is not None and not op.apollo:
        assert result.response.status == status, result.response.body
    assert_same(normalise(result.response), expected_of(op, apollo=True), op.query)
    if op.requests is not None and not op.apollo:
        counted = {name: result.requests[name] for name in op.requests}
        assert counted == dict(op.requests), f"subgraph requests for {op.query}"
