"""`ForeignKeyLoader`: one-to-many lists by a foreign key, optionally first N per parent.

Without a limit a batch is `SELECT ... WHERE fk IN (...) ORDER BY fk, <order>`; with a
limit it is still ONE statement: the rows are numbered per parent with
`ROW_NUMBER() OVER (PARTITION BY fk ORDER BY <order>)` in a subquery and filtered
with `rn <= limit` (works on SQLite >= 3.25 and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, inspect, select
from sqlalchemy.orm import QueryableAttribute, aliased

from loaders._batch import MAX_KEYS_PER_STATEMENT, chunks
from loaders.base import RequestLoader
from loaders.keyed import _check_column
from loaders.session import SerialSession

RowT = TypeVar("RowT")
KeyT = TypeVar("KeyT", bound=Hashable)

OrderBy = Sequence[ColumnElement[Any] | QueryableAttribute[Any]]

_ROW_NUMBER = "_loader_row_number"


class ForeignKeyLoader(RequestLoader[KeyT, list[RowT]], Generic[RowT, KeyT]):
    """Loads, per parent key, the list of `model` rows whose `column` equals it.

    `order_by` orders each list (the primary key is always appended as a tie-breaker,
    so results are deterministic); `limit` keeps the first N rows per parent; `where`
    adds a filter shared by all parents. A parent without rows gets `[]`.
    """

    def __init__(
        self,
        session: SerialSession,
        model: type[RowT],
        column: QueryableAttribute[KeyT],
        *,
        order_by: OrderBy = (),
        limit: int | None = None,
        where: ColumnElement[bool] | None = None,
        max_keys_per_statement: int = MAX_KEYS_PER_STATEMENT,
    ) -> None:
        _check_column(model, column)
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        super().__init__(column, missing=list)
        self.session = session
        self.model = model
        self.column = column
        self.order_by: tuple[Any, ...] = (*order_by, *inspect(model).primary_key)
        self.limit = limit
        self.where = where
        self.max_keys_per_statement = max_keys_per_statement

    async def batch_load_fn(self, keys: list[KeyT]) -> list[list[RowT]]:
        grouped: dict[Any, list[RowT]] = {key: [] for key in keys}
        if self.limit == 0:
            return [[] for _ in keys]
        for chunk in chunks(keys, self.max_keys_per_statement):
            for row in await self.session.scalars(self._statement(chunk)):
                grouped[getattr(row, self.column.key)].append(row)
        return [grouped[key] for key in keys]

    def _statement(self, keys: Sequence[KeyT]) -> Select[RowT]:
        if self.limit is None:
            plain = select(self.model).where(self.column.in_(keys))
            if self.where is not None:
                plain = plain.where(self.where)
            return plain.order_by(self.column, *self.order_by)
        row_number = (
            func.row_number()
            .over(partition_by=self.column, order_by=self.order_by)
            .label(_ROW_NUMBER)
        )
        inner = select(self.model, row_number).where(self.column.in_(keys))
        if self.where is not None:
            inner = inner.where(self.where)
        numbered = inner.subquery()
        entity = aliased(self.model, numbered)
        rank = numbered.c[_ROW_NUMBER]
        parent = getattr(entity, self.column.key)
        return select(entity).where(rank <= self.limit).order_by(parent, rank)
