"""The admin listener of `supergraph serve` (health_check, prometheus listen) and its JSON
access log, on real processes and free ports (never 8088: tests/conftest.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from supergraph.http.admin import AdminListener
from supergraph.http.telemetry_config import AdminConfig, Listen
from tests.http.serve_process import ServeProcess, free_port, greetings_server, supergraph_sdl


@pytest.fixture(scope="module")
def greetings() -> Iterator[str]:
    with greetings_server() as url:
        yield url


def serve(tmp_path: Path, url: str, config: dict[str, object], *args: str) -> ServeProcess:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello",), url))
    router_yaml = tmp_path / "router.yaml"
    router_yaml.write_text(yaml.safe_dump(config))
    process = ServeProcess(
        tmp_path, "--supergraph", str(supergraph), "--config", str(router_yaml), *args
    )
    try:
        process.wait_healthy()
    except BaseException:
        process.stop()  # never leave a router (and its workers) behind
        raise
    return process


def test_health_readiness_and_metrics_are_served_on_the_admin_address(
    tmp_path: Path, greetings: str
) -> None:
    admin_port = free_port()
    router = serve(tmp_path, greetings, {"health_check": {"listen": f"127.0.0.1:{admin_port}"}})
    admin = f"http://127.0.0.1:{admin_port}"
    try:
        assert router.query("{ hello }").json() == {"data": {"hello": "hi"}}
        live = httpx.get(f"{admin}/health")
        assert (live.status_code, live.json()) == (200, {"status": "UP"})
        ready = httpx.get(f"{admin}/health/ready")
        assert (ready.status_code, ready.json()) == (200, {"status": "UP"})
        metrics = httpx.get(f"{admin}/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        assert 'router_subgraph_requests_total{subgraph="greetings"} 1.0' in metrics.text
        assert httpx.get(f"{admin}/graphql").status_code == 404  # no GraphQL here
        assert httpx.post(f"{admin}/health").status_code == 405
        # The public port keeps its /health (the contract) and, for compatibility, /metrics.
        assert httpx.get(f"{router.url}/health").json() == {"status": "UP"}
        assert "router_subgraph_requests_total" in httpx.get(f"{router.url}/metrics").text
    finally:
        assert router.stop() == 0


def test_metrics_on_their_own_address_and_path(tmp_path: Path, greetings: str) -> None:
    admin_port, metrics_port = free_port(), free_port()
    config = {
        "health_check": {"listen": f"127.0.0.1:{admin_port}"},
        "telemetry": {
            "exporters": {
                "metrics": {"prometheus": {"listen": f"127.0.0.1:{metrics_port}", "path": "/prom"}}
            }
        },
    }
    router = serve(tmp_path, greetings, config)
    try:
        router.query("{ hello }")
        assert "router_requests_total" in httpx.get(f"http://127.0.0.1:{metrics_port}/prom").text
        assert httpx.get(f"http://127.0.0.1:{admin_port}/prom").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{admin_port}/health").status_code == 200
    finally:
        router.stop()


def test_a_configured_admin_address_that_is_taken_stops_the_router(
    tmp_path: Path, greetings: str
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(supergraph_sdl(("hello",), greetings))
        router_yaml = tmp_path / "router.yaml"
        router_yaml.write_text(yaml.safe_dump({"health_check": {"listen": f"127.0.0.1:{port}"}}))
        router = ServeProcess(
            tmp_path, "--supergraph", str(supergraph), "--config", str(router_yaml)
        )
        assert router.process.wait(timeout=30) == 1
        router.stop()
    assert f"admin listener: cannot listen on 127.0.0.1:{port}" in router.stderr


def test_under_workers_the_parent_serves_the_admin_listener(tmp_path: Path, greetings: str) -> None:
    admin_port = free_port()
    router = serve(
        tmp_path,
        greetings,
        {"health_check": {"listen": f"127.0.0.1:{admin_port}"}},
        "--workers",
        "2",
    )
    try:
        for _ in range(4):
            assert router.query("{ hello }").status_code == 200
        admin = f"http://127.0.0.1:{admin_port}"
        assert httpx.get(f"{admin}/health/ready").json() == {"status": "UP"}

        def counted() -> float:
            for line in httpx.get(f"{admin}/metrics").text.splitlines():
                if line.startswith('router_subgraph_requests_total{subgraph="greetings"}'):
                    return float(line.split()[-1])
            return 0.0

        # Workers write their counts to the shared files; the sum reaches all four.
        from tests.http.serve_process import wait_until

        wait_until(lambda: counted() == 4.0, what="the four requests in the admin metrics")
    finally:
        assert router.stop() == 0


async def test_readiness_is_503_until_a_supergraph_is_served() -> None:
    loaded = False
    listener = AdminListener(
        AdminConfig(health_listen=Listen("127.0.0.1", 0)),
        ready=lambda: loaded,
        metrics=lambda: b"# nothing yet\n",
    )
    await listener.start()
    try:
        host, port = listener.addresses[0]
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
            not_ready = await client.get("/health/ready")
            assert (not_ready.status_code, not_ready.json()) == (503, {"status": "DOWN"})
            assert (await client.get("/health")).status_code == 200  # alive all the same
            loaded = True
            assert (await client.get("/health/ready")).status_code == 200
            assert (await client.get("/metrics")).text == "# nothing yet\n"
        # A client that never finishes its request head costs one task, then is dropped.
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /health HTTP/1.1\r\n" + b"x-filler: " + b"a" * 10_000)
        answer = await reader.read()
        assert answer.startswith(b"HTTP/1.1 400")
        writer.close()
    finally:
        await listener.close()


def test_each_request_has_one_json_access_log_line(tmp_path: Path, greetings: str) -> None:
    config = {
        "telemetry": {"exporters": {"logging": {"stdout": {"format": "json"}}}},
        "health_check": {"listen": "127.0.0.1:0"},
    }
    router = serve(tmp_path, greetings, config)
    try:
        response = httpx.post(
            f"{router.url}/graphql",
            json={"query": "query Hello { hello }"},
            headers={
                "x-request-id": "req-42",
                "apollographql-client-name": "web",
                "apollographql-client-version": "1.2.3",
            },
        )
        assert response.status_code == 200
    finally:
        router.stop()
    lines = [json.loads(line) for line in router.stderr.splitlines() if line.startswith("{")]
    [access] = [line for line in lines if line["logger"] == "supergraph.access"]
    assert access["level"] == "INFO"
    assert access["request_id"] == "req-42"
    assert access["graphql.operation.name"] == "Hello"
    assert access["http.response.status_code"] == 200
    assert (access["client.name"], access["client.version"]) == ("web", "1.2.3")
    assert access["subgraph_fetches"] == 1
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] > 0
    assert access["timestamp"].endswith("Z")
    assert "trace_id" not in access  # tracing off: no trace to name
    # The /health probes wait_healthy made are not GraphQL requests: no line for them.
    assert all(line["url.path"] == "/graphql" for line in lines if "url.path" in line)
