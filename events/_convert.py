"""JSON <-> frozen dataclass payloads, checked against the dataclass's annotations.

A payload schema is a dataclass whose fields are `int`, `str`, `bool`, `float`,
`X | None`, `list[X]`, `tuple[X, ...]` or another such dataclass; in JSON the
field names are camelCase (`order_id` <-> `orderId`), like the envelope's. Decoding refuses
missing or unknown fields and wrong types (a consumer must not half-apply an event
it misreads); `bool` is never accepted as an `int`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, TypeVar, cast

T = TypeVar("T")


class PayloadError(ValueError):
    """A payload does not match its event type's schema."""


def to_json(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {camel(f.name): to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def from_json(kind: type[T], data: object, path: str = "payload") -> T:
    return cast(T, _convert(kind, data, path))


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def check_schema(kind: type, path: str = "payload") -> None:
    """Raise TypeError when `kind` uses an annotation the converter cannot read."""
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"{path}: an event payload must be a dataclass, got {kind!r}")
    for name, hint in _hints(kind).items():
        _check_hint(hint, f"{path}.{name}")


def _check_hint(hint: Any, path: str) -> None:
    origin = typing.get_origin(hint)
    if hint in (int, str, bool, float, type(None)):
        return
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if origin is tuple and (len(args) != 2 or args[1] is not Ellipsis):
            raise TypeError(f"{path}: only tuple[X, ...] is supported, got {hint!r}")
        _check_hint(args[0], f"{path}[]")
        return
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            _check_hint(arg, path)
        return
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        check_schema(hint, path)
        return
    raise TypeError(f"{path}: unsupported payload annotation {hint!r}")


def _convert(hint: Any, data: object, path: str) -> object:
    origin = typing.get_origin(hint)
    if hint is type(None):
        if data is None:
            return None
    elif hint is bool:
        if isinstance(data, bool):
            return data
    elif hint is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
    elif hint is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
    elif hint is str:
        if isinstance(data, str):
            return data
    elif origin in (list, tuple):
        if isinstance(data, list):
            items = [
                _convert(typing.get_args(hint)[0], v, f"{path}[{i}]") for i, v in enumerate(data)
            ]
            return items if origin is list else tuple(items)
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            try:
                return _convert(arg, data, path)
            except PayloadError:
                continue
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, path)
    raise PayloadError(f"{path}: expected {_name(hint)}, got {type(data).__name__}")


def _dataclass(kind: type, data: object, path: str) -> object:
    if not isinstance(data, dict):
        raise PayloadError(f"{path}: expected an object, got {type(data).__name__}")
    hints = {camel(name): (name, hint) for name, hint in _hints(kind).items()}
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise PayloadError(f"{path}: unknown field {unknown[0]!r}")
    values: dict[str, object] = {}
    for key, (name, hint) in hints.items():
        if key not in data:
            raise PayloadError(f"{path}: missing field {key!r}")
        values[name] = _convert(hint, data[key], f"{path}.{key}")
    return kind(**values)


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or repr(hint)
