"""Test parameters shared by the conformance modules (collected without Node)."""

from __future__ import annotations

import zlib

import pytest

from tests.conformance.scenarios import all_scenarios
from tests.kit.scenario import Scenario

SCENARIOS = all_scenarios()

OPERATION_CASES = [
    pytest.param(scenario.name, operation.name, id=f"{scenario.name}:{operation.name}")
    for scenario in SCENARIOS
    for operation in scenario.operations
]

GENERATED_CASES = [
    pytest.param(scenario.name, index, id=f"{scenario.name}:gen{index:03d}")
    for scenario in SCENARIOS
    for index in range(scenario.generated)
]


def generator_seed(scenario: Scenario) -> int:
    """A stable seed per scenario (changing it changes the generated operations)."""
    return zlib.crc32(scenario.name.encode())
