"""The planning budget: a bound on the work one plan may take, counted in steps.

A step is one unit of the planner's own work: a field or a jump planned by the
walker, the jump options weighed at a position, a subtree estimated by
`cost.py` (per selection), a pair of fetches compared by an optimisation
pass. The count grows with what an operation makes the planner do (including
the alternatives `build` tries), so a budget in steps bounds planning time
the way a deadline would, while the planner stays pure: a clock would make
the same operation plan on an idle machine and fail on a busy one, and its
outcome, cached by operation text, would depend on the moment it was first
planned. Steps give the same answer everywhere, every time.
"""

from __future__ import annotations

import sys

from supergraph.planner.errors import PlanningBudgetExceeded

DEFAULT_MAX_STEPS = 200_000
"""About 2 s of planning on an idle core (a step costs 10-60 us with what it
drives). The largest operation the benchmarks plan, bench.hostile's 32 KB one
with 3,299 fields, takes 11,162 steps; the conformance scenarios' written and
generated operations at most 1,865."""


class Budget:
    """Steps left for one plan (`None`: not counted)."""

    __slots__ = ("_stop", "limit", "used")

    def __init__(self, limit: int | None = DEFAULT_MAX_STEPS) -> None:
        self.limit = limit
        self.used = 0
        self._stop = sys.maxsize if limit is None else limit

    def spend(self, steps: int = 1) -> None:
        self.used += steps
        if self.used > self._stop:
            raise PlanningBudgetExceeded(self._stop)
