"""MAX_FETCHES_EXCEEDED: subgraph fetches in one query plan.

Every fetch is at least one subgraph request per execution: an operation that
aliases an entity field a thousand times becomes a thousand requests to the
subgraphs behind one small client request. Checked once per planned operation
(the plan is cached, so is the verdict's cost).
"""

from __future__ import annotations

from supergraph.planner.plan import QueryPlan, fetch_nodes


def count_fetches(plan: QueryPlan) -> int:
    """Fetch nodes in the plan, both branches of a condition included."""
    return sum(1 for _ in fetch_nodes(plan.node))


def fetches_message(count: int, limit: int) -> str:
    return f"The operation needs {count} subgraph fetches; the limit is {limit}."
