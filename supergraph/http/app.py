"""The Starlette app: `POST`/`GET /graphql`, GraphiQL, `GET /health`, `GET /metrics`.

`/graphql` is `endpoint.GraphQLEndpoint`, a plain ASGI app: it decodes HTTP into a
`GraphQLRequest`, resolves persisted queries, runs the `Router` and encodes its
`GraphQLResponse` back (orjson). GETs and POSTs to `/graphql` go straight to it
(`EdgeApp.__call__`), past Starlette's error and exception middleware and its
routing: that is the router's hot path, and those layers did nothing for it but
cost CPU (the endpoint turns its own exceptions into the 500 body). With CORS
configured, a request with an `Origin` header goes through the same
`CORSMiddleware` on its way. Everything else (CORS preflights, HEAD, health,
metrics, GraphiQL assets, wrong methods) takes the whole Starlette stack.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Lifespan, Receive, Scope, Send

from supergraph.errors import SUBSCRIPTION_SCHEMA_RELOAD
from supergraph.http.config import CorsConfig, RouterConfig
from supergraph.http.endpoint import GraphQLEndpoint, RouterHolder, internal_error_body
from supergraph.http.graphiql import LOCAL_PREFIX, bundled_gzip, bundled_plain, local_assets
from supergraph.http.metrics import Metrics
from supergraph.http.negotiate import APPLICATION_JSON
from supergraph.http.persisted import persisted_queries
from supergraph.http.rate_limit import EdgeRateLimit
from supergraph.http.security import EdgeSecurity
from supergraph.http.websocket import GraphQLWebSocket
from supergraph.pipeline.caches import CacheStats, process_caches
from supergraph.pipeline.fresh import FreshOperations
from supergraph.pipeline.persisted import MemoryStore, PersistedQueries
from supergraph.pipeline.router import Router
from supergraph.pipeline.subscribe import STATS as SUBSCRIPTION_STATS
from supergraph.pipeline.subscribe import SubscriptionStats, open_subscriptions

__all__ = ["EdgeApp", "RouterHolder", "create_app"]

logger = logging.getLogger(__name__)


class EdgeApp(Starlette):
    """Starlette, with `/graphql` GETs and POSTs served directly (through the same CORS
    middleware when there is CORS work: CORS configured and an `Origin` header)."""

    def __init__(
        self,
        graphql: GraphQLEndpoint,
        *,
        websocket: GraphQLWebSocket,
        routes: Sequence[BaseRoute],
        cors: CorsConfig,
        lifespan: Lifespan[Starlette],
        path: str = "/graphql",
    ) -> None:
        cors_options = _cors_options(cors)
        super().__init__(
            routes=routes,
            middleware=[Middleware(CORSMiddleware, **cors_options)] if cors_options else [],
            exception_handlers={Exception: _internal_error},
            lifespan=lifespan,
        )
        self._graphql = graphql
        self._path = path
        self._websocket = websocket
        # The endpoint never raises, so the error middleware had nothing to add.
        self._graphql_cors = CORSMiddleware(graphql, **cors_options) if cors_options else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == self._path
            and (scope["method"] == "POST" or scope["method"] == "GET")
            and not scope.get("root_path")
        ):
            if self._graphql_cors is not None and _has_origin(scope):
                await self._graphql_cors(scope, receive, send)
            else:
                await self._graphql(scope, receive, send)
            return
        if scope["type"] == "websocket" and scope["path"] == self._path:
            await self._websocket(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _has_origin(scope: Scope) -> bool:
    # CORSMiddleware passes requests without Origin through untouched.
    return any(name == b"origin" for name, _ in scope["headers"])


MAX_INVALIDATION_BYTES = 1 << 20
"""An invalidation body: a thousand invalidations fit many times over."""


def invalidation_route(path: str, holder: RouterHolder) -> Route:
    """Apollo's invalidation endpoint (response_cache.invalidation, docs/entity-cache.md)."""

    async def invalidate(request: Request) -> Response:
        router = holder.router
        cache = router.entity_cache if router is not None else None
        if cache is None:
            return Response(b'{"error":"no entity cache"}', 404, media_type=APPLICATION_JSON)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_INVALIDATION_BYTES:
                return Response(b'{"error":"body too large"}', 413, media_type=APPLICATION_JSON)
        answer = await cache.invalidate_body(body, request.headers.get("authorization"))
        return Response(answer.body, answer.status, media_type=APPLICATION_JSON)

    return Route(path, invalidate, methods=["POST"])


def create_app(
    router: Router | None,
    metrics: Metrics | None = None,
    config: RouterConfig | None = None,
    persisted: PersistedQueries | None = None,
    security: EdgeSecurity | None = None,
    rate_limit: EdgeRateLimit | None = None,
) -> Starlette:
    """`persisted` defaults to what `config.persisted_queries` describes; `security`
    authenticates requests and sets their subgraph headers (see security.py);
    `rate_limit`: `traffic_shaping.router.global_rate_limit` (rate_limit.py)."""
    config = config or RouterConfig()
    holder = RouterHolder(router)
    metrics = metrics or Metrics()
    persisted = persisted or persisted_queries(config.persisted_queries)
    _watch(metrics, holder, persisted)
    _watch_fresh_operations(metrics, holder)
    graphql = GraphQLEndpoint(holder, metrics, config, persisted, security, rate_limit)

    async def aclose() -> None:
        if holder.router is not None:
            await holder.router.aclose()
        if persisted.store is not None:
            await persisted.store.aclose()
        if security is not None:
            await security.aclose()

    def start() -> None:
        # Served (not merely built, as `--workers` builds one to check the files): the
        # compile processes start now, not with the first fresh operation.
        if holder.router is not None:
            holder.router.start()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        start()
        yield
        await aclose()

    async def health(_request: Request) -> Response:
        if holder.router is None:
            return Response(b'{"status":"DOWN"}', 503, media_type=APPLICATION_JSON)
        return Response(b'{"status":"UP"}', 200, media_type=APPLICATION_JSON)

    async def render_metrics(_request: Request) -> Response:
        return Response(metrics.render(), headers={"content-type": Metrics.content_type})

    path = config.listen.path
    routes = [
        # One endpoint, two routes: a wrong method gets 405 with `allow: POST` as before.
        Route(path, graphql, methods=["POST"]),
        Route(path, graphql, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", render_metrics, methods=["GET"]),
    ]
    cache = config.entity_cache
    if cache is not None and cache.invalidation_path is not None:
        routes.append(invalidation_route(cache.invalidation_path, holder))
    if config.graphiql.enabled and config.graphiql.assets_dir is not None:
        routes.append(_asset_route(Path(config.graphiql.assets_dir)))
    elif config.graphiql.enabled and config.graphiql.assets == "bundled":
        routes.append(_bundled_route())
    websocket = GraphQLWebSocket(holder, config, security, rate_limit, persisted)
    app = EdgeApp(
        graphql,
        websocket=websocket,
        routes=routes,
        cors=config.cors,
        lifespan=lifespan,
        path=path,
    )
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.persisted = persisted
    app.state.websocket = websocket

    def retire() -> None:
        # Its subscriptions would keep it serving forever: they end, and clients
        # resubscribe to the new app.
        if holder.router is not None:
            message = "The subscription was closed because a new supergraph was loaded."
            holder.router.end_subscriptions(SUBSCRIPTION_SCHEMA_RELOAD, message)

    # A hot reload starts and retires the app without its lifespan (reload.py).
    app.state.start = start
    app.state.retire = retire
    app.state.aclose = aclose
    return app


def _asset_route(folder: Path) -> Route:
    files = local_assets(folder)

    async def asset(request: Request) -> Response:
        path = files.get(request.path_params["name"])
        if path is None:
            return Response(b"Not Found", 404)
        return FileResponse(path, headers={"cache-control": _CACHED_ASSET})

    return Route(LOCAL_PREFIX + "{name}", asset, methods=["GET"])


_CACHED_ASSET = "public, max-age=86400"


def _bundled_route() -> Route:
    """GraphiQL's files from this package, sent gzip-compressed as they are stored."""

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        packed = bundled_gzip(name)
        if packed is None:
            return Response(b"Not Found", 404)
        media = "text/css" if name.endswith(".css") else "text/javascript"
        headers = {"cache-control": _CACHED_ASSET, "vary": "accept-encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers["content-encoding"] = "gzip"
            return Response(packed, media_type=media, headers=headers)
        return Response(bundled_plain(name), media_type=media, headers=headers)

    return Route(LOCAL_PREFIX + "{name}", asset, methods=["GET"])


def _cors_options(cors: CorsConfig) -> dict[str, Any]:
    if not cors.origins and not cors.match_origins:
        return {}  # no CORS headers: browsers allow same-origin pages only
    return {
        "allow_origins": list(cors.origins),
        "allow_origin_regex": "|".join(f"(?:{p})" for p in cors.match_origins) or None,
        "allow_methods": list(cors.methods),
        "allow_headers": list(cors.allow_headers),
        "expose_headers": list(cors.expose_headers),
        "allow_credentials": cors.allow_credentials,
        "max_age": cors.max_age if cors.max_age is not None else 600,
    }


def _watch(metrics: Metrics, holder: RouterHolder, persisted: PersistedQueries) -> None:
    def lookups() -> Iterator[tuple[tuple[str, ...], float]]:
        router = holder.router
        if router is None:
            return
        for cache, stats in router.caches():
            yield (cache, "hit"), stats.hits
            yield (cache, "miss"), stats.misses

    def caches() -> Iterator[tuple[str, CacheStats]]:
        router = holder.router
        if router is not None:
            yield from router.caches()
        if isinstance(persisted.store, MemoryStore):
            yield "apq", persisted.store.queries
        yield from process_caches()

    def reader(
        read: Callable[[CacheStats], float],
    ) -> Callable[[], Iterator[tuple[tuple[str, ...], float]]]:
        return lambda: (((name,), read(cache)) for name, cache in caches())

    def rejections() -> Iterator[tuple[tuple[str, ...], float]]:
        for name, cache in caches():
            yield (name, "oversize"), cache.rejected_oversize
            yield (name, "admission"), cache.rejected_admission
            yield (name, "first_use"), cache.rejected_first_use

    def persisted_counts() -> Iterator[tuple[tuple[str, ...], float]]:
        counts = persisted.counts
        yield ("hit",), counts.hits
        yield ("miss",), counts.misses
        yield ("registered",), counts.registered

    metrics.watch(
        "router_cache_lookups", "Plan and document cache lookups.", ("cache", "result"), lookups
    )
    metrics.watch(
        "router_cache_evictions",
        "Cache entries evicted to make room for more used ones.",
        ("cache",),
        reader(lambda cache: cache.evictions),
    )
    metrics.watch(
        "router_cache_rejections",
        "Entries a cache did not keep: heavier than its entry limit (oversize), or less "
        "used than what they would have evicted (admission).",
        ("cache", "reason"),
        rejections,
    )
    metrics.watch_gauges(
        "router_cache_bytes",
        "Bytes each cache holds, by its own accounting (keys and values).",
        ("cache",),
        reader(lambda cache: cache.bytes),
    )
    metrics.watch_gauges(
        "router_cache_max_bytes",
        "Each cache's byte budget.",
        ("cache",),
        reader(lambda cache: cache.max_bytes),
    )
    metrics.watch_gauges(
        "router_cache_entries",
        "Entries each cache holds.",
        ("cache",),
        reader(lambda cache: len(cache)),
    )

    def compute_jobs() -> Iterator[tuple[tuple[str, ...], float]]:
        router = holder.router
        if router is not None:
            jobs = router.jobs
            yield ("executed",), jobs.executed
            yield ("shared",), jobs.shared
            yield ("rejected",), jobs.rejected
            yield ("failed",), jobs.failed

    def compute_queued() -> Iterator[tuple[tuple[str, ...], float]]:
        router = holder.router
        if router is not None:
            yield (), router.jobs.queued

    metrics.watch(
        "router_compute_jobs",
        "Parsing, validation, planning and introspection run off the event loop: jobs "
        "executed, requests that shared an identical job in flight, requests refused "
        "because the queue was full (REQUEST_CONCURRENCY_LIMITED), jobs whose compile "
        "process died (COMPUTE_JOB_FAILED).",
        ("outcome",),
        compute_jobs,
    )
    metrics.watch_gauges(
        "router_compute_jobs_queued",
        "Compute jobs waiting or running.",
        (),
        compute_queued,
    )

    def off_loop_shaping() -> Iterator[tuple[tuple[str, ...], float]]:
        router = holder.router
        if router is not None:
            yield ("worker",), router.shaped_off_loop - router.shaping_restarts
            yield ("loop",), router.shaping_restarts

    metrics.watch(
        "router_off_loop_shaping",
        "Responses shaped on the compute worker, over the loop's budget of fields: known "
        "to be large (started on the worker), or found so on the loop (started there).",
        ("started",),
        off_loop_shaping,
    )

    def subscriptions_open() -> Iterator[tuple[tuple[str, ...], float]]:
        yield (), open_subscriptions()

    def subscription_counts(
        read: Callable[[SubscriptionStats], int],
    ) -> Callable[[], Iterator[tuple[tuple[str, ...], float]]]:
        return lambda: iter((((), float(read(SUBSCRIPTION_STATS))),))

    metrics.watch_gauges(
        "router_opened_subscriptions", "Subscriptions open in this process.", (), subscriptions_open
    )
    metrics.watch(
        "router_subscriptions_opened",
        "Subscriptions opened since the process started.",
        (),
        subscription_counts(lambda stats: stats.opened_total),
    )
    metrics.watch(
        "router_subscription_events",
        "Subscription events sent to clients (the rate: events per second).",
        (),
        subscription_counts(lambda stats: stats.events),
    )
    metrics.watch(
        "router_subscription_events_dropped",
        "Subscription events dropped because a client read slower than its subgraph sent"
        " (the oldest buffered event goes when `subscription.queue_capacity` is reached).",
        (),
        subscription_counts(lambda stats: stats.dropped),
    )
    metrics.watch(
        "router_subscriptions_rejected",
        "Subscriptions refused at `subscription.max_opened_subscriptions`.",
        (),
        subscription_counts(lambda stats: stats.rejected),
    )
    metrics.watch(
        "router_persisted_queries",
        "Persisted query lookups (hit, miss) and APQ registrations.",
        ("result",),
        persisted_counts,
    )


async def _internal_error(_request: Request, error: Exception) -> Response:
    # The trace goes to the log only; the client gets a code, no internals.
    logger.error("unhandled error", exc_info=error)
    return Response(internal_error_body(), 500, media_type=APPLICATION_JSON)


def _watch_fresh_operations(metrics: Metrics, holder: RouterHolder) -> None:
    """`compute_jobs.fresh_operations`' admission counts (pipeline/fresh.py)."""

    def samples(
        read: Callable[[FreshOperations], Iterable[tuple[tuple[str, ...], float]]],
    ) -> Callable[[], Iterator[tuple[tuple[str, ...], float]]]:
        """The samples `read` gives of the serving router's admission (none while
        no router serves, or fresh operations are off)."""

        def collect() -> Iterator[tuple[tuple[str, ...], float]]:
            router = holder.router
            fresh = None if router is None else router.fresh
            if fresh is not None:
                yield from read(fresh)

        return collect

    metrics.watch(
        "router_fresh_operations",
        "Operations no cache holds, by admission outcome: admitted to compile, refused "
        "at once (their client's or everyone's queue full), or refused after waiting "
        "longer than `compute_jobs.fresh_operations.queue_timeout` (both "
        "REQUEST_CONCURRENCY_LIMITED).",
        ("outcome",),
        samples(
            lambda fresh: (
                (("admitted",), fresh.admitted),
                (("refused",), fresh.refused),
                (("timed_out",), fresh.timed_out),
            )
        ),
    )
    metrics.watch(
        "router_fresh_operation_pauses",
        "Times the compute thread, shaping or loading a fresh operation's result, stepped "
        "aside while cached requests were in progress "
        "(`compute_jobs.fresh_operations.yield_to_cached`).",
        (),
        samples(lambda fresh: (((), fresh.pauses),)),
    )
    metrics.watch_gauges(
        "router_fresh_operations_queued",
        "Fresh operations waiting for their turn to compile.",
        (),
        samples(lambda fresh: (((), fresh.queued),)),
    )
