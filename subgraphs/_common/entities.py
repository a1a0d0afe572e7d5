"""Resolving `_entities` representations, one entry at a time, never all-or-nothing.

Strawberry's own resolver pops `__typename` from each representation and looks the
type up without checks, so a representation without `__typename` or with an unknown
one fails the whole `_entities` field, and a key of the wrong type reaches
`resolve_reference` unchecked. Here every representation is validated on its own:

- not an object, no `__typename`, a type that is not an entity of this subgraph, a
  missing key field, or a key value of the wrong type -> a BAD_USER_INPUT error for
  that entry (path `_entities.<index>`) and `null` in its place;
- otherwise `resolve_reference` is called with the fields it declares, their values
  coerced by its annotations: `int` accepts an integer or a string of digits (IDs
  travel as strings), `str`/`strawberry.ID` accept a string or an integer, and
  `X | None` also accepts null; other annotations get the raw JSON value (e.g. the
  `@requires` fields `price: dict[str, object] | None`). Give parameters that not
  every representation carries (a second `@key`, `@requires` fields) a default. `info` is passed when
  declared; a `**kwargs` parameter receives the remaining fields unchecked.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from subgraphs._common.errors import MAX_ID, MIN_ID, bad_user_input, brief_repr

Coercer = Callable[[object], object]
_INTEGER = re.compile(r"-?[0-9]{1,19}")


class _WrongType(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


def _coerce_int(value: object) -> int:
    """An integer, or a string of ASCII digits (IDs travel as strings), within BIGINT."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
    else:
        raise _WrongType("an integer")
    if not MIN_ID <= number <= MAX_ID:
        raise _WrongType("an integer")
    return number


def _coerce_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _WrongType("a string")


def _raw(value: object) -> object:
    return value


def _optional(coerce: Coercer) -> Coercer:
    def coerce_optional(value: object) -> object:
        return None if value is None else coerce(value)

    return coerce_optional


_COERCERS: dict[object, Coercer] = {int: _coerce_int, str: _coerce_str, strawberry.ID: _coerce_str}


@dataclass(frozen=True, slots=True)
class _Parameter:
    name: str
    required: bool
    coerce: Coercer


@dataclass(frozen=True, slots=True)
class ReferenceSignature:
    """What a `resolve_reference` accepts, read once per entity type."""

    parameters: tuple[_Parameter, ...]
    wants_info: bool
    takes_rest: bool

    def arguments(self, type_name: str, representation: Mapping[str, object]) -> dict[str, object]:
        missing = [p.name for p in self.parameters if p.required and p.name not in representation]
        if missing:
            fields = ", ".join(repr(name) for name in missing)
            raise bad_user_input(f"representation of {type_name} is missing key field {fields}")
        arguments: dict[str, object] = {}
        for parameter in self.parameters:
            if parameter.name not in representation:
                continue
            value = representation[parameter.name]
            try:
                arguments[parameter.name] = parameter.coerce(value)
            except _WrongType as wrong:
                raise bad_user_input(
                    f"representation of {type_name} has a wrong type for key field "
                    f"{parameter.name!r}: expected {wrong.expected}, got {brief_repr(value)}"
                ) from None
        if self.takes_rest:
            known = {p.name for p in self.parameters} | {"__typename", "info"}
            arguments.update({k: v for k, v in representation.items() if k not in known})
        return arguments


@cache
def reference_signature(resolver: Callable[..., object]) -> ReferenceSignature:
    hints = get_type_hints(resolver)
    parameters: list[_Parameter] = []
    wants_info = takes_rest = False
    for name, parameter in inspect.signature(resolver).parameters.items():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            takes_rest = True
        elif name == "info":
            wants_info = True
        elif parameter.kind is not inspect.Parameter.VAR_POSITIONAL:
            required = parameter.default is inspect.Parameter.empty
            parameters.append(_Parameter(name, required, _coercer(hints.get(name))))
    return ReferenceSignature(tuple(parameters), wants_info, takes_rest)


def _coercer(annotation: object) -> Coercer:
    """The coercer for `int`, `str`, `ID`, or one of them `| None`; else the raw value."""
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1 and len(get_args(annotation)) == 2:
            return _optional(_coercer(members[0]))
        return _raw
    return _COERCERS.get(annotation, _raw)


async def resolve_representation(
    entity_types: Mapping[str, type], info: Info[Any, Any], representation: object
) -> object:
    """Resolve one representation; raise a GraphQLError for this entry only."""
    if not isinstance(representation, dict):
        raise bad_user_input(f"a representation must be an object, got {representation!r}")
    type_name = representation.get("__typename")
    if not isinstance(type_name, str):
        raise bad_user_input("representation has no __typename")
    origin = entity_types.get(type_name)
    if origin is None:
        raise bad_user_input(f"{type_name!r} is not an entity type of this subgraph")
    resolver = getattr(origin, "resolve_reference", None)
    if resolver is None:
        raise GraphQLError(f"entity type {type_name} has no resolve_reference")
    signature = reference_signature(resolver)
    arguments = signature.arguments(type_name, representation)
    if signature.wants_info:
        arguments["info"] = info
    result = resolver(**arguments)
    if inspect.isawaitable(result):
        result = await result
    return result
