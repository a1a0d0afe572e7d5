"""Test parameters shared by the conformance modules (collected without Node).

Every case is checked; the few that cannot be compared in one test are left out
of that test's cases here, each with the reason (never skipped inside a test).
"""

from __future__ import annotations

import zlib

import pytest

from tests.conformance.scenarios import all_scenarios
from tests.kit.scenario import Scenario

SCENARIOS = all_scenarios()

_OPERATIONS = [
    (f"{scenario.name}:{operation.name}", scenario.name, operation.name)
    for scenario in SCENARIOS
    for operation in scenario.operations
]
_GENERATED = [
    (f"{scenario.name}:gen{index:03d}", scenario.name, index)
    for scenario in SCENARIOS
    for index in range(scenario.generated)
]

OPERATION_CASES = [
    pytest.param(name, operation, id=case_id) for case_id, name, operation in _OPERATIONS
]
GENERATED_CASES = [pytest.param(name, index, id=case_id) for case_id, name, index in _GENERATED]

_APOLLO_SKIPS_A_NEEDED_FETCH = (
    "Apollo Gateway leaves out the inventory fetch its answer needs (@include(if: false) "
    "on a @requires field beside an unconditional field: requires:include-false-on-"
    "requires-field), so it sends fewer requests than a right answer takes"
)

_APOLLO_REFUSES_TO_PLAN = (
    "Apollo Gateway fails the whole request at planning (`__typename` of an interface "
    "without object types: non_resolvable_interface_object), so it asks no subgraph"
)

_APOLLO_FETCHES_ONE_ARGUMENT = (
    "Apollo Gateway fetches the required field with one argument only and sends one "
    "entity fetch (apollo exception requires-argument-conflict); the two values need two "
    "representations of the same entity, so two entity fetches"
)
REQUEST_COUNT_EXCLUDED: dict[str, str] = {
    "requires:include-false-on-requires-field": _APOLLO_SKIPS_A_NEEDED_FETCH,
    "requires:gen009": _APOLLO_SKIPS_A_NEEDED_FETCH,
    "conditional_requires:include-false-on-the-requires-field": _APOLLO_SKIPS_A_NEEDED_FETCH,
    "conditional_requires:gen002": _APOLLO_SKIPS_A_NEEDED_FETCH,
    "conditional_requires:gen008": _APOLLO_SKIPS_A_NEEDED_FETCH,
    "keys:all-subfields-skipped-by-variable": (
        "Apollo Gateway leaves out the stock fetch of a field whose every sub-field the "
        "variables skip, and answers null for it (apollo exception all-subfields-skipped)"
    ),
    "subgraph_types:sibling-fields-of-different-types": (
        "Apollo Gateway's content query is refused by the subgraph (apollo exception "
        "unaliased-type-conflict), so it never gets to the archive fetch"
    ),
    "requires_arguments:both-in-one-selection": _APOLLO_FETCHES_ONE_ARGUMENT,
    "requires_arguments:same-field-selected-twice": _APOLLO_FETCHES_ONE_ARGUMENT,
    "skipped_shared_interface_field:only-field-skipped": _APOLLO_REFUSES_TO_PLAN,
    "abstract_types:union-and-interface-conditions-below-interface-object-field": (
        _APOLLO_REFUSES_TO_PLAN
    ),
    "non_resolvable_interface_object:typename-of-an-interface-without-object-types": (
        _APOLLO_REFUSES_TO_PLAN
    ),
    "non_resolvable_interface_object:typename-of-interfaces-without-object-types-in-a-non-null-list": (
        _APOLLO_REFUSES_TO_PLAN
    ),
    "non_resolvable_interface_object:skipped-field-no-subgraph-can-fetch": (
        "Apollo Gateway plans no fetch for `node`, whose only (skipped) field no subgraph "
        "can fetch, and answers null without catalog's error (apollo exception "
        "unplannable-field-silent-null)"
    ),
}
"""Cases whose subgraph requests cannot be compared with Apollo's, by case id, with
why. Their answers are still checked (test_router_conformance, and Apollo's wrong
answer by test_apollo_scenarios / test_generated_apollo)."""


REQUEST_COUNT_CASES = [
    pytest.param(name, operation, id=case_id)
    for case_id, name, operation in _OPERATIONS
    if case_id not in REQUEST_COUNT_EXCLUDED
]
GENERATED_REQUEST_COUNT_CASES = [
    pytest.param(name, index, id=case_id)
    for case_id, name, index in _GENERATED
    if case_id not in REQUEST_COUNT_EXCLUDED
]
CASE_IDS = frozenset(case_id for case_id, _, _ in (*_OPERATIONS, *_GENERATED))


def generator_seed(scenario: Scenario) -> int:
    """A stable seed per scenario (changing it changes the generated operations)."""
    return zlib.crc32(scenario.name.encode())
