"""The bundled stack as separate processes on free ports, each exporting its spans over OTLP.

    stack = TracedStack(workdir, otlp_endpoint, router_yaml={...})
    stack.start()      # five `subgraphs serve NAME --port P`, then `supergraph serve`
    stack.post(query, headers=...)
    stack.stop()

Processes, not threads: each service has its own tracer provider and service name,
as in production, and is configured the documented way (the subgraphs by the
`OTEL_*` variables alone, the router by router.yaml over them). Ports are free
loopback ports, never 4000-4005; the subgraphs seed their SQLite files in
`workdir` (no NATS: events off).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.e2e.system import free_port
from tests.kit.bundled import SUPERGRAPH, graph_names, with_urls
from tests.kit.compose import REPO

BIN = Path(sys.executable).parent


class TracedStack:
    def __init__(
        self,
        workdir: Path,
        otlp_endpoint: str | None,
        router_yaml: dict[str, Any],
        *,
        protocol: str = "http/protobuf",
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.otlp_endpoint = otlp_endpoint
        self.router_yaml = router_yaml
        self.protocol = protocol
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.urls: dict[str, str] = {}
        self.router_url = ""
        self.admin_url = ""
        self.client = httpx.Client(timeout=60.0)
        self.signed_in: dict[str, str] = {}
        """Headers of a signed-in client, when the test configured authentication."""

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("OTEL_") and key not in ("DATABASE_URL", "NATS_URL")
        }
        env["SUBGRAPHS_DATA_DIR"] = str(self.workdir / "data")
        if self.otlp_endpoint is not None:  # None: nothing traced
            env.update(
                {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": self.otlp_endpoint,
                    "OTEL_EXPORTER_OTLP_PROTOCOL": self.protocol,
                    "OTEL_BSP_SCHEDULE_DELAY": "100",
                }
            )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, argv: list[str]) -> None:
        with (self.workdir / f"{name}.log").open("wb") as log:  # the child keeps its own
            self.processes[name] = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env(),
                cwd=REPO,
                start_new_session=True,
            )

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _wait_healthy(self, name: str, url: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited ({process.returncode}):\n{self.log(name)[-3000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if self.client.get(url).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} not healthy at {url}:\n{self.log(name)[-3000:]}")
            time.sleep(0.1)

    def start(self) -> None:
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        sdl = SUPERGRAPH.read_text()
        try:
            for name in graph_names(sdl):
                port = free_port()
                self.urls[name] = f"http://127.0.0.1:{port}/graphql"
                self._spawn(name, [str(BIN / "subgraphs"), "serve", name, "--port", str(port)])
            for name, url in self.urls.items():
                self._wait_healthy(name, url.replace("/graphql", "/health"))
            supergraph = self.workdir / "supergraph.graphql"
            supergraph.write_text(with_urls(sdl, self.urls))
            admin_port = free_port()
            config = {"health_check": {"listen": f"127.0.0.1:{admin_port}"}, **self.router_yaml}
            config_path = self.workdir / "router.yaml"
            config_path.write_text(yaml.safe_dump(config))
            port = free_port()
            self.router_url = f"http://127.0.0.1:{port}"
            self.admin_url = f"http://127.0.0.1:{admin_port}"
            argv = [str(BIN / "supergraph"), "serve", "--supergraph", str(supergraph)]
            argv += ["--config", str(config_path), "--port", str(port)]
            self._spawn("router", argv)
            self._wait_healthy("router", f"{self.router_url}/health")
        except BaseException:
            self.stop()
            raise

    def post(self, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(
            f"{self.router_url}/graphql",
            json={"query": query},
            headers={"content-type": "application/json", **(headers or {})},
        )

    def stop_router(self) -> None:
        """SIGTERM the router and wait: it exports what it still holds on the way out."""
        self._stop(self.processes.pop("router", None))

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            self._stop(process)
        self.processes.clear()
        self.client.close()

    @staticmethod
    def _stop(process: subprocess.Popen[bytes] | None) -> None:
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
