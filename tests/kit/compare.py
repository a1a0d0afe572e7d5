"""Sending operations to gateways and comparing their responses.

Normalisation (what "the same response" means here):

- ``data`` is compared exactly, including key order (a router must answer in
  the client's selection order) and ``null`` vs missing (``data`` absent is
  taken as ``null``).
- Errors are compared as a sorted list of ``{"path": ..., "code": ...}``:
  messages and locations are never compared (each implementation words them
  its own way), and ``code`` is kept only when it is a client-facing code that
  the contract fixes (``CLIENT_CODES``); codes such as Apollo's
  ``DOWNSTREAM_SERVICE_ERROR`` are implementation detail and dropped. An error
  without a path compares as ``path: None``. Two errors with the same
  normalised form count twice (a multiset).
- ``normalise(response, value_completion=True)`` also counts the errors Apollo
  Gateway reports in ``extensions.valueCompletion`` instead of ``errors`` (a
  null in a non-null position, a value of the wrong type: "Cannot return null
  for non-nullable field T.f."). The spec puts every field error in ``errors``,
  where our router reports them; used to compare our answers with Apollo's,
  never to check Apollo's against a scenario (its deviation stays visible there,
  see ``Operation.apollo``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tests.kit.scenario import ExpectedError, Operation

CLIENT_CODES = frozenset(
    {
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
        "PERSISTED_QUERY_NOT_FOUND",
        "PERSISTED_QUERY_NOT_SUPPORTED",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "UNAUTHORIZED_FIELD_OR_TYPE",
    }
)

NormalisedError = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Response:
    """One gateway answer: HTTP status and the JSON body."""

    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors = self.body.get("errors") or []
        assert isinstance(errors, list)
        return errors


def post(
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    headers: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> Response:
    """POST a GraphQL request; the body must be a JSON object."""
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = dict(variables)
    if operation_name is not None:
        payload["operationName"] = operation_name
    send = client.post if client is not None else httpx.post
    response = send(
        url,
        json=payload,
        headers={"accept": "application/json", **(headers or {})},
        timeout=30,
    )
    body = response.json()
    if not isinstance(body, dict):
        raise AssertionError(f"{url} answered a non-object JSON body: {body!r}")
    return Response(response.status_code, body)


def send_operation(url: str, operation: Operation, client: httpx.Client | None = None) -> Response:
    return post(url, operation.query, operation.variables, operation.operation_name, client=client)


def normalise_error(error: Mapping[str, Any]) -> NormalisedError:
    path = error.get("path")
    extensions = error.get("extensions") or {}
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return {
        "path": list(path) if isinstance(path, list) else None,
        "code": code if code in CLIENT_CODES else None,
    }


def _sort_key(error: NormalisedError) -> str:
    return repr((error["path"], error["code"]))


def normalise_errors(errors: list[dict[str, Any]]) -> list[NormalisedError]:
    return sorted((normalise_error(e) for e in errors), key=_sort_key)


def expected_errors(errors: tuple[ExpectedError, ...]) -> list[NormalisedError]:
    return sorted(
        (
            {
                "path": list(e.path) if e.path is not None else None,
                "code": e.code if e.code in CLIENT_CODES else None,
            }
            for e in errors
        ),
        key=_sort_key,
    )


def normalise(response: Response, *, value_completion: bool = False) -> dict[str, Any]:
    """The comparable form of a response: ``{"data": ..., "errors": [...]}``
    (``value_completion``: with the errors of ``extensions.valueCompletion``)."""
    errors = response.errors
    extensions = response.body.get("extensions")
    if value_completion and isinstance(extensions, Mapping):
        completion = extensions.get("valueCompletion")
        if isinstance(completion, list):
            errors = [*errors, *completion]
    return {"data": response.data, "errors": normalise_errors(errors)}


def expected_of(operation: Operation, apollo: bool = False) -> dict[str, Any]:
    """The normalised response to expect (Apollo's known-wrong one with ``apollo=True``)."""
    if apollo and operation.apollo:
        errors = operation.errors if operation.apollo_errors is None else operation.apollo_errors
        return {"data": operation.apollo_data, "errors": expected_errors(errors)}
    return {"data": operation.data, "errors": expected_errors(operation.errors)}


def ordered(value: Any) -> Any:
    """JSON with dict key order made visible (lists of pairs), for exact comparisons."""
    if isinstance(value, dict):
        return [[k, ordered(v)] for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def assert_same(actual: dict[str, Any], expected: dict[str, Any], context: str = "") -> None:
    """Assert equality of two normalised responses, key order included."""
    if actual == expected and ordered(actual) == ordered(expected):
        return
    raise AssertionError(
        f"{context}\nexpected: {expected!r}\nactual:   {actual!r}"
        if context
        else f"expected: {expected!r}\nactual:   {actual!r}"
    )
