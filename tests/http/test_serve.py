"""`supergraph serve` as a process: starts, answers /health, and refuses bad input clearly."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.executor.supergraph_fixture import SUPERGRAPH_SDL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "supergraph", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_answers_health_and_graphql(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(SUPERGRAPH_SDL)
    port = _free_port()
    process = _serve("--supergraph", str(supergraph), "--port", str(port))
    try:
        deadline = time.monotonic() + 90  # against a hang, not a speed check
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "router did not start"
                time.sleep(0.1)
        assert (health.status_code, health.json()) == (200, {"status": "UP"})
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=5
        )
        assert response.json() == {"data": {"__typename": "Query"}}
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_bad_config_exits_with_a_clear_message(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(SUPERGRAPH_SDL)
    config = tmp_path / "router.yaml"
    config.write_text("subgraph_timeout: soon\n")
    process = _serve("--supergraph", str(supergraph), "--config", str(config))
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "bad configuration" in stderr
    assert "subgraph_timeout: expected a positive duration" in stderr


def test_bad_supergraph_exits_with_a_clear_message(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text("type Query {")
    process = _serve("--supergraph", str(supergraph))
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "bad supergraph" in stderr
    missing = _serve("--supergraph", str(tmp_path / "nope.graphql"))
    _, stderr = missing.communicate(timeout=20)
    assert missing.returncode == 2
    assert "nope.graphql" in stderr
