"""Gateways under test as subprocesses on free loopback ports.

- ``ApolloGateway``: ``node tests/node/gateway.mjs --supergraph F --port 0``;
  ready when it prints ``GATEWAY READY <url>``.
- ``HiveGateway``: ``@graphql-hive/gateway`` (``tests/node/hive-gateway.config.mjs``);
  ready when ``GET /healthcheck`` answers 200.
- ``OurRouter``: ``.venv/bin/supergraph serve --supergraph F --port P``
  (the contract in DESIGN.md); ready when ``GET /health`` answers 200.

Each process runs in its own session (process group) and is stopped with
SIGTERM, then SIGKILL of the whole group, also when start-up fails, so no
orphan outlives the test session. Output goes to a log file next to the
supergraph, shown in the error when start-up fails.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

import httpx

from tests.kit.compose import NODE_DIR, REPO, node_executable

READY_PREFIX = "GATEWAY READY "

_RUNNING: weakref.WeakSet[ServiceProcess] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    """Last resort when a session ends without its fixtures' teardown."""
    for process in list(_RUNNING):
        process.stop()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServiceProcess:
    """A subprocess serving GraphQL at ``self.url`` (``.../graphql``)."""

    def __init__(self, name: str, argv: list[str], log_path: Path) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def _spawn(self, stdout: int | IO[str]) -> subprocess.Popen[str]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(
            self.argv,
            stdout=stdout,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            cwd=REPO,
        )
        _RUNNING.add(self)
        return self._process

    def _failed(self, why: str) -> RuntimeError:
        self.stop()
        log = self.log_path.read_text() if self.log_path.exists() else ""
        return RuntimeError(f"{self.name} {why}: {' '.join(self.argv)}\n--- log ---\n{log[-4000:]}")

    def start(self, timeout: float = 30.0) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        self._process = None
        _RUNNING.discard(self)

    def __enter__(self) -> ServiceProcess:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class ApolloGateway(ServiceProcess):
    """Apollo Gateway 2.x (``tests/node/gateway.mjs``) on a supergraph file."""

    def __init__(self, supergraph: Path, log_path: Path, expose_plans: bool = True) -> None:
        argv = [node_executable(), str(NODE_DIR / "gateway.mjs"), "--supergraph", str(supergraph)]
        argv += ["--port", "0"]
        if expose_plans:
            argv.append("--expose-plans")
        super().__init__("apollo-gateway", argv, log_path)

    def start(self, timeout: float = 30.0) -> None:
        if not (NODE_DIR / "node_modules" / "@apollo" / "gateway").exists():
            raise RuntimeError("tests/node/node_modules is missing: run `make node-peers`")
        process = self._spawn(subprocess.PIPE)
        assert process.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(process.stdout.readline() if process.stdout else ""),
            daemon=True,
        )
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0].startswith(READY_PREFIX):
            raise self._failed(f"did not print a ready line within {timeout}s")
        self.url = lines[0][len(READY_PREFIX) :].strip() + "/graphql"


def _wait_healthy(
    service: ServiceProcess, process: subprocess.Popen[str], health: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise service._failed(f"exited with {process.returncode} before it was healthy")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(health, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise service._failed(f"was not healthy within {timeout}s")


class HiveGateway(ServiceProcess):
    """The Guild's Hive Gateway (``@graphql-hive/gateway``, JavaScript query planner) on a
    supergraph file, with @defer and WebSocket subscriptions to subgraphs turned on."""

    def __init__(self, supergraph: Path, log_path: Path) -> None:
        self.port = free_port()
        bin_js = NODE_DIR / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
        argv = [node_executable(), str(bin_js), "supergraph", str(supergraph)]
        argv += ["--host", "127.0.0.1", "--port", str(self.port), "--fork", "1"]
        argv += ["--polling", "1h", "--config-path", str(NODE_DIR / "hive-gateway.config.mjs")]
        super().__init__("hive-gateway", argv, log_path)

    def start(self, timeout: float = 60.0) -> None:
        if not (NODE_DIR / "node_modules" / "@graphql-hive" / "gateway").exists():
            raise RuntimeError("tests/node/node_modules is missing: run `make node-peers`")
        process = self._spawn(subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        _wait_healthy(self, process, f"{base}/healthcheck", timeout)
        self.url = f"{base}/graphql"


@asynccontextmanager
async def hive_gateway(supergraph: str, folder: Path) -> AsyncIterator[str]:
    """Hive Gateway on `supergraph`; its /graphql URL."""
    (folder / "supergraph.graphql").write_text(supergraph, encoding="utf-8")
    gateway = HiveGateway(folder / "supergraph.graphql", folder / "hive-gateway.log")
    # Started off the loop: the subgraphs it will call are served by this loop.
    await asyncio.to_thread(gateway.start)
    try:
        yield gateway.url
    finally:
        await asyncio.to_thread(gateway.stop)


class OurRouter(ServiceProcess):
    """Our router: ``supergraph serve --supergraph F --port P``."""

    def __init__(self, supergraph: Path, log_path: Path) -> None:
        self.port = free_port()
        command = Path(sys.executable).with_name("supergraph")
        argv = [str(command), "serve", "--supergraph", str(supergraph), "--port", str(self.port)]
        super().__init__("router", argv, log_path)

    def start(self, timeout: float = 30.0) -> None:
        process = self._spawn(subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        _wait_healthy(self, process, f"{base}/health", timeout)
        self.url = f"{base}/graphql"
