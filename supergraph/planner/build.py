"""`build_query_plan`: the planner's one public function, calling the phases in order."""

from __future__ import annotations

from graphql import DocumentNode

from supergraph.operation import Field, InlineFragment, Selection, normalize_operation
from supergraph.operation.errors import OperationError
from supergraph.planner.errors import PlanningError
from supergraph.planner.groups import finish
from supergraph.planner.merge import merge_siblings
from supergraph.planner.nodes import NodeBuilder
from supergraph.planner.plan import QueryPlan
from supergraph.planner.roots import plan_root
from supergraph.planner.walk import Walker
from supergraph.schema import Supergraph

_ROUTER_FIELDS = frozenset({"__typename", "__schema", "__type"})


def build_query_plan(
    supergraph: Supergraph, document: DocumentNode, operation_name: str | None = None
) -> QueryPlan:
    """Plan `document` (parsed and validated against `supergraph.api_schema`).

    Pure and deterministic, no I/O. Introspection fields (`__schema`, `__type`)
    and root `__typename` are not planned (the router answers them); a plan with
    nothing to fetch has `node=None`. Raises `PlanningError` when the operation
    cannot be selected or satisfied.
    """
    try:
        operation = normalize_operation(supergraph.api_schema, document, operation_name)
    except OperationError as error:
        raise PlanningError(str(error)) from None
    fields = _root_fields(operation.selections)
    walker = Walker(supergraph, operation)
    try:
        plan_root(walker, fields)
    except PlanningError:
        # Joining root fields into fetches happening anyway is an estimate; when
        # it leads into a subgraph that cannot serve a selection, plan without it.
        walker = Walker(supergraph, operation)
        plan_root(walker, fields, join_forced=False)
    finish(walker.groups)
    groups = merge_siblings(walker.groups)
    return QueryPlan(node=NodeBuilder(operation, groups, walker.roots).build())


def _root_fields(selections: tuple[Selection, ...]) -> list[Field]:
    """Root fields to plan, in document order; root fragments lend their directives to fields."""
    out: list[Field] = []
    for selection in selections:
        match selection:
            case Field():
                if selection.name not in _ROUTER_FIELDS:
                    out.append(selection)
            case InlineFragment():
                for inner in _root_fields(selection.selections):
                    out.append(
                        Field(
                            name=inner.name,
                            alias=inner.alias,
                            parent_type=inner.parent_type,
                            type_name=inner.type_name,
                            list_depth=inner.list_depth,
                            arguments=inner.arguments,
                            directives=selection.directives + inner.directives,
                            selections=inner.selections,
                        )
                    )
    return out
