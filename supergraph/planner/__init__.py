"""The query planner: (supergraph model, operation) -> QueryPlan. Pure, no I/O.

`build_query_plan` (build.py) runs the phases in this order; the modules are
listed under the phase they serve.

1. Root fields. `roots`: path finding for the root: which subgraph serves each
   root field (shared ones joined to a fetch happening anyway, or split by
   sub-selection; mutations in document order), one typed `RootRoute` per
   field, each built by the walker before the next is chosen; `build` also
   tries each split field whole and keeps the plan with fewer fetches.
2. Path finding and fetch-graph building, interleaved per position (a jump
   into a fetch a sibling opened costs no new fetch, so each answer depends on
   what was built before it); path finding answers in types (routes, jumps,
   re-fetches, fragment routes, context sources) and only reads the graph:
   - `paths`          path finding: field edges (stay in the current subgraph),
                      key edges (jump to another through a `@key`), `@requires`
                      and `@provides`; jump options and their cost; sibling
                      order; re-fetches from an ancestor entity; type
                      conditions; where `@fromContext` values come from
   - `cost`           one memoised traversal estimating the jumps a subtree needs
                      in one subgraph, and the client fields it leaves to them
   - `capabilities`   what one subgraph can resolve (override, external,
                      provides, keys, jump targets)
   - `alternatives`   type conditions kept only where every subgraph that could
                      answer a position agrees
   - `walk`           the walker: follows the operation depth-first and builds
                      what path finding chose (root fetches, selections, keys,
                      `@requires` inputs, entity fetches, rewrites)
   - `fetch_graph`    the graph being built: fetch groups, root fetches, reuse
   - `groups`         a fetch group; `finish` gives it the conditions all its
                      parts share
   - `context`        where the walker is (`Ctx`), a jump (`Jump`), conditions
   - `contextual`     `@fromContext`: where each contextual value comes from
   - `fieldsets`      keys and requirements as selections and representations
   - `response_keys`  the key each value has in the merged data
   - `selection`      the mutable selection sets of subgraph operations
   - `budget`         the steps one plan may take (`PlanningBudgetExceeded`)
3. Optimisation. `optimize/`: passes over the fetch graph, one per module,
   run until none changes it (`merge_siblings`: fetches to the same subgraph
   and path become one).
4. Plan nodes. `nodes`: fetch groups -> Sequence/Parallel/Flatten/Condition/
   Fetch, with `representations` (the representation each entity fetch sends),
   `held` (directives a Condition node decides, left out), `nonempty` (no empty
   selection set), `restored` (every alias renamed back), `variables` (the
   variables each fetch forwards).
5. Subscriptions. `subscription`: a subscription's plan split at its root fetch
   (the primary fetch, and the rest run once per event).

After planning, `defer` reads a finished plan: which parts of a deferred answer
each fetch serves (the operation is planned without @defer).

`plan` holds the plan node types (the contract with the executor), `render`
prints a plan as text and as Apollo-shaped JSON, `errors` the error types.
"""

from __future__ import annotations

from supergraph.planner.budget import DEFAULT_MAX_STEPS
from supergraph.planner.build import build_query_plan
from supergraph.planner.errors import PlanningBudgetExceeded, PlanningError, UnsatisfiableField

__all__ = [
    "DEFAULT_MAX_STEPS",
    "PlanningBudgetExceeded",
    "PlanningError",
    "UnsatisfiableField",
    "build_query_plan",
]
