"""The query planner: (supergraph model, operation) -> QueryPlan. Pure, no I/O.

The modules are the phases, in order:

- `build`        the one public function, calling the phases below
- `roots`        which subgraph serves each root field (split shared ones, order mutations)
- `walk`         depth-first walk of the normalised operation: field edges stay in the
                 current subgraph, key edges jump to another one (entity fetch groups),
                 `@requires` fields are planned from the current position first
- `capabilities` what one subgraph can resolve (override, external, provides, keys)
- `cost`         cheap, memoised estimates steering the walker (jumps a subtree needs)
- `fieldsets`    keys and requirements as selections; representations
- `merge`        optimisation: merge sibling fetches to the same subgraph and path
- `nodes`        fetch groups -> Sequence/Parallel/Flatten/Condition/Fetch nodes
- `render`       the plan as readable text and as Apollo-shaped JSON
- `plan`         the plan node types (the contract with the executor)
"""

from __future__ import annotations

from supergraph.planner.budget import DEFAULT_MAX_STEPS
from supergraph.planner.build import build_query_plan
from supergraph.planner.errors import PlanningBudgetExceeded, PlanningError

__all__ = ["DEFAULT_MAX_STEPS", "PlanningBudgetExceeded", "PlanningError", "build_query_plan"]
