"""Any ASGI app on a free loopback port, served by uvicorn in a background thread.

Sync tests (and session fixtures) can start servers without sharing an event
loop with pytest-asyncio. ``RequestCounter`` wraps an app and records the JSON
bodies of ``POST /graphql`` requests, so tests can count subgraph requests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any, Literal

import uvicorn

Scope = dict[str, Any]
Message = dict[str, Any]


class RequestCounter:
    """ASGI middleware recording every ``POST /graphql`` body (parsed JSON, or None)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[Any] = []
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def since(self, mark: int) -> list[Any]:
        """The JSON bodies (None when not JSON) of requests `mark` onwards."""
        with self._lock:
            return self.requests[mark:]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with self._lock:
            self.requests.append(parsed)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                message: Message = await receive()
                return message
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class ThreadedASGIServer:
    """uvicorn serving ``app`` on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app: Any, name: str, lifespan: Literal["auto", "on", "off"] = "off") -> None:
        self.app = app
        self.name = name
        self.lifespan = lifespan
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url

    def start(self, timeout: float = 30.0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan=self.lifespan,
            ws="none",
            http="h11",
            loop="asyncio",
            # Longer than any client keep-alive: a gateway reusing a socket the
            # server just closed fails with "socket hang up".
            timeout_keep_alive=120,
        )
        server = uvicorn.Server(config)
        self._server = server

        def run() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name=f"asgi-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start on 127.0.0.1")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
