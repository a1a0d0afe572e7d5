"""Database URLs as users write them, as SQLAlchemy's asyncio engines want them."""

from __future__ import annotations


class DsnError(ValueError):
    """Not a database URL this project can open."""


def engine_url(dsn: str) -> str:
    """`sqlite:///path` or `postgresql://...` as SQLAlchemy's asyncio URL."""
    if dsn.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + dsn.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+asyncpg://" + dsn.removeprefix(prefix)
    if dsn.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://")):
        return dsn
    raise DsnError(f"expected sqlite:///PATH or postgresql://..., not {dsn!r}")
