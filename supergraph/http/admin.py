"""The admin listener: `/health`, `/health/ready` and `/metrics` off the public port.

    admin = AdminListener(config.telemetry.admin, ready=..., metrics=...)
    await admin.start()      # binds health_check.listen (and the metrics' own, if set)
    ...
    await admin.close()

As Apollo Router: `health_check.listen` (default 127.0.0.1:8088) serves
`GET /health` (liveness: this process answers) and `GET /health/ready`
(readiness: a supergraph is loaded and served, else 503), and the Prometheus
text of `telemetry.exporters.metrics.prometheus` (`path`, default `/metrics`)
is there too, or on its own `listen` address when one is given. Loopback by
default: health and metrics say how the router is built and used, which is for
the operator, not for clients.

It is a few lines of HTTP/1.1 on asyncio, not the router's stack: one GET per
connection (closed after the answer), a bounded head read under a timeout, so a
stuck or hostile client on this port costs one small task. `supergraph serve`
runs it on the router's loop (the answer is the loop's own liveness); under
`--workers` the parent runs it in a thread, ready while a worker runs, with the
metrics summed over the workers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from starlette.applications import Starlette

from supergraph.http.config import load_config
from supergraph.http.reload import ReloadingApp
from supergraph.http.telemetry_config import AdminConfig, Listen

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES: Final = 8192
READ_TIMEOUT_SECONDS: Final = 5.0
UP: Final = b'{"status":"UP"}'
DOWN: Final = b'{"status":"DOWN"}'
JSON: Final = "application/json"
METRICS_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"


LISTEN_ENV: Final = "SUPERGRAPH_ADMIN_LISTEN"
"""host:port for the admin listener when router.yaml names none (`off`: none); the
test suite sets 127.0.0.1:0, so no test takes the fixed default port."""


def admin_config(config_path: str | None, env: Mapping[str, str]) -> AdminConfig | None:
    """The admin listener `supergraph serve` runs (None: none); the files are valid
    (the app was loaded from them already)."""
    admin = load_config(config_path).telemetry.admin if config_path else AdminConfig()
    wanted = env.get(LISTEN_ENV, "").strip()
    if wanted and not admin.explicit:
        if wanted == "off":
            return None
        host, _, port = wanted.rpartition(":")
        admin = dataclasses.replace(admin, health_listen=Listen(host.strip("[]"), int(port)))
    if not admin.health_enabled and not admin.metrics_enabled:
        return None
    return admin


def for_app(app: Starlette | ReloadingApp, config: AdminConfig) -> AdminListener:
    """The admin listener of the app `supergraph serve` runs (hot reloads included)."""

    def current() -> Starlette:
        return app.app if isinstance(app, ReloadingApp) else app

    return AdminListener(
        config,
        ready=lambda: current().state.holder.router is not None,
        metrics=lambda: current().state.metrics.render(),
    )


class AdminListener:
    def __init__(
        self,
        config: AdminConfig,
        *,
        ready: Callable[[], bool],
        metrics: Callable[[], bytes],
    ) -> None:
        self.config = config
        self._ready = ready
        self._metrics = metrics
        self._servers: list[asyncio.Server] = []
        self.addresses: list[tuple[str, int]] = []
        """Where it listens (the port chosen when the config says 0)."""

    async def start(self) -> None:
        config = self.config
        routes: dict[tuple[str, int], dict[str, Callable[[], tuple[int, bytes, str]]]] = {}
        health = (config.health_listen.host, config.health_listen.port)
        if config.health_enabled:
            routes.setdefault(health, {}).update(
                {
                    config.health_path: lambda: (200, UP, JSON),
                    config.health_path.rstrip("/") + "/ready": self._readiness,
                }
            )
        if config.metrics_enabled:
            listen: Listen = config.metrics_listen or config.health_listen
            routes.setdefault((listen.host, listen.port), {})[config.metrics_path] = lambda: (
                200,
                self._metrics(),
                METRICS_TYPE,
            )
        for (host, port), paths in routes.items():
            server = await asyncio.start_server(_handler(paths), host, port, limit=MAX_HEAD_BYTES)
            self._servers.append(server)
            self.addresses.extend(sock.getsockname()[:2] for sock in server.sockets)
            logger.info("admin listener on %s:%d: %s", host, port, ", ".join(sorted(paths)))

    def _readiness(self) -> tuple[int, bytes, str]:
        return (200, UP, JSON) if self._ready() else (503, DOWN, JSON)

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    def run_in_thread(self) -> threading.Thread:
        """Serve from a daemon thread with its own loop (the `--workers` parent)."""
        started = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            try:
                await self.start()
            except BaseException as error:
                failure.append(error)
                raise
            finally:
                started.set()
            await asyncio.Event().wait()  # until the process ends

        thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return thread


def _handler(
    paths: dict[str, Callable[[], tuple[int, bytes, str]]],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(
                reader.readuntil(b"\r\n\r\n"), timeout=READ_TIMEOUT_SECONDS
            )
            status, body, media = _answer(head, paths)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            status, body, media = 400, b"bad request", "text/plain"
        except Exception:
            logger.exception("admin listener: the answer failed")
            status, body, media = 500, b"internal error", "text/plain"
        reason = _REASONS.get(status, "")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: {media}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode("latin-1")
            + body
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    return handle


def _answer(
    head: bytes, paths: dict[str, Callable[[], tuple[int, bytes, str]]]
) -> tuple[int, bytes, str]:
    if len(head) > MAX_HEAD_BYTES:
        return 431, b"request header fields too large", "text/plain"
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split(" ")
    if len(parts) != 3:
        return 400, b"bad request", "text/plain"
    method, target, _version = parts
    route = paths.get(target.split("?", 1)[0])
    if route is None:
        return 404, b"not found", "text/plain"
    if method not in ("GET", "HEAD"):
        return 405, b"method not allowed", "text/plain"
    status, body, media = route()
    return status, b"" if method == "HEAD" else body, media


_REASONS: Final = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
