"""The operation stage's error type."""

from __future__ import annotations


class OperationError(ValueError):
    """The document has no runnable operation (missing or ambiguous operation name)."""
