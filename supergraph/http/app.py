"""The Starlette app: `POST`/`GET /graphql`, `GET /health`, `GET /metrics`.

The edge only decodes HTTP into a `GraphQLRequest` and encodes the pipeline's
`GraphQLResponse` back (orjson); all GraphQL work happens in `Router`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from supergraph.executor.pipeline import GraphQLRequest, GraphQLResponse, Router
from supergraph.http.graphiql import GRAPHIQL_HTML
from supergraph.http.metrics import Metrics
from supergraph.http.negotiate import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    response_media_type,
    status_for,
    wants_html,
)

logger = logging.getLogger(__name__)

QUERY_PLAN_HEADERS = ("apollo-query-plan-experimental", "x-include-query-plan")


class RouterHolder:
    """The router currently serving; None until a supergraph is loaded (health: 503)."""

    def __init__(self, router: Router | None = None) -> None:
        self.router = router


class _BadRequest(Exception):
    """The HTTP request cannot carry a GraphQL request: 400 with this message."""


def create_app(router: Router | None, metrics: Metrics | None = None) -> Starlette:
    holder = RouterHolder(router)
    metrics = metrics or Metrics()
    endpoints = _Endpoints(holder, metrics)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if holder.router is not None:
            await holder.router.aclose()

    app = Starlette(
        routes=[
            Route("/graphql", endpoints.post_graphql, methods=["POST"]),
            Route("/graphql", endpoints.get_graphql, methods=["GET"]),
            Route("/health", endpoints.health, methods=["GET"]),
            Route("/metrics", endpoints.metrics, methods=["GET"]),
        ],
        exception_handlers={Exception: _internal_error},
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.metrics = metrics
    return app


class _Endpoints:
    def __init__(self, holder: RouterHolder, metrics: Metrics) -> None:
        self.holder = holder
        self._metrics = metrics

    async def post_graphql(self, request: Request) -> Response:
        media_type = response_media_type(request.headers.get("accept"))
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != APPLICATION_JSON:
            return _error_response(
                f"Unsupported content type '{content_type or 'none'}': send application/json.",
                415,
                media_type,
            )
        try:
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _error_response("The request body is not valid JSON.", 400, media_type)
        try:
            graphql_request = _from_json(payload, request)
        except _BadRequest as error:
            return _error_response(str(error), 400, media_type)
        return await self._run(graphql_request, media_type, allow_mutations=True)

    async def get_graphql(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        params = request.query_params
        if "query" not in params and wants_html(accept):
            return HTMLResponse(GRAPHIQL_HTML)
        media_type = response_media_type(accept)
        try:
            payload = {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
                "variables": _json_param(params.get("variables"), "variables"),
                "extensions": _json_param(params.get("extensions"), "extensions"),
            }
            graphql_request = _from_json(payload, request)
        except _BadRequest as error:
            return _error_response(str(error), 400, media_type)
        return await self._run(graphql_request, media_type, allow_mutations=False)

    async def _run(
        self, graphql_request: GraphQLRequest, media_type: str, *, allow_mutations: bool
    ) -> Response:
        router = self.holder.router
        if router is None:
            return _error_response("The supergraph is not loaded yet.", 503, media_type)
        result = await router.execute(graphql_request, allow_mutations=allow_mutations)
        self._metrics.requests.labels(outcome=result.kind).inc()
        return _graphql_response(result, media_type)

    async def health(self, _request: Request) -> Response:
        if self.holder.router is None:
            return Response(b'{"status":"DOWN"}', 503, media_type=APPLICATION_JSON)
        return Response(b'{"status":"UP"}', 200, media_type=APPLICATION_JSON)

    async def metrics(self, _request: Request) -> Response:
        return Response(self._metrics.render(), headers={"content-type": Metrics.content_type})


def _from_json(payload: object, request: Request) -> GraphQLRequest:
    if isinstance(payload, list):
        raise _BadRequest("Batched requests are not supported.")
    if not isinstance(payload, dict):
        raise _BadRequest("The request body must be a JSON object.")
    query = payload.get("query")
    if not isinstance(query, str):
        raise _BadRequest("The request must have a string 'query'.")
    operation_name = payload.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _BadRequest("'operationName' must be a string.")
    variables = _optional_object(payload.get("variables"), "variables")
    extensions = _optional_object(payload.get("extensions"), "extensions")
    include_plan = any(request.headers.get(name) for name in QUERY_PLAN_HEADERS)
    return GraphQLRequest(query, operation_name or None, variables, extensions, include_plan)


def _optional_object(value: object, name: str) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _BadRequest(f"'{name}' must be a JSON object.")
    return value


def _json_param(value: str | None, name: str) -> object:
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise _BadRequest(f"The '{name}' parameter is not valid JSON.") from error


def _graphql_response(result: GraphQLResponse, media_type: str) -> Response:
    status = status_for(result.kind, media_type)
    headers = {"allow": "POST"} if status == 405 else None
    return Response(orjson.dumps(result.body), status, headers=headers, media_type=media_type)


def _error_response(message: str, status: int, media_type: str) -> Response:
    code = "BAD_REQUEST" if status < 500 else "SERVICE_UNAVAILABLE"
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    if media_type not in (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON):
        media_type = APPLICATION_JSON
    return Response(orjson.dumps(body), status, media_type=media_type)


async def _internal_error(_request: Request, error: Exception) -> Response:
    # The trace goes to the log only; the client gets a code, no internals.
    logger.error("unhandled error", exc_info=error)
    body = {
        "errors": [
            {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ]
    }
    return Response(orjson.dumps(body), 500, media_type=APPLICATION_JSON)
