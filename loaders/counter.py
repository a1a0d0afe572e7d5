"""Counting the SQL statements an engine sends to its database.

`StatementCounter.attach(engine, subgraph=...)` listens to SQLAlchemy's
`before_cursor_execute` event, so every statement executed through the engine counts
once: a SELECT, an INSERT (an `executemany` of many rows counts once), DDL. Connection
set-up done by the driver (asyncpg's type introspection, SQLite PRAGMAs issued on the
raw DBAPI connection) and the implicit BEGIN/COMMIT/ROLLBACK are not statements sent
through SQLAlchemy's cursor execution and are not counted, so counts are the same on
SQLite and PostgreSQL.

The counter is also a Prometheus collector exposing `subgraph_sql_statements_total`
(label `subgraph`); each subgraph app registers its counter in its own registry.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from prometheus_client.metrics_core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

METRIC_NAME = "subgraph_sql_statements"
METRIC_HELP = "SQL statements this subgraph has sent to its database."


@dataclass
class Measurement:
    """The statements counted inside one `StatementCounter.measure()` block."""

    statements: int = 0


class StatementCounter(Collector):
    """Counts statements executed through one engine; a Prometheus collector too."""

    def __init__(self, subgraph: str) -> None:
        self.subgraph = subgraph
        self._count = 0
        self._lock = threading.Lock()

    @classmethod
    def attach(cls, engine: AsyncEngine | Engine, *, subgraph: str) -> StatementCounter:
        counter = cls(subgraph)
        sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        event.listen(sync_engine, "before_cursor_execute", counter._on_execute)
        return counter

    @property
    def count(self) -> int:
        """Statements counted since the counter was attached."""
        return self._count

    @contextmanager
    def measure(self) -> Iterator[Measurement]:
        """`with counter.measure() as m: ...` then `m.statements` is the delta."""
        measurement = Measurement()
        start = self._count
        try:
            yield measurement
        finally:
            measurement.statements = self._count - start

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(METRIC_NAME, METRIC_HELP, labels=["subgraph"])
        family.add_metric([self.subgraph], float(self._count))
        yield family

    def _on_execute(self, *_args: Any) -> None:
        with self._lock:
            self._count += 1
