"""Upstream subscriptions: one `graphql-transport-ws` WebSocket per client subscription
to the subgraph that owns the subscription field (the protocol of the `graphql-ws`
library, https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).

    SubscriptionTransport.open(subgraph, request) -> UpstreamSubscription
    UpstreamSubscription.next() -> the next event (a GraphQL response) | None (complete)
    UpstreamSubscription.aclose()   complete + close (idempotent)

A connection per subscription (not one multiplexed per subgraph): closing a
client's subscription closes exactly its socket, the subgraph sees the caller's
headers (identity) on the upgrade request as it would on a query, and one slow
or broken subscription never stalls another. A socket that drops, a protocol
violation or an `error` message raises `UpstreamError`: the router ends the
client's subscription with a coded error rather than resubscribing behind its
back (the subgraph's "current state first" answer on a new subscription is the
client's way to catch up; docs/subscriptions.md).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from supergraph.executor.transport import SubgraphRequest
from supergraph.types import JSONObject

PROTOCOL: Final = Subprotocol("graphql-transport-ws")
_HOP_BY_HOP: Final = frozenset(
    {"connection", "upgrade", "host", "content-length", "content-type", "transfer-encoding"}
)


class UpstreamError(Exception):
    """The upstream subscription failed: connection, handshake, protocol, or a drop."""


class UpstreamSubscription(Protocol):
    async def next(self) -> JSONObject | None: ...

    async def aclose(self) -> None: ...


class SubscriptionTransport(Protocol):
    async def open(self, subgraph: str, request: SubgraphRequest) -> UpstreamSubscription:
        """Subscribed (the subgraph acknowledged the connection), or UpstreamError."""
        ...


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    """`subscription.mode.passthrough` in router.yaml, resolved per subgraph."""

    urls: Mapping[str, str]
    """The subgraphs' HTTP URLs (queries go there)."""
    paths: Mapping[str, str] = field(default_factory=dict)
    """A subscription path per subgraph (else the HTTP URL's own path)."""
    heartbeat_interval: float | None = 15.0
    """WebSocket pings to the subgraph (None: none); an unanswered one closes it."""
    heartbeats: Mapping[str, float | None] = field(default_factory=dict)
    """A heartbeat interval per subgraph (else `heartbeat_interval`)."""
    ack_timeout: float = 10.0
    """Connect, upgrade and `connection_ack` within this."""
    max_message_bytes: int = 4 << 20
    """One event's largest message (a larger one closes the subscription)."""

    def url_of(self, subgraph: str) -> str:
        """ws(s):// on the subgraph's host, at its subscription path."""
        parts = urlsplit(self.urls[subgraph])
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        path = self.paths.get(subgraph, parts.path)
        return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class WebSocketSubscriptions:
    """graphql-transport-ws to subgraphs (implements SubscriptionTransport)."""

    def __init__(self, settings: UpstreamSettings) -> None:
        self.settings = settings
        self.connections = 0
        """Upstream sockets open now (tests count them)."""

    async def open(self, subgraph: str, request: SubgraphRequest) -> UpstreamSubscription:
        settings = self.settings
        if subgraph not in settings.urls:
            raise UpstreamError(f"No URL for subgraph '{subgraph}'.")
        url = settings.url_of(subgraph)
        heartbeat = settings.heartbeats.get(subgraph, settings.heartbeat_interval)
        headers = {
            name: value
            for name, value in (request.headers or {}).items()
            if name.lower() not in _HOP_BY_HOP
        }
        try:
            async with asyncio.timeout(settings.ack_timeout):
                socket = await connect(
                    url,
                    subprotocols=[PROTOCOL],
                    additional_headers=headers,
                    open_timeout=None,  # the timeout above covers the whole opening
                    ping_interval=heartbeat,
                    ping_timeout=heartbeat,
                    max_size=settings.max_message_bytes,
                    proxy=None,
                    compression=None,
                )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
            message = f"Cannot open a WebSocket to subgraph '{subgraph}': {error}"
            raise UpstreamError(message) from None
        self.connections += 1
        upstream = _Upstream(self, socket, subgraph)
        try:
            async with asyncio.timeout(settings.ack_timeout):
                await upstream.start(request)
        except BaseException as error:
            await upstream.aclose()
            if isinstance(error, TimeoutError):
                message = f"Subgraph '{subgraph}' did not acknowledge the subscription in time."
                raise UpstreamError(message) from None
            raise
        return upstream


_ids = itertools.count(1)


class _Upstream:
    """One subscription on its own socket."""

    def __init__(self, owner: WebSocketSubscriptions, socket: ClientConnection, name: str) -> None:
        self._owner = owner
        self._socket = socket
        self._name = name
        self._id = str(next(_ids))
        self._done = False
        self._closed = False

    async def start(self, request: SubgraphRequest) -> None:
        await self._send({"type": "connection_init", "payload": {}})
        while True:
            message = await self._receive()
            kind = message.get("type")
            if kind == "connection_ack":
                break
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind != "pong":
                raise UpstreamError(f"Subgraph '{self._name}' sent {kind!r} before its ack.")
        payload: JSONObject = {"query": request.query, "variables": request.variables}
        if request.operation_name is not None:
            payload["operationName"] = request.operation_name
        await self._send({"id": self._id, "type": "subscribe", "payload": payload})

    async def next(self) -> JSONObject | None:
        """The next `next` payload; None once the subgraph completed. An `error` message
        (the subgraph refused the operation) comes back as a response with its errors."""
        if self._done:
            return None
        while True:
            message = await self._receive()
            kind = message.get("type")
            if kind == "ping":
                await self._send({"type": "pong"})
                continue
            if kind == "pong" or message.get("id") != self._id:
                continue
            if kind == "next" and isinstance(message.get("payload"), dict):
                payload: JSONObject = message["payload"]
                return payload
            if kind == "complete":
                self._done = True
                return None
            if kind == "error" and isinstance(message.get("payload"), list):
                self._done = True
                return {"data": None, "errors": message["payload"]}
            raise UpstreamError(f"Subgraph '{self._name}' sent a malformed {kind!r} message.")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._owner.connections -= 1
        try:
            if not self._done:
                # Tell the subgraph first: it stops the operation even before it sees the close.
                await asyncio.wait_for(self._send({"id": self._id, "type": "complete"}), 1.0)
        except (UpstreamError, TimeoutError):
            pass
        finally:
            self._socket.close_timeout = 1.0
            await self._socket.close()

    async def _send(self, message: JSONObject) -> None:
        try:
            await self._socket.send(orjson.dumps(message).decode())
        except ConnectionClosed as closed:
            raise self._dropped(closed) from None

    async def _receive(self) -> JSONObject:
        try:
            raw = await self._socket.recv()
        except ConnectionClosed as closed:
            raise self._dropped(closed) from None
        try:
            message = orjson.loads(raw)
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict):
            raise UpstreamError(f"Subgraph '{self._name}' sent a message that is not JSON.")
        return message

    def _dropped(self, closed: ConnectionClosed) -> UpstreamError:
        code = closed.rcvd.code if closed.rcvd is not None else 1006
        reason = closed.rcvd.reason if closed.rcvd is not None else ""
        detail = f"{code} {reason}".strip()
        return UpstreamError(f"The WebSocket to subgraph '{self._name}' closed ({detail}).")
