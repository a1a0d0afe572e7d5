"""The pipeline's output: one response body, or a stream of parts.

`GraphQLResponse` is a whole body, which is what every request gets today.
`StreamedResponse` is the shape `@defer` and subscriptions need: a first part,
then more as they are ready. The edge takes `Response`, the union of the two,
so a stage that streams can land without reshaping the edge (http/endpoint.py
sends a stream as multipart/mixed parts). A stream starts only once execution
has: anything refused before that is a single body with its status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

from graphql import GraphQLError

from supergraph.pipeline.incremental import IncrementalFormat
from supergraph.types import JSONObject

ResponseKind: TypeAlias = Literal[
    "ok", "request_error", "method_not_allowed", "unavailable", "internal_error", "not_acceptable"
]


@dataclass(slots=True)
class GraphQLResponse:
    """The response body and how the edge should treat it.

    `kind` is "ok" (execution happened: data present), "request_error" (the
    request was rejected before execution: no `data`), "method_not_allowed"
    (e.g. a mutation over GET), "not_acceptable" (the client cannot read the
    answer's form: @defer without multipart), "unavailable" (the router is too busy to take it
    now: retry later) or "internal_error".
    """

    body: JSONObject
    kind: ResponseKind = "ok"
    operation_name: str | None = None
    """The executed operation's name, from the document (metrics label by it)."""
    cache_control: str | None = None
    """The Cache-Control header: the minimum of what the entity cache saw the answer
    use (None: the cache is off, or the answer used no subgraph)."""


@dataclass(slots=True)
class StreamedResponse:
    """A response in parts: each a GraphQL body (the first with `data`, later ones
    incremental payloads), `hasNext` saying whether more follow. Always "ok": the
    request was accepted and execution started; errors after that are in a part."""

    parts: AsyncIterator[JSONObject]
    operation_name: str | None = None
    kind: Literal["ok"] = "ok"
    subscription: bool = False
    """Events of a subscription (each part a whole result; one with `errors` and no
    `data` is a last, fatal one), not incremental delivery."""
    incremental: IncrementalFormat | None = None
    """@defer's parts: the wire format they are written in (the edge names it in
    `content-type`)."""


async def close_parts(parts: AsyncIterator[JSONObject]) -> None:
    """Stop a stream the edge will not read to its end (the client went away): its
    upstream work ends now (a subscription's upstream socket closes)."""
    aclose = getattr(parts, "aclose", None)
    if aclose is not None:
        await aclose()


Response: TypeAlias = GraphQLResponse | StreamedResponse
"""What the pipeline answers a request with (the edge handles both)."""


def request_error(*errors: JSONObject) -> GraphQLResponse:
    """The refusal of a request before execution (no `data`)."""
    return GraphQLResponse({"errors": list(errors)}, "request_error")


def error_json(error: GraphQLError, code: str) -> JSONObject:
    """A graphql-core error as a response error: message, locations, `code` (its own
    extensions, e.g. a rule's own code, win)."""
    formatted: JSONObject = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    formatted["extensions"] = {"code": code, **(error.extensions or {})}
    return formatted
