"""The Starlette app: `POST`/`GET /graphql`, GraphiQL, `GET /health`, `GET /metrics`.

The edge decodes HTTP into a `GraphQLRequest`, resolves persisted queries, and
encodes the pipeline's `GraphQLResponse` back (orjson); all GraphQL work
happens in `Router`. Per request, in order:

    Accept (406) -> CSRF (400) -> Content-Type (415) -> body size (413)
    -> JSON (400) -> batch or single -> persisted query -> Router -> masking
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from auth import AuthError
from supergraph.executor.errors import graphql_error
from supergraph.executor.pipeline import GraphQLResponse, Router
from supergraph.http.body import BodyTooLarge, read_body
from supergraph.http.config import CorsConfig, RouterConfig
from supergraph.http.csrf import CSRF_ERROR, csrf_message, is_preflighted
from supergraph.http.decode import BadRequest, Decoded, decode, json_param
from supergraph.http.graphiql import LOCAL_PREFIX, graphiql_html, local_assets
from supergraph.http.masking import mask_subgraph_errors
from supergraph.http.metrics import Metrics
from supergraph.http.negotiate import (
    APPLICATION_JSON,
    GRAPHQL_RESPONSE_JSON,
    response_media_type,
    status_for,
    wants_html,
)
from supergraph.http.persisted import persisted_queries
from supergraph.http.security import EdgeSecurity
from supergraph.persisted import PersistedQueries
from supergraph.persisted.resolve import is_signal
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

QUERY_PLAN_HEADERS = ("apollo-query-plan-experimental", "x-include-query-plan")
MAX_BODY_SIZE_EXCEEDED = "MAX_BODY_SIZE_EXCEEDED"
BATCHING_NOT_ENABLED = "BATCHING_NOT_ENABLED"
BATCH_LIMIT_EXCEEDED = "BATCH_LIMIT_EXCEEDED"


class RouterHolder:
    """The router currently serving; None until a supergraph is loaded (health: 503)."""

    def __init__(self, router: Router | None = None) -> None:
        self.router = router


class _Refused(Exception):
    """The HTTP request is refused before any GraphQL work: status, message, code."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def create_app(
    router: Router | None,
    metrics: Metrics | None = None,
    config: RouterConfig | None = None,
    persisted: PersistedQueries | None = None,
    security: EdgeSecurity | None = None,
) -> Starlette:
    """`persisted` defaults to what `config.persisted_queries` describes; `security`
    authenticates requests and sets their subgraph headers (see security.py)."""
    config = config or RouterConfig()
    holder = RouterHolder(router)
    metrics = metrics or Metrics()
    persisted = persisted or persisted_queries(config.persisted_queries)
    _watch(metrics, holder, persisted)
    endpoints = _Endpoints(holder, metrics, config, persisted, security)

    async def aclose() -> None:
        if holder.router is not None:
            await holder.router.aclose()
        if persisted.store is not None:
            await persisted.store.aclose()
        if security is not None:
            await security.aclose()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await aclose()

    routes = [
        Route("/graphql", endpoints.post_graphql, methods=["POST"]),
        Route("/graphql", endpoints.get_graphql, methods=["GET"]),
        Route("/health", endpoints.health, methods=["GET"]),
        Route("/metrics", endpoints.metrics, methods=["GET"]),
    ]
    if config.graphiql.enabled and config.graphiql.assets_dir is not None:
        routes.append(_asset_route(Path(config.graphiql.assets_dir)))
    app = Starlette(
        routes=routes,
        middleware=_cors(config.cors),
        exception_handlers={Exception: _internal_error},
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.persisted = persisted
    # A hot reload retires the app without its lifespan (reload.py).
    app.state.aclose = aclose
    return app


class _Endpoints:
    def __init__(
        self,
        holder: RouterHolder,
        metrics: Metrics,
        config: RouterConfig,
        persisted: PersistedQueries,
        security: EdgeSecurity | None = None,
    ) -> None:
        self.holder = holder
        self._security = security
        self._metrics = metrics
        self._config = config
        self._persisted = persisted
        client_header = config.persisted_queries.client_name_header
        self._client_header = client_header
        self._graphiql = (
            graphiql_html(
                local=config.graphiql.assets_dir is not None, client_name_header=client_header
            )
            if config.graphiql.enabled
            else None
        )

    async def post_graphql(self, request: Request) -> Response:
        media_type = response_media_type(request.headers.get("accept"))
        if media_type is None:
            return _not_acceptable()
        try:
            self._check_csrf(request)
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != APPLICATION_JSON:
                shown = content_type or "none"
                raise _Refused(415, f"Unsupported content type '{shown}': send application/json.")
            try:
                body = await read_body(request, self._config.limits.max_body_bytes)
            except BodyTooLarge:
                limit = self._config.limits.max_body_bytes
                message = f"The request body is larger than {limit} bytes."
                raise _Refused(413, message, MAX_BODY_SIZE_EXCEEDED) from None
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise _Refused(400, "The request body is not valid JSON.") from None
            if isinstance(payload, list):
                return await self._batch(payload, request, media_type)
            result = await self._run(self._decode(payload, request), request)
        except _Refused as refused:
            return _error_response(str(refused), refused.status, media_type, refused.code)
        return _graphql_response(result, media_type)

    async def get_graphql(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        params = request.query_params
        if self._graphiql is not None and not params and wants_html(accept):
            return HTMLResponse(self._graphiql)
        media_type = response_media_type(accept)
        if media_type is None:
            return _not_acceptable()
        try:
            self._check_csrf(request)
            payload = {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
                "documentId": params.get("documentId"),
                "variables": json_param(params.get("variables"), "variables"),
                "extensions": json_param(params.get("extensions"), "extensions"),
            }
            result = await self._run(self._decode(payload, request), request, allow_mutations=False)
        except BadRequest as error:
            return _error_response(str(error), 400, media_type)
        except _Refused as refused:
            return _error_response(str(refused), refused.status, media_type, refused.code)
        return _graphql_response(result, media_type)

    def _check_csrf(self, request: Request) -> None:
        csrf = self._config.csrf
        if csrf.enabled and not is_preflighted(request.headers, csrf.required_headers):
            raise _Refused(400, csrf_message(csrf.required_headers), CSRF_ERROR)

    def _decode(self, payload: object, request: Request) -> Decoded:
        include_plan = any(request.headers.get(name) for name in QUERY_PLAN_HEADERS)
        try:
            return decode(payload, include_plan=include_plan)
        except BadRequest as error:
            raise _Refused(400, str(error)) from None

    async def _batch(self, payloads: list[object], request: Request, media_type: str) -> Response:
        """A JSON array of operations -> a JSON array of results, in order, always 200
        (each result carries its own errors), as Apollo Router's batching does."""
        batching = self._config.batching
        if not batching.enabled:
            raise _Refused(400, "Batched requests are not enabled.", BATCHING_NOT_ENABLED)
        if not payloads or len(payloads) > batching.max_size:
            message = f"A batch must hold 1 to {batching.max_size} operations; got {len(payloads)}."
            raise _Refused(400, message, BATCH_LIMIT_EXCEEDED)

        async def one(payload: object) -> JSONObject:
            try:
                decoded = self._decode(payload, request)
            except _Refused as refused:
                return {"errors": [graphql_error(str(refused), code=refused.code)]}
            return (await self._run(decoded, request)).body

        bodies = await asyncio.gather(*(one(payload) for payload in payloads))
        return Response(orjson.dumps(bodies), 200, media_type=media_type)

    async def _run(
        self, decoded: Decoded, request: Request, *, allow_mutations: bool = True
    ) -> GraphQLResponse:
        router = self.holder.router
        if router is None:
            raise _Refused(503, "The supergraph is not loaded yet.", "SERVICE_UNAVAILABLE")
        started = time.perf_counter()
        resolved = await self._persisted.resolve(
            decoded.request,
            document_id=decoded.document_id,
            client_name=request.headers.get(self._client_header),
        )
        if isinstance(resolved, GraphQLResponse):
            result = resolved
        else:
            if self._security is not None:
                try:
                    resolved = await self._security.apply(request, resolved)
                except AuthError as error:
                    raise _Refused(401, error.reason, "UNAUTHENTICATED") from None
            result = await router.execute(resolved, allow_mutations=allow_mutations)
        if self._config.mask_subgraph_errors:
            result.body = mask_subgraph_errors(result.body)
        operation = result.operation_name if result.kind == "ok" else None
        self._metrics.on_request(operation, result.kind, time.perf_counter() - started)
        return result

    async def health(self, _request: Request) -> Response:
        if self.holder.router is None:
            return Response(b'{"status":"DOWN"}', 503, media_type=APPLICATION_JSON)
        return Response(b'{"status":"UP"}', 200, media_type=APPLICATION_JSON)

    async def metrics(self, _request: Request) -> Response:
        return Response(self._metrics.render(), headers={"content-type": Metrics.content_type})


def _asset_route(folder: Path) -> Route:
    files = local_assets(folder)

    async def asset(request: Request) -> Response:
        path = files.get(request.path_params["name"])
        if path is None:
            return Response(b"Not Found", 404)
        return FileResponse(path, headers={"cache-control": "public, max-age=86400"})

    return Route(LOCAL_PREFIX + "{name}", asset, methods=["GET"])


def _cors(cors: CorsConfig) -> list[Middleware]:
    if not cors.origins:
        return []  # no CORS headers: browsers allow same-origin pages only
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(cors.origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=list(cors.allow_headers),
            allow_credentials=cors.allow_credentials,
            max_age=cors.max_age if cors.max_age is not None else 600,
        )
    ]


def _watch(metrics: Metrics, holder: RouterHolder, persisted: PersistedQueries) -> None:
    def caches() -> Iterator[tuple[tuple[str, ...], float]]:
        router = holder.router
        if router is None:
            return
        for cache, lru in (("plan", router.plans), ("document", router.documents)):
            yield (cache, "hit"), lru.hits
            yield (cache, "miss"), lru.misses

    def persisted_counts() -> Iterator[tuple[tuple[str, ...], float]]:
        counts = persisted.counts
        yield ("hit",), counts.hits
        yield ("miss",), counts.misses
        yield ("registered",), counts.registered

    metrics.watch(
        "router_cache_lookups", "Plan and document cache lookups.", ("cache", "result"), caches
    )
    metrics.watch(
        "router_persisted_queries",
        "Persisted query lookups (hit, miss) and APQ registrations.",
        ("result",),
        persisted_counts,
    )


def _graphql_response(result: GraphQLResponse, media_type: str) -> Response:
    status = 200 if is_signal(result.body) else status_for(result.kind, media_type)
    headers = {"allow": "POST"} if status == 405 else None
    return Response(orjson.dumps(result.body), status, headers=headers, media_type=media_type)


def _not_acceptable() -> Response:
    message = f"Accept {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}."
    return _error_response(message, 406, APPLICATION_JSON, "NOT_ACCEPTABLE")


def _error_response(
    message: str, status: int, media_type: str, code: str = "BAD_REQUEST"
) -> Response:
    body = {"errors": [graphql_error(message, code=code)]}
    return Response(orjson.dumps(body), status, media_type=media_type)


async def _internal_error(_request: Request, error: Exception) -> Response:
    # The trace goes to the log only; the client gets a code, no internals.
    logger.error("unhandled error", exc_info=error)
    body = {"errors": [graphql_error("Internal server error", code="INTERNAL_SERVER_ERROR")]}
    return Response(orjson.dumps(body), 500, media_type=APPLICATION_JSON)
