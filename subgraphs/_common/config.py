"""Where a subgraph's data lives, from the environment.

- `DATABASE_URL` set (e.g. `postgresql://postgres@127.0.0.1:5432/test`): PostgreSQL via
  asyncpg, each subgraph in its own schema named `<SUBGRAPHS_SCHEMA_PREFIX><name>`.
- otherwise: SQLite via aiosqlite, one file `<SUBGRAPHS_DATA_DIR or ./data>/<name>.sqlite3`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./data"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """An async SQLAlchemy URL, plus the PostgreSQL schema (None for SQLite)."""

    url: str
    schema: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @classmethod
    def sqlite(cls, path: Path | str) -> DatabaseConfig:
        return cls(url=f"sqlite+aiosqlite:///{Path(path)}")

    @classmethod
    def postgres(cls, url: str, schema: str) -> DatabaseConfig:
        if not _IDENTIFIER.match(schema):
            raise ValueError(f"invalid PostgreSQL schema name {schema!r}")
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return cls(url="postgresql+asyncpg://" + url.removeprefix(prefix), schema=schema)
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {url.split(':')[0]}:...")

    @classmethod
    def from_env(cls, subgraph: str, env: Mapping[str, str] | None = None) -> DatabaseConfig:
        env = os.environ if env is None else env
        url = env.get("DATABASE_URL")
        if url:
            return cls.postgres(url, env.get("SUBGRAPHS_SCHEMA_PREFIX", "") + subgraph)
        data_dir = Path(env.get("SUBGRAPHS_DATA_DIR") or DEFAULT_DATA_DIR)
        return cls.sqlite(data_dir / f"{subgraph}.sqlite3")

    def describe(self) -> str:
        """The location without credentials, for logs."""
        if self.is_sqlite:
            return self.url.removeprefix("sqlite+aiosqlite:///")
        host = self.url.rsplit("@", 1)[-1]
        return f"postgresql://{host} schema {self.schema}"
