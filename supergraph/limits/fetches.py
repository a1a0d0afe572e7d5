"""MAX_FETCHES_EXCEEDED: subgraph fetches in one query plan.

Every fetch is at least one subgraph request per execution: an operation that
aliases an entity field a thousand times becomes a thousand requests to the
subgraphs behind one small client request. Checked once per planned operation
(the plan is cached, so is the verdict's cost).
"""

from __future__ import annotations

from typing import assert_never

from supergraph.planner.plan import (
    Condition,
    Fetch,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Sequence,
)

MAX_FETCHES_EXCEEDED = "MAX_FETCHES_EXCEEDED"


def count_fetches(plan: QueryPlan) -> int:
    """Fetch nodes in the plan, both branches of a condition included."""
    total = 0
    stack: list[PlanNode] = [] if plan.node is None else [plan.node]
    while stack:
        node = stack.pop()
        match node:
            case Fetch():
                total += 1
            case Flatten():
                stack.append(node.node)
            case Sequence() | Parallel():
                stack.extend(node.nodes)
            case Condition():
                stack.extend(n for n in (node.if_clause, node.else_clause) if n is not None)
            case _:
                assert_never(node)
    return total


def fetches_message(count: int, limit: int) -> str:
    return f"The operation needs {count} subgraph fetches; the limit is {limit}."
