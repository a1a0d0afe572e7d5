"""The router's uvicorn server: stops accepting connections at `max_connections`.

What happens to a connection over the cap decides who suffers under a flood of
connections (slow loris, or just too many clients). Answering 503 to it (what
uvicorn's `limit_concurrency` does) fails normal clients at once while the
flood holds every slot. Here the process stops accepting instead: it closes
its own descriptor of the listening socket, the socket keeps listening, and
the kernel queues new connections in its backlog (2048 here, capped by
`net.core.somaxconn`). A queued client has its connection and request waiting,
and is served as soon as a slot frees: the timeouts free a slow-loris slot
within `header_read_timeout`. Under `--workers` the other processes keep
accepting from the shared socket meanwhile, so a full process sheds its new
connections to the others instead of refusing them. Once fewer than the cap
are open, the listener is reopened (a fresh descriptor of the same socket).

`RouterServer(uvicorn_config(app, limits, ...))` serves like `uvicorn.Server`:
`.run()` binds `config.host:config.port`, `.serve(sockets=[...])` uses a socket
bound elsewhere (the `--workers` parent's).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
import time
from typing import Final

import uvicorn
from uvicorn.server import ServerState

from supergraph.errors import SUBSCRIPTION_SHUTDOWN
from supergraph.http.admin import AdminListener
from supergraph.http.config import ListenConfig, load_config
from supergraph.http.edge_limits import EdgeLimits
from supergraph.http.protocol import HttpProtocol, ServingConfig
from supergraph.pipeline.subscribe import end_subscriptions, wait_ended

logger = logging.getLogger(__name__)

SUBSCRIPTIONS_SHUTDOWN_SECONDS: Final = 2.0
"""How long shutdown waits for subscriptions to send their last part."""
RECHECK_SECONDS: Final = 0.5
"""While paused, how often the gate counts connections itself (a connection handed
over to another protocol, e.g. a WebSocket, never tells it that it ended)."""
WARN_EVERY_SECONDS: Final = 60.0


class AcceptGate:
    """Closes a server's listeners when `cap` connections are open, reopens them below."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.paused = False
        self.pauses = 0
        """How many times the cap was reached (for tests and operators)."""
        self._server: RouterServer | None = None
        self._stopped = False
        self._reopening: asyncio.Task[None] | None = None
        self._recheck: asyncio.TimerHandle | None = None
        self._warned_at = -WARN_EVERY_SECONDS
        self._waiting: collections.deque[HttpProtocol] = collections.deque()

    @property
    def waiting(self) -> int:
        """Connections accepted over the cap, waiting for a slot."""
        return len(self._waiting)

    def attach(self, server: RouterServer) -> None:
        self._server = server

    def stop(self) -> None:
        """Shutting down: never reopen."""
        self._stopped = True
        if self._recheck is not None:
            self._recheck.cancel()

    def opened(self, connection: HttpProtocol, connections: int) -> bool:
        """Whether to serve a new connection now (else it waits for `admit`)."""
        if connections >= self.cap and not self.paused:
            self._pause()
        if connections > self.cap:
            # Accepted in the same burst as the one that reached the cap (asyncio's
            # loop accepts many at once): it waits, unread, as it would in the backlog.
            self._waiting.append(connection)
            return False
        return True

    def closed(self, connection: HttpProtocol, connections: int) -> None:
        if connection in self._waiting:
            self._waiting.remove(connection)
        self._fill(connections)

    def _fill(self, connections: int) -> None:
        """Admit waiting connections while there is room; then listen again."""
        served = connections - len(self._waiting)
        while self._waiting and served < self.cap:
            self._waiting.popleft().admit()
            served += 1
        if self.paused and not self._waiting and connections < self.cap:
            self._resume()

    def _pause(self) -> None:
        server = self._server
        if server is None or self._stopped:
            return
        for listening in server.servers:
            listening.close()
        server.servers = []
        self.paused = True
        self.pauses += 1
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning(
                "%d connections open (server.http.max_connections): not accepting more "
                "until one ends; new ones wait in the listen backlog",
                self.cap,
            )
        self._schedule_recheck()

    def _schedule_recheck(self) -> None:
        loop = asyncio.get_running_loop()
        self._recheck = loop.call_later(RECHECK_SECONDS, self._count_again)

    def _count_again(self) -> None:
        self._recheck = None
        if not self.paused or self._stopped or self._server is None:
            return
        self._fill(len(self._server.server_state.connections))
        if self.paused:
            self._schedule_recheck()

    def _resume(self) -> None:
        if self._reopening is None and not self._stopped:
            self._reopening = asyncio.get_running_loop().create_task(self._reopen())

    async def _reopen(self) -> None:
        server = self._server
        assert server is not None
        try:
            listening = await server.listen()
        finally:
            self._reopening = None
        if self._stopped:
            for opened in listening:
                opened.close()
            return
        server.servers = listening
        self.paused = False
        if self._recheck is not None:
            self._recheck.cancel()
            self._recheck = None
        if len(server.server_state.connections) >= self.cap:
            self._pause()


class GatedState(ServerState):
    """uvicorn's per-server state, with the gate every connection reports to."""

    def __init__(self, gate: AcceptGate) -> None:
        super().__init__()
        self.gate = gate


class RouterServer(uvicorn.Server):
    """`uvicorn.Server` for a `ServingConfig`, with its connection cap."""

    def __init__(self, config: ServingConfig, admin: AdminListener | None = None) -> None:
        super().__init__(config)
        self.admin = admin
        """The admin listener (health, readiness, metrics), started and stopped with this."""
        self.gate = AcceptGate(config.limits.max_connections)
        self.gate.attach(self)
        self.server_state = GatedState(self.gate)
        self._listening: list[socket.socket] = []

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's servers get their own descriptors of the listening sockets, which
        # the gate closes and reopens; these stay open, and so does the backlog.
        self._listening = sockets if sockets is not None else [self.config.bind_socket()]
        if self.admin is not None:
            await self._start_admin(self.admin)
        await super().startup(sockets=[sock.dup() for sock in self._listening])

    async def _start_admin(self, admin: AdminListener) -> None:
        listen = admin.config.health_listen
        try:
            await admin.start()
        except OSError as error:
            if admin.config.explicit:
                logger.error("admin listener: cannot listen on %s: %s", listen, error.strerror)
                raise SystemExit(1) from error  # as uvicorn stops when its port is taken
            # The default address: the router still serves, /health on its public port.
            logger.warning(
                "admin listener: cannot listen on %s (%s); serving without it",
                listen,
                error.strerror,
            )
            self.admin = None

    async def listen(self) -> list[asyncio.Server]:
        """New servers on the listening sockets, as uvicorn's startup makes them."""
        config = self.config
        loop = asyncio.get_running_loop()

        def create_protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=_loop,
            )
            return protocol

        return [
            await loop.create_server(
                create_protocol, sock=sock.dup(), ssl=config.ssl, backlog=config.backlog
            )
            for sock in self._listening
        ]

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.gate.stop()
        # Streams never end on their own: uvicorn would wait for them until its
        # graceful timeout, then cut them. Each gets its coded last part first.
        if end_subscriptions(SUBSCRIPTION_SHUTDOWN, "The router is shutting down."):
            await wait_ended(SUBSCRIPTIONS_SHUTDOWN_SECONDS)
        await super().shutdown(sockets=sockets)
        if self.admin is not None:
            await self.admin.close()
        for sock in self._listening:
            sock.close()


def listen_address(config_path: str | None) -> ListenConfig:
    """router.yaml's `supergraph.listen` and `supergraph.path` (validated already)."""
    return load_config(config_path).listen if config_path else ListenConfig()


def edge_limits(config_path: str | None) -> EdgeLimits:
    """The edge limits router.yaml sets (it was validated when the app was loaded)."""
    return load_config(config_path).edge if config_path else EdgeLimits()
