"""A subscription's plan: the root fetch to the subgraph that owns the field, and the
rest of the plan, run once per event. Pure.

The query planner plans a subscription like a query: its root fetch (operation
kind "subscription") comes first, and what other subgraphs contribute to the
event's object follows as entity fetches over the root fetch's result. Split
there, the plan is Apollo's `Subscription { primary, rest }`: the primary fetch
opens one upstream subscription, and for every event it delivers, `rest` runs
as if that event were the primary fetch's answer. No second planner: the rest is
what the query planner planned, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supergraph.planner.errors import PlanningError
from supergraph.planner.plan import Fetch, PlanNode, QueryPlan, Sequence
from supergraph.planner.render import plan_to_json


@dataclass(frozen=True, slots=True)
class SubscriptionPlan:
    primary: Fetch
    """The upstream subscription (a root fetch whose operation kind is "subscription")."""
    rest: PlanNode | None
    """Run for every event, over the event's data (None: the primary fetch has it all)."""


def split_subscription(plan: QueryPlan) -> SubscriptionPlan:
    """The primary fetch and the rest of a subscription's `plan`; PlanningError when the
    plan does not start with one subscription fetch (a root field under a condition,
    which the spec forbids on subscription roots, or nothing to fetch)."""
    node = plan.node
    if _is_primary(node):
        assert isinstance(node, Fetch)
        return SubscriptionPlan(node, None)
    if isinstance(node, Sequence) and node.nodes and _is_primary(node.nodes[0]):
        first, *rest = node.nodes
        assert isinstance(first, Fetch)
        if not rest:
            return SubscriptionPlan(first, None)
        return SubscriptionPlan(first, rest[0] if len(rest) == 1 else Sequence(tuple(rest)))
    raise PlanningError("A subscription must select one field fetched from one subgraph.")


def subscription_plan_json(plan: SubscriptionPlan) -> dict[str, Any]:
    """Apollo's JSON shape of a subscription plan (`kind: Subscription`)."""
    primary = plan_to_json(QueryPlan(plan.primary))["node"]
    rest = plan_to_json(QueryPlan(plan.rest))["node"] if plan.rest is not None else None
    return {"kind": "QueryPlan", "node": {"kind": "Subscription", "primary": primary, "rest": rest}}


def _is_primary(node: PlanNode | None) -> bool:
    return (
        isinstance(node, Fetch) and node.requires is None and node.operation_kind == "subscription"
    )
