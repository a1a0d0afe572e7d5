"""The planning budget: counted in steps, the same for the same operation every time."""

from __future__ import annotations

import pytest
from graphql import parse

from supergraph.planner import (
    DEFAULT_MAX_STEPS,
    PlanningBudgetExceeded,
    PlanningError,
    build_query_plan,
)
from supergraph.planner.budget import Budget
from supergraph.planner.render import plan_to_text
from supergraph.schema import load_supergraph
from tests.benchmarks import generated

SUPERGRAPH = load_supergraph(generated.supergraph_sdl())


def _steps(text: str) -> int:
    """The fewest steps that plan `text` (the budget is exact: one less refuses it)."""
    low, high = 1, DEFAULT_MAX_STEPS
    while low < high:
        middle = (low + high) // 2
        try:
            build_query_plan(SUPERGRAPH, parse(text), max_steps=middle)
        except PlanningBudgetExceeded:
            low = middle + 1
        else:
            high = middle
    return low


def test_an_operation_over_its_budget_is_a_planning_error_of_its_own() -> None:
    text = generated.chain_query()
    steps = _steps(text)
    assert 100 < steps < DEFAULT_MAX_STEPS // 100
    with pytest.raises(PlanningBudgetExceeded, match=f"more than {steps - 1} steps") as caught:
        build_query_plan(SUPERGRAPH, parse(text), max_steps=steps - 1)
    assert isinstance(caught.value, PlanningError)
    assert caught.value.limit == steps - 1
    within = build_query_plan(SUPERGRAPH, parse(text), max_steps=steps)
    unbounded = build_query_plan(SUPERGRAPH, parse(text), max_steps=None)
    assert plan_to_text(within) == plan_to_text(unbounded)
    # Deterministic: no clock, the same count on every run.
    assert _steps(text) == steps


def test_a_budget_counts_and_stops_past_its_limit() -> None:
    budget = Budget(3)
    budget.spend(2)
    budget.spend()
    with pytest.raises(PlanningBudgetExceeded):
        budget.spend()
    unbounded = Budget(None)
    unbounded.spend(10**9)
    assert unbounded.used == 10**9
