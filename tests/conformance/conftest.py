"""Registers the conformance kit's fixtures (tests/kit/fixtures.py)."""

from __future__ import annotations

import pytest

from tests.conformance.cases import generator_seed
from tests.kit.compose import Composition, CompositionError
from tests.kit.generator import GeneratedOperation, generate
from tests.kit.scenario import Scenario

pytest_plugins = ["tests.kit.fixtures"]


@pytest.fixture(scope="session")
def generated(
    scenarios: dict[str, Scenario], compositions: dict[str, Composition | CompositionError]
) -> dict[str, list[GeneratedOperation]]:
    """The generated operations of every scenario that composes, by scenario name."""
    from graphql import build_schema

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
