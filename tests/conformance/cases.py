"""Test parameters shared by the conformance modules (collected without Node)."""

from __future__ import annotations

import os

import pytest

from tests.conformance.scenarios import all_scenarios

# Our router's conformance tests run only when this is set. The lead removes
# this flag (makes it always True) when `supergraph serve` lands.
ROUTER_READY = os.environ.get("CONFORMANCE_ROUTER") == "1"

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
