"""The Starlette app of one subgraph: `POST /graphql`, `GET /health`, `GET /metrics`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from auth import AuthError
from events import EventsConfig
from events.streams import Streams
from loaders import SerialSession
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import (
    CURRENT_REQUEST_ID,
    IDENTITY_SCOPE_KEY,
    REQUEST_ID_HEADER,
    SubgraphContext,
    request_id,
)
from subgraphs._common.database import Database
from subgraphs._common.domain import Domain
from subgraphs._common.errors import UNAUTHENTICATED
from subgraphs._common.eventing import EventsMetrics, EventsRuntime
from subgraphs._common.identity import ANONYMOUS_UNVERIFIED, SubgraphIdentity
from subgraphs._common.live import LiveSources, live_context
from subgraphs._common.seeding import DEFAULT_SCALE, Scale

log = logging.getLogger("subgraphs")

_SESSION_SCOPE_KEY = "subgraphs.session"
_REQUEST_ID_SCOPE_KEY = "subgraphs.request_id"
_RESPONSE_SCOPE_KEY = "subgraphs.response"


class SubgraphGraphQL(GraphQL[SubgraphContext, None]):
    """Strawberry's ASGI app with one DB session per request.

    Before anything else it identifies the caller from the router's identity
    header (see identity.py): a bad token, or none when one is required, gets a
    401 with an UNAUTHENTICATED error and never reaches the schema.

    The session is closed as soon as the operation has executed (its connection
    goes back to the pool before the response is encoded and sent), and in any
    case when the request ends, however it ends (`Database.request_session`).
    Each request has an id (`x-request-id` from the router, else a new one), used
    in log lines and echoed in the response's `x-request-id` header.
    """

    def __init__(
        self,
        domain: Domain,
        database: Database,
        identity: SubgraphIdentity | None = None,
        *,
        runtime: EventsRuntime | None = None,
    ) -> None:
        super().__init__(domain.schema, graphql_ide="graphiql")
        self.database = database
        self.identity = identity or SubgraphIdentity(None)
        self.runtime = runtime
        self.events_enabled = runtime is not None
        self.cache_hints = domain.cache_hints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            try:
                scope[IDENTITY_SCOPE_KEY] = await self.identity.identify(Headers(scope=scope))
            except AuthError as error:
                if scope["type"] == "websocket":
                    # Refused at the handshake (HTTP 403): nothing is served unidentified.
                    log.info("websocket refused: %s", error.reason)
                    await send(
                        {"type": "websocket.close", "code": 4401, "reason": "unauthenticated"}
                    )
                    return
                body = {
                    "errors": [{"message": error.reason, "extensions": {"code": UNAUTHENTICATED}}]
                }
                await JSONResponse(body, status_code=401)(scope, receive, send)
                return
        rid = scope[_REQUEST_ID_SCOPE_KEY] = request_id(Headers(scope=scope))
        # Set in the request's own task: uvicorn's access line, logged from `send`, has it.
        CURRENT_REQUEST_ID.set(rid)
        if scope["type"] == "websocket":
            # Subscriptions (live.py): no session for the connection's lifetime; each
            # event of each subscription gets one while it is answered.
            await super().__call__(scope, receive, send)
            return
        async with self.database.request_session(rid) as db:
            scope[_SESSION_SCOPE_KEY] = db
            try:
                await super().__call__(scope, receive, send)
            except ClientDisconnect:  # gone before its body arrived: nobody to answer
                log.info("request %s: the client disconnected before sending its body", rid)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> SubgraphContext:
        rid: str = request.scope[_REQUEST_ID_SCOPE_KEY]
        if isinstance(request, WebSocket):
            feed = self.runtime.feed if self.runtime is not None else None
            streams = self.runtime.config.streams if self.runtime is not None else Streams()
            live = LiveSources(self.database.sessions, feed, streams)
            identity = request.scope.get(IDENTITY_SCOPE_KEY, ANONYMOUS_UNVERIFIED)
            return live_context(request, rid, live, identity)
        if isinstance(response, Response):
            response.headers[REQUEST_ID_HEADER] = rid
            request.scope[_RESPONSE_SCOPE_KEY] = response
        context = SubgraphContext.from_request(request.scope[_SESSION_SCOPE_KEY], request, rid)
        context.events_enabled = self.events_enabled
        return context

    def decode_json(self, data: str | bytes) -> object:
        value = super().decode_json(data)
        # A request body must be an object (or a batch); Strawberry calls `.get` on
        # whatever it gets, so `null` or `"x"` was an AttributeError and an HTTP 500.
        # (Query-string values arrive as `str` and keep Strawberry's own checks.)
        if isinstance(data, bytes) and not isinstance(value, dict | list):
            raise json.JSONDecodeError("a GraphQL request must be a JSON object", "", 0)
        return value

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # The operation has executed: give the connection back before the response
        # is encoded and sent (a slow reader must not hold it).
        db: SerialSession = request.scope[_SESSION_SCOPE_KEY]
        await db.close()
        response = request.scope.get(_RESPONSE_SCOPE_KEY)
        if self.cache_hints is not None and isinstance(response, Response):
            body = None
            if request.method == "POST":
                try:
                    body = json.loads(await request.body())
                except ValueError:
                    body = None
            response.headers["cache-control"] = self.cache_hints.header_for(body)
        return await super().process_result(request, result)


def create_subgraph_app(
    domain: Domain,
    config: DatabaseConfig | None = None,
    *,
    seed_scale: Scale | None = Scale(DEFAULT_SCALE),
    identity: SubgraphIdentity | None = None,
    events: EventsConfig | None = None,
) -> Starlette:
    """The ASGI app of `domain`; on start-up it migrates (and seeds a fresh database).

    `config` defaults to the environment (`DatabaseConfig.from_env`); `seed_scale=None`
    never seeds. `app.state.database` is the `Database` (its `.counter` for tests).
    `identity` defaults to the environment (`SubgraphIdentity.from_env`), `events`
    too (`EventsConfig.from_env`: `NATS_URL`); with both `events` and `domain.events`
    the domain's relay and consumers run for the app's lifetime (`app.state.events`).
    """
    identity = identity or SubgraphIdentity.from_env()
    events = events or EventsConfig.from_env()
    database = Database(domain.name, config or DatabaseConfig.from_env(domain.name))
    metrics = CollectorRegistry()
    metrics.register(database.counter)
    ready = False
    runtime = (
        None
        if events is None or domain.events is None
        else EventsRuntime(domain.name, domain.events, events, database.engine)
    )
    if runtime is not None:
        metrics.register(EventsMetrics(runtime))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal ready
        await database.prepare(domain, seed_scale=seed_scale)
        if runtime is not None:
            await runtime.start()
        ready = True
        try:
            yield
        finally:
            ready = False
            if runtime is not None:
                await runtime.stop()
            await database.dispose()
            await identity.aclose()

    async def health(_request: Request) -> Response:
        if ready:
            return JSONResponse({"status": "UP"})
        return JSONResponse({"status": "DOWN"}, status_code=503)

    async def prometheus(_request: Request) -> Response:
        return Response(generate_latest(metrics), media_type=CONTENT_TYPE_LATEST)

    graphql = SubgraphGraphQL(domain, database, identity, runtime=runtime)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            # Subscriptions: graphql-transport-ws (and the legacy graphql-ws) on the same path.
            WebSocketRoute("/graphql", graphql),
            Route("/health", health, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.database = database
    app.state.domain = domain
    app.state.identity = identity
    app.state.events = runtime
    return app
