"""The planner's error type."""

from __future__ import annotations


class PlanningError(ValueError):
    """The operation cannot be planned (unknown operation name, unsatisfiable field)."""
