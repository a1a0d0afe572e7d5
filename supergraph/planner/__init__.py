"""The query planner: (supergraph model, operation) -> QueryPlan. Pure, no I/O."""

from __future__ import annotations

from supergraph.planner.build import build_query_plan
from supergraph.planner.errors import PlanningError

__all__ = ["PlanningError", "build_query_plan"]
