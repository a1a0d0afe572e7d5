"""`KeyLoader`: rows by a primary or unique key, one `SELECT ... WHERE key IN` per batch."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute

from loaders._batch import MAX_KEYS_PER_STATEMENT, chunks
from loaders.base import RequestLoader
from loaders.session import SerialSession

RowT = TypeVar("RowT")
KeyT = TypeVar("KeyT", bound=Hashable)


class KeyLoader(RequestLoader[KeyT, RowT | None], Generic[RowT, KeyT]):
    """Loads `model` rows whose `column` (unique) equals each key; `None` when absent.

    `KeyLoader(session, User, User.id).load(7)` -> the `User` row 7, or `None`.
    """

    def __init__(
        self,
        session: SerialSession,
        model: type[RowT],
        column: QueryableAttribute[KeyT],
        *,
        max_keys_per_statement: int = MAX_KEYS_PER_STATEMENT,
    ) -> None:
        _check_column(model, column)
        super().__init__(column, missing=lambda: None)
        self.session = session
        self.model = model
        self.column = column
        self.max_keys_per_statement = max_keys_per_statement

    async def batch_load_fn(self, keys: list[KeyT]) -> list[RowT | None]:
        found: dict[Any, RowT] = {}
        for chunk in chunks(keys, self.max_keys_per_statement):
            statement = select(self.model).where(self.column.in_(chunk))
            for row in await self.session.scalars(statement):
                found[getattr(row, self.column.key)] = row
        return [found.get(key) for key in keys]


def _check_column(model: type[Any], column: QueryableAttribute[Any]) -> None:
    owner = getattr(column, "class_", None)
    if owner is not model:
        raise TypeError(f"{column} is not a column of {model.__name__}")
