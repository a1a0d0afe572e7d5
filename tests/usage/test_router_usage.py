"""A served router records usage (router.yaml `usage_reporting`): the clients' headers and
persisted operations, counted per operation, flushed to the store while it serves and
when it stops; what the store then says is what `supergraph usage` and `check` read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from supergraph.__main__ import main
from supergraph.usage.store import UsageStore
from tests.http.serve_process import ServeProcess, greetings_server, supergraph_sdl, wait_until
from tests.kit.postgres import fresh_database


@pytest.fixture(scope="module")
def greetings() -> Iterator[str]:
    with greetings_server() as url:
        yield url


def _uses(dsn: str, coordinate: str) -> list[tuple[str, str, str, int]]:
    async def read() -> list[tuple[str, str, str, int]]:
        store = await UsageStore.open(dsn)
        try:
            uses = await store.uses([coordinate], datetime.now(UTC) - timedelta(hours=1))
        finally:
            await store.close()
        return [(u.client_name, u.client_version, u.persisted_id, u.count) for u in uses]

    return asyncio.run(read())


def _router(tmp_path: Path, greetings: str, usage_reporting: str) -> ServeProcess:
    """A served router over GREETINGS with `usage_reporting:` followed by these lines."""
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(supergraph_sdl(("hello", "world"), greetings))
    config = tmp_path / "router.yaml"
    config.write_text(f"usage_reporting:\n{usage_reporting}")
    return ServeProcess(tmp_path, "--supergraph", str(supergraph), "--config", str(config))


def _router_with_manifest(tmp_path: Path, greetings: str, dsn: str) -> ServeProcess:
    """`_router` recording into `dsn`, with a persisted query list of one operation,
    `greet-v1` (`query Greet { hello }`), and APQ off."""
    manifest = tmp_path / "manifest.json"
    operations = [{"id": "greet-v1", "body": "query Greet { hello }", "name": "Greet"}]
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
        )
    )
    return _router(
        tmp_path,
        greetings,
        f"  store: {dsn}\npersisted_queries:\n  manifest: {manifest}\n  apq: false\n",
    )


def test_a_served_router_records_what_each_client_used(tmp_path: Path, greetings: str) -> None:
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    router = _router(tmp_path, greetings, f"  store: {dsn}\n  flush_interval: 200ms\n")
    try:
        router.wait_healthy()
        web = {"apollographql-client-name": "web", "apollographql-client-version": "3.1"}
        with httpx.Client(base_url=router.url, timeout=10) as client:
            for _ in range(3):
                answer = client.post("/graphql", json={"query": "{ hello }"}, headers=web)
                assert answer.json() == {"data": {"hello": "hi"}}
            anonymous = client.post("/graphql", json={"query": "query W { world hello }"})
            assert anonymous.json() == {"data": {"world": "earth", "hello": "hi"}}
            invalid = client.post("/graphql", json={"query": "{ nope }"}, headers=web)
            assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        wait_until(lambda: _uses(dsn, "Query.hello") != [], what="a flush while serving")
    finally:
        assert router.stop() == 0  # stopping flushes what is left
    assert sorted(_uses(dsn, "Query.hello")) == [("", "", "", 1), ("web", "3.1", "", 3)]
    assert _uses(dsn, "Query.world") == [("", "", "", 1)]


def test_usage_command_over_what_a_router_recorded(
    tmp_path: Path, greetings: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    router = _router(tmp_path, greetings, f"  store: {dsn}\n  sample_rate: 1\n")
    try:
        router.wait_healthy()
        assert router.query("{ world }").json() == {"data": {"world": "earth"}}
    finally:
        assert router.stop() == 0
    assert main(["usage", "--usage", dsn, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["coordinates"] == {"Query": 1, "Query.world": 1}


def test_a_served_router_records_the_persisted_operation_id(tmp_path: Path, greetings: str) -> None:
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    router = _router_with_manifest(tmp_path, greetings, dsn)
    try:
        router.wait_healthy()
        partner = {"apollographql-client-name": "partner", "apollographql-client-version": "7"}
        with httpx.Client(base_url=router.url, timeout=10) as client:
            by_id = client.post("/graphql", json={"documentId": "greet-v1"}, headers=partner)
            assert by_id.json() == {"data": {"hello": "hi"}}
            as_text = client.post("/graphql", json={"query": "{ hello }"}, headers=partner)
            assert as_text.json() == {"data": {"hello": "hi"}}
    finally:
        assert router.stop() == 0
    assert sorted(_uses(dsn, "Query.hello")) == [
        ("partner", "7", "", 1),
        ("partner", "7", "greet-v1", 1),
    ]


def test_an_operation_over_the_websocket_is_recorded_with_its_client_and_id(
    tmp_path: Path, greetings: str
) -> None:
    """The client's name and version from the `connection_init` payload, and the
    persisted id of the `subscribe` payload (graphql-ws sends `query: ""` beside it)."""
    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    router = _router_with_manifest(tmp_path, greetings, dsn)
    try:
        router.wait_healthy()
        url = router.url.replace("http://", "ws://") + "/graphql"
        with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
            init = {"apollographql-client-name": "mobile", "apollographql-client-version": "8"}
            socket.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(socket.recv(10)) == {"type": "connection_ack"}
            payload = {"query": "", "documentId": "greet-v1"}
            socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            assert json.loads(socket.recv(10)) == {
                "id": "1",
                "type": "next",
                "payload": {"data": {"hello": "hi"}},
            }
            assert json.loads(socket.recv(10)) == {"id": "1", "type": "complete"}
    finally:
        assert router.stop() == 0
    assert _uses(dsn, "Query.hello") == [("mobile", "8", "greet-v1", 1)]


@pytest.mark.postgres
def test_a_served_router_records_to_postgresql_whatever_its_clients_send(
    tmp_path: Path, greetings: str
) -> None:
    """The production store: a router flushing to PostgreSQL while it serves. A client
    name longer than the store's column (one header once made every flush fail there) is
    cut, and the operation is named as written even when the client sends no
    operationName."""
    with fresh_database("router_usage") as dsn:
        router = _router(tmp_path, greetings, f"  store: {dsn}\n  flush_interval: 200ms\n")
        try:
            router.wait_healthy()
            long_name = {"apollographql-client-name": "x" * 1000}
            web = {"apollographql-client-name": "web", "apollographql-client-version": "3.1"}
            with httpx.Client(base_url=router.url, timeout=10) as client:
                for headers in (long_name, web, web):
                    answer = client.post(
                        "/graphql", json={"query": "query Hi { hello }"}, headers=headers
                    )
                    assert answer.json() == {"data": {"hello": "hi"}}
            wait_until(
                lambda: sum(n for *_, n in _uses(dsn, "Query.hello")) == 3,
                what="every request flushed to PostgreSQL",
            )
            assert router.query("{ world }").json() == {"data": {"world": "earth"}}
        finally:
            assert router.stop() == 0
        assert sorted(_uses(dsn, "Query.hello")) == [("web", "3.1", "", 2), ("x" * 200, "", "", 1)]
        assert _uses(dsn, "Query.world") == [("", "", "", 1)]
        names = asyncio.run(_operation_names(dsn))
        assert names == {"Hi", ""}
        assert "flush failed" not in router.stderr


async def _operation_names(dsn: str) -> set[str]:
    store = await UsageStore.open(dsn)
    try:
        uses = await store.uses(["Query"], datetime.now(UTC) - timedelta(hours=1))
    finally:
        await store.close()
    return {u.operation_name for u in uses}


def test_operations_over_websockets_are_recorded_with_their_client(
    tmp_path: Path, greetings: str
) -> None:
    """graphql-transport-ws clients name themselves in the upgrade request or, as
    graphql-ws's connectionParams, in connection_init: both are counted like HTTP
    requests (a breaking change used only over WebSockets must not look unused)."""
    from websockets.asyncio.client import connect

    dsn = f"sqlite:///{tmp_path / 'usage.db'}"
    router = _router(tmp_path, greetings, f"  store: {dsn}\n")

    async def over_websocket(headers: dict[str, str], params: dict[str, str]) -> object:
        url = router.url.replace("http://", "ws://") + "/graphql"
        async with connect(
            url,
            subprotocols=["graphql-transport-ws"],
            additional_headers=headers,  # type: ignore[list-item]
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": params}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "connection_ack"
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": "query Ws { world }"}}
            await socket.send(json.dumps(subscribe))
            answer = json.loads(await asyncio.wait_for(socket.recv(), 30))
            assert json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] == "complete"
            return answer["payload"]

    try:
        router.wait_healthy()
        upgrade = {"apollographql-client-name": "ws-app", "apollographql-client-version": "2"}
        assert asyncio.run(over_websocket(upgrade, {})) == {"data": {"world": "earth"}}
        params = {"apollographql-client-name": "ws-params", "apollographql-client-version": "5"}
        assert asyncio.run(over_websocket({}, params)) == {"data": {"world": "earth"}}
    finally:
        assert router.stop() == 0
    assert sorted(_uses(dsn, "Query.world")) == [("ws-app", "2", "", 1), ("ws-params", "5", "", 1)]
