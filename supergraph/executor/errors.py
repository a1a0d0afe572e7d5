"""GraphQL errors as plain JSON dicts: the executor never builds GraphQLError objects.

Errors travel straight into the response body, so a dict is what we need and
it is cheaper than an object that is formatted later.
"""

from __future__ import annotations

from collections.abc import Iterable

from supergraph.types import JSONObject, ResponsePath

SUBREQUEST_HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"
SUBGRAPH_TIMEOUT = "SUBGRAPH_TIMEOUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
UNAUTHORIZED_FIELD_OR_TYPE = "UNAUTHORIZED_FIELD_OR_TYPE"
UNAUTHORIZED_MESSAGE = "Unauthorized field or type"
RESPONSE_VALIDATION_FAILED = "RESPONSE_VALIDATION_FAILED"
"""A subgraph answered what the schema (or federation) does not allow: Apollo Router's code."""


def graphql_error(
    message: str,
    *,
    path: Iterable[str | int] | None = None,
    code: str | None = None,
    service_name: str | None = None,
    locations: list[JSONObject] | None = None,
) -> JSONObject:
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


def subgraph_error(raw: object, service_name: str, path: ResponsePath | None) -> JSONObject:
    """A subgraph's error re-expressed for the client: client path, `serviceName`.

    Subgraph locations point into the subgraph operation, which the client never
    saw, so they are dropped.
    """
    if not isinstance(raw, dict):
        return graphql_error("Subgraph error", service_name=service_name)
    message = raw.get("message")
    error: JSONObject = {"message": message if isinstance(message, str) else "Subgraph error"}
    if path is not None:
        error["path"] = path
    raw_extensions = raw.get("extensions")
    extensions: JSONObject = dict(raw_extensions) if isinstance(raw_extensions, dict) else {}
    extensions["serviceName"] = service_name
    error["extensions"] = extensions
    return error
