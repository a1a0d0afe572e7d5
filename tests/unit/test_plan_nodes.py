from __future__ import annotations

from supergraph.planner.plan import Fetch, Flatten, QueryPlan, RequiresField, RequiresInlineFragment


def test_plan_nodes_are_hashable_values() -> None:
    requires = (
        RequiresInlineFragment("Product", (RequiresField("__typename"), RequiresField("upc"))),
    )
    fetch = Fetch("reviews", "query($representations:[_Any!]!){...}", requires=requires)
    plan = QueryPlan(Flatten(("topProducts", "@"), fetch))
    same = QueryPlan(Flatten(("topProducts", "@"), fetch))
    assert plan == same
    assert hash(plan.node) == hash(same.node)
