"""Which keys can match a column at all, decided from its declared SQL type.

Loader keys often come straight from clients (`product(upc: ...)`, `_entities`
representations). A value that the column cannot hold -- an integer outside its
range, a string with NUL, an unpaired surrogate (not encodable as UTF-8) or longer
than its declared length -- cannot equal any row. Sent to the database it would not
just miss: PostgreSQL refuses to bind it (`int32 out of range`, `invalid byte
sequence`) and SQLite's driver too (`Python int too large`, `UnicodeEncodeError`),
failing the whole batch, and so every field of the request that shares it. Such a
key is answered "missing" without SQL instead.

A key of the wrong Python type (a `str` for an integer column) is a programming
error, not input: it raises `TypeError` at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator, TypeEngine

KeyCheck = Callable[[object], bool]
"""True when the key may match a row; False when it cannot (answer "missing")."""

_INTEGER_BITS: tuple[tuple[type[Integer], int], ...] = (
    (BigInteger, 64),
    (SmallInteger, 16),
    (Integer, 32),  # PostgreSQL `integer` (int4); checked after its subclasses
)


def key_check(column: QueryableAttribute[Any]) -> KeyCheck:
    """The check for keys of `column`, from its SQL type (others: every key may match)."""
    sql_type: TypeEngine[Any] = column.expression.type
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    for integer_type, bits in _INTEGER_BITS:
        if isinstance(sql_type, integer_type):
            return _integer_check(str(column), bits)
    if isinstance(sql_type, String):
        return _string_check(str(column), sql_type.length)
    return _any


def _any(_key: object) -> bool:
    return True


def _integer_check(column: str, bits: int) -> KeyCheck:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def fits(key: object) -> bool:
        if not isinstance(key, int) or isinstance(key, bool):
            raise TypeError(f"a key of {column} must be an int, got {key!r}")
        return low <= key <= high

    return fits


def _string_check(column: str, length: int | None) -> KeyCheck:
    def fits(key: object) -> bool:
        if not isinstance(key, str):
            raise TypeError(f"a key of {column} must be a str, got {key!r}")
        if length is not None and len(key) > length:
            return False
        if key.isascii():
            return "\x00" not in key
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:  # an unpaired surrogate, e.g. from JSON "\ud800"
            return False
        return "\x00" not in key

    return fits
