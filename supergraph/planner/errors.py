"""The planner's error types."""

from __future__ import annotations


class PlanningError(ValueError):
    """The operation cannot be planned (unknown operation name, unsatisfiable field)."""


class PlanningBudgetExceeded(PlanningError):
    """Planning the operation would take more than its budget of steps (budget.py)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"planning the operation takes more than {limit} steps")
        self.limit = limit


class UnsatisfiableField(PlanningError):
    """A field of a valid operation that no subgraph can resolve where it is asked (an
    @interfaceObject whose key is not resolvable, an interface no object type
    implements): a property of the supergraph and the operation, not a planner bug.
    The router refuses the operation as a request error, never as a 500."""
