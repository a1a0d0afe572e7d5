"""`build_query_plan`: the planner's one public function."""

from __future__ import annotations

from graphql import DocumentNode

from supergraph.planner.plan import QueryPlan
from supergraph.schema import Supergraph


def build_query_plan(
    supergraph: Supergraph, document: DocumentNode, operation_name: str | None = None
) -> QueryPlan:
    """Plan `document` (parsed and validated against `supergraph.api_schema`).

    Pure and deterministic, no I/O. Introspection fields (`__schema`, `__type`)
    and root `__typename` are not planned (the router answers them); a plan with
    nothing to fetch has `node=None`. Raises `PlanningError` when the operation
    cannot be selected or satisfied.
    """
    raise NotImplementedError
