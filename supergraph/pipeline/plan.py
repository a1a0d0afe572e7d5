"""Stage: plan the selected operation and prepare it for execution (cached per
(document, operation name) by the Router).

    (valid AST, operation name) -> PreparedOperation | PlanRefused

A prepared operation is everything computed once: the plan (planner/), the
compiled response shaper, the introspection it answers, the guarded selections
authorization checks, where its variables are defined. The fetch limit is
checked on the plan; a planning budget overrun is the operation's cost (a
request error), any other planning failure the router's (an internal error).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableDefinitionNode,
)

from supergraph.authorization import NO_REQUIREMENTS, OperationRequirements, denied_paths
from supergraph.errors import (
    GRAPHQL_VALIDATION_FAILED,
    MAX_DEFERRED_FRAGMENTS_EXCEEDED,
    MAX_FETCHES_EXCEEDED,
    MAX_PLANNING_STEPS_EXCEEDED,
    QUERY_PLANNING_FAILED,
    UNAUTHORIZED_FIELD_OR_TYPE,
    graphql_error,
)
from supergraph.executor.errors import UNAUTHORIZED_MESSAGE
from supergraph.executor.introspection import Introspection
from supergraph.executor.shaping import ResponseShaper, SchemaShapes
from supergraph.limits import OperationLimits
from supergraph.limits.fetches import count_fetches, fetches_message
from supergraph.operation.defer import defer_switches, deferred_count, has_defer, strip_defer
from supergraph.pipeline.defer import DeferSource
from supergraph.pipeline.response import GraphQLResponse, request_error
from supergraph.pipeline.variables import VariableLocations
from supergraph.planner import PlanningBudgetExceeded, PlanningError, UnsatisfiableField
from supergraph.planner.plan import QueryPlan
from supergraph.planner.subscription import SubscriptionPlan, split_subscription
from supergraph.schema import Supergraph

Planner = Callable[[Supergraph, DocumentNode, "str | None"], QueryPlan]


class PlanRefused(Exception):
    """No prepared operation: the response saying why (a request error, or an
    internal one when the planner failed)."""

    def __init__(self, response: GraphQLResponse) -> None:
        super().__init__(response.body["errors"][0]["message"])
        self.response = response


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """Everything computed once per (document, operation name).

    It lives as long as its plan cache entry, so it holds no AST beyond the
    variable definitions (the shaper compiles the selections it needs).
    """

    kind: OperationType
    name: str | None
    variable_definitions: tuple[VariableDefinitionNode, ...]
    plan: QueryPlan
    shaper: ResponseShaper
    introspection: Introspection | None
    requirements: OperationRequirements = NO_REQUIREMENTS
    """Guarded selections of the operation; empty when no directive applies."""
    variable_locations: VariableLocations | None = None
    """Where its variable definitions are in the text (errors about variable values)."""
    subscription: SubscriptionPlan | None = None
    """A subscription's plan split into its upstream fetch and the per-event rest."""
    defer: DeferSource | None = None
    """A query or mutation with @defer: what splitting its answer into parts needs
    (defer.py)."""


@dataclass(frozen=True, slots=True)
class Planning:
    """What preparing reads, the same for every operation of a router."""

    supergraph: Supergraph
    schema: GraphQLSchema
    """The API schema (what clients select from)."""
    planner: Planner
    limits: OperationLimits
    shapes: SchemaShapes


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation to run, else PlanRefused saying why none can be chosen."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    found: OperationDefinitionNode | None = None
    if operation_name is None:
        if len(operations) == 1:
            found = operations[0]
        else:
            message = "Must provide operation name if query contains multiple operations."
    else:
        found = next(
            (o for o in operations if o.name is not None and o.name.value == operation_name), None
        )
        message = f"Unknown operation named '{operation_name}'."
    if found is None:
        raise PlanRefused(request_error(graphql_error(message, code=GRAPHQL_VALIDATION_FAILED)))
    return found


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def prepare(
    planning: Planning,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    operation_name: str | None,
    requirements: OperationRequirements = NO_REQUIREMENTS,
    *,
    planned: DocumentNode | None = None,
    denied: tuple[FieldNode, ...] = (),
) -> PreparedOperation:
    """Pure: plan `planned` (default: `document`); shape by the client's own operation
    (`denied`: the selections authorization removed, answered null with an error)."""
    deferring = has_defer(document)
    if deferring:
        limit = planning.limits.max_deferred_fragments
        count = deferred_count(planning.schema, operation, fragments)
        if limit is not None and count > limit:
            message = (
                f"The operation defers {count} fragments; at most {limit} are allowed"
                " (limits.max_deferred_fragments)."
            )
            refusal = graphql_error(message, code=MAX_DEFERRED_FRAGMENTS_EXCEEDED)
            raise PlanRefused(request_error(refusal))
        # Planned whole: the subgraphs never see @defer; the answer is split (defer.py).
        planned = strip_defer(planned or document)
    try:
        plan = planning.planner(planning.supergraph, planned or document, operation_name)
    except PlanningBudgetExceeded as error:
        # The operation's cost, as for the other limits: a request error.
        refusal = graphql_error(str(error), code=MAX_PLANNING_STEPS_EXCEEDED)
        raise PlanRefused(request_error(refusal)) from None
    except UnsatisfiableField as error:
        # The supergraph cannot serve this valid operation: the client can act on it
        # (leave the field out), the router has no fault to report as a 500.
        refusal = graphql_error(str(error), code=QUERY_PLANNING_FAILED)
        raise PlanRefused(request_error(refusal)) from None
    except PlanningError as error:
        body = {"errors": [graphql_error(str(error), code=QUERY_PLANNING_FAILED)]}
        raise PlanRefused(GraphQLResponse(body, "internal_error")) from None
    subscription = None
    if operation.operation is OperationType.SUBSCRIPTION:
        try:
            subscription = split_subscription(plan)
        except PlanningError as error:
            if denied:
                # The caller may not see the subscription field itself: nothing to
                # subscribe to (a query would answer null; a stream of nulls is no answer).
                raise PlanRefused(
                    request_error(
                        *(
                            graphql_error(
                                UNAUTHORIZED_MESSAGE, path=path, code=UNAUTHORIZED_FIELD_OR_TYPE
                            )
                            for path in denied_paths(operation, fragments, denied)
                        )
                    )
                ) from None
            raise PlanRefused(
                request_error(graphql_error(str(error), code=QUERY_PLANNING_FAILED))
            ) from None
    limit = planning.limits.max_fetches
    if limit is not None and (count := count_fetches(plan)) > limit:
        refusal = graphql_error(fetches_message(count, limit), code=MAX_FETCHES_EXCEEDED)
        raise PlanRefused(request_error(refusal))
    schema = planning.schema
    return PreparedOperation(
        operation.operation,
        sys.intern(operation.name.value) if operation.name is not None else None,
        tuple(operation.variable_definitions or ()),
        plan,
        ResponseShaper(schema, operation, fragments, denied, planning.shapes),
        Introspection.prepare(schema, operation, fragments),
        requirements,
        VariableLocations(_index(document, operation)) if operation.variable_definitions else None,
        subscription,
        DeferSource(operation, dict(fragments), denied, defer_switches(operation, fragments))
        # A subscription's events are answered whole (docs/defer.md): no part follows
        # an event, and Apollo Router refuses @defer there.
        if deferring and operation.operation is not OperationType.SUBSCRIPTION
        else None,
    )


def _index(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    return next(i for i, d in enumerate(document.definitions) if d is operation)
