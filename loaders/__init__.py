"""Generic aiodataloader batch loaders over SQLAlchemy, built per request.

- `KeyLoader`: rows by a primary or unique key (`None` for a missing key).
- `ForeignKeyLoader`: one-to-many lists by a foreign key, optionally first N per parent.
- `AggregateLoader`: one aggregate (count, average, ...) per key, one GROUP BY.
- `LoaderRegistry`: the loaders of one request, each created once.
- `SerialSession`: the request's session, one statement at a time, closed safely under
  cancellation (`SessionClosedError` for statements that arrive after the close).
- `StatementCounter`: counts SQL statements per engine; Prometheus collector for
  `subgraph_sql_statements_total`.

Each batch is one `SELECT ... WHERE key IN (...)` (split every
`MAX_KEYS_PER_STATEMENT` distinct keys), results in key order. A key the column cannot
hold (out of range, NUL, unpaired surrogate, too long) is answered as missing without
joining the batch; a resolver that is cancelled never cancels a batch others await
(`base.RequestLoader`). This package imports no domain: subgraphs wire their own
models into it.
"""

from __future__ import annotations

from loaders._batch import MAX_KEYS_PER_STATEMENT
from loaders.aggregate import AggregateLoader
from loaders.counter import StatementCounter
from loaders.keyed import KeyLoader
from loaders.registry import LoaderRegistry
from loaders.related import ForeignKeyLoader
from loaders.session import SerialSession, SessionClosedError

__all__ = [
    "MAX_KEYS_PER_STATEMENT",
    "AggregateLoader",
    "ForeignKeyLoader",
    "KeyLoader",
    "LoaderRegistry",
    "SerialSession",
    "SessionClosedError",
    "StatementCounter",
]
