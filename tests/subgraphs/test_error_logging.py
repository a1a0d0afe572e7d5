"""What the subgraphs log about errors, and the request id that ties lines together.

Errors a client causes (BAD_USER_INPUT, FORBIDDEN, UNAUTHENTICATED, a query that does
not parse or validate) are one INFO line without a traceback: anyone can send them,
by the thousand. Anything unexpected is one ERROR line with its traceback and the
request id (the router's `x-request-id`, or a new one), which the response echoes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from subgraphs import registry
from subgraphs._common.app import create_subgraph_app
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import REQUEST_ID_HEADER, USER_ID_HEADER, request_id
from subgraphs._common.domain import Domain
from subgraphs._common.schema import SubgraphSchema
from subgraphs._common.seeding import Scale


@strawberry.type
class BoomQuery:
    @strawberry.field
    def explode(self) -> int | None:
        raise RuntimeError("kaboom: an internal detail")

    @strawberry.field
    def fine(self) -> int:
        return 1


async def _no_seed(_connection: AsyncConnection, _scale: Scale) -> None:
    return None


BOOM = Domain(
    name="boom",
    schema=SubgraphSchema(query=BoomQuery),
    metadata=MetaData(),
    migrations=[],
    seed=_no_seed,
)


async def _client(domain: Domain, path: Path) -> AsyncIterator[httpx.AsyncClient]:
    config = DatabaseConfig.sqlite(path / f"{domain.name}.sqlite3")
    app = create_subgraph_app(domain, config, seed_scale=Scale(1))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as client:
            yield client


@pytest.fixture
async def boom(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(BOOM, tmp_path):
        yield client


@pytest.fixture
async def accounts(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(registry.get("accounts").load(), tmp_path):
        yield client


def _post(client: httpx.AsyncClient, query: str, **headers: str) -> Any:  # the response coroutine
    return client.post("/graphql", json={"query": query}, headers=headers)


EXPECTED = [
    ('{ users(after: "nope") { edges { cursor } } }', {}, "BAD_USER_INPUT"),
    ("{ user(id: 2) { email } }", {USER_ID_HEADER: "1"}, "FORBIDDEN"),
    ("{ user(id: 2) { email } }", {}, "UNAUTHENTICATED"),
    ("{ user(id: 2) { nope } }", {}, None),  # validation
    ("{ user(id: ", {}, None),  # parsing
]


@pytest.mark.parametrize(("query", "headers", "code"), EXPECTED)
async def test_client_errors_are_one_info_line_without_traceback(
    accounts: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    query: str,
    headers: dict[str, str],
    code: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await _post(accounts, query, **headers, **{REQUEST_ID_HEADER: "client-err-1"})
    body = response.json()
    assert body["errors"], body
    if code is not None:
        assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert response.headers[REQUEST_ID_HEADER] == "client-err-1"
    records = [r for r in caplog.records if r.name.startswith(("subgraphs", "strawberry"))]
    assert [r.name for r in records] == ["subgraphs.errors"]
    (record,) = records
    assert record.levelno == logging.INFO
    assert record.exc_info is None
    assert record.getMessage().startswith("request client-err-1: ")
    if code is not None:
        assert code in record.getMessage()


async def test_an_unexpected_error_is_one_error_line_with_traceback_and_request_id(
    boom: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await _post(boom, "{ explode fine }", **{REQUEST_ID_HEADER: "router-req-42"})
    assert response.status_code == 200
    assert response.json() == {
        "data": {"explode": None, "fine": 1},
        "errors": [
            {
                "message": "Internal server error",
                "locations": [{"line": 1, "column": 3}],
                "path": ["explode"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ],
    }
    assert "kaboom" not in response.text
    assert response.headers[REQUEST_ID_HEADER] == "router-req-42"
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    (record,) = records
    assert (record.name, record.levelno) == ("subgraphs.errors", logging.ERROR)
    assert (
        record.getMessage()
        == "request router-req-42: unexpected error at explode: 'kaboom: an internal detail'"
    )
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.parametrize(
    "given",
    [None, "", "x" * 129, "back\\slash", "spaces are not ids", "ünïcode".encode()],
)
async def test_without_a_usable_request_id_one_is_made(
    boom: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, given: str | bytes | None
) -> None:
    headers: dict[bytes, bytes] = {}
    if given is not None:
        headers[REQUEST_ID_HEADER.encode()] = given.encode() if isinstance(given, str) else given
    response = await boom.post("/graphql", json={"query": "{ explode }"}, headers=headers)
    made = response.headers[REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage().startswith(f"request {made}: ")


async def test_each_request_gets_its_own_id(boom: httpx.AsyncClient) -> None:
    ids = {(await _post(boom, "{ fine }")).headers[REQUEST_ID_HEADER] for _ in range(5)}
    assert len(ids) == 5


def test_a_request_id_is_taken_only_whole_and_printable() -> None:
    assert request_id({REQUEST_ID_HEADER: "4bf92f3577b34da6-a3ce929d0e0e4736"}) == (
        "4bf92f3577b34da6-a3ce929d0e0e4736"
    )
    for forged in ("abc\n", "abc\nINFO forged line", "a b", "x" * 129):
        assert re.fullmatch(r"[0-9a-f]{32}", request_id({REQUEST_ID_HEADER: forged}))
