"""Stage: execute the prepared operation.

    (prepared operation, variables) -> merged subgraph data and errors
                                       (+ the introspection answer) | IntrospectionRefused

Introspection is answered first, from the API schema (executor/introspection.py):
a refusal (over its byte limit, or over what a batch has left) must not follow
subgraph work. Then the plan runs (executor/execute.py); a mutation's fetches
never join another request's identical one (they must see its writes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any

import orjson
from graphql import OperationType, execute_sync, get_introspection_query

from supergraph.errors import BATCH_LIMIT_EXCEEDED, graphql_error
from supergraph.executor.dedup import unshared_requests
from supergraph.executor.entity_cache import CacheScope, cache_scope
from supergraph.executor.execute import ExecutionOutcome, PlanExecutor
from supergraph.executor.introspection import (
    Introspection,
    IntrospectionCache,
    IntrospectionResult,
    IntrospectionTooLarge,
    PendingResult,
)
from supergraph.limits import INTROSPECTION_MIN_BYTES
from supergraph.limits.budget import WorkBudget
from supergraph.operation.parsing import parse_document
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.request import GraphQLRequest
from supergraph.types import JSONObject


class IntrospectionRefused(Exception):
    """The introspection answer is over its limit: the error."""

    def __init__(self, error: JSONObject) -> None:
        super().__init__(error.get("message"))
        self.error = error


def full_introspection_size(schema: Any) -> int:
    """Twice what a tool's full introspection query answers, at least
    INTROSPECTION_MIN_BYTES (the "auto" introspection byte limit)."""
    full = execute_sync(schema, parse_document(get_introspection_query(True, True, True)))
    return max(INTROSPECTION_MIN_BYTES, 2 * len(orjson.dumps(full.data)))


async def introspect(
    introspection: Introspection,
    cache: IntrospectionCache,
    variables: dict[str, Any],
    errors: list[JSONObject],
    max_bytes: int | None,
    budget: WorkBudget | None,
    off_loop: Callable[[Hashable, Callable[[], list[IntrospectionResult]]], Awaitable[Any]],
) -> JSONObject:
    """The introspection part of the answer: what no cache holds is computed off the
    loop first (one job, however many requests share it); `run` then only looks up."""
    pending = introspection.missing(cache, variables)
    if pending:
        keys = tuple(p.key for p in pending)
        computed = await off_loop(("introspection", keys), lambda: _execute(cache, pending))
        for each, result in zip(pending, computed, strict=True):
            cache.put(each.key, result)
    try:
        data, size = introspection.run(cache, variables, errors, max_bytes)
    except IntrospectionTooLarge as too_large:
        raise IntrospectionRefused(too_large.error) from None
    if budget is not None:
        refused = budget.take_introspection(size)
        if refused is not None:
            raise IntrospectionRefused(graphql_error(refused, code=BATCH_LIMIT_EXCEEDED))
    return data


def _execute(cache: IntrospectionCache, pending: list[PendingResult]) -> list[IntrospectionResult]:
    """Pure but for a counter."""
    results = [each.execute() for each in pending]
    cache.executions += len(results)
    return results


async def run_plan(
    executor: PlanExecutor,
    prepared: PreparedOperation,
    variables: dict[str, Any],
    request: GraphQLRequest,
    cached: CacheScope | None = None,
) -> ExecutionOutcome:
    """The plan's fetches: merged data and the subgraphs' errors. `cached`: a query's
    entity cache scope (the cache is never used for a mutation's fetches)."""
    with plan_context(prepared.kind, cached):
        return await executor.execute(
            prepared.plan, variables, request.subgraph_headers, request.subgraph_headers_by_name
        )


def plan_context(kind: OperationType, cached: CacheScope | None) -> AbstractContextManager[object]:
    """What the plan's fetches (and the tasks started inside it) run under: a query's
    entity cache scope; a mutation's requests never shared with another request's (they
    must see its writes), nor cached. A deferred operation's run is started inside it
    too (pipeline/defer.py): the same fetches, the same rules."""
    if cached is not None and kind is OperationType.QUERY:
        return cache_scope(cached)
    return unshared_requests(kind is OperationType.MUTATION)
