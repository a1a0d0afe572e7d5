"""The planner's error types."""

from __future__ import annotations


class PlanningError(ValueError):
    """The operation cannot be planned (unknown operation name, unsatisfiable field)."""


class PlanningBudgetExceeded(PlanningError):
    """Planning the operation would take more than its budget of steps (budget.py)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"planning the operation takes more than {limit} steps")
        self.limit = limit
