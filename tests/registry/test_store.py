"""The registry's versions on SQLite and PostgreSQL: publish, unchanged, history, get."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from supergraph.compose import SubgraphSource
from supergraph.dsn import DsnError, engine_url
from supergraph.registry.store import Registry, RegistryError, digest_of
from tests.http.serve_process import supergraph_sdl
from tests.kit.postgres import fresh_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty registry: a SQLite file, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    with fresh_database("registry") as url:
        yield url


def test_publish_stores_numbered_versions_and_skips_what_it_holds(dsn: str) -> None:
    graph = f"test-{uuid.uuid4().hex[:8]}"
    v1_sdl = supergraph_sdl(("hello",), "http://127.0.0.1:1/graphql")
    v2_sdl = supergraph_sdl(("hello", "world"), "http://127.0.0.1:1/graphql")
    source = SubgraphSource(
        "greetings", "http://127.0.0.1:1/graphql", "type Query { hello: String }"
    )

    async def scenario() -> None:
        registry = await Registry.open(dsn)
        try:
            assert await registry.latest(graph) is None
            first, new = await registry.publish(graph, v1_sdl, [source], "ana", "first")
            assert (first.version, new, first.digest) == (1, True, digest_of(v1_sdl))
            again, new = await registry.publish(graph, v1_sdl, [source], "bo")
            assert (again.version, new, again.author) == (1, False, "ana")
            second, new = await registry.publish(graph, v2_sdl, [], "bo", "world")
            assert (second.version, new) == (2, True)
            latest = await registry.latest(graph)
            assert latest is not None
            assert (latest.version, latest.supergraph_sdl, latest.author) == (2, v2_sdl, "bo")
            history = await registry.history(graph)
            assert [v.version for v in history] == [2, 1]
            assert history[1].subgraphs == (source,)
            assert history[1].created_at.tzinfo is not None
            assert (await registry.get(graph, 1)).supergraph_sdl == v1_sdl
            with pytest.raises(RegistryError, match="has no version 3"):
                await registry.get(graph, 3)
            assert graph in await registry.graphs()
            assert [v.version for v in await registry.history(graph, limit=1)] == [2]
        finally:
            await registry.close()

    asyncio.run(scenario())


def test_concurrent_publishers_get_distinct_numbers(dsn: str) -> None:
    sdls = [supergraph_sdl(("hello",) * 1 + (f"f{i}",), "http://x/graphql") for i in range(5)]

    async def scenario() -> list[int]:
        registries = [await Registry.open(dsn) for _ in sdls]
        try:
            published = await asyncio.gather(
                *(r.publish("main", sdl, [], "ci") for r, sdl in zip(registries, sdls, strict=True))
            )
            return sorted(version.version for version, _ in published)
        finally:
            for registry in registries:
                await registry.close()

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5]


def test_dsn_forms() -> None:
    assert engine_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert engine_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    with pytest.raises(DsnError, match="expected sqlite:///PATH or postgresql://"):
        engine_url("mysql://h/db")
