"""Where a subgraph's data lives, from the environment.

- `DATABASE_URL` set (e.g. `postgresql://postgres@127.0.0.1:5432/test`): PostgreSQL via
  asyncpg, each subgraph in its own schema named `<SUBGRAPHS_SCHEMA_PREFIX><name>`.
- otherwise: SQLite via aiosqlite, one file `<SUBGRAPHS_DATA_DIR or ./data>/<name>.sqlite3`.

The connection pool (per subgraph process, both backends):

- `SUBGRAPHS_DB_POOL_SIZE` (default 10): connections kept open. A request holds one
  from its first statement until its operation has executed, so this is how many
  requests use the database at once. Ten is more than one event loop keeps busy,
  and five subgraphs stay at 50 PostgreSQL connections (its default
  `max_connections` is 100); with SQLite each connection is a thread of aiosqlite,
  and more of them only queue on SQLite's single writer lock.
- `SUBGRAPHS_DB_MAX_OVERFLOW` (default 0): extra connections opened in a burst and
  closed after. None by default: a predictable connection count per process.
- `SUBGRAPHS_DB_POOL_TIMEOUT` (seconds, default 5): how long a request waits for a
  free connection before its fields fail with `SERVICE_UNAVAILABLE`. SQLAlchemy's
  default (30 s) stalled every client of an overloaded subgraph for 30 s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

NumberT = TypeVar("NumberT", int, float)

DEFAULT_DATA_DIR = "./data"
DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 0
DEFAULT_POOL_TIMEOUT = 5.0
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """An async SQLAlchemy URL, the PostgreSQL schema (None for SQLite), the pool."""

    url: str
    schema: str | None = None
    pool_size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    pool_timeout: float = DEFAULT_POOL_TIMEOUT

    def __post_init__(self) -> None:
        if self.pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {self.pool_size}")
        if self.max_overflow < 0:
            raise ValueError(f"max_overflow must not be negative, got {self.max_overflow}")
        if not self.pool_timeout > 0:
            raise ValueError(f"pool_timeout must be positive, got {self.pool_timeout}")

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
            config = cls.postgres(url, env.get("SUBGRAPHS_SCHEMA_PREFIX", "") + subgraph)
        else:
            data_dir = Path(env.get("SUBGRAPHS_DATA_DIR") or DEFAULT_DATA_DIR)
            config = cls.sqlite(data_dir / f"{subgraph}.sqlite3")
        return replace(
            config,
            pool_size=_env_number(env, "SUBGRAPHS_DB_POOL_SIZE", int, DEFAULT_POOL_SIZE, 1),
            max_overflow=_env_number(
                env, "SUBGRAPHS_DB_MAX_OVERFLOW", int, DEFAULT_MAX_OVERFLOW, 0
            ),
            pool_timeout=_env_number(
                env, "SUBGRAPHS_DB_POOL_TIMEOUT", float, DEFAULT_POOL_TIMEOUT, 0.001
            ),
        )

    def describe(self) -> str:
        """The location without credentials, for logs."""
        if self.is_sqlite:
            return self.url.removeprefix("sqlite+aiosqlite:///")
        host = self.url.rsplit("@", 1)[-1]
        return f"postgresql://{host} schema {self.schema}"


def _env_number(
    env: Mapping[str, str], name: str, kind: type[NumberT], default: NumberT, minimum: NumberT
) -> NumberT:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be {_kind_name(kind)}, got {raw!r}") from None
    if not value >= minimum:  # also refuses NaN
        raise ValueError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _kind_name(kind: type[int] | type[float]) -> str:
    return "an integer" if kind is int else "a number of seconds"
