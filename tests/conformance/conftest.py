"""Registers the conformance kit's fixtures (tests/kit/fixtures.py).

They are imported here, not named in ``pytest_plugins``: pytest accepts that
only in the top-level conftest, and this folder must also run as part of the
whole suite.
"""

from __future__ import annotations

import pytest
from graphql import build_schema

from tests.conformance.cases import generator_seed
from tests.kit.compose import Composition, CompositionError
from tests.kit.fixtures import bundled, compositions, scenarios, stacks
from tests.kit.generator import GeneratedOperation, generate
from tests.kit.scenario import Scenario

__all__ = ["bundled", "compositions", "generated", "scenarios", "stacks"]


@pytest.fixture(scope="session")
def generated(
    scenarios: dict[str, Scenario], compositions: dict[str, Composition | CompositionError]
) -> dict[str, list[GeneratedOperation]]:
    """The generated operations of every scenario that composes, by scenario name."""
    out: dict[str, list[GeneratedOperation]] = {}
    for name, scenario in scenarios.items():
        composition = compositions[name]
        if isinstance(composition, CompositionError):
            continue
        out[name] = generate(
            build_schema(composition.api_sdl),
            scenario.generated,
            seed=generator_seed(scenario),
            avoid=scenario.generator_avoid,
            samples=scenario.generator_samples,
        )
    return out
