"""`LoaderRegistry`: the loaders of one request, each created once on first use.

A subgraph's context getter creates one registry per request; resolvers ask it for
the loader they need, described by the model, the column and the options, and get
the same instance for the same description within the request (so keys requested
by different resolvers land in the same batch):

    users = registry.by_key(UserRow, UserRow.id)                 # KeyLoader
    reviews = registry.by_foreign_key(ReviewRow, ReviewRow.product_id,
                                      order_by=[ReviewRow.created_at.desc()], limit=5)
    average = registry.aggregate(ReviewRow.product_id,
                                 cast(func.avg(ReviewRow.rating), Float), default=None)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from loaders.aggregate import AggregateLoader
from loaders.keyed import KeyLoader
from loaders.related import ForeignKeyLoader, OrderBy
from loaders.session import SerialSession

RowT = TypeVar("RowT")
KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")
LoaderT = TypeVar("LoaderT")


class LoaderRegistry:
    """Per-request loaders over one `SerialSession`, created lazily, cached by spec."""

    def __init__(self, session: AsyncSession | SerialSession) -> None:
        self.session = session if isinstance(session, SerialSession) else SerialSession(session)
        self._loaders: dict[Hashable, object] = {}

    def by_key(self, model: type[RowT], column: QueryableAttribute[KeyT]) -> KeyLoader[RowT, KeyT]:
        spec = ("key", model, column.key)
        return self._get(spec, lambda: KeyLoader(self.session, model, column))

    def by_foreign_key(
        self,
        model: type[RowT],
        column: QueryableAttribute[KeyT],
        *,
        order_by: OrderBy = (),
        limit: int | None = None,
        where: ColumnElement[bool] | None = None,
    ) -> ForeignKeyLoader[RowT, KeyT]:
        spec = ("fk", model, column.key, _sql(*order_by), limit, _sql(where))
        return self._get(
            spec,
            lambda: ForeignKeyLoader(
                self.session, model, column, order_by=order_by, limit=limit, where=where
            ),
        )

    def aggregate(
        self,
        column: QueryableAttribute[KeyT],
        expression: ColumnElement[ValueT],
        *,
        default: ValueT,
    ) -> AggregateLoader[KeyT, ValueT]:
        spec = ("aggregate", column.class_, column.key, _sql(expression), repr(default))
        return self._get(
            spec, lambda: AggregateLoader(self.session, column, expression, default=default)
        )

    def _get(self, spec: Hashable, create: Callable[[], LoaderT]) -> LoaderT:
        loader = self._loaders.get(spec)
        if loader is None:
            loader = self._loaders[spec] = create()
        return cast(LoaderT, loader)


def _sql(*clauses: Any) -> tuple[str, ...]:
    """A hashable description of SQL clauses (literal values inlined)."""
    return tuple(
        "" if clause is None else str(clause.compile(compile_kwargs={"literal_binds": True}))
        for clause in clauses
    )
