"""Subgraph errors re-expressed for the client (the codes and `graphql_error` are in
supergraph/errors.py, the registry)."""

from __future__ import annotations

from supergraph.errors import graphql_error
from supergraph.types import JSONObject, ResponsePath

UNAUTHORIZED_MESSAGE = "Unauthorized field or type"


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
