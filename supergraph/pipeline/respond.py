"""Stage: the response, from what execution and shaping gave, or from a failure.

    (prepared operation, data, errors) -> GraphQLResponse
    (an exception no stage answered)   -> GraphQLResponse (unavailable / internal)

The edge then encodes it (http/endpoint.py); nothing here knows HTTP: the
response's `kind` is the edge's status hint.
"""

from __future__ import annotations

import logging

from supergraph.errors import (
    COMPUTE_JOB_FAILED,
    REQUEST_CONCURRENCY_LIMITED,
    graphql_error,
    internal_error_body,
)
from supergraph.pipeline.compute import CONCURRENCY_LIMITED_MESSAGE, ComputeBusy
from supergraph.pipeline.compute_process import COMPUTE_JOB_FAILED_MESSAGE, ComputeJobFailed
from supergraph.pipeline.plan import PreparedOperation
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.planner.render import plan_to_json, plan_to_text
from supergraph.request_id import current as request_id
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)


def wants_plan(request: GraphQLRequest, exposed: bool) -> bool:
    """Whether the answer carries the query plan (`expose_query_plan` on, and the
    request asks by the edge's header or `extensions.includeQueryPlan`)."""
    if not exposed:
        return False
    extensions = request.extensions or {}
    return request.include_query_plan or extensions.get("includeQueryPlan") is True


def respond(
    prepared: PreparedOperation,
    data: JSONObject | None,
    errors: list[JSONObject],
    plan: bool,
    plan_key: str = "queryPlan",
) -> GraphQLResponse:
    body: JSONObject = {"data": data}
    if errors:
        body["errors"] = errors
    if plan:
        body["extensions"] = plan_extensions(prepared, plan_key)
    return GraphQLResponse(body, operation_name=prepared.name)


def plan_extensions(prepared: PreparedOperation, plan_key: str = "queryPlan") -> JSONObject:
    """The `extensions` exposing the query plan (a body's, or a deferred answer's first
    part's)."""
    query_plan = prepared.plan
    return {plan_key: {"object": plan_to_json(query_plan), "text": plan_to_text(query_plan)}}


def failed(error: Exception) -> GraphQLResponse:
    """The response to an exception no stage turned into an answer."""
    if isinstance(error, ComputeBusy):
        busy = graphql_error(CONCURRENCY_LIMITED_MESSAGE, code=REQUEST_CONCURRENCY_LIMITED)
        return GraphQLResponse({"errors": [busy]}, "unavailable")
    if isinstance(error, ComputeJobFailed):
        died = graphql_error(COMPUTE_JOB_FAILED_MESSAGE, code=COMPUTE_JOB_FAILED)
        return GraphQLResponse({"errors": [died]}, "unavailable")
    # Never leak internals: the trace goes to the log, the client gets a code.
    logger.error("request %s failed", request_id(), exc_info=error)
    return GraphQLResponse(internal_error_body(), "internal_error")
