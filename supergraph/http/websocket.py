"""GraphQL over WebSocket at `/graphql`: the `graphql-transport-ws` protocol of the
`graphql-ws` library (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).

    client                         router
    connection_init {payload}  ->  authenticate (headers + payload), connection_ack
    subscribe {id, payload}    ->  the pipeline, streaming: next {id, result}..., complete {id}
    complete {id}              ->  the operation stops (its upstream subscription closes)
    ping / pong               <->  the router pings every `keep_alive_interval`

Authentication: the upgrade request's headers, overridden by the `connection_init`
payload's string entries (`{"Authorization": "Bearer ..."}`, as graphql-ws clients
send `connectionParams`) and by its `headers` object if it has one; verified like
any request's headers (security.py). A bad token closes the socket with 4403.
A browser page of another origin than the router's is refused at the handshake
unless `cors.origins` lists it.

Persisted queries: a `subscribe` payload is a request body as over HTTP, so it may
carry `documentId` or `extensions.persistedQuery` instead of `query` (or with
`query: ""`, since graphql-ws clients must send a string); they resolve
with the HTTP endpoint's `PersistedQueries` (one APQ store, one safelist), and a
refusal (PERSISTED_QUERY_NOT_FOUND, QUERY_NOT_IN_SAFELIST, ...) is an `error`
message with the same coded error the HTTP answer carries.

Bounds: `connection_init` within `connection_init_timeout` (else 4408), at most
`max_subscriptions_per_connection` operations open at once (one more gets an
`error` message with MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED), one message at
most `limits.http_max_request_bytes`, the process cap (subscribe.py). A fatal end
(reload, shutdown, token expiry, upstream failure) is a `next` with the coded
`errors` and no `data`, then `complete`: the client resubscribes when it wants to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from auth import AuthError
from supergraph.errors import (
    BAD_REQUEST,
    MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED,
    SERVICE_UNAVAILABLE,
    UNAUTHENTICATED,
    graphql_error,
)
from supergraph.http.config import RouterConfig
from supergraph.http.endpoint import RouterHolder, masks_any, with_client
from supergraph.http.forwarded import FORWARDING_HEADERS
from supergraph.http.masking import mask_part
from supergraph.http.rate_limit import EdgeRateLimit, RateLimited
from supergraph.http.request import RequestHeaders
from supergraph.http.security import EdgeSecurity
from supergraph.pipeline.decode import BadRequest, decode
from supergraph.pipeline.persisted import PersistedQueries
from supergraph.pipeline.response import GraphQLResponse, close_parts
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

SUBPROTOCOL: Final = "graphql-transport-ws"
# graphql-transport-ws close codes.
BAD_MESSAGE: Final = 4400
FORBIDDEN: Final = 4403
INIT_TIMEOUT: Final = 4408
DUPLICATE_ID: Final = 4409
TOO_MANY_INIT: Final = 4429
UNACCEPTABLE_PROTOCOL: Final = 4406
UNAUTHORIZED: Final = 4401


class GraphQLWebSocket:
    """The ASGI app of WebSocket connections to `/graphql`."""

    def __init__(
        self,
        holder: RouterHolder,
        config: RouterConfig,
        security: EdgeSecurity | None,
        rate_limit: EdgeRateLimit | None = None,
        persisted: PersistedQueries | None = None,
    ) -> None:
        self.holder = holder
        self.persisted = persisted or PersistedQueries(store=None)
        """Shared with the HTTP endpoint: one APQ store, one safelist."""
        self.client_header = config.persisted_queries.client_name_header.lower()
        self.security = security
        self.rate_limit = rate_limit
        """`traffic_shaping.router.global_rate_limit`: each operation counts, as over HTTP."""
        subscription = config.subscription
        self.keep_alive = subscription.keep_alive_interval
        self.init_timeout = subscription.connection_init_timeout
        self.per_connection = subscription.max_subscriptions_per_connection
        self.max_message = config.limits.max_body_bytes
        self.mask = config.masks_errors_of if masks_any(config) else None
        self.origins = frozenset(config.cors.origins)
        self.connections = 0
        """Open connections (tests count them)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        socket = WebSocket(scope, receive, send)
        headers = RequestHeaders.of(scope)
        if not self.allowed_origin(headers.get("origin"), headers.get("host")):
            # Refused at the handshake (403): CORS does not cover WebSockets, so a page of
            # another site could otherwise subscribe with the browser's cookies.
            await socket.close(FORBIDDEN)
            return
        if SUBPROTOCOL not in scope.get("subprotocols", ()):
            await socket.close(UNACCEPTABLE_PROTOCOL, "Subprotocol not acceptable")
            return
        await socket.accept(subprotocol=SUBPROTOCOL)
        self.connections += 1
        try:
            await _Connection(self, socket, headers).serve()
        finally:
            self.connections -= 1

    def allowed_origin(self, origin: str | None, host: str | None) -> bool:
        """No Origin (not a browser), the router's own origin, or one `cors.origins` lists."""
        if origin is None or "*" in self.origins or origin in self.origins:
            return True
        return host is not None and urlsplit(origin).netloc == host


class _Connection:
    def __init__(self, app: GraphQLWebSocket, socket: WebSocket, headers: RequestHeaders) -> None:
        self.app = app
        self.socket = socket
        self.headers = headers
        self.client_headers = headers
        """With the `connection_init` payload's: the client's name (persisted queries,
        usage reporting), as a request's headers name it over HTTP."""
        self.operations: dict[str, asyncio.Task[None]] = {}
        self._sending = asyncio.Lock()

    async def serve(self) -> None:
        keep_alive: asyncio.Task[None] | None = None
        try:
            try:
                async with asyncio.timeout(self.app.init_timeout):
                    init = await self._receive()
            except TimeoutError:
                await self._close(INIT_TIMEOUT, "Connection initialisation timeout")
                return
            if init is None:
                return
            if init.get("type") != "connection_init":
                await self._close(UNAUTHORIZED, "Unauthorized")
                return
            if not await self._authenticate(init.get("payload")):
                return
            await self._send({"type": "connection_ack"})
            keep_alive = asyncio.create_task(self._ping())
            while True:
                message = await self._receive()
                if message is None:
                    return
                if not await self._handle(message):
                    return
        except WebSocketDisconnect:
            return
        finally:
            if keep_alive is not None:
                keep_alive.cancel()
            for task in list(self.operations.values()):
                task.cancel()
            # Each operation closes its stream (and upstream socket) as it is cancelled.
            await asyncio.gather(*self.operations.values(), return_exceptions=True)

    async def _handle(self, message: JSONObject) -> bool:
        kind = message.get("type")
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self._close(TOO_MANY_INIT, "Too many initialisation requests")
            return False
        elif kind == "subscribe":
            return await self._subscribe(message)
        elif kind == "complete":
            task = self.operations.get(str(message.get("id")))
            if task is not None:
                task.cancel()
        else:
            await self._close(BAD_MESSAGE, f"Invalid message received: {kind!r}"[:120])
            return False
        return True

    async def _authenticate(self, payload: object) -> bool:
        headers = _with_payload(self.headers, payload)
        self.client_headers = headers
        security = self.app.security
        if security is None:
            return True
        try:
            await security.context(headers)
        except AuthError as error:
            await self._close(FORBIDDEN, f"Forbidden: {error.reason}"[:120])
            return False
        return True

    async def _subscribe(self, message: JSONObject) -> bool:
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            await self._close(BAD_MESSAGE, "Invalid message received: subscribe")
            return False
        if operation_id in self.operations:
            await self._close(DUPLICATE_ID, f"Subscriber for {operation_id} already exists"[:120])
            return False
        limit = self.app.per_connection
        if len(self.operations) >= limit:
            text = f"This connection holds its maximum of {limit} operations."
            error = graphql_error(text, code=MAX_SUBSCRIPTIONS_PER_CONNECTION_EXCEEDED)
            await self._send({"id": operation_id, "type": "error", "payload": [error]})
            return True
        task = asyncio.create_task(self._run(operation_id, payload))
        self.operations[operation_id] = task
        task.add_done_callback(lambda _: self.operations.pop(operation_id, None))
        return True

    async def _run(self, operation_id: str, payload: JSONObject) -> None:
        router = self.app.holder.router
        if router is None:
            error = graphql_error("The supergraph is not loaded yet.", code=SERVICE_UNAVAILABLE)
            await self._send({"id": operation_id, "type": "error", "payload": [error]})
            return
        if payload.get("query") == "" and ("documentId" in payload or _hashed(payload)):
            # graphql-ws requires a string `query` in every `subscribe`: a persisted
            # operation's is '' (graphql-ws's recipe), meaning none.
            payload = {key: value for key, value in payload.items() if key != "query"}
        try:
            decoded = decode(payload)
        except BadRequest as bad:
            error = graphql_error(str(bad), code=BAD_REQUEST)
            await self._send({"id": operation_id, "type": "error", "payload": [error]})
            return
        request = decoded.request()
        security = self.app.security
        if security is not None:
            # Each operation is authenticated as an HTTP request is: the token may have
            # expired since connection_init, and the identity token signed then too.
            try:
                context = await security.context(self.client_headers)
            except AuthError as refused:
                error = graphql_error(refused.reason, code=UNAUTHENTICATED)
                await self._send({"id": operation_id, "type": "error", "payload": [error]})
                return
            request = context.on(request)
        persisted = self.app.persisted
        if persisted.applies(decoded.document_id, decoded.extensions):
            # The same policy as over HTTP: a hash or an id becomes its query, an
            # unknown hash is PERSISTED_QUERY_NOT_FOUND (the client re-sends with the
            # query), and a safelisting router refuses free-form operations.
            resolved = await persisted.resolve(
                request,
                document_id=decoded.document_id,
                client_name=self.client_headers.get(self.app.client_header),
            )
            if isinstance(resolved, GraphQLResponse):
                errors = resolved.body.get("errors") or []
                await self._send({"id": operation_id, "type": "error", "payload": errors})
                return
            request = resolved
        if router.usage is not None:
            request = with_client(request, decoded, self.client_headers, router.usage.settings)
        if self.app.rate_limit is not None:
            try:
                await self.app.rate_limit.check(self.headers, decoded, request)
            except RateLimited as limited:
                error = graphql_error(str(limited), code=limited.code)
                await self._send({"id": operation_id, "type": "error", "payload": [error]})
                return
        result = await router.execute(request, streaming=True)
        if isinstance(result, GraphQLResponse):
            if result.kind == "ok":  # a query or mutation: its one result
                await self._next(operation_id, result.body)
                await self._send({"id": operation_id, "type": "complete"})
            else:
                errors = result.body.get("errors") or []
                await self._send({"id": operation_id, "type": "error", "payload": errors})
            return
        parts = result.parts
        try:
            async for part in parts:
                await self._next(operation_id, part)
            await self._send({"id": operation_id, "type": "complete"})
        except WebSocketDisconnect:
            pass
        finally:
            await close_parts(parts)

    async def _next(self, operation_id: str, result: JSONObject) -> None:
        if self.app.mask is not None:
            result = mask_part(result, self.app.mask)
        await self._send({"id": operation_id, "type": "next", "payload": result})

    async def _ping(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await asyncio.sleep(self.app.keep_alive)
                await self._send({"type": "ping"})

    async def _receive(self) -> JSONObject | None:
        """The next message; None when the socket closed (or was closed for a bad one)."""
        message = await self.socket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        raw = message.get("text")
        if raw is None:
            raw = message.get("bytes")
        if raw is None or len(raw) > self.app.max_message:
            await self._close(BAD_MESSAGE, "Invalid message received")
            return None
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            await self._close(BAD_MESSAGE, "Invalid message received")
            return None
        return parsed

    async def _send(self, message: JSONObject) -> None:
        async with self._sending:
            if self.socket.application_state is not WebSocketState.CONNECTED:
                raise WebSocketDisconnect(1006)
            try:
                await self.socket.send_text(orjson.dumps(message).decode())
            except (RuntimeError, OSError) as error:
                raise WebSocketDisconnect(1006) from error

    async def _close(self, code: int, reason: str) -> None:
        async with self._sending:
            if self.socket.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, OSError):
                    await self.socket.close(code, reason)


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _hashed(payload: JSONObject) -> bool:
    extensions = payload.get("extensions")
    return isinstance(extensions, dict) and "persistedQuery" in extensions


def _with_payload(headers: RequestHeaders, payload: object) -> RequestHeaders:
    """The upgrade request's headers with the `connection_init` payload's on top (but
    the forwarding headers: only the proxy that made the upgrade request names the
    client, forwarded.py). An entry no HTTP header could carry (not Latin-1) is left
    out, as other entries that are not strings: the payload is the client's free-form
    connectionParams, valid per graphql-transport-ws, so it does not close the socket."""
    if not isinstance(payload, Mapping):
        return headers
    extra: dict[str, str] = {}
    nested = payload.get("headers")
    for source in (payload, nested if isinstance(nested, Mapping) else {}):
        for name, value in source.items():
            if (
                isinstance(name, str)
                and isinstance(value, str)
                and name.lower() not in FORWARDING_HEADERS
                and _latin1(name)
                and _latin1(value)
            ):
                extra[name.lower()] = value
    if not extra:
        return headers
    merged = RequestHeaders(headers)
    merged.peer = headers.peer
    merged.update(extra)
    overridden = {name.encode("latin-1") for name in extra}
    merged.raw = [(n, v) for n, v in headers.raw if n not in overridden] + [
        (n.encode("latin-1"), v.encode("latin-1")) for n, v in extra.items()
    ]
    return merged
