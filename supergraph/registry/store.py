"""Published supergraph versions, per graph, in SQLite or PostgreSQL (SQLAlchemy Core).

A version is immutable: its number (1, 2, ... per graph), the supergraph SDL and
its SHA-256 (the ETag routers poll with), the subgraphs it was composed from
(name, routing URL, SDL), who published it, when and why. Publishing what the
latest version already holds stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from supergraph.compose import SubgraphSource
from supergraph.dsn import DsnError, open_engine

MAX_HISTORY = 100
"""The most versions one history request lists."""

metadata = MetaData()
versions = Table(
    "supergraph_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("graph", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("supergraph_sdl", Text, nullable=False),
    Column("subgraphs", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("graph", "version", name="uq_supergraph_versions_graph_version"),
)


class RegistryError(ValueError):
    """A registry that cannot be opened (bad DSN) or a version that does not exist."""


@dataclass(frozen=True, slots=True)
class Version:
    graph: str
    version: int
    digest: str
    supergraph_sdl: str
    subgraphs: tuple[SubgraphSource, ...]
    author: str
    message: str
    created_at: datetime

    def summary(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "version": self.version,
            "digest": self.digest,
            "author": self.author,
            "message": self.message,
            "createdAt": self.created_at.isoformat(),
            "subgraphs": [s.name for s in self.subgraphs],
        }


def digest_of(supergraph_sdl: str) -> str:
    return hashlib.sha256(supergraph_sdl.encode("utf-8")).hexdigest()


class Registry:
    """The versions of every graph in one database (tables created on `open`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, dsn: str) -> Registry:
        try:
            return cls(await open_engine(dsn, metadata))
        except DsnError as error:
            raise RegistryError(f"registry: {error}") from None

    async def close(self) -> None:
        await self.engine.dispose()

    async def publish(
        self,
        graph: str,
        supergraph_sdl: str,
        subgraphs: list[SubgraphSource],
        author: str,
        message: str = "",
    ) -> tuple[Version, bool]:
        """The new version, True; or the latest, False, when it holds this SDL already.
        Two publishers racing for one number: the loser takes the next."""
        digest = digest_of(supergraph_sdl)
        for _ in range(5):
            latest = await self.latest(graph)
            if latest is not None and latest.digest == digest:
                return latest, False
            number = 1 if latest is None else latest.version + 1
            row = {
                "graph": graph,
                "version": number,
                "digest": digest,
                "supergraph_sdl": supergraph_sdl,
                "subgraphs": json.dumps(
                    [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs]
                ),
                "author": author,
                "message": message,
                "created_at": datetime.now(UTC),
            }
            try:
                async with self.engine.begin() as connection:
                    await connection.execute(insert(versions), row)
            except IntegrityError:
                continue
            return _version(row), True
        raise RegistryError(f"could not publish to {graph!r}: too many concurrent publishers")

    async def latest(self, graph: str) -> Version | None:
        statement = (
            select(versions)
            .where(versions.c.graph == graph)
            .order_by(versions.c.version.desc())
            .limit(1)
        )
        async with self.engine.connect() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _version(dict(row))

    async def get(self, graph: str, number: int) -> Version:
        statement = select(versions).where(versions.c.graph == graph, versions.c.version == number)
        async with self.engine.connect() as connection:
            row = (await connection.execute(statement)).mappings().first()
        if row is None:
            raise RegistryError(f"graph {graph!r} has no version {number}")
        return _version(dict(row))

    async def history(self, graph: str, limit: int = 20) -> list[Version]:
        statement = (
            select(versions)
            .where(versions.c.graph == graph)
            .order_by(versions.c.version.desc())
            .limit(max(1, min(limit, MAX_HISTORY)))
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_version(dict(row)) for row in rows]

    async def graphs(self) -> list[str]:
        statement = select(versions.c.graph, func.max(versions.c.version)).group_by(
            versions.c.graph
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return sorted(row[0] for row in rows)


def _version(row: dict[str, Any]) -> Version:
    created: datetime = row["created_at"]
    if created.tzinfo is None:  # SQLite keeps no zone: it was stored as UTC
        created = created.replace(tzinfo=UTC)
    return Version(
        graph=row["graph"],
        version=row["version"],
        digest=row["digest"],
        supergraph_sdl=row["supergraph_sdl"],
        subgraphs=tuple(
            SubgraphSource(s["name"], s["url"], s["sdl"]) for s in json.loads(row["subgraphs"])
        ),
        author=row["author"],
        message=row["message"],
        created_at=created,
    )
