"""Fixtures for the events package: a real NATS JetStream, SQLite and PostgreSQL.

The NATS server is the one at 127.0.0.1:4222 (override with `TEST_NATS_URL`); a
test FAILS when it is missing, never skips. Every test gets its own subject
prefix (`t<random>`), so its streams are its own on a shared server, and they are
deleted at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from events import Streams
from subgraphs._common.database import Database
from tests.loaders.backends import BACKENDS, Backend

NATS_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    instance = Backend(request.param, tmp_path_factory.mktemp(f"events-{request.param}"))
    yield instance
    instance.cleanup()


@pytest.fixture
async def nc() -> AsyncIterator[Client]:
    client = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
    yield client
    await client.close()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    return nc.jetstream()


@pytest.fixture
async def streams(js: JetStreamContext) -> AsyncIterator[Streams]:
    """A prefix of this test's own; its streams are deleted afterwards."""
    instance = Streams(prefix=f"t{secrets.token_hex(5)}")
    yield instance
    await instance.delete(js, "demo", "orders", "inventory")


_databases = iter(range(1, 1_000_000))


@pytest.fixture
async def database(backend: Backend) -> AsyncIterator[Database]:
    db = Database("events", backend.config(f"events_{next(_databases)}"))
    yield db
    await db.dispose()
