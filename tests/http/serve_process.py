"""`supergraph serve` as a real process on a free port, with a one-subgraph supergraph.

Shared by the worker and hot-reload tests: the subgraph `greetings` answers
`hello`, `world` and `slow` (kit server, loopback); `supergraph_sdl(fields, url)`
writes a supergraph exposing some of them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.kit.scenario import Subgraph

SLOW_SECONDS = 1.0
"""How long `slow` takes: a request still in flight when the router is told to stop."""


def _slowly(value: str) -> str:
    time.sleep(SLOW_SECONDS)  # the kit's server runs in its own thread: only it waits
    return value


GREETINGS = Subgraph(
    "greetings",
    """
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query { hello: String world: String slow: String }
    """,
    resolvers={
        "Query": {
            "hello": lambda _obj, _info: "hi",
            "world": lambda _obj, _info: "earth",
            "slow": lambda _obj, _info: _slowly("done"),
        }
    },
)


@contextmanager
def greetings_server() -> Iterator[str]:
    """GREETINGS served on a free port (kit server); its URL."""
    from tests.kit.subgraph_server import SubgraphServer

    server = SubgraphServer(GREETINGS)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def supergraph_sdl(fields: tuple[str, ...], url: str) -> str:
    joined = "\n".join(f"  {name}: String" for name in fields)
    return f"""
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{{
  query: Query
}}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import

enum link__Purpose {{
  SECURITY
  EXECUTION
}}

enum join__Graph {{
  GREETINGS @join__graph(name: "greetings", url: "{url}")
}}

type Query @join__type(graph: GREETINGS) {{
{joined}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServeProcess:
    """`supergraph serve ARGS --port P`; stderr goes to a file the test can read."""

    def __init__(self, tmp_path: Path, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = tmp_path / f"serve-{self.port}.stderr"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supergraph", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_healthy(self, timeout: float = 90.0) -> None:
        # A deadline against a hang, not a speed check: `--workers` routers have taken
        # 37-40 s to start on a machine at load 30+.
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, f"router exited: {self.stderr}"
            assert time.monotonic() < deadline, f"router did not start: {self.stderr}"
            time.sleep(0.1)

    def query(self, query: str) -> httpx.Response:
        # A new connection per call: with workers, each one is accepted anew.
        return httpx.post(
            f"{self.url}/graphql",
            json={"query": query},
            timeout=10,
            headers={"connection": "close"},
        )

    def children(self) -> list[int]:
        """The pids of the router's workers (its child processes but compile processes)."""
        return [pid for pid in children_of(self.process.pid) if not is_compile_process(pid)]

    def compile_processes(self) -> list[int]:
        """The live compile processes of a router without workers (`compute_jobs`)."""
        return [pid for pid in children_of(self.process.pid) if is_compile_process(pid)]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=20)
        finally:
            self._stderr.close()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: fields follow the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def is_compile_process(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"supergraph.pipeline.compute_process" in argv and alive(pid)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def wait_until(condition: object, timeout: float = 20.0, what: str = "condition") -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
