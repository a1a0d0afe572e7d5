"""A decoded JSON payload (POST body or GET parameters) -> `GraphQLRequest` + `documentId`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from auth import Claims
from supergraph.pipeline.request import GraphQLRequest, SubgraphHeaders


class BadRequest(Exception):
    """The payload cannot carry a GraphQL request: 400 with this message."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """The request's parts; `request()` builds the `GraphQLRequest` once, with what
    the edge adds (claims, subgraph headers) when it knows them already."""

    query: str | None
    operation_name: str | None
    variables: Mapping[str, Any] | None
    extensions: Mapping[str, Any] | None
    include_plan: bool
    document_id: str | None
    apollo_plan: bool = False
    """The plan was asked for with `Apollo-Expose-Query-Plan`: it goes in Apollo's key."""

    def request(
        self,
        claims: Claims | None = None,
        subgraph_headers: Mapping[str, str] | None = None,
        subgraph_headers_by_name: Mapping[str, Mapping[str, str]] | None = None,
        headers_now: Callable[[], SubgraphHeaders] | None = None,
        client_address: str | None = None,
    ) -> GraphQLRequest:
        return GraphQLRequest(
            self.query,
            self.operation_name,
            self.variables,
            self.extensions,
            self.include_plan or self.apollo_plan,
            subgraph_headers=subgraph_headers,
            subgraph_headers_by_name=subgraph_headers_by_name,
            claims=claims,
            headers_now=headers_now,
            client_address=client_address,
            apollo_query_plan=self.apollo_plan,
        )


def decode(payload: object, *, include_plan: bool = False, apollo_plan: bool = False) -> Decoded:
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    query = payload.get("query")
    document_id = payload.get("documentId")
    extensions = optional_object(payload.get("extensions"), "extensions")
    if query is not None and not isinstance(query, str):
        raise BadRequest("The request must have a string 'query'.")
    if document_id is not None and not (isinstance(document_id, str) and document_id):
        raise BadRequest("'documentId' must be a non-empty string.")
    persisted = extensions is not None and "persistedQuery" in extensions
    if query is None and document_id is None and not persisted:
        raise BadRequest("The request must have a string 'query' (or a persisted query id).")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("'operationName' must be a string.")
    variables = optional_object(payload.get("variables"), "variables")
    return Decoded(
        query, operation_name or None, variables, extensions, include_plan, document_id, apollo_plan
    )


def optional_object(value: object, name: str) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"'{name}' must be a JSON object.")
    return value


def json_param(value: str | None, name: str) -> object:
    """A GET parameter holding JSON (`variables`, `extensions`)."""
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"The '{name}' parameter is not valid JSON.") from error
