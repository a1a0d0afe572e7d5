"""Every `extensions.code` the router puts in a response, in one registry.

Each code is a constant here and nowhere else (tests/unit/test_error_registry.py
checks the source for codes defined or spelled out elsewhere), with the HTTP
status of a response it refuses and a one-line meaning; docs/errors.md is
generated from `CODES`:

    python -m supergraph.errors --markdown > docs/errors.md

"Request error" is the GraphQL-over-HTTP rule for a request refused before
execution (no `data`): 400 when the client accepts
`application/graphql-response+json`, 200 with `application/json` (legacy
clients read the errors from the body). Codes "beside data" come with a 200 and
whatever data could be fetched.

Subgraph errors pass through with the subgraph's own codes (and `serviceName`):
they are not the router's and are not listed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from supergraph.types import JSONObject

REQUEST_ERROR: Final = "request error"
BESIDE_DATA: Final = "200, beside data"

# -- the edge: HTTP, before any GraphQL work ---------------------------------------------

BAD_REQUEST: Final = "BAD_REQUEST"
NOT_ACCEPTABLE: Final = "NOT_ACCEPTABLE"
CSRF_ERROR: Final = "CSRF_ERROR"
MAX_BODY_SIZE_EXCEEDED: Final = "MAX_BODY_SIZE_EXCEEDED"
MAX_HEADER_SIZE_EXCEEDED: Final = "MAX_HEADER_SIZE_EXCEEDED"
MAX_HEADERS_EXCEEDED: Final = "MAX_HEADERS_EXCEEDED"
URI_TOO_LONG: Final = "URI_TOO_LONG"
REQUEST_TIMEOUT: Final = "REQUEST_TIMEOUT"
SERVICE_UNAVAILABLE: Final = "SERVICE_UNAVAILABLE"
BATCHING_NOT_ENABLED: Final = "BATCHING_NOT_ENABLED"
BATCH_LIMIT_EXCEEDED: Final = "BATCH_LIMIT_EXCEEDED"
UNAUTHENTICATED: Final = "UNAUTHENTICATED"
REQUEST_RATE_LIMITED: Final = "REQUEST_RATE_LIMITED"
INTERNAL_SERVER_ERROR: Final = "INTERNAL_SERVER_ERROR"

# -- persisted queries --------------------------------------------------------------------

PERSISTED_QUERY_NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED: Final = "PERSISTED_QUERY_NOT_SUPPORTED"
PERSISTED_QUERY_HASH_MISMATCH: Final = "PERSISTED_QUERY_HASH_MISMATCH"
PERSISTED_QUERY_NOT_IN_LIST: Final = "PERSISTED_QUERY_NOT_IN_LIST"
QUERY_NOT_IN_SAFELIST: Final = "QUERY_NOT_IN_SAFELIST"

# -- parsing, operation limits, validation ------------------------------------------------

MAX_QUERY_LENGTH_EXCEEDED: Final = "MAX_QUERY_LENGTH_EXCEEDED"
MAX_TOKENS_EXCEEDED: Final = "MAX_TOKENS_EXCEEDED"
GRAPHQL_PARSE_FAILED: Final = "GRAPHQL_PARSE_FAILED"
MAX_RECURSION_EXCEEDED: Final = "MAX_RECURSION_EXCEEDED"
MAX_EXPANDED_FIELDS_EXCEEDED: Final = "MAX_EXPANDED_FIELDS_EXCEEDED"
MAX_ALIASES_EXCEEDED: Final = "MAX_ALIASES_EXCEEDED"
MAX_ROOT_FIELDS_EXCEEDED: Final = "MAX_ROOT_FIELDS_EXCEEDED"
MAX_DEPTH_EXCEEDED: Final = "MAX_DEPTH_EXCEEDED"
INTROSPECTION_DISABLED: Final = "INTROSPECTION_DISABLED"
GRAPHQL_VALIDATION_FAILED: Final = "GRAPHQL_VALIDATION_FAILED"

# -- authorization, variables, planning, the compute queue --------------------------------

UNAUTHORIZED_FIELD_OR_TYPE: Final = "UNAUTHORIZED_FIELD_OR_TYPE"
BAD_USER_INPUT: Final = "BAD_USER_INPUT"
QUERY_PLANNING_FAILED: Final = "QUERY_PLANNING_FAILED"
MAX_FETCHES_EXCEEDED: Final = "MAX_FETCHES_EXCEEDED"
MAX_PLANNING_STEPS_EXCEEDED: Final = "MAX_PLANNING_STEPS_EXCEEDED"
COST_ESTIMATED_TOO_EXPENSIVE: Final = "COST_ESTIMATED_TOO_EXPENSIVE"
COST_QUERY_PARSE_FAILURE: Final = "COST_QUERY_PARSE_FAILURE"
REQUEST_CONCURRENCY_LIMITED: Final = "REQUEST_CONCURRENCY_LIMITED"
COMPUTE_JOB_FAILED: Final = "COMPUTE_JOB_FAILED"

# -- execution ----------------------------------------------------------------------------

MAX_INTROSPECTION_BYTES_EXCEEDED: Final = "MAX_INTROSPECTION_BYTES_EXCEEDED"
SUBREQUEST_HTTP_ERROR: Final = "SUBREQUEST_HTTP_ERROR"
SUBGRAPH_TIMEOUT: Final = "SUBGRAPH_TIMEOUT"
SUBGRAPH_CIRCUIT_BREAKER_REJECTED: Final = "SUBGRAPH_CIRCUIT_BREAKER_REJECTED"
"""Hive Router's code for a fetch its open circuit breaker refused (docs/router-config.md)."""
RESPONSE_VALIDATION_FAILED: Final = "RESPONSE_VALIDATION_FAILED"
"""A subgraph answered what the schema (or federation) does not allow: Apollo Router's code."""

# -- subscriptions (docs/subscriptions.md) ---------------------------------------------------

SUBSCRIPTION_NOT_STREAMABLE: Final = "SUBSCRIPTION_NOT_STREAMABLE"
SUBSCRIPTIONS_DISABLED: Final = "SUBSCRIPTIONS_DISABLED"
MAX_OPENED_SUBSCRIPTIONS_EXCEEDED: Final = "MAX_OPENED_SUBSCRIPTIONS_EXCEEDED"
MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED: Final = "MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED"
SUBSCRIPTION_UPSTREAM_ERROR: Final = "SUBSCRIPTION_UPSTREAM_ERROR"
SUBSCRIPTION_SCHEMA_RELOAD: Final = "SUBSCRIPTION_SCHEMA_RELOAD"
"""Apollo Router's code: the subscription ended because a new supergraph was loaded."""
SUBSCRIPTION_SHUTDOWN: Final = "SUBSCRIPTION_SHUTDOWN"
SUBSCRIPTION_JWT_EXPIRED: Final = "SUBSCRIPTION_JWT_EXPIRED"
"""Apollo Router's code: the token the subscription was opened with expired."""

# -- @defer (docs/defer.md) --------------------------------------------------------------------

DEFER_BAD_HEADER: Final = "DEFER_BAD_HEADER"
"""Apollo Router's code: @defer from a client that does not accept multipart/mixed."""
MAX_DEFERRED_FRAGMENTS_EXCEEDED: Final = "MAX_DEFERRED_FRAGMENTS_EXCEEDED"


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    status: str
    """The HTTP status of a response refused with it (REQUEST_ERROR, BESIDE_DATA: see above)."""
    stage: str
    """Where the router emits it, in the order a request flows."""
    meaning: str


CODES: Final = (
    ErrorCode(
        BAD_REQUEST,
        "400; 415, 405, or a request error",
        "edge",
        "The request is not valid HTTP, JSON or GraphQL over HTTP: 415 for a content type"
        " other than application/json, 405 for a mutation over GET, a request error for no"
        " query or a malformed persisted-query extension.",
    ),
    ErrorCode(
        MAX_HEADER_SIZE_EXCEEDED,
        "431",
        "edge",
        "The request head (or its trailers) is larger than `limits.http1_max_request_buf_size`.",
    ),
    ErrorCode(
        MAX_HEADERS_EXCEEDED,
        "431",
        "edge",
        "The request has more header (or trailer) fields than `limits.http1_max_request_headers`.",
    ),
    ErrorCode(URI_TOO_LONG, "414", "edge", "The request URL is too long: send a POST."),
    ErrorCode(REQUEST_TIMEOUT, "408", "edge", "The request head or body took too long to arrive."),
    ErrorCode(
        SERVICE_UNAVAILABLE,
        "503",
        "edge",
        "The router has too many connections, or no supergraph loaded yet: retry later.",
    ),
    ErrorCode(
        REQUEST_RATE_LIMITED,
        "429",
        "edge",
        "Over `traffic_shaping.router.global_rate_limit` (shared by replicas through Redis):"
        " `Retry-After` says when to try again. Beside data, a subgraph fetch over its"
        " `global_rate_limit` (no request sent).",
    ),
    ErrorCode(
        NOT_ACCEPTABLE,
        "406",
        "edge",
        "The Accept header names neither application/graphql-response+json nor application/json.",
    ),
    ErrorCode(
        CSRF_ERROR,
        "400",
        "edge",
        "A request a browser would send without a preflight (CSRF prevention, `csrf`).",
    ),
    ErrorCode(
        MAX_BODY_SIZE_EXCEEDED, "413", "edge", "The body is larger than `limits.max_body_bytes`."
    ),
    ErrorCode(
        BATCHING_NOT_ENABLED, "400", "edge", "A JSON array of operations, with `batching` off."
    ),
    ErrorCode(
        BATCH_LIMIT_EXCEEDED,
        "400; 200 per operation",
        "edge, batch budget",
        "The batch holds more than `batching.max_size` operations (400), or one of its"
        " operations does not fit what the batch's shared budget has left (in the batch's 200).",
    ),
    ErrorCode(
        UNAUTHENTICATED,
        "401",
        "edge",
        "The credentials are missing (when required), malformed or not valid.",
    ),
    ErrorCode(
        PERSISTED_QUERY_NOT_FOUND,
        "200",
        "persisted query",
        "The hash is unknown: the client's persisted-query link sends the full query again.",
    ),
    ErrorCode(
        PERSISTED_QUERY_NOT_SUPPORTED,
        "200",
        "persisted query",
        "The router has neither APQ nor a persisted query list: the client stops hashing.",
    ),
    ErrorCode(
        PERSISTED_QUERY_HASH_MISMATCH,
        REQUEST_ERROR,
        "persisted query",
        "The query text does not have the sha256Hash it came with.",
    ),
    ErrorCode(
        PERSISTED_QUERY_NOT_IN_LIST,
        REQUEST_ERROR,
        "persisted query",
        "The documentId (or hash) is not in the persisted query list.",
    ),
    ErrorCode(
        QUERY_NOT_IN_SAFELIST,
        REQUEST_ERROR,
        "persisted query",
        "`safelist: enforce` and the operation is not in the persisted query list.",
    ),
    ErrorCode(
        MAX_QUERY_LENGTH_EXCEEDED,
        REQUEST_ERROR,
        "parse",
        "The GraphQL text is longer than `limits.max_query_length` characters (not parsed).",
    ),
    ErrorCode(
        MAX_TOKENS_EXCEEDED,
        REQUEST_ERROR,
        "parse",
        "The document has more than `limits.max_tokens` tokens (the parser stops there).",
    ),
    ErrorCode(GRAPHQL_PARSE_FAILED, REQUEST_ERROR, "parse", "The document is not valid GraphQL."),
    ErrorCode(
        MAX_RECURSION_EXCEEDED,
        REQUEST_ERROR,
        "operation limits",
        "Selection sets and fragment spreads nest deeper than `limits.parser_max_recursion`.",
    ),
    ErrorCode(
        MAX_EXPANDED_FIELDS_EXCEEDED,
        REQUEST_ERROR,
        "operation limits",
        "More fields than `limits.max_expanded_fields` with every fragment expanded.",
    ),
    ErrorCode(
        MAX_ALIASES_EXCEEDED,
        REQUEST_ERROR,
        "operation limits",
        "More aliased fields than `limits.max_aliases` in one operation.",
    ),
    ErrorCode(
        MAX_ROOT_FIELDS_EXCEEDED,
        REQUEST_ERROR,
        "operation limits",
        "More root fields than `limits.max_root_fields` in one operation.",
    ),
    ErrorCode(
        MAX_DEPTH_EXCEEDED,
        REQUEST_ERROR,
        "operation limits",
        "The response would be deeper than `limits.max_depth` (a root field is 1).",
    ),
    ErrorCode(
        INTROSPECTION_DISABLED,
        REQUEST_ERROR,
        "operation limits",
        "`__schema` or `__type` with `supergraph.introspection: false`.",
    ),
    ErrorCode(
        GRAPHQL_VALIDATION_FAILED,
        REQUEST_ERROR,
        "validate",
        "The document breaks a validation rule, names no runnable operation, or subscribes.",
    ),
    ErrorCode(
        UNAUTHORIZED_FIELD_OR_TYPE,
        f"{REQUEST_ERROR} (reject mode); {BESIDE_DATA}",
        "authorize",
        "The caller may not see a field or type (@authenticated, @requiresScopes, @policy):"
        " it is null in the data, or the whole request is refused.",
    ),
    ErrorCode(
        BAD_USER_INPUT,
        REQUEST_ERROR,
        "coerce variables",
        "A variable's value does not fit its declared type.",
    ),
    ErrorCode(
        QUERY_PLANNING_FAILED,
        f"{REQUEST_ERROR}; 500",
        "plan",
        "The operation asks a field no subgraph can resolve where it is asked (e.g. only"
        " on a non-resolvable @interfaceObject): a request error. A 500 when the planner"
        " found no plan for another reason (a router bug).",
    ),
    ErrorCode(
        MAX_PLANNING_STEPS_EXCEEDED,
        REQUEST_ERROR,
        "plan",
        "Planning the operation would take more steps than `limits.max_planning_steps`.",
    ),
    ErrorCode(
        MAX_FETCHES_EXCEEDED,
        REQUEST_ERROR,
        "plan",
        "The query plan needs more subgraph fetches than `limits.max_fetches`.",
    ),
    ErrorCode(
        COST_ESTIMATED_TOO_EXPENSIVE,
        REQUEST_ERROR,
        "demand control",
        "The operation's estimated cost (Apollo's static cost model, with this request's"
        " variables) is above `demand_control.strategy.static_estimated.max` in enforce mode:"
        " no subgraph was contacted.",
    ),
    ErrorCode(
        COST_QUERY_PARSE_FAILURE,
        REQUEST_ERROR,
        "demand control",
        "The operation cannot be costed in enforce mode, e.g. a field whose `@listSize`"
        " requires exactly one slicing argument got none or several.",
    ),
    ErrorCode(
        REQUEST_CONCURRENCY_LIMITED,
        "503",
        "compute queue",
        "The compute queue (parse, validate, plan off the event loop) is full, or a fresh"
        " operation (not cached) was refused by `compute_jobs.fresh_operations`: its client's"
        " line or everyone's was full, or it waited past `queue_timeout`. `retry-after: 1`;"
        " retry later.",
    ),
    ErrorCode(
        COMPUTE_JOB_FAILED,
        "503",
        "compute queue",
        "The compile process running the request's parse, validation or planning died or"
        " stopped answering (`compute_jobs.processes`); it is restarted: retry later.",
    ),
    ErrorCode(
        MAX_INTROSPECTION_BYTES_EXCEEDED,
        REQUEST_ERROR,
        "execute",
        "The introspection answer is larger than `limits.introspection_max_bytes`.",
    ),
    ErrorCode(
        SUBREQUEST_HTTP_ERROR,
        BESIDE_DATA,
        "execute",
        "A subgraph request failed: connection, non-2xx status without a GraphQL body, bad"
        " JSON, or an answer over `limits.subgraph` bytes.",
    ),
    ErrorCode(
        SUBGRAPH_TIMEOUT,
        BESIDE_DATA,
        "execute",
        "A subgraph did not answer within its timeout (`traffic_shaping.all.timeout`).",
    ),
    ErrorCode(
        SUBGRAPH_CIRCUIT_BREAKER_REJECTED,
        BESIDE_DATA,
        "execute",
        "The subgraph's circuit breaker is open (too many of its requests failed lately):"
        " the fetch was refused without contacting it (Hive Router's code).",
    ),
    ErrorCode(
        RESPONSE_VALIDATION_FAILED,
        BESIDE_DATA,
        "shape",
        "A subgraph answered what the schema does not allow (e.g. null for a non-null field).",
    ),
    ErrorCode(
        DEFER_BAD_HEADER,
        "406",
        "negotiate",
        "An operation that defers fragments (for this request's variables) from a client"
        " whose Accept lacks `multipart/mixed;deferSpec=20220824` (Apollo Router's code)."
        " A batch cannot defer either.",
    ),
    ErrorCode(
        MAX_DEFERRED_FRAGMENTS_EXCEEDED,
        REQUEST_ERROR,
        "plan",
        "The operation has more @defer fragments (named fragments counted at each spread)"
        " than `limits.max_deferred_fragments`.",
    ),
    ErrorCode(
        SUBSCRIPTION_NOT_STREAMABLE,
        REQUEST_ERROR,
        "negotiate",
        "A subscription sent over a transport that answers one body: subscribe over"
        " WebSocket (graphql-transport-ws), `text/event-stream` or"
        " `multipart/mixed;subscriptionSpec=1.0`.",
    ),
    ErrorCode(
        SUBSCRIPTIONS_DISABLED,
        REQUEST_ERROR,
        "plan",
        "Subscriptions are off (`subscription.enabled: false`).",
    ),
    ErrorCode(
        MAX_OPENED_SUBSCRIPTIONS_EXCEEDED,
        REQUEST_ERROR,
        "subscribe",
        "The process holds `subscription.max_opened_subscriptions` subscriptions: retry later.",
    ),
    ErrorCode(
        MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED,
        REQUEST_ERROR,
        "subscribe",
        "The WebSocket connection holds `subscription.max_subscriptions_per_connection`"
        " subscriptions.",
    ),
    ErrorCode(
        SUBSCRIPTION_UPSTREAM_ERROR,
        "in a part",
        "subscribe",
        "The subgraph's subscription failed or its WebSocket closed: the subscription ends"
        " with this error (no transparent resubscribe): subscribe again.",
    ),
    ErrorCode(
        SUBSCRIPTION_SCHEMA_RELOAD,
        "in a part",
        "subscribe",
        "A new supergraph or router.yaml was loaded: the subscription ends; subscribe again.",
    ),
    ErrorCode(
        SUBSCRIPTION_SHUTDOWN,
        "in a part",
        "subscribe",
        "The router is shutting down: the subscription ends; subscribe again (elsewhere).",
    ),
    ErrorCode(
        SUBSCRIPTION_JWT_EXPIRED,
        "in a part",
        "subscribe",
        "The token the subscription was opened with expired: subscribe again with a fresh one.",
    ),
    ErrorCode(
        INTERNAL_SERVER_ERROR,
        "500",
        "any",
        "An unexpected failure: the trace goes to the log (with the request id the response"
        " carries in `x-request-id`), never to the client.",
    ),
)

REGISTRY: Final = {entry.code: entry for entry in CODES}

INTERNAL_ERROR_MESSAGE: Final = "Internal server error"


def graphql_error(
    message: str,
    *,
    path: Iterable[str | int] | None = None,
    code: str | None = None,
    service_name: str | None = None,
    locations: list[JSONObject] | None = None,
) -> JSONObject:
    """One GraphQL error as a plain JSON dict: errors travel straight into the response
    body, so a dict is what is needed, and it is cheaper than a GraphQLError formatted
    later."""
    error: JSONObject = {"message": message}
    if locations:
        error["locations"] = locations
    if path is not None:
        error["path"] = list(path)
    extensions: JSONObject = {}
    if code is not None:
        extensions["code"] = code
    if service_name is not None:
        extensions["serviceName"] = service_name
    if extensions:
        error["extensions"] = extensions
    return error


def internal_error_body() -> JSONObject:
    """The body of every 500 INTERNAL_SERVER_ERROR: no internals, only the code (a fresh
    dict each time: the edge may rewrite a body it is given)."""
    return {"errors": [graphql_error(INTERNAL_ERROR_MESSAGE, code=INTERNAL_SERVER_ERROR)]}


def markdown() -> str:
    """docs/errors.md: the registry as a table."""
    lines = [
        "# Error codes",
        "",
        "<!-- Generated from supergraph/errors.py by"
        " `python -m supergraph.errors --markdown > docs/errors.md`: do not edit. -->",
        "",
        "Every `extensions.code` the router itself puts in a response, in the order a request",
        "flows. *Request error*: refused before execution, without `data`; the status is 400",
        "when the client accepts `application/graphql-response+json` and 200 with",
        "`application/json` (GraphQL over HTTP). *Beside data*: a 200 with whatever data could",
        "be fetched. Errors a subgraph returns keep the subgraph's own code and gain",
        "`serviceName`; with `include_subgraph_errors` false only their path and code are kept.",
        "",
        "| Code | HTTP status | Where | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for entry in CODES:
        lines.append(f"| `{entry.code}` | {entry.status} | {entry.stage} | {entry.meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("usage: python -m supergraph.errors --markdown")
    sys.stdout.write(markdown())
