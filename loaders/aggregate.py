"""`AggregateLoader`: one aggregate value per key, one `GROUP BY` statement per batch."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import QueryableAttribute

from loaders._batch import MAX_KEYS_PER_STATEMENT, chunks
from loaders.base import RequestLoader
from loaders.session import SerialSession

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


class AggregateLoader(RequestLoader[KeyT, ValueT], Generic[KeyT, ValueT]):
    """`SELECT column, <expression> ... WHERE column IN (...) GROUP BY column`.

    `AggregateLoader(session, Review.product_id, func.count(Review.id), default=0)`
    counts reviews per product; keys without rows get `default`. Beware: PostgreSQL's
    `avg()` of an integer column returns `numeric` (a `Decimal`), SQLite a float; wrap
    it as `cast(func.avg(col), Float)` for the same type on both.
    """

    def __init__(
        self,
        session: SerialSession,
        column: QueryableAttribute[KeyT],
        expression: ColumnElement[ValueT],
        *,
        default: ValueT,
        max_keys_per_statement: int = MAX_KEYS_PER_STATEMENT,
    ) -> None:
        super().__init__(column, missing=lambda: default)
        self.session = session
        self.column = column
        self.expression = expression
        self.default = default
        self.max_keys_per_statement = max_keys_per_statement

    async def batch_load_fn(self, keys: list[KeyT]) -> list[ValueT]:
        found: dict[Any, ValueT] = {}
        for chunk in chunks(keys, self.max_keys_per_statement):
            statement = (
                select(self.column, self.expression)
                .where(self.column.in_(chunk))
                .group_by(self.column)
            )
            for key, value in await self.session.rows(statement):
                found[key] = value
        return [found.get(key, self.default) for key in keys]
