"""Normalise a client operation into the planner's input (typed selection trees)."""

from __future__ import annotations

from supergraph.operation.errors import OperationError
from supergraph.operation.normalize import normalize_operation
from supergraph.operation.tree import Field, InlineFragment, Operation, OperationKind, Selection

__all__ = [
    "Field",
    "InlineFragment",
    "Operation",
    "OperationError",
    "OperationKind",
    "Selection",
    "normalize_operation",
]
