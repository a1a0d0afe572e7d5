"""`build_query_plan`: the planner's one public function, calling the phases in order."""

from __future__ import annotations

from graphql import DocumentNode

from supergraph.operation import Field, InlineFragment, Operation, Selection, normalize_operation
from supergraph.operation.errors import OperationError
from supergraph.planner.budget import DEFAULT_MAX_STEPS, Budget
from supergraph.planner.errors import PlanningBudgetExceeded, PlanningError
from supergraph.planner.groups import FetchGroup, finish
from supergraph.planner.nodes import NodeBuilder
from supergraph.planner.optimize import optimize
from supergraph.planner.plan import QueryPlan
from supergraph.planner.roots import RootPaths, root_candidates
from supergraph.planner.walk import Walker
from supergraph.schema import Supergraph

_ROUTER_FIELDS = frozenset({"__typename", "__schema", "__type"})


def build_query_plan(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None = None,
    *,
    max_steps: int | None = DEFAULT_MAX_STEPS,
) -> QueryPlan:
    """Plan `document` (parsed and validated against `supergraph.api_schema`).

    Pure and deterministic, no I/O. Introspection fields (`__schema`, `__type`)
    and root `__typename` are not planned (the router answers them); a plan with
    nothing to fetch has `node=None`. Raises `PlanningError` when the operation
    cannot be selected or satisfied, `PlanningBudgetExceeded` (one) when planning
    it takes more than `max_steps` steps (budget.py; None: no bound).
    """
    try:
        operation = normalize_operation(supergraph.api_schema, document, operation_name)
    except OperationError as error:
        raise PlanningError(str(error)) from None
    fields = _root_fields(operation.selections)
    budget = Budget(max_steps)  # one for the whole plan, alternatives tried included
    walker, groups, split = _walk(supergraph, operation, fields, {}, budget)
    # Splitting a shared root field is chosen on estimated jumps, which may count
    # twice a jump the walk makes once: each split field is also tried whole in
    # each subgraph serving it, and kept whole where the plan has no more fetches
    # and no longer chain of them (the first such subgraph): a split asks one object of two subgraphs, and
    # needs both copies of the field to answer.
    whole: dict[int, str] = {}
    for field in split:
        for graph in root_candidates(supergraph, operation.root_type, field):
            trial = {**whole, id(field): graph}
            try:
                other = _walk(supergraph, operation, fields, trial, budget)
            except PlanningBudgetExceeded:
                raise
            except PlanningError:
                continue
            still_split = id(field) not in whole
            if _cost(other[1]) < _cost(groups) or (
                still_split and _cost(other[1]) == _cost(groups)
            ):
                walker, groups, _ = other
                whole = trial
    return QueryPlan(node=NodeBuilder(operation, groups, walker.roots).build())


def _cost(groups: list[FetchGroup]) -> tuple[int, int]:
    """Fetches, then the longest chain of fetches waiting on each other."""
    by_id = {g.id: g for g in groups}
    depth: dict[int, int] = {}

    def chain(group: FetchGroup) -> int:
        if group.id not in depth:
            depth[group.id] = 0  # a cycle cannot occur; this only bounds the recursion
            depth[group.id] = 1 + max(
                (chain(by_id[d]) for d in group.deps if d in by_id), default=0
            )
        return depth[group.id]

    return len(groups), max((chain(g) for g in groups), default=0)


def _walk(
    supergraph: Supergraph,
    operation: Operation,
    fields: list[Field],
    whole: dict[int, str],
    budget: Budget,
) -> tuple[Walker, list[FetchGroup], list[Field]]:
    """The walked and optimised fetch groups, and the root fields split across subgraphs."""
    try:
        walker, split = _build(supergraph, operation, fields, whole, budget, join_forced=True)
    except PlanningBudgetExceeded:
        raise
    except PlanningError:
        # Joining root fields into fetches happening anyway is an estimate; when
        # it leads into a subgraph that cannot serve a selection, plan without it.
        walker, split = _build(supergraph, operation, fields, whole, budget, join_forced=False)
    finish(walker.groups)
    return walker, optimize(walker.groups, budget), split


def _build(
    supergraph: Supergraph,
    operation: Operation,
    fields: list[Field],
    whole: dict[int, str],
    budget: Budget,
    join_forced: bool,
) -> tuple[Walker, list[Field]]:
    """The fetch graph the walker builds from the root fields' routes, each built
    before the next is chosen; and the root fields split across subgraphs."""
    walker = Walker(supergraph, operation, budget)
    split: list[Field] = []
    for route in RootPaths(supergraph, operation, walker.cost).routes(fields, join_forced, whole):
        if route.split:
            split.append(route.field)
        walker.add_root(route)
    return walker, split


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
