"""Real HTTP: `subgraphs serve accounts` on a free loopback port, over SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.loaders.backends import POSTGRES_URL, Backend

STARTUP_SECONDS = 60


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"subgraph exited with {server.process.returncode}:\n{server.log.read_text()}"
            )
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"subgraph not healthy after {STARTUP_SECONDS}s:\n{server.log.read_text()}")


@pytest.fixture
def accounts_server(backend: Backend, tmp_path: Path) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SUBGRAPHS_DATA_DIR"] = str(tmp_path / "data")
    if backend.kind == "postgres":
        schema = backend.config("http_accounts").schema  # registered for clean-up
        assert schema is not None
        env["DATABASE_URL"] = POSTGRES_URL
        env["SUBGRAPHS_SCHEMA_PREFIX"] = schema.removesuffix("accounts")
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "subgraphs", "serve", "accounts", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            assert process.wait(timeout=15) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _statements(server: Server) -> float:
    metrics = httpx.get(f"{server.url}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    prefix = 'subgraph_sql_statements_total{subgraph="accounts"} '
    lines = [line for line in metrics.text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, metrics.text
    return float(lines[0].removeprefix(prefix))


def _graphql(
    server: Server,
    query: str,
    variables: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, object]:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_accounts_over_http(accounts_server: Server, backend: Backend, tmp_path: Path) -> None:
    health = httpx.get(f"{accounts_server.url}/health", timeout=5)
    assert health.json() == {"status": "UP"}
    if backend.kind == "sqlite":
        assert (tmp_path / "data" / "accounts.sqlite3").is_file()  # created on first start

    page = _graphql(accounts_server, "{ users(first: 2) { edges { node { id username } } } }")
    assert page == {
        "data": {
            "users": {
                "edges": [
                    {"node": {"id": "1", "username": "user1"}},
                    {"node": {"id": "2", "username": "user2"}},
                ]
            }
        }
    }
    me = _graphql(accounts_server, "{ me { username } }", headers={"x-user-id": "3"})
    assert me == {"data": {"me": {"username": "user3"}}}

    before = _statements(accounts_server)
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, 21)]
    entities = _graphql(
        accounts_server,
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }",
        {"r": representations},
    )
    assert entities == {"data": {"_entities": [{"id": str(i)} for i in range(1, 21)]}}
    assert _statements(accounts_server) - before == 1

    bad = _graphql(accounts_server, "{ users(first: 1000) { edges { cursor } } }")
    assert bad["data"] is None
    errors = bad["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argumentName": "first"}
